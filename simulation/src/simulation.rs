//! The facade: wires the dataplane, the cluster (store and controllers) and the observer onto
//! one clock, in a fixed order, and grades the run at the end.
//!
//! The tick order at one instant: the request path's events as they come; at each whole
//! second the observer closes the dataplane's window first (`SecondTick`), then the control
//! plane runs its loops (`Controller`) and the observer reads the cluster it left.

use crate::budget::{DEFAULT_BUDGET, Estimate, Guard};
use crate::control_plane::{ControlCommand, ControlPlane, TICK};
use crate::dataplane::Engine;
use crate::event_log::LogEvent;
use crate::fault::Fault;
use crate::flow::FlowEngine;
use crate::flow::validity::FlowOutside;
use crate::grade;
use crate::kernel::SimTime;
use crate::observer::{ClusterSnapshot, Observer, SecondSample, Summary};
use crate::port::Dataplane;
use crate::serving::{Serving, Turn};
use crate::report::Report;
pub use crate::scenario::EngineKind;
use crate::scenario::{ReleaseSpec, Scenario, ScenarioError};

mod zoom;

/// The dataplane a run uses: every request simulated, or flows in fixed steps.
enum Plane {
    Request(Box<Engine>),
    Flow(Box<FlowEngine>),
}

impl Plane {
    #[inline]
    fn get(&self) -> &dyn Serving {
        match self {
            Plane::Request(e) => &**e,
            Plane::Flow(f) => &**f,
        }
    }

    #[inline]
    fn get_mut(&mut self) -> &mut dyn Serving {
        match self {
            Plane::Request(e) => &mut **e,
            Plane::Flow(f) => &mut **f,
        }
    }
}

/// The engine as the app and the runner use it.
pub struct Simulation {
    dataplane: Plane,
    kind: EngineKind,
    cluster: ControlPlane,
    observer: Observer,
    /// Machine faults and live release commands wait here for the control plane's next tick.
    commands: Vec<ControlCommand>,
    scenario: Scenario,
    seed: u64,
    finished: bool,
    estimate: Estimate,
    guard: Guard,
    /// Why the run stopped early (a cap of the work budget), if it did.
    halted: Option<ScenarioError>,
    /// Cluster snapshots of closed seconds, when asked for: every second, or every k-th in a
    /// run longer than `MAX_SNAPSHOTS` seconds (a day of them would not fit a browser tab).
    snapshots: Option<Vec<ClusterSnapshot>>,
    snapshot_every: u64,
    /// Asked for on the flow engine outside its measured region: ran at request level or approximate.
    flow_outside: Option<FlowOutside>,
    /// When the control plane ticks next, and the faults injected live with their times (what
    /// a zoom into a minute carries over).
    next_tick: SimTime,
    live_faults: Vec<(SimTime, Fault)>,
}

/// Snapshots one run keeps at most (an hour of seconds).
pub const MAX_SNAPSHOTS: u64 = 3_600;

