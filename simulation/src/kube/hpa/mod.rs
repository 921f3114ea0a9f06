//! Horizontal Pod Autoscaler (`pkg/controller/podautoscaler`, v1.28; tolerance
//! form of v1.33+).
//!
//! * [`replica_calculator`]: one metric → replica proposal (pod grouping,
//!   utilization, fill-ins, direction guards).
//! * [`behavior`]: stabilization, rate limits (policies), scale-event storage,
//!   and the legacy path without `spec.behavior`.
//! * [`controller`]: one full reconcile (`reconcileAutoscaler`): min/max jumps,
//!   several metrics, normalization, state update.

pub mod behavior;
pub mod controller;
pub mod replica_calculator;

use super::{SECOND, TimeMs};

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: TimeMs = 15 * SECOND;
/// `--horizontal-pod-autoscaler-tolerance`.
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DOWNSCALE_STABILIZATION: TimeMs = 300 * SECOND;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const CPU_INITIALIZATION_PERIOD: TimeMs = 300 * SECOND;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const INITIAL_READINESS_DELAY: TimeMs = 30 * SECOND;
/// `scaleUpLimitFactor` of the legacy path (`horizontal.go`).
pub const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
/// `scaleUpLimitMinimum` of the legacy path.
pub const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;
/// `minReplicas` when unset.
pub const DEFAULT_MIN_REPLICAS: i32 = 1;
/// Metric when `spec.metrics` is empty: CPU at this average utilization (%).
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

/// Tolerance band around ratio 1.0.
///
/// Form chosen: v1.33+ (`HPAConfigurableTolerance`): a ratio is within
/// tolerance iff `1 - scale_down <= ratio <= 1 + scale_up`. Up to v1.32 the
/// test was `|1 - ratio| <= t`, which differs only at ratio exactly `1 + t`
/// (float: `|1 - 1.1| > 0.1`, so v1.32 scales up at 110 %/100 %; we do not).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    pub scale_down: f64,
    pub scale_up: f64,
}

impl Tolerances {
    pub fn uniform(t: f64) -> Self {
        Tolerances { scale_down: t, scale_up: t }
    }

    /// `Tolerances.isWithin`.
    pub fn is_within(&self, usage_ratio: f64) -> bool {
        (1.0 - self.scale_down) <= usage_ratio && usage_ratio <= (1.0 + self.scale_up)
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances::uniform(DEFAULT_TOLERANCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_band_edges() {
        let t = Tolerances::default();
        for (ratio, within) in [(1.0, true), (0.9, true), (1.1, true), (0.89, false), (1.11, false), (55.0 / 50.0, true)] {
            assert_eq!(t.is_within(ratio), within, "ratio {ratio}");
        }
        let asym = Tolerances { scale_down: 0.05, scale_up: 0.3 };
        assert!(!asym.is_within(0.94));
        assert!(asym.is_within(1.29));
    }
}
