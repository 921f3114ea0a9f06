//! kube-scheduler's loop: every Pending pod, oldest first, goes through filter and score
//! (`kube::scheduler`); the pods that fit nowhere stay Pending with the reason.

use super::objects::NodeState;
use super::{ControlPlane, node_info, pods_per_node};
use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::kube::scheduler::{ContainerRequest, PodRequests, schedule};
use crate::simulation::Model;

impl ControlPlane {
    pub(super) fn schedule_pending(&mut self, model: &mut Model, now: SimTime) {
        let mut newly_unschedulable: Vec<(String, String)> = Vec::new();
        // Work per tick stays (binds + 1) × nodes: counts are kept as pods bind, and since every
        // pod requests the same, once one fits nowhere the rest fit nowhere for the same reason.
        let mut counts = pods_per_node(self);
        let mut fits_nowhere: Option<String> = None;
        for p in 0..self.pods.len() {
            if !self.pods[p].pending() {
                continue;
            }
            if self.cluster.is_none() {
                self.bind(p, None, now);
                continue;
            }
            let choice = self.tie_rng.next_u64() as usize;
            let outcome = match fits_nowhere.clone() {
                Some(reason) => Err(reason),
                None => {
                    let candidates: Vec<usize> = (0..self.nodes.len()).filter(|&n| self.nodes[n].api_ready()).collect();
                    let infos: Vec<_> = candidates.iter().map(|&n| node_info(self, n, counts[n])).collect();
                    let request = PodRequests {
                        containers: vec![ContainerRequest { cpu_m: Some(self.pod_cpu_m), memory: Some(self.pod_memory) }],
                        init_containers: vec![],
                        overhead: ContainerRequest::default(),
                    };
                    schedule(&request, &infos, Some(choice))
                        .map(|name| candidates.iter().copied().find(|&n| self.nodes[n].name == name))
                        .inspect_err(|reason| fits_nowhere = Some(reason.clone()))
                }
            };
            match outcome {
                Ok(n) => {
                    if let Some(n) = n {
                        counts[n] += 1;
                    }
                    self.bind(p, n, now);
                }
                Err(reason) => {
                    if self.pods[p].unschedulable.as_deref() != Some(reason.as_str()) {
                        newly_unschedulable.push((self.pods[p].name.clone(), reason.clone()));
                    }
                    self.pods[p].unschedulable = Some(reason);
                }
            }
        }
        // One line per reason, naming the pods: the log stays readable with many replicas.
        newly_unschedulable.sort_by(|a, b| a.1.cmp(&b.1));
        for chunk in newly_unschedulable.chunk_by(|a, b| a.1 == b.1) {
            let pods: Vec<String> = chunk.iter().map(|(n, _)| n.clone()).collect();
            // kube::scheduler words it "0/3 nodes available: insufficient cpu".
            let (why, cpu_m, memory_mi) = (chunk[0].1.clone(), self.pod_cpu_m, self.pod_memory / super::MIB);
            model.log_event(EventKind::PodsPending { pods, why, cpu_m, memory_mi });
        }
    }

    /// Binds pod `p` to node `n` (or to the unlimited cluster) and plans its start.
    fn bind(&mut self, p: usize, n: Option<usize>, now: SimTime) {
        let startup = self.startup_of(self.pods[p].version);
        let pod = &mut self.pods[p];
        pod.scheduled = true;
        pod.scheduled_at = now;
        pod.node = n;
        pod.unschedulable = None;
        pod.container_start = now;
        pod.ready_at = self.readiness.first_success(now, startup);
        debug_assert!(n.is_none_or(|n| self.nodes[n].state != NodeState::Removed));
    }
}