impl Simulation {
    /// Builds the system of `scenario`, seeded with `seed` (the scenario's own `seed` is only a
    /// default for callers), within the default work budget, on the scenario's engine.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, ScenarioError> {
        Self::with_budget(scenario, seed, DEFAULT_BUDGET)
    }

    /// Refuses a run whose estimated work is over `budget` events before building anything.
    /// A flow-engine scenario outside the flow engine's measured region runs at request level
    /// (exact) when that fits `budget`, else on the flow engine marked approximate.
    pub fn with_budget(scenario: &Scenario, seed: u64, budget: u64) -> Result<Self, ScenarioError> {
        let kind = scenario.engine.unwrap_or_default();
        if kind == EngineKind::Flow {
            let reasons = crate::flow::validity::outside(scenario);
            if !reasons.is_empty() && Estimate::of(scenario).work <= budget {
                let mut sim = Self::with_engine(scenario, seed, budget, EngineKind::Request)?;
                sim.flow_outside = Some(FlowOutside { ran_on: EngineKind::Request, reasons });
                return Ok(sim);
            }
        }
        Self::with_engine(scenario, seed, budget, kind)
    }

    /// As `with_budget`, on the given engine (`simulate run --engine`). The flow engine refuses
    /// a scenario that uses what it does not model, naming the field, and runs one outside its
    /// measured region marked approximate (`flow_outside`).
    pub fn with_engine(scenario: &Scenario, seed: u64, budget: u64, kind: EngineKind) -> Result<Self, ScenarioError> {
        let estimate = match kind {
            EngineKind::Request => Estimate::of(scenario),
            EngineKind::Flow => {
                crate::flow::check(scenario)?;
                Estimate::of_flow(scenario, crate::flow::STEP)
            }
        };
        estimate.check(scenario, budget)?;
        let reasons = if kind == EngineKind::Flow { crate::flow::validity::outside(scenario) } else { Vec::new() };
        let flow_outside = (!reasons.is_empty()).then_some(FlowOutside { ran_on: EngineKind::Flow, reasons });
        let guard = Guard::new(scenario, budget);
        let (mut dataplane, initial) = match kind {
            EngineKind::Request => {
                let e = Engine::new(scenario, seed);
                let initial = e.pods().iter().map(|p| p.id).collect();
                (Plane::Request(Box::new(e)), initial)
            }
            EngineKind::Flow => {
                let f = FlowEngine::new(scenario, seed);
                let initial = f.pod_ids();
                (Plane::Flow(Box::new(f)), initial)
            }
        };
        // The control plane's first tick comes after everything the dataplane scheduled at 0.
        dataplane.get_mut().schedule_controller(SimTime::ZERO);
        let sim = Simulation {
            dataplane,
            kind,
            cluster: ControlPlane::new(scenario, seed, initial),
            observer: Observer::new(scenario),
            commands: Vec::new(),
            scenario: scenario.clone(),
            seed,
            finished: false,
            estimate,
            guard,
            halted: None,
            snapshots: None,
            snapshot_every: 1,
            flow_outside,
            next_tick: SimTime::ZERO,
            live_faults: Vec::new(),
        };
        Ok(sim)
    }

    pub fn now(&self) -> SimTime {
        self.dataplane.get().now()
    }

    pub fn duration(&self) -> SimTime {
        self.dataplane.get().duration()
    }

    /// Work done so far: events (request level) or steps and control events (flow level).
    pub fn events_processed(&self) -> u64 {
        self.dataplane.get().events_processed()
    }

    /// The engine this run uses.
    pub fn engine(&self) -> EngineKind {
        self.kind
    }

    /// Why a run asked for on the flow engine fell back to request level or is approximate.
    pub fn flow_outside(&self) -> Option<&FlowOutside> {
        self.flow_outside.as_ref()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The request-level engine (its pods, for tests and viewers), when the run uses it.
    pub fn dataplane(&self) -> Option<&Engine> {
        match &self.dataplane {
            Plane::Request(e) => Some(e),
            Plane::Flow(_) => None,
        }
    }

    /// The port the control plane drives (add, ready, terminate, kill pods; version weights).
    pub fn dataplane_mut(&mut self) -> &mut dyn Dataplane {
        self.dataplane.get_mut()
    }

    fn advance(&mut self, limit: SimTime, budget: u64) -> u64 {
        let limit = limit.min(self.duration());
        let mut n = 0;
        while n < budget && self.halted.is_none() {
            let dp = self.dataplane.get_mut();
            let Some(turn) = dp.next_turn(limit) else { break };
            n += 1;
            if let Err(e) = self.guard.check(dp.now().0, dp.events_processed(), dp.requests_live()) {
                self.halted = Some(e);
                self.finished = true;
                break;
            }
            match turn {
                Turn::Controller => {
                    let commands = std::mem::take(&mut self.commands);
                    self.cluster.tick(self.dataplane.get_mut(), &self.observer, commands);
                    self.observer.observe_cluster(&self.cluster, self.dataplane.get());
                    let at = self.now().saturating_add(TICK.max(SimTime(1)));
                    self.dataplane.get_mut().schedule_controller(at);
                    self.next_tick = at;
                }
                Turn::SecondTick => {
                    self.observer.end_second(self.dataplane.get_mut());
                    let closed = self.observer.series().len() as u64;
                    if self.snapshots.is_some() && (closed % self.snapshot_every == 0 || self.now() >= self.duration()) {
                        let snap = self.cluster_snapshot();
                        if let (Some(list), Some(snap)) = (self.snapshots.as_mut(), snap) {
                            list.push(snap);
                        }
                    }
                }
                Turn::Ran { fault } => {
                    if fault {
                        self.hand_over_machine_faults();
                    }
                }
            }
        }
        if self.now() >= self.duration() && self.dataplane.get_mut().drained() {
            self.finished = true;
        }
        n
    }

    /// Node and zone faults go to the cluster's next tick, in the order they came.
    fn hand_over_machine_faults(&mut self) {
        for f in self.dataplane.get_mut().take_machine_faults() {
            self.commands.push(ControlCommand::Fault(f));
        }
    }

    /// Runs every event up to and including time `t` (capped at the run's duration).
    pub fn run_until(&mut self, t: SimTime) {
        // In slices: V8 swaps a wasm function for its optimised code only between calls, so one
        // call for a whole day ran the turn loop unoptimised (6 % of the day's time in node).
        const SLICE: u64 = 1 << 12;
        while self.advance(t, SLICE) == SLICE {}
    }

    /// Runs at most `event_budget` events (the app's slice); returns whether the run is over.
    pub fn step(&mut self, event_budget: u64) -> bool {
        self.advance(self.duration(), event_budget);
        self.finished
    }

    pub fn series(&self) -> &[SecondSample] {
        self.observer.series()
    }

    /// The cluster now: nodes, pods in them, the balancer's shares, cache and database.
    pub fn cluster_snapshot(&self) -> Option<ClusterSnapshot> {
        Some(crate::observer::snapshot(self.cluster.store(), self.dataplane.get()))
    }

    /// Keeps a cluster snapshot at the end of every simulated second from now on (every k-th
    /// second when more than `MAX_SNAPSHOTS` are left; each carries its time `t`), for
    /// looking back at a run; they are not part of the report.
    pub fn keep_snapshots(&mut self) {
        self.snapshot_every = self.duration().saturating_sub(self.now()).whole_secs().div_ceil(MAX_SNAPSHOTS).max(1);
        self.snapshots.get_or_insert_with(Vec::new);
    }

    /// The kept snapshots, in time order, taken out.
    pub fn take_snapshots(&mut self) -> Vec<ClusterSnapshot> {
        self.snapshots.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn events(&self) -> &[LogEvent] {
        self.dataplane.get().log().events()
    }

    pub fn summary(&self) -> Summary {
        self.observer.summary(self.dataplane.get(), &self.cluster)
    }

    /// Applies a live fault after the checks a scenario's `[[faults]]` get, and refuses one that
    /// would stack traffic or slowness past `limits::MAX_MULTIPLIER` or take the run past its budget.
    pub fn inject(&mut self, fault: Fault) -> Result<(), ScenarioError> {
        use crate::scenario::limits::{MAX_FAULTS, MAX_MULTIPLIER, MAX_SPAN_S};
        let err = |field: &str, m: String| Err(ScenarioError::one(format!("fault.{field}"), m));
        let dp = self.dataplane.get();
        if dp.fault_count() >= MAX_FAULTS * 2 {
            return err("faults", format!("at most {} faults in one run", MAX_FAULTS * 2));
        }
        let (t0, span) = (self.now().as_secs_f64(), duration_left(self.now(), self.duration(), &fault));
        let open = dp.open_load(t0, t0 + span);
        let (name, x, duration, now_x) = match &fault {
            Fault::TrafficSpike { multiplier, duration } => ("multiplier", *multiplier, *duration, open.map_or(1.0, |o| o.0)),
            Fault::SlowDependency { factor, duration } => ("factor", *factor, *duration, dp.slow_factor()),
            _ => {
                self.live_faults.push((self.now(), fault.clone()));
                self.dataplane.get_mut().inject(fault);
                self.hand_over_machine_faults();
                return Ok(());
            }
        };
        if !(x > 0.0 && x <= MAX_MULTIPLIER) {
            return err(name, format!("{} is out of range; allowed more than 0 up to {MAX_MULTIPLIER}", crate::scenario::show_num(x)));
        }
        if duration == SimTime::ZERO || duration > SimTime::from_secs_f64(MAX_SPAN_S) {
            return err("duration_s", format!("{} is out of range; allowed more than 0 up to {MAX_SPAN_S}", duration.as_secs_f64()));
        }
        if now_x * x > MAX_MULTIPLIER {
            return err(name, format!("x{x} on top of x{now_x} already in force: stacked, at most x{MAX_MULTIPLIER}"));
        }
        if let Fault::TrafficSpike { .. } = fault
            && let Some((_, max_rate)) = open
            && self.kind == EngineKind::Request
        {
            // The spike's extra arrivals on top of the work already planned (a flow engine's
            // work does not grow with the traffic).
            let rate = max_rate * now_x;
            let extra = rate * (x - 1.0).max(0.0) * span * self.estimate.events_per_request as f64;
            let planned = self.estimate.work.max(self.events_processed()) as f64;
            if planned + extra > self.guard.budget as f64 {
                return err(
                    name,
                    format!("x{x} for {span} s would add ~{extra:.0} events, over the run's work budget of {}", self.guard.budget),
                );
            }
        }
        self.live_faults.push((self.now(), fault.clone()));
        self.dataplane.get_mut().inject(fault);
        self.hand_over_machine_faults();
        Ok(())
    }

    /// Why the run stopped before its end (a cap of the work budget), if it did.
    pub fn error(&self) -> Option<&ScenarioError> {
        self.halted.as_ref()
    }

    /// The work estimated before the run (what the budget was checked against).
    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// `finish`, or the reason the run stopped early.
    pub fn try_finish(mut self) -> Result<Report, ScenarioError> {
        self.run_until(self.duration());
        match self.halted.take() {
            Some(e) => Err(e),
            None => Ok(self.finish()),
        }
    }

    /// Ships `release` now, after the same checks a scenario's `[release]` gets.
    pub fn release(&mut self, mut release: ReleaseSpec) -> Result<(), ScenarioError> {
        release.at_s = self.now().as_secs_f64();
        let issues = release.check(&self.dataplane.get().version_names(), self.cluster.running_version() as usize, self.duration().as_secs_f64());
        if !issues.is_empty() {
            return Err(ScenarioError { issues });
        }
        self.commands.push(ControlCommand::Release(release));
        Ok(())
    }

    /// Rolls the current release back (a learner's or instructor's button).
    pub fn rollback(&mut self) {
        self.commands.push(ControlCommand::Rollback);
    }

    /// Runs to the end (if not there yet) and grades the run.
    pub fn finish(mut self) -> Report {
        self.run_until(self.duration());
        let summary = self.summary();
        let objectives = grade::grade(&self.scenario, &summary, self.observer.series(), self.dataplane.get().log().events());
        Report {
            format: 1,
            scenario: self.scenario.id.clone(),
            seed: self.seed,
            duration_s: self.duration().as_secs_f64(),
            warmup_s: self.scenario.warmup_s,
            events_processed: self.events_processed(),
            summary,
            objectives,
            flow_outside: self.flow_outside.take(),
            series: self.observer.take_series(),
            events: self.dataplane.get().log().events().to_vec(),
        }
    }
}

/// The span a spike or slowness would last from `now`, within the run, seconds.
fn duration_left(now: SimTime, end: SimTime, fault: &Fault) -> f64 {
    match fault {
        Fault::TrafficSpike { duration, .. } | Fault::SlowDependency { duration, .. } => (*duration).min(end.saturating_sub(now)).as_secs_f64(),
        _ => 0.0,
    }
}
