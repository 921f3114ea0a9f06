//! The request path's side of the port: what kube-proxy, the kubelet and metrics-server do to
//! the serving pods (add, ready, terminate, kill, weights) and read from them.

use super::pod::{Pod, PodId, PodState};
use super::request::{FailCause, Phase, RequestId};
use super::{Engine, Event};
use crate::dataplane::memory::PodMemory;
use crate::event_log::{EventKind, PodEnd};
use crate::kernel::SimTime;
use crate::port::{Dataplane, MemoryReading, ProcessEnd, RoutingMode};

impl Dataplane for Engine {
    fn now(&self) -> SimTime {
        self.k.now()
    }

    /// Version names, in scenario order (their index is the `version` of a pod).
    fn version_names(&self) -> Vec<String> {
        self.versions.iter().map(|v| v.name.clone()).collect()
    }

    fn pod_version(&self, id: PodId) -> Option<u16> {
        self.pods.get(id.0 as usize).map(|p| p.version)
    }

    fn process_ended(&self, id: PodId) -> Option<ProcessEnd> {
        match self.pods.get(id.0 as usize) {
            None => Some(ProcessEnd::Exited),
            Some(p) if p.state != PodState::Gone => None,
            Some(p) => Some(match p.oom_killed {
                Some(used_mi) => ProcessEnd::OomKilled { used_mi, limit_mi: p.memory.limit_mi },
                None => ProcessEnd::Exited,
            }),
        }
    }

    fn pod_memory(&self, id: PodId) -> Option<MemoryReading> {
        self.pods.get(id.0 as usize).map(|p| {
            let used_mi = p.memory_mi();
            MemoryReading {
                live: p.is_live(),
                used_mi,
                limit_mi: p.memory.limit_mi,
                leaking: p.memory.leak_mi_per_request > 0.0,
                over_limit: p.memory.over_limit(used_mi),
                served: p.served,
            }
        })
    }

    /// Creates a pod of `version` (index in the scenario's versions). It is not ready yet.
    fn add_pod(&mut self, version: u16) -> PodId {
        let now = self.now();
        let id = PodId(self.pods.len() as u32);
        let vname = self.versions.get(version as usize).map(|v| v.name.as_str()).unwrap_or("v?");
        let name = format!("{vname}-pod-{}", id.0);
        let mut pod = Pod::new(id, name, version, self.pod_spec.clone(), now);
        let leak = self.versions.get(version as usize).map_or(0.0, |v| v.leak_mi_per_request);
        pod.memory = PodMemory { leak_mi_per_request: leak, ..self.memory };
        self.pods.push(pod);
        self.capacity.add(now, self.pod_spec.workers as i64);
        self.live_pods.add(now, 1);
        self.serving_pods.add(now, 1);
        id
    }

    /// The control plane bound pod `id` to node `node`: its responses leave by that node's link.
    fn place_pod(&mut self, id: PodId, node: usize) {
        if self.network.is_none() || self.pods.get(id.0 as usize).is_none() {
            return;
        }
        if self.node_links.len() <= node {
            self.node_links.resize(node + 1, None);
        }
        let link = match self.node_links[node] {
            Some(l) => l,
            None => {
                let l = self.new_link();
                self.node_links[node] = Some(l);
                l
            }
        };
        self.pods[id.0 as usize].link = Some(link);
    }

    /// The container of pod `id` runs version `image`'s build (its tag resolved at start).
    fn set_pod_image(&mut self, id: PodId, image: u16) {
        let leak = self.versions.get(image as usize).map(|v| v.leak_mi_per_request);
        if let (Some(pod), Some(leak)) = (self.pods.get_mut(id.0 as usize), leak) {
            pod.image = image;
            pod.memory.leak_mi_per_request = leak;
        }
    }

    /// Gives a pod the control plane's name (`web-v1-3`) for the log.
    fn rename_pod(&mut self, id: PodId, name: String) {
        if let Some(p) = self.pods.get_mut(id.0 as usize) {
            p.name = name;
        }
    }

