//! Starting the request path at an instant: its traffic, its faults and its first second's
//! end from `now` (a run's start is the case `now = 0`), or the whole serving side continued
//! from another engine's `Handover` (a zoom into a minute of a flow-level run).

use super::pod::{PodId, PodState};
use super::{Engine, Event};
use crate::event_log::EventKind;
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::port::Dataplane;
use crate::scenario::Scenario;
use crate::serving::Handover;

impl Engine {
    /// The engine of `sc` continuing `from` at its instant: the same pods under the same ids,
    /// endpoints, weights and routing, the requests each pod holds (rounded, as new arrivals
    /// at this instant: their earlier wait is not known), users waiting for those and the
    /// others thinking, faults in force and those still to come.
    pub fn resume(sc: &Scenario, seed: u64, from: &Handover) -> Engine {
        let mut m = Self::empty(sc, seed);
        let now = from.at;
        m.k.advance_to(now);
        m.window_start = now;
        m.incident_at_s = from.incident_at_s;
        m.set_routing_mode(from.routing);
        m.set_version_weights(&from.weights);
        for p in &from.pods {
            let id = m.add_pod(p.version);
            debug_assert_eq!(id, p.id, "pods are handed over in id order");
            m.rename_pod(id, p.name.clone());
            m.set_pod_image(id, p.image);
            m.pods[id.0 as usize].spec.weight = p.weight;
            if p.gone {
                m.retire(id);
                continue;
            }
            m.set_ready(id, p.ready);
            if p.unreachable {
                m.make_unreachable(id);
            }
        }
        let live = m.pods.iter().filter(|p| p.is_live()).count();
        m.log.push(now, EventKind::Start { pods: live, workers: m.pod_spec.workers }, None);
        let users = m.closed.as_ref().map(|c| c.users);
        let mut held = 0u32;
        for p in from.pods.iter().filter(|p| !p.gone && !p.unreachable) {
            let (workers, places) = (m.pod_spec.workers, m.pod_spec.queue_capacity.unwrap_or(u32::MAX));
            let n = count(p.busy).min(workers).saturating_add(count(p.waiting).min(places));
            for _ in 0..n {
                if users.is_some_and(|u| held >= u) {
                    break;
                }
                m.seed_request(p.id, held, users.is_some());
                held += 1;
            }
            if p.terminating {
                m.set_ready(p.id, false);
                m.pods[p.id.0 as usize].state = PodState::Terminating;
                m.k.schedule(now.saturating_add(m.grace), Event::TerminationDeadline(p.id));
                m.maybe_gone(p.id);
            }
        }
        m.start(if users.is_some() { held } else { 0 }, &from.faults, from.settled);
        m
    }

    /// Schedules, from now on: the traffic (a closed model's users `0..waiting` already wait
    /// for a response), the faults not yet begun with the ends of those in force (`settled`:
    /// what falls at this very instant has happened), and the second's end.
    pub(super) fn start(&mut self, waiting: u32, faults: &[(SimTime, Fault)], settled: bool) {
        let now = self.now();
        let due = |at: SimTime| at > now || (at == now && !settled);
        let ends = |at: SimTime, f: &Fault| match f {
            Fault::TrafficSpike { duration, .. } | Fault::SlowDependency { duration, .. } if !due(at) => {
                Some(at.saturating_add(*duration)).filter(|&e| e > now)
            }
            _ => None,
        };
        if let Some(open) = &mut self.open {
            for (at, f) in faults {
                if let (Some(_), Fault::TrafficSpike { multiplier, .. }) = (ends(*at, f), f) {
                    open.multiplier *= multiplier;
                }
            }
            if let Some(t) = open.next_after(now, self.duration) {
                self.k.schedule(t, Event::Arrival { generation: 0 });
            }
        }
        if let Some(c) = &mut self.closed {
            for (u, t) in c.resume(now.as_secs_f64(), waiting) {
                self.k.schedule(now.saturating_add(t), Event::UserWake { user: u });
            }
        }
        for (i, (at, f)) in faults.iter().enumerate() {
            self.faults.push(f.clone());
            if due(*at) {
                self.k.schedule(*at, Event::Fault(i as u32));
            } else if let Some(end) = ends(*at, f) {
                if let (Fault::SlowDependency { factor, .. }, Some(db)) = (f, &mut self.db) {
                    db.slow_factor *= factor;
                }
                self.k.schedule(end, Event::FaultEnd(i as u32));
            }
        }
        self.k.schedule(SimTime::from_secs(now.whole_secs() + 1).min(self.duration), Event::SecondTick);
    }

    /// A request that pod `pid` holds at this instant, handed over: admitted as if it arrived now.
    fn seed_request(&mut self, pid: PodId, user: u32, closed_user: bool) {
        let now = self.now();
        let id = self.reqs.alloc(now, user, closed_user);
        self.in_system.add(now, 1);
        if let Some(t) = self.timeout {
            self.k.schedule(now.saturating_add(t), Event::Timeout(id));
        }
        let version = self.pods[pid.0 as usize].version;
        if let Some(r) = self.reqs.get_mut(id) {
            r.version = version;
        }
        self.admit(pid, id);
    }

    /// A pod whose process had ended before the handover: its id stays taken, nothing logged.
    fn retire(&mut self, id: PodId) {
        let now = self.now();
        let pod = &mut self.pods[id.0 as usize];
        pod.state = PodState::Gone;
        let workers = pod.spec.workers as i64;
        self.capacity.add(now, -workers);
        self.serving_pods.add(now, -1);
        self.live_pods.add(now, -1);
    }
}

/// An expected count as whole requests.
fn count(x: f64) -> u32 {
    libm::round(x).clamp(0.0, f64::from(u32::MAX)) as u32
}
