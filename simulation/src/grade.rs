//! Grading, a pure function of the scenario and the finished run: per objective, passed or
//! not, the measured value and, on failure, when it broke, what happened just before, and the
//! scenario's hints for it.

use crate::event_log::LogEvent;
use crate::kernel::SimTime;
use crate::report::{SecondSample, Summary};
use crate::scenario::{Condition, Metric, Objective, Scenario, Text, lookup};
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
    /// Why it failed, from what happened ("p99 broke 300 ms at 01:12 (…)"), and in Korean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_ko: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken_s: Option<u64>,
    /// When and how it broke, for the app to word in the learner's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
    /// The causal events just before it broke.
    pub causes: Vec<LogEvent>,
    pub hints: Vec<Text>,
}

fn label_ko(m: Metric) -> &'static str {
    match m {
        Metric::LatencyMeanMs => "평균 응답 시간",
        Metric::LatencyP50Ms => "p50 응답 시간",
        Metric::LatencyP90Ms => "p90 응답 시간",
        Metric::LatencyP95Ms => "p95 응답 시간",
        Metric::LatencyP99Ms => "p99 응답 시간",
        Metric::Availability => "가용성",
        Metric::ErrorRate => "에러율",
        Metric::FailedRequests => "실패한 요청",
        Metric::RejectedRequests => "거절된 요청",
        Metric::TimedOutRequests => "타임아웃된 요청",
        Metric::MaxQueue => "대기열 길이",
        Metric::Utilization => "이용률",
        Metric::CostPerHour => "시간당 비용",
        Metric::ThroughputRps => "처리량",
    }
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

/// When and how an objective broke, as data the app can word in any language.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Breach {
    /// A per-second value (a latency percentile, the queue) crossed the target and stayed over
    /// it for a while (the first run of at least `SUSTAINED` seconds, else the first second).
    Second { at_s: u64, value: f64 },
    /// A whole-run ratio: bad requests so far exceeded the run's error budget
    /// (`(1 - target) × answered` for availability, `target × answered` for the error rate).
    Budget { at_s: u64, budget: f64, answered: u64 },
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
            cumulative(&bad, budget).map(|s| Breach::Budget { at_s: s.t, budget, answered: total_answered })
        }
        Metric::FailedRequests | Metric::RejectedRequests | Metric::TimedOutRequests => {
            let count = |s: &SecondSample| match o.metric {
                Metric::FailedRequests => s.failed_rps,
                Metric::RejectedRequests => s.rejected as f64,
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
                _ => None,
            };
            let over: Vec<bool> = series.iter().map(|s| value(s).is_some_and(|v| !o.comparison.holds(v, o.value))).collect();
            let sustained = (0..series.len()).find(|&i| over[i..].iter().take(SUSTAINED).filter(|b| **b).count() == SUSTAINED);
            let first = sustained.or_else(|| over.iter().position(|b| *b))?;
            value(&series[first]).map(|v| Breach::Second { at_s: series[first].t, value: v })
        }
    }
}

