//! ReplicaSet controller (`replica_set.go` `manageReplicas`, `controller_utils.go`):
//! diff to desired, burst with slow-start batches, deletion order.

use std::cmp::Ordering;

use super::{PodPhase, TimeMs};

/// `BurstReplicas`: most creations or deletions per sync.
pub const BURST_REPLICAS: usize = 500;
/// `SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;

/// `IsPodActive`: not Succeeded, not Failed, not terminating. A deleting pod
/// is replaced at once, so it overlaps its replacement during its grace period.
pub fn is_pod_active(phase: PodPhase, deleting: bool) -> bool {
    phase != PodPhase::Succeeded && phase != PodPhase::Failed && !deleting
}

/// What one sync does to the pod count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaDiff {
    Create(usize),
    Delete(usize),
    None,
}

/// `manageReplicas`: `diff = active - spec`, capped at [`BURST_REPLICAS`].
pub fn manage_replicas(active_pods: usize, spec_replicas: i32) -> ReplicaDiff {
    let desired = spec_replicas.max(0) as usize;
    match active_pods.cmp(&desired) {
        Ordering::Less => ReplicaDiff::Create((desired - active_pods).min(BURST_REPLICAS)),
        Ordering::Greater => ReplicaDiff::Delete((active_pods - desired).min(BURST_REPLICAS)),
        Ordering::Equal => ReplicaDiff::None,
    }
}

/// `slowStartBatch` batch sizes for `count` creations: 1, 2, 4, … (last one
/// truncated to what remains).
pub fn slow_start_batches(count: usize) -> Vec<usize> {
    let (mut out, mut remaining, mut size) = (vec![], count, SLOW_START_INITIAL_BATCH_SIZE.min(count));
    while size > 0 {
        out.push(size);
        remaining -= size;
        size = (2 * size).min(remaining);
    }
    out
}

/// `slowStartBatch`: `successes(batch_size)` says how many creations of a batch
/// succeed; after a batch with a failure no further batch is attempted.
/// Returns the number of pods created.
pub fn slow_start_created(count: usize, successes: &mut dyn FnMut(usize) -> usize) -> usize {
    let mut created = 0;
    for size in slow_start_batches(count) {
        let ok = successes(size).min(size);
        created += ok;
        if ok < size {
            break;
        }
    }
    created
}

/// A pod considered for deletion (`ActivePodsWithRanks`).
#[derive(Clone, Debug, PartialEq)]
pub struct DeletionCandidate {
    pub name: String,
    /// `spec.nodeName`; `None` = unscheduled.
    pub node: Option<String>,
    pub phase: PodPhase,
    pub ready: bool,
    /// When the pod last became Ready.
    pub ready_since: Option<TimeMs>,
    /// `controller.kubernetes.io/pod-deletion-cost`.
    pub deletion_cost: i32,
    /// Max restart count over its containers.
    pub restarts: i32,
    pub created: TimeMs,
}

fn phase_ordinal(p: PodPhase) -> u8 {
    match p {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        _ => 0,
    }
}

/// `afterOrZero`: unset first, else the later time first.
fn after_or_zero(a: Option<TimeMs>, b: Option<TimeMs>) -> Ordering {
    match (a, b) {
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
        (None, None) => Ordering::Equal,
    }
}

/// `ActivePodsWithRanks.Less` (LogarithmicScaleDown off: ready and creation
/// times compare exactly). `rank` = pods of the same RS on the same node.
fn deletion_order(a: &DeletionCandidate, ra: usize, b: &DeletionCandidate, rb: usize) -> Ordering {
    if a.node != b.node && (a.node.is_none() || b.node.is_none()) {
        return if a.node.is_none() { Ordering::Less } else { Ordering::Greater };
    }
    phase_ordinal(a.phase)
        .cmp(&phase_ordinal(b.phase))
        .then(a.ready.cmp(&b.ready))
        .then(a.deletion_cost.cmp(&b.deletion_cost))
        .then(rb.cmp(&ra))
        .then_with(|| if a.ready && b.ready { after_or_zero(a.ready_since, b.ready_since) } else { Ordering::Equal })
        .then(b.restarts.cmp(&a.restarts))
        .then_with(|| after_or_zero(Some(a.created), Some(b.created)))
}

/// `getPodsToDelete`: indices of the `diff` cheapest pods to delete.
pub fn pods_to_delete(pods: &[DeletionCandidate], diff: usize) -> Vec<usize> {
    let rank = |p: &DeletionCandidate| p.node.as_ref().map_or(0, |n| pods.iter().filter(|q| q.node.as_ref() == Some(n)).count());
    let ranks: Vec<usize> = pods.iter().map(rank).collect();
    let mut idx = super::stable_order(pods.len(), &|i, j| deletion_order(&pods[i], ranks[i], &pods[j], ranks[j]));
    idx.truncate(diff);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_and_burst() {
        assert_eq!(manage_replicas(3, 5), ReplicaDiff::Create(2));
        assert_eq!(manage_replicas(7, 5), ReplicaDiff::Delete(2));
        assert_eq!(manage_replicas(0, 1000), ReplicaDiff::Create(500));
        assert_eq!(manage_replicas(4, 4), ReplicaDiff::None);
        assert!(!is_pod_active(PodPhase::Running, true));
        assert!(is_pod_active(PodPhase::Pending, false));
    }

    #[test]
    fn slow_start() {
        assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
        assert_eq!(slow_start_batches(0), Vec::<usize>::new());
        // Second batch (size 2) has one failure: stop there.
        let mut n = 0;
        let mut ok = |size: usize| {
            n += 1;
            if n == 2 { size - 1 } else { size }
        };
        assert_eq!(slow_start_created(10, &mut ok), 2);
    }

    fn cand(name: &str, node: Option<&str>, phase: PodPhase, ready: bool, cost: i32, created: TimeMs) -> DeletionCandidate {
        DeletionCandidate {
            name: name.into(),
            node: node.map(str::to_string),
            phase,
            ready,
            ready_since: ready.then_some(created),
            deletion_cost: cost,
            restarts: 0,
            created,
        }
    }

    #[test]
    fn deletion_order_table() {
        use PodPhase::*;
        let pods = vec![
            cand("running-old", Some("n1"), Running, true, 0, 0),
            cand("unscheduled", None, Pending, false, 0, 5),
            cand("pending", Some("n2"), Pending, false, 0, 5),
            cand("not-ready", Some("n3"), Running, false, 0, 5),
            cand("cheap", Some("n4"), Running, true, -10, 0),
            cand("running-new", Some("n5"), Running, true, 0, 9),
            cand("doubled", Some("n1"), Running, true, 0, 0),
        ];
        let order: Vec<&str> = pods_to_delete(&pods, 7).iter().map(|&i| pods[i].name.as_str()).collect();
        assert_eq!(order, vec!["unscheduled", "pending", "not-ready", "cheap", "running-old", "doubled", "running-new"]);
        assert_eq!(pods_to_delete(&pods, 2).len(), 2);
    }
}
