//! Pure decision functions of the Kubernetes control plane (and Argo Rollouts,
//! Cluster Autoscaler), ported from the upstream sources listed in
//! `shared/reference/kubernetes.md`.
//!
//! Every function here is pure: it reads a plain input struct (plus `now` where
//! upstream reads the clock) and returns a decision or a new state value. The
//! event engine owns the state and runs the observe → compare → act loops.
//!
//! Conventions shared by all modules:
//! * Times are simulated milliseconds ([`TimeMs`]); durations too.
//! * Quantities are Kubernetes milli-units (`_m`): CPU in millicores, other
//!   values as `Quantity::MilliValue()`.
//! * A record or event of age `a` is inside a window or period `W` iff
//!   `a < W` (upstream `timestamp.After(now - W)`), and it is *outdated*
//!   (reusable) iff `a > W` (upstream `timestamp.Before(now - W)`).
//! * Errors are `Err(String)` with upstream's message text; nothing panics.

pub mod analysis;
pub mod canary;
pub mod cluster_autoscaler;
pub mod deployment;
pub mod eviction;
pub mod hpa;
pub mod image;
pub mod name_map;
pub mod pod_lifecycle;
pub mod replicaset;
pub mod scheduler;

/// Simulated time or duration in milliseconds.
pub type TimeMs = i64;

/// Milliseconds in one second.
pub const SECOND: TimeMs = 1_000;

/// Result type of the fallible decision functions (message as upstream words it).
pub type KubeResult<T> = Result<T, String>;

/// Pod phase (`core/v1` `PodPhase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

/// Resources the simulation models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceName {
    Cpu,
    Memory,
}

impl ResourceName {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceName::Cpu => "cpu",
            ResourceName::Memory => "memory",
        }
    }
}

/// `ceil(a / b)` for integers, `b > 0` (exact, no float).
pub(crate) fn div_ceil_i64(a: i64, b: i64) -> i64 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 { q } else { q + 1 }
}

/// `sort.SliceStable` over `0..n`: the indices in `cmp`'s order, ties in index order. One compiled
/// sort serves every caller (std's sort is instantiated per call site's closure: kilobytes of wasm
/// each).
pub(crate) fn stable_order(n: usize, cmp: &dyn Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// `v` in `cmp`'s order, ties kept in place (`stable_order`'s one compiled sort, for any `T`).
pub(crate) fn stable_sorted<T>(v: Vec<T>, cmp: &dyn Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    let order = stable_order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Saturating `i64 -> i32` (upstream converts with `int32(...)`; we never wrap).
pub(crate) fn sat_i32(v: i64) -> i32 {
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div_ceil_handles_signs() {
        for (a, b, want) in [(7, 2, 4), (6, 2, 3), (0, 5, 0), (-7, 2, -3), (1, 100, 1)] {
            assert_eq!(div_ceil_i64(a, b), want, "{a}/{b}");
        }
    }

    #[test]
    fn sat_i32_clamps() {
        assert_eq!(sat_i32(i64::MAX), i32::MAX);
        assert_eq!(sat_i32(-5), -5);
    }
}
