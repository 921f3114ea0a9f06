//! The port between the cluster and a dataplane: exactly what kube-proxy, the kubelet and
//! metrics-server see of the serving side. Controllers drive a `&mut dyn Dataplane` and never
//! name the engine behind it, so a request-level engine (`dataplane::Engine`) and a flow-level
//! one can serve the same control plane.

use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::metrics::Stats;
pub use crate::scenario::RoutingMode;
use serde::Serialize;

/// A serving pod in the dataplane (its process: the container the kubelet started).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PodId(pub u32);

/// How a serving pod's process ended, as its kubelet learns it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ProcessEnd {
    /// Drained after termination, killed, or never known.
    Exited,
    /// The kernel's OOM killer ended it: memory in use and the limit it passed, MiB.
    OomKilled { used_mi: f64, limit_mi: Option<f64> },
}

/// A serving pod's memory as the kubelet reads it (cAdvisor).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct MemoryReading {
    /// The process still runs (not ended).
    pub live: bool,
    pub used_mi: f64,
    pub limit_mi: Option<f64>,
    /// The build it runs leaks memory with every request it serves.
    pub leaking: bool,
    pub over_limit: bool,
    pub served: u64,
}

/// What the request path offers the control plane.
pub trait Dataplane {
    fn now(&self) -> SimTime;
    /// Version names, in scenario order (their index is a pod's `version`).
    fn version_names(&self) -> Vec<String>;

    // kubelet: the pod's process.
    /// Starts a serving pod of `version`; not ready (no endpoint) yet.
    fn add_pod(&mut self, version: u16) -> PodId;
    /// Its node (index): responses leave through that node's link.
    fn place_pod(&mut self, id: PodId, node: usize);
    /// The build its container runs (a mutable tag resolved at start).
    fn set_pod_image(&mut self, id: PodId, image: u16);
    /// The name the API gave it (`web-v1-3`), for the log.
    fn rename_pod(&mut self, id: PodId, name: String);
    /// Graceful stop: out of the endpoints, drains its work, killed after the grace period.
    fn start_termination(&mut self, id: PodId);
    /// Abrupt death: its queued and in-flight requests fail.
    fn kill_pod(&mut self, id: PodId);
    /// The kubelet saw its memory over the limit: the container is OOM-killed.
    fn oom_kill(&mut self, id: PodId);
    /// Its node died: it answers nothing but stays an endpoint until removed.
    fn make_unreachable(&mut self, id: PodId);
    /// A pod the scenario started with that found no room on any node.
    fn discard_pod(&mut self, id: PodId);
    /// The version a serving pod was created for.
    fn pod_version(&self, id: PodId) -> Option<u16>;
    /// `None` while it runs.
    fn process_ended(&self, id: PodId) -> Option<ProcessEnd>;
    fn pod_memory(&self, id: PodId) -> Option<MemoryReading>;
    /// The eviction manager evicted a pod (counted with the second's OOM kills).
    fn record_eviction(&mut self);

    // kube-proxy: endpoints and routing.
    /// Puts a running pod into (or out of) its version's endpoints.
    fn set_ready(&mut self, id: PodId, ready: bool);
    /// Traffic shares per version (canary steps, blue/green switch).
    fn set_version_weights(&mut self, weights: &[u32]);
    fn set_routing_mode(&mut self, mode: RoutingMode);
    /// The weight the router means for each version now.
    fn version_weights(&self) -> Vec<u32>;

    // metrics-server.
    /// CPU used over the last closed second, millicores.
    fn pod_cpu_millicores(&self, id: PodId) -> Option<f64>;

    // The causal log and the recovery clock, shared by both sides.
    /// Appends to the causal log, citing the latest cause; returns the entry's index.
    fn log_event(&mut self, kind: EventKind) -> Option<usize>;
    /// A release or an image push disturbs the service: the recovery clock starts (first one only).
    fn mark_incident(&mut self);
}

/// One version's requests over a span of whole seconds, as a metrics backend (Prometheus)
/// answers a release analysis.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct VersionWindow {
    pub offered: u64,
    pub failed: u64,
    /// The worst per-second p99 in the span, ms.
    pub worst_p99_ms: Option<f64>,
}

