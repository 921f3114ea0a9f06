//! Grading, a pure function of the scenario and the finished run: per objective, passed or
//! not, the measured value and, on failure, when it broke, what happened just before, and the
//! scenario's hints for it.

use crate::event_log::LogEvent;
use crate::kernel::SimTime;
use crate::report::{SecondSample, Summary};
use crate::scenario::{Metric, Objective, Scenario, Text};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grade {
    pub id: String,
    pub metric: Metric,
    pub comparison: &'static str,
    pub target: f64,
    /// `None` when the run measured nothing for it (e.g. no completed request).
    pub measured: Option<f64>,
    pub passed: bool,
    /// Why it failed, from what happened ("p99 latency broke 300 ms at 01:12 (…)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken_s: Option<u64>,
    /// The causal events just before it broke.
    pub causes: Vec<LogEvent>,
    pub hints: Vec<Text>,
}

fn label(m: Metric) -> (&'static str, &'static str) {
    match m {
        Metric::LatencyMeanMs => ("mean latency", "ms"),
        Metric::LatencyP50Ms => ("p50 latency", "ms"),
        Metric::LatencyP90Ms => ("p90 latency", "ms"),
        Metric::LatencyP95Ms => ("p95 latency", "ms"),
        Metric::LatencyP99Ms => ("p99 latency", "ms"),
        Metric::Availability => ("availability", ""),
        Metric::ErrorRate => ("error rate", ""),
        Metric::FailedRequests => ("failed requests", ""),
        Metric::RejectedRequests => ("rejected requests", ""),
        Metric::TimedOutRequests => ("timed-out requests", ""),
        Metric::MaxQueue => ("queue length", ""),
        Metric::Utilization => ("utilization", ""),
        Metric::CostPerHour => ("cost per hour", ""),
        Metric::ThroughputRps => ("throughput", "rps"),
    }
}

fn fmt_value(m: Metric, v: f64) -> String {
    match m {
        Metric::Availability | Metric::ErrorRate | Metric::Utilization => format!("{:.3} %", v * 100.0),
        Metric::FailedRequests | Metric::RejectedRequests | Metric::TimedOutRequests | Metric::MaxQueue => format!("{v:.0}"),
        _ => {
            let (_, unit) = label(m);
            if unit.is_empty() { format!("{v:.2}") } else { format!("{v:.1} {unit}") }
        }
    }
}

/// The whole-run value of a metric.
pub fn measure(m: Metric, s: &Summary) -> Option<f64> {
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
    }
}

/// The same metric within one second (counts are cumulative, since the objective is a total).
fn per_second(m: Metric, s: &SecondSample, cum: &mut [u64; 3]) -> Option<f64> {
    cum[0] += s.rejected + s.timed_out + s.errors + s.pod_killed + s.no_endpoint;
    cum[1] += s.rejected;
    cum[2] += s.timed_out;
    match m {
        Metric::LatencyMeanMs => s.mean_ms,
        Metric::LatencyP50Ms => s.p50_ms,
        Metric::LatencyP90Ms => s.p90_ms,
        Metric::LatencyP95Ms => s.p95_ms,
        Metric::LatencyP99Ms => s.p99_ms,
        Metric::Availability => Some(s.availability),
        Metric::ErrorRate => Some(s.error_rate),
        Metric::FailedRequests => Some(cum[0] as f64),
        Metric::RejectedRequests => Some(cum[1] as f64),
        Metric::TimedOutRequests => Some(cum[2] as f64),
        Metric::MaxQueue => Some(s.max_queue as f64),
        Metric::Utilization => Some(s.utilization),
        Metric::CostPerHour | Metric::ThroughputRps => None,
    }
}

fn grade_one(o: &Objective, sc: &Scenario, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Grade {
    let measured = measure(o.metric, summary);
    // An objective on latency with nothing completed cannot pass: nothing was served.
    let passed = measured.is_some_and(|v| o.comparison.holds(v, o.value));
    let (name, _) = label(o.metric);
    let mut g = Grade {
        id: o.id.clone(),
        metric: o.metric,
        comparison: o.comparison.symbol(),
        target: o.value,
        measured,
        passed,
        reason: None,
        first_broken_s: None,
        causes: vec![],
        hints: vec![],
    };
    if passed {
        return g;
    }
    let mut cum = [0u64; 3];
    let broke = series
        .iter()
        .filter(|s| s.t >= sc.warmup_s)
        .find(|s| per_second(o.metric, s, &mut cum).is_some_and(|v| !o.comparison.holds(v, o.value)));
    let target = fmt_value(o.metric, o.value);
    let whole = measured.map(|v| fmt_value(o.metric, v)).unwrap_or_else(|| "nothing measured".into());
    g.reason = Some(match broke {
        Some(s) => {
            let mut c2 = [0u64; 3];
            let at_value = series.iter().take_while(|x| x.t <= s.t).filter(|x| x.t >= sc.warmup_s).fold(None, |_, x| per_second(o.metric, x, &mut c2));
            let at = at_value.map(|v| fmt_value(o.metric, v)).unwrap_or_default();
            format!("{name} broke {target} at {} ({at} in that second); whole run: {whole}", SimTime::from_secs(s.t))
        }
        None => format!("{name} {whole}, objective {} {target}", o.comparison.symbol()),
    });
    if let Some(s) = broke {
        g.first_broken_s = Some(s.t);
        let end = (s.t + 1) as f64;
        let before: Vec<&LogEvent> = events.iter().filter(|e| e.t <= end).collect();
        g.causes = before.iter().rev().take(3).rev().map(|e| (*e).clone()).collect();
    }
    g.hints = sc.hints.iter().filter(|h| h.objective == o.id).map(|h| h.text.clone()).collect();
    g
}

pub fn grade(sc: &Scenario, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Vec<Grade> {
    sc.objectives.iter().map(|o| grade_one(o, sc, summary, series, events)).collect()
}
