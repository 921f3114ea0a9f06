//! The facade: wires the dataplane, the cluster (store and controllers) and the observer onto
//! one clock, in a fixed order, and grades the run at the end.
//!
//! The tick order at one instant: the request path's events as they come; at each whole
//! second the observer closes the dataplane's window first (`SecondTick`), then the control
//! plane runs its loops (`Controller`) and the observer reads the cluster it left.

use crate::budget::{DEFAULT_BUDGET, Estimate, Guard};
use crate::control_plane::{ControlCommand, ControlPlane, TICK};
use crate::dataplane::{Engine, Event};
use crate::event_log::LogEvent;
use crate::fault::Fault;
use crate::grade;
use crate::kernel::SimTime;
use crate::observer::{ClusterSnapshot, Observer, SecondSample, Summary};
use crate::port::Dataplane;
use crate::report::Report;
use crate::scenario::{ReleaseSpec, Scenario, ScenarioError};

/// The engine as the app and the runner use it.
pub struct Simulation {
    dataplane: Engine,
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
    /// One cluster snapshot per closed second (`series[i]` ↔ `snapshots[i]`), when asked for.
    snapshots: Option<Vec<ClusterSnapshot>>,
}

impl Simulation {
    /// Builds the system of `scenario`, seeded with `seed` (the scenario's own `seed` is only a
    /// default for callers), within the default work budget.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, ScenarioError> {
        Self::with_budget(scenario, seed, DEFAULT_BUDGET)
    }

    /// Refuses a run whose estimated work is over `budget` events before building anything.
    pub fn with_budget(scenario: &Scenario, seed: u64, budget: u64) -> Result<Self, ScenarioError> {
        let estimate = Estimate::of(scenario);
        estimate.check(scenario, budget)?;
        let guard = Guard::new(scenario, budget);
        let mut dataplane = Engine::new(scenario, seed);
        let initial = dataplane.pods().iter().map(|p| p.id).collect();
        // The control plane's first tick comes after everything the dataplane scheduled at 0.
        dataplane.schedule_controller(SimTime::ZERO);
        let sim = Simulation {
            dataplane,
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
        };
        Ok(sim)
    }

    pub fn now(&self) -> SimTime {
        self.dataplane.now()
    }

    pub fn duration(&self) -> SimTime {
        self.dataplane.duration()
    }

    pub fn events_processed(&self) -> u64 {
        self.dataplane.events_processed()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The request-level engine (its pods, for tests and viewers).
    pub fn dataplane(&self) -> &Engine {
        &self.dataplane
    }

    /// The port the control plane drives (add, ready, terminate, kill pods; version weights).
    pub fn dataplane_mut(&mut self) -> &mut dyn Dataplane {
        &mut self.dataplane
    }

    fn advance(&mut self, limit: SimTime, budget: u64) -> u64 {
        let limit = limit.min(self.duration());
        let mut n = 0;
        while n < budget && self.halted.is_none() {
            let Some(ev) = self.dataplane.next_until(limit) else { break };
            n += 1;
            let dp = &self.dataplane;
            if let Err(e) = self.guard.check(dp.now().0, dp.events_processed(), dp.requests_live()) {
                self.halted = Some(e);
                self.finished = true;
                break;
            }
            match ev {
                Event::Controller(_) => {
                    let commands = std::mem::take(&mut self.commands);
                    self.cluster.tick(&mut self.dataplane, &self.observer, commands);
                    self.observer.observe_cluster(&self.cluster, &self.dataplane);
                    let at = self.now().saturating_add(TICK.max(SimTime(1)));
                    self.dataplane.schedule_controller(at);
                }
                Event::SecondTick => {
                    self.observer.end_second(&mut self.dataplane);
                    if self.snapshots.is_some() {
                        let snap = self.cluster_snapshot();
                        if let (Some(list), Some(snap)) = (self.snapshots.as_mut(), snap) {
                            list.push(snap);
                        }
                    }
                }
                other => {
                    self.dataplane.handle(other);
                    if let Event::Fault(_) = other {
                        self.hand_over_machine_faults();
                    }
                }
            }
        }
        if self.now() >= self.duration() && self.dataplane.drained() {
            self.finished = true;
        }
        n
    }

    /// Node and zone faults go to the cluster's next tick, in the order they came.
    fn hand_over_machine_faults(&mut self) {
        for f in self.dataplane.take_machine_faults() {
            self.commands.push(ControlCommand::Fault(f));
        }
    }

    /// Runs every event up to and including time `t` (capped at the run's duration).
    pub fn run_until(&mut self, t: SimTime) {
        while self.advance(t, 1 << 20) == 1 << 20 {}
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
        Some(crate::observer::snapshot(self.cluster.store(), &self.dataplane))
    }

    /// Keeps a cluster snapshot at the end of every simulated second from now on (for looking
    /// back at a run); they are not part of the report.
    pub fn keep_snapshots(&mut self) {
        self.snapshots.get_or_insert_with(Vec::new);
    }

    /// The kept snapshots (`series()[i]` ↔ `[i]`), taken out.
    pub fn take_snapshots(&mut self) -> Vec<ClusterSnapshot> {
        self.snapshots.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn events(&self) -> &[LogEvent] {
        self.dataplane.events()
    }

    pub fn summary(&self) -> Summary {
        self.observer.summary(&self.dataplane, &self.cluster)
    }

    /// Applies a live fault after the checks a scenario's `[[faults]]` get, and refuses one that
    /// would stack traffic or slowness past `limits::MAX_MULTIPLIER` or take the run past its budget.
    pub fn inject(&mut self, fault: Fault) -> Result<(), ScenarioError> {
        use crate::scenario::limits::{MAX_FAULTS, MAX_MULTIPLIER, MAX_SPAN_S};
        let err = |field: &str, m: String| Err(ScenarioError::one(format!("fault.{field}"), m));
        if self.dataplane.fault_count() >= MAX_FAULTS * 2 {
            return err("faults", format!("at most {} faults in one run", MAX_FAULTS * 2));
        }
        let (open, slow) = self.dataplane.multipliers();
        let (name, x, duration, now_x) = match &fault {
            Fault::TrafficSpike { multiplier, duration } => ("multiplier", *multiplier, *duration, open.map_or(1.0, |o| o.multiplier)),
            Fault::SlowDependency { factor, duration } => ("factor", *factor, *duration, slow),
            _ => {
                self.dataplane.inject(fault);
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
            && let Some(open) = open
        {
            // The spike's extra arrivals on top of the work already planned.
            let (t0, span) = (self.now().as_secs_f64(), duration.min(self.duration().saturating_sub(self.now())).as_secs_f64());
            let rate = open.shape.max_rate_in(t0, t0 + span) * now_x;
            let extra = rate * (x - 1.0).max(0.0) * span * self.estimate.events_per_request as f64;
            let planned = self.estimate.work.max(self.events_processed()) as f64;
            if planned + extra > self.guard.budget as f64 {
                return err(
                    name,
                    format!("x{x} for {span} s would add ~{extra:.0} events, over the run's work budget of {}", self.guard.budget),
                );
            }
        }
        self.dataplane.inject(fault);
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
        let issues = release.check(&self.dataplane.version_names(), self.cluster.running_version() as usize, self.duration().as_secs_f64());
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
        let objectives = grade::grade(&self.scenario, &summary, self.observer.series(), self.dataplane.events());
        Report {
            format: 1,
            scenario: self.scenario.id.clone(),
            seed: self.seed,
            duration_s: self.duration().as_secs_f64(),
            warmup_s: self.scenario.warmup_s,
            events_processed: self.events_processed(),
            summary,
            objectives,
            series: self.observer.take_series(),
            events: self.dataplane.log().events().to_vec(),
        }
    }
}
