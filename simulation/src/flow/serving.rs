//! The flow engine as the facade runs it: its kernel of steps, seconds, control-plane ticks,
//! faults and termination deadlines, and the second's window the observer reads.

use super::pod::PodState;
use super::tally::round;
use super::{FlowEngine, FlowEvent, Traffic};
use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::metrics::Stats;
use crate::port::{Dataplane, PodId, RoutingMode};
use crate::serving::{Levels, PodReading, Serving, Turn};

impl Serving for FlowEngine {
    fn duration(&self) -> SimTime {
        self.duration
    }

    fn events_processed(&self) -> u64 {
        self.k.processed()
    }

    fn requests_live(&self) -> usize {
        0
    }

    fn next_turn(&mut self, limit: SimTime) -> Option<Turn> {
        let Some(ev) = self.k.next_until(limit) else {
            self.k.advance_to(limit);
            return None;
        };
        Some(match ev {
            FlowEvent::SecondTick => Turn::SecondTick,
            FlowEvent::Controller => Turn::Controller,
            FlowEvent::Step => {
                let span = self.run_step();
                let next = self.now().saturating_add(span);
                if next < self.duration {
                    self.k.schedule(next, FlowEvent::Step);
                }
                Turn::Ran { fault: false }
            }
            FlowEvent::Fault(i) => {
                self.apply_fault(i);
                Turn::Ran { fault: true }
            }
            FlowEvent::FaultEnd(i) => {
                self.end_fault(i);
                Turn::Ran { fault: false }
            }
            FlowEvent::TerminationDeadline(p) => {
                if self.pod(p).is_some_and(|p| p.state == PodState::Terminating) {
                    self.kill_pod(p);
                }
                Turn::Ran { fault: false }
            }
        })
    }

    fn drained(&mut self) -> bool {
        self.k.peek_time().is_none_or(|t| t > self.duration)
    }

    fn schedule_controller(&mut self, at: SimTime) {
        self.k.schedule(at, FlowEvent::Controller);
    }

    fn take_machine_faults(&mut self) -> Vec<Fault> {
        std::mem::take(&mut self.machine_faults)
    }

    fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
        self.apply_fault((self.faults.len() - 1) as u32);
    }

    fn fault_count(&self) -> usize {
        self.faults.len()
    }

    fn open_load(&self, t0: f64, t1: f64) -> Option<(f64, f64)> {
        match &self.traffic {
            Traffic::Open { shape, multiplier } => Some((*multiplier, shape.max_rate_in(t0, t1))),
            Traffic::Closed { .. } => None,
        }
    }

    fn slow_factor(&self) -> f64 {
        1.0
    }

    fn log(&self) -> &EventLog {
        &self.log
    }

    fn log_at(&mut self, at: SimTime, kind: EventKind) {
        if let Some(idx) = self.log.push(at, kind, self.last_cause) {
            self.last_cause = Some(idx);
        }
    }

    fn incident_at_s(&self) -> Option<u64> {
        self.incident_at_s
    }

    fn close_second(&mut self) -> SimTime {
        for v in 0..self.versions.len() {
            self.record_laws(v);
        }
        let (now, start) = (self.now(), self.window_start);
        let span = now.0.saturating_sub(start.0);
        self.window.span_us += span;
        let secs = (span as f64 / 1e6).max(1e-9);
        let per_worker = f64::from(self.cpu_per_worker_m);
        for &i in &self.live {
            let p = &mut self.pods[i as usize];
            p.last_cpu_m = p.busy_s / secs * per_worker;
            p.last_routed = round(p.routed) as u64;
            (p.busy_s, p.routed) = (0.0, 0.0);
        }
        self.window_start = now;
        start
    }

    fn window(&self) -> &Stats {
        &self.window
    }

    fn open_second(&mut self) {
        let now = self.now();
        self.window.clear();
        self.window.max_queue = round(self.queued) as u64;
        if now < self.duration {
            self.k.schedule(SimTime::from_secs(now.whole_secs() + 1).min(self.duration), FlowEvent::SecondTick);
        }
    }

    fn partial_window(&self) -> Option<(SimTime, Stats)> {
        let now = self.now();
        if now <= self.window_start {
            return None;
        }
        let mut w = self.window.clone();
        w.span_us += now.0 - self.window_start.0;
        Some((self.window_start, w))
    }

    fn levels(&self) -> Levels {
        Levels {
            queued: round(self.queued) as u64,
            in_flight: round(self.in_flight) as u64,
            live_pods: self.live.len() as u32,
            serving: self.versions.iter().map(|v| v.endpoints.iter().filter(|p| !self.pods[p.0 as usize].unreachable).count() as u32).collect(),
            memory_used_mi: 0.0,
            users: match &self.traffic {
                Traffic::Closed { users, shape: Some(_), .. } => Some(*users as u32),
                _ => None,
            },
            db_waiting: 0,
        }
    }

    fn cpu_per_worker_m(&self) -> u32 {
        self.cpu_per_worker_m
    }

    fn cpu_request_m(&self) -> u32 {
        self.cpu_request_m
    }

    fn memory_on(&self) -> bool {
        false
    }

    fn mixed_users(&self) -> Option<f64> {
        None
    }

    fn pod_reading(&self, id: PodId) -> Option<PodReading> {
        self.pod(id).map(|p| PodReading {
            live: p.is_live(),
            terminating: p.state == PodState::Terminating,
            unreachable: p.unreachable,
            workers: self.workers,
            busy: round(p.busy) as u32,
            queue: round(p.waiting) as u32,
            cpu_m: p.last_cpu_m,
            routed: p.last_routed,
        })
    }

    fn dependencies_now(&self) -> (Option<f64>, Option<(u32, u32, u32)>, RoutingMode) {
        (None, None, self.routing)
    }
}

impl FlowEngine {
    fn apply_fault(&mut self, i: u32) {
        let now = self.now();
        self.mark_incident();
        let Some(f) = self.faults.get(i as usize).cloned() else { return };
        // The pod a kill hits: the one named, or the first live one.
        let target = match &f {
            Fault::KillPod(p) => p.or_else(|| self.live.first().map(|&i| PodId(i))).filter(|&t| self.pod(t).is_some_and(|p| p.is_live())),
            _ => None,
        };
        let Some(msg) = f.event(target.and_then(|t| self.pod(t)).map(|p| p.name.clone())) else {
            self.machine_faults.push(f);
            return;
        };
        self.last_cause = self.log.push(now, msg, None).or(self.last_cause);
        match f {
            Fault::KillPod(_) => {
                if let Some(t) = target {
                    self.kill_pod(t);
                }
            }
            Fault::TrafficSpike { multiplier, duration } => {
                self.scale_traffic(multiplier);
                self.k.schedule(now.saturating_add(duration), FlowEvent::FaultEnd(i));
            }
            // No database or cache here (such scenarios are request-level only).
            Fault::SlowDependency { duration, .. } => self.k.schedule(now.saturating_add(duration), FlowEvent::FaultEnd(i)),
            Fault::CacheFlush | Fault::KillNode(_) | Fault::LoseZone(_) => {}
        }
    }

    fn end_fault(&mut self, i: u32) {
        let now = self.now();
        match self.faults.get(i as usize).cloned() {
            Some(Fault::TrafficSpike { multiplier, .. }) if multiplier > 0.0 => {
                self.scale_traffic(1.0 / multiplier);
                self.log.push(now, EventKind::TrafficSpikeOver, None);
            }
            Some(Fault::SlowDependency { factor, .. }) if factor > 0.0 => {
                self.log.push(now, EventKind::DatabaseNormal, None);
            }
            _ => {}
        }
    }

    fn scale_traffic(&mut self, by: f64) {
        if let Traffic::Open { multiplier, .. } = &mut self.traffic {
            *multiplier *= by;
        }
    }
}
