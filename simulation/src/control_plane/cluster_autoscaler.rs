//! The Cluster Autoscaler loop: every scan interval, snapshot the node groups, nodes and
//! unschedulable pods, let `kube::cluster_autoscaler::step_with` decide, then request nodes
//! (Ready after the group's provisioning delay) or drain and delete unneeded ones.

use super::objects::{NodeState, ms};
use super::{MIB, Store};
use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::kube::cluster_autoscaler::{CaAction, CaConfig, CaNode, Capacity, ClusterSnapshot, Expander, NodeGroup, PodRequest, step_with};
use crate::kube::{SECOND, TimeMs};
use crate::port::Dataplane;
use crate::rng::RngStream;
use crate::scenario::cluster::ExpanderSpec;
use crate::scenario::{ClusterAutoscalerSpec, ClusterSpec};
use std::collections::BTreeMap;

/// A node group as the autoscaler sizes it (its template read once from the scenario).
#[derive(Clone)]
struct Group {
    name: String,
    node_type: String,
    min_size: i32,
    max_size: i32,
    template: Capacity,
    price_per_hour: f64,
    provision_s: f64,
}

#[derive(Clone)]
pub struct Autoscaler {
    groups: Vec<Group>,
    config: CaConfig,
    expander: Expander,
    scan: SimTime,
    next_scan: SimTime,
    last_scale_up: Option<TimeMs>,
    unneeded_since: BTreeMap<String, TimeMs>,
    rng: RngStream,
}

impl Autoscaler {
    pub fn new(ca: &ClusterAutoscalerSpec, cluster: &ClusterSpec, seed: u64) -> Self {
        let s = |x: f64| (x * SECOND as f64) as TimeMs;
        let groups = cluster
            .node_groups
            .iter()
            .map(|spec| {
                let t = cluster.node_type(&spec.node_type).expect("validated node type");
                Group {
                    name: spec.name.clone(),
                    node_type: spec.node_type.clone(),
                    min_size: spec.min.unwrap_or(spec.nodes) as i32,
                    max_size: spec.max.unwrap_or(spec.nodes) as i32,
                    template: Capacity { cpu_m: t.cpu_m as i64, memory: t.memory_mi as i64 * MIB, pods: t.max_pods as i64 },
                    price_per_hour: t.price_per_hour,
                    provision_s: spec.provision_s,
                }
            })
            .collect();
        Autoscaler {
            groups,
            config: CaConfig {
                scale_down_unneeded_time: s(ca.scale_down_unneeded_s),
                scale_down_delay_after_add: s(ca.scale_down_delay_after_add_s),
                scale_down_utilization_threshold: ca.scale_down_utilization_threshold,
                ..CaConfig::default()
            },
            expander: match ca.expander {
                ExpanderSpec::Random => Expander::Random,
                ExpanderSpec::MostPods => Expander::MostPods,
                ExpanderSpec::LeastWaste => Expander::LeastWaste,
                ExpanderSpec::LeastNodes => Expander::LeastNodes,
                ExpanderSpec::Price => Expander::Price,
            },
            scan: SimTime::from_secs_f64(ca.scan_interval_s),
            next_scan: SimTime::ZERO,
            last_scale_up: None,
            unneeded_since: BTreeMap::new(),
            rng: RngStream::new(seed, "cluster-autoscaler/expander"),
        }
    }

    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        if now < self.next_scan {
            return;
        }
        self.next_scan = now.saturating_add(self.scan);
        let request = PodRequest { cpu_m: store.template.cpu_m, memory: store.template.memory };
        let groups: Vec<NodeGroup> = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| NodeGroup {
                name: group.name.clone(),
                min_size: group.min_size,
                max_size: group.max_size,
                target_size: store.nodes.iter().filter(|n| n.group == g && n.billed()).count() as i32,
                template: group.template,
                price_per_hour: group.price_per_hour,
            })
            .collect();
        let nodes: Vec<CaNode> = (0..store.nodes.len())
            .filter(|&n| matches!(store.nodes[n].state, NodeState::Ready | NodeState::Failed))
            .map(|n| {
                let node = &store.nodes[n];
                CaNode {
                    name: node.name.clone(),
                    group: self.groups[node.group].name.clone(),
                    allocatable: Capacity { cpu_m: node.cpu_m, memory: node.memory, pods: node.max_pods as i64 },
                    pods: store.pods.iter().filter(|p| p.node == Some(n) && !p.gone()).map(|_| request).collect(),
                    ready: node.api_ready(),
                    has_blocking_pod: false,
                    scale_down_disabled: false,
                }
            })
            .collect();
        // Pods that will fit on nodes already being provisioned do not ask for more nodes.
        let mut upcoming_room: i64 = store
            .nodes
            .iter()
            .filter(|n| n.state == NodeState::Provisioning)
            .map(|n| (n.cpu_m / request.cpu_m.max(1)).min(n.memory / request.memory.max(1)).min(n.max_pods as i64))
            .sum();
        let unschedulable: Vec<PodRequest> = store
            .pods
            .iter()
            .filter(|p| p.pending() && p.unschedulable.is_some())
            .filter(|_| {
                if upcoming_room > 0 {
                    upcoming_room -= 1;
                    false
                } else {
                    true
                }
            })
            .map(|_| request)
            .collect();
        let snapshot = ClusterSnapshot {
            now: ms(now),
            groups,
            nodes,
            unschedulable: unschedulable.clone(),
            last_scale_up: self.last_scale_up,
            last_scale_down_failure: None,
            unneeded_since: std::mem::take(&mut self.unneeded_since),
        };
        let step = step_with(&snapshot, &self.config, self.expander, self.rng.next_u64() as usize);
        self.unneeded_since = step.unneeded_since;
        match step.action {
            CaAction::ScaleUp { group, delta } => {
                let Some(g) = self.groups.iter().position(|x| x.name == group) else { return };
                let spec = &self.groups[g];
                let ready_at = now.saturating_add(SimTime::from_secs_f64(spec.provision_s));
                let mut added = Vec::new();
                for _ in 0..delta {
                    let n = store.add_node(g, ready_at, NodeState::Provisioning);
                    added.push(store.nodes[n].name.clone());
                }
                self.last_scale_up = Some(ms(now));
                let (n, ty, s) = (unschedulable.len(), spec.node_type.clone(), spec.provision_s);
                model.log_event(EventKind::NodesAdded {
                    unschedulable: n,
                    count: delta,
                    node_type: ty,
                    group,
                    nodes: added,
                    ready_in_s: s,
                });
            }
            CaAction::ScaleDown { nodes } => {
                for name in nodes {
                    let Some(n) = store.nodes.iter().position(|x| x.name == name) else { continue };
                    let on: Vec<usize> =
                        (0..store.pods.len()).filter(|&p| store.pods[p].node == Some(n) && !store.pods[p].gone()).collect();
                    store.nodes[n].state = NodeState::Draining;
                    let (t, pct, n) =
                        (self.config.scale_down_unneeded_time / SECOND, self.config.scale_down_utilization_threshold * 100.0, on.len());
                    model.log_event(EventKind::NodeDraining { node: name, unneeded_s: t, threshold_percent: pct, pods: n });
                    for p in on {
                        store.terminate(model, p);
                    }
                }
            }
            CaAction::None => {}
        }
    }
}
