//! The cluster store: the API objects (nodes, pods, ReplicaSets, the Deployment, the image
//! registry the kubelets pull from) and the pod template every controller reads. Controllers
//! observe and write it; nothing else does, and the observer only reads it.

use super::deployment_controller::DeploymentObject;
use super::objects::{Node, NodeState, PodObject, PodPhase, ReplicaSetObject};
use super::registry::Registry;
use crate::kernel::SimTime;
use crate::kube::scheduler::{NodeInfo, Resources};
use crate::scenario::{ClusterSpec, Scenario};

pub const MIB: i64 = 1024 * 1024;

/// Readiness probe timing: probes run at container start + initial delay + k × period; the
/// first one after the app listens succeeds (successThreshold 1).
#[derive(Clone, Copy, Debug)]
pub struct Readiness {
    pub initial_delay: SimTime,
    pub period: SimTime,
}

impl Readiness {
    pub fn first_success(&self, container_start: SimTime, startup: SimTime) -> SimTime {
        let first = container_start.saturating_add(self.initial_delay);
        let listening = container_start.saturating_add(startup);
        let k = if listening <= first { 0 } else { (listening.0 - first.0).div_ceil(self.period.0.max(1)) };
        first.saturating_add(self.period.saturating_mul(k))
    }
}

/// What a version does when it runs (a bad release crashes or leaks).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VersionBehaviour {
    pub crash_on_start: bool,
    pub startup: Option<SimTime>,
}

/// The pod template and the cluster's shape, as the scenario gives them.
#[derive(Clone)]
pub struct Template {
    pub cluster: Option<ClusterSpec>,
    pub app: String,
    pub readiness: Readiness,
    pub startup: SimTime,
    pub cpu_m: i64,
    /// Bytes, like the scheduler's quantities.
    pub memory: i64,
    pub cost_per_hour: f64,
    pub memory_request_mi: f64,
    pub memory_baseline_mi: f64,
    /// The scenario models memory: node pressure can evict, gauges report it.
    pub memory_on: bool,
    pub(crate) behaviour: Vec<VersionBehaviour>,
}

#[derive(Clone)]
pub struct Store {
    pub nodes: Vec<Node>,
    pub pods: Vec<PodObject>,
    pub replica_sets: Vec<ReplicaSetObject>,
    pub deployment: DeploymentObject,
    /// CI/CD: where the pipeline's tag points (`None` without a `[pipeline]`).
    pub registry: Option<Registry>,
    /// The version the Deployment runs (a release changes it when it completes or rolls back).
    pub running_version: u16,
    pub template: Template,
    next_pod: u32,
}

impl Store {
    pub fn new(sc: &Scenario) -> Self {
        let d = &sc.deployment;
        Store {
            nodes: Vec::new(),
            pods: Vec::new(),
            replica_sets: Vec::new(),
            deployment: DeploymentObject::new(sc),
            registry: sc.pipeline.as_ref().map(|p| Registry::new(p.tag, 0)),
            running_version: 0,
            template: Template {
                cluster: sc.cluster.clone(),
                app: sc.service.name.clone(),
                readiness: Readiness {
                    initial_delay: SimTime::from_secs_f64(d.readiness_initial_delay_s),
                    period: SimTime::from_secs_f64(d.readiness_period_s),
                },
                startup: SimTime::from_secs_f64(d.startup_s),
                cpu_m: sc.service.cpu_request() as i64,
                memory: d.memory_request_mi as i64 * MIB,
                cost_per_hour: d.pod_cost_per_hour,
                memory_request_mi: d.memory_request_mi as f64,
                memory_baseline_mi: d.memory_baseline_mi.unwrap_or(d.memory_request_mi) as f64,
                memory_on: d.memory_modelled() || sc.versions().iter().any(|v| v.memory_leak_mi_per_1k > 0.0),
                behaviour: sc
                    .versions()
                    .iter()
                    .map(|v| VersionBehaviour { crash_on_start: v.crash_on_start, startup: v.startup_s.map(SimTime::from_secs_f64) })
                    .collect(),
            },
            next_pod: 0,
        }
    }

    pub(crate) fn startup_of(&self, version: u16) -> SimTime {
        let t = &self.template;
        t.behaviour.get(version as usize).and_then(|b| b.startup).unwrap_or(t.startup)
    }

    /// A new Pending pod of ReplicaSet `rs`, named like Kubernetes': `<app>-<version>-<n>`.
    pub(crate) fn new_pod(&mut self, rs: usize, now: SimTime) -> usize {
        self.next_pod += 1;
        let version = self.replica_sets[rs].version;
        let name = format!("{}-{}", self.replica_sets[rs].name, self.next_pod);
        self.pods.push(PodObject {
            name,
            rs,
            version,
            created: now,
            node: None,
            phase: PodPhase::Pending,
            scheduled_at: now,
            ready_at: now,
            model: None,
            ready_since: None,
            ready_transition: now,
            restarts: 0,
            container_start: now,
            restart_at: None,
            backoff: None,
            unschedulable: None,
        });
        self.pods.len() - 1
    }

