//! Cluster Autoscaler (kubernetes/autoscaler `cluster-autoscaler`, FAQ and
//! `config/flags/flags.go`): scale-up estimate and expanders, unneeded nodes,
//! and one pure loop step over a cluster snapshot.

use std::collections::BTreeMap;

use super::{SECOND, TimeMs};

pub const SCAN_INTERVAL: TimeMs = 10 * SECOND;
pub const SCALE_DOWN_UNNEEDED_TIME: TimeMs = 600 * SECOND;
pub const SCALE_DOWN_UNREADY_TIME: TimeMs = 1200 * SECOND;
pub const SCALE_DOWN_DELAY_AFTER_ADD: TimeMs = 600 * SECOND;
pub const SCALE_DOWN_DELAY_AFTER_DELETE: TimeMs = 0;
pub const SCALE_DOWN_DELAY_AFTER_FAILURE: TimeMs = 180 * SECOND;
pub const SCALE_DOWN_UTILIZATION_THRESHOLD: f64 = 0.5;
pub const MAX_NODE_PROVISION_TIME: TimeMs = 900 * SECOND;
pub const INITIAL_NODE_GROUP_BACKOFF: TimeMs = 300 * SECOND;
pub const MAX_NODE_GROUP_BACKOFF: TimeMs = 1800 * SECOND;
pub const MAX_EMPTY_BULK_DELETE: usize = 10;
pub const MAX_NODES_PER_SCALE_UP: i32 = 1000;
pub const NODE_DELETE_DELAY_AFTER_TAINT: TimeMs = 5 * SECOND;

/// The flags a scenario may tune (`--scale-down-*`); defaults are upstream's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaConfig {
    pub scale_down_unneeded_time: TimeMs,
    pub scale_down_unready_time: TimeMs,
    pub scale_down_delay_after_add: TimeMs,
    pub scale_down_delay_after_failure: TimeMs,
    pub scale_down_utilization_threshold: f64,
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            scale_down_unneeded_time: SCALE_DOWN_UNNEEDED_TIME,
            scale_down_unready_time: SCALE_DOWN_UNREADY_TIME,
            scale_down_delay_after_add: SCALE_DOWN_DELAY_AFTER_ADD,
            scale_down_delay_after_failure: SCALE_DOWN_DELAY_AFTER_FAILURE,
            scale_down_utilization_threshold: SCALE_DOWN_UTILIZATION_THRESHOLD,
        }
    }
}

/// cpu (millicores) and memory (bytes) requests or capacity; `pods` = slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Capacity {
    pub cpu_m: i64,
    pub memory: i64,
    pub pods: i64,
}

/// A pod's requests as CA's predicates see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PodRequest {
    pub cpu_m: i64,
    pub memory: i64,
}

fn fits(free: &Capacity, p: &PodRequest) -> bool {
    free.pods >= 1 && free.cpu_m >= p.cpu_m && free.memory >= p.memory
}

fn take(free: &mut Capacity, p: &PodRequest) {
    free.cpu_m -= p.cpu_m;
    free.memory -= p.memory;
    free.pods -= 1;
}

/// A node group (template node, size limits, price per node-hour).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    pub name: String,
    pub min_size: i32,
    pub max_size: i32,
    pub target_size: i32,
    pub template: Capacity,
    pub price_per_hour: f64,
}

/// One scale-up option (`expander.Option`).
#[derive(Clone, Debug, PartialEq)]
pub struct ExpansionOption {
    pub group: String,
    pub node_count: i32,
    /// Indices of the pending pods it would schedule.
    pub pods: Vec<usize>,
    pub template: Capacity,
    pub price_per_hour: f64,
}

/// `binpacking` estimator: first-fit of the pending pods onto new template
/// nodes, biggest pods first, at most `max_new_nodes` nodes.
pub fn estimate(pending: &[PodRequest], template: &Capacity, max_new_nodes: i32) -> (i32, Vec<usize>) {
    // Score like upstream's estimator: share of the template's cpu + memory.
    let share = |p: &PodRequest| {
        let c = if template.cpu_m > 0 { p.cpu_m as f64 / template.cpu_m as f64 } else { 0.0 };
        let m = if template.memory > 0 { p.memory as f64 / template.memory as f64 } else { 0.0 };
        c + m
    };
    let order = super::stable_order(pending.len(), &|a, b| share(&pending[b]).total_cmp(&share(&pending[a])));
    let mut nodes: Vec<Capacity> = vec![];
    let mut scheduled = vec![];
    for i in order {
        let p = &pending[i];
        if let Some(n) = nodes.iter_mut().find(|n| fits(n, p)) {
            take(n, p);
            scheduled.push(i);
        } else if (nodes.len() as i32) < max_new_nodes && fits(template, p) {
            let mut n = *template;
            take(&mut n, p);
            nodes.push(n);
            scheduled.push(i);
        }
    }
    scheduled.sort_unstable();
    (nodes.len() as i32, scheduled)
}

