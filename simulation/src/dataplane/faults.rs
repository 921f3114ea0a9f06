//! Faults on the request path: a pod killed, a traffic spike, a slow database, a flushed cache.
//! Machine faults (a node, a zone) are handed to the cluster.

use super::{Engine, Event};
use crate::event_log::say;
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
        let msg = match &f {
            Fault::KillPod(p) => {
                let target = p.or_else(|| self.pods.iter().find(|p| p.is_live()).map(|p| p.id));
                match target.and_then(|t| self.pods.get(t.0 as usize)).filter(|p| p.is_live()) {
                    Some(pod) => say(format!("fault: kill {}", pod.name), format!("장애: {} 강제 종료", pod.name)),
                    None => say("fault: kill pod (no live pod to kill)", "장애: 파드 종료 (종료할 파드 없음)"),
                }
            }
            Fault::TrafficSpike { multiplier, duration } => {
                let d = duration.as_secs_f64();
                say(format!("fault: traffic x{multiplier} for {d}s"), format!("장애: 트래픽 {multiplier}배, {d}초 동안"))
            }
            Fault::SlowDependency { factor, duration } => {
                let d = duration.as_secs_f64();
                say(format!("fault: database {factor}x slower for {d}s"), format!("장애: 데이터베이스 {factor}배 느려짐, {d}초 동안"))
            }
            Fault::CacheFlush => say("fault: cache flushed", "장애: 캐시 비움"),
            // The control plane logs node faults with what they hit.
            Fault::KillNode(_) | Fault::LoseZone(_) => {
                self.machine_faults.push(f);
                return;
            }
        };
        self.last_cause = self.log.push(now, "fault", msg, None).or(self.last_cause);
        match f {
            Fault::KillPod(p) => {
                if let Some(t) = p.or_else(|| self.pods.iter().find(|p| p.is_live()).map(|p| p.id)) {
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
                self.log.push(now, "fault_end", say("traffic spike over", "트래픽 급증 종료"), None);
            }
            Some(Fault::SlowDependency { factor, .. }) if factor > 0.0 => {
                if let Some(db) = &mut self.db {
                    db.slow_factor /= factor;
                }
                self.log.push(now, "fault_end", say("database back to normal speed", "데이터베이스 속도 정상화"), None);
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
