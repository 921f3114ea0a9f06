//! A pod: a fixed number of workers, a bounded FIFO queue and a lifecycle that a control plane
//! drives (ready, terminating, gone). The request flow through it lives in `request_path.rs`;
//! this file keeps the pod's own state and its time-weighted usage counters.

use crate::dataplane::request::RequestId;
use crate::kernel::SimTime;
use serde::Serialize;
use std::collections::VecDeque;

pub use crate::port::PodId;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PodState {
    Running,
    /// Left the endpoints; finishing in-flight work within the grace period.
    Terminating,
    Gone,
}

/// Per-pod settings, taken from the scenario's `[service]` section.
#[derive(Clone, Debug)]
pub struct PodSpec {
    pub workers: u32,
    /// Waiting places; `None` is unbounded.
    pub queue_capacity: Option<u32>,
    pub cpu_request_m: u32,
    pub cpu_per_worker_m: u32,
    /// Share for the weighted balancer.
    pub weight: u32,
}

/// Integral of a level over time, in level·µs (exact integers: Little's law holds to the unit).
#[derive(Clone, Debug, Default)]
pub struct Area {
    pub level: u64,
    last: u64,
    pub window: u128,
}

impl Area {
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.window += self.level as u128 * (now.0 - self.last) as u128;
        self.last = now.0;
        self.level = level;
    }
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: i64) {
        let l = (self.level as i64 + delta).max(0) as u64;
        self.set(now, l);
    }
    /// Closes the window at `now` and returns its integral.
    pub fn take_window(&mut self, now: SimTime) -> u128 {
        self.set(now, self.level);
        std::mem::take(&mut self.window)
    }
}

#[derive(Clone, Debug)]
pub struct Pod {
    pub id: PodId,
    pub name: String,
    /// The version whose endpoints it is in (its ReplicaSet's).
    pub version: u16,
    /// The version whose code it runs (differs only with a mutable image tag).
    pub image: u16,
    pub spec: PodSpec,
    pub state: PodState,
    pub ready: bool,
    pub queue: VecDeque<RequestId>,
    /// Requests holding a worker (service or database phase).
    pub in_service: Vec<RequestId>,
    /// Workers in their CPU phase (the rest of the busy ones wait on the database).
    pub busy: Area,
    pub cpu_busy: Area,
    /// CPU used over the last closed one-second window, in millicores (HPA input).
    pub last_cpu_m: f64,
    /// Smooth weighted round robin state.
    pub lb_current: i64,
    pub created: SimTime,
    /// Requests this pod finished (a leaking release grows its memory with it).
    pub served: u64,
    /// Its node died: still an endpoint until the node is marked NotReady, but nothing answers.
    pub unreachable: bool,
    /// Requests hanging on it (open connections the balancer still counts).
    pub lost: u32,
    /// Requests the balancer gave it in the open second, and in the last closed one.
    pub routed: u64,
    pub last_routed: u64,
    pub memory: crate::dataplane::memory::PodMemory,
    /// The network link its responses leave by (its node's); `None` until it first sends.
    pub link: Option<u32>,
    /// Ended by the OOM killer (the kubelet restarts the container with back-off), and the
    /// memory it had reached.
    pub oom_killed: Option<f64>,
}

impl Pod {
    pub fn new(id: PodId, name: String, version: u16, spec: PodSpec, now: SimTime) -> Self {
        Pod {
            id,
            name,
            version,
            image: version,
            spec,
            state: PodState::Running,
            ready: false,
            queue: VecDeque::new(),
            in_service: Vec::with_capacity(8),
            busy: Area::default(),
            cpu_busy: Area::default(),
            last_cpu_m: 0.0,
            lb_current: 0,
            created: now,
            served: 0,
            unreachable: false,
            lost: 0,
            routed: 0,
            last_routed: 0,
            memory: crate::dataplane::memory::PodMemory::default(),
            link: None,
            oom_killed: None,
        }
    }

    /// Memory in use now, MiB: at rest, per request held (queued or in service), leaked.
    pub fn memory_mi(&self) -> f64 {
        self.memory.used_mi(self.in_service.len() + self.queue.len(), self.served)
    }

    /// Connections as a balancer sees them: in service plus queued.
    #[inline]
    pub fn load(&self) -> usize {
        self.in_service.len() + self.queue.len() + self.lost as usize
    }

    #[inline]
    pub fn has_free_worker(&self) -> bool {
        (self.in_service.len() as u32) < self.spec.workers
    }

    #[inline]
    pub fn queue_full(&self) -> bool {
        self.spec.queue_capacity.is_some_and(|c| self.queue.len() as u32 >= c)
    }

    pub fn is_live(&self) -> bool {
        self.state != PodState::Gone
    }

    /// Puts a request on a worker; returns its slot.
    pub fn start(&mut self, now: SimTime, id: RequestId) -> u32 {
        self.in_service.push(id);
        self.busy.set(now, self.in_service.len() as u64);
        (self.in_service.len() - 1) as u32
    }

    /// Frees the worker at `slot`; returns the request that moved into that slot, if any.
    pub fn finish(&mut self, now: SimTime, slot: u32) -> Option<RequestId> {
        let slot = slot as usize;
        if slot >= self.in_service.len() {
            return None;
        }
        self.in_service.swap_remove(slot);
        self.busy.set(now, self.in_service.len() as u64);
        self.in_service.get(slot).copied()
    }

    /// Closes the one-second window: CPU millicores used over it.
    pub fn roll_window(&mut self, now: SimTime, window_us: u64) -> (u128, u128) {
        let busy = self.busy.take_window(now);
        let cpu = self.cpu_busy.take_window(now);
        self.last_routed = std::mem::take(&mut self.routed);
        if window_us > 0 {
            self.last_cpu_m = cpu as f64 * self.spec.cpu_per_worker_m as f64 / window_us as f64;
        }
        (busy, cpu)
    }
}

impl Area {
    /// When the level last changed (or the window was last closed).
    pub fn last_change(&self) -> SimTime {
        SimTime(self.last)
    }
}
