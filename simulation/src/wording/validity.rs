//! Why a flow-engine scenario ran at request level, or is approximate, in words
//! (`flow::validity`'s typed reasons).

use super::say;
use crate::flow::validity::{FlowOutside, OutsideFlow};
use crate::scenario::{EngineKind, Text};
use serde::{Serialize, Serializer};

fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p >= 10.0 { format!("{p:.0} %") } else if p >= 0.1 { format!("{p:.1} %") } else { format!("{p:.2} %") }
}

fn load(rho: f64) -> String {
    if rho >= 1e6 { "∞".into() } else { format!("{rho:.2}") }
}

/// One reason, with its facts.
pub fn outside_flow(r: &OutsideFlow) -> Text {
    use OutsideFlow::*;
    match r {
        PowerOfTwo => say(
            "the balancer is power of two choices, which the flow engine pools like least connections (optimistic waits)",
            "로드 밸런서가 두 개 중 선택이라, 플로 수준 엔진은 최소 연결처럼 하나의 큐로 묶어 계산합니다(대기를 낙관적으로 봄)",
        ),
        FewWorkersPooled { workers_per_pod } => say(
            format!("least connections with {workers_per_pod} worker(s) per pod: the shortest queue is not one shared queue"),
            format!("파드당 워커 {workers_per_pod}개에 최소 연결: 가장 짧은 큐는 하나의 공유 큐와 다릅니다"),
        ),
        LowVariabilityServiceWithWaiting { workers_per_pod, rho, waiting, .. } => say(
            format!(
                "a service time steadier than exponential with waiting ({} of requests wait at load {} on {workers_per_pod} workers per pod): waits overestimated",
                pct(*waiting),
                load(*rho)
            ),
            format!(
                "처리 시간이 지수 분포보다 일정한데 대기가 있습니다(파드당 워커 {workers_per_pod}개, 이용률 {}에서 요청의 {}가 대기): 대기를 과대평가합니다",
                load(*rho),
                pct(*waiting)
            ),
        ),
        HeavyTailFewWorkers { workers_per_pod, rho, .. } => say(
            format!("a heavy-tailed service time on {workers_per_pod} worker(s) per pod at load {}: the wait's shape is off", load(*rho)),
            format!("꼬리가 두꺼운 처리 시간에 파드당 워커 {workers_per_pod}개, 이용률 {}: 대기 분포의 모양이 맞지 않습니다", load(*rho)),
        ),
        TailBeyondMeasured { sigma } => say(
            format!("a log-normal service time with σ = {sigma}, a heavier tail than the validation measured (σ up to 1)"),
            format!("로그 정규 처리 시간의 σ = {sigma}: 검증한 것(σ 1까지)보다 꼬리가 두껍습니다"),
        ),
        NearCapacity { rho } => say(
            format!("load {} at the peak even with the most pods the scenario can have (validated up to 0.95)", load(*rho)),
            format!("파드를 최대로 늘려도 피크의 이용률이 {}입니다(검증은 0.95까지)", load(*rho)),
        ),
        QueueTurnsAway { queue_capacity, rho, share } => say(
            format!("the queue of {queue_capacity} places per pod turns away about {} of requests at load {}", pct(*share), load(*rho)),
            format!("파드당 대기열 자리 {queue_capacity}개가 이용률 {}에서 요청의 약 {}를 거절합니다", load(*rho), pct(*share)),
        ),
        TimeoutsFire { timeout_ms, rho, share } => say(
            format!("the client timeout of {timeout_ms} ms cuts about {} of responses at load {}", pct(*share), load(*rho)),
            format!("클라이언트 타임아웃 {timeout_ms} ms가 이용률 {}에서 응답의 약 {}를 끊습니다", load(*rho), pct(*share)),
        ),
    }
}

/// The notice: what ran and why, every reason in turn.
pub fn flow_outside(f: &FlowOutside) -> Text {
    let reasons: Vec<Text> = f.reasons.iter().map(outside_flow).collect();
    let join = |pick: fn(&Text) -> &str| reasons.iter().map(pick).collect::<Vec<_>>().join("; ");
    let (en, ko) = (join(|t| &t.en), join(|t| &t.ko));
    match f.ran_on {
        EngineKind::Request => say(
            format!("Ran on the request-level engine (exact) instead of the flow engine, outside whose validated region this configuration lies: {en}."),
            format!("이 설정은 플로 수준 엔진의 검증 범위 밖이라 요청 수준 엔진으로 실행했습니다(정확함): {ko}."),
        ),
        EngineKind::Flow => say(
            format!("Approximate: the flow engine ran outside its validated region, and the grade may differ from an exact run: {en}."),
            format!("근삿값: 플로 수준 엔진이 검증 범위 밖에서 실행되어, 채점이 정확한 실행과 다를 수 있습니다: {ko}."),
        ),
    }
}

/// The runner's JSON: the engine that ran, the typed reasons, and the notice in both languages.
impl Serialize for FlowOutside {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            ran_on: EngineKind,
            approximate: bool,
            reasons: &'a [OutsideFlow],
            message: String,
            message_ko: String,
        }
        let text = flow_outside(self);
        Json { ran_on: self.ran_on, approximate: self.ran_on == EngineKind::Flow, reasons: &self.reasons, message: text.en, message_ko: text.ko }
            .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_says_what_ran_and_every_reason() {
        let reasons = vec![OutsideFlow::PowerOfTwo, OutsideFlow::NearCapacity { rho: 1.25 }];
        let fell_back = flow_outside(&FlowOutside { ran_on: EngineKind::Request, reasons: reasons.clone() });
        assert!(fell_back.en.starts_with("Ran on the request-level engine") && fell_back.en.contains("power of two") && fell_back.en.contains("1.25"));
        assert!(fell_back.ko.contains("요청 수준 엔진") && fell_back.ko.contains("두 개 중 선택") && fell_back.ko.contains("1.25"));
        let approximate = flow_outside(&FlowOutside { ran_on: EngineKind::Flow, reasons });
        assert!(approximate.en.starts_with("Approximate") && approximate.ko.starts_with("근삿값"));
        let json = serde_json::to_value(FlowOutside { ran_on: EngineKind::Flow, reasons: vec![OutsideFlow::QueueTurnsAway { queue_capacity: 5, rho: 0.8, share: 0.046 }] }).unwrap();
        assert_eq!(json["approximate"], true);
        assert_eq!(json["reasons"][0]["reason"], "queue_turns_away");
        assert!(json["message_ko"].as_str().unwrap().contains("4.6 %"), "{json}");
    }
}
