//! The kubelets: start containers on bound pods, run readiness probes, and notice when a
//! pod's serving side is gone (terminated, killed). The request path's pod is created when
//! the first readiness probe succeeds, so only ready pods ever receive traffic.

use super::ControlPlane;
use super::objects::ms;
use crate::event_log::{CrashWhy, EventKind};
use crate::kernel::SimTime;
use crate::kube::pod_lifecycle::backoff_next;
use crate::pod::PodState;
use crate::simulation::Model;

impl ControlPlane {
    pub(super) fn kubelets(&mut self, model: &mut Model, now: SimTime) {
        let mut became_ready: Vec<String> = Vec::new();
        for p in 0..self.pods.len() {
            let pod = &self.pods[p];
            if pod.gone {
                continue;
            }
            if let Some(id) = pod.model {
                // OOM-killed by the kernel: the container restarts in place, after back-off.
                if let Some(used) = model.pod(id).filter(|m| m.state == PodState::Gone).and_then(|m| m.oom_killed) {
                    self.crash(model, p, now, oom_reason(used, model.pod(id).and_then(|m| m.memory.limit_mi)));
                    continue;
                }
                // Serving side gone: terminated after its grace period, or killed by a fault.
                if model.pod(id).is_none_or(|m| m.state == PodState::Gone) {
                    let pod = &mut self.pods[p];
                    pod.model = None;
                    pod.ready = false;
                    // Terminated, or deleted by a fault (chaos): either way the ReplicaSet no
                    // longer counts it and replaces it.
                    pod.gone = true;
                    pod.terminating = true;
                }
                continue;
            }
            if pod.terminating {
                self.pods[p].gone = true;
                continue;
            }
            let node_alive = pod.node.is_none_or(|n| self.nodes[n].alive());
            if !pod.scheduled || !node_alive {
                continue;
            }
            // CrashLoopBackOff: wait, then start the container again.
            if let Some(at) = pod.restart_at {
                if now < at {
                    continue;
                }
                let startup = self.startup_of(pod.version);
                let pod = &mut self.pods[p];
                pod.restart_at = None;
                pod.container_start = now;
                pod.ready_at = self.readiness.first_success(now, startup);
                continue;
            }
            // The build this container runs: its tag resolved when it started.
            let image = self.registry.as_ref().map_or(pod.version, |r| r.image_for(pod.version, pod.container_start));
            let behaviour = self.behaviour.get(image as usize).copied();
            if behaviour.is_some_and(|b| b.crash_on_start) {
                if now >= pod.container_start.saturating_add(self.startup_of(pod.version)) {
                    self.crash(model, p, now, CrashWhy::OnStart);
                }
                continue;
            }
            if now >= pod.ready_at {
                let name = pod.name.clone();
                let id = model.add_pod(pod.version);
                if let Some(n) = pod.node {
                    model.place_pod(id, n);
                }
                if image != pod.version {
                    model.set_pod_image(id, image);
                    self.log_drift(model, p, image);
                }
                model.rename_pod(id, name.clone());
                model.set_ready(id, true);
                let pod = &mut self.pods[p];
                pod.model = Some(id);
                pod.ready = true;
                pod.ready_since = Some(now);
                pod.ready_transition = now;
                became_ready.push(name);
            }
        }
        self.check_memory(model, now);
        if !became_ready.is_empty() {
            model.log_event(EventKind::PodsReady { pods: became_ready });
        }
    }

    /// Deletes pod `p`: out of the endpoints now, gone after its in-flight work or the grace period.
    pub(super) fn terminate(&mut self, model: &mut Model, p: usize) {
        let pod = &mut self.pods[p];
        if pod.terminating || pod.gone {
            return;
        }
        pod.terminating = true;
        pod.ready = false;
        match pod.model {
            Some(id) => model.start_termination(id),
            None => pod.gone = true,
        }
    }

    /// Kills the serving side of pod `p` at once (its node died).
    pub(super) fn kill_container(&mut self, model: &mut Model, p: usize) {
        let pod = &mut self.pods[p];
        pod.ready = false;
        if let Some(id) = pod.model.take() {
            model.kill_pod(id);
        }
    }
}

impl ControlPlane {
    /// The container died: restart it after the kubelet's back-off (10, 20, 40, … 300 s).
    fn crash(&mut self, model: &mut Model, p: usize, now: SimTime, why: CrashWhy) {
        self.kill_container(model, p);
        let pod = &mut self.pods[p];
        pod.restarts += 1;
        let entry = backoff_next(pod.backoff, ms(now));
        pod.backoff = Some(entry);
        pod.restart_at = Some(now.saturating_add(SimTime(entry.backoff as u64 * 1000)));
        let name = pod.name.clone();
        let restarts = pod.restarts;
        let backoff_s = entry.backoff / 1000;
        model.log_event(EventKind::ContainerCrashed { pod: name, why, restarts, backoff_s });
    }

    /// A leaking version grows with the requests it served; the kubelet sees it over the limit
    /// at its next look and the container is OOM-killed.
    fn check_memory(&mut self, model: &mut Model, now: SimTime) {
        for p in 0..self.pods.len() {
            let Some(id) = self.pods[p].model else { continue };
            let Some(m) = model.pod(id) else { continue };
            if m.memory.leak_mi_per_request <= 0.0 || !m.memory.over_limit(m.memory_mi()) {
                continue;
            }
            let (used, served, limit) = (m.memory_mi(), m.served, m.memory.limit_mi.unwrap_or(0.0));
            let why = CrashWhy::OomLeak { used_mi: used, limit_mi: limit, served };
            model.oom_kill(id);
            self.crash(model, p, now, why);
        }
    }
}

impl ControlPlane {
    /// A container started with another version's build than its ReplicaSet's (mutable tag).
    fn log_drift(&mut self, model: &mut Model, p: usize, image: u16) {
        if let Some(r) = self.registry.as_mut() {
            r.drifted += 1;
        }
        let names = model.version_names();
        let name = |v: u16| names.get(v as usize).cloned().unwrap_or_default();
        let (pod, app, template, runs) = (self.pods[p].name.clone(), self.app.clone(), name(self.pods[p].version), name(image));
        model.log_event(EventKind::ImageDrift { pod, app, template, runs });
    }
}

fn oom_reason(used: f64, limit: Option<f64>) -> CrashWhy {
    CrashWhy::OomInFlight { used_mi: used, limit_mi: limit.unwrap_or(0.0) }
}
