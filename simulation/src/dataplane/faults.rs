//! Faults on the request path: a pod killed, a traffic spike, a slow database, a flushed cache.
//! Machine faults (a node, a zone) are handed to the cluster.

use super::{Engine, Event};
use crate::event_log::EventKind;
use crate::fault::Fault;
use crate::port::Dataplane;

impl Engine {
    /// Applies a fault now.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
        self.apply_fault((self.faults.len() - 1) as u32);
    }

    pub(super) fn apply_fault(&mut self, i: u32) {
        let now = self.now();
        self.mark_incident();
        let Some(f) = self.faults.get(i as usize).cloned() else { return };
        let target = match &f {
            Fault::KillPod(p) => p.or_else(|| self.pods.iter().find(|p| p.is_live()).map(|p| p.id)),
            _ => None,
        };
        let pod = target.and_then(|t| self.pods.get(t.0 as usize)).filter(|p| p.is_live()).map(|p| p.name.clone());
        // The control plane logs node faults with what they hit.
        let Some(msg) = f.event(pod) else {
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
                self.k.schedule(now.saturating_add(duration), Event::FaultEnd(i));
            }
            Fault::SlowDependency { factor, duration } => {
                if let Some(db) = &mut self.db {
                    db.slow_factor *= factor;
                }
                self.k.schedule(now.saturating_add(duration), Event::FaultEnd(i));
            }
            Fault::CacheFlush => {
                if let Some(c) = &mut self.cache {
                    c.flush(now);
                }
            }
            Fault::KillNode(_) | Fault::LoseZone(_) => {}
        }
    }

    pub(super) fn end_fault(&mut self, i: u32) {
        let now = self.now();
        match self.faults.get(i as usize).cloned() {
            Some(Fault::TrafficSpike { multiplier, .. }) if multiplier > 0.0 => {
                self.scale_traffic(1.0 / multiplier);
                self.log.push(now, EventKind::TrafficSpikeOver, None);
            }
            Some(Fault::SlowDependency { factor, .. }) if factor > 0.0 => {
                if let Some(db) = &mut self.db {
                    db.slow_factor /= factor;
                }
                self.log.push(now, EventKind::DatabaseNormal, None);
            }
            _ => {}
        }
    }

    /// Changes the open-model rate multiplier and redraws the next arrival (memoryless).
    pub(super) fn scale_traffic(&mut self, by: f64) {
        let now = self.now();
        if let Some(open) = &mut self.open {
            open.multiplier *= by;
            open.generation = open.generation.wrapping_add(1);
            let generation = open.generation;
            if let Some(t) = open.next_after(now, self.duration) {
                self.k.schedule(t, Event::Arrival { generation });
            }
        }
    }
}
