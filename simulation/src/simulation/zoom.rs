//! Zooming into a minute: the run's state at one instant continued on the request-level
//! engine for a short window, so a flow-level run's minute can be watched request by request.
//!
//! Carried over exactly: the control plane (store and every controller's state, cloned), the
//! serving pods under the same ids with their names, images, weights, readiness, termination
//! and unreachability, version weights and routing, the faults in force and to come, the
//! commands waiting for the next tick. Carried over as expected levels: the requests each pod
//! holds (rounded; they start their wait and timeout at the zoom's instant) and, in a closed
//! model, the users waiting for them (the rest think). Fresh: the observer (the replay's
//! series starts at its instant) and the causal log.

use super::{Plane, Simulation};
use crate::budget::{Estimate, Guard};
use crate::dataplane::Engine;
use crate::kernel::SimTime;
use crate::observer::Observer;
use crate::rng::RngStream;
use crate::scenario::{EngineKind, ScenarioError};

impl Simulation {
    /// A request-level run that starts where this one stands (a whole second, after all that
    /// happens at it) with the same cluster, and runs `length` (to the run's end at most),
    /// within this run's work budget. Its draws come from the seed's `zoom/<second>` stream, so the
    /// same second always replays the same; a zoom at 0 of a run not yet started is the
    /// request-level run of the same seed itself.
    pub fn zoom(&self, length: SimTime) -> Result<Simulation, ScenarioError> {
        let budget = self.guard.budget;
        let refuse = |en: String, ko: String| {
            let mut e = ScenarioError::one("zoom", en);
            e.issues[0].message_ko = Some(ko);
            Err(e)
        };
        let Plane::Flow(flow) = &self.dataplane else {
            return refuse("this run is already simulated request by request".into(), "이 실행은 이미 요청 단위로 시뮬레이션됩니다".into());
        };
        let at = self.now();
        if !at.0.is_multiple_of(1_000_000) {
            let s = at.as_secs_f64();
            return refuse(
                format!("the run stands at {s} s; a replay starts at a whole second"),
                format!("실행이 {s}초에 있습니다. 다시 보기는 정각 초에서 시작합니다"),
            );
        }
        let (from_s, to_s) = (at.whole_secs(), at.saturating_add(length).min(self.duration()).whole_secs());
        if to_s <= from_s {
            return refuse(
                "the run is over: no time is left to replay".into(),
                "실행이 끝났습니다. 다시 볼 시간이 남아 있지 않습니다".into(),
            );
        }
        let estimate = Estimate::of_window(&self.scenario, from_s, to_s);
        let mut window = self.scenario.clone();
        window.duration_s = to_s - from_s;
        estimate.check(&window, budget).map_err(|mut e| {
            for i in &mut e.issues {
                i.message = format!("this minute is too big to replay request by request: {}", i.message);
                i.message_ko = i.message_ko.take().map(|m| format!("이 1분은 요청 단위로 다시 보기에 너무 큽니다: {m}"));
            }
            e
        })?;
        window.duration_s = to_s;
        let settled = self.next_tick > at;
        let seed = if settled { RngStream::new(self.seed, &format!("zoom/{from_s}")).next_u64() } else { self.seed };
        let mut handover = flow.handover();
        handover.faults = self.faults_with_times();
        handover.settled = settled;
        let mut dataplane = Plane::Request(Box::new(Engine::resume(&window, seed, &handover)));
        dataplane.get_mut().schedule_controller(self.next_tick);
        let mut observer = Observer::new(&window);
        observer.observe_cluster(&self.cluster, dataplane.get());
        Ok(Simulation {
            dataplane,
            kind: EngineKind::Request,
            cluster: self.cluster.clone(),
            observer,
            commands: self.commands.clone(),
            guard: Guard::new(&window, budget),
            scenario: window,
            seed,
            finished: false,
            estimate,
            halted: None,
            snapshots: None,
            snapshot_every: 1,
            next_tick: self.next_tick,
            live_faults: self.live_faults.clone(),
            // A replay runs at request level: exact, whatever the flow run was marked.
            flow_outside: None,
        })
    }

    /// Every fault of the run with when it begins: the scenario's, then the live ones.
    fn faults_with_times(&self) -> Vec<(SimTime, crate::fault::Fault)> {
        let spec = self.scenario.faults.iter().map(|f| (SimTime::from_secs_f64(f.at_s), crate::fault::Fault::from_spec(f)));
        spec.chain(self.live_faults.iter().cloned()).collect()
    }
}
