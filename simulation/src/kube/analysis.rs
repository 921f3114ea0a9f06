//! Argo Rollouts AnalysisRun semantics (`analysis/analysis.go`,
//! `utils/evaluate/evaluate.go`), and Flagger's rollback rule for contrast.

/// Defaults of a metric in an AnalysisTemplate.
pub const DEFAULT_FAILURE_LIMIT: i32 = 0;
pub const DEFAULT_INCONCLUSIVE_LIMIT: i32 = 0;
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i32 = 4;
pub const DEFAULT_CONSECUTIVE_SUCCESS_LIMIT: i32 = 0;

/// Comparison of a condition written as a threshold (`result[0] >= 0.95`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Comparison {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Condition {
    pub op: Comparison,
    pub threshold: f64,
}

impl Condition {
    pub fn holds(&self, v: f64) -> bool {
        let t = self.threshold;
        match self.op {
            Comparison::Ge => v >= t,
            Comparison::Gt => v > t,
            Comparison::Le => v <= t,
            Comparison::Lt => v < t,
            Comparison::Eq => v == t,
            Comparison::Ne => v != t,
        }
    }
}

/// Phase of a measurement, metric or run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnalysisPhase {
    /// Ordered from best to worst, so the run phase is the max.
    Successful,
    Pending,
    Running,
    Inconclusive,
    Error,
    Failed,
}

/// `EvaluateResult`: failure wins if both hold; neither set counts as
/// Successful (the code, not the docs); a provider error is Error.
pub fn classify_measurement(value: Result<f64, String>, success: Option<Condition>, failure: Option<Condition>) -> AnalysisPhase {
    let Ok(v) = value else {
        return AnalysisPhase::Error;
    };
    match (success, failure) {
        (None, None) => AnalysisPhase::Successful,
        (Some(s), None) => {
            if s.holds(v) {
                AnalysisPhase::Successful
            } else {
                AnalysisPhase::Failed
            }
        }
        (None, Some(f)) => {
            if f.holds(v) {
                AnalysisPhase::Failed
            } else {
                AnalysisPhase::Successful
            }
        }
        (Some(s), Some(f)) => {
            if f.holds(v) {
                AnalysisPhase::Failed
            } else if s.holds(v) {
                AnalysisPhase::Successful
            } else {
                AnalysisPhase::Inconclusive
            }
        }
    }
}

/// Limits and count of one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricLimits {
    /// `None` with `interval` set = runs until stopped.
    pub count: Option<i32>,
    pub has_interval: bool,
    /// `-1` disables the check.
    pub failure_limit: i32,
    pub inconclusive_limit: i32,
    pub consecutive_error_limit: i32,
    pub consecutive_success_limit: i32,
}

impl Default for MetricLimits {
    fn default() -> Self {
        MetricLimits {
            count: None,
            has_interval: false,
            failure_limit: DEFAULT_FAILURE_LIMIT,
            inconclusive_limit: DEFAULT_INCONCLUSIVE_LIMIT,
            consecutive_error_limit: DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            consecutive_success_limit: DEFAULT_CONSECUTIVE_SUCCESS_LIMIT,
        }
    }
}

