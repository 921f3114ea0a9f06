//! kube-scheduler, resource part: NodeResourcesFit filter, LeastAllocated and
//! BalancedAllocation scores (`noderesources`), default weights 1 + 1.

use std::collections::BTreeSet;

/// `DefaultMilliCPURequest`: scoring-only stand-in for a container without a CPU request.
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `DefaultMemoryRequest`: 200 MiB, scoring only.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;
/// `MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;
/// Default plugin weights of the two resource plugins.
pub const NODE_RESOURCES_FIT_WEIGHT: i64 = 1;
pub const BALANCED_ALLOCATION_WEIGHT: i64 = 1;

/// Requests of one container (`None` = not set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ContainerRequest {
    pub cpu_m: Option<i64>,
    pub memory: Option<i64>,
}

/// A pod's resource requests.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PodRequests {
    pub containers: Vec<ContainerRequest>,
    pub init_containers: Vec<ContainerRequest>,
    pub overhead: ContainerRequest,
}

/// cpu (millicores) and memory (bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Resources {
    pub cpu_m: i64,
    pub memory: i64,
}

impl Resources {
    fn add(self, o: Resources) -> Resources {
        Resources { cpu_m: self.cpu_m + o.cpu_m, memory: self.memory + o.memory }
    }
    fn max(self, o: Resources) -> Resources {
        Resources { cpu_m: self.cpu_m.max(o.cpu_m), memory: self.memory.max(o.memory) }
    }
}

fn effective(pod: &PodRequests, value: impl Fn(&ContainerRequest) -> Resources) -> Resources {
    // max(sum of app containers, largest init container) + overhead.
    let app = pod.containers.iter().map(&value).fold(Resources::default(), Resources::add);
    let init = pod.init_containers.iter().map(&value).fold(Resources::default(), Resources::max);
    let overhead = Resources { cpu_m: pod.overhead.cpu_m.unwrap_or(0), memory: pod.overhead.memory.unwrap_or(0) };
    app.max(init).add(overhead)
}

impl PodRequests {
    /// Requests used by the filter (`computePodResourceRequest`).
    pub fn requests(&self) -> Resources {
        effective(self, |c| Resources { cpu_m: c.cpu_m.unwrap_or(0), memory: c.memory.unwrap_or(0) })
    }

    /// Requests used by scoring: unset requests count as 100m / 200 MiB.
    pub fn non_zero_requests(&self) -> Resources {
        effective(self, |c| Resources {
            cpu_m: c.cpu_m.unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
            memory: c.memory.unwrap_or(DEFAULT_MEMORY_REQUEST),
        })
    }
}

/// A node and what is already requested on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub allocatable: Resources,
    /// Kubelet `maxPods` (110 by default).
    pub allowed_pods: usize,
    pub pod_count: usize,
    /// Sum of the scheduled pods' requests.
    pub requested: Resources,
    /// Same with the non-zero defaults (for scoring).
    pub non_zero_requested: Resources,
}

/// Why a node was filtered out (`InsufficientResource` reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FitFailure {
    TooManyPods,
    InsufficientCpu,
    InsufficientMemory,
}

impl FitFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            FitFailure::TooManyPods => "too many pods",
            FitFailure::InsufficientCpu => "insufficient cpu",
            FitFailure::InsufficientMemory => "insufficient memory",
        }
    }
}

/// NodeResourcesFit `fitsRequest`: requests (never usage) must fit allocatable.
pub fn fits(pod: &PodRequests, node: &NodeInfo) -> Vec<FitFailure> {
    let mut out = vec![];
    if node.pod_count + 1 > node.allowed_pods {
        out.push(FitFailure::TooManyPods);
    }
    let r = pod.requests();
    if r.cpu_m > 0 && r.cpu_m > node.allocatable.cpu_m - node.requested.cpu_m {
        out.push(FitFailure::InsufficientCpu);
    }
    if r.memory > 0 && r.memory > node.allocatable.memory - node.requested.memory {
        out.push(FitFailure::InsufficientMemory);
    }
    out
}

/// `leastRequestedScore`: `(capacity - requested) x 100 / capacity`, integer.
fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// LeastAllocated over cpu and memory (weights 1/1), with non-zero requests incl. the pod.
pub fn least_allocated_score(pod: &PodRequests, node: &NodeInfo) -> i64 {
    let req = node.non_zero_requested.add(pod.non_zero_requests());
    let cpu = least_requested_score(req.cpu_m, node.allocatable.cpu_m);
    let mem = least_requested_score(req.memory, node.allocatable.memory);
    (cpu + mem) / 2
}

