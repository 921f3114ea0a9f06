//! Grading, a pure function of the scenario and the finished run: per objective, passed or
//! not, the measured value and, on failure, when it broke, what happened just before, and the
//! scenario's hints for it.

use crate::event_log::LogEvent;
use crate::control_plane::PipelineOutcome;
use crate::observer::{SecondSample, Summary, VersionSummary};
use crate::scenario::knobs::typed_value;
use crate::scenario::{Condition, DEFAULT_AB_MIN_REQUESTS, Metric, Objective, Scenario, Text};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    pub id: String,
    pub metric: Metric,
    pub comparison: &'static str,
    pub target: f64,
    /// `None` when the run measured nothing for it (e.g. no completed request).
    pub measured: Option<f64>,
    pub passed: bool,
    pub first_broken_s: Option<u64>,
    /// When and how it broke, for the app to word in the learner's language.
    pub breach: Option<Breach>,
    /// Failed, with nothing measured because failures alone broke a latency objective: the
    /// share of answered requests that failed (0–1).
    pub failed_share: Option<f64>,
    /// Failed with nothing measured for a reason of its metric (a short A/B sample, a change
    /// that never shipped).
    pub unmeasured: Option<Unmeasured>,
    /// The causal events just before it broke.
    pub causes: Vec<LogEvent>,
    pub hints: Vec<Text>,
}

/// The share of requests a latency objective lets fail: a failed request counts as slower than
/// any success, so a p99 is only met while at least 99 % of the answered requests succeed
/// (a mean, like the median, while at least half do).
pub fn failure_allowance(m: Metric) -> Option<f64> {
    match m {
        Metric::LatencyMeanMs | Metric::LatencyP50Ms => Some(0.5),
        Metric::LatencyP90Ms => Some(0.1),
        Metric::LatencyP95Ms => Some(0.05),
        Metric::LatencyP99Ms | Metric::VersionLatencyP99Ms => Some(0.01),
        _ => None,
    }
}

/// The whole-run value of an objective's metric (per-version metrics read its version).
pub fn measure_objective(o: &Objective, s: &Summary) -> Option<f64> {
    let Some(name) = o.version.as_deref().filter(|_| o.metric.per_version()) else { return measure(o.metric, s) };
    let v = s.versions.iter().find(|v| v.version == name)?;
    match o.metric {
        Metric::VersionLatencyP99Ms => {
            if failures_break(o.metric, v.failed as f64, (v.completed + v.failed) as f64) {
                return None;
            }
            v.latency_ms.p99
        }
        Metric::VersionErrorRate => {
            let answered = v.completed + v.failed;
            Some(if answered > 0 { v.failed as f64 / answered as f64 } else { 0.0 })
        }
        Metric::VersionFailedRequests => Some(v.failed as f64),
        Metric::AbConfidence => {
            let base = baseline(o, s)?;
            if short_sample(o, s).is_some() {
                return None;
            }
            Some(two_proportion_confidence(base.failed, base.completed + base.failed, v.failed, v.completed + v.failed))
        }
        _ => None,
    }
}

/// The version an `ab_confidence` objective compares against (its `baseline`, or the first).
fn baseline<'a>(o: &Objective, s: &'a Summary) -> Option<&'a VersionSummary> {
    match &o.baseline {
        Some(b) => s.versions.iter().find(|v| v.version == *b),
        None => s.versions.first(),
    }
}

/// An `ab_confidence` objective's version or baseline that answered fewer requests than its
/// `min_requests`.
fn short_sample(o: &Objective, s: &Summary) -> Option<Unmeasured> {
    if o.metric != Metric::AbConfidence {
        return None;
    }
    let min = o.min_requests.unwrap_or(DEFAULT_AB_MIN_REQUESTS);
    let version = s.versions.iter().find(|v| Some(&v.version) == o.version.as_ref());
    [version, baseline(o, s)]
        .into_iter()
        .flatten()
        .map(|v| Unmeasured::ShortSample { version: v.version.clone(), answered: v.completed + v.failed, min })
        .find(|u| matches!(u, Unmeasured::ShortSample { answered, min, .. } if answered < min))
}

