//! Exact stationary solution of one queueing station — M/M/c, and M/M/c/K when the room is
//! bounded — with the distributions of its waiting and response times.
//!
//! The request-level engine reproduces these values by simulation (the calibration tests); the
//! flow-level engine uses them directly. A window's percentile is a quantile of the
//! throughput-weighted mixture of its steps' distributions ([`quantile`] over a summed survival
//! function), never an average of per-step percentiles.

use libm::{exp, expm1, lgamma, log};

/// `servers` identical servers fed by Poisson arrivals at `arrival_rate`, each serving at
/// `service_rate` (exponential service), with at most `capacity` requests in the system (in
/// service plus waiting, Kendall's K) when it is bounded. Rates are per unit of time; every time
/// in a [`Solution`] is in the same unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Station {
    pub servers: u32,
    pub capacity: Option<u32>,
    pub arrival_rate: f64,
    pub service_rate: f64,
}

/// Why a station has no stationary solution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unsolvable {
    /// No server, a capacity below the server count, or a rate that is not a positive finite number
    /// (the arrival rate may be zero).
    BadParameters,
    /// Unbounded room with arrivals at or above capacity (ρ ≥ 1): the queue grows without end.
    Overloaded { utilization: f64 },
}

/// The waiting time of an admitted request: an atom at zero of mass `1 − p_wait`, then a tail.
#[derive(Clone, Debug, PartialEq)]
pub enum Wait {
    /// M/M/c: P(Wq > t) = p_wait · e^(−rate·t), with rate = cμ − λ.
    Exponential { rate: f64 },
    /// M/M/c/K: an arrival that finds c + m − 1 in the system waits Erlang(m, cμ);
    /// `weights[m − 1]` is that probability among admitted arrivals.
    Erlang { weights: Vec<f64>, rate: f64 },
}

/// The stationary solution of a [`Station`].
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Probability that the system is empty.
    pub p0: f64,
    /// Probability that an arrival finds no room (0 when the room is unbounded).
    pub p_block: f64,
    /// Admitted arrivals per unit time, λ·(1 − p_block).
    pub throughput: f64,
    /// Busy fraction of each server, throughput / (cμ).
    pub utilization: f64,
    /// Probability that an admitted request waits.
    pub p_wait: f64,
    /// Mean number waiting, mean number in the system.
    pub lq: f64,
    pub l: f64,
    /// Mean wait and mean response time of admitted requests.
    pub wq: f64,
    pub w: f64,
    pub wait: Wait,
    pub service_rate: f64,
}

impl Station {
    pub fn solve(&self) -> Result<Solution, Unsolvable> {
        let (c, lambda, mu) = (self.servers, self.arrival_rate, self.service_rate);
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if c == 0 || !positive(mu) || !(lambda.is_finite() && lambda >= 0.0) || self.capacity.is_some_and(|k| k < c) {
            return Err(Unsolvable::BadParameters);
        }
        match self.capacity {
            None => self.solve_unbounded(),
            Some(k) => Ok(self.solve_bounded(k)),
        }
    }

    fn solve_unbounded(&self) -> Result<Solution, Unsolvable> {
        let (c, lambda, mu) = (self.servers as f64, self.arrival_rate, self.service_rate);
        let a = lambda / mu;
        let rho = a / c;
        if rho >= 1.0 {
            return Err(Unsolvable::Overloaded { utilization: rho });
        }
        let b = erlang_b(self.servers, a);
        let p_wait = b / (1.0 - rho * (1.0 - b));
        let rate = c * mu - lambda;
        let wq = p_wait / rate;
        let w = wq + 1.0 / mu;
        // p0 from Erlang C: p_wait = p0 · a^c / (c! (1 − ρ)).
        let log_p0 = log(p_wait) + log(1.0 - rho) + lgamma(c + 1.0) - c * log(a);
        let p0 = if a == 0.0 { 1.0 } else { exp(log_p0) };
        Ok(Solution {
            p0,
            p_block: 0.0,
            throughput: lambda,
            utilization: rho,
            p_wait,
            lq: lambda * wq,
            l: lambda * w,
            wq,
            w,
            wait: Wait::Exponential { rate },
            service_rate: mu,
        })
    }

