//! kube-scheduler's loop: every Pending pod, oldest first, goes through filter and score
//! (`kube::scheduler`); the pods that fit nowhere stay Pending with the reason.

use super::Store;
use super::objects::{NodeState, PodPhase};
use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::kube::scheduler::{ContainerRequest, PodRequests, schedule};
use crate::port::Dataplane;
use crate::rng::RngStream;

/// kube-scheduler, with its seeded tie-breaker.
#[derive(Clone)]
pub struct Scheduler {
    tie_rng: RngStream,
}

impl Scheduler {
    pub fn new(seed: u64) -> Self {
        Scheduler { tie_rng: RngStream::new(seed, "scheduler/ties") }
    }

    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        if !store.pods.iter().any(|p| p.pending()) {
            return;
        }
        let mut newly_unschedulable: Vec<(String, String)> = Vec::new();
        // Work per tick stays (binds + 1) × nodes: counts are kept as pods bind, and since every
        // pod requests the same, once one fits nowhere the rest fit nowhere for the same reason.
        let mut counts = store.pods_per_node();
        let mut fits_nowhere: Option<String> = None;
        for p in 0..store.pods.len() {
            if !store.pods[p].pending() {
                continue;
            }
            if store.template.cluster.is_none() {
                Self::bind(store, p, None, now);
                continue;
            }
            let choice = self.tie_rng.next_u64() as usize;
            let outcome = match fits_nowhere.clone() {
                Some(reason) => Err(reason),
                None => {
                    let candidates: Vec<usize> = (0..store.nodes.len()).filter(|&n| store.nodes[n].api_ready()).collect();
                    let infos: Vec<_> = candidates.iter().map(|&n| store.node_info(n, counts[n])).collect();
                    let request = PodRequests {
                        containers: vec![ContainerRequest { cpu_m: Some(store.template.cpu_m), memory: Some(store.template.memory) }],
                        init_containers: vec![],
                        overhead: ContainerRequest::default(),
                    };
                    schedule(&request, &infos, Some(choice))
                        .map(|name| candidates.iter().copied().find(|&n| store.nodes[n].name == name))
                        .inspect_err(|reason| fits_nowhere = Some(reason.clone()))
                }
            };
            match outcome {
                Ok(n) => {
                    if let Some(n) = n {
                        counts[n] += 1;
                    }
                    Self::bind(store, p, n, now);
                }
                Err(reason) => {
                    if store.pods[p].unschedulable.as_deref() != Some(reason.as_str()) {
                        newly_unschedulable.push((store.pods[p].name.clone(), reason.clone()));
                    }
                    store.pods[p].unschedulable = Some(reason);
                }
            }
        }
        // One line per reason, naming the pods: the log stays readable with many replicas.
        let newly_unschedulable = crate::kube::stable_sorted(newly_unschedulable, &|a, b| a.1.cmp(&b.1));
        for chunk in newly_unschedulable.chunk_by(|a, b| a.1 == b.1) {
            let pods: Vec<String> = chunk.iter().map(|(n, _)| n.clone()).collect();
            // kube::scheduler words it "0/3 nodes available: insufficient cpu".
            let (why, cpu_m, memory_mi) = (chunk[0].1.clone(), store.template.cpu_m, store.template.memory / super::MIB);
            model.log_event(EventKind::PodsPending { pods, why, cpu_m, memory_mi });
        }
    }

    /// Binds pod `p` to node `n` (or to the unlimited cluster) and plans its start.
    fn bind(store: &mut Store, p: usize, n: Option<usize>, now: SimTime) {
        let startup = store.startup_of(store.pods[p].version);
        let pod = &mut store.pods[p];
        pod.phase = PodPhase::Starting;
        pod.scheduled_at = now;
        pod.node = n;
        pod.unschedulable = None;
        pod.container_start = now;
        pod.ready_at = store.template.readiness.first_success(now, startup);
        debug_assert!(n.is_none_or(|n| store.nodes[n].state != NodeState::Removed));
    }
}