/// BalancedAllocation: `trunc((1 - |f_cpu - f_mem| / 2) x 100)` with fractions
/// of actual requests (incl. the pod) capped at 1 (float64 as upstream).
pub fn balanced_allocation_score(pod: &PodRequests, node: &NodeInfo) -> i64 {
    let req = node.requested.add(pod.requests());
    let fractions: Vec<f64> = [(req.cpu_m, node.allocatable.cpu_m), (req.memory, node.allocatable.memory)]
        .iter()
        .filter(|(_, a)| *a != 0)
        .map(|(r, a)| (*r as f64 / *a as f64).min(1.0))
        .collect();
    let std = if fractions.len() == 2 { ((fractions[0] - fractions[1]) / 2.0).abs() } else { 0.0 };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// Weighted total of the two resource plugins.
pub fn node_score(pod: &PodRequests, node: &NodeInfo) -> i64 {
    NODE_RESOURCES_FIT_WEIGHT * least_allocated_score(pod, node) + BALANCED_ALLOCATION_WEIGHT * balanced_allocation_score(pod, node)
}

/// `schedulePod` over the resource plugins. Upstream breaks score ties at
/// random; here the tie goes to the lowest node name, unless the caller passes
/// `tie_choice` (e.g. from the engine's seeded RNG) to pick among the tied
/// nodes (taken modulo their count). Unschedulable: `"0/3 nodes available:
/// insufficient cpu"` (upstream words it `0/3 nodes are available: 3 Insufficient cpu.`).
pub fn schedule(pod: &PodRequests, nodes: &[NodeInfo], tie_choice: Option<usize>) -> Result<String, String> {
    let mut reasons = BTreeSet::new();
    let mut best: Vec<(&str, i64)> = vec![];
    for node in nodes {
        let failures = fits(pod, node);
        if !failures.is_empty() {
            reasons.extend(failures);
            continue;
        }
        let score = node_score(pod, node);
        match best.first().map(|b| b.1) {
            Some(s) if s > score => {}
            Some(s) if s == score => best.push((&node.name, score)),
            _ => best = vec![(&node.name, score)],
        }
    }
    if best.is_empty() {
        let why: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
        return Err(format!("0/{} nodes available: {}", nodes.len(), why.join(", ")));
    }
    let order = super::stable_order(best.len(), &|a, b| best[a].0.cmp(best[b].0));
    let pick = tie_choice.map_or(0, |c| c % best.len());
    Ok(best[order[pick]].0.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: i64 = 1024 * 1024 * 1024;

    fn node(name: &str, cpu: i64, mem: i64, req_cpu: i64, req_mem: i64) -> NodeInfo {
        let r = Resources { cpu_m: req_cpu, memory: req_mem };
        NodeInfo {
            name: name.into(),
            allocatable: Resources { cpu_m: cpu, memory: mem },
            allowed_pods: 110,
            pod_count: 0,
            requested: r,
            non_zero_requested: r,
        }
    }

    fn pod(cpu: Option<i64>, mem: Option<i64>) -> PodRequests {
        PodRequests { containers: vec![ContainerRequest { cpu_m: cpu, memory: mem }], ..Default::default() }
    }

    #[test]
    fn scores_truncate() {
        // 4000m / 8 GiB node, 1000m + 2 GiB requested, pod 1000m / 1 GiB.
        let n = node("a", 4000, 8 * GI, 1000, 2 * GI);
        let p = pod(Some(1000), Some(GI));
        // cpu (4000-2000)*100/4000 = 50; mem (8-3)*100/8 = 62 (62.5 truncated); (50+62)/2 = 56.
        assert_eq!(least_allocated_score(&p, &n), 56);
        // fractions 0.5 and 0.375: (1 - 0.0625) x 100 = 93 (93.75 truncated).
        assert_eq!(balanced_allocation_score(&p, &n), 93);
        assert_eq!(node_score(&p, &n), 149);
    }

    #[test]
    fn non_zero_defaults_only_for_scoring() {
        let p = pod(None, None);
        assert_eq!(p.requests(), Resources::default());
        assert_eq!(p.non_zero_requests(), Resources { cpu_m: 100, memory: 200 * 1024 * 1024 });
        let init = PodRequests {
            containers: vec![ContainerRequest { cpu_m: Some(100), memory: Some(1) }],
            init_containers: vec![ContainerRequest { cpu_m: Some(500), memory: Some(0) }],
            overhead: ContainerRequest { cpu_m: Some(10), memory: None },
        };
        assert_eq!(init.requests(), Resources { cpu_m: 510, memory: 1 });
    }

    #[test]
    fn schedule_table() {
        let p = pod(Some(1000), Some(GI));
        let nodes = vec![node("b", 4000, 8 * GI, 0, 0), node("a", 4000, 8 * GI, 0, 0), node("c", 4000, 8 * GI, 3500, 0)];
        assert_eq!(schedule(&p, &nodes, None), Ok("a".into()));
        assert_eq!(schedule(&p, &nodes, Some(1)), Ok("b".into()));
        let full: Vec<NodeInfo> = ["x", "y", "z"].iter().map(|n| node(n, 500, 8 * GI, 0, 0)).collect();
        assert_eq!(schedule(&p, &full, None), Err("0/3 nodes available: insufficient cpu".into()));
        let mut crowded = node("w", 4000, 8 * GI, 0, 0);
        crowded.pod_count = 110;
        assert_eq!(schedule(&p, &[crowded], None), Err("0/1 nodes available: too many pods".into()));
    }
}
