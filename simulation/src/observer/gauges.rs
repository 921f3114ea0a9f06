//! The cluster's gauges for the per-second series, read from the store (and the pods' memory
//! from the dataplane) after each control-plane tick.

use crate::control_plane::objects::NodeState;
use crate::control_plane::{MIB, Store};
use crate::port::Dataplane;

/// One version's pods, as the observer counts them in the store.
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

/// Each version's pods: desired by its ReplicaSets, pending, placed but not ready (into `out`,
/// which keeps its allocation from second to second).
pub(super) fn version_pods(store: &Store, versions: usize, out: &mut Vec<VersionPods>) {
    out.clear();
    out.resize(versions, VersionPods::default());
    for rs in &store.replica_sets {
        if let Some(v) = out.get_mut(rs.version as usize) {
            v.desired += rs.replicas.max(0) as u32;
        }
    }
    for p in store.pods.iter().filter(|p| p.active()) {
        if let Some(v) = out.get_mut(p.version as usize) {
            v.pending += p.pending() as u32;
            v.not_ready += store.not_ready(p) as u32;
        }
    }
}

/// The cluster now: pods, nodes, requested CPU, cost, the fullest node's memory.
pub(super) fn gauges(store: &Store, model: &dyn Dataplane) -> ClusterGauges {
    // One pass over the live pods, without collecting: this runs every simulated second.
    let mut pods = PodCounts::default();
    for p in store.pods.iter().filter(|p| !p.gone()) {
        pods.live += 1;
        pods.active += p.active() as u32;
        pods.pending += p.pending() as u32;
        pods.starting += (p.scheduled() && !p.ready() && !p.terminating()) as u32;
        pods.not_ready += store.not_ready(p) as u32;
        pods.on_ready_nodes += p.node.is_some_and(|n| store.nodes[n].state == NodeState::Ready) as i64;
    }
    let ready_nodes = || store.nodes.iter().filter(|n| n.state == NodeState::Ready);
    let nodes = store.nodes.iter().filter(|n| n.billed()).count() as u32;
    let nodes_ready = store.nodes.iter().filter(|n| n.alive()).count() as u32;
    let alloc: i64 = ready_nodes().map(|n| n.cpu_m).sum();
    let requested = pods.on_ready_nodes * store.template.cpu_m;
    let cost = if store.template.cluster.is_some() {
        store.nodes.iter().filter(|n| n.billed()).map(|n| n.price_per_hour).sum()
    } else {
        pods.live as f64 * store.template.cost_per_hour
    };
    ClusterGauges {
        pods_desired: store.replica_sets.iter().map(|r| r.replicas.max(0) as u32).sum::<u32>().max(store.deployment.replicas.max(0) as u32),
        pods_total: pods.active,
        pods_pending: pods.pending,
        pods_starting: pods.starting,
        pods_not_ready: pods.not_ready,
        nodes,
        nodes_ready,
        nodes_not_ready: nodes - nodes_ready,
        cpu_requested: if alloc > 0 { requested as f64 / alloc as f64 } else { 0.0 },
        cost_per_hour: cost,
        node_memory_max: (store.template.memory_on && ready_nodes().next().is_some()).then(|| {
            (0..store.nodes.len())
                .filter(|&n| store.nodes[n].state == NodeState::Ready)
                .map(|n| store.node_memory_used_mi(model, n) / (store.nodes[n].memory / MIB) as f64)
                .fold(0.0, f64::max)
        }),
    }
}

/// The live pods' counts `gauges` reports.
#[derive(Default)]
struct PodCounts {
    live: u32,
    active: u32,
    pending: u32,
    starting: u32,
    not_ready: u32,
    on_ready_nodes: i64,
}
