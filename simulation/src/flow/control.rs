//! The flow engine's side of the port: what kube-proxy, the kubelet and metrics-server do to
//! its pods and read from them, with the same meaning as the request-level engine's.

use super::pod::{FlowPod, PodState};
use super::{FlowEngine, FlowEvent, STEP};
use crate::event_log::{EventKind, FailCause, PodEnd};
use crate::kernel::SimTime;
use crate::port::{Dataplane, MemoryReading, PodId, ProcessEnd, RoutingMode};

impl Dataplane for FlowEngine {
    fn now(&self) -> SimTime {
        self.k.now()
    }

    fn version_names(&self) -> Vec<String> {
        self.versions.iter().map(|v| v.name.clone()).collect()
    }

    fn add_pod(&mut self, version: u16) -> PodId {
        let id = PodId(self.pods.len() as u32);
        let vname = self.versions.get(version as usize).map(|v| v.name.as_str()).unwrap_or("v?");
        self.pods.push(FlowPod::new(id, format!("{vname}-pod-{}", id.0), version));
        self.live.push(id.0);
        id
    }

    /// Nodes matter to the flow engine only through faults, which reach it as pod changes.
    fn place_pod(&mut self, _id: PodId, _node: usize) {}

    fn set_pod_image(&mut self, id: PodId, image: u16) {
        if (image as usize) < self.versions.len()
            && let Some(p) = self.pods.get_mut(id.0 as usize)
        {
            p.image = image;
        }
    }

    fn rename_pod(&mut self, id: PodId, name: String) {
        if let Some(p) = self.pods.get_mut(id.0 as usize) {
            p.name = name;
        }
    }

    fn start_termination(&mut self, id: PodId) {
        if self.pod(id).is_none_or(|p| p.state != PodState::Running) {
            return;
        }
        let now = self.now();
        self.set_ready(id, false);
        let pod = &mut self.pods[id.0 as usize];
        pod.state = PodState::Terminating;
        let name = pod.name.clone();
        let grace_s = self.grace.as_secs_f64();
        self.log.push(now, EventKind::PodTerminating { pod: name, grace_s }, self.last_cause);
        self.k.schedule(now.saturating_add(self.grace), FlowEvent::TerminationDeadline(id));
        if self.pods[id.0 as usize].holding() <= 1e-9 {
            self.remove_pod(id, PodEnd::Terminated);
        }
    }

    fn kill_pod(&mut self, id: PodId) {
        if self.pod(id).is_none_or(|p| p.state == PodState::Gone) {
            return;
        }
        self.set_ready(id, false);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::Killed);
    }

    fn oom_kill(&mut self, id: PodId) {
        if self.pod(id).is_none_or(|p| p.state == PodState::Gone) {
            return;
        }
        self.window.oom_kills += 1;
        self.set_ready(id, false);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::OomKilled { used_mi: 0.0, limit_mi: 0.0 });
    }

    fn make_unreachable(&mut self, id: PodId) {
        if self.pod(id).is_none_or(|p| p.state != PodState::Running) {
            return;
        }
        self.pods[id.0 as usize].unreachable = true;
        self.drop_work(id, true);
    }

    fn discard_pod(&mut self, id: PodId) {
        if self.pod(id).is_some_and(FlowPod::is_live) {
            self.set_ready(id, false);
            self.remove_pod(id, PodEnd::NoRoom);
        }
    }

    fn pod_version(&self, id: PodId) -> Option<u16> {
        self.pod(id).map(|p| p.version)
    }

    fn process_ended(&self, id: PodId) -> Option<ProcessEnd> {
        match self.pod(id) {
            None => Some(ProcessEnd::Exited),
            Some(p) if p.state != PodState::Gone => None,
            Some(p) => Some(p.ended.unwrap_or(ProcessEnd::Exited)),
        }
    }

    /// Memory is not modelled here (such scenarios are request-level only): nothing to read.
    fn pod_memory(&self, id: PodId) -> Option<MemoryReading> {
        self.pod(id).map(|p| MemoryReading {
            live: p.is_live(),
            used_mi: 0.0,
            limit_mi: None,
            leaking: false,
            over_limit: false,
            served: p.served as u64,
        })
    }

    fn record_eviction(&mut self) {
        self.window.evictions += 1;
    }

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

    fn set_version_weights(&mut self, weights: &[u32]) {
        for (w, &x) in self.weights.iter_mut().zip(weights) {
            *w = x;
        }
    }

    fn set_routing_mode(&mut self, mode: RoutingMode) {
        self.routing = mode;
    }

    fn version_weights(&self) -> Vec<u32> {
        match self.routing {
            RoutingMode::Endpoints => self.versions.iter().map(|v| v.endpoints.len() as u32).collect(),
            _ => self.weights.clone(),
        }
    }

    fn pod_cpu_millicores(&self, id: PodId) -> Option<f64> {
        self.pod(id).map(|p| p.last_cpu_m)
    }

    fn log_event(&mut self, kind: EventKind) -> Option<usize> {
        let now = self.now();
        let idx = self.log.push(now, kind, self.last_cause);
        self.last_cause = idx.or(self.last_cause);
        idx
    }

    fn mark_incident(&mut self) {
        let now = self.now().whole_secs();
        self.incident_at_s.get_or_insert(now);
    }
}

impl FlowEngine {
    pub(super) fn remove_pod(&mut self, id: PodId, end: PodEnd) {
        let now = self.now();
        self.live.retain(|&i| i != id.0);
        let pod = &mut self.pods[id.0 as usize];
        pod.state = PodState::Gone;
        pod.ready = false;
        (pod.busy, pod.waiting, pod.backlog) = (0.0, 0.0, 0.0);
        pod.ended = Some(match end {
            PodEnd::OomKilled { used_mi, limit_mi } => ProcessEnd::OomKilled { used_mi, limit_mi: Some(limit_mi) },
            _ => ProcessEnd::Exited,
        });
        let blames = matches!(end, PodEnd::Killed | PodEnd::OomKilled { .. });
        let idx = self.log.push(now, EventKind::PodEnded { pod: pod.name.clone(), end }, self.last_cause);
        if blames {
            self.last_cause = idx.or(self.last_cause);
        }
    }

    /// The pod's requests fail now (`pod_killed`), or hang until their client's timeout when
    /// its node died (`hang`) and the service has one. Requests already counted as answered
    /// when they were admitted are taken back from the version's completions.
    pub(super) fn drop_work(&mut self, id: PodId, hang: bool) {
        let pod = &mut self.pods[id.0 as usize];
        let (counted, uncounted) = ((pod.holding() - pod.backlog).max(0.0), pod.backlog);
        (pod.busy, pod.waiting, pod.backlog) = (0.0, 0.0, 0.0);
        let v = pod.image.min(self.versions.len().saturating_sub(1) as u16);
        self.completed_debt[v as usize] += counted;
        let lost = counted + uncounted;
        match self.timeout_s {
            Some(t) if hang => {
                let due = self.steps + (t / STEP.as_secs_f64()).ceil() as u64;
                self.hanging.add(self.steps, due, v as usize, lost);
            }
            _ => self.fail_now(v, FailCause::PodKilled, lost),
        }
    }
}