/// `assessMetricStatus` over the measurements so far. Errors do not count
/// toward `count`; other phases reset the consecutive-error run.
pub fn metric_phase(limits: &MetricLimits, measurements: &[AnalysisPhase], terminating: bool) -> AnalysisPhase {
    if measurements.is_empty() {
        return if terminating { AnalysisPhase::Successful } else { AnalysisPhase::Pending };
    }
    let (mut failed, mut inconclusive, mut count, mut consecutive_errors, mut consecutive_success) = (0, 0, 0, 0, 0);
    for m in measurements {
        match m {
            AnalysisPhase::Error => consecutive_errors += 1,
            other => {
                count += 1;
                consecutive_errors = 0;
                match other {
                    AnalysisPhase::Failed => failed += 1,
                    AnalysisPhase::Inconclusive => inconclusive += 1,
                    _ => {}
                }
                consecutive_success = if *other == AnalysisPhase::Successful { consecutive_success + 1 } else { 0 };
            }
        }
    }
    // Strict `>`: failureLimit 3 fails on the 4th failed measurement.
    if limits.failure_limit >= 0 && failed > limits.failure_limit {
        return AnalysisPhase::Failed;
    }
    if inconclusive > limits.inconclusive_limit {
        return AnalysisPhase::Inconclusive;
    }
    if limits.consecutive_error_limit >= 0 && consecutive_errors > limits.consecutive_error_limit {
        return AnalysisPhase::Error;
    }
    let effective_count = limits.count.or(if limits.has_interval { None } else { Some(1) });
    if limits.consecutive_success_limit > 0 && consecutive_success >= limits.consecutive_success_limit {
        return AnalysisPhase::Successful;
    }
    if effective_count.is_some_and(|c| count >= c) {
        return if limits.consecutive_success_limit > 0 { AnalysisPhase::Inconclusive } else { AnalysisPhase::Successful };
    }
    if terminating { AnalysisPhase::Successful } else { AnalysisPhase::Running }
}

/// The run's phase: the worst of its metrics. Failed or Error aborts the rollout.
pub fn run_phase(metric_phases: &[AnalysisPhase]) -> AnalysisPhase {
    metric_phases.iter().copied().max().unwrap_or(AnalysisPhase::Successful)
}

/// Flagger: roll back when `failedChecks >= threshold` (note `>=`, unlike Argo's `>`).
pub fn flagger_should_rollback(failed_checks: i32, threshold: i32) -> bool {
    failed_checks >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnalysisPhase::*;

    #[test]
    fn classification_table() {
        let s = Some(Condition { op: Comparison::Ge, threshold: 0.95 });
        let f = Some(Condition { op: Comparison::Lt, threshold: 0.9 });
        let cases = [
            (Ok(0.97), s, None, Successful),
            (Ok(0.93), s, None, Failed),
            (Ok(0.85), None, f, Failed),
            (Ok(0.93), None, f, Successful),
            (Ok(0.93), s, f, Inconclusive),
            (Ok(0.80), s, f, Failed),
            (Ok(0.99), s, f, Successful),
            (Ok(0.10), None, None, Successful),
            (Err("timeout".to_string()), s, f, Error),
        ];
        for (v, s, f, want) in cases {
            assert_eq!(classify_measurement(v.clone(), s, f), want, "{v:?}");
        }
    }

    #[test]
    fn metric_phase_table() {
        let l3 = MetricLimits { count: Some(10), has_interval: true, failure_limit: 3, ..Default::default() };
        assert_eq!(metric_phase(&l3, &[Failed, Failed, Failed], false), Running);
        assert_eq!(metric_phase(&l3, &[Failed, Failed, Failed, Failed], false), Failed);
        let d = MetricLimits::default();
        assert_eq!(metric_phase(&d, &[Failed], false), Failed);
        assert_eq!(metric_phase(&d, &[Successful], false), Successful);
        assert_eq!(metric_phase(&d, &[], false), Pending);
        let forever = MetricLimits { has_interval: true, ..Default::default() };
        assert_eq!(metric_phase(&forever, &[Error, Error, Error, Error], false), Running);
        assert_eq!(metric_phase(&forever, &[Error; 5], false), Error);
        assert_eq!(metric_phase(&forever, &[Successful; 3], true), Successful);
        let disabled = MetricLimits { failure_limit: -1, count: Some(2), has_interval: true, ..Default::default() };
        assert_eq!(metric_phase(&disabled, &[Failed, Failed], false), Successful);
    }

    #[test]
    fn run_phase_and_flagger() {
        assert_eq!(run_phase(&[Successful, Running]), Running);
        assert_eq!(run_phase(&[Successful, Failed, Inconclusive]), Failed);
        assert!(!flagger_should_rollback(2, 3));
        assert!(flagger_should_rollback(3, 3));
    }
}
