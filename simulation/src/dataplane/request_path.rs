//! A request's way through: arrival, cache, router and balancer, a pod's queue and worker, the
//! database, the node's link, and the response (or its failure) counted in the second's window.

use super::pod::{PodId, PodState};
use super::request::{FailCause, Phase, RequestId};
use super::{Engine, Event};
use crate::kernel::SimTime;
use crate::port::{Dataplane, RoutingMode};

impl Engine {
    pub(crate) fn handle(&mut self, ev: Event) {
        match ev {
            Event::Arrival { generation } => self.on_arrival(generation),
            Event::UserWake { user } => {
                if self.closed.as_mut().is_some_and(|c| !c.keeps(user)) {
                    return;
                }
                let id = self.reqs.alloc(self.now(), user, true);
                self.route(id);
            }
            Event::ServiceDone(id) => self.on_service_done(id),
            Event::DbDone(id) => self.on_db_done(id),
            Event::DiskDone(id) => self.on_disk_done(id),
            Event::LinkDone(id) => self.on_link_done(id),
            Event::CacheDone(id) => {
                if self.reqs.get(id).is_some_and(|r| !r.answered) {
                    self.respond(id, Ok(()));
                }
                self.reqs.free(id);
            }
            Event::Timeout(id) => self.on_timeout(id),
            Event::Fault(i) => self.apply_fault(i),
            Event::FaultEnd(i) => self.end_fault(i),
            Event::TerminationDeadline(p) => {
                if self.pods.get(p.0 as usize).is_some_and(|p| p.state == PodState::Terminating) {
                    self.kill_pod(p);
                }
            }
            // The facade's: the observer's second and the control plane's tick.
            Event::SecondTick | Event::Controller(_) => {}
        }
    }

    pub(super) fn on_arrival(&mut self, generation: u32) {
        let now = self.now();
        let Some(open) = &mut self.open else { return };
        if generation != open.generation {
            return; // superseded by a rate change
        }
        let user = open.next_user();
        if let Some(t) = open.next_after(now, self.duration) {
            self.k.schedule(t, Event::Arrival { generation });
        }
        let id = self.reqs.alloc(now, user, false);
        self.route(id);
    }

    pub(super) fn route(&mut self, id: RequestId) {
        let now = self.now();
        self.window.counts.offered += 1;
        self.in_system.add(now, 1);
        if let Some(t) = self.timeout {
            self.k.schedule(now.saturating_add(t), Event::Timeout(id));
        }
        if self.cache.is_some() {
            self.window.cache_lookups += 1;
        }
        if let Some(cache) = &mut self.cache
            && cache.is_hit(now)
        {
            self.window.cache_hits += 1;
            let at = now.saturating_add(cache.hit_latency);
            if let Some(r) = self.reqs.get_mut(id) {
                r.phase = Phase::Cache;
            }
            self.k.schedule(at, Event::CacheDone(id));
            return;
        }
        let Some(user) = self.reqs.get(id).map(|r| r.user) else { return };
        let preferred = if self.router.mode == RoutingMode::Endpoints {
            let counts: Vec<u32> = self.versions.iter().map(|v| v.endpoints.len() as u32).collect();
            self.router.pick_by(&counts) as usize
        } else {
            self.router.pick(user) as usize
        };
        let version = if self.versions[preferred].endpoints.is_empty() {
            // Fall back to any version that has a ready pod.
            self.versions.iter().position(|v| !v.endpoints.is_empty()).unwrap_or(preferred)
        } else {
            preferred
        };
        if let Some(r) = self.reqs.get_mut(id) {
            r.version = version as u16;
        }
        if let Some(c) = &mut self.cohorts
            && now >= self.warmup
        {
            c.observe(user, version as u16);
        }
        self.window.versions[version].counts.offered += 1;
        let pod = self.balancer.pick(&self.versions[version].endpoints, &mut self.pods);
        let Some(pod) = pod else {
            self.respond(id, Err(FailCause::NoEndpoint));
            self.reqs.free(id);
            return;
        };
        self.admit(pod, id);
    }

    pub(super) fn admit(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let pod = &self.pods[pid.0 as usize];
        if pod.unreachable {
            if self.timeout.is_some() {
                self.lose(pid, id);
            } else {
                self.respond(id, Err(FailCause::PodKilled));
                self.reqs.free(id);
            }
        } else if pod.has_free_worker() && pod.queue.is_empty() {
            self.pods[pid.0 as usize].routed += 1;
            self.start_service(pid, id);
            if self.memory_on {
                self.check_memory(pid);
            }
        } else if pod.queue_full() {
            self.respond(id, Err(FailCause::Rejected));
            self.reqs.free(id);
        } else {
            self.pods[pid.0 as usize].routed += 1;
            self.pods[pid.0 as usize].queue.push_back(id);
            if let Some(r) = self.reqs.get_mut(id) {
                r.pod = pid.0;
                r.enqueued = now;
                r.phase = Phase::Queued;
            }
            self.queued.add(now, 1);
            self.window.max_queue = self.window.max_queue.max(self.queued.level);
            if self.memory_on {
                self.check_memory(pid);
            }
        }
    }