/// Confidence that two failure rates differ: 1 − p of the two-sided two-proportion z-test
/// (pooled standard error), `erf(|z| / √2)`; 0 when neither group failed or one is empty.
pub fn two_proportion_confidence(failed_a: u64, answered_a: u64, failed_b: u64, answered_b: u64) -> f64 {
    if answered_a == 0 || answered_b == 0 {
        return 0.0;
    }
    let (na, nb) = (answered_a as f64, answered_b as f64);
    let pooled = (failed_a + failed_b) as f64 / (na + nb);
    let se = libm::sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb));
    if se <= 0.0 {
        return 0.0;
    }
    let z = (failed_b as f64 / nb - failed_a as f64 / na) / se;
    libm::erf(z.abs() / std::f64::consts::SQRT_2)
}

/// Why a failed objective has no measured value beyond failures: for the wording of its reason.
#[derive(Clone, Debug, PartialEq)]
pub enum Unmeasured {
    /// `ab_confidence`: a version answered fewer requests than the comparison needs.
    ShortSample { version: String, answered: u64, min: u64 },
    /// `lead_time_s`: the change never shipped; where the pipeline ended and the refused action.
    NeverShipped { outcome: PipelineOutcome, denied: Option<String> },
}

/// Whether failures alone break a latency objective: `failed` of `answered` is more than it allows.
fn failures_break(m: Metric, failed: f64, answered: f64) -> bool {
    failure_allowance(m).is_some_and(|a| answered > 0.0 && failed > a * answered)
}

/// The whole-run value of a metric; `None` when nothing was measured, for per-version metrics
/// (see `measure_objective`), or when a latency objective's percentile falls among failed
/// requests (see `failure_allowance`).
pub fn measure(m: Metric, s: &Summary) -> Option<f64> {
    if failures_break(m, s.failed as f64, (s.completed + s.failed) as f64) {
        return None;
    }
    measure_successes(m, s)
}

/// The metric over what was measured, ignoring failures (the latency of successful requests).
fn measure_successes(m: Metric, s: &Summary) -> Option<f64> {
    match m {
        Metric::LatencyMeanMs => s.latency_ms.mean,
        Metric::LatencyP50Ms => s.latency_ms.p50,
        Metric::LatencyP90Ms => s.latency_ms.p90,
        Metric::LatencyP95Ms => s.latency_ms.p95,
        Metric::LatencyP99Ms => s.latency_ms.p99,
        Metric::Availability => Some(s.availability),
        Metric::ErrorRate => Some(s.error_rate),
        Metric::FailedRequests => Some(s.failed as f64),
        Metric::RejectedRequests => Some(s.rejected as f64),
        Metric::TimedOutRequests => Some(s.timed_out as f64),
        Metric::MaxQueue => Some(s.max_queue as f64),
        Metric::Utilization => Some(s.utilization),
        Metric::CostPerHour => Some(s.cost_per_hour),
        Metric::ThroughputRps => Some(s.throughput_rps),
        Metric::VersionLatencyP99Ms | Metric::VersionErrorRate | Metric::VersionFailedRequests | Metric::AbConfidence => None,
        Metric::MixedUsers => s.mixed_users,
        // Never shipped (a stage denied, the tests stopped it, not yet): nothing to measure.
        Metric::LeadTimeS => s.pipeline.as_ref().and_then(|p| p.deployed_at_s.map(|d| d - p.committed_at_s)),
        Metric::ExcessPermissions => s.pipeline.as_ref().and_then(|p| p.excess_permissions.map(f64::from)),
        // No release yet: nothing failed on a new version.
        Metric::BlastRadius => Some(s.release.as_ref().map_or(0.0, |r| r.blast_radius as f64)),
        Metric::TimeToDetectS => s.release.as_ref().and_then(|r| r.time_to_detect_s),
        Metric::DbPoolUtilization => Some(s.db_utilization),
        Metric::CacheHitRatio => s.cache_hit_ratio,
        Metric::RecoveryS => s.recovery.as_ref().and_then(|r| r.seconds),
        Metric::OomKills => s.memory.as_ref().map(|m| m.oom_kills as f64),
        Metric::Evictions => s.memory.as_ref().map(|m| m.evictions as f64),
        Metric::PeakPodMemoryMi => s.memory.as_ref().map(|m| m.peak_pod_mi),
        Metric::DiskUtilization => s.disk_utilization,
        Metric::NetworkUtilization => s.network_utilization,
    }
}