    fn solve_bounded(&self, k: u32) -> Solution {
        let (c, lambda, mu) = (self.servers, self.arrival_rate, self.service_rate);
        let a = lambda / mu;
        let rho = a / c as f64;
        // p_n ∝ a^n/n! (n ≤ c), ∝ a^c/c! · ρ^(n−c) (n > c): in logs, so a large pool cannot overflow.
        let log_q: Vec<f64> = (0..=k)
            .map(|n| {
                if a == 0.0 {
                    return if n == 0 { 0.0 } else { f64::NEG_INFINITY };
                }
                let m = n.min(c) as f64;
                m * log(a) - lgamma(m + 1.0) + (n.saturating_sub(c)) as f64 * log(rho)
            })
            .collect();
        let top = log_q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let q: Vec<f64> = log_q.iter().map(|l| exp(l - top)).collect();
        let total: f64 = q.iter().sum();
        let p: Vec<f64> = q.iter().map(|x| x / total).collect();
        let p_block = p[k as usize];
        let admitted = 1.0 - p_block;
        let throughput = lambda * admitted;
        let lq: f64 = p.iter().enumerate().skip(c as usize + 1).map(|(n, pn)| (n - c as usize) as f64 * pn).sum();
        let l: f64 = p.iter().enumerate().map(|(n, pn)| n as f64 * pn).sum();
        let weights: Vec<f64> = p[c as usize..k as usize].iter().map(|pn| pn / admitted).collect();
        let p_wait = weights.iter().sum();
        let wq = if throughput > 0.0 { lq / throughput } else { 0.0 };
        Solution {
            p0: p[0],
            p_block,
            throughput,
            utilization: throughput / (c as f64 * mu),
            p_wait,
            lq,
            l,
            wq,
            w: wq + 1.0 / mu,
            wait: Wait::Erlang { weights, rate: c as f64 * mu },
            service_rate: mu,
        }
    }
}

/// Erlang B by the stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
pub fn erlang_b(servers: u32, offered: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| offered * b / (k as f64 + offered * b))
}

/// Erlang B in time independent of the pool's size: the recursion for small pools, and for
/// large ones the Poisson form B = P(N = c) / P(N ≤ c), N ~ Poisson(a), in logs (for a pool
/// that can keep up, a < c + 1, where both terms are accurate).
pub fn erlang_b_fast(servers: u32, offered: f64) -> f64 {
    if servers <= 256 || offered <= 0.0 || offered >= servers as f64 + 1.0 {
        return erlang_b(servers, offered);
    }
    let c = servers as f64;
    let log_pmf = c * log(offered) - offered - lgamma(c + 1.0);
    let cdf = 1.0 - erlang_cdf(servers + 1, offered);
    (exp(log_pmf) / cdf).min(1.0)
}

/// P(X + S > t) for X ~ Exp(a) and S ~ Exp(b), independent (the flow engine's response law).
pub fn exp_sum_survival(a: f64, b: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    hypoexponential_survival(a, b, t)
}

impl Solution {
    /// P(Wq > t) for an admitted request.
    pub fn wait_survival(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        match &self.wait {
            Wait::Exponential { rate } => self.p_wait * exp(-rate * t),
            Wait::Erlang { weights, rate } => weights.iter().enumerate().map(|(i, w)| w * erlang_survival(i as u32 + 1, *rate, t)).sum(),
        }
    }

    /// P(W > t) for an admitted request: its wait plus an independent exponential service.
    pub fn response_survival(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 1.0;
        }
        let mu = self.service_rate;
        let served_at_once = (1.0 - self.p_wait) * exp(-mu * t);
        let after_waiting = match &self.wait {
            Wait::Exponential { rate } => self.p_wait * hypoexponential_survival(*rate, mu, t),
            Wait::Erlang { weights, rate } => {
                weights.iter().enumerate().map(|(i, w)| w * erlang_plus_exponential_survival(i as u32 + 1, *rate, mu, t)).sum()
            }
        };
        served_at_once + after_waiting
    }
}