fn grade_one(o: &Objective, sc: &Scenario, doc: &KnobDoc, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Grade {
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
        reason_ko: None,
        first_broken_s: None,
        breach: None,
        causes: vec![],
        hints: vec![],
    };
    if passed {
        return g;
    }
    let measured_series: Vec<SecondSample> = series.iter().filter(|s| s.t >= sc.warmup_s).cloned().collect();
    let broke = breach(o, &measured_series, summary);
    let target = fmt_value(o.metric, o.value);
    let whole = measured.map(|v| fmt_value(o.metric, v)).unwrap_or_else(|| "nothing measured".into());
    g.reason = Some(match &broke {
        Some(Breach::Second { at_s, value }) => {
            format!(
                "{name} broke {target} at {} ({} in that second); whole run: {whole}",
                SimTime::from_secs(*at_s),
                fmt_value(o.metric, *value)
            )
        }
        Some(Breach::Budget { at_s, budget, answered }) => format!(
            "{name}: the error budget ({budget:.0} bad of {answered} requests) ran out at {}; whole run: {whole}",
            SimTime::from_secs(*at_s)
        ),
        Some(Breach::Total { at_s, value }) => {
            format!("{name} passed {target} at {} ({value:.0} so far); whole run: {whole}", SimTime::from_secs(*at_s))
        }
        None => format!("{name} {whole}, objective {} {target}", o.comparison.symbol()),
    });
    let name_ko = label_ko(o.metric);
    let whole_ko = measured.map(|v| fmt_value(o.metric, v)).unwrap_or_else(|| "측정값 없음".into());
    g.reason_ko = Some(match &broke {
        Some(Breach::Second { at_s, value }) => format!(
            "{name_ko}이(가) {}에 목표 {target}를 벗어났습니다 (그 1초 동안 {}); 전체 실행: {whole_ko}",
            SimTime::from_secs(*at_s),
            fmt_value(o.metric, *value)
        ),
        Some(Breach::Budget { at_s, budget, answered }) => format!(
            "{name_ko}: 오류 예산(요청 {answered}건 중 나쁜 응답 {budget:.0}건)이 {}에 바닥났습니다; 전체 실행: {whole_ko}",
            SimTime::from_secs(*at_s)
        ),
        Some(Breach::Total { at_s, value }) => {
            format!("{name_ko}이(가) {}에 {target}를 넘었습니다 (그때까지 {value:.0}); 전체 실행: {whole_ko}", SimTime::from_secs(*at_s))
        }
        None => format!("{name_ko} {whole_ko}, 목표는 {} {target}", o.comparison.symbol()),
    });
    if let Some(b) = &broke {
        g.first_broken_s = Some(b.at_s());
        let end = (b.at_s() + 1) as f64;
        g.causes = causes(events, end);
    }
    g.breach = broke;
    g.hints = hints_for(o, sc, doc, summary);
    g
}

/// The run's scenario as a document (defaults included), where knob paths are looked up.
type KnobDoc = Option<toml::Value>;

fn knob_value<'a>(doc: &'a KnobDoc, path: &str) -> Option<&'a toml::Value> {
    doc.as_ref().and_then(|d| lookup(d, path))
}

/// Whether every condition holds for this run (an empty list always does).
fn all_hold(conditions: &[Condition], doc: &KnobDoc, summary: &Summary) -> bool {
    conditions.iter().all(|c| match (&c.knob, c.metric) {
        (Some(path), _) => knob_value(doc, path).is_some_and(|v| c.holds_for_value(v)),
        (None, Some(m)) => measure(m, summary).is_some_and(|v| c.in_bounds(v)),
        (None, None) => false,
    })
}

/// The scenario's hints for a failed objective whose conditions hold, then the hints of the
/// wrong answers this run matches (their `when`, or else every knob they set at their value).
fn hints_for(o: &Objective, sc: &Scenario, doc: &KnobDoc, summary: &Summary) -> Vec<Text> {
    let mut out: Vec<Text> =
        sc.hints.iter().filter(|h| h.objective == o.id && all_hold(&h.when, doc, summary)).map(|h| h.text.clone()).collect();
    for w in sc.wrong_answers.iter().filter(|w| w.fails.contains(&o.id)) {
        let matches = if w.when.is_empty() {
            w.settings().iter().all(|(path, want)| knob_value(doc, path).is_some_and(|v| same_value(v, want)))
        } else {
            all_hold(&w.when, doc, summary)
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

/// The three decisive events up to `end` (faults, releases, controller decisions, failure
/// onsets), falling back to routine ones when there are not enough.
fn causes(events: &[LogEvent], end: f64) -> Vec<LogEvent> {
    let before: Vec<&LogEvent> = events.iter().filter(|e| e.t <= end).collect();
    let mut picked: Vec<&LogEvent> = before.iter().rev().filter(|e| !ROUTINE.contains(&e.kind)).take(3).copied().collect();
    if picked.len() < 3 {
        picked.extend(before.iter().rev().filter(|e| ROUTINE.contains(&e.kind)).take(3 - picked.len()).copied());
    }
    picked.sort_by(|a, b| a.t.total_cmp(&b.t));
    picked.into_iter().cloned().collect()
}

pub fn grade(sc: &Scenario, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Vec<Grade> {
    // Serialised once: hint conditions look knob values up in it.
    let doc = toml::Value::try_from(sc).ok();
    sc.objectives.iter().map(|o| grade_one(o, sc, &doc, summary, series, events)).collect()
}