    pub(super) fn start_service(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let pod = &mut self.pods[pid.0 as usize];
        let slot = pod.start(now, id);
        // The code that runs is the pod's image (a mutable tag may run another version's).
        let image = pod.image as usize;
        pod.cpu_busy.add(now, 1);
        self.busy.add(now, 1);
        self.cpu.add(now, 1);
        let Some(r) = self.reqs.get_mut(id) else { return };
        r.pod = pid.0;
        r.slot = slot;
        r.phase = Phase::Service;
        let wait = now.0 - r.enqueued.0;
        let v = &mut self.versions[image];
        let st = v.dist.sample_us(&mut v.service_rng).saturating_add(v.extra.0);
        self.window.wait.record(wait);
        self.k.schedule(now.saturating_add(SimTime(st)), Event::ServiceDone(id));
    }

    pub(super) fn on_service_done(&mut self, id: RequestId) {
        let now = self.now();
        // A request whose pod's node died is `Lost`: its worker is gone, only the timeout ends it.
        let Some(r) = self.reqs.get_mut(id).filter(|r| r.phase == Phase::Service) else { return };
        let pod = &mut self.pods[r.pod as usize];
        pod.cpu_busy.add(now, -1);
        self.cpu.add(now, -1);
        let Some(db) = &mut self.db else {
            self.complete(id);
            return;
        };
        if db.try_acquire(now) {
            self.window.db_wait.record(0);
            self.start_query(id);
        } else {
            db.waiting.push_back(id);
            if let Some(r) = self.reqs.get_mut(id) {
                r.phase = Phase::DbWait;
                // From here `enqueued` is when it started waiting for a connection.
                r.enqueued = now;
            }
        }
    }

    /// The worker is done with the request: answer it (unless the client gave up) and take the
    /// next queued one.
    pub(super) fn complete(&mut self, id: RequestId) {
        let now = self.now();
        let Some(r) = self.reqs.get(id) else { return };
        let (pid, slot, answered) = (r.pod, r.slot, r.answered);
        let pod = &mut self.pods[pid as usize];
        let image = pod.image as usize;
        pod.served += 1;
        if let Some(moved) = pod.finish(now, slot)
            && let Some(m) = self.reqs.get_mut(moved)
        {
            m.slot = slot;
        }
        self.busy.add(now, -1);
        let mut sending = false;
        if !answered {
            let v = &mut self.versions[image];
            let outcome = if v.error_rate > 0.0 && v.error_rng.chance(v.error_rate) { Err(FailCause::Error) } else { Ok(()) };
            // A good response crosses the node's link; an error is a few bytes.
            sending = outcome.is_ok() && self.network.is_some();
            if sending {
                self.send(PodId(pid), id);
            } else {
                self.respond(id, outcome);
            }
        }
        if !sending {
            self.reqs.free(id);
        }
        self.pull_from_queue(PodId(pid));
        self.maybe_gone(PodId(pid));
    }

    pub(super) fn pull_from_queue(&mut self, pid: PodId) {
        let now = self.now();
        loop {
            let pod = &mut self.pods[pid.0 as usize];
            if !pod.has_free_worker() {
                return;
            }
            let Some(next) = pod.queue.pop_front() else { return };
            match self.reqs.get(next) {
                None => continue,
                Some(r) if r.answered => {
                    // Timed out while queued: already counted and out of the queue length.
                    self.reqs.free(next);
                }
                Some(_) => {
                    self.queued.add(now, -1);
                    self.start_service(pid, next);
                }
            }
        }
    }

    pub(super) fn on_timeout(&mut self, id: RequestId) {
        let now = self.now();
        let Some(r) = self.reqs.get(id) else { return };
        if r.answered {
            return;
        }
        if r.phase == Phase::Queued {
            // The pod drops requests whose client gave up; they leave the queue length now.
            self.queued.add(now, -1);
        }
        let lost = (r.phase == Phase::Lost).then_some(r.pod);
        self.respond(id, Err(FailCause::TimedOut));
        if let Some(pod) = lost {
            let pod = &mut self.pods[pod as usize];
            pod.lost = pod.lost.saturating_sub(1);
            self.reqs.free(id);
        }
    }

    /// Delivers the response to the client and counts it.
    pub(super) fn respond(&mut self, id: RequestId, outcome: Result<(), FailCause>) {
        let now = self.now();
        let Some(r) = self.reqs.get_mut(id) else { return };
        r.answered = true;
        let response = now.0 - r.arrival.0;
        let (closed_user, user, version) = (r.closed_user, r.user, r.version as usize);
        self.in_system.add(now, -1);
        let w = &mut self.window;
        w.counts.answered += 1;
        w.counts.response_us += response as u128;
        let v = version.min(w.versions.len() - 1);
        match outcome {
            Ok(()) => {
                w.counts.completed += 1;
                w.versions[v].counts.completed += 1;
                if self.sli_us.is_none_or(|l| response <= l) {
                    w.counts.good += 1;
                    w.versions[v].counts.good += 1;
                }
                w.record_latency(v, response, 1);
            }
            Err(cause) => {
                w.counts.failed[cause.index()] += 1;
                w.versions[v].counts.failed[cause.index()] += 1;
            }
        }
        if closed_user
            && let Some(c) = &mut self.closed
            && c.keeps(user)
        {
            let t = c.think();
            self.k.schedule(now.saturating_add(t), Event::UserWake { user });
        }
    }
}
