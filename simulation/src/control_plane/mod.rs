//! The Kubernetes control plane on top of the request path: nodes, the scheduler, kubelets,
//! the node lifecycle controller, ReplicaSets, the Deployment (rolling update, recreate), the
//! HPA with a lagging metrics-server, and the Cluster Autoscaler.
//!
//! Every controller is observe → compare → act: it reads the objects below, asks a pure
//! decision function in `crate::kube` what to do, and writes objects (and the request path's
//! pods through `Model`'s control-plane API). The control plane acts on a one-second clock:
//! each tick runs the loops in the order a change flows through a real cluster.

mod cluster_autoscaler;
mod deployment_controller;
mod eviction_manager;
mod hpa_controller;
mod kubelet;
mod metrics_server;
mod node_lifecycle;
pub mod objects;
mod pipeline;
mod registry;
mod replicaset_controller;
mod rollout_controller;
mod scheduler;
mod snapshot;

use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::kube::scheduler::{NodeInfo, Resources};
use crate::rng::RngStream;
use crate::scenario::{ClusterAutoscalerSpec, ClusterSpec, Scenario};
use crate::simulation::{ControlCommand, Controller, Model};
use objects::{Node, NodeState, PodObject, ReplicaSetObject};

pub use deployment_controller::DeploymentObject;
pub use snapshot::{ClusterSnapshot, DatabaseView, NodeStatus, NodeView, PodStatus, PodView, VersionView};

/// The control plane's clock: every loop observes the cluster once per simulated second.
pub const TICK: SimTime = SimTime(1_000_000);
const MIB: i64 = 1024 * 1024;

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
struct VersionBehaviour {
    crash_on_start: bool,
    startup: Option<SimTime>,
}

/// One version's pods, as the control plane counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VersionPods {
    pub desired: u32,
    pub pending: u32,
    pub not_ready: u32,
}

/// Cluster-level numbers for the per-second series.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct ClusterGauges {
    pub pods_desired: u32,
    /// Pods the ReplicaSets count (not terminating): what maxSurge bounds.
    pub pods_total: u32,
    pub pods_pending: u32,
    pub pods_starting: u32,
    /// Pods placed on a node that cannot serve: starting, crash-looping, or on a dead node.
    pub pods_not_ready: u32,
    /// Nodes that exist (billed), those whose machine is up and Ready (a cordoned, draining
    /// node still is), and the rest: provisioning or dead, whatever the API still shows.
    pub nodes: u32,
    pub nodes_ready: u32,
    pub nodes_not_ready: u32,
    /// Requested CPU / allocatable CPU over ready nodes (0 without a cluster).
    pub cpu_requested: f64,
    pub cost_per_hour: f64,
    /// The fullest ready node's memory in use / allocatable (when the scenario models memory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_memory_max: Option<f64>,
}

pub struct ControlPlane {
    cluster: Option<ClusterSpec>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) pods: Vec<PodObject>,
    pub(crate) replica_sets: Vec<ReplicaSetObject>,
    pub(crate) deployment: DeploymentObject,
    hpa: Option<hpa_controller::Hpa>,
    autoscaler: Option<cluster_autoscaler::Autoscaler>,
    metrics: metrics_server::MetricsServer,
    readiness: Readiness,
    startup: SimTime,
    pod_cpu_m: i64,
    pod_memory: i64,
    app: String,
    pod_cost_per_hour: f64,
    tie_rng: RngStream,
    next_pod: u32,
    started: bool,
    behaviour: Vec<VersionBehaviour>,
    memory_request_mi: f64,
    memory_baseline_mi: f64,
    /// The scenario models memory: node pressure can evict, gauges report it.
    memory_on: bool,
    release: Option<rollout_controller::Rollout>,
    /// CI/CD: the pipeline and the registry its tag lives in (`None` without a `[pipeline]`).
    pipeline: Option<pipeline::Pipeline>,
    registry: Option<registry::Registry>,
    /// Model pods the scenario created at t = 0 (adopted on the first tick).
    initial: Vec<crate::pod::PodId>,
}