/// The smallest t with survival(t) ≤ 1 − q: the q-quantile of a distribution on [0, ∞) given by
/// its (non-increasing) survival function — for a mixture, pass the weighted sum of the parts'.
pub fn quantile(q: f64, survival: impl Fn(f64) -> f64) -> f64 {
    let tail = 1.0 - q;
    if survival(0.0) <= tail {
        return 0.0;
    }
    let mut hi = 1.0;
    while survival(hi) > tail {
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    let mut lo = 0.0;
    // Bisection to the last bit: 1,100 halvings reach any f64 interval's width.
    for _ in 0..1100 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if survival(mid) > tail { lo = mid } else { hi = mid }
    }
    hi
}

/// P(Erlang(m, rate) > t) = e^(−x) Σ_{j<m} x^j/j!, with x = rate·t.
pub fn erlang_survival(m: u32, rate: f64, t: f64) -> f64 {
    1.0 - erlang_cdf(m, rate * t)
}

/// P(Gamma(m, 1) ≤ x), the regularized lower incomplete gamma function for a whole shape m:
/// its series below the mode, the complement's finite sum above it, both in logs.
pub fn erlang_cdf(m: u32, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let m_f = m as f64;
    if x < m_f + 1.0 {
        // P(m, x) = e^(−x) x^m / m! · Σ_k x^k / ((m+1)…(m+k))
        let (mut term, mut sum) = (1.0, 1.0);
        for k in 1..10_000 {
            term *= x / (m_f + k as f64);
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        exp(-x + m_f * log(x) - lgamma(m_f + 1.0) + log(sum)).min(1.0)
    } else {
        // Q(m, x) = e^(−x) Σ_{j<m} x^j / j!
        let mut term = 1.0;
        let mut sum = 1.0;
        for j in 1..m {
            term *= x / j as f64;
            sum += term;
        }
        (1.0 - exp(-x + log(sum))).max(0.0)
    }
}

/// P(X + S > t) for X ~ Exp(a) and S ~ Exp(b), independent.
fn hypoexponential_survival(a: f64, b: f64, t: f64) -> f64 {
    let d = a - b;
    if d.abs() <= 1e-9 * a.max(b) {
        return (1.0 + b * t) * exp(-b * t);
    }
    // (a e^(−bt) − b e^(−at)) / (a − b) = e^(−bt) · (1 + b (1 − e^(−(a−b)t)) / (a − b)), without cancellation.
    exp(-b * t) * (1.0 + b * -expm1(-d * t) / d)
}

/// P(E + S > t) for E ~ Erlang(m, nu) and S ~ Exp(mu), independent, with nu ≥ mu.
/// P(E > t) plus e^(−μt) ∫₀ᵗ f_E(x) e^(μx) dx, the integral being (ν/(ν−μ))^m · P(Gamma(m, ν−μ) ≤ t).
fn erlang_plus_exponential_survival(m: u32, nu: f64, mu: f64, t: f64) -> f64 {
    let gap = nu - mu;
    let m_f = m as f64;
    let carried = if gap <= 1e-12 * nu {
        // ν = μ: ∫₀ᵗ μ^m x^(m−1)/(m−1)! dx = (μt)^m / m!
        exp(m_f * log(mu * t) - lgamma(m_f + 1.0) - mu * t)
    } else {
        let cdf = erlang_cdf(m, gap * t);
        if cdf <= 0.0 { 0.0 } else { exp(m_f * log(nu / gap) + log(cdf) - mu * t) }
    };
    erlang_survival(m, nu, t) + carried
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-12)
    }

    #[test]
    fn erlang_b_table() {
        // Textbook values: B(1, 1) = 1/2, B(2, 1) = 1/5, B(10, 5) = (5¹⁰/10!) / Σ 5ᵏ/k! ≈ 0.0183846.
        assert!(close(erlang_b(1, 1.0), 0.5, 1e-15));
        assert!(close(erlang_b(2, 1.0), 0.2, 1e-15));
        assert!(close(erlang_b(10, 5.0), 0.018_384_570_336_648_14, 1e-12));
    }

    #[test]
    fn erlang_b_fast_agrees_with_the_recursion_for_large_pools() {
        for (c, a) in [(300u32, 250.0), (1000, 990.0), (6400, 6000.0), (6400, 3000.0), (500, 100.0)] {
            let (slow, fast) = (erlang_b(c, a), erlang_b_fast(c, a));
            assert!((slow - fast).abs() <= 1e-9 * slow.max(1e-300) + 1e-300, "c={c} a={a}: {slow} vs {fast}");
        }
    }

    #[test]
    fn erlang_cdf_matches_its_finite_sum_on_both_sides_of_the_mode() {
        for m in [1u32, 2, 5, 20, 80] {
            for x in [0.01, 0.5, 1.0, 4.0, 19.0, 21.0, 60.0, 120.0] {
                let direct: f64 = 1.0 - (0..m).map(|j| exp(-x + j as f64 * log(x) - lgamma(j as f64 + 1.0))).sum::<f64>();
                assert!((erlang_cdf(m, x) - direct).abs() < 1e-12, "m={m} x={x}: {} vs {direct}", erlang_cdf(m, x));
            }
        }
    }

    #[test]
    fn sums_of_exponentials_match_their_closed_forms() {
        // Erlang(1, ν) + Exp(μ) is the hypoexponential; both paths must agree.
        for (nu, mu) in [(2.0, 1.0), (8.0, 1.0), (1.0 + 1e-13, 1.0), (1.0, 1.0)] {
            for t in [0.0, 0.3, 1.0, 5.0] {
                let a = erlang_plus_exponential_survival(1, nu, mu, t);
                let b = hypoexponential_survival(nu, mu, t);
                assert!((a - b).abs() < 1e-9, "ν={nu} μ={mu} t={t}: {a} vs {b}");
            }
        }
        // Exp(2) + Exp(1): (2e^(−t) − e^(−2t)) / 1
        let t = 0.7;
        assert!(close(hypoexponential_survival(2.0, 1.0, t), 2.0 * exp(-t) - exp(-2.0 * t), 1e-12));
    }

    #[test]
    fn a_mixture_quantile_is_not_the_mean_of_quantiles() {
        // Half the traffic at W ~ Exp(1), half at W ~ Exp(10): p99 of the mix is far above the
        // average of the two p99s' … and below the slow half's own p99.
        let slow = |t: f64| exp(-t);
        let fast = |t: f64| exp(-10.0 * t);
        let mix = quantile(0.99, |t| 0.5 * slow(t) + 0.5 * fast(t));
        let (p_slow, p_fast) = (quantile(0.99, slow), quantile(0.99, fast));
        assert!(close(p_slow, libm::log(100.0), 1e-12));
        assert!(mix < p_slow && mix > 0.5 * (p_slow + p_fast));
        assert!(close(0.5 * slow(mix) + 0.5 * fast(mix), 0.01, 1e-9));
    }

    #[test]
    fn unstable_and_malformed_stations_are_refused() {
        let st = |c, k, l, m| Station { servers: c, capacity: k, arrival_rate: l, service_rate: m }.solve();
        assert_eq!(st(2, None, 2.0, 1.0), Err(Unsolvable::Overloaded { utilization: 1.0 }));
        assert_eq!(st(0, None, 1.0, 1.0), Err(Unsolvable::BadParameters));
        assert_eq!(st(4, Some(3), 1.0, 1.0), Err(Unsolvable::BadParameters));
        assert_eq!(st(1, None, f64::NAN, 1.0), Err(Unsolvable::BadParameters));
        // Bounded room is always solvable, even far above capacity, and without arrivals.
        let over = st(2, Some(10), 100.0, 1.0).unwrap();
        assert!(over.p_block > 0.97 && close(over.throughput, 100.0 * (1.0 - over.p_block), 1e-12));
        let idle = st(3, Some(5), 0.0, 1.0).unwrap();
        assert_eq!((idle.p0, idle.p_wait, idle.wq), (1.0, 0.0, 0.0));
        // A large pool neither overflows nor loses mass.
        let big = st(2_000, Some(4_000), 1_900.0, 1.0).unwrap();
        assert!(big.p0.is_finite() && big.utilization > 0.9 && big.utilization < 1.0);
    }
}
