//! Objectives in words: metric names and values, a failed grade's reason, a live tick.

use super::particle::{Particle::*, with};
use super::say;
use crate::event_log::LogEvent;
use crate::grade::{Breach, Grade, LiveState, Reading, Unmeasured, failure_allowance, live_state};
use crate::kernel::SimTime;
use crate::observer::{SecondSample, Summary};
use crate::scenario::thousands;
use crate::scenario::{Metric, Objective, Text};
use serde::{Serialize, Serializer};

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

/// Why a failed objective failed; `None` when it passed.
pub fn grade_reason(g: &Grade) -> Option<Text> {
    if g.passed {
        return None;
    }
    let m = g.metric;
    let (name, name_ko) = (label(m).0, label_ko(m));
    let (target, target_ko) = (fmt_value(m, g.target), fmt_value_ko(m, g.target));
    let allowed = failure_allowance(m).unwrap_or(0.0) * 100.0;
    let (whole, whole_ko) = match (g.measured, g.failed_share) {
        (Some(v), _) => (fmt_value(m, v), fmt_value_ko(m, v)),
        (None, Some(share)) => {
            let p = share * 100.0;
            (
                format!("{p:.1} % of requests failed (it allows {allowed:.0} %; a failure counts as slower than any success)"),
                format!("요청의 {p:.1} %가 실패 (허용 {allowed:.0} %; 실패는 어떤 성공보다 느린 것으로 셈)"),
            )
        }
        (None, None) => match &g.unmeasured {
            Some(Unmeasured::ShortSample { version, answered, min }) => {
                let (n, min) = (thousands(*answered as i64), thousands(*min as i64));
                (
                    format!("{version} answered {n} requests, fewer than the {min} the comparison needs"),
                    format!("{}의 응답 {n}건: 비교에 필요한 {min}건보다 적음", version),
                )
            }
            Some(Unmeasured::NeverShipped { outcome, denied }) => {
                let o = super::pipeline_outcome(*outcome);
                let (why, why_ko) = match denied {
                    Some(d) => {
                        // `d` is "stage: action"; Korean names the stage already, the action as a gloss.
                        let action = d.split_once(": ").map_or(d.as_str(), |(_, a)| a);
                        (format!("{}, AccessDenied {d}", o.en), format!("{}, AccessDenied({action})", o.ko))
                    }
                    None => (o.en, o.ko),
                };
                (format!("never shipped (pipeline: {why})"), format!("변경이 배포되지 않음 ({why_ko})"))
            }
            None => ("nothing measured".into(), "측정값 없음".into()),
        },
    };
    let symbol = g.comparison;
    Some(match g.breach {
        Some(Breach::Second { at_s, value }) => {
            let at = SimTime::from_secs(at_s);
            let (second, second_ko) = if value.is_finite() {
                (fmt_value(m, value), fmt_value_ko(m, value))
            } else {
                ("more requests failed than it allows".into(), "허용보다 많은 요청이 실패".into())
            };
            say(
                format!("{name} broke {target} at {at} ({second} in that second); whole run: {whole}"),
                format!(
                    "{} {at}에 목표 {} 벗어났습니다 (그 1초 동안 {second_ko}); 전체 실행: {whole_ko}",
                    with(name_ko, Subject),
                    with(&target_ko, Object)
                ),
            )
        }
        Some(Breach::Budget { at_s, budget, answered, spent }) => {
            let at = SimTime::from_secs(at_s);
            let (budget_n, answered_n, spent_n, share) =
                (count_text(budget), thousands(answered as i64), count_text(spent), spent_share(spent, budget));
            say(
                format!(
                    "{name}: budget: {budget_n} bad of {answered_n} allowed; spent: {spent_n} ({share} of the budget), used up at {at}; whole run: {whole}"
                ),
                format!(
                    "{name_ko}: 예산: 요청 {answered_n}건 중 나쁜 응답 {budget_n}건까지 허용; 사용: {spent_n}건 (예산의 {share}), {at}에 소진; 전체 실행: {whole_ko}"
                ),
            )
        }
        Some(Breach::Total { at_s, value }) => {
            let (at, so_far) = (SimTime::from_secs(at_s), count_text(value));
            say(
                format!("{name} passed {target} at {at} ({so_far} so far); whole run: {whole}"),
                format!(
                    "{} {at}에 {} 넘었습니다 (그때까지 {so_far}); 전체 실행: {whole_ko}",
                    with(name_ko, Subject),
                    with(&target_ko, Object)
                ),
            )
        }
        None => say(format!("{name} {whole}, objective {symbol} {target}"), format!("{name_ko} {whole_ko}, 목표는 {symbol} {target_ko}")),
    })
}

