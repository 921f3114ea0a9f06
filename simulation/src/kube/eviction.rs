//! The kubelet's eviction manager under memory pressure (`pkg/kubelet/eviction`): the node is
//! under pressure when `memory.available` falls below the hard threshold (default
//! `memory.available<100Mi`), and pods are ranked by `rankMemoryPressure`: pods whose usage
//! exceeds their request first, then by priority (all equal here), then by usage above the
//! request, largest first. The kubelet evicts one pod, then observes again.

/// Default hard eviction threshold for `memory.available`, MiB.
pub const MEMORY_AVAILABLE_HARD_MI: f64 = 100.0;

/// What the eviction manager sees of one pod on the node.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryUse {
    pub name: String,
    pub usage_mi: f64,
    pub request_mi: f64,
}

/// `memory.available` below the threshold.
pub fn under_memory_pressure(capacity_mi: f64, used_mi: f64, threshold_mi: f64) -> bool {
    capacity_mi - used_mi < threshold_mi
}

/// The pod to evict first (index into `pods`), or `None` for an empty node.
/// Ties keep the input order (upstream's sort is stable over the pod list).
pub fn pick_for_memory_pressure(pods: &[MemoryUse]) -> Option<usize> {
    let order = super::stable_order(pods.len(), &|a, b| {
        let (pa, pb) = (&pods[a], &pods[b]);
        let exceeds = |p: &MemoryUse| p.usage_mi > p.request_mi;
        exceeds(pb).cmp(&exceeds(pa)).then((pb.usage_mi - pb.request_mi).total_cmp(&(pa.usage_mi - pa.request_mi)))
    });
    order.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, usage: f64, request: f64) -> MemoryUse {
        MemoryUse { name: name.into(), usage_mi: usage, request_mi: request }
    }

    #[test]
    fn pressure_is_available_memory_under_the_threshold() {
        assert!(!under_memory_pressure(4096.0, 3996.0, MEMORY_AVAILABLE_HARD_MI));
        assert!(under_memory_pressure(4096.0, 3996.1, MEMORY_AVAILABLE_HARD_MI));
    }

    #[test]
    fn pods_over_their_request_go_first_then_the_largest_excess() {
        let cases: &[(&[MemoryUse], Option<&str>)] = &[
            (&[], None),
            // The biggest user stays: it is within its request.
            (&[pod("big", 900.0, 1000.0), pod("small", 300.0, 256.0)], Some("small")),
            (&[pod("a", 400.0, 256.0), pod("b", 700.0, 256.0), pod("c", 500.0, 256.0)], Some("b")),
            // Nobody exceeds: the one closest to (least under) its request.
            (&[pod("a", 100.0, 256.0), pod("b", 250.0, 256.0)], Some("b")),
            // Equal excess: the first in the list.
            (&[pod("x", 300.0, 256.0), pod("y", 300.0, 256.0)], Some("x")),
        ];
        for (pods, want) in cases {
            assert_eq!(pick_for_memory_pressure(pods).map(|i| pods[i].name.as_str()), *want, "{pods:?}");
        }
    }
}
