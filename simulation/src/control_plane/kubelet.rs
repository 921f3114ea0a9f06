//! The kubelets: start containers on bound pods, run readiness probes, and notice when a
//! pod's serving side is gone (terminated, killed). The request path's pod is created when
//! the first readiness probe succeeds, so only ready pods ever receive traffic.

use super::ControlPlane;
use crate::kernel::SimTime;
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
                // Serving side gone: terminated after its grace period, or killed by a fault.
                if model.pod(id).is_none_or(|m| m.state == PodState::Gone) {
                    let pod = &mut self.pods[p];
                    pod.model = None;
                    pod.ready = false;
                    if pod.terminating {
                        pod.gone = true;
                    } else {
                        // A deleted pod (chaos): the ReplicaSet replaces it.
                        pod.gone = true;
                        pod.terminating = true;
                    }
                }
                continue;
            }
            if pod.terminating {
                self.pods[p].gone = true;
                continue;
            }
            let node_alive = pod.node.is_none_or(|n| self.nodes[n].alive());
            if pod.scheduled && node_alive && now >= pod.ready_at {
                let name = pod.name.clone();
                let id = model.add_pod(pod.version);
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
        if !became_ready.is_empty() {
            let what = if became_ready.len() == 1 {
                format!("pod {} is ready", became_ready[0])
            } else {
                format!("{} pods are ready ({})", became_ready.len(), became_ready.join(", "))
            };
            model.log_event("kubelet", format!("kubelet: {what}: readiness probe passed, receiving traffic"));
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

    pub(super) fn grace(&self) -> SimTime {
        self.grace
    }
}
