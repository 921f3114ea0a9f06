//! The request-level engine as the facade runs it and the observer reads it (`serving::Serving`).

use super::pod::{Pod, PodState};
use super::{Engine, Event};
use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::metrics::Stats;
use crate::port::{PodId, RoutingMode};
use crate::serving::{Levels, PodReading, Serving, Turn};

impl Serving for Engine {
    fn duration(&self) -> SimTime {
        self.duration
    }

    fn events_processed(&self) -> u64 {
        self.k.processed()
    }

    fn requests_live(&self) -> usize {
        self.reqs.live()
    }

    fn next_turn(&mut self, limit: SimTime) -> Option<Turn> {
        let ev = self.next_until(limit)?;
        Some(match ev {
            Event::Controller(_) => Turn::Controller,
            Event::SecondTick => Turn::SecondTick,
            other => {
                self.handle(other);
                Turn::Ran { fault: matches!(other, Event::Fault(_)) }
            }
        })
    }

    fn drained(&mut self) -> bool {
        Engine::drained(self)
    }

    fn schedule_controller(&mut self, at: SimTime) {
        Engine::schedule_controller(self, at)
    }

    fn take_machine_faults(&mut self) -> Vec<Fault> {
        Engine::take_machine_faults(self)
    }

    fn inject(&mut self, fault: Fault) {
        Engine::inject(self, fault)
    }

    fn fault_count(&self) -> usize {
        self.faults.len()
    }

    fn open_load(&self, t0: f64, t1: f64) -> Option<(f64, f64)> {
        self.open.as_ref().map(|o| (o.multiplier, o.shape.max_rate_in(t0, t1)))
    }

    fn slow_factor(&self) -> f64 {
        self.db.as_ref().map_or(1.0, |d| d.slow_factor)
    }

    fn log(&self) -> &EventLog {
        &self.log
    }

    fn log_at(&mut self, at: SimTime, kind: EventKind) {
        Engine::log_at(self, at, kind)
    }

    fn incident_at_s(&self) -> Option<u64> {
        self.incident_at_s
    }

    fn close_second(&mut self) -> SimTime {
        Engine::close_second(self)
    }

    fn window(&self) -> &Stats {
        &self.window
    }

    fn open_second(&mut self) {
        Engine::open_second(self)
    }

    fn partial_window(&self) -> Option<(SimTime, Stats)> {
        Engine::partial_window(self)
    }

    fn levels(&self) -> Levels {
        let reachable = |p: &PodId| !self.pods[p.0 as usize].unreachable;
        Levels {
            queued: self.queued.level,
            in_flight: self.in_system.level,
            live_pods: self.pods.iter().filter(|p| p.is_live()).count() as u32,
            serving: self.versions.iter().map(|v| v.endpoints.iter().filter(|p| reachable(p)).count() as u32).collect(),
            memory_used_mi: if self.memory_on { self.pods.iter().filter(|p| p.is_live()).map(Pod::memory_mi).sum() } else { 0.0 },
            users: self.closed.as_ref().filter(|c| c.is_staged()).map(|c| c.users),
            db_waiting: self.dependencies_now().1.map_or(0, |(_, _, waiting)| waiting as u64),
        }
    }

    fn cpu_per_worker_m(&self) -> u32 {
        self.pod_spec.cpu_per_worker_m
    }

    fn cpu_request_m(&self) -> u32 {
        self.pod_spec.cpu_request_m
    }

    fn memory_on(&self) -> bool {
        self.memory_on
    }

    fn mixed_users(&self) -> Option<f64> {
        self.cohorts.as_ref().and_then(super::cohort::Cohorts::mixed_share)
    }

    fn pod_reading(&self, id: PodId) -> Option<PodReading> {
        self.pod(id).map(|m| PodReading {
            live: m.is_live(),
            terminating: m.state == PodState::Terminating,
            unreachable: m.unreachable,
            workers: m.spec.workers,
            busy: m.in_service.len() as u32,
            queue: m.queue.len() as u32,
            cpu_m: m.last_cpu_m,
            routed: m.last_routed,
        })
    }

    fn dependencies_now(&self) -> (Option<f64>, Option<(u32, u32, u32)>, RoutingMode) {
        Engine::dependencies_now(self)
    }
}