impl ControlPlane {
    pub fn new(sc: &Scenario, seed: u64, initial: Vec<crate::pod::PodId>) -> Self {
        let d = &sc.deployment;
        ControlPlane {
            cluster: sc.cluster.clone(),
            nodes: Vec::new(),
            pods: Vec::new(),
            replica_sets: Vec::new(),
            deployment: DeploymentObject::new(sc),
            hpa: sc.hpa.as_ref().map(hpa_controller::Hpa::new),
            autoscaler: sc
                .cluster_autoscaler
                .as_ref()
                .filter(|ca| ca.enabled && sc.cluster.is_some())
                .map(|ca: &ClusterAutoscalerSpec| cluster_autoscaler::Autoscaler::new(ca, seed)),
            metrics: metrics_server::MetricsServer::new(sc.hpa.as_ref().map_or(15.0, |h| h.metric_resolution_s)),
            readiness: Readiness {
                initial_delay: SimTime::from_secs_f64(d.readiness_initial_delay_s),
                period: SimTime::from_secs_f64(d.readiness_period_s),
            },
            startup: SimTime::from_secs_f64(d.startup_s),
            pod_cpu_m: sc.service.cpu_request() as i64,
            pod_memory: d.memory_request_mi as i64 * MIB,
            app: sc.service.name.clone(),
            pod_cost_per_hour: d.pod_cost_per_hour,
            tie_rng: RngStream::new(seed, "scheduler/ties"),
            next_pod: 0,
            started: false,
            initial,
            behaviour: sc
                .versions()
                .iter()
                .map(|v| VersionBehaviour { crash_on_start: v.crash_on_start, startup: v.startup_s.map(SimTime::from_secs_f64) })
                .collect(),
            memory_request_mi: d.memory_request_mi as f64,
            memory_baseline_mi: d.memory_baseline_mi.unwrap_or(d.memory_request_mi) as f64,
            memory_on: d.memory_modelled() || sc.versions().iter().any(|v| v.memory_leak_mi_per_1k > 0.0),
            pipeline: sc.pipeline.as_ref().map(|p| {
                let versions = sc.versions();
                let v = versions.iter().position(|x| x.name == p.version).unwrap_or(1);
                let spec = &versions[v];
                let bad = spec.error_rate > 0.0 || spec.extra_latency_ms > 0.0 || spec.crash_on_start || spec.memory_leak_mi_per_1k > 0.0;
                pipeline::Pipeline::new(p, v as u16, bad, seed)
            }),
            registry: sc.pipeline.as_ref().map(|p| registry::Registry::new(p.tag, 0)),
            release: sc
                .release
                .as_ref()
                .map(|r| rollout_controller::Rollout::new(r, sc.versions().iter().position(|v| v.name == r.version).unwrap_or(1) as u16)),
        }
    }

    fn startup_of(&self, version: u16) -> SimTime {
        self.behaviour.get(version as usize).and_then(|b| b.startup).unwrap_or(self.startup)
    }

    /// Names like Kubernetes': `<app>-<version>-<n>`.
    fn new_pod(&mut self, rs: usize, now: SimTime) -> usize {
        self.next_pod += 1;
        let version = self.replica_sets[rs].version;
        let name = format!("{}-{}", self.replica_sets[rs].name, self.next_pod);
        self.pods.push(PodObject {
            name,
            rs,
            version,
            created: now,
            node: None,
            scheduled: false,
            scheduled_at: now,
            ready_at: now,
            model: None,
            ready: false,
            ready_since: None,
            ready_transition: now,
            terminating: false,
            gone: false,
            restarts: 0,
            container_start: now,
            restart_at: None,
            backoff: None,
            unschedulable: None,
        });
        self.pods.len() - 1
    }

