//! The kubelets: start containers on bound pods, run readiness probes, and notice when a
//! pod's serving side is gone (terminated, killed). The request path's pod is created when
//! the first readiness probe succeeds, so only ready pods ever receive traffic.

use super::Store;
use super::objects::PodPhase;
use super::objects::ms;
use crate::event_log::say;
use crate::kernel::SimTime;
use crate::kube::pod_lifecycle::backoff_next;
use crate::port::Dataplane;
use crate::port::ProcessEnd;

/// The kubelets of every node, as one loop.
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
                    self.crash(store, model, p, now, ("crashed on start (exit code 1)".into(), "시작하자마자 종료됨 (exit code 1)".into()));
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
            let (n, names) = (became_ready.len(), became_ready.join(", "));
            let (what, what_ko) = if n == 1 {
                (format!("pod {names} is ready"), format!("파드 {names} 준비 완료"))
            } else {
                (format!("{n} pods are ready ({names})"), format!("파드 {n}개 준비 완료 ({names})"))
            };
            model.log_event(
                "kubelet",
                say(
                    format!("kubelet: {what}: readiness probe passed, receiving traffic"),
                    format!("kubelet: {what_ko}: 레디니스 프로브 통과, 트래픽 받기 시작"),
                ),
            );
        }
    }

    /// The container died: restart it after the kubelet's back-off (10, 20, 40, … 300 s).
    fn crash(&mut self, store: &mut Store, model: &mut dyn Dataplane, p: usize, now: SimTime, why: (String, String)) {
        store.kill_container(model, p);
        let pod = &mut store.pods[p];
        pod.restarts += 1;
        let entry = backoff_next(pod.backoff, ms(now));
        pod.backoff = Some(entry);
        pod.restart_at = Some(now.saturating_add(SimTime(entry.backoff as u64 * 1000)));
        let name = pod.name.clone();
        let restarts = pod.restarts;
        let (b, (en, ko)) = (entry.backoff / 1000, why);
        model.log_event(
            "kubelet",
            say(
                format!("kubelet: {name} {en}; restart {restarts}, back-off {b} s (CrashLoopBackOff)"),
                format!("kubelet: {name} {ko}; {restarts}번째 재시작, {b}초 대기 (CrashLoopBackOff)"),
            ),
        );
    }

    /// A leaking version grows with the requests it served; the kubelet sees it over the limit
    /// at its next look and the container is OOM-killed.
    fn check_memory(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        for p in 0..store.pods.len() {
            let Some(id) = store.pods[p].model else { continue };
            let Some(m) = model.pod_memory(id) else { continue };
            if !m.leaking || !m.over_limit {
                continue;
            }
            let (used, served, limit) = (m.used_mi, m.served, m.limit_mi.unwrap_or(0.0));
            let why = (
                format!("OOMKilled (memory {used:.0} MiB > limit {limit:.0} MiB after {served} requests)"),
                format!("OOMKilled (요청 {served}건 처리 후 메모리 {used:.0} MiB > 한도 {limit:.0} MiB)"),
            );
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
        let (pod, app, template, runs) = (&store.pods[p].name, &store.template.app, name(store.pods[p].version), name(image));
        model.log_event(
            "kubelet",
            say(
                format!("kubelet: {pod} pulled {app}:latest (imagePullPolicy Always) and runs {runs}, not {template} as its ReplicaSet says"),
                format!("kubelet: {pod}이(가) {app}:latest를 받아(imagePullPolicy Always) 레플리카셋이 말하는 {template}이(가) 아니라 {runs}을(를) 실행합니다"),
            ),
        );
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

fn oom_reason(used: f64, limit: Option<f64>) -> (String, String) {
    let limit = limit.unwrap_or(0.0);
    (
        format!("OOMKilled (memory {used:.0} MiB > limit {limit:.0} MiB with requests in flight)"),
        format!("OOMKilled (처리 중인 요청으로 메모리 {used:.0} MiB > 한도 {limit:.0} MiB)"),
    )
}
