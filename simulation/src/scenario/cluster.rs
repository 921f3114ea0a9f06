//! Scenario sections for the control plane: `[cluster]` (node types, node groups, node
//! failure handling), the rollout fields of `[deployment]`, `[hpa]` and `[cluster_autoscaler]`.
//! Defaults are Kubernetes' own (see `kube::*` constants); each section validates itself.

use super::validate::limits::{
    MAX_CONTROLLER_PERIOD_S, MAX_GROUP_NODES, MAX_HPA_REPLICAS, MAX_LIFECYCLE_S, MAX_LIST, MAX_NODES, MAX_PAUSE_S, MAX_PERCENT,
    MAX_PROBE_PERIOD_S, MAX_REPLICAS,
};
use super::validate::{check_count, check_len, check_range as check, push};
use super::{Issue, Scenario};
use serde::{Deserialize, Serialize};

// ---- [cluster] -------------------------------------------------------------------------------

fn default_node_monitor_grace() -> f64 {
    40.0
}
fn default_pod_eviction() -> f64 {
    300.0
}
fn default_provision() -> f64 {
    120.0
}
fn default_max_pods() -> u32 {
    110
}

/// Worker nodes. Without this section pods are placed on an unlimited cluster at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub node_types: Vec<NodeTypeSpec>,
    pub node_groups: Vec<NodeGroupSpec>,
    /// Node controller: a silent node is marked NotReady after this (`--node-monitor-grace-period`).
    #[serde(default = "default_node_monitor_grace")]
    pub node_monitor_grace_s: f64,
    /// Pods on a NotReady node are evicted this long after it (default toleration 300 s).
    #[serde(default = "default_pod_eviction")]
    pub pod_eviction_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeTypeSpec {
    pub name: String,
    /// Allocatable CPU, millicores.
    pub cpu_m: u32,
    /// Allocatable memory, MiB.
    pub memory_mi: u32,
    pub price_per_hour: f64,
    #[serde(default = "default_max_pods")]
    pub max_pods: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeGroupSpec {
    pub name: String,
    pub node_type: String,
    /// Nodes at t = 0.
    pub nodes: u32,
    /// Cluster Autoscaler bounds (default: the starting size).
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    /// Nodes are spread over these zones in turn.
    #[serde(default)]
    pub zones: Vec<String>,
    /// From the Cluster Autoscaler's request to a Ready node.
    #[serde(default = "default_provision")]
    pub provision_s: f64,
}

impl ClusterSpec {
    pub fn node_type(&self, name: &str) -> Option<&NodeTypeSpec> {
        self.node_types.iter().find(|t| t.name == name)
    }
}

// ---- rollout fields of [deployment] ----------------------------------------------------------

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStrategy {
    #[default]
    RollingUpdate,
    Recreate,
}

/// `maxSurge` / `maxUnavailable`: a whole number of pods or `"N%"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(i32),
    Str(String),
}

impl IntOrPercent {
    /// Within 0..=10000 pods or 0..=1000 %: the Deployment's sums stay far from `i32::MAX`.
    pub fn to_kube(&self) -> Result<crate::kube::deployment::fencepost::IntOrString, String> {
        use crate::kube::deployment::fencepost::IntOrString;
        match self {
            IntOrPercent::Int(n) if (0..=MAX_REPLICAS as i32).contains(n) => Ok(IntOrString::Int(*n)),
            IntOrPercent::Int(n) => Err(format!("{n} is out of range (0 to {MAX_REPLICAS} pods)")),
            IntOrPercent::Str(s) => match IntOrString::parse(s)? {
                IntOrString::Percent(p) if (0..=MAX_PERCENT as i32).contains(&p) => Ok(IntOrString::Percent(p)),
                _ => Err(format!("{s:?} is out of range (0% to {MAX_PERCENT}%)")),
            },
        }
    }
}

fn check_int_or_percent(v: &IntOrPercent, path: &str, issues: &mut Vec<Issue>) {
    if let Err(e) = v.to_kube() {
        push(issues, path, format!("{e}; allowed: a whole number of pods or a percentage like \"25%\""));
    }
}

// ---- [hpa] -----------------------------------------------------------------------------------

fn default_target_cpu() -> u32 {
    crate::kube::hpa::DEFAULT_CPU_UTILIZATION as u32
}
fn default_sync() -> f64 {
    15.0
}
fn default_tolerance() -> f64 {
    crate::kube::hpa::DEFAULT_TOLERANCE
}
fn default_cpu_init() -> f64 {
    300.0
}
fn default_readiness_delay() -> f64 {
    30.0
}
fn default_downscale_stabilization() -> f64 {
    300.0
}

