//! `intstr.GetScaledValueFromIntOrPercent` and the fencepost helpers of
//! `deployment/util/deployment_util.go`.

use super::{Deployment, DeploymentStrategy};
use crate::kube::{KubeResult, div_ceil_i64, sat_i32};

/// `IntOrString` after parsing: an int, or a percentage (`"N%"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrString {
    Int(i32),
    Percent(i32),
}

impl IntOrString {
    /// `getIntOrPercentValueSafely`: a string must be `"N%"`; `"25"` is an error.
    pub fn parse(s: &str) -> KubeResult<IntOrString> {
        let Some(num) = s.strip_suffix('%') else {
            return Err(format!("invalid value for IntOrString: invalid type: string is not a percentage ({s:?})"));
        };
        num.parse::<i32>().map(IntOrString::Percent).map_err(|e| format!("invalid value for IntOrString: invalid value {s:?}: {e}"))
    }

    /// `GetScaledValueFromIntOrPercent`: percent of `total`, rounded up or down.
    pub fn scaled_value(self, total: i32, round_up: bool) -> i32 {
        match self {
            IntOrString::Int(v) => v,
            IntOrString::Percent(p) => {
                let x = i64::from(p) * i64::from(total);
                sat_i32(if round_up { div_ceil_i64(x, 100) } else { x.div_euclid(100) })
            }
        }
    }
}

/// `ResolveFenceposts`: surge rounds up, unavailable down; unset is 0; if both
/// are 0, unavailable becomes 1.
pub fn resolve_fenceposts(max_surge: Option<IntOrString>, max_unavailable: Option<IntOrString>, desired: i32) -> (i32, i32) {
    let surge = max_surge.unwrap_or(IntOrString::Int(0)).scaled_value(desired, true);
    let mut unavailable = max_unavailable.unwrap_or(IntOrString::Int(0)).scaled_value(desired, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `MaxUnavailable`: 0 for Recreate or 0 replicas; capped at replicas.
pub fn max_unavailable(d: &Deployment) -> i32 {
    match d.strategy {
        DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } if d.replicas != 0 => {
            resolve_fenceposts(max_surge, max_unavailable, d.replicas).1.min(d.replicas)
        }
        _ => 0,
    }
}

/// `MinAvailable`: `replicas - MaxUnavailable`, 0 for Recreate.
pub fn min_available(d: &Deployment) -> i32 {
    if !d.is_rolling_update() {
        return 0;
    }
    d.replicas - max_unavailable(d)
}

/// `MaxSurge`: 0 for Recreate.
pub fn max_surge(d: &Deployment) -> i32 {
    match d.strategy {
        DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => resolve_fenceposts(max_surge, max_unavailable, d.replicas).0,
        DeploymentStrategy::Recreate => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntOrString::*;

    #[test]
    fn parse_table() {
        let cases: [(&str, Option<IntOrString>); 6] = [
            ("25%", Some(Percent(25))),
            ("0%", Some(Percent(0))),
            ("100%", Some(Percent(100))),
            ("25", None),
            ("oops", None),
            ("x%", None),
        ];
        for (s, want) in cases {
            assert_eq!(IntOrString::parse(s).ok(), want, "{s}");
        }
    }

    #[test]
    fn fencepost_table() {
        let cases = [
            (Some(Percent(0)), Some(Percent(0)), 0, (0, 1)),
            (None, Some(Percent(39)), 10, (0, 3)),
            (Some(Percent(39)), None, 10, (4, 0)),
            (None, None, 10, (0, 1)),
            (Some(Percent(25)), Some(Percent(25)), 10, (3, 2)),
            (Some(Percent(25)), Some(Percent(25)), 3, (1, 0)),
            (Some(Percent(25)), Some(Percent(25)), 1, (1, 0)),
            (Some(Percent(25)), Some(Percent(25)), 4, (1, 1)),
            (Some(Percent(0)), Some(Percent(1)), 2, (0, 1)),
            (Some(Int(2)), Some(Int(0)), 10, (2, 0)),
        ];
        for (s, u, d, want) in cases {
            assert_eq!(resolve_fenceposts(s, u, d), want, "{s:?} {u:?} {d}");
        }
    }

    #[test]
    fn max_unavailable_and_min_available() {
        let dep = |replicas, strategy| Deployment { replicas, strategy, status_replicas: replicas };
        let ru = |s, u| DeploymentStrategy::RollingUpdate { max_surge: Some(s), max_unavailable: Some(u) };
        assert_eq!(max_unavailable(&dep(5, ru(Int(1), Int(10)))), 5);
        assert_eq!(max_unavailable(&dep(10, ru(Int(1), Percent(50)))), 5);
        assert_eq!(max_unavailable(&dep(0, ru(Int(1), Int(10)))), 0);
        assert_eq!(max_unavailable(&dep(10, DeploymentStrategy::Recreate)), 0);
        assert_eq!(min_available(&dep(10, ru(Int(1), Int(5)))), 5);
        assert_eq!(min_available(&dep(10, DeploymentStrategy::Recreate)), 0);
        assert_eq!(max_surge(&dep(10, DeploymentStrategy::default_rolling_update())), 3);
    }
}