    /// The system at t = 0: nodes up, every initial pod placed, running and ready.
    fn start(&mut self, model: &mut Model) {
        if let Some(c) = self.cluster.clone() {
            for (g, group) in c.node_groups.iter().enumerate() {
                for _ in 0..group.nodes {
                    self.add_node(g, SimTime::ZERO, NodeState::Ready);
                }
            }
        }
        let names = model.version_names();
        let initial = std::mem::take(&mut self.initial);
        for (v, name) in names.iter().enumerate() {
            let count = initial.iter().filter(|&&id| model.pod(id).is_some_and(|p| p.version == v as u16)).count();
            if count == 0 && v != 0 {
                continue;
            }
            let rs = self.add_replica_set(v as u16, name, count as i32, v == 0, SimTime::ZERO);
            let of_version: Vec<crate::pod::PodId> =
                initial.iter().copied().filter(|&id| model.pod(id).is_some_and(|p| p.version == v as u16)).collect();
            for id in of_version {
                let p = self.new_pod(rs, SimTime::ZERO);
                self.pods[p].model = Some(id);
                model.rename_pod(id, self.pods[p].name.clone());
            }
        }
        // Place the initial pods; those that fit are already running and ready.
        self.schedule_pending(model, SimTime::ZERO);
        for pod in self.pods.iter_mut().filter(|p| p.scheduled) {
            if let (Some(id), Some(n)) = (pod.model, pod.node) {
                model.place_pod(id, n);
            }
            pod.ready_at = SimTime::ZERO;
            pod.ready = true;
            pod.ready_since = Some(SimTime::ZERO);
        }
        for pod in self.pods.iter_mut().filter(|p| !p.scheduled) {
            if let Some(id) = pod.model.take() {
                model.discard_pod(id);
            }
        }
        self.deployment.adopt(&mut self.replica_sets);
    }

    pub(crate) fn add_replica_set(&mut self, version: u16, version_name: &str, replicas: i32, owned: bool, now: SimTime) -> usize {
        self.replica_sets.push(ReplicaSetObject {
            name: format!("{}-{}", self.app, version_name),
            version,
            created: now,
            replicas,
            desired_annotation: None,
            max_annotation: None,
            owned,
        });
        self.replica_sets.len() - 1
    }

