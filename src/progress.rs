//! The learner's progress per scenario, kept in local storage under a versioned key.
//! Reading never fails: corrupt data gives empty progress and a notice, and is only replaced
//! on the next save.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const STORAGE_KEY: &str = "scale-dojo.progress.v1";
const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub runs: u32,
    pub passed: bool,
    /// The most objectives met in one run, out of `total`.
    pub best_met: u32,
    pub total: u32,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub version: u32,
    pub scenarios: BTreeMap<String, Entry>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    NotTried,
    Failed,
    Passed,
}

impl Progress {
    pub fn new() -> Self {
        Progress { version: VERSION, scenarios: BTreeMap::new() }
    }

    /// Reads the stored text; `Err` carries the reason when it had to start afresh.
    pub fn load(raw: Option<&str>) -> (Progress, Option<String>) {
        let Some(raw) = raw else { return (Progress::new(), None) };
        match serde_json::from_str::<Progress>(raw) {
            Ok(p) if p.version == VERSION && p.scenarios.values().all(|e| e.best_met <= e.total) => (p, None),
            Ok(p) => (Progress::new(), Some(format!("unexpected progress data (version {})", p.version))),
            Err(e) => (Progress::new(), Some(format!("unreadable progress: {e}"))),
        }
    }

    pub fn save(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn status(&self, id: &str) -> Status {
        match self.scenarios.get(id) {
            None => Status::NotTried,
            Some(e) if e.passed => Status::Passed,
            Some(_) => Status::Failed,
        }
    }

    /// Records a finished, graded run.
    pub fn record(&mut self, id: &str, met: u32, total: u32) {
        let e = self.scenarios.entry(id.to_string()).or_insert(Entry { runs: 0, passed: false, best_met: 0, total });
        e.runs += 1;
        e.total = total;
        e.best_met = e.best_met.max(met).min(total);
        e.passed |= met == total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_round_trips() {
        let mut p = Progress::new();
        assert_eq!(p.status("a"), Status::NotTried);
        p.record("a", 1, 3);
        assert_eq!(p.status("a"), Status::Failed);
        p.record("a", 3, 3);
        p.record("a", 2, 3);
        assert_eq!(p.status("a"), Status::Passed);
        assert_eq!(p.scenarios["a"], Entry { runs: 3, passed: true, best_met: 3, total: 3 });
        assert_eq!(Progress::load(Some(&p.save())), (p, None));
    }

    #[test]
    fn nothing_stored_is_a_fresh_start_without_notice() {
        assert_eq!(Progress::load(None), (Progress::new(), None));
    }

    #[test]
    fn corrupt_or_foreign_data_is_a_fresh_start_with_notice() {
        for raw in [
            "{",
            "null",
            "[]",
            r#"{"version":2,"scenarios":{}}"#,
            r#"{"version":1,"scenarios":{"a":{"runs":-1}}}"#,
            r#"{"version":1,"scenarios":{"a":{"runs":1,"passed":true,"best_met":9,"total":3}}}"#,
        ] {
            let (p, notice) = Progress::load(Some(raw));
            assert_eq!(p, Progress::new(), "{raw}");
            assert!(notice.is_some(), "{raw}");
        }
    }
}
