//! Nodes joining (provisioned), dying (faults), being marked NotReady by the node controller
//! after its grace period, their pods evicted after the toleration, and drained nodes removed.

use super::Store;
use super::objects::NodeState;
use crate::event_log::say;
use crate::fault::Fault;
use crate::kernel::SimTime;
use crate::port::Dataplane;

/// The node lifecycle controller (and the cloud that fails machines).
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
        let (what, what_ko) = match &fault {
            Fault::LoseZone(z) => (format!("zone {z:?}"), format!("영역 {z}")),
            Fault::KillNode(Some(n)) => (format!("node {n}"), format!("노드 {n}")),
            _ => ("a node".to_string(), "노드 한 대".to_string()),
        };
        let (cause, cause_ko) = match &fault {
            Fault::LoseZone(z) => (format!(" (zone {z} lost)"), format!(" (영역 {z} 손실)")),
            _ => (String::new(), String::new()),
        };
        if targets.is_empty() {
            model.log_event(
                "fault",
                say(format!("fault: lose {what}: no running node matches"), format!("장애: {what_ko}: 해당하는 실행 중인 노드가 없습니다")),
            );
            return;
        }
        for n in targets {
            store.nodes[n].state = NodeState::Failed;
            store.nodes[n].failed_at = Some(now);
            let on_node: Vec<usize> = (0..store.pods.len()).filter(|&p| store.pods[p].node == Some(n) && !store.pods[p].gone()).collect();
            let names: Vec<String> = on_node.iter().map(|&p| store.pods[p].name.clone()).collect();
            let (node, count, list) = (&store.nodes[n].name, names.len(), names.join(", "));
            model.log_event(
                "fault",
                say(
                    format!("fault: node {node} is down{cause}; its {count} pods stop answering but stay endpoints until the node is marked NotReady: {list}"),
                    format!("장애: 노드 {node} 다운{cause_ko}; 파드 {count}개가 응답하지 않지만 노드가 NotReady가 될 때까지 엔드포인트에 남습니다: {list}"),
                ),
            );
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
                    let name = &store.nodes[n].name;
                    model.log_event(
                        "node",
                        say(
                            format!("node {name} joined the cluster and is Ready"),
                            format!("노드 {name}이(가) 클러스터에 합류해 Ready 상태입니다"),
                        ),
                    );
                }
                NodeState::Failed => {
                    let failed = node.failed_at.unwrap_or(now);
                    if !node.marked_not_ready && now >= failed.saturating_add(grace) {
                        store.nodes[n].marked_not_ready = true;
                        let (name, g, e) = (&store.nodes[n].name, grace.as_secs_f64(), eviction.as_secs_f64());
                        model.log_event(
                            "node",
                            say(
                                format!("node controller: {name} NotReady (no heartbeat for {g} s); its pods leave the endpoints, and are evicted after {e} s"),
                                format!("노드 컨트롤러: {name} NotReady ({g}초 동안 하트비트 없음); 그 위 파드는 엔드포인트에서 빠지고 {e}초 뒤 축출됩니다"),
                            ),
                        );
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
                            let (count, node, list) = (names.len(), &store.nodes[n].name, names.join(", "));
                            model.log_event(
                                "node",
                                say(
                                    format!("node controller: evicting {count} pods from {node}: {list}"),
                                    format!("노드 컨트롤러: {node}에서 파드 {count}개 축출: {list}"),
                                ),
                            );
                            for p in evicted {
                                store.terminate(model, p);
                            }
                        }
                    }
                }
                NodeState::Draining if !store.pods.iter().any(|p| p.node == Some(n) && !p.gone()) => {
                    store.nodes[n].state = NodeState::Removed;
                    let name = &store.nodes[n].name;
                    model.log_event(
                        "cluster_autoscaler",
                        say(
                            format!("cluster-autoscaler: node {name} drained and deleted"),
                            format!("클러스터 오토스케일러: 노드 {name}을(를) 비우고 삭제했습니다"),
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}
