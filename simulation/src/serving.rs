//! A dataplane as the facade runs it and the observer reads it, beyond the control plane's
//! port: its clock and events, the second's window, and what viewers see of its pods.

use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::metrics::Stats;
use crate::port::{Dataplane, PodId, RoutingMode};

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

/// One serving pod as another engine continues it (a zoom into a minute): its process's state
/// and the requests it holds, as expected values where the engine keeps no single requests.
#[derive(Clone, Debug, PartialEq)]
pub struct PodHandover {
    pub id: PodId,
    pub name: String,
    pub version: u16,
    pub image: u16,
    /// The weighted balancer's weight.
    pub weight: u32,
    pub ready: bool,
    pub terminating: bool,
    /// Its process ended (its id stays taken: the control plane refers to pods by id).
    pub gone: bool,
    pub unreachable: bool,
    /// Requests holding a worker, and waiting (its queue, with any backlog).
    pub busy: f64,
    pub waiting: f64,
}

/// The serving side at one instant, for another engine to continue from.
#[derive(Clone, Debug, PartialEq)]
pub struct Handover {
    pub at: SimTime,
    /// Every pod ever started, in id order.
    pub pods: Vec<PodHandover>,
    pub weights: Vec<u32>,
    pub routing: RoutingMode,
    /// Every fault of the run with the time it begins (or began): the scenario's and live ones.
    pub faults: Vec<(SimTime, Fault)>,
    /// What falls at `at` itself has happened already (the run stands after its instant).
    pub settled: bool,
    pub incident_at_s: Option<u64>,
}