    /// Graceful stop: out of the endpoints now, finishes in-flight and queued work, and is
    /// killed at the end of the grace period if it has not finished by then.
    fn start_termination(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize) else { return };
        if pod.state != PodState::Running {
            return;
        }
        let now = self.now();
        self.leave_endpoints(id);
        self.pods[id.0 as usize].state = PodState::Terminating;
        let name = self.pods[id.0 as usize].name.clone();
        let grace = self.grace.as_secs_f64();
        self.log.push(now, EventKind::PodTerminating { pod: name, grace_s: grace }, self.last_cause);
        self.k.schedule(now.saturating_add(self.grace), Event::TerminationDeadline(id));
        self.maybe_gone(id);
    }

    /// Abrupt death: queued and in-flight requests fail with cause `pod_killed`.
    fn kill_pod(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize) else { return };
        if pod.state == PodState::Gone {
            return;
        }
        self.leave_endpoints(id);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::Killed);
    }

    /// The kernel's OOM killer: the container's memory passed its limit. Its requests fail
    /// like a killed pod's; the kubelet restarts the container after its back-off.
    fn oom_kill(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize).filter(|p| p.state != PodState::Gone) else { return };
        let (used, limit) = (pod.memory_mi(), pod.memory.limit_mi.unwrap_or(0.0));
        self.pods[id.0 as usize].oom_killed = Some(used);
        self.window.oom_kills += 1;
        self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(used);
        self.leave_endpoints(id);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::OomKilled { used_mi: used, limit_mi: limit });
    }

    /// Its node died: the pod stays an endpoint (until the node is marked NotReady and the pod
    /// is killed), but it answers nothing; its requests, and those sent to it, hang until their
    /// client's timeout (or fail at once as `pod_killed` when the service has no timeout).
    fn make_unreachable(&mut self, id: PodId) {
        if self.pods.get(id.0 as usize).is_none_or(|p| p.state != PodState::Running) {
            return;
        }
        let now = self.now();
        self.pods[id.0 as usize].unreachable = true;
        self.capacity.add(now, -(self.pods[id.0 as usize].spec.workers as i64));
        self.serving_pods.add(now, -1);
        self.drop_work(id, true);
    }

    /// Drops a pod that never served (no room for it at the start).
    fn discard_pod(&mut self, id: PodId) {
        if self.pods.get(id.0 as usize).is_some_and(|p| p.is_live()) {
            self.leave_endpoints(id);
            self.remove_pod(id, PodEnd::NoRoom);
        }
    }

    /// The kubelet evicted a pod under node memory pressure (counted for the series).
    fn record_eviction(&mut self) {
        self.window.evictions += 1;
    }

    /// Puts a running pod into (or out of) its version's endpoints.
    fn set_ready(&mut self, id: PodId, ready: bool) {
        let Some(pod) = self.pods.get_mut(id.0 as usize) else { return };
        if pod.state != PodState::Running || pod.ready == ready {
            return;
        }
        pod.ready = ready;
        let eps = &mut self.versions[pod.version as usize].endpoints;
        if ready {
            eps.push(id);
        } else {
            eps.retain(|&p| p != id);
        }
    }

    /// Traffic shares per version (canary steps, blue/green switch).
    fn set_version_weights(&mut self, weights: &[u32]) {
        for (w, &x) in self.router.weights.iter_mut().zip(weights) {
            *w = x;
        }
    }

    fn set_routing_mode(&mut self, mode: RoutingMode) {
        self.router.mode = mode;
    }

    /// The traffic weight the router means for each version now: its weight, or with plain
    /// endpoint routing its count of ready pods.
    fn version_weights(&self) -> Vec<u32> {
        match self.router.mode {
            RoutingMode::Endpoints => self.versions.iter().map(|v| v.endpoints.len() as u32).collect(),
            _ => self.router.weights.clone(),
        }
    }

    /// CPU used by a pod over the last closed one-second window, millicores (HPA reads this).
    fn pod_cpu_millicores(&self, id: PodId) -> Option<f64> {
        self.pods.get(id.0 as usize).map(|p| p.last_cpu_m)
    }

    /// Appends to the causal log (for controllers: "HPA scaled to 6").
    /// Appends to the causal log in English and Korean (for controllers: "HPA scaled to 6").
    fn log_event(&mut self, kind: EventKind) -> Option<usize> {
        let now = self.now();
        let idx = self.log.push(now, kind, self.last_cause);
        self.last_cause = idx.or(self.last_cause);
        idx
    }

    /// The first incident (a fault, a release, an image push) starts the recovery clock.
    fn mark_incident(&mut self) {
        let now = self.now().whole_secs();
        self.incident_at_s.get_or_insert(now);
    }
}