    fn add_node(&mut self, group: usize, ready_at: SimTime, state: NodeState) -> usize {
        let c = self.cluster.as_ref().expect("nodes exist only with a [cluster]");
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
    fn serving(&self, p: &PodObject) -> bool {
        p.active() && p.ready && p.node.is_none_or(|n| self.nodes[n].alive())
    }

    fn not_ready(&self, p: &PodObject) -> bool {
        p.active() && p.scheduled && !self.serving(p)
    }

    fn version_pods(&self, versions: usize) -> Vec<VersionPods> {
        let mut out = vec![VersionPods::default(); versions];
        for rs in &self.replica_sets {
            if let Some(v) = out.get_mut(rs.version as usize) {
                v.desired += rs.replicas.max(0) as u32;
            }
        }
        for p in self.pods.iter().filter(|p| p.active()) {
            if let Some(v) = out.get_mut(p.version as usize) {
                v.pending += p.pending() as u32;
                v.not_ready += self.not_ready(p) as u32;
            }
        }
        out
    }

    fn gauges(&self, model: &Model) -> ClusterGauges {
        let live: Vec<&PodObject> = self.pods.iter().filter(|p| !p.gone).collect();
        let ready_nodes: Vec<&Node> = self.nodes.iter().filter(|n| n.state == NodeState::Ready).collect();
        let nodes = self.nodes.iter().filter(|n| n.billed()).count() as u32;
        let nodes_ready = self.nodes.iter().filter(|n| n.alive()).count() as u32;
        let alloc: i64 = ready_nodes.iter().map(|n| n.cpu_m).sum();
        let requested: i64 =
            live.iter().filter(|p| p.node.is_some_and(|n| self.nodes[n].state == NodeState::Ready)).map(|_| self.pod_cpu_m).sum();
        let cost = if self.cluster.is_some() {
            self.nodes.iter().filter(|n| n.billed()).map(|n| n.price_per_hour).sum()
        } else {
            live.len() as f64 * self.pod_cost_per_hour
        };
        ClusterGauges {
            pods_desired: self
                .replica_sets
                .iter()
                .map(|r| r.replicas.max(0) as u32)
                .sum::<u32>()
                .max(self.deployment.replicas.max(0) as u32),
            pods_total: live.iter().filter(|p| p.active()).count() as u32,
            pods_pending: live.iter().filter(|p| p.pending()).count() as u32,
            pods_starting: live.iter().filter(|p| p.scheduled && !p.ready && !p.terminating).count() as u32,
            pods_not_ready: live.iter().filter(|p| self.not_ready(p)).count() as u32,
            nodes,
            nodes_ready,
            nodes_not_ready: nodes - nodes_ready,
            cpu_requested: if alloc > 0 { requested as f64 / alloc as f64 } else { 0.0 },
            cost_per_hour: cost,
            node_memory_max: (self.memory_on && !ready_nodes.is_empty()).then(|| {
                (0..self.nodes.len())
                    .filter(|&n| self.nodes[n].state == NodeState::Ready)
                    .map(|n| self.node_memory_used_mi(model, n) / (self.nodes[n].memory / MIB) as f64)
                    .fold(0.0, f64::max)
            }),
        }
    }

    /// A release shipped live replaces a finished one; one in progress must end first.
    fn ship(&mut self, model: &mut Model, spec: crate::scenario::ReleaseSpec, now: SimTime) {
        if self.release.as_ref().is_some_and(|r| r.in_progress()) {
            model.log_event(EventKind::ReleaseRefused { version: spec.version.clone() });
            return;
        }
        let version = model.version_names().iter().position(|v| *v == spec.version).unwrap_or(0) as u16;
        let mut rollout = rollout_controller::Rollout::new(&spec, version);
        rollout.sync(self, model, now);
        self.release = Some(rollout);
    }
}

/// Live pods bound to each node (one pass, for a loop that asks about every node).
pub(crate) fn pods_per_node(cp: &ControlPlane) -> Vec<usize> {
    let mut counts = vec![0; cp.nodes.len()];
    for n in cp.pods.iter().filter(|p| !p.gone).filter_map(|p| p.node) {
        counts[n] += 1;
    }
    counts
}

/// What the scheduler sees of node `n`, which holds `count` live pods (`pods_per_node`).
pub(crate) fn node_info(cp: &ControlPlane, n: usize, count: usize) -> NodeInfo {
    let node = &cp.nodes[n];
    let requested = Resources { cpu_m: cp.pod_cpu_m * count as i64, memory: cp.pod_memory * count as i64 };
    NodeInfo {
        name: node.name.clone(),
        allocatable: Resources { cpu_m: node.cpu_m, memory: node.memory },
        allowed_pods: node.max_pods,
        pod_count: count,
        requested,
        non_zero_requested: requested,
    }
}

impl Controller for ControlPlane {
    fn tick(&mut self, model: &mut Model) -> Option<SimTime> {
        let now = model.now();
        if !self.started {
            self.started = true;
            self.start(model);
        }
        // Faults first (they are what the loops react to), then the flow of a change:
        // node lifecycle → kubelets → autoscalers → Deployment → ReplicaSets → scheduler.
        for command in model.take_commands() {
            match command {
                ControlCommand::Fault(fault) => self.apply_fault(model, fault, now),
                ControlCommand::Release(spec) => self.ship(model, spec, now),
                ControlCommand::Rollback => match self.release.take() {
                    Some(mut r) => {
                        r.roll_back(self, model, now);
                        self.release = Some(r);
                    }
                    None => {
                        model.log_event(EventKind::NothingToRollBack);
                    }
                },
            }
        }
        self.node_lifecycle(model, now);
        self.kubelets(model, now);
        self.evict_under_memory_pressure(model);
        let mut metrics = std::mem::take(&mut self.metrics);
        metrics.scrape(self, model, now);
        self.metrics = metrics;
        if let Some(mut hpa) = self.hpa.take() {
            hpa.sync(self, model, now);
            self.hpa = Some(hpa);
        }
        if let (Some(mut pipeline), Some(mut registry)) = (self.pipeline.take(), self.registry.take()) {
            pipeline.sync(self, &mut registry, model, now);
            self.pipeline = Some(pipeline);
            self.registry = Some(registry);
        }
        if let Some(mut release) = self.release.take() {
            release.sync(self, model, now);
            self.release = Some(release);
        }
        self.sync_deployment(model, now);
        self.sync_replica_sets(model, now);
        self.schedule_pending(model, now);
        if let Some(mut ca) = self.autoscaler.take() {
            ca.sync(self, model, now);
            self.autoscaler = Some(ca);
        }
        let per_version = self.version_pods(model.version_names().len());
        model.set_cluster_gauges(self.gauges(model), per_version);
        Some(TICK)
    }

    fn snapshot(&self, model: &Model) -> Option<ClusterSnapshot> {
        Some(ControlPlane::snapshot(self, model))
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
