//! The causal event log: what happened, when (simulated time), and what caused it, so a grade
//! can say "pod-2 killed at 01:02 → queue full → p99 broke 300 ms at 01:12".

use crate::kernel::SimTime;
use crate::scenario::Text;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEvent {
    /// Simulated time in seconds (µs precision).
    pub t: f64,
    pub kind: &'static str,
    /// In English (the runner's `message`), and in Korean for the app.
    pub message: String,
    pub message_ko: String,
    /// Index of the earlier event that caused this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<usize>,
}

/// A log line in English and Korean: `say(format!("pod {p} killed"), format!("파드 {p} 강제 종료"))`.
pub fn say(en: impl Into<String>, ko: impl Into<String>) -> Text {
    Text { ko: ko.into(), en: en.into() }
}

/// The tag a log line's `kind` is shown under, in both languages (an unknown kind is its own tag).
pub fn kind_text(kind: &str) -> Text {
    const KINDS: &[(&str, &str, &str)] = &[
        ("start", "시작", "start"),
        ("fault", "장애", "fault"),
        ("fault_end", "장애 끝", "fault over"),
        ("traffic", "트래픽", "traffic"),
        ("hpa", "HPA", "HPA"),
        ("deployment", "디플로이먼트", "Deployment"),
        ("replicaset", "레플리카셋", "ReplicaSet"),
        ("node", "노드", "node"),
        ("kubelet", "kubelet", "kubelet"),
        ("scheduler", "스케줄러", "scheduler"),
        ("cluster_autoscaler", "클러스터 오토스케일러", "Cluster Autoscaler"),
        ("release", "릴리스", "release"),
        ("pod_terminating", "파드 종료 중", "pod terminating"),
        ("pod_killed", "파드 강제 종료", "pod killed"),
        ("pod_gone", "파드 사라짐", "pod gone"),
        ("pod_pending", "파드 대기", "pod pending"),
        ("rejected", "거절", "rejected"),
        ("timed_out", "타임아웃", "timed out"),
        ("error", "오류", "error"),
        ("no_endpoint", "엔드포인트 없음", "no endpoint"),
        ("pipeline", "파이프라인", "pipeline"),
        ("eviction", "축출", "eviction"),
    ];
    match KINDS.iter().find(|(k, ..)| *k == kind) {
        Some((_, ko, en)) => say(*en, *ko),
        None => say(kind, kind),
    }
}

#[derive(Default)]
pub struct EventLog {
    events: Vec<LogEvent>,
    /// Cap so a pathological scenario cannot grow the log without bound.
    limit: usize,
}

impl EventLog {
    pub fn new(limit: usize) -> Self {
        EventLog { events: Vec::new(), limit }
    }

    /// Appends an event and returns its index (to cite as a cause).
    pub fn push(&mut self, t: SimTime, kind: &'static str, message: Text, cause: Option<usize>) -> Option<usize> {
        if self.events.len() >= self.limit {
            return None;
        }
        self.events.push(LogEvent { t: t.as_secs_f64(), kind, message: message.en, message_ko: message.ko, cause });
        Some(self.events.len() - 1)
    }

    pub fn events(&self) -> &[LogEvent] {
        &self.events
    }

    /// The latest event at or before `t` (seconds), to blame a change on.
    pub fn last_before(&self, t: f64) -> Option<usize> {
        self.events.iter().rposition(|e| e.t <= t)
    }
}
