//! Helpers shared by the integration tests that read scenario files.
#![allow(dead_code)]

use simulation::Scenario;
use simulation::event_log::{CrashWhy, EventKind};
use simulation::report::Report;
use std::path::{Path, PathBuf};

/// The workspace root (the engine crate lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `*.toml` below `dir`, recursively, sorted, with its text.
pub fn toml_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.push((p, text));
            }
        }
    }
    out.sort();
    out
}

/// The catalog: `content/scenarios/*.toml` as (file name, text).
pub fn content_scenarios() -> Vec<(String, String)> {
    toml_files(&root().join("content/scenarios"))
        .into_iter()
        .map(|(p, text)| (p.file_name().unwrap().to_string_lossy().into_owned(), text))
        .collect()
}

/// The overrides that turn a scenario's start into its reference solution.
pub fn reference_overrides(sc: &Scenario) -> Vec<(String, String)> {
    sc.knobs.iter().map(|k| (k.path.clone(), simulation::scenario::knobs::value_text(&k.reference))).collect()
}

/// The kubelet's back-off (s) after each container the OOM killer ended, in order.
pub fn oom_backoffs(r: &Report) -> Vec<i64> {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ContainerCrashed { why: CrashWhy::OomInFlight { .. } | CrashWhy::OomLeak { .. }, backoff_s, .. } => Some(*backoff_s),
            _ => None,
        })
        .collect()
}
