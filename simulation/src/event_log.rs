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
