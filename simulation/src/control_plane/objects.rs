//! The API server's objects, as the controllers read and write them: nodes, pods, ReplicaSets
//! and the Deployment. Plain data; the loops that change them live in the sibling files.

use crate::kernel::SimTime;
use crate::kube::TimeMs;
use crate::port::PodId;

/// Simulated time in the `kube` module's unit (milliseconds).
pub fn ms(t: SimTime) -> TimeMs {
    (t.0 / 1000) as TimeMs
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NodeState {
    /// Requested from the cloud; becomes Ready at `ready_at`.
    Provisioning,
    Ready,
    /// The machine died at `failed_at`; the API still shows it Ready until the node
    /// controller's grace period runs out.
    Failed,
    /// Cordoned and being drained by the Cluster Autoscaler.
    Draining,
    Removed,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub group: usize,
    pub zone: String,
    pub cpu_m: i64,
    /// Bytes, like the scheduler's quantities.
    pub memory: i64,
    pub max_pods: usize,
    pub price_per_hour: f64,
    pub state: NodeState,
    pub ready_at: SimTime,
    pub failed_at: Option<SimTime>,
    /// The node controller has marked it NotReady.
    pub marked_not_ready: bool,
}

impl Node {
    /// What the API shows: a failed node looks Ready until marked NotReady.
    pub fn api_ready(&self) -> bool {
        matches!(self.state, NodeState::Ready) || (self.state == NodeState::Failed && !self.marked_not_ready)
    }
    /// Pods on it can run (the machine is up).
    pub fn alive(&self) -> bool {
        matches!(self.state, NodeState::Ready | NodeState::Draining)
    }
    pub fn billed(&self) -> bool {
        self.state != NodeState::Removed
    }
}

/// Where a pod is in its life; one at a time.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PodPhase {
    /// Not bound to a node yet (or no node has room: `unschedulable` says why).
    Pending,
    /// Bound: its container starts, waits for the first readiness probe, or crash-loops.
    Starting,
    /// The Ready condition holds: an endpoint.
    Ready,
    /// Being deleted: out of the endpoints, finishing its work within the grace period.
    Terminating,
    /// Deleted, or its process ended for good: the ReplicaSet no longer counts it.
    Gone,
}

#[derive(Clone, Debug)]
pub struct PodObject {
    pub name: String,
    pub rs: usize,
    pub version: u16,
    pub created: SimTime,
    /// Bound node (index), or `None` while Pending; always `None` without a `[cluster]`.
    pub node: Option<usize>,
    pub phase: PodPhase,
    pub scheduled_at: SimTime,
    /// First readiness probe that will succeed (container start + probes, see kubelet.rs).
    pub ready_at: SimTime,
    /// The serving side of this pod in the request path, once the app listens.
    pub model: Option<PodId>,
    pub ready_since: Option<SimTime>,
    /// Last Ready condition change (HPA's CPU readiness rule reads it).
    pub ready_transition: SimTime,
    pub restarts: u32,
    /// The current container's start (probes and start-up count from it).
    pub container_start: SimTime,
    /// CrashLoopBackOff: the container waits until this time to start again.
    pub restart_at: Option<SimTime>,
    pub backoff: Option<crate::kube::pod_lifecycle::BackoffEntry>,
    /// Why the scheduler could not place it (PodScheduled=False/Unschedulable).
    pub unschedulable: Option<String>,
}

impl PodObject {
    /// Counted by its ReplicaSet (`FilterActivePods`: not terminating, not finished).
    pub fn active(&self) -> bool {
        matches!(self.phase, PodPhase::Pending | PodPhase::Starting | PodPhase::Ready)
    }
    pub fn pending(&self) -> bool {
        self.phase == PodPhase::Pending
    }
    /// Bound to a node (or to the unlimited cluster) at some point, and not gone.
    pub fn scheduled(&self) -> bool {
        matches!(self.phase, PodPhase::Starting | PodPhase::Ready | PodPhase::Terminating)
    }
    pub fn ready(&self) -> bool {
        self.phase == PodPhase::Ready
    }
    pub fn terminating(&self) -> bool {
        self.phase == PodPhase::Terminating
    }
    pub fn gone(&self) -> bool {
        self.phase == PodPhase::Gone
    }
    /// Ready for at least `min_ready` (`availableReplicas`).
    pub fn available(&self, now: SimTime, min_ready: SimTime) -> bool {
        self.ready() && self.ready_since.is_some_and(|s| now >= s.saturating_add(min_ready))
    }
    /// `status.phase` as the pure decision functions read it.
    pub fn kube_phase(&self) -> crate::kube::PodPhase {
        if self.scheduled() { crate::kube::PodPhase::Running } else { crate::kube::PodPhase::Pending }
    }
    /// Out of the endpoints (its container died or stopped): back to starting, unless deleted.
    pub fn not_ready_now(&mut self) {
        if self.phase == PodPhase::Ready {
            self.phase = PodPhase::Starting;
        }
    }
}

#[derive(Clone, Debug)]
pub struct ReplicaSetObject {
    pub name: String,
    pub version: u16,
    pub created: SimTime,
    /// `spec.replicas`.
    pub replicas: i32,
    pub desired_annotation: Option<i32>,
    pub max_annotation: Option<i32>,
    /// Owned by the Deployment (false: a standalone ReplicaSet of another version).
    pub owned: bool,
}
