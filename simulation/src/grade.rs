//! Grading, a pure function of the scenario and the finished run: per objective, passed or
//! not, the measured value and, on failure, when it broke, what happened just before, and the
//! scenario's hints for it.

use crate::event_log::LogEvent;
use crate::kernel::SimTime;
use crate::report::{SecondSample, Summary, VersionSummary, thousands};
use crate::scenario::{Condition, DEFAULT_AB_MIN_REQUESTS, Metric, Objective, Scenario, Text, lookup};
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
        Metric::VersionLatencyP99Ms => "해당 버전의 p99 응답 시간",
        Metric::VersionErrorRate => "해당 버전의 에러율",
        Metric::VersionFailedRequests => "해당 버전의 실패한 요청",
        Metric::BlastRadius => "폭발 반경(새 버전이 실패시킨 요청)",
        Metric::TimeToDetectS => "탐지까지 걸린 시간",
        Metric::DbPoolUtilization => "DB 연결 풀 사용률",
        Metric::CacheHitRatio => "캐시 적중률",
        Metric::RecoveryS => "복구 시간",
        Metric::OomKills => "OOMKilled 횟수",
        Metric::Evictions => "메모리 압박 축출 횟수",
        Metric::PeakPodMemoryMi => "파드 최대 메모리",
        Metric::DiskUtilization => "디스크 I/O 사용률",
        Metric::NetworkUtilization => "네트워크 사용률",
        Metric::AbConfidence => "A/B 비교의 신뢰도(실패율 차이)",
        Metric::MixedUsers => "두 버전을 모두 겪은 사용자 비율",
        Metric::LeadTimeS => "커밋부터 배포까지 걸린 시간",
        Metric::ExcessPermissions => "파이프라인 역할의 불필요한 권한",
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
        Metric::VersionLatencyP99Ms => ("the version's p99 latency", "ms"),
        Metric::VersionErrorRate => ("the version's error rate", ""),
        Metric::VersionFailedRequests => ("the version's failed requests", ""),
        Metric::BlastRadius => ("blast radius (requests the new version failed)", ""),
        Metric::TimeToDetectS => ("time to detect", "s"),
        Metric::DbPoolUtilization => ("database pool utilization", ""),
        Metric::CacheHitRatio => ("cache hit ratio", ""),
        Metric::RecoveryS => ("time to recover", "s"),
        Metric::OomKills => ("OOM kills", ""),
        Metric::Evictions => ("evictions under memory pressure", ""),
        Metric::PeakPodMemoryMi => ("peak pod memory", "MiB"),
        Metric::DiskUtilization => ("disk I/O utilization", ""),
        Metric::NetworkUtilization => ("network utilization", ""),
        Metric::AbConfidence => ("A/B confidence (difference in failure rate)", ""),
        Metric::MixedUsers => ("users served by both versions", ""),
        Metric::LeadTimeS => ("lead time from commit to deploy", "s"),
        Metric::ExcessPermissions => ("permissions beyond what the pipeline's stages need", ""),
    }
}

/// A metric's value as people read it (the grade's reasons and the app's ticks alike).
pub fn fmt_value(m: Metric, v: f64) -> String {
    match m {
        m if m.is_ratio() => format!("{:.3} %", v * 100.0),
        Metric::FailedRequests
        | Metric::RejectedRequests
        | Metric::TimedOutRequests
        | Metric::MaxQueue
        | Metric::VersionFailedRequests
        | Metric::BlastRadius
        | Metric::OomKills
        | Metric::Evictions
        | Metric::ExcessPermissions => count_text(v),
        _ => {
            let (_, unit) = label(m);
            if unit.is_empty() { format!("{v:.2}") } else { format!("{v:.1} {unit}") }
        }
    }
}

/// [`fmt_value`] with the unit in Korean.
fn fmt_value_ko(m: Metric, v: f64) -> String {
    match m {
        Metric::ThroughputRps => format!("{v:.1} 요청/초"),
        _ => fmt_value(m, v),
    }
}

