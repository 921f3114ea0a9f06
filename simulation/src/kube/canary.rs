//! Argo Rollouts canary replica counts (`utils/replicaset/canary.go`).

use super::div_ceil_i64;

/// Default canary `maxSurge` / `maxUnavailable` (the string "25", read as a percent).
pub const DEFAULT_MAX_SURGE_PERCENT: i32 = 25;
pub const DEFAULT_MAX_UNAVAILABLE_PERCENT: i32 = 25;
/// `scaleDownDelaySeconds` and `abortScaleDownDelaySeconds` defaults (s).
pub const DEFAULT_SCALE_DOWN_DELAY_SECONDS: i32 = 30;
pub const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS: i32 = 30;

/// `weightDelta`: distance of `canary / total` from the weight, in percent.
fn weight_delta(weight: i32, canary: i32, total: i32) -> f64 {
    (f64::from(canary) * 100.0 / f64::from(total) - f64::from(weight)).abs()
}

/// `approximateWeightedCanaryStableReplicaCounts` (basic canary, no traffic
/// router): among floor and ceil of `total x w / 100` over totals `replicas`
/// and (with surge) `replicas + 1`, the closest to `w`. On an exact .5 the
/// floor is dropped (ties go to the larger canary). For 1–99 % neither side is
/// 0 when there are 2 or more replicas. Returns `(canary, stable)`.
pub fn basic_canary_replica_counts(replicas: i32, weight: i32, max_surge: i32) -> (i32, i32) {
    if replicas <= 0 {
        return (0, 0);
    }
    let weight = weight.clamp(0, 100);
    let zero_allowed = weight == 0;
    let mut options: Vec<(i32, i32)> = vec![];
    let totals: &[i32] = if max_surge > 0 { &[replicas, replicas + 1] } else { &[replicas] };
    for &total in totals {
        let x = i64::from(total) * i64::from(weight);
        let (floor, ceil) = ((x / 100) as i32, div_ceil_i64(x, 100) as i32);
        let tied = x % 100 == 50;
        if (floor != 0 || zero_allowed) && !tied {
            options.push((floor, total));
        }
        if ceil != 0 || zero_allowed {
            options.push((ceil, total));
        }
    }
    // Stable side: never 0 for 1–99 % with 2+ replicas, if another option exists.
    if (1..=99).contains(&weight) && replicas >= 2 && options.iter().any(|&(c, t)| c < t) {
        options.retain(|&(c, t)| c < t);
    }
    let Some(&first) = options.first() else {
        return (0, replicas);
    };
    let best = options
        .iter()
        .skip(1)
        .fold(first, |best, &o| if weight_delta(weight, o.0, o.1) < weight_delta(weight, best.0, best.1) { o } else { best });
    (best.0, best.1 - best.0)
}

/// With a traffic router: the router gets the exact weight and the canary
/// runs `ceil(w x replicas / 100)` pods; stable stays at full size.
pub fn traffic_routed_canary_replicas(replicas: i32, weight: i32) -> i32 {
    div_ceil_i64(i64::from(replicas) * i64::from(weight.clamp(0, 100)), 100) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_canary_table() {
        // (replicas, weight, maxSurge) → (canary, stable)
        let cases = [
            (10, 10, 1, (1, 9)),
            (10, 41, 1, (4, 6)),
            (5, 20, 1, (1, 4)),
            (5, 40, 1, (2, 3)),
            (5, 60, 1, (3, 2)),
            (5, 80, 1, (4, 1)),
            (3, 50, 1, (2, 2)),
            (1, 5, 1, (1, 1)),
            (10, 5, 1, (1, 10)),
            (10, 5, 0, (1, 9)),
            (2, 99, 0, (1, 1)),
            (10, 0, 1, (0, 10)),
            (10, 100, 1, (10, 0)),
            (0, 50, 1, (0, 0)),
        ];
        for (r, w, s, want) in cases {
            assert_eq!(basic_canary_replica_counts(r, w, s), want, "{r} replicas at {w}% surge {s}");
        }
    }

    #[test]
    fn traffic_routed() {
        assert_eq!(traffic_routed_canary_replicas(10, 5), 1);
        assert_eq!(traffic_routed_canary_replicas(10, 41), 5);
        assert_eq!(traffic_routed_canary_replicas(3, 0), 0);
    }
}