/// Options for every group that can help, within group max and the per-scale-up cap.
pub fn expansion_options(pending: &[PodRequest], groups: &[NodeGroup]) -> Vec<ExpansionOption> {
    groups
        .iter()
        .filter_map(|g| {
            let room = (g.max_size - g.target_size).min(MAX_NODES_PER_SCALE_UP);
            let (node_count, pods) = estimate(pending, &g.template, room);
            (node_count > 0).then(|| ExpansionOption {
                group: g.name.clone(),
                node_count,
                pods,
                template: g.template,
                price_per_hour: g.price_per_hour,
            })
        })
        .collect()
}

/// `--expander`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expander {
    /// Ties and choice come from the caller's `choice`.
    Random,
    MostPods,
    /// Default since PR #7631.
    LeastWaste,
    LeastNodes,
    /// Simplified: lowest node-hour cost per scheduled pod.
    Price,
}

fn requested(pending: &[PodRequest], o: &ExpansionOption) -> (i64, i64) {
    o.pods.iter().fold((0, 0), |(c, m), &i| (c + pending[i].cpu_m, m + pending[i].memory))
}

/// Lower is better for every expander.
fn expander_key(e: Expander, pending: &[PodRequest], o: &ExpansionOption) -> f64 {
    match e {
        Expander::Random => 0.0,
        Expander::MostPods => -(o.pods.len() as f64),
        Expander::LeastNodes => f64::from(o.node_count),
        Expander::LeastWaste => {
            // leastwaste: idle cpu fraction + idle memory fraction after scale-up.
            let (cpu, mem) = requested(pending, o);
            let avail_cpu = o.template.cpu_m * i64::from(o.node_count);
            let avail_mem = o.template.memory * i64::from(o.node_count);
            let frac = |avail: i64, req: i64| if avail > 0 { (avail - req) as f64 / avail as f64 } else { 0.0 };
            frac(avail_cpu, cpu) + frac(avail_mem, mem)
        }
        Expander::Price => o.price_per_hour * f64::from(o.node_count) / o.pods.len().max(1) as f64,
    }
}

/// Pick an option: the best by the expander, remaining ties by `choice`
/// (the engine's seeded random index, taken modulo the tie count).
pub fn choose_option(e: Expander, pending: &[PodRequest], options: &[ExpansionOption], choice: usize) -> Option<usize> {
    let keys: Vec<f64> = options.iter().map(|o| expander_key(e, pending, o)).collect();
    let best = keys.iter().copied().fold(f64::INFINITY, f64::min);
    let tied: Vec<usize> = (0..options.len()).filter(|&i| keys[i] == best).collect();
    (!tied.is_empty()).then(|| tied[choice % tied.len()])
}

/// A node in the snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct CaNode {
    pub name: String,
    pub group: String,
    pub allocatable: Capacity,
    pub pods: Vec<PodRequest>,
    pub ready: bool,
    /// A pod that cannot move (PDB, bare pod, local storage, safe-to-evict false, …).
    pub has_blocking_pod: bool,
    /// `cluster-autoscaler.kubernetes.io/scale-down-disabled`.
    pub scale_down_disabled: bool,
}

impl CaNode {
    fn used(&self) -> PodRequest {
        self.pods.iter().fold(PodRequest::default(), |a, p| PodRequest { cpu_m: a.cpu_m + p.cpu_m, memory: a.memory + p.memory })
    }

    fn free(&self) -> Capacity {
        let u = self.used();
        Capacity {
            cpu_m: self.allocatable.cpu_m - u.cpu_m,
            memory: self.allocatable.memory - u.memory,
            pods: self.allocatable.pods - self.pods.len() as i64,
        }
    }
}

/// `max(cpu requests / alloc, memory requests / alloc)`.
pub fn node_utilization(n: &CaNode) -> f64 {
    let u = n.used();
    let f = |used: i64, alloc: i64| if alloc > 0 { used as f64 / alloc as f64 } else { 0.0 };
    f(u.cpu_m, n.allocatable.cpu_m).max(f(u.memory, n.allocatable.memory))
}

