//! The kubelet's eviction manager: when a node's `memory.available` falls under the hard
//! threshold, it evicts one pod (ranked by `kube::eviction`) and looks again at its next tick.
//! An evicted pod is Failed: its requests are lost and its ReplicaSet replaces it, possibly on
//! the same crowded node (requests, not usage, decide where the scheduler puts it).

use super::{ControlPlane, MIB, PodObject};
use crate::event_log::EventKind;
use crate::kube::eviction::{MEMORY_AVAILABLE_HARD_MI, MemoryUse, pick_for_memory_pressure, under_memory_pressure};
use crate::simulation::Model;

impl ControlPlane {
    /// Memory a pod uses now (MiB): its container's, or its baseline while it starts.
    pub(super) fn pod_memory_used_mi(&self, model: &Model, pod: &PodObject) -> f64 {
        match pod.model.and_then(|id| model.pod(id)) {
            Some(m) if m.is_live() => m.memory_mi(),
            _ => self.memory_baseline_mi,
        }
    }

    fn on_node(&self, n: usize) -> Vec<usize> {
        (0..self.pods.len()).filter(|&p| self.pods[p].node == Some(n) && self.pods[p].scheduled && !self.pods[p].gone).collect()
    }

    pub(super) fn node_memory_used_mi(&self, model: &Model, n: usize) -> f64 {
        self.on_node(n).into_iter().map(|p| self.pod_memory_used_mi(model, &self.pods[p])).sum()
    }

    pub(super) fn evict_under_memory_pressure(&mut self, model: &mut Model) {
        if !self.memory_on {
            return;
        }
        for n in 0..self.nodes.len() {
            if !self.nodes[n].alive() {
                continue;
            }
            let capacity = (self.nodes[n].memory / MIB) as f64;
            let pods = self.on_node(n);
            let uses: Vec<MemoryUse> = pods
                .iter()
                .map(|&p| MemoryUse {
                    name: self.pods[p].name.clone(),
                    usage_mi: self.pod_memory_used_mi(model, &self.pods[p]),
                    request_mi: self.memory_request_mi,
                })
                .collect();
            let used: f64 = uses.iter().map(|u| u.usage_mi).sum();
            if !under_memory_pressure(capacity, used, MEMORY_AVAILABLE_HARD_MI) {
                continue;
            }
            let Some(i) = pick_for_memory_pressure(&uses) else { continue };
            let p = pods[i];
            let (node, pod, usage_mi, request_mi) =
                (self.nodes[n].name.clone(), uses[i].name.clone(), uses[i].usage_mi, self.memory_request_mi);
            let available_mi = capacity - used;
            model.log_event(EventKind::Evicted { node, available_mi, threshold_mi: MEMORY_AVAILABLE_HARD_MI, pod, usage_mi, request_mi });
            model.record_eviction();
            self.kill_container(model, p);
            let pod = &mut self.pods[p];
            pod.terminating = true;
            pod.gone = true;
        }
    }
}