/// A live tick's value, or why there is none.
pub fn live_reading(m: Metric, r: Reading) -> Text {
    match r {
        Reading::FailedRun(p) => say(format!("{p:.1} % failed"), format!("{p:.1} % 실패")),
        Reading::FailingNow(p) => say(format!("{p:.1} % failing now"), format!("지금 {p:.1} % 실패 중")),
        Reading::Value(v) => say(fmt_value(m, v), fmt_value_ko(m, v)),
        Reading::NoSuccess => say("no successful request", "성공한 요청 없음"),
        Reading::Nothing => say("–", "–"),
        Reading::ShortSample { version, answered, min } => {
            let (n, min) = (thousands(answered as i64), thousands(min as i64));
            say(format!("{version}: {n} of {min} requests"), format!("{version}: {min}건 중 {n}건"))
        }
    }
}

/// What a live tick measures: the whole run so far (as graded) and, for latency, the rule on failures.
pub fn live_measures(m: Metric) -> Text {
    let (name, name_ko) = (label(m).0, label_ko(m));
    match failure_allowance(m) {
        Some(a) => {
            let a = a * 100.0;
            say(
                format!(
                    "{name} of successful requests, whole run so far; failed requests count as slower than any success, so it is met only while at most {a:.0} % of requests fail (in the run and in the latest second)"
                ),
                format!(
                    "{name_ko}: 지금까지 전체 실행의 성공한 요청 기준; 실패한 요청은 어떤 성공보다 느린 것으로 셈하므로, 실패가 {a:.0} % 이하일 때만(전체와 최근 1초 모두) 충족합니다"
                ),
            )
        }
        None => say(format!("{name}, whole run so far (as graded)"), format!("{name_ko}, 지금까지 전체 실행 기준 (채점과 같음)")),
    }
}

#[cfg(test)]
mod tests {
    use super::{count_text, grade_reason, spent_share};
    use crate::grade::{Breach, Grade};
    use crate::scenario::Metric;

    fn failed(metric: Metric, target: f64, measured: f64, breach: Breach) -> Grade {
        Grade {
            id: "o".into(),
            metric,
            comparison: "<=",
            target,
            measured: Some(measured),
            passed: false,
            first_broken_s: Some(breach.at_s()),
            breach: Some(breach),
            failed_share: None,
            unmeasured: None,
            causes: vec![],
            hints: vec![],
        }
    }

    #[test]
    fn reasons_are_worded_from_the_breach_with_correct_particles() {
        let p99 = failed(Metric::LatencyP99Ms, 300.0, 812.5, Breach::Second { at_s: 72, value: 950.0 });
        let r = grade_reason(&p99).unwrap();
        assert_eq!(r.en, "p99 latency broke 300.0 ms at 01:12 (950.0 ms in that second); whole run: 812.5 ms");
        assert_eq!(r.ko, "p99 응답 시간이 01:12에 목표 300.0 ms를 벗어났습니다 (그 1초 동안 950.0 ms); 전체 실행: 812.5 ms");
        let failed_requests = failed(Metric::FailedRequests, 300.0, 1_250.0, Breach::Total { at_s: 90, value: 301.0 });
        let r = grade_reason(&failed_requests).unwrap();
        assert_eq!(r.ko, "실패한 요청이 01:30에 300을 넘었습니다 (그때까지 301); 전체 실행: 1,250");
        let mut passed = failed_requests.clone();
        passed.passed = true;
        assert_eq!(grade_reason(&passed), None);
    }

    #[test]
    fn budget_words_are_unambiguous_numbers() {
        assert_eq!(count_text(224.9), "225");
        assert_eq!(count_text(224_904.0), "224,904");
        assert_eq!(spent_share(110_212.0, 225.0), "48,983 %");
        assert_eq!(spent_share(5.0, 0.0), "∞");
    }
}

impl Grade {
    /// Why it failed, from what happened ("p99 broke 300 ms at 01:12 (…)"), in both languages.
    pub fn reason(&self) -> Option<Text> {
        grade_reason(self)
    }
}

/// The runner's JSON: the reason in English and Korean (`reason`, `reason_ko`), worded now.
impl Serialize for Grade {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            id: &'a str,
            metric: Metric,
            comparison: &'a str,
            target: f64,
            measured: Option<f64>,
            passed: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason_ko: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            first_broken_s: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            breach: Option<&'a Breach>,
            causes: &'a [LogEvent],
            hints: &'a [Text],
        }
        let (reason, reason_ko) = match self.reason() {
            Some(t) => (Some(t.en), Some(t.ko)),
            None => (None, None),
        };
        Json {
            id: &self.id,
            metric: self.metric,
            comparison: self.comparison,
            target: self.target,
            measured: self.measured,
            passed: self.passed,
            reason,
            reason_ko,
            first_broken_s: self.first_broken_s,
            breach: self.breach.as_ref(),
            causes: &self.causes,
            hints: &self.hints,
        }
        .serialize(s)
    }
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
/// second (`grade::live_state`), in the learner's words.
pub fn live_tick(o: &Objective, summary: &Summary, last: Option<&SecondSample>) -> LiveTick {
    let (state, value, reading) = live_state(o, summary, last);
    LiveTick { state, value, shown: live_reading(o.metric, reading), measures: live_measures(o.metric) }
}
