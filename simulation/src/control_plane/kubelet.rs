//! The kubelets: start containers on bound pods, run readiness probes, and notice when a
//! pod's serving side is gone (terminated, killed). The request path's pod is created when
//! the first readiness probe succeeds, so only ready pods ever receive traffic.

use super::Store;
use super::objects::PodPhase;
use super::objects::ms;
use crate::event_log::{CrashWhy, EventKind};
use crate::kernel::SimTime;
use crate::kube::pod_lifecycle::backoff_next;
use crate::port::Dataplane;
use crate::port::ProcessEnd;

/// The kubelets of every node, as one loop.
#[derive(Clone)]
pub struct Kubelet;

impl Kubelet {
    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        let mut became_ready: Vec<String> = Vec::new();
        for p in 0..store.pods.len() {
            let pod = &store.pods[p];
            if pod.gone() {
                continue;
            }
            if let Some(id) = pod.model {
                // OOM-killed by the kernel: the container restarts in place, after back-off.
                let ended = model.process_ended(id);
                if let Some(ProcessEnd::OomKilled { used_mi, limit_mi }) = ended {
                    self.crash(store, model, p, now, oom_reason(used_mi, limit_mi));
                    continue;
                }
                // Serving side gone: terminated after its grace period, or killed by a fault.
                if ended.is_some() {
                    let pod = &mut store.pods[p];
                    pod.model = None;
                    // Terminated, or deleted by a fault (chaos): either way the ReplicaSet no
                    // longer counts it and replaces it.
                    pod.phase = PodPhase::Gone;
                }
                continue;
            }
            if pod.terminating() {
                store.pods[p].phase = PodPhase::Gone;
                continue;
            }
            let node_alive = pod.node.is_none_or(|n| store.nodes[n].alive());
            if !pod.scheduled() || !node_alive {
                continue;
            }
            // CrashLoopBackOff: wait, then start the container again.
            if let Some(at) = pod.restart_at {
                if now < at {
                    continue;
                }
                let startup = store.startup_of(pod.version);
                let pod = &mut store.pods[p];
                pod.restart_at = None;
                pod.container_start = now;
                pod.ready_at = store.template.readiness.first_success(now, startup);
                continue;
            }
            // The build this container runs: its tag resolved when it started.
            let image = store.registry.as_ref().map_or(pod.version, |r| r.image_for(pod.version, pod.container_start));
            let behaviour = store.template.behaviour.get(image as usize).copied();
            if behaviour.is_some_and(|b| b.crash_on_start) {
                if now >= pod.container_start.saturating_add(store.startup_of(pod.version)) {
                    self.crash(store, model, p, now, CrashWhy::OnStart);
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
                    Self::log_drift(store, model, p, image);
                }
                model.rename_pod(id, name.clone());
                model.set_ready(id, true);
                let pod = &mut store.pods[p];
                pod.model = Some(id);
                pod.phase = PodPhase::Ready;
                pod.ready_since = Some(now);
                pod.ready_transition = now;
                became_ready.push(name);
            }
        }
        self.check_memory(store, model, now);
        if !became_ready.is_empty() {
            model.log_event(EventKind::PodsReady { pods: became_ready });
        }
    }

    /// The container died: restart it after the kubelet's back-off (10, 20, 40, … 300 s).
    fn crash(&mut self, store: &mut Store, model: &mut dyn Dataplane, p: usize, now: SimTime, why: CrashWhy) {
        store.kill_container(model, p);
        let pod = &mut store.pods[p];
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
    fn check_memory(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        // Only a leaking version (which turns memory on) is ever over its limit here.
        if !store.template.memory_on {
            return;
        }
        for p in 0..store.pods.len() {
            let Some(id) = store.pods[p].model else { continue };
            let Some(m) = model.pod_memory(id) else { continue };
            if !m.leaking || !m.over_limit {
                continue;
            }
            let (used, served, limit) = (m.used_mi, m.served, m.limit_mi.unwrap_or(0.0));
            let why = CrashWhy::OomLeak { used_mi: used, limit_mi: limit, served };
            model.oom_kill(id);
            self.crash(store, model, p, now, why);
        }
    }

    /// A container started with another version's build than its ReplicaSet's (mutable tag).
    fn log_drift(store: &mut Store, model: &mut dyn Dataplane, p: usize, image: u16) {
        if let Some(r) = store.registry.as_mut() {
            r.drifted += 1;
        }
        let names = model.version_names();
        let name = |v: u16| names.get(v as usize).cloned().unwrap_or_default();
        let (pod, app, template, runs) = (store.pods[p].name.clone(), store.template.app.clone(), name(store.pods[p].version), name(image));
        model.log_event(EventKind::ImageDrift { pod, app, template, runs });
    }
}

/// What a kubelet does to a pod on the API's word: delete it, or kill its container.
impl Store {
    /// Deletes pod `p`: out of the endpoints now, gone after its in-flight work or the grace period.
    pub(crate) fn terminate(&mut self, model: &mut dyn Dataplane, p: usize) {
        let pod = &mut self.pods[p];
        if matches!(pod.phase, PodPhase::Terminating | PodPhase::Gone) {
            return;
        }
        match pod.model {
            Some(id) => {
                pod.phase = PodPhase::Terminating;
                model.start_termination(id);
            }
            None => pod.phase = PodPhase::Gone,
        }
    }

    /// Kills the serving side of pod `p` at once (its node died).
    pub(crate) fn kill_container(&mut self, model: &mut dyn Dataplane, p: usize) {
        let pod = &mut self.pods[p];
        pod.not_ready_now();
        if let Some(id) = pod.model.take() {
            model.kill_pod(id);
        }
    }
}

fn oom_reason(used: f64, limit: Option<f64>) -> CrashWhy {
    CrashWhy::OomInFlight { used_mi: used, limit_mi: limit.unwrap_or(0.0) }
}
