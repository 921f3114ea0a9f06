//! `rolling.go` and `NewRSNewReplicas`: one rolling-update sync does either a
//! new-RS change or an old-RS scale-down, never both.

use super::fencepost::max_unavailable;
use super::{Deployment, DeploymentStrategy, ReplicaSet, available_count, by_creation, replica_count};
use crate::kube::KubeResult;

/// `NewRSNewReplicas`: size of the new RS for this sync. Uses the raw surge
/// (no fencepost fix, which only matters for the unavailable side).
pub fn new_rs_new_replicas(d: &Deployment, all_rs_replicas: i32, new_rs_replicas: i32) -> i32 {
    match d.strategy {
        DeploymentStrategy::Recreate => d.replicas,
        DeploymentStrategy::RollingUpdate { max_surge, .. } => {
            let surge = max_surge.map_or(0, |s| s.scaled_value(d.replicas, true));
            let max_total = d.replicas + surge;
            if all_rs_replicas >= max_total {
                return new_rs_replicas;
            }
            new_rs_replicas + (max_total - all_rs_replicas).min(d.replicas - new_rs_replicas)
        }
    }
}

/// `reconcileNewReplicaSet`: the new RS size to write, or `None` if unchanged.
/// `all_rs` holds every RS counted toward the total (old and new).
pub fn reconcile_new_replica_set(d: &Deployment, all_rs: &[ReplicaSet], new_rs: &ReplicaSet) -> Option<i32> {
    if new_rs.replicas == d.replicas {
        return None;
    }
    let target = if new_rs.replicas > d.replicas { d.replicas } else { new_rs_new_replicas(d, replica_count(all_rs), new_rs.replicas) };
    (target != new_rs.replicas).then_some(target)
}

/// `cleanupUnhealthyReplicas`: oldest first, remove up to `spec - available`
/// per RS, at most `max_cleanup` in total. Returns the new sizes (same order
/// as `old_rss`) and the count removed.
pub fn cleanup_unhealthy_replicas(old_rss: &[ReplicaSet], max_cleanup: i32) -> KubeResult<(Vec<ReplicaSet>, i32)> {
    let mut out = old_rss.to_vec();
    let order = crate::kube::stable_order(out.len(), &|a, b| by_creation(&out[a], &out[b]));
    let mut total = 0;
    for i in order {
        if total >= max_cleanup {
            break;
        }
        let rs = &mut out[i];
        if rs.replicas == 0 || rs.replicas == rs.available {
            continue;
        }
        let count = (max_cleanup - total).min(rs.replicas - rs.available);
        if count < 0 {
            return Err(format!(
                "when cleaning up unhealthy replicas, got invalid request to scale down {} {} -> {}",
                rs.name,
                rs.replicas,
                rs.replicas - count
            ));
        }
        rs.replicas -= count;
        total += count;
    }
    Ok((out, total))
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: remove `available - minAvailable`
/// replicas, oldest RS first. `all_available` is the available count over all
/// RSs (from status). Returns the new old-RS sizes and the count removed.
pub fn scale_down_old_replica_sets_for_rolling_update(
    d: &Deployment,
    all_available: i32,
    old_rss: &[ReplicaSet],
) -> (Vec<ReplicaSet>, i32) {
    let mut out = old_rss.to_vec();
    let min_available = d.replicas - max_unavailable(d);
    if all_available <= min_available {
        return (out, 0);
    }
    let order = crate::kube::stable_order(out.len(), &|a, b| by_creation(&out[a], &out[b]));
    let to_scale_down = all_available - min_available;
    let mut total = 0;
    for i in order {
        if total >= to_scale_down {
            break;
        }
        let rs = &mut out[i];
        if rs.replicas == 0 {
            continue;
        }
        let count = rs.replicas.min(to_scale_down - total);
        rs.replicas -= count;
        total += count;
    }
    (out, total)
}

/// `reconcileOldReplicaSets`: cleanup of unhealthy replicas, then the
/// availability scale-down. The new RS's unavailable pods are subtracted so a
/// broken new version cannot drain the old one. Returns the new old-RS sizes
/// and whether anything was scaled.
pub fn reconcile_old_replica_sets(d: &Deployment, old_rss: &[ReplicaSet], new_rs: &ReplicaSet) -> KubeResult<(Vec<ReplicaSet>, bool)> {
    if replica_count(old_rss) == 0 {
        return Ok((old_rss.to_vec(), false));
    }
    let all_pods = replica_count(old_rss) + new_rs.replicas;
    let min_available = d.replicas - max_unavailable(d);
    let new_unavailable = new_rs.replicas - new_rs.available;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Ok((old_rss.to_vec(), false));
    }
    let (cleaned, cleanup_count) = cleanup_unhealthy_replicas(old_rss, max_scaled_down)?;
    // Availability comes from status, not yet updated by the cleanup.
    let all_available = available_count(&cleaned) + new_rs.available;
    let (scaled, scaled_down) = scale_down_old_replica_sets_for_rolling_update(d, all_available, &cleaned);
    Ok((scaled, cleanup_count + scaled_down > 0))
}

