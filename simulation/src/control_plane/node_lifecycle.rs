//! Nodes joining (provisioned), dying (faults), being marked NotReady by the node controller
//! after its grace period, their pods evicted after the toleration, and drained nodes removed.

use super::ControlPlane;
use super::objects::NodeState;
use crate::kernel::SimTime;
use crate::simulation::{Fault, Model};

impl ControlPlane {
    pub(super) fn apply_fault(&mut self, model: &mut Model, fault: Fault, now: SimTime) {
        let targets: Vec<usize> = match &fault {
            Fault::KillNode(name) => {
                let pick = match name {
                    Some(n) => self.nodes.iter().position(|x| &x.name == n && x.alive()),
                    None => self.nodes.iter().position(|x| x.state == NodeState::Ready),
                };
                pick.into_iter().collect()
            }
            Fault::LoseZone(zone) => (0..self.nodes.len()).filter(|&n| &self.nodes[n].zone == zone && self.nodes[n].alive()).collect(),
            _ => Vec::new(),
        };
        let what = match &fault {
            Fault::LoseZone(z) => format!("zone {z:?}"),
            Fault::KillNode(Some(n)) => format!("node {n}"),
            _ => "a node".to_string(),
        };
        let cause = match &fault {
            Fault::LoseZone(z) => format!(" (zone {z} lost)"),
            _ => String::new(),
        };
        if targets.is_empty() {
            model.log_event("fault", format!("fault: lose {what}: no running node matches"));
            return;
        }
        for n in targets {
            self.nodes[n].state = NodeState::Failed;
            self.nodes[n].failed_at = Some(now);
            let on_node: Vec<usize> = (0..self.pods.len()).filter(|&p| self.pods[p].node == Some(n) && !self.pods[p].gone).collect();
            let names: Vec<String> = on_node.iter().map(|&p| self.pods[p].name.clone()).collect();
            model.log_event(
                "fault",
                format!(
                    "fault: node {} is down{cause}; its {} pods stop answering but stay endpoints until the node is marked NotReady: {}",
                    self.nodes[n].name,
                    names.len(),
                    names.join(", ")
                ),
            );
            for p in on_node {
                if let Some(id) = self.pods[p].model {
                    model.make_unreachable(id);
                }
            }
        }
    }

    pub(super) fn node_lifecycle(&mut self, model: &mut Model, now: SimTime) {
        let Some(c) = &self.cluster else { return };
        let grace = SimTime::from_secs_f64(c.node_monitor_grace_s);
        let eviction = SimTime::from_secs_f64(c.pod_eviction_s);
        for n in 0..self.nodes.len() {
            let node = &self.nodes[n];
            match node.state {
                NodeState::Provisioning if now >= node.ready_at => {
                    self.nodes[n].state = NodeState::Ready;
                    model.log_event("node", format!("node {} joined the cluster and is Ready", self.nodes[n].name));
                }
                NodeState::Failed => {
                    let failed = node.failed_at.unwrap_or(now);
                    if !node.marked_not_ready && now >= failed.saturating_add(grace) {
                        self.nodes[n].marked_not_ready = true;
                        // Its pods' Ready condition goes False: they leave the endpoints.
                        let on_node: Vec<usize> =
                            (0..self.pods.len()).filter(|&p| self.pods[p].node == Some(n) && !self.pods[p].gone).collect();
                        for p in on_node {
                            self.kill_container(model, p);
                        }
                        model.log_event(
                            "node",
                            format!(
                                "node controller: {} NotReady (no heartbeat for {} s); its pods leave the endpoints, and are evicted after {} s",
                                self.nodes[n].name,
                                grace.as_secs_f64(),
                                eviction.as_secs_f64()
                            ),
                        );
                    }
                    if self.nodes[n].marked_not_ready && now >= failed.saturating_add(grace).saturating_add(eviction) {
                        let evicted: Vec<usize> =
                            (0..self.pods.len()).filter(|&p| self.pods[p].node == Some(n) && !self.pods[p].gone).collect();
                        if !evicted.is_empty() {
                            let names: Vec<String> = evicted.iter().map(|&p| self.pods[p].name.clone()).collect();
                            model.log_event(
                                "node",
                                format!("node controller: evicting {} pods from {}: {}", names.len(), self.nodes[n].name, names.join(", ")),
                            );
                            for p in evicted {
                                self.terminate(model, p);
                            }
                        }
                    }
                }
                NodeState::Draining if !self.pods.iter().any(|p| p.node == Some(n) && !p.gone) => {
                    self.nodes[n].state = NodeState::Removed;
                    model.log_event("cluster_autoscaler", format!("cluster-autoscaler: node {} drained and deleted", self.nodes[n].name));
                }
                _ => {}
            }
        }
    }
}
