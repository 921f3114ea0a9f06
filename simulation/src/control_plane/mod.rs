//! The Kubernetes control plane on top of the dataplane: a store of API objects and the
//! controllers that reconcile it — node lifecycle, kubelets, the eviction manager,
//! metrics-server, the HPA, the CI/CD pipeline, releases, the Deployment, ReplicaSets, the
//! scheduler and the Cluster Autoscaler.
//!
//! Every controller is its own type with one `sync`: observe the store (and the dataplane
//! through the `port::Dataplane` trait), compare with a pure decision function in
//! `crate::kube`, act on the store and the port. The control plane acts on a one-second
//! clock: each tick runs the loops in the order a change flows through a real cluster.

mod cluster_autoscaler;
mod deployment_controller;
mod eviction_manager;
mod hpa_controller;
mod kubelet;
mod metrics_server;
mod node_lifecycle;
pub mod objects;
mod pipeline;
mod refill;
mod registry;
mod replicaset_controller;
mod rollout_controller;
mod scheduler;
mod status;
mod store;

use crate::event_log::EventKind;
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::port::{Dataplane, Metrics, PodId};
use crate::scenario::{ReleaseSpec, Scenario};
use objects::{NodeState, PodPhase};

pub use deployment_controller::DeploymentObject;
pub use status::{PipelineOutcome, PipelineSummary, ReleaseOutcome, ReleaseSummary};
pub use store::{MIB, Readiness, Store, Template};

/// What the learner (or an instructor) can do to the cluster while a run goes on.
#[derive(Clone, Debug, PartialEq)]
pub enum ControlCommand {
    /// A node or zone fault.
    Fault(Fault),
    /// Ship a release now (`at_s` is ignored).
    Release(ReleaseSpec),
    /// Abort the release in progress, or undo a finished one: traffic back to the old version.
    Rollback,
}

/// The control plane's clock: every loop observes the cluster once per simulated second.
pub const TICK: SimTime = SimTime(1_000_000);

/// The store and the controllers that reconcile it.
#[derive(Clone)]
pub struct ControlPlane {
    store: Store,
    node_lifecycle: node_lifecycle::NodeLifecycle,
    kubelet: kubelet::Kubelet,
    eviction: eviction_manager::EvictionManager,
    metrics_server: metrics_server::MetricsServer,
    hpa: Option<hpa_controller::Hpa>,
    pipeline: Option<pipeline::Pipeline>,
    release: Option<rollout_controller::Rollout>,
    deployment: deployment_controller::DeploymentController,
    replica_sets: replicaset_controller::ReplicaSetController,
    scheduler: scheduler::Scheduler,
    autoscaler: Option<cluster_autoscaler::Autoscaler>,
    started: bool,
    /// Dataplane pods the scenario created at t = 0 (adopted on the first tick).
    initial: Vec<PodId>,
}

impl ControlPlane {
    pub fn new(sc: &Scenario, seed: u64, initial: Vec<PodId>) -> Self {
        let versions = sc.versions();
        ControlPlane {
            store: Store::new(sc),
            node_lifecycle: node_lifecycle::NodeLifecycle,
            kubelet: kubelet::Kubelet,
            eviction: eviction_manager::EvictionManager,
            metrics_server: metrics_server::MetricsServer::new(sc.hpa.as_ref().map_or(15.0, |h| h.metric_resolution_s)),
            hpa: sc.hpa.as_ref().map(hpa_controller::Hpa::new),
            pipeline: sc.pipeline.as_ref().map(|p| {
                let v = versions.iter().position(|x| x.name == p.version).unwrap_or(1);
                let spec = &versions[v];
                let bad = spec.error_rate > 0.0 || spec.extra_latency_ms > 0.0 || spec.crash_on_start || spec.memory_leak_mi_per_1k > 0.0;
                pipeline::Pipeline::new(p, v as u16, bad, seed)
            }),
            release: sc
                .release
                .as_ref()
                .map(|r| rollout_controller::Rollout::new(r, versions.iter().position(|v| v.name == r.version).unwrap_or(1) as u16)),
            deployment: deployment_controller::DeploymentController,
            replica_sets: replicaset_controller::ReplicaSetController,
            scheduler: scheduler::Scheduler::new(seed),
            autoscaler: sc
                .cluster_autoscaler
                .as_ref()
                .zip(sc.cluster.as_ref())
                .filter(|(ca, _)| ca.enabled)
                .map(|(ca, cluster)| cluster_autoscaler::Autoscaler::new(ca, cluster, seed)),
            started: false,
            initial,
        }
    }