    pub(crate) fn add_replica_set(&mut self, version: u16, version_name: &str, replicas: i32, owned: bool, now: SimTime) -> usize {
        self.replica_sets.push(ReplicaSetObject {
            name: format!("{}-{}", self.template.app, version_name),
            version,
            created: now,
            replicas,
            desired_annotation: None,
            max_annotation: None,
            owned,
        });
        self.replica_sets.len() - 1
    }

    pub(crate) fn add_node(&mut self, group: usize, ready_at: SimTime, state: NodeState) -> usize {
        let c = self.template.cluster.as_ref().expect("nodes exist only with a [cluster]");
        let g = &c.node_groups[group];
        let t = c.node_type(&g.node_type).expect("validated node type");
        let in_group = self.nodes.iter().filter(|n| n.group == group).count();
        let zone = if g.zones.is_empty() { String::new() } else { g.zones[in_group % g.zones.len()].clone() };
        self.nodes.push(Node {
            name: format!("{}-{}", g.name, in_group + 1),
            group,
            zone,
            cpu_m: t.cpu_m as i64,
            memory: t.memory_mi as i64 * MIB,
            max_pods: t.max_pods as usize,
            price_per_hour: t.price_per_hour,
            state,
            ready_at,
            failed_at: None,
            marked_not_ready: false,
        });
        self.nodes.len() - 1
    }

    /// Ready and on a machine that is up: a pod on a dead node is not ready, whatever the API
    /// shows until the node controller notices.
    #[inline]
    pub(crate) fn serving(&self, p: &PodObject) -> bool {
        p.phase == PodPhase::Ready && p.node.is_none_or(|n| self.nodes[n].alive())
    }

    /// Placed on a node but unable to serve: starting, crash-looping, or on a dead node.
    #[inline]
    pub(crate) fn not_ready(&self, p: &PodObject) -> bool {
        p.active() && p.scheduled() && !self.serving(p)
    }

    /// Live pods bound to each node (one pass, for a loop that asks about every node).
    pub(crate) fn pods_per_node(&self) -> Vec<usize> {
        let mut counts = vec![0; self.nodes.len()];
        for n in self.pods.iter().filter(|p| !p.gone()).filter_map(|p| p.node) {
            counts[n] += 1;
        }
        counts
    }

    /// What the scheduler sees of node `n`, which holds `count` live pods (`pods_per_node`).
    pub(crate) fn node_info(&self, n: usize, count: usize) -> NodeInfo {
        let node = &self.nodes[n];
        let (cpu_m, memory) = (self.template.cpu_m, self.template.memory);
        let requested = Resources { cpu_m: cpu_m * count as i64, memory: memory * count as i64 };
        NodeInfo {
            name: node.name.clone(),
            allocatable: Resources { cpu_m: node.cpu_m, memory: node.memory },
            allowed_pods: node.max_pods,
            pod_count: count,
            requested,
            non_zero_requested: requested,
        }
    }

    /// Live pods bound to node `n` and started on it (what its kubelet accounts for).
    pub(crate) fn on_node(&self, n: usize) -> Vec<usize> {
        (0..self.pods.len()).filter(|&p| self.pods[p].node == Some(n) && self.pods[p].scheduled() && !self.pods[p].gone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_waits_for_the_first_probe_after_the_app_listens() {
        let r = Readiness { initial_delay: SimTime::ZERO, period: SimTime::from_secs(10) };
        // Probes at 0, 10, 20 s after container start; the app listens at 5 s.
        assert_eq!(r.first_success(SimTime::from_secs(100), SimTime::from_secs(5)), SimTime::from_secs(110));
        assert_eq!(r.first_success(SimTime::from_secs(100), SimTime::ZERO), SimTime::from_secs(100));
        assert_eq!(r.first_success(SimTime::from_secs(100), SimTime::from_secs(10)), SimTime::from_secs(110));
        // A start that never ends (a huge startup) is never ready: no wrap into the past.
        assert_eq!(r.first_success(SimTime::from_secs(100), SimTime::from_secs_f64(1e300)), SimTime::MAX);
        let delayed = Readiness { initial_delay: SimTime::from_secs(15), period: SimTime::from_secs(10) };
        assert_eq!(delayed.first_success(SimTime::ZERO, SimTime::from_secs(5)), SimTime::from_secs(15));
        assert_eq!(delayed.first_success(SimTime::ZERO, SimTime::from_secs(16)), SimTime::from_secs(25));
    }
}