/// When and how an objective broke, as data the app can word in any language.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Breach {
    /// A per-second value (a latency percentile, the queue) crossed the target and stayed over
    /// it for a while (the first run of at least `SUSTAINED` seconds, else the first second).
    Second { at_s: u64, value: f64 },
    /// A whole-run ratio: bad requests so far exceeded the run's error budget
    /// (`(1 - target) × answered` for availability, `target × answered` for the error rate).
    Budget {
        at_s: u64,
        budget: f64,
        answered: u64,
        /// Bad requests over the whole run.
        #[serde(skip)]
        spent: f64,
    },
    /// A total (failed, rejected, timed-out requests) passed its limit.
    Total { at_s: u64, value: f64 },
}

impl Breach {
    pub fn at_s(&self) -> u64 {
        match self {
            Breach::Second { at_s, .. } | Breach::Budget { at_s, .. } | Breach::Total { at_s, .. } => *at_s,
        }
    }
}

/// What a live tick shows: the value, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// More of the run's requests failed than a latency objective allows (% failed).
    FailedRun(f64),
    /// More failed in the latest second than it allows (% failed).
    FailingNow(f64),
    Value(f64),
    /// Requests were answered but none succeeded.
    NoSuccess,
    /// Nothing answered yet.
    Nothing,
    /// `ab_confidence`: a version has answered fewer requests than the comparison needs.
    ShortSample { version: String, answered: u64, min: u64 },
}

/// How an objective stands while the run goes on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    OnTrack,
    OffTrack,
    /// Nothing to judge yet (no request answered).
    Pending,
}

/// The objective as it stands after `summary` (the run so far), with `last` the latest closed
/// second: a latency objective is never on track while, in that second, more requests fail than
/// its percentile allows (they count as slower than any success), or while the run's do.
pub fn live_state(o: &Objective, summary: &Summary, last: Option<&SecondSample>) -> (LiveState, Option<f64>, Reading) {
    let m = o.metric;
    let value = measure_objective(o, summary);
    let answered = summary.completed + summary.failed;
    // A per-version objective applies the failure rule to its version's requests (in `measure_objective`).
    let whole = !m.per_version();
    let failing_now = whole && last.is_some_and(|s| failures_break(m, s.failed_rps, answered_in(s)));
    let failing_run = whole && failures_break(m, summary.failed as f64, answered as f64);
    let pct = |failed: f64, of: f64| if of > 0.0 { failed / of * 100.0 } else { 0.0 };
    let (state, reading) = if failing_run {
        (LiveState::OffTrack, Reading::FailedRun(pct(summary.failed as f64, answered as f64)))
    } else if failing_now {
        let s = last.expect("failing_now needs a second");
        (LiveState::OffTrack, Reading::FailingNow(pct(s.failed_rps, answered_in(s))))
    } else {
        match value {
            Some(v) => {
                let state = if o.comparison.holds(v, o.value) { LiveState::OnTrack } else { LiveState::OffTrack };
                (state, Reading::Value(v))
            }
            None => match short_sample(o, summary) {
                Some(Unmeasured::ShortSample { version, answered, min }) => (LiveState::Pending, Reading::ShortSample { version, answered, min }),
                _ if answered > 0 => (LiveState::OffTrack, Reading::NoSuccess),
                _ => (LiveState::Pending, Reading::Nothing),
            },
        }
    };
    (state, value, reading)
}

fn answered_in(s: &SecondSample) -> f64 {
    s.completed_rps + s.failed_rps
}

/// Seconds a per-second breach must last to be the one the reason names (noise is shorter).
const SUSTAINED: usize = 3;

fn answered(s: &SecondSample) -> f64 {
    s.completed_rps + s.failed_rps
}

