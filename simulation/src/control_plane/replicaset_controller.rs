//! The ReplicaSet controller: keep `spec.replicas` active pods per ReplicaSet. A pod that dies
//! or is deleted is replaced at once (self-healing); surplus pods are deleted cheapest first.

use super::Store;
use super::objects::ms;
use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::kube::replicaset::{BURST_REPLICAS, DeletionCandidate, ReplicaDiff, manage_replicas, pods_to_delete};
use crate::port::Dataplane;

/// The ReplicaSet controller.
#[derive(Clone)]
pub struct ReplicaSetController;

impl ReplicaSetController {
    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        for rs in 0..store.replica_sets.len() {
            let is_active = |p: usize| store.pods[p].rs == rs && store.pods[p].active();
            let have = (0..store.pods.len()).filter(|&p| is_active(p)).count();
            let spec = store.replica_sets[rs].replicas;
            match manage_replicas(have, spec) {
                ReplicaDiff::Create(n) => {
                    let n = n.min(BURST_REPLICAS);
                    let mut names = Vec::with_capacity(n);
                    for _ in 0..n {
                        let p = store.new_pod(rs, now);
                        names.push(store.pods[p].name.clone());
                    }
                    let replica_set = store.replica_sets[rs].name.clone();
                    model.log_event(EventKind::ReplicaSetCreating { replica_set, have, want: spec, pods: names });
                }
                ReplicaDiff::Delete(n) => {
                    let active: Vec<usize> = (0..store.pods.len()).filter(|&p| is_active(p)).collect();
                    let candidates: Vec<DeletionCandidate> = active
                        .iter()
                        .map(|&p| {
                            let pod = &store.pods[p];
                            DeletionCandidate {
                                name: pod.name.clone(),
                                node: pod.node.map(|n| store.nodes[n].name.clone()),
                                phase: pod.kube_phase(),
                                ready: pod.ready(),
                                ready_since: pod.ready_since.map(ms),
                                deletion_cost: 0,
                                restarts: pod.restarts as i32,
                                created: ms(pod.created),
                            }
                        })
                        .collect();
                    let chosen: Vec<usize> = pods_to_delete(&candidates, n).into_iter().map(|i| active[i]).collect();
                    let names: Vec<String> = chosen.iter().map(|&p| store.pods[p].name.clone()).collect();
                    let replica_set = store.replica_sets[rs].name.clone();
                    model.log_event(EventKind::ReplicaSetDeleting { replica_set, have, want: spec, pods: names });
                    for p in chosen {
                        store.terminate(model, p);
                    }
                }
                ReplicaDiff::None => {}
            }
        }
    }
}