impl Engine {
    pub(super) fn leave_endpoints(&mut self, id: PodId) {
        self.set_ready(id, false);
    }

    pub(super) fn maybe_gone(&mut self, id: PodId) {
        let pod = &self.pods[id.0 as usize];
        if pod.state == PodState::Terminating && pod.in_service.is_empty() && pod.queue.is_empty() {
            self.remove_pod(id, PodEnd::Terminated);
        }
    }

    /// A request joined pod `pid`: its memory grew; past the limit the OOM killer acts now.
    pub(super) fn check_memory(&mut self, pid: PodId) {
        let pod = &self.pods[pid.0 as usize];
        let used = pod.memory_mi();
        self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(used);
        if pod.memory.over_limit(used) {
            self.oom_kill(pid);
        }
    }

    pub(super) fn remove_pod(&mut self, id: PodId, end: PodEnd) {
        let now = self.now();
        let pod = &mut self.pods[id.0 as usize];
        pod.state = PodState::Gone;
        pod.ready = false;
        let (workers, unreachable) = (pod.spec.workers as i64, pod.unreachable);
        let (blames, msg) = (matches!(end, PodEnd::Killed | PodEnd::OomKilled { .. }), EventKind::PodEnded { pod: pod.name.clone(), end });
        // An unreachable pod's workers and CPU request already left when its node died.
        if !unreachable {
            self.capacity.add(now, -workers);
            self.serving_pods.add(now, -1);
        }
        self.live_pods.add(now, -1);
        let idx = self.log.push(now, msg, self.last_cause);
        if blames {
            self.last_cause = idx.or(self.last_cause);
        }
    }

    /// Takes every queued and in-flight request off pod `id`: they fail, or hang (`lost`) when
    /// the pod is unreachable and the client has a timeout.
    pub(super) fn drop_work(&mut self, id: PodId, hang: bool) {
        let now = self.now();
        let pod = &mut self.pods[id.0 as usize];
        let in_service = std::mem::take(&mut pod.in_service);
        let queue = std::mem::take(&mut pod.queue);
        pod.busy.set(now, 0);
        pod.cpu_busy.set(now, 0);
        let mut cpu_phase = 0;
        for r in &in_service {
            if self.reqs.get(*r).is_some_and(|q| q.phase == Phase::Service) {
                cpu_phase += 1;
            }
        }
        self.busy.add(now, -(in_service.len() as i64));
        self.cpu.add(now, -cpu_phase);
        for r in in_service.into_iter().chain(queue) {
            let Some(req) = self.reqs.get(r) else { continue };
            if req.phase == Phase::Queued {
                self.queued.add(now, -1);
            }
            if req.answered {
                self.reqs.free(r);
            } else if hang && self.timeout.is_some() {
                self.lose(id, r);
            } else {
                self.respond(r, Err(FailCause::PodKilled));
                self.reqs.free(r);
            }
        }
    }

    /// Request `r` now waits on unreachable pod `pid` for its timeout.
    pub(super) fn lose(&mut self, pid: PodId, r: RequestId) {
        if let Some(req) = self.reqs.get_mut(r) {
            req.phase = Phase::Lost;
            req.pod = pid.0;
            self.pods[pid.0 as usize].lost += 1;
        }
    }

    /// The cache's hit ratio in effect, the database pool (connections, in use, waiting), and
    /// the routing mode, now.
    pub fn dependencies_now(&self) -> (Option<f64>, Option<(u32, u32, u32)>, RoutingMode) {
        let now = self.now();
        let db = self.db.as_ref().map(|db| {
            let waiting = db.waiting.iter().filter(|&&r| self.reqs.get(r).is_some_and(|r| r.phase == Phase::DbWait)).count();
            (db.connections, db.in_use, waiting as u32)
        });
        (self.cache.as_ref().map(|c| c.effective_ratio(now)), db, self.router.mode)
    }

    /// Appends an entry at `at` (a closed second's failure onset), citing the latest cause and
    /// becoming it.
    pub(crate) fn log_at(&mut self, at: SimTime, kind: EventKind) {
        if let Some(idx) = self.log.push(at, kind, self.last_cause) {
            self.last_cause = Some(idx);
        }
    }
}