/// Finds when objective `o` broke in `series` (only called when the whole run failed it).
fn breach(o: &Objective, series: &[SecondSample], summary: &Summary) -> Option<Breach> {
    let total_answered = summary.completed + summary.failed;
    let cumulative = |bad: &dyn Fn(&SecondSample) -> f64, budget: f64| {
        let mut sum = 0.0;
        series.iter().find(|s| {
            sum += bad(s);
            sum > budget
        })
    };
    match o.metric {
        Metric::Availability | Metric::ErrorRate => {
            let availability = o.metric == Metric::Availability;
            let budget = if availability { (1.0 - o.value) * total_answered as f64 } else { o.value * total_answered as f64 };
            let bad = |s: &SecondSample| if availability { answered(s) * (1.0 - s.availability) } else { s.failed_rps };
            // Bad requests over the whole run, against the budget.
            let spent = if availability {
                total_answered as f64 * (1.0 - summary.availability)
            } else {
                total_answered as f64 * summary.error_rate
            };
            cumulative(&bad, budget).map(|s| Breach::Budget { at_s: s.t, budget, answered: total_answered, spent })
        }
        Metric::FailedRequests
        | Metric::RejectedRequests
        | Metric::TimedOutRequests
        | Metric::OomKills
        | Metric::Evictions
        | Metric::VersionFailedRequests
        | Metric::BlastRadius => {
            let release = summary.release.as_ref().map(|r| &r.version);
            let version_failed = |s: &SecondSample, name: Option<&String>| {
                s.versions.iter().find(|v| Some(&v.version) == name).map_or(0.0, |v| v.failed as f64)
            };
            let count = |s: &SecondSample| match o.metric {
                Metric::FailedRequests => s.failed_rps,
                Metric::RejectedRequests => s.rejected as f64,
                Metric::OomKills => s.memory.as_ref().map_or(0.0, |m| m.oom_kills as f64),
                Metric::Evictions => s.memory.as_ref().map_or(0.0, |m| m.evictions as f64),
                Metric::VersionFailedRequests => version_failed(s, o.version.as_ref()),
                Metric::BlastRadius => version_failed(s, release),
                _ => s.timed_out as f64,
            };
            let mut sum = 0.0;
            series
                .iter()
                .find(|s| {
                    sum += count(s);
                    sum > o.value
                })
                .map(|s| Breach::Total { at_s: s.t, value: sum })
        }
        _ => {
            let value = |s: &SecondSample| match o.metric {
                Metric::LatencyMeanMs => s.mean_ms,
                Metric::LatencyP50Ms => s.p50_ms,
                Metric::LatencyP90Ms => s.p90_ms,
                Metric::LatencyP95Ms => s.p95_ms,
                Metric::LatencyP99Ms => s.p99_ms,
                Metric::MaxQueue => Some(s.max_queue as f64),
                Metric::Utilization => Some(s.utilization),
                Metric::VersionLatencyP99Ms => s.versions.iter().find(|v| Some(&v.version) == o.version.as_ref()).and_then(|v| v.p99_ms),
                Metric::DiskUtilization => s.disk_utilization,
                Metric::NetworkUtilization => s.network_utilization,
                Metric::PeakPodMemoryMi => s.memory.as_ref().map(|m| m.max_pod_mi),
                _ => None,
            };
            // A second where more requests failed than the percentile allows is over, whatever
            // its successes' latency (value: infinite, "failures").
            let value = |s: &SecondSample| {
                if failures_break(o.metric, s.failed_rps, answered_in(s)) { Some(f64::INFINITY) } else { value(s) }
            };
            let over: Vec<bool> = series.iter().map(|s| value(s).is_some_and(|v| !o.comparison.holds(v, o.value))).collect();
            let sustained = (0..series.len()).find(|&i| over[i..].iter().take(SUSTAINED).filter(|b| **b).count() == SUSTAINED);
            let first = sustained.or_else(|| over.iter().position(|b| *b))?;
            value(&series[first]).map(|v| Breach::Second { at_s: series[first].t, value: v })
        }
    }
}

