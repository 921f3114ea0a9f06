//! The kubelet's eviction manager: when a node's `memory.available` falls under the hard
//! threshold, it evicts one pod (ranked by `kube::eviction`) and looks again at its next tick.
//! An evicted pod is Failed: its requests are lost and its ReplicaSet replaces it, possibly on
//! the same crowded node (requests, not usage, decide where the scheduler puts it).

use super::objects::{PodObject, PodPhase};
use super::{MIB, Store};
use crate::event_log::EventKind;
use crate::kube::eviction::{MEMORY_AVAILABLE_HARD_MI, MemoryUse, pick_for_memory_pressure, under_memory_pressure};
use crate::port::Dataplane;

impl Store {
    /// Memory a pod uses now (MiB): its container's, or its baseline while it starts.
    pub(crate) fn pod_memory_used_mi(&self, model: &dyn Dataplane, pod: &PodObject) -> f64 {
        match pod.model.and_then(|id| model.pod_memory(id)) {
            Some(m) if m.live => m.used_mi,
            _ => self.template.memory_baseline_mi,
        }
    }

    pub(crate) fn node_memory_used_mi(&self, model: &dyn Dataplane, n: usize) -> f64 {
        self.on_node(n).into_iter().map(|p| self.pod_memory_used_mi(model, &self.pods[p])).sum()
    }
}

/// The kubelets' eviction manager, as one loop.
#[derive(Clone)]
pub struct EvictionManager;

impl EvictionManager {
    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane) {
        if !store.template.memory_on {
            return;
        }
        for n in 0..store.nodes.len() {
            if !store.nodes[n].alive() {
                continue;
            }
            let capacity = (store.nodes[n].memory / MIB) as f64;
            let pods = store.on_node(n);
            let uses: Vec<MemoryUse> = pods
                .iter()
                .map(|&p| MemoryUse {
                    name: store.pods[p].name.clone(),
                    usage_mi: store.pod_memory_used_mi(model, &store.pods[p]),
                    request_mi: store.template.memory_request_mi,
                })
                .collect();
            let used: f64 = uses.iter().map(|u| u.usage_mi).sum();
            if !under_memory_pressure(capacity, used, MEMORY_AVAILABLE_HARD_MI) {
                continue;
            }
            let Some(i) = pick_for_memory_pressure(&uses) else { continue };
            let p = pods[i];
            let (node, pod, usage_mi, request_mi) =
                (store.nodes[n].name.clone(), uses[i].name.clone(), uses[i].usage_mi, store.template.memory_request_mi);
            let available_mi = capacity - used;
            model.log_event(EventKind::Evicted { node, available_mi, threshold_mi: MEMORY_AVAILABLE_HARD_MI, pod, usage_mi, request_mi });
            model.record_eviction();
            store.kill_container(model, p);
            let pod = &mut store.pods[p];
            pod.phase = PodPhase::Gone;
        }
    }
}
