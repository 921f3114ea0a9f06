//! Resizing a Deployment while several ReplicaSets are active (`sync.go`
//! `scale`, `GetProportion`, `getReplicaSetFraction`).

use std::cmp::Ordering;

use super::fencepost::max_surge;
use super::{Deployment, ReplicaSet, by_creation, replica_count};

/// `isScalingEvent`: an active RS's desired-replicas annotation differs from `spec.replicas`.
pub fn is_scaling_event(d: &Deployment, rss: &[ReplicaSet]) -> bool {
    rss.iter().filter(|r| r.replicas > 0).any(|r| r.desired_annotation.is_some_and(|a| a != d.replicas))
}

/// `IsSaturated`: spec, desired annotation and available all equal `replicas`.
pub fn is_saturated(d: &Deployment, rs: &ReplicaSet) -> bool {
    rs.replicas == d.replicas && rs.desired_annotation == Some(d.replicas) && rs.available == d.replicas
}

/// `integer.RoundToInt32`: round half away from zero.
fn round_half_away(num: i64, den: i64) -> i64 {
    // Exact integer form of math.Round(num/den) for den > 0.
    let q = num.abs() * 2 + den;
    let r = q.div_euclid(2 * den);
    if num < 0 { -r } else { r }
}

/// `getReplicaSetFraction`: this RS's share of the new size minus its size.
pub fn replica_set_fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    if d.replicas == 0 {
        return -rs.replicas;
    }
    let max_now = i64::from(d.replicas) + i64::from(max_surge(d));
    let mut before = rs.max_annotation.unwrap_or(0);
    if before == 0 {
        // No annotation: fall back to the deployment's current size.
        before = d.status_replicas;
        if before == 0 {
            return 0;
        }
    }
    (round_half_away(i64::from(rs.replicas) * max_now, i64::from(before)) - i64::from(rs.replicas)) as i32
}

/// `GetProportion`: the fraction, capped by what remains to add (or remove).
pub fn get_proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs.replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 { fraction.min(allowed) } else { fraction.max(allowed) }
}

/// `scale`: new sizes for `rss` (same order as given, newest RS flagged by
/// `new_rs_index`). Only RSs whose size changes matter to the caller.
pub fn scale(d: &Deployment, rss: &[ReplicaSet], new_rs_index: Option<usize>) -> Vec<i32> {
    let mut sizes: Vec<i32> = rss.iter().map(|r| r.replicas).collect();
    let active: Vec<usize> = (0..rss.len()).filter(|&i| rss[i].replicas > 0).collect();
    // FindActiveOrLatest: one active RS (or none: the newest) takes everything.
    let newest = || new_rs_index.or_else(|| (0..rss.len()).max_by(|&a, &b| by_creation(&rss[a], &rss[b])));
    let single = match active.len() {
        0 => newest(),
        1 => Some(active[0]),
        _ => None,
    };
    if let Some(i) = single {
        sizes[i] = d.replicas;
        return sizes;
    }
    if let Some(n) = new_rs_index
        && is_saturated(d, &rss[n])
    {
        for &i in active.iter().filter(|&&i| i != n) {
            sizes[i] = 0;
        }
        return sizes;
    }
    if !d.is_rolling_update() {
        return sizes;
    }
    let active_rss: Vec<ReplicaSet> = active.iter().map(|&i| rss[i].clone()).collect();
    let allowed = if d.replicas > 0 { d.replicas + max_surge(d) } else { 0 };
    let to_add = allowed - replica_count(&active_rss);
    // Largest first; ties: newer first when growing, older first when shrinking.
    let order: Vec<usize> = crate::kube::stable_order(active.len(), &|x, y| {
        let (a, b) = (active[x], active[y]);
        match rss[b].replicas.cmp(&rss[a].replicas) {
            Ordering::Equal if to_add > 0 => by_creation(&rss[b], &rss[a]),
            Ordering::Equal => by_creation(&rss[a], &rss[b]),
            o => o,
        }
    })
    .into_iter()
    .map(|x| active[x])
    .collect();
    let mut added = 0;
    for &i in &order {
        if to_add != 0 {
            let p = get_proportion(&rss[i], d, to_add, added);
            sizes[i] = rss[i].replicas + p;
            added += p;
        }
    }
    if let Some(&first) = order.first()
        && to_add != 0
    {
        // Leftovers go to the first RS in the order, floored at 0.
        sizes[first] = (sizes[first] + to_add - added).max(0);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::super::DeploymentStrategy;
    use super::super::fencepost::IntOrString::Int;
    use super::*;

    fn dep(replicas: i32, surge: i32) -> Deployment {
        Deployment {
            replicas,
            strategy: DeploymentStrategy::RollingUpdate { max_surge: Some(Int(surge)), max_unavailable: Some(Int(0)) },
            status_replicas: 0,
        }
    }

    fn rs(name: &str, created: i64, replicas: i32, annotated: i32, max: i32) -> ReplicaSet {
        ReplicaSet {
            name: name.into(),
            created,
            replicas,
            status_replicas: replicas,
            available: 0,
            desired_annotation: Some(annotated),
            max_annotation: Some(max),
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        for (n, d, want) in [(5, 2, 3), (-5, 2, -3), (4, 3, 1), (7, 2, 4), (0, 3, 0), (1, 3, 0)] {
            assert_eq!(round_half_away(n, d), want, "{n}/{d}");
        }
    }

    #[test]
    fn scale_table() {
        // (replicas, surge, [(created, size)], new index, annotated, max) → sizes
        let cases: Vec<(i32, i32, Vec<(i64, i32)>, Option<usize>, i32, i32, Vec<i32>)> = vec![
            (10, 0, vec![(2, 2), (1, 3)], Some(0), 5, 5, vec![4, 6]),
            (3, 0, vec![(2, 2), (1, 3)], Some(0), 5, 5, vec![1, 2]),
            (10, 0, vec![(3, 2), (2, 3), (1, 2)], Some(0), 7, 7, vec![3, 4, 3]),
            (4, 0, vec![(3, 1), (2, 1), (1, 1)], Some(0), 3, 3, vec![2, 1, 1]),
            (2, 0, vec![(3, 1), (2, 1), (1, 1)], Some(0), 3, 3, vec![1, 1, 0]),
            (0, 0, vec![(3, 3), (2, 2), (1, 1)], Some(0), 6, 6, vec![0, 0, 0]),
            (5, 0, vec![(1, 10)], Some(0), 10, 10, vec![5]),
            (20, 2, vec![(2, 6), (1, 6)], Some(0), 10, 12, vec![11, 11]),
        ];
        for (replicas, surge, list, new_idx, ann, max, want) in cases {
            let rss: Vec<ReplicaSet> = list.iter().map(|&(c, s)| rs(&format!("v{c}"), c, s, ann, max)).collect();
            assert_eq!(scale(&dep(replicas, surge), &rss, new_idx), want, "{replicas} {list:?}");
        }
    }

    #[test]
    fn scaling_event_and_saturation() {
        let d = dep(5, 0);
        let mut a = rs("a", 1, 5, 5, 5);
        assert!(!is_scaling_event(&d, std::slice::from_ref(&a)));
        a.desired_annotation = Some(4);
        assert!(is_scaling_event(&d, std::slice::from_ref(&a)));
        let mut sat = rs("n", 2, 5, 5, 5);
        sat.available = 5;
        assert!(is_saturated(&d, &sat));
        assert_eq!(scale(&d, &[rs("o", 1, 3, 5, 5), sat], Some(1)), vec![0, 5]);
    }
}
