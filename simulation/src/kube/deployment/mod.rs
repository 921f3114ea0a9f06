//! Deployment controller (`pkg/controller/deployment`, v1.28).
//!
//! * [`fencepost`]: IntOrString, `ResolveFenceposts`, `MaxUnavailable`, `MinAvailable`, `MaxSurge`.
//! * [`rolling`]: one rolling-update sync and the rollout sequence it produces.
//! * [`proportional`]: resizing during a rollout (`scale`, `GetProportion`).
//! * [`recreate`]: the Recreate strategy decision.

pub mod fencepost;
pub mod proportional;
pub mod recreate;
pub mod rolling;

use fencepost::IntOrString;

use super::TimeMs;

/// Deployment defaults (`pkg/apis/apps/v1/defaults.go`).
pub const DEFAULT_REPLICAS: i32 = 1;
pub const DEFAULT_MAX_SURGE_PERCENT: i32 = 25;
pub const DEFAULT_MAX_UNAVAILABLE_PERCENT: i32 = 25;
pub const DEFAULT_REVISION_HISTORY_LIMIT: i32 = 10;
pub const DEFAULT_PROGRESS_DEADLINE_SECONDS: i32 = 600;

/// `DeploymentStrategy`.
#[derive(Clone, Debug, PartialEq)]
pub enum DeploymentStrategy {
    Recreate,
    /// `None` fields count as 0 in `ResolveFenceposts` (the API defaults them to 25 %).
    RollingUpdate {
        max_surge: Option<IntOrString>,
        max_unavailable: Option<IntOrString>,
    },
}

impl DeploymentStrategy {
    /// The API default: RollingUpdate 25 % / 25 %.
    pub fn default_rolling_update() -> Self {
        DeploymentStrategy::RollingUpdate {
            max_surge: Some(IntOrString::Percent(DEFAULT_MAX_SURGE_PERCENT)),
            max_unavailable: Some(IntOrString::Percent(DEFAULT_MAX_UNAVAILABLE_PERCENT)),
        }
    }
}

/// The parts of a Deployment the decisions read.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    /// `spec.replicas`.
    pub replicas: i32,
    pub strategy: DeploymentStrategy,
    /// `status.replicas` (fallback of `getReplicaSetFraction` when an RS has no max annotation).
    pub status_replicas: i32,
}

impl Deployment {
    pub fn is_rolling_update(&self) -> bool {
        matches!(self.strategy, DeploymentStrategy::RollingUpdate { .. })
    }
}

/// A ReplicaSet as the Deployment controller sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSet {
    pub name: String,
    /// Creation timestamp; older sorts first, name breaks ties (`ReplicaSetsByCreationTimestamp`).
    pub created: TimeMs,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.replicas` (pods that exist, terminating ones excluded by the RS controller).
    pub status_replicas: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `deployment.kubernetes.io/desired-replicas` annotation.
    pub desired_annotation: Option<i32>,
    /// `deployment.kubernetes.io/max-replicas` annotation.
    pub max_annotation: Option<i32>,
}

impl ReplicaSet {
    /// A ReplicaSet whose pods all exist (`status.replicas = spec.replicas`), without annotations.
    pub fn new(name: &str, created: TimeMs, replicas: i32, available: i32) -> Self {
        ReplicaSet {
            name: name.into(),
            created,
            replicas,
            status_replicas: replicas,
            available,
            desired_annotation: None,
            max_annotation: None,
        }
    }
}

/// `ReplicaSetsByCreationTimestamp`: oldest first, then by name.
pub fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> std::cmp::Ordering {
    a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name))
}

/// `GetReplicaCountForReplicaSets`: sum of `spec.replicas`.
pub fn replica_count(rss: &[ReplicaSet]) -> i32 {
    rss.iter().map(|r| r.replicas).sum()
}

/// `GetAvailableReplicaCountForReplicaSets`.
pub fn available_count(rss: &[ReplicaSet]) -> i32 {
    rss.iter().map(|r| r.available).sum()
}
