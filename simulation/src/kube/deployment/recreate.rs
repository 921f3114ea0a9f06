//! `recreate.go`: scale all old RSs to 0, wait until no old pod is left in a
//! non-terminal phase (terminating pods count), then the new RS to full size.

use super::{Deployment, ReplicaSet};

/// What one Recreate sync decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecreateAction {
    /// Scale these old RSs (indices into the given slice) to 0.
    ScaleDownOldReplicaSets(Vec<usize>),
    /// Old pods still exist (`oldPodsRunning`): wait.
    WaitForOldPods,
    /// Set the new RS to this size.
    ScaleUpNewReplicaSet(i32),
    /// Nothing to do.
    None,
}

/// `rolloutRecreate`. `old_nonterminal_pods` counts the old RSs' pods whose
/// phase is not Succeeded/Failed (terminating pods included).
pub fn rollout_recreate(d: &Deployment, old_rss: &[ReplicaSet], new_rs_replicas: i32, old_nonterminal_pods: usize) -> RecreateAction {
    // scaleDownOldReplicaSetsForRecreate: every active old RS goes to 0 at once.
    let active: Vec<usize> = (0..old_rss.len()).filter(|&i| old_rss[i].replicas > 0).collect();
    if !active.is_empty() {
        return RecreateAction::ScaleDownOldReplicaSets(active);
    }
    // oldPodsRunning: status.replicas of old RSs, or any non-terminal old pod.
    let old_status: i32 = old_rss.iter().map(|r| r.status_replicas).sum();
    if old_status > 0 || old_nonterminal_pods > 0 {
        return RecreateAction::WaitForOldPods;
    }
    // scaleUpNewReplicaSetForRecreate.
    if new_rs_replicas != d.replicas {
        return RecreateAction::ScaleUpNewReplicaSet(d.replicas);
    }
    RecreateAction::None
}

#[cfg(test)]
mod tests {
    use super::super::DeploymentStrategy;
    use super::*;

    fn old(replicas: i32, status: i32) -> ReplicaSet {
        ReplicaSet {
            name: "old".into(),
            created: 0,
            replicas,
            status_replicas: status,
            available: status,
            desired_annotation: None,
            max_annotation: None,
        }
    }

    #[test]
    fn recreate_table() {
        let d = Deployment { replicas: 3, strategy: DeploymentStrategy::Recreate, status_replicas: 3 };
        let cases = [
            (old(3, 3), 0, 0, RecreateAction::ScaleDownOldReplicaSets(vec![0])),
            (old(0, 2), 0, 2, RecreateAction::WaitForOldPods),
            (old(0, 0), 0, 1, RecreateAction::WaitForOldPods),
            (old(0, 0), 0, 0, RecreateAction::ScaleUpNewReplicaSet(3)),
            (old(0, 0), 3, 0, RecreateAction::None),
        ];
        for (o, new, pods, want) in cases {
            assert_eq!(rollout_recreate(&d, std::slice::from_ref(&o), new, pods), want, "{o:?} {new} {pods}");
        }
    }
}