/// Unneeded test: below the threshold and every pod fits on the other nodes
/// (first fit, cumulative). `removing` are names already planned for removal.
pub fn is_unneeded(node: &CaNode, nodes: &[CaNode], removing: &[&str], threshold: f64) -> bool {
    if node.scale_down_disabled || node.has_blocking_pod || node_utilization(node) >= threshold {
        return false;
    }
    let mut free: Vec<Capacity> =
        nodes.iter().filter(|n| n.name != node.name && n.ready && !removing.contains(&n.name.as_str())).map(CaNode::free).collect();
    node.pods.iter().all(|p| match free.iter_mut().find(|f| fits(f, p)) {
        Some(f) => {
            take(f, p);
            true
        }
        None => false,
    })
}

/// Everything one CA loop reads.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterSnapshot {
    pub now: TimeMs,
    pub groups: Vec<NodeGroup>,
    pub nodes: Vec<CaNode>,
    /// Pods with PodScheduled=False/Unschedulable.
    pub unschedulable: Vec<PodRequest>,
    pub last_scale_up: Option<TimeMs>,
    pub last_scale_down_failure: Option<TimeMs>,
    /// When each node was first seen unneeded (the CA's memory).
    pub unneeded_since: BTreeMap<String, TimeMs>,
}

/// What the loop does.
#[derive(Clone, Debug, PartialEq)]
pub enum CaAction {
    ScaleUp {
        group: String,
        delta: i32,
    },
    /// Empty nodes are deleted in bulk; a non-empty node is drained alone.
    ScaleDown {
        nodes: Vec<String>,
    },
    None,
}

/// Result of [`step`]: the action and the updated unneeded map.
#[derive(Clone, Debug, PartialEq)]
pub struct CaStep {
    pub action: CaAction,
    pub unneeded_since: BTreeMap<String, TimeMs>,
}

/// One `RunOnce` with the default flags.
pub fn step(s: &ClusterSnapshot, expander: Expander, choice: usize) -> CaStep {
    step_with(s, &CaConfig::default(), expander, choice)
}

