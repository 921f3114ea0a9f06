//! Routing in two steps: the router picks a version group (canary weights or user cohort), then
//! the balancer picks a ready pod of that group. Releases only change the router's weights.

use super::pod::Pod;
use crate::port::PodId;
use crate::rng::{RngStream, fnv1a64};
pub use crate::scenario::{BalancerKind, RoutingMode};

pub struct Balancer {
    pub kind: BalancerKind,
    next: usize,
    rng: RngStream,
}

impl Balancer {
    pub fn new(kind: BalancerKind, seed: u64) -> Self {
        Balancer { kind, next: 0, rng: RngStream::new(seed, "balancer") }
    }

    /// Picks one of `endpoints` (ready pods); `None` only when the list is empty.
    pub fn pick(&mut self, endpoints: &[PodId], pods: &mut [Pod]) -> Option<PodId> {
        let n = endpoints.len();
        if n == 0 {
            return None;
        }
        let load = |pods: &[Pod], p: PodId| pods[p.0 as usize].load();
        let chosen = match self.kind {
            BalancerKind::RoundRobin => {
                self.next = (self.next + 1) % n;
                endpoints[self.next]
            }
            BalancerKind::Random => endpoints[self.rng.below(n as u64) as usize],
            BalancerKind::LeastConnections => {
                // Start the scan at a rotating offset so ties spread instead of piling on pod 0.
                self.next = (self.next + 1) % n;
                let mut best = endpoints[self.next];
                let mut best_load = load(pods, best);
                for i in 1..n {
                    let p = endpoints[(self.next + i) % n];
                    let l = load(pods, p);
                    if l < best_load {
                        best = p;
                        best_load = l;
                    }
                }
                best
            }
            BalancerKind::PowerOfTwo => {
                let a = endpoints[self.rng.below(n as u64) as usize];
                if n == 1 {
                    a
                } else {
                    let mut j = self.rng.below(n as u64 - 1) as usize;
                    let ai = endpoints.iter().position(|&p| p == a).unwrap_or(0);
                    if j >= ai {
                        j += 1;
                    }
                    let b = endpoints[j];
                    if load(pods, b) < load(pods, a) { b } else { a }
                }
            }
            BalancerKind::Weighted => {
                // nginx's smooth weighted round robin: deterministic, evenly interleaved.
                let mut total = 0i64;
                for &p in endpoints {
                    let pod = &mut pods[p.0 as usize];
                    pod.lb_current += pod.spec.weight as i64;
                    total += pod.spec.weight as i64;
                }
                let mut best = endpoints[0];
                for &p in endpoints {
                    if pods[p.0 as usize].lb_current > pods[best.0 as usize].lb_current {
                        best = p;
                    }
                }
                pods[best.0 as usize].lb_current -= total;
                best
            }
        };
        Some(chosen)
    }
}

/// Splits traffic between version groups. Weights are shares, not percentages.
pub struct Router {
    pub mode: RoutingMode,
    pub weights: Vec<u32>,
    rng: RngStream,
}

impl Router {
    pub fn new(mode: RoutingMode, weights: Vec<u32>, seed: u64) -> Self {
        Router { mode, weights, rng: RngStream::new(seed, "router") }
    }

    /// The preferred version for this request; the caller falls back if it has no ready pod.
    pub fn pick(&mut self, user: u32) -> u16 {
        match self.mode {
            RoutingMode::Cohort => pick_share(&self.weights, |total| fnv1a64(&user.to_le_bytes()) % total),
            RoutingMode::Weight | RoutingMode::Endpoints => {
                let weights = std::mem::take(&mut self.weights);
                let v = self.pick_by(&weights);
                self.weights = weights;
                v
            }
        }
    }

    /// A version with probability proportional to `shares` (weights, or ready pods per version).
    pub fn pick_by(&mut self, shares: &[u32]) -> u16 {
        let rng = &mut self.rng;
        pick_share(shares, |total| rng.below(total))
    }
}

/// The version whose share contains `point(total)`; version 0 when there is nothing to split.
fn pick_share(shares: &[u32], point: impl FnOnce(u64) -> u64) -> u16 {
    if shares.len() <= 1 {
        return 0;
    }
    let total: u64 = shares.iter().map(|&w| w as u64).sum();
    if total == 0 {
        return 0;
    }
    let point = point(total);
    let mut acc = 0u64;
    for (i, &w) in shares.iter().enumerate() {
        acc += w as u64;
        if point < acc {
            return i as u16;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::pod::PodSpec;
    use crate::kernel::SimTime;

    fn pods(weights: &[u32]) -> Vec<Pod> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let spec = PodSpec { workers: 1, queue_capacity: None, cpu_request_m: 100, cpu_per_worker_m: 100, weight: w };
                Pod::new(PodId(i as u32), format!("p{i}"), 0, spec, SimTime::ZERO)
            })
            .collect()
    }

    fn counts(kind: BalancerKind, weights: &[u32], n: usize) -> Vec<usize> {
        let mut ps = pods(weights);
        let eps: Vec<PodId> = ps.iter().map(|p| p.id).collect();
        let mut b = Balancer::new(kind, 1);
        let mut c = vec![0; ps.len()];
        for _ in 0..n {
            let p = b.pick(&eps, &mut ps).unwrap();
            c[p.0 as usize] += 1;
        }
        c
    }

    #[test]
    fn round_robin_and_weighted_split_exactly() {
        assert_eq!(counts(BalancerKind::RoundRobin, &[1, 1, 1], 300), vec![100, 100, 100]);
        assert_eq!(counts(BalancerKind::Weighted, &[1, 3], 400), vec![100, 300]);
    }

    #[test]
    fn random_kinds_cover_all_pods() {
        for kind in [BalancerKind::Random, BalancerKind::PowerOfTwo, BalancerKind::LeastConnections] {
            let c = counts(kind, &[1, 1, 1, 1], 4000);
            assert!(c.iter().all(|&x| x > 700), "{kind:?} {c:?}");
        }
    }

    #[test]
    fn least_connections_prefers_idle_pod() {
        let mut ps = pods(&[1, 1]);
        ps[0].queue.push_back(crate::dataplane::request::RequestId { idx: 0, generation: 0 });
        let eps = vec![PodId(0), PodId(1)];
        let mut b = Balancer::new(BalancerKind::LeastConnections, 1);
        for _ in 0..4 {
            assert_eq!(b.pick(&eps, &mut ps), Some(PodId(1)));
        }
    }

    #[test]
    fn cohort_routing_is_sticky_per_user_and_weight_routing_splits() {
        let mut r = Router::new(RoutingMode::Cohort, vec![90, 10], 3);
        for user in 0..100 {
            let v = r.pick(user);
            assert!((0..5).all(|_| r.pick(user) == v));
        }
        let mut w = Router::new(RoutingMode::Weight, vec![90, 10], 3);
        let canary = (0..10_000).filter(|_| w.pick(0) == 1).count();
        assert!((800..1200).contains(&canary), "{canary}");
    }
}
