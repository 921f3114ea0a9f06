//! `[deployment]`: replicas, the update strategy, the pod lifecycle's timings, memory and cost.

use super::{IntOrPercent, UpdateStrategy};
use serde::{Deserialize, Serialize};

fn default_replicas() -> u32 {
    1
}
fn default_grace() -> f64 {
    30.0
}
fn default_quarter() -> IntOrPercent {
    IntOrPercent::Str("25%".into())
}
fn default_startup() -> f64 {
    5.0
}
fn default_probe_period() -> f64 {
    10.0
}
fn default_memory_request() -> u32 {
    256
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    /// Price of one pod per hour when there is no `[cluster]` (with one, nodes are what costs).
    #[serde(default)]
    pub pod_cost_per_hour: f64,
    #[serde(default = "default_grace")]
    pub termination_grace_s: f64,
    /// Weighted balancer: weight of each pod (by index at t = 0); missing ones weigh 1.
    #[serde(default)]
    pub pod_weights: Vec<u32>,
    #[serde(default)]
    pub strategy: UpdateStrategy,
    #[serde(default = "default_quarter")]
    pub max_surge: IntOrPercent,
    #[serde(default = "default_quarter")]
    pub max_unavailable: IntOrPercent,
    /// A pod counts as available once ready for this long (`minReadySeconds`).
    #[serde(default)]
    pub min_ready_s: f64,
    /// From scheduling to the app listening: image pull, container start, app start.
    #[serde(default = "default_startup")]
    pub startup_s: f64,
    /// Readiness probe: first run after the initial delay, then every period.
    #[serde(default = "default_probe_period")]
    pub readiness_period_s: f64,
    #[serde(default)]
    pub readiness_initial_delay_s: f64,
    /// Memory request per pod (MiB): what the scheduler reserves.
    #[serde(default = "default_memory_request")]
    pub memory_request_mi: u32,
    /// Memory limit per pod (MiB); a pod above it is OOM-killed.
    #[serde(default)]
    pub memory_limit_mi: Option<u32>,
    /// Memory a pod holds at rest (MiB); omitted, it is `memory_request_mi`.
    #[serde(default)]
    pub memory_baseline_mi: Option<u32>,
    /// Memory each request in flight (queued or in service) holds in its pod (MiB).
    #[serde(default)]
    pub memory_per_request_mi: f64,
}

impl DeploymentSpec {
    /// The memory model is on: pods use more than a fixed amount.
    pub fn memory_modelled(&self) -> bool {
        self.memory_per_request_mi > 0.0 || self.memory_baseline_mi.is_some()
    }
}

impl Default for DeploymentSpec {
    fn default() -> Self {
        DeploymentSpec {
            replicas: 1,
            pod_cost_per_hour: 0.0,
            termination_grace_s: 30.0,
            pod_weights: vec![],
            strategy: UpdateStrategy::RollingUpdate,
            max_surge: default_quarter(),
            max_unavailable: default_quarter(),
            min_ready_s: 0.0,
            startup_s: default_startup(),
            readiness_period_s: default_probe_period(),
            readiness_initial_delay_s: 0.0,
            memory_request_mi: default_memory_request(),
            memory_limit_mi: None,
            memory_baseline_mi: None,
            memory_per_request_mi: 0.0,
        }
    }
}
