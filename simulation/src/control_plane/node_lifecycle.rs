//! Nodes joining (provisioned), dying (faults), being marked NotReady by the node controller
//! after its grace period, their pods evicted after the toleration, and drained nodes removed.

use super::Store;
use super::objects::NodeState;
use crate::event_log::{EventKind, NodeTarget};
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::port::Dataplane;

/// The node lifecycle controller (and the cloud that fails machines).
#[derive(Clone)]
pub struct NodeLifecycle;

impl NodeLifecycle {
    pub fn apply_fault(&mut self, store: &mut Store, model: &mut dyn Dataplane, fault: Fault, now: SimTime) {
        let targets: Vec<usize> = match &fault {
            Fault::KillNode(name) => {
                let pick = match name {
                    Some(n) => store.nodes.iter().position(|x| &x.name == n && x.alive()),
                    None => store.nodes.iter().position(|x| x.state == NodeState::Ready),
                };
                pick.into_iter().collect()
            }
            Fault::LoseZone(zone) => (0..store.nodes.len()).filter(|&n| &store.nodes[n].zone == zone && store.nodes[n].alive()).collect(),
            _ => Vec::new(),
        };
        let target = match &fault {
            Fault::LoseZone(z) => NodeTarget::Zone(z.clone()),
            Fault::KillNode(Some(n)) => NodeTarget::Node(n.clone()),
            _ => NodeTarget::AnyNode,
        };
        let zone = match &fault {
            Fault::LoseZone(z) => Some(z.clone()),
            _ => None,
        };
        if targets.is_empty() {
            model.log_event(EventKind::NodeFaultMissed { target });
            return;
        }
        for n in targets {
            store.nodes[n].state = NodeState::Failed;
            store.nodes[n].failed_at = Some(now);
            let on_node: Vec<usize> = (0..store.pods.len()).filter(|&p| store.pods[p].node == Some(n) && !store.pods[p].gone()).collect();
            let names: Vec<String> = on_node.iter().map(|&p| store.pods[p].name.clone()).collect();
            model.log_event(EventKind::NodeDown { node: store.nodes[n].name.clone(), zone: zone.clone(), pods: names });
            for p in on_node {
                if let Some(id) = store.pods[p].model {
                    model.make_unreachable(id);
                }
            }
        }
    }

    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        let Some(c) = &store.template.cluster else { return };
        let grace = SimTime::from_secs_f64(c.node_monitor_grace_s);
        let eviction = SimTime::from_secs_f64(c.pod_eviction_s);
        for n in 0..store.nodes.len() {
            let node = &store.nodes[n];
            match node.state {
                NodeState::Provisioning if now >= node.ready_at => {
                    store.nodes[n].state = NodeState::Ready;
                    model.log_event(EventKind::NodeJoined { node: store.nodes[n].name.clone() });
                }
                NodeState::Failed => {
                    let failed = node.failed_at.unwrap_or(now);
                    if !node.marked_not_ready && now >= failed.saturating_add(grace) {
                        store.nodes[n].marked_not_ready = true;
                        let (node, grace_s, eviction_s) = (store.nodes[n].name.clone(), grace.as_secs_f64(), eviction.as_secs_f64());
                        model.log_event(EventKind::NodeNotReady { node, grace_s, eviction_s });
                        // Its pods' Ready condition goes False: they leave the endpoints.
                        let on_node: Vec<usize> =
                            (0..store.pods.len()).filter(|&p| store.pods[p].node == Some(n) && !store.pods[p].gone()).collect();
                        for p in on_node {
                            store.kill_container(model, p);
                        }
                    }
                    if store.nodes[n].marked_not_ready && now >= failed.saturating_add(grace).saturating_add(eviction) {
                        let evicted: Vec<usize> =
                            (0..store.pods.len()).filter(|&p| store.pods[p].node == Some(n) && !store.pods[p].gone()).collect();
                        if !evicted.is_empty() {
                            let names: Vec<String> = evicted.iter().map(|&p| store.pods[p].name.clone()).collect();
                            model.log_event(EventKind::NodeEvicting { node: store.nodes[n].name.clone(), pods: names });
                            for p in evicted {
                                store.terminate(model, p);
                            }
                        }
                    }
                }
                NodeState::Draining if !store.pods.iter().any(|p| p.node == Some(n) && !p.gone()) => {
                    store.nodes[n].state = NodeState::Removed;
                    model.log_event(EventKind::NodeRemoved { node: store.nodes[n].name.clone() });
                }
                _ => {}
            }
        }
    }
}
