//! The status the release and pipeline controllers publish (what `kubectl get rollout` shows):
//! the observer copies it into the summary.

use serde::Serialize;

/// How a release went: when it was detected bad and rolled back, and how many requests failed
/// on the new version (its blast radius).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReleaseSummary {
    pub version: String,
    pub strategy: String,
    /// waiting, in_progress, completed or rolled_back.
    pub outcome: String,
    pub started_at_s: f64,
    pub detected_at_s: Option<f64>,
    pub rolled_back_at_s: Option<f64>,
    pub completed_at_s: Option<f64>,
    pub time_to_detect_s: Option<f64>,
    pub time_to_rollback_s: Option<f64>,
    /// Requests the new version failed (errors, timeouts, rejections, lost with its pods).
    pub blast_radius: u64,
    /// Requests the new version received.
    pub exposed: u64,
}

/// How the CI/CD pipeline went.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PipelineSummary {
    pub version: String,
    /// `latest` or `commit_sha`.
    pub tag: String,
    /// waiting, build, test, push, stopped_at_test or deployed.
    pub outcome: String,
    /// The change was bad, and whether the tests caught it (after they ran).
    pub bad_change: bool,
    pub caught: Option<bool>,
    pub pushed_at_s: Option<f64>,
    pub deployed_at_s: Option<f64>,
    /// Containers that started with another version's image than their ReplicaSet's
    /// (a mutable tag resolved to a newer push).
    pub drifted_containers: u32,
}