/// A Horizontal Pod Autoscaler on the deployment's CPU utilization (of requests).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpaSpec {
    #[serde(default)]
    pub min_replicas: Option<u32>,
    pub max_replicas: u32,
    #[serde(default = "default_target_cpu")]
    pub target_cpu_percent: u32,
    /// `--horizontal-pod-autoscaler-sync-period`.
    #[serde(default = "default_sync")]
    pub sync_period_s: f64,
    /// metrics-server `--metric-resolution`: CPU samples average this window and lag by it.
    #[serde(default = "default_sync")]
    pub metric_resolution_s: f64,
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    #[serde(default = "default_cpu_init")]
    pub cpu_initialization_period_s: f64,
    #[serde(default = "default_readiness_delay")]
    pub initial_readiness_delay_s: f64,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` (legacy path and default window).
    #[serde(default = "default_downscale_stabilization")]
    pub downscale_stabilization_s: f64,
    /// `behavior.scaleUp` / `behavior.scaleDown`; with neither, the legacy path (no behavior).
    #[serde(default)]
    pub scale_up: Option<ScalingRulesSpec>,
    #[serde(default)]
    pub scale_down: Option<ScalingRulesSpec>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectPolicySpec {
    Max,
    Min,
    Disabled,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    Pods,
    Percent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub kind: PolicyKind,
    pub value: u32,
    pub period_s: u32,
}

/// `HPAScalingRules`; unset fields take the API defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingRulesSpec {
    #[serde(default)]
    pub stabilization_s: Option<u32>,
    #[serde(default)]
    pub select_policy: Option<SelectPolicySpec>,
    #[serde(default)]
    pub policies: Option<Vec<PolicySpec>>,
    #[serde(default)]
    pub tolerance: Option<f64>,
}

impl ScalingRulesSpec {
    pub fn to_kube(&self) -> crate::kube::hpa::behavior::ScalingRules {
        use crate::kube::hpa::behavior::{ScalingPolicy, ScalingPolicyType, ScalingRules, SelectPolicy};
        ScalingRules {
            stabilization_window_seconds: self.stabilization_s.map(|s| s as i32),
            select_policy: self.select_policy.map(|p| match p {
                SelectPolicySpec::Max => SelectPolicy::Max,
                SelectPolicySpec::Min => SelectPolicy::Min,
                SelectPolicySpec::Disabled => SelectPolicy::Disabled,
            }),
            policies: self.policies.as_ref().map(|ps| {
                ps.iter()
                    .map(|p| ScalingPolicy {
                        policy_type: match p.kind {
                            PolicyKind::Pods => ScalingPolicyType::Pods,
                            PolicyKind::Percent => ScalingPolicyType::Percent,
                        },
                        value: p.value as i32,
                        period_seconds: p.period_s as i32,
                    })
                    .collect()
            }),
            tolerance: self.tolerance,
        }
    }
}

// ---- [cluster_autoscaler] ---------------------------------------------------------------------

fn default_scan() -> f64 {
    10.0
}
fn default_unneeded() -> f64 {
    600.0
}
fn default_threshold() -> f64 {
    0.5
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpanderSpec {
    Random,
    MostPods,
    #[default]
    LeastWaste,
    LeastNodes,
    Price,
}

/// The Cluster Autoscaler over `[cluster]`'s node groups (between their min and max).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterAutoscalerSpec {
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_scan")]
    pub scan_interval_s: f64,
    #[serde(default)]
    pub expander: ExpanderSpec,
    #[serde(default = "default_threshold")]
    pub scale_down_utilization_threshold: f64,
    #[serde(default = "default_unneeded")]
    pub scale_down_unneeded_s: f64,
    #[serde(default = "default_unneeded")]
    pub scale_down_delay_after_add_s: f64,
}

fn default_true() -> bool {
    true
}

// ---- validation ------------------------------------------------------------------------------

pub(super) fn validate(sc: &Scenario, issues: &mut Vec<Issue>) {
    if let Some(c) = &sc.cluster {
        validate_cluster(c, issues);
    }
    let d = &sc.deployment;
    check_int_or_percent(&d.max_surge, "deployment.max_surge", issues);
    check_int_or_percent(&d.max_unavailable, "deployment.max_unavailable", issues);
    check(issues, "deployment.startup_s", d.startup_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "deployment.termination_grace_s", d.termination_grace_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "deployment.readiness_period_s", d.readiness_period_s, 1.0, MAX_PROBE_PERIOD_S);
    check(issues, "deployment.readiness_initial_delay_s", d.readiness_initial_delay_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "deployment.min_ready_s", d.min_ready_s, 0.0, MAX_LIFECYCLE_S);
    if let Some(h) = &sc.hpa {
        validate_hpa(h, sc.deployment.replicas, issues);
    }
    if let Some(ca) = &sc.cluster_autoscaler {
        if sc.cluster.is_none() {
            push(issues, "cluster_autoscaler", "needs a [cluster] section with node groups to scale");
        }
        check(issues, "cluster_autoscaler.scan_interval_s", ca.scan_interval_s, 1.0, MAX_CONTROLLER_PERIOD_S);
        check(issues, "cluster_autoscaler.scale_down_utilization_threshold", ca.scale_down_utilization_threshold, 0.0, 1.0);
        check(issues, "cluster_autoscaler.scale_down_unneeded_s", ca.scale_down_unneeded_s, 0.0, MAX_PAUSE_S);
        check(issues, "cluster_autoscaler.scale_down_delay_after_add_s", ca.scale_down_delay_after_add_s, 0.0, MAX_PAUSE_S);
    }
}

fn validate_cluster(c: &ClusterSpec, issues: &mut Vec<Issue>) {
    check_len(issues, "cluster.node_types", c.node_types.len(), MAX_LIST);
    check_len(issues, "cluster.node_groups", c.node_groups.len(), MAX_LIST);
    if c.node_types.is_empty() {
        push(issues, "cluster.node_types", "needs at least one node type");
    }
    for (i, t) in c.node_types.iter().enumerate() {
        let p = format!("cluster.node_types.{i}");
        check_count(issues, &format!("{p}.cpu_m"), t.cpu_m.into(), 1, 1_000_000);
        check_count(issues, &format!("{p}.memory_mi"), t.memory_mi.into(), 1, 16_777_216);
        check_count(issues, &format!("{p}.max_pods"), t.max_pods.into(), 1, 10_000);
        check(issues, &format!("{p}.price_per_hour"), t.price_per_hour, 0.0, 1e6);
        if c.node_types[..i].iter().any(|o| o.name == t.name) {
            push(issues, format!("{p}.name"), format!("{:?} is defined twice", t.name));
        }
    }
    if c.node_groups.is_empty() {
        push(issues, "cluster.node_groups", "needs at least one node group");
    }
    for (i, g) in c.node_groups.iter().enumerate() {
        let p = format!("cluster.node_groups.{i}");
        if c.node_type(&g.node_type).is_none() {
            let names: Vec<&str> = c.node_types.iter().map(|t| t.name.as_str()).collect();
            push(issues, format!("{p}.node_type"), format!("{:?} is not a node type; allowed: {}", g.node_type, names.join(", ")));
        }
        let (min, max) = (g.min.unwrap_or(g.nodes), g.max.unwrap_or(g.nodes));
        let most = MAX_GROUP_NODES as u32;
        if min > max || g.nodes > most || max > most {
            push(issues, &p, format!("needs min ({min}) <= max ({max}) <= {most} and nodes ({}) <= {most}", g.nodes));
        }
        check(issues, &format!("{p}.provision_s"), g.provision_s, 0.0, MAX_LIFECYCLE_S);
    }
    check(issues, "cluster.node_monitor_grace_s", c.node_monitor_grace_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "cluster.pod_eviction_s", c.pod_eviction_s, 0.0, MAX_PAUSE_S);
    let most: u64 = c.node_groups.iter().map(|g| u64::from(g.max.unwrap_or(g.nodes).max(g.nodes))).sum();
    if most > MAX_NODES {
        push(issues, "cluster.node_groups", format!("up to {most} nodes in all; allowed at most {MAX_NODES}"));
    }
}

fn validate_hpa(h: &HpaSpec, replicas: u32, issues: &mut Vec<Issue>) {
    let min = h.min_replicas.unwrap_or(1);
    if min == 0 || min > h.max_replicas || u64::from(h.max_replicas) > MAX_HPA_REPLICAS {
        push(issues, "hpa", format!("needs 1 <= min_replicas ({min}) <= max_replicas ({}) <= {MAX_HPA_REPLICAS}", h.max_replicas));
    }
    if replicas == 0 {
        push(issues, "deployment.replicas", "0 replicas disables an HPA; start with at least 1");
    }
    check(issues, "hpa.target_cpu_percent", h.target_cpu_percent as f64, 1.0, MAX_PERCENT as f64);
    check(issues, "hpa.sync_period_s", h.sync_period_s, 1.0, MAX_CONTROLLER_PERIOD_S);
    check(issues, "hpa.metric_resolution_s", h.metric_resolution_s, 1.0, MAX_CONTROLLER_PERIOD_S);
    check(issues, "hpa.tolerance", h.tolerance, 0.0, 1.0);
    check(issues, "hpa.cpu_initialization_period_s", h.cpu_initialization_period_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "hpa.initial_readiness_delay_s", h.initial_readiness_delay_s, 0.0, MAX_LIFECYCLE_S);
    check(issues, "hpa.downscale_stabilization_s", h.downscale_stabilization_s, 0.0, MAX_LIFECYCLE_S);
    for (dir, rules) in [("scale_up", &h.scale_up), ("scale_down", &h.scale_down)] {
        let Some(r) = rules else { continue };
        check_len(issues, &format!("hpa.{dir}.policies"), r.policies.as_ref().map_or(0, Vec::len), MAX_LIST);
        for (i, p) in r.policies.iter().flatten().enumerate() {
            // Kept far below i32::MAX: Kubernetes' maths run in 32-bit integers.
            let most = if p.kind == PolicyKind::Pods { MAX_REPLICAS } else { MAX_PERCENT };
            check_count(issues, &format!("hpa.{dir}.policies.{i}.value"), p.value.into(), 1, most);
            check_count(issues, &format!("hpa.{dir}.policies.{i}.period_s"), p.period_s.into(), 1, 1800);
        }
        if let Some(s) = r.stabilization_s {
            check_count(issues, &format!("hpa.{dir}.stabilization_s"), s.into(), 0, 3600);
        }
        if let Some(t) = r.tolerance {
            check(issues, &format!("hpa.{dir}.tolerance"), t, 0.0, 1.0);
        }
    }
}