/// What one rolling-update sync decided.
#[derive(Clone, Debug, PartialEq)]
pub enum RollingAction {
    /// Set the new RS to this size (the sync ends here).
    ScaleNewReplicaSet(i32),
    /// New sizes of the old RSs (same order as given).
    ScaleDownOldReplicaSets(Vec<ReplicaSet>),
    /// Nothing to do (waiting for availability, or complete).
    None,
}

/// `rolloutRolling`, the scaling part: new RS first; if it did not scale, old RSs.
pub fn rollout_rolling(d: &Deployment, old_rss: &[ReplicaSet], new_rs: &ReplicaSet) -> KubeResult<RollingAction> {
    if !d.is_rolling_update() {
        return Err("rollout_rolling needs a RollingUpdate deployment".into());
    }
    let mut all = old_rss.to_vec();
    all.push(new_rs.clone());
    if let Some(n) = reconcile_new_replica_set(d, &all, new_rs) {
        return Ok(RollingAction::ScaleNewReplicaSet(n));
    }
    let (olds, scaled) = reconcile_old_replica_sets(d, old_rss, new_rs)?;
    Ok(if scaled { RollingAction::ScaleDownOldReplicaSets(olds) } else { RollingAction::None })
}

/// Available replicas of (old, new) for a sync, given their `spec.replicas`.
/// Instant readiness is `|old, new| (old, new)`.
pub type Availability<'a> = dyn FnMut(usize, i32, i32) -> (i32, i32) + 'a;

