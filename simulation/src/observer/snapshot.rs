//! A picture of the cluster at one instant, as plain data for a viewer: zones, nodes with their
//! resources, pods in their nodes with their state, version and load, the balancer's shares,
//! the cache and the database. Read-only: taking one never changes a run.

use crate::control_plane::Store;
use crate::control_plane::objects::{NodeState, PodObject};
use crate::serving::Serving;
use serde::Serialize;

/// Where a node is in its life, as a viewer shows it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Provisioning,
    Ready,
    /// Cordoned and being emptied by the Cluster Autoscaler.
    Draining,
    /// The machine is dead (the API may still show it Ready until the node controller notices).
    Dead,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PodStatus {
    /// Not placed on any node (the scheduler found no room).
    Pending,
    /// Placed; the container is starting or waiting for its first readiness probe.
    Starting,
    /// Waiting to restart after crashing (CrashLoopBackOff).
    CrashLoop,
    Ready,
    /// On a dead node: it answers nothing.
    Unreachable,
    /// Finishing its work within the grace period.
    Terminating,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub name: String,
    pub zone: String,
    pub node_type: String,
    pub status: NodeStatus,
    /// Allocatable CPU (millicores) and memory (MiB).
    pub cpu_m: u32,
    pub memory_mi: u32,
    /// CPU used by its pods over the last second, and requested by them.
    pub cpu_used_m: f64,
    pub cpu_requested_m: u32,
    /// Memory its pods use (their request, plus what a leaking version has grown).
    pub memory_used_mi: f64,
    pub price_per_hour: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PodView {
    pub name: String,
    /// Index into `ClusterSnapshot::versions`.
    pub version: u16,
    /// Index into `ClusterSnapshot::nodes`; `None` while Pending (or without a `[cluster]`).
    pub node: Option<u16>,
    pub status: PodStatus,
    pub workers: u32,
    /// Workers busy, and requests queued, at this instant.
    pub busy: u32,
    pub queue: u32,
    pub cpu_used_m: f64,
    /// Share of the requests the balancer sent to pods in the last second.
    pub share: f64,
    pub restarts: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionView {
    pub name: String,
    /// The share of traffic the router means for it (0–1): its weight, or with plain
    /// endpoint routing its share of the ready pods.
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatabaseView {
    pub connections: u32,
    pub in_use: u32,
    /// Requests waiting for a connection.
    pub waiting: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterSnapshot {
    /// Simulated seconds.
    pub t: f64,
    pub zones: Vec<String>,
    pub nodes: Vec<NodeView>,
    pub pods: Vec<PodView>,
    pub versions: Vec<VersionView>,
    /// The cache's hit ratio in effect now.
    pub cache_hit_ratio: Option<f64>,
    pub database: Option<DatabaseView>,
    pub routing: crate::port::RoutingMode,
}

fn status_of(store: &Store, p: &PodObject, model: &dyn Serving) -> PodStatus {
    let serving = p.model.and_then(|id| model.pod_reading(id));
    if p.terminating() || serving.is_some_and(|m| m.terminating) {
        PodStatus::Terminating
    } else if !p.scheduled() {
        PodStatus::Pending
    } else if serving.is_some_and(|m| m.unreachable) || p.node.is_some_and(|n| !store.nodes[n].alive()) {
        PodStatus::Unreachable
    } else if p.restart_at.is_some() {
        PodStatus::CrashLoop
    } else if p.ready() {
        PodStatus::Ready
    } else {
        PodStatus::Starting
    }
}

/// The cluster now, drawn from the store and the dataplane.
pub fn snapshot(store: &Store, model: &dyn Serving) -> ClusterSnapshot {
    let shown: Vec<usize> = (0..store.nodes.len()).filter(|&n| store.nodes[n].state != NodeState::Removed).collect();
    let index = |n: usize| shown.iter().position(|&x| x == n).map(|i| i as u16);
    let reading = |p: &PodObject| p.model.and_then(|id| model.pod_reading(id)).filter(|m| m.live);
    let total_routed: u64 = store.pods.iter().filter_map(reading).map(|m| m.routed).sum();
    let pods: Vec<PodView> = store
        .pods
        .iter()
        .filter(|p| !p.gone())
        .map(|p| {
            let serving = reading(p);
            PodView {
                name: p.name.clone(),
                version: p.version,
                node: p.node.and_then(index),
                status: status_of(store, p, model),
                workers: serving.map_or(0, |m| m.workers),
                busy: serving.map_or(0, |m| m.busy),
                queue: serving.map_or(0, |m| m.queue),
                cpu_used_m: serving.map_or(0.0, |m| m.cpu_m),
                share: match serving {
                    Some(m) if total_routed > 0 => m.routed as f64 / total_routed as f64,
                    _ => 0.0,
                },
                restarts: p.restarts,
            }
        })
        .collect();
    let nodes = shown
        .iter()
        .map(|&n| {
            let node = &store.nodes[n];
            let on: Vec<&PodObject> = store.pods.iter().filter(|p| p.node == Some(n) && !p.gone()).collect();
            let group = store.template.cluster.as_ref().and_then(|c| c.node_groups.get(node.group));
            NodeView {
                name: node.name.clone(),
                zone: node.zone.clone(),
                node_type: group.map(|g| g.node_type.clone()).unwrap_or_default(),
                status: match node.state {
                    NodeState::Provisioning => NodeStatus::Provisioning,
                    NodeState::Ready => NodeStatus::Ready,
                    NodeState::Draining => NodeStatus::Draining,
                    NodeState::Failed | NodeState::Removed => NodeStatus::Dead,
                },
                cpu_m: node.cpu_m as u32,
                memory_mi: (node.memory / crate::control_plane::MIB) as u32,
                cpu_used_m: if node.alive() {
                    on.iter().filter_map(|p| p.model.and_then(|id| model.pod_reading(id))).map(|m| m.cpu_m).sum()
                } else {
                    0.0
                },
                cpu_requested_m: (store.template.cpu_m * on.len() as i64) as u32,
                memory_used_mi: on.iter().map(|p| store.pod_memory_used_mi(model, p)).sum(),
                price_per_hour: node.price_per_hour,
            }
        })
        .collect::<Vec<_>>();
    let mut zones: Vec<String> = Vec::new();
    for n in &nodes {
        if !zones.contains(&n.zone) {
            zones.push(n.zone.clone());
        }
    }
    let weights = model.version_weights();
    let sum: u32 = weights.iter().sum();
    let versions = model
        .version_names()
        .into_iter()
        .zip(weights.iter().chain(std::iter::repeat(&0)))
        .map(|(name, &w)| VersionView { name, weight: if sum > 0 { w as f64 / sum as f64 } else { 0.0 } })
        .collect();
    let (cache_hit_ratio, database, routing) = model.dependencies_now();
    ClusterSnapshot {
        t: model.now().as_secs_f64(),
        zones,
        nodes,
        pods,
        versions,
        cache_hit_ratio,
        database: database.map(|(connections, in_use, waiting)| DatabaseView { connections, in_use, waiting }),
        routing,
    }
}