fn grade_one(o: &Objective, sc: &Scenario, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Grade {
    let measured = measure_objective(o, summary);
    // An objective on latency with nothing completed cannot pass: nothing was served.
    let passed = measured.is_some_and(|v| o.comparison.holds(v, o.value));
    let mut g = Grade {
        id: o.id.clone(),
        metric: o.metric,
        comparison: o.comparison.symbol(),
        target: o.value,
        measured,
        passed,
        first_broken_s: None,
        breach: None,
        failed_share: None,
        unmeasured: None,
        causes: vec![],
        hints: vec![],
    };
    if passed {
        return g;
    }
    // The seconds after the warm-up (the series is in time order): borrowed, a day's run is long.
    let measured_series = &series[series.partition_point(|s| s.t < sc.warmup_s)..];
    let broke = breach(o, measured_series, summary);
    let answered = (summary.completed + summary.failed) as f64;
    if measured.is_none() && failures_break(o.metric, summary.failed as f64, answered) {
        g.failed_share = Some(if answered > 0.0 { summary.failed as f64 / answered } else { 0.0 });
    }
    if measured.is_none() {
        g.unmeasured = short_sample(o, summary).or_else(|| {
            let p = summary.pipeline.as_ref().filter(|_| o.metric == Metric::LeadTimeS)?;
            Some(Unmeasured::NeverShipped { outcome: p.outcome, denied: p.denied.clone() })
        });
    }
    if let Some(b) = &broke {
        g.first_broken_s = Some(b.at_s());
        let end = (b.at_s() + 1) as f64;
        g.causes = causes(events, end);
    }
    g.breach = broke;
    g.hints = hints_for(o, sc, summary);
    g
}

/// A knob's value in the run's scenario (defaults included).
fn knob_value(sc: &Scenario, path: &str) -> Option<toml::Value> {
    typed_value(sc, path)
}

/// Whether every condition holds for this run (an empty list always does).
fn all_hold(conditions: &[Condition], sc: &Scenario, summary: &Summary) -> bool {
    conditions.iter().all(|c| match (&c.knob, c.metric) {
        (Some(path), _) => knob_value(sc, path).is_some_and(|v| c.holds_for_value(&v)),
        (None, Some(m)) => measure(m, summary).is_some_and(|v| c.in_bounds(v)),
        (None, None) => false,
    })
}

/// The scenario's hints for a failed objective whose conditions hold, then the hints of the
/// wrong answers this run matches (their `when`, or else every knob they set at their value).
fn hints_for(o: &Objective, sc: &Scenario, summary: &Summary) -> Vec<Text> {
    let mut out: Vec<Text> =
        sc.hints.iter().filter(|h| h.objective == o.id && all_hold(&h.when, sc, summary)).map(|h| h.text.clone()).collect();
    for w in sc.wrong_answers.iter().filter(|w| w.fails.contains(&o.id)) {
        let matches = if w.when.is_empty() {
            w.settings().iter().all(|(path, want)| knob_value(sc, path).is_some_and(|v| same_value(&v, want)))
        } else {
            all_hold(&w.when, sc, summary)
        };
        if matches && !out.contains(&w.hint) {
            out.push(w.hint.clone());
        }
    }
    out
}

/// Knob values compare as numbers when both are numbers (7 equals 7.0), else as they are.
fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    let num = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b || (a.as_bool().map(|x| x.to_string()).as_deref() == b.as_str()),
    }
}

/// Routine lifecycle lines: they happen in every run and explain little on their own.
const ROUTINE: &[&str] = &["start", "pod_terminating", "pod_gone", "kubelet", "replicaset", "deployment"];

fn routine(e: &LogEvent) -> bool {
    ROUTINE.contains(&e.tag())
}

/// The three decisive events up to `end` (faults, releases, controller decisions, failure
/// onsets), falling back to routine ones when there are not enough.
fn causes(events: &[LogEvent], end: f64) -> Vec<LogEvent> {
    let before: Vec<&LogEvent> = events.iter().filter(|e| e.t <= end).collect();
    let mut picked: Vec<&LogEvent> = before.iter().rev().filter(|e| !routine(e)).take(3).copied().collect();
    if picked.len() < 3 {
        picked.extend(before.iter().rev().filter(|e| routine(e)).take(3 - picked.len()).copied());
    }
    crate::kube::stable_sorted(picked, &|a, b| a.t.total_cmp(&b.t)).into_iter().cloned().collect()
}

pub fn grade(sc: &Scenario, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Vec<Grade> {
    sc.objectives.iter().map(|o| grade_one(o, sc, summary, series, events)).collect()
}
