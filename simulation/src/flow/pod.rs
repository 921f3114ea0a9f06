//! A serving pod in the flow engine: its process's state and its expected levels (workers
//! busy, requests waiting), not individual requests.

use crate::port::{PodId, ProcessEnd};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum PodState {
    Running,
    /// Out of the endpoints, finishing its work until `drained` or the grace period's end.
    Terminating,
    Gone,
}

#[derive(Clone, Debug)]
pub(super) struct FlowPod {
    pub id: PodId,
    pub name: String,
    pub version: u16,
    /// The build its container runs (a mutable tag may run another version's).
    pub image: u16,
    /// The weighted balancer's weight.
    pub weight: u32,
    pub state: PodState,
    pub ready: bool,
    /// Its node died: it answers nothing.
    pub unreachable: bool,
    pub ended: Option<ProcessEnd>,
    /// Expected workers busy and requests waiting now (the stationary queue plus any backlog).
    pub busy: f64,
    pub waiting: f64,
    /// The backlog beyond the stationary queue: requests carried over while it cannot keep up.
    pub backlog: f64,
    /// Busy-worker seconds and requests routed in the open second, and the last closed one's.
    pub busy_s: f64,
    pub routed: f64,
    pub last_cpu_m: f64,
    pub last_routed: u64,
    /// Requests it has served.
    pub served: f64,
}

impl FlowPod {
    pub fn new(id: PodId, name: String, version: u16) -> Self {
        FlowPod {
            id,
            name,
            version,
            image: version,
            weight: 1,
            state: PodState::Running,
            ready: false,
            unreachable: false,
            ended: None,
            busy: 0.0,
            waiting: 0.0,
            backlog: 0.0,
            busy_s: 0.0,
            routed: 0.0,
            last_cpu_m: 0.0,
            last_routed: 0,
            served: 0.0,
        }
    }

    pub fn is_live(&self) -> bool {
        self.state != PodState::Gone
    }

    /// Requests it holds now: what fails if it dies.
    pub fn holding(&self) -> f64 {
        self.busy + self.waiting
    }
}