    /// The API objects, for the observer.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The system at t = 0: nodes up, every initial pod placed, running and ready.
    fn start(&mut self, model: &mut dyn Dataplane) {
        let store = &mut self.store;
        let groups: Vec<u32> = store.template.cluster.iter().flat_map(|c| c.node_groups.iter().map(|g| g.nodes)).collect();
        for (g, count) in groups.into_iter().enumerate() {
            for _ in 0..count {
                store.add_node(g, SimTime::ZERO, NodeState::Ready);
            }
        }
        let names = model.version_names();
        let initial = std::mem::take(&mut self.initial);
        for (v, name) in names.iter().enumerate() {
            let count = initial.iter().filter(|&&id| model.pod_version(id) == Some(v as u16)).count();
            if count == 0 && v != 0 {
                continue;
            }
            let rs = store.add_replica_set(v as u16, name, count as i32, v == 0, SimTime::ZERO);
            let of_version: Vec<PodId> = initial.iter().copied().filter(|&id| model.pod_version(id) == Some(v as u16)).collect();
            for id in of_version {
                let p = store.new_pod(rs, SimTime::ZERO);
                store.pods[p].model = Some(id);
                model.rename_pod(id, store.pods[p].name.clone());
            }
        }
        // Place the initial pods; those that fit are already running and ready.
        self.scheduler.sync(store, model, SimTime::ZERO);
        for pod in store.pods.iter_mut().filter(|p| p.scheduled()) {
            if let (Some(id), Some(n)) = (pod.model, pod.node) {
                model.place_pod(id, n);
            }
            pod.ready_at = SimTime::ZERO;
            pod.phase = PodPhase::Ready;
            pod.ready_since = Some(SimTime::ZERO);
        }
        for pod in store.pods.iter_mut().filter(|p| !p.scheduled()) {
            if let Some(id) = pod.model.take() {
                model.discard_pod(id);
            }
        }
        store.deployment.adopt(&mut store.replica_sets);
    }

    /// A release shipped live replaces a finished one; one in progress must end first.
    fn ship(&mut self, model: &mut dyn Dataplane, metrics: &dyn Metrics, spec: ReleaseSpec, now: SimTime) {
        if self.release.as_ref().is_some_and(|r| r.in_progress()) {
            model.log_event(EventKind::ReleaseRefused { version: spec.version.clone() });
            return;
        }
        let version = model.version_names().iter().position(|v| *v == spec.version).unwrap_or(0) as u16;
        let mut rollout = rollout_controller::Rollout::new(&spec, version);
        rollout.sync(&mut self.store, model, metrics, now);
        self.release = Some(rollout);
    }

    /// One control-plane tick: the live commands first (they are what the loops react to), then
    /// the loops in the order a change flows: node lifecycle → kubelets → eviction →
    /// metrics-server → HPA → pipeline → release → Deployment → ReplicaSets → scheduler →
    /// Cluster Autoscaler.
    pub fn tick(&mut self, model: &mut dyn Dataplane, metrics: &dyn Metrics, commands: Vec<ControlCommand>) {
        let now = model.now();
        if !self.started {
            self.started = true;
            self.start(model);
        }
        for command in commands {
            match command {
                ControlCommand::Fault(fault) => self.node_lifecycle.apply_fault(&mut self.store, model, fault, now),
                ControlCommand::Release(spec) => self.ship(model, metrics, spec, now),
                ControlCommand::Rollback => match self.release.as_mut() {
                    Some(r) => r.roll_back(&mut self.store, model, now),
                    None => {
                        model.log_event(EventKind::NothingToRollBack);
                    }
                },
            }
        }
        let store = &mut self.store;
        self.node_lifecycle.sync(store, model, now);
        self.kubelet.sync(store, model, now);
        self.eviction.sync(store, model);
        self.metrics_server.sync(store, model, now);
        if let Some(hpa) = self.hpa.as_mut() {
            hpa.sync(store, &mut self.metrics_server, model, now);
        }
        if let Some(spec) = self.pipeline.as_mut().and_then(|p| p.sync(store, model, now)) {
            self.ship(model, metrics, spec, now);
        }
        let store = &mut self.store;
        if let Some(release) = self.release.as_mut() {
            release.sync(store, model, metrics, now);
        }
        self.deployment.sync(store, model, now);
        self.replica_sets.sync(store, model, now);
        self.scheduler.sync(store, model, now);
        if let Some(ca) = self.autoscaler.as_mut() {
            ca.sync(store, model, now);
        }
    }

    /// The release's published status and its version.
    pub fn release_status(&self) -> Option<(&ReleaseSummary, u16)> {
        self.release.as_ref().and_then(|r| r.status())
    }

    pub fn pipeline_status(&self) -> Option<&PipelineSummary> {
        self.pipeline.as_ref().and_then(|p| p.status())
    }

    /// The version the Deployment runs now.
    pub fn running_version(&self) -> u16 {
        self.store.running_version
    }
}