/// A count of requests, rounded and with thousands separated: `224,904`.
fn count_text(v: f64) -> String {
    thousands(v.round() as i64)
}

/// How much of an error budget was spent, as a percentage: `48,983 %`.
fn spent_share(spent: f64, budget: f64) -> String {
    if budget > 0.0 { format!("{} %", thousands((spent / budget * 100.0).round() as i64)) } else { "∞".into() }
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

/// Where the pipeline ended, with the refused action if a stage was denied.
fn pipeline_outcome(s: &Summary) -> String {
    match &s.pipeline {
        Some(p) => match &p.denied {
            Some(d) => format!("{}, AccessDenied {d}", p.outcome),
            None => p.outcome.clone(),
        },
        None => "none".into(),
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
/// `min_requests`: (its name, its answered requests, the minimum).
fn short_sample(o: &Objective, s: &Summary) -> Option<(String, u64, u64)> {
    let min = o.min_requests.unwrap_or(DEFAULT_AB_MIN_REQUESTS);
    let version = s.versions.iter().find(|v| Some(&v.version) == o.version.as_ref());
    [version, baseline(o, s)]
        .into_iter()
        .flatten()
        .map(|v| (v.version.clone(), v.completed + v.failed, min))
        .find(|(_, answered, min)| answered < min)
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

/// How an objective stands while the run goes on.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    OnTrack,
    OffTrack,
    /// Nothing to judge yet (no request answered).
    Pending,
}

/// A live tick: the state, the value (as graded, so far), and what it measures in words.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveTick {
    pub state: LiveState,
    pub value: Option<f64>,
    /// The value, or why there is none, in the learner's words.
    pub shown: Text,
    /// What is measured: the whole run so far (as graded) and, for latency, this second.
    pub measures: Text,
}

/// The objective as it stands after `summary` (the run so far), with `last` the latest closed
/// second: a latency objective is never on track while, in that second, more requests fail than
/// its percentile allows (they count as slower than any success), or while the run's do.
pub fn live_tick(o: &Objective, summary: &Summary, last: Option<&SecondSample>) -> LiveTick {
    let m = o.metric;
    let value = measure_objective(o, summary);
    let answered = summary.completed + summary.failed;
    // A per-version objective applies the failure rule to its version's requests (in `measure_objective`).
    let whole = !m.per_version();
    let failing_now = whole && last.is_some_and(|s| failures_break(m, s.failed_rps, answered_in(s)));
    let failing_run = whole && failures_break(m, summary.failed as f64, answered as f64);
    let pct = |failed: f64, of: f64| format!("{:.1} %", if of > 0.0 { failed / of * 100.0 } else { 0.0 });
    let (state, shown) = if failing_run {
        let p = pct(summary.failed as f64, answered as f64);
        (LiveState::OffTrack, crate::event_log::say(format!("{p} failed"), format!("{p} 실패")))
    } else if failing_now {
        let s = last.expect("failing_now needs a second");
        let p = pct(s.failed_rps, answered_in(s));
        (LiveState::OffTrack, crate::event_log::say(format!("{p} failing now"), format!("지금 {p} 실패 중")))
    } else {
        match value {
            Some(v) => {
                let state = if o.comparison.holds(v, o.value) { LiveState::OnTrack } else { LiveState::OffTrack };
                (state, crate::event_log::say(fmt_value(m, v), fmt_value_ko(m, v)))
            }
            None if m == Metric::AbConfidence && short_sample(o, summary).is_some() => {
                let (v, n, min) = short_sample(o, summary).expect("checked");
                let (n, min) = (thousands(n as i64), thousands(min as i64));
                (LiveState::Pending, crate::event_log::say(format!("{v}: {n} of {min} requests"), format!("{v}: {min}건 중 {n}건")))
            }
            None if answered > 0 => (LiveState::OffTrack, crate::event_log::say("no successful request", "성공한 요청 없음")),
            None => (LiveState::Pending, crate::event_log::say("–", "–")),
        }
    };
    let (name, _) = label(m);
    let measures = match failure_allowance(m) {
        Some(a) => {
            let a = a * 100.0;
            crate::event_log::say(
                format!(
                    "{name} of successful requests, whole run so far; failed requests count as slower than any success, so it is met only while at most {a:.0} % of requests fail (in the run and in the latest second)"
                ),
                format!(
                    "{}: 지금까지 전체 실행의 성공한 요청 기준; 실패한 요청은 어떤 성공보다 느린 것으로 셈하므로, 실패가 {a:.0} % 이하일 때만(전체와 최근 1초 모두) 충족합니다",
                    label_ko(m)
                ),
            )
        }
        None => crate::event_log::say(
            format!("{name}, whole run so far (as graded)"),
            format!("{}, 지금까지 전체 실행 기준 (채점과 같음)", label_ko(m)),
        ),
    };
    LiveTick { state, value, shown, measures }
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
            cumulative(&bad, budget).map(|s| Breach::Budget { at_s: s.t, budget, answered: total_answered })
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

fn grade_one(o: &Objective, sc: &Scenario, doc: &KnobDoc, summary: &Summary, series: &[SecondSample], events: &[LogEvent]) -> Grade {
    let measured = measure_objective(o, summary);
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
    let failed_share = |ko: bool| {
        let answered = (summary.completed + summary.failed) as f64;
        let p = if answered > 0.0 { summary.failed as f64 / answered * 100.0 } else { 0.0 };
        let allowed = failure_allowance(o.metric).unwrap_or(0.0) * 100.0;
        if ko {
            format!("요청의 {p:.1} %가 실패 (허용 {allowed:.0} %; 실패는 어떤 성공보다 느린 것으로 셈)")
        } else {
            format!("{p:.1} % of requests failed (it allows {allowed:.0} %; a failure counts as slower than any success)")
        }
    };
    let by_failures = failures_break(o.metric, summary.failed as f64, (summary.completed + summary.failed) as f64);
    let short = short_sample(o, summary).filter(|_| o.metric == Metric::AbConfidence);
    let whole = match (measured, &short) {
        (Some(v), _) => fmt_value(o.metric, v),
        (None, Some((v, n, min))) => {
            format!("{v} answered {} requests, fewer than the {} the comparison needs", thousands(*n as i64), thousands(*min as i64))
        }
        (None, None) if by_failures => failed_share(false),
        (None, None) if o.metric == Metric::LeadTimeS => format!("never shipped (pipeline: {})", pipeline_outcome(summary)),
        (None, None) => "nothing measured".into(),
    };
    let second = |v: f64, ko: bool| match (v.is_finite(), ko) {
        (true, false) => fmt_value(o.metric, v),
        (true, true) => fmt_value_ko(o.metric, v),
        (false, false) => "more requests failed than it allows".into(),
        (false, true) => "허용보다 많은 요청이 실패".into(),
    };
    // Bad requests over the whole run, against an error budget (availability or error rate).
    let answered_all = (summary.completed + summary.failed) as f64;
    let spent = match o.metric {
        Metric::Availability => answered_all * (1.0 - summary.availability),
        _ => answered_all * summary.error_rate,
    };
    g.reason = Some(match &broke {
        Some(Breach::Second { at_s, value }) => {
            format!("{name} broke {target} at {} ({} in that second); whole run: {whole}", SimTime::from_secs(*at_s), second(*value, false))
        }
        Some(Breach::Budget { at_s, budget, answered }) => format!(
            "{name}: budget: {} bad of {} allowed; spent: {} ({} of the budget), used up at {}; whole run: {whole}",
            count_text(*budget),
            thousands(*answered as i64),
            count_text(spent),
            spent_share(spent, *budget),
            SimTime::from_secs(*at_s)
        ),
        Some(Breach::Total { at_s, value }) => {
            format!("{name} passed {target} at {} ({} so far); whole run: {whole}", SimTime::from_secs(*at_s), count_text(*value))
        }
        None => format!("{name} {whole}, objective {} {target}", o.comparison.symbol()),
    });
    let name_ko = label_ko(o.metric);
    let target_ko = fmt_value_ko(o.metric, o.value);
    let whole_ko = match (measured, &short) {
        (Some(v), _) => fmt_value_ko(o.metric, v),
        (None, Some((v, n, min))) => {
            format!("{v}의 응답 {}건: 비교에 필요한 {}건보다 적음", thousands(*n as i64), thousands(*min as i64))
        }
        (None, None) if by_failures => failed_share(true),
        (None, None) if o.metric == Metric::LeadTimeS => format!("변경이 배포되지 않음 ({})", pipeline_outcome(summary)),
        (None, None) => "측정값 없음".into(),
    };
    g.reason_ko = Some(match &broke {
        Some(Breach::Second { at_s, value }) => format!(
            "{name_ko}이(가) {}에 목표 {target_ko}를 벗어났습니다 (그 1초 동안 {}); 전체 실행: {whole_ko}",
            SimTime::from_secs(*at_s),
            second(*value, true)
        ),
        Some(Breach::Budget { at_s, budget, answered }) => format!(
            "{name_ko}: 예산: 요청 {}건 중 나쁜 응답 {}건까지 허용; 사용: {}건 (예산의 {}), {}에 소진; 전체 실행: {whole_ko}",
            thousands(*answered as i64),
            count_text(*budget),
            count_text(spent),
            spent_share(spent, *budget),
            SimTime::from_secs(*at_s)
        ),
        Some(Breach::Total { at_s, value }) => {
            format!(
                "{name_ko}이(가) {}에 {target_ko}를 넘었습니다 (그때까지 {}); 전체 실행: {whole_ko}",
                SimTime::from_secs(*at_s),
                count_text(*value)
            )
        }
        None => format!("{name_ko} {whole_ko}, 목표는 {} {target_ko}", o.comparison.symbol()),
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

#[cfg(test)]
mod tests {
    use super::{count_text, spent_share, two_proportion_confidence};

    /// Two-proportion z-test: z = 1.96 is 95 % confidence. 1 % vs 2 % of 2,000 each:
    /// pooled 1.5 %, se = √(0.015 · 0.985 · 2/2000) = 0.003844, z = 2.602 → 0.99072.
    #[test]
    fn two_failure_rates_are_compared_by_a_z_test() {
        let cases = [
            ((20, 2000, 40, 2000), 0.99072),
            ((40, 2000, 20, 2000), 0.99072),
            ((10, 1000, 10, 1000), 0.0),
            ((0, 1000, 0, 1000), 0.0),
            ((5, 0, 5, 100), 0.0),
            // 1 % vs 1.3 % of 100,000 each: se = 0.000477, z = 6.29.
            ((1000, 100_000, 1300, 100_000), 1.0),
            // The same rates on 2,000 each: z = 0.89, far from 95 %.
            ((20, 2000, 26, 2000), 0.62642),
        ];
        for ((fa, na, fb, nb), want) in cases {
            let got = two_proportion_confidence(fa, na, fb, nb);
            assert!((got - want).abs() < 1e-4, "{fa}/{na} vs {fb}/{nb}: {got}, want {want}");
        }
    }

    #[test]
    fn budget_words_are_unambiguous_numbers() {
        assert_eq!(count_text(224.9), "225");
        assert_eq!(count_text(224_904.0), "224,904");
        assert_eq!(spent_share(110_212.0, 225.0), "48,983 %");
        assert_eq!(spent_share(5.0, 0.0), "∞");
    }
}