/// The metrics backend the release analysis queries.
pub trait Metrics {
    /// Version `version`'s requests in the seconds from `from_s` on.
    fn version_since(&self, version: u16, from_s: u64) -> VersionWindow;
}

/// What the facade's loop learns from one turn of a dataplane.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Turn {
    /// A whole second ended: the observer closes the window.
    SecondTick,
    /// The control plane's tick is due.
    Controller,
    /// The dataplane handled one of its own events (`fault`: a fault began, whose machine part
    /// the facade hands to the cluster).
    Ran { fault: bool },
}

/// One serving pod as a viewer sees it now.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct PodReading {
    pub live: bool,
    pub terminating: bool,
    pub unreachable: bool,
    pub workers: u32,
    /// Workers busy and requests queued now (a flow engine's are its expected levels, rounded).
    pub busy: u32,
    pub queue: u32,
    /// CPU over the last closed second, millicores.
    pub cpu_m: f64,
    /// Requests routed to it in the last closed second.
    pub routed: u64,
}

/// Levels the observer samples at the end of a second.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Levels {
    pub queued: u64,
    pub in_flight: u64,
    /// Pods whose process runs.
    pub live_pods: u32,
    /// Endpoints that can answer (not on a dead node), per version.
    pub serving: Vec<u32>,
    /// Memory in use by live pods, MiB (when memory is modelled).
    pub memory_used_mi: f64,
    /// Users now, when a closed model's count follows a shape.
    pub users: Option<u32>,
    pub db_waiting: u64,
}

/// A dataplane as the facade runs it and the observer reads it: its clock and events, the
/// second's window, and what viewers see. Both the request-level engine and the flow-level one
/// implement it, so the control plane, the observer, the grade and the report are shared.
pub trait Serving: Dataplane {
    fn duration(&self) -> SimTime;
    /// Work done so far (events, or steps for a flow engine): what the budget counts.
    fn events_processed(&self) -> u64;
    /// Requests held in memory now (the guard's cap).
    fn requests_live(&self) -> usize;
    /// Runs the dataplane's next event up to `limit`; `None` when none is left there (the clock
    /// then stands at `limit`).
    fn next_turn(&mut self, limit: SimTime) -> Option<Turn>;
    /// No event is left within the run.
    fn drained(&mut self) -> bool;
    fn schedule_controller(&mut self, at: SimTime);
    /// Machine faults (a node, a zone) since the last call, for the cluster.
    fn take_machine_faults(&mut self) -> Vec<Fault>;
    /// Applies a fault now.
    fn inject(&mut self, fault: Fault);
    fn fault_count(&self) -> usize;
    /// The open model's traffic multiplier in force and its shape's highest rate in
    /// [t0, t1] s; `None` for a closed model.
    fn open_load(&self, t0: f64, t1: f64) -> Option<(f64, f64)>;
    /// The database slowness in force (1 without a database).
    fn slow_factor(&self) -> f64;
    fn log(&self) -> &EventLog;
    /// Appends an entry at `at` (a closed second's failure onset), citing the latest cause.
    fn log_at(&mut self, at: SimTime, kind: EventKind);
    /// The first incident's second, if one happened.
    fn incident_at_s(&self) -> Option<u64>;

    // The second's window.
    /// Closes the current second; returns when it started.
    fn close_second(&mut self) -> SimTime;
    /// The window being recorded (after `close_second`, the whole second).
    fn window(&self) -> &Stats;
    /// Opens the next second's window.
    fn open_second(&mut self);
    /// The open window integrated up to now (a summary mid-second).
    fn partial_window(&self) -> Option<(SimTime, Stats)>;
    fn levels(&self) -> Levels;
    fn cpu_per_worker_m(&self) -> u32;
    fn cpu_request_m(&self) -> u32;
    fn memory_on(&self) -> bool;
    /// With a `mixed_users` objective: the share of users served by more than one version.
    fn mixed_users(&self) -> Option<f64>;

    // Viewers.
    fn pod_reading(&self, id: PodId) -> Option<PodReading>;
    /// The cache's hit ratio in effect, the database pool (connections, in use, waiting), and
    /// the routing mode, now.
    fn dependencies_now(&self) -> (Option<f64>, Option<(u32, u32, u32)>, RoutingMode);
}