/// One `RunOnce`: scale-up first; scale-down only when no scale-up happened.
pub fn step_with(s: &ClusterSnapshot, c: &CaConfig, expander: Expander, choice: usize) -> CaStep {
    if !s.unschedulable.is_empty() {
        let options = expansion_options(&s.unschedulable, &s.groups);
        if let Some(i) = choose_option(expander, &s.unschedulable, &options, choice) {
            let o = &options[i];
            return CaStep {
                action: CaAction::ScaleUp { group: o.group.clone(), delta: o.node_count },
                unneeded_since: s.unneeded_since.clone(),
            };
        }
    }
    let mut size: BTreeMap<&str, i32> = s.groups.iter().map(|g| (g.name.as_str(), g.target_size)).collect();
    let min: BTreeMap<&str, i32> = s.groups.iter().map(|g| (g.name.as_str(), g.min_size)).collect();
    let mut unneeded = BTreeMap::new();
    for n in &s.nodes {
        if is_unneeded(n, &s.nodes, &[], c.scale_down_utilization_threshold) {
            unneeded.insert(n.name.clone(), s.unneeded_since.get(&n.name).copied().unwrap_or(s.now));
        }
    }
    let cooling = s.last_scale_up.is_some_and(|t| s.now - t < c.scale_down_delay_after_add)
        || s.last_scale_down_failure.is_some_and(|t| s.now - t < c.scale_down_delay_after_failure);
    let mut action = CaAction::None;
    if !cooling {
        let mut removing: Vec<&str> = vec![];
        let mut drain: Option<&str> = None;
        for n in &s.nodes {
            let Some(&since) = unneeded.get(&n.name) else { continue };
            let wait = if n.ready { c.scale_down_unneeded_time } else { c.scale_down_unready_time };
            let group_size = size.get(n.group.as_str()).copied().unwrap_or(0);
            if s.now - since < wait || group_size <= min.get(n.group.as_str()).copied().unwrap_or(0) {
                continue;
            }
            if n.pods.is_empty() && removing.len() < MAX_EMPTY_BULK_DELETE {
                removing.push(&n.name);
                size.insert(&n.group, group_size - 1);
            } else if drain.is_none() && !n.pods.is_empty() && is_unneeded(n, &s.nodes, &removing, c.scale_down_utilization_threshold) {
                drain = Some(&n.name);
            }
        }
        if !removing.is_empty() {
            action = CaAction::ScaleDown { nodes: removing.iter().map(|n| n.to_string()).collect() };
        } else if let Some(n) = drain {
            action = CaAction::ScaleDown { nodes: vec![n.to_string()] };
        }
    }
    CaStep { action, unneeded_since: unneeded }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: i64 = 1 << 30;

    fn group(name: &str, cpu: i64, mem: i64, size: i32, max: i32, price: f64) -> NodeGroup {
        NodeGroup {
            name: name.into(),
            min_size: 1,
            max_size: max,
            target_size: size,
            template: Capacity { cpu_m: cpu, memory: mem, pods: 110 },
            price_per_hour: price,
        }
    }

    fn node(name: &str, group: &str, pods: Vec<PodRequest>) -> CaNode {
        CaNode {
            name: name.into(),
            group: group.into(),
            allocatable: Capacity { cpu_m: 4000, memory: 16 * GI, pods: 110 },
            pods,
            ready: true,
            has_blocking_pod: false,
            scale_down_disabled: false,
        }
    }

    fn p(cpu: i64) -> PodRequest {
        PodRequest { cpu_m: cpu, memory: GI }
    }

    #[test]
    fn binpacking_estimate() {
        let t = Capacity { cpu_m: 4000, memory: 16 * GI, pods: 110 };
        assert_eq!(estimate(&[p(3000), p(3000), p(1000)], &t, 10), (2, vec![0, 1, 2]));
        assert_eq!(estimate(&[p(3000), p(3000)], &t, 1), (1, vec![0]));
        assert_eq!(estimate(&[p(5000)], &t, 10), (0, vec![]));
    }

    #[test]
    fn expanders_table() {
        let pending = [p(1000), p(1000), p(1000)];
        let groups = [group("big", 8000, 32 * GI, 1, 10, 4.0), group("small", 2000, 4 * GI, 1, 10, 0.5)];
        let opts = expansion_options(&pending, &groups);
        let pick = |e| choose_option(e, &pending, &opts, 0).map(|i| opts[i].group.clone());
        assert_eq!(pick(Expander::LeastNodes), Some("big".into()));
        assert_eq!(pick(Expander::LeastWaste), Some("small".into()));
        assert_eq!(pick(Expander::Price), Some("small".into()));
        assert_eq!(choose_option(Expander::MostPods, &pending, &opts, 1).map(|i| opts[i].group.clone()), Some("small".into()));
    }

    #[test]
    fn unneeded_needs_low_use_and_room_elsewhere() {
        let a = node("a", "g", vec![p(500)]);
        let b = node("b", "g", vec![p(3000)]);
        let nodes = [a.clone(), b.clone()];
        assert!(is_unneeded(&a, &nodes, &[], 0.5));
        assert!(!is_unneeded(&b, &nodes, &[], 0.5)); // 75 % used
        let full = node("c", "g", vec![p(4000)]);
        assert!(!is_unneeded(&a, &[a.clone(), full], &[], 0.5)); // nowhere to go
    }

    #[test]
    fn step_scales_up_then_waits_then_removes() {
        let mut s = ClusterSnapshot {
            now: 0,
            groups: vec![group("g", 4000, 16 * GI, 2, 5, 1.0)],
            nodes: vec![node("a", "g", vec![p(3000)]), node("b", "g", vec![])],
            unschedulable: vec![p(3500)],
            last_scale_up: None,
            last_scale_down_failure: None,
            unneeded_since: BTreeMap::new(),
        };
        assert_eq!(step(&s, Expander::LeastWaste, 0).action, CaAction::ScaleUp { group: "g".into(), delta: 1 });
        s.unschedulable.clear();
        let first = step(&s, Expander::LeastWaste, 0);
        assert_eq!(first.action, CaAction::None);
        assert_eq!(first.unneeded_since.get("b"), Some(&0));
        s.unneeded_since = first.unneeded_since;
        s.now = SCALE_DOWN_UNNEEDED_TIME;
        s.last_scale_up = Some(s.now - 60 * SECOND);
        assert_eq!(step(&s, Expander::LeastWaste, 0).action, CaAction::None); // delay after add
        s.last_scale_up = None;
        assert_eq!(step(&s, Expander::LeastWaste, 0).action, CaAction::ScaleDown { nodes: vec!["b".into()] });
    }
}
