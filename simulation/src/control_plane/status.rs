//! The status the release and pipeline controllers publish (what `kubectl get rollout` shows):
//! the observer copies it into the summary.

use serde::Serialize;

/// How a release went: when it was detected bad and rolled back, and how many requests failed
/// on the new version (its blast radius).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReleaseSummary {
    pub version: String,
    /// In the JSON by its English name ("rolling update").
    #[serde(serialize_with = "strategy_name")]
    pub strategy: crate::scenario::ReleaseStrategy,
    pub outcome: ReleaseOutcome,
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

/// Where a release stands (`wording::release_outcome` words it).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// Shipped for a later time; not started yet.
    #[default]
    Waiting,
    InProgress,
    Completed,
    RolledBack,
    /// Rolled back by hand before it started.
    Cancelled,
}

impl ReleaseOutcome {
    /// Its name in the JSON (`rolled_back`), for a page's test hooks.
    pub fn code(self) -> &'static str {
        match self {
            ReleaseOutcome::Waiting => "waiting",
            ReleaseOutcome::InProgress => "in_progress",
            ReleaseOutcome::Completed => "completed",
            ReleaseOutcome::RolledBack => "rolled_back",
            ReleaseOutcome::Cancelled => "cancelled",
        }
    }

    /// Under way (or about to be): a rollback is what can be done next.
    pub fn in_progress(self) -> bool {
        matches!(self, ReleaseOutcome::Waiting | ReleaseOutcome::InProgress)
    }
}

/// Where the CI/CD pipeline stands (`wording::pipeline_outcome` words it).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PipelineOutcome {
    Waiting,
    Build,
    Test,
    Push,
    StoppedAtTest,
    DeniedAtPush,
    DeniedAtDeploy,
    Deployed,
}

/// How the CI/CD pipeline went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineSummary {
    pub version: String,
    pub tag: crate::scenario::TagPolicy,
    pub outcome: PipelineOutcome,
    /// The change was bad, and whether the tests caught it (after they ran).
    pub bad_change: bool,
    pub caught: Option<bool>,
    pub pushed_at_s: Option<f64>,
    pub deployed_at_s: Option<f64>,
    /// Containers that started with another version's image than their ReplicaSet's
    /// (a mutable tag resolved to a newer push).
    pub drifted_containers: u32,
    /// When the change was merged (for the lead time; the scenario holds it, so not in the JSON).
    #[serde(skip)]
    pub committed_at_s: f64,
    /// With `pipeline.roles`: the stage and action refused (AccessDenied), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
    /// With `pipeline.roles`: actions the stages' roles allow that no stage needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_permissions: Option<u32>,
}

fn strategy_name<S: serde::Serializer>(s: &crate::scenario::ReleaseStrategy, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(s.name())
}