/// Composition of [`rollout_rolling`] over syncs: one old RS starting at
/// `old_replicas`, a new RS at 0. Before each sync `availability(sync, old,
/// new)` gives the available counts. Returns `(old, new)` after every sync that
/// acted, starting with the initial state; stops when the rollout is complete
/// or after `max_syncs`.
pub fn rollout_sequence(
    d: &Deployment,
    old_replicas: i32,
    availability: &mut Availability,
    max_syncs: usize,
) -> KubeResult<Vec<(i32, i32)>> {
    let rs = |name: &str, created, replicas| ReplicaSet {
        name: name.into(),
        created,
        replicas,
        status_replicas: replicas,
        available: 0,
        desired_annotation: Some(d.replicas),
        max_annotation: None,
    };
    let mut old = rs("old", 0, old_replicas);
    let mut new = rs("new", 1, 0);
    let mut seq = vec![(old.replicas, new.replicas)];
    for sync in 0..max_syncs {
        if old.replicas == 0 && new.replicas == d.replicas {
            break;
        }
        let (oa, na) = availability(sync, old.replicas, new.replicas);
        old.available = oa;
        new.available = na;
        match rollout_rolling(d, std::slice::from_ref(&old), &new)? {
            RollingAction::ScaleNewReplicaSet(n) => new.replicas = n,
            RollingAction::ScaleDownOldReplicaSets(olds) => old.replicas = olds.first().map_or(0, |o| o.replicas),
            RollingAction::None => continue,
        }
        seq.push((old.replicas, new.replicas));
    }
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::super::fencepost::IntOrString::{self, *};
    use super::*;

    fn dep(replicas: i32, surge: IntOrString, unavailable: IntOrString) -> Deployment {
        Deployment {
            replicas,
            strategy: DeploymentStrategy::RollingUpdate { max_surge: Some(surge), max_unavailable: Some(unavailable) },
            status_replicas: replicas,
        }
    }

    fn rs(name: &str, created: i64, replicas: i32, available: i32) -> ReplicaSet {
        ReplicaSet::new(name, created, replicas, available)
    }

    #[test]
    fn new_rs_table() {
        let d = dep(10, Int(2), Int(0));
        let cases = [(10, 0, Some(2)), (5, 0, Some(7)), (10, 2, None)];
        for (old, new, want) in cases {
            let all = [rs("old", 0, old, old), rs("new", 1, new, new)];
            assert_eq!(reconcile_new_replica_set(&d, &all, &all[1]), want, "old {old} new {new}");
        }
        // New RS larger than desired is scaled down to desired.
        let all = [rs("new", 1, 12, 12)];
        assert_eq!(reconcile_new_replica_set(&d, &all, &all[0]), Some(10));
    }

    #[test]
    fn old_rs_table() {
        // (old replicas, old available, new replicas, new available, unavailable) → (old after, scaled)
        let cases = [
            (10, 10, 0, 0, 0, 9, true),
            (10, 10, 0, 0, 2, 8, true),
            (10, 8, 0, 0, 2, 8, true),
            (10, 9, 0, 0, 2, 8, true),
            // A crash-looping new RS blocks the old scale-down.
            (8, 8, 2, 0, 2, 8, false),
        ];
        for (or, oa, nr, na, u, want, scaled) in cases {
            let d = dep(10, Int(0), Int(u));
            let (olds, did) = reconcile_old_replica_sets(&d, &[rs("old", 0, or, oa)], &rs("new", 1, nr, na)).unwrap();
            assert_eq!((olds[0].replicas, did), (want, scaled), "{or}/{oa} {nr}/{na} u{u}");
        }
    }

    #[test]
    fn cleanup_goes_oldest_first_and_caps() {
        let olds = [rs("b", 2, 5, 3), rs("a", 1, 4, 1)];
        let (out, n) = cleanup_unhealthy_replicas(&olds, 4).unwrap();
        assert_eq!(n, 4);
        assert_eq!((out[0].replicas, out[1].replicas), (4, 1));
        assert!(cleanup_unhealthy_replicas(&[rs("x", 0, 2, 5)], 3).is_err());
    }

    #[test]
    fn sequences() {
        let mut instant = |_: usize, o: i32, n: i32| (o, n);
        let seq = rollout_sequence(&dep(10, Int(3), Int(2)), 10, &mut instant, 100).unwrap();
        assert_eq!(seq, vec![(10, 0), (10, 3), (5, 3), (5, 8), (0, 8), (0, 10)]);
        let seq = rollout_sequence(&dep(3, Percent(25), Percent(25)), 3, &mut instant, 100).unwrap();
        assert_eq!(seq, vec![(3, 0), (3, 1), (2, 1), (2, 2), (1, 2), (1, 3), (0, 3)]);
        // New pods never become available: the old RS is not drained beyond maxUnavailable.
        let mut never_new = |_: usize, o: i32, _n: i32| (o, 0);
        let seq = rollout_sequence(&dep(4, Int(1), Int(1)), 4, &mut never_new, 20).unwrap();
        assert_eq!(seq, vec![(4, 0), (4, 1), (3, 1), (3, 2)]);
    }
}
