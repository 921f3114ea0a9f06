//! The response time of a step's requests: its wait (`WaitLaw`) plus the service of the build
//! that serves them. Its survival function gives the shares that miss the client's timeout or
//! the latency SLI; a fixed lattice of inverse-transform points records it into the window's
//! histograms, each point weighted by the requests it stands for, so a window's percentiles
//! are those of the throughput-weighted mixture of its steps.

use super::station::WaitLaw;
use crate::queueing::exp_sum_survival;
use crate::rng::Dist;

/// Points per law recorded (once a second while a pool's wait holds still).
pub(super) const POINTS: usize = 48;

/// A service time: the build's distribution (µs) plus a fixed extra latency (µs).
#[derive(Clone, Copy, Debug)]
pub(super) struct Service<'a> {
    pub dist: &'a Dist,
    pub extra_us: f64,
}

impl Service<'_> {
    pub fn mean_s(&self) -> f64 {
        (self.dist.mean_us() + self.extra_us) / 1e6
    }

    /// Squared coefficient of variation of the whole service (the shift lowers it).
    pub fn scv(&self) -> f64 {
        let m = self.dist.mean_us();
        let total = m + self.extra_us;
        if total <= 0.0 { 0.0 } else { self.dist.scv() * m * m / (total * total) }
    }

    /// P(S > t), t in seconds.
    fn survival(&self, t: f64) -> f64 {
        self.dist.survival_us(t * 1e6 - self.extra_us)
    }
}

/// P(W + S > x), x in seconds.
pub(super) fn survival(wait: &WaitLaw, service: &Service, x: f64) -> f64 {
    if wait.headroom_rate > 0.0 {
        return headroom_survival(wait, service, x);
    }
    let y = x - wait.delay_s;
    if y < 0.0 {
        return 1.0;
    }
    let (p, theta) = (wait.p_wait, wait.rate);
    let served_at_once = service.survival(y);
    if p > 0.0 && y - wait.shift_s < 0.0 {
        return (1.0 - p) * served_at_once + p;
    }
    if p <= 0.0 || !theta.is_finite() {
        return served_at_once;
    }
    (1.0 - p) * served_at_once + p * exp_wait_survival(theta, service, y - wait.shift_s)
}

/// P(E + S > y) with E ~ Exp(θ), in closed form for exponential and fixed service and by
/// quadrature over E's quantiles otherwise.
fn exp_wait_survival(theta: f64, service: &Service, y: f64) -> f64 {
    let shift = service.extra_us / 1e6;
    match *service.dist {
        Dist::Exponential { mean_us } => {
            if y < shift {
                1.0
            } else {
                exp_sum_survival(theta, 1e6 / mean_us, y - shift)
            }
        }
        Dist::Deterministic { us } => {
            let d = us as f64 / 1e6 + shift;
            if y < d { 1.0 } else { libm::exp(-theta * (y - d)) }
        }
        Dist::LogNormal { .. } => {
            // e^(−θy) + ∫ θe^(−θe) P(S > y − e) de over [0, y], by Simpson's rule where the
            // kernel still weighs (beyond 30/θ it is below e^(−30)).
            const N: usize = 24;
            let top = y.min(30.0 / theta);
            let h = top / N as f64;
            let f = |e: f64| theta * libm::exp(-theta * e) * service.survival(y - e);
            let inner: f64 = (1..N).map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * f(i as f64 * h)).sum();
            (libm::exp(-theta * y) + (f(0.0) + f(top) + inner) * h / 3.0).clamp(0.0, 1.0)
        }
    }
}

/// P(d − min(X, d) + S > x) with X ~ Exp(κ): Simpson's rule over X below d where the kernel
/// still weighs, plus the atom X ≥ d (no wait at all).
fn headroom_survival(wait: &WaitLaw, service: &Service, x: f64) -> f64 {
    let (d, k) = (wait.delay_s, wait.headroom_rate);
    // Finer than the other rule: the service's own decay can be sharper than the headroom's.
    const N: usize = 64;
    let top = d.min(30.0 / k);
    let h = top / N as f64;
    let f = |e: f64| k * libm::exp(-k * e) * service.survival(x - (d - e));
    let inner: f64 = (1..N).map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * f(i as f64 * h)).sum();
    let atom = libm::exp(-k * d) * service.survival(x);
    ((f(0.0) + f(top) + inner) * h / 3.0 + atom).clamp(0.0, 1.0)
}

/// The lattice's point `i` of `POINTS` for recording `k`: two coordinates in (0, 1), shifted
/// each recording along the R2 sequence so successive ones fill in between each other's points.
fn lattice(i: usize, k: u64) -> (f64, f64) {
    const G1: f64 = 0.754_877_666_246_692_7;
    const G2: f64 = 0.569_840_290_998_053_3;
    const GOLDEN: f64 = 0.618_033_988_749_894_9;
    let frac = |x: f64| x - x.floor();
    let s = k as f64;
    let u = frac((i as f64 + 0.5) / POINTS as f64 + frac(s * G1));
    let v = frac(i as f64 * GOLDEN + frac(s * G2));
    (u, v)
}

/// Points of the law: (wait µs, response µs, weight). The lattice is bent towards the slow
/// end (u = 1 − (1 − x)², the same for the service), each point weighted by how thinly it
/// samples (2(1 − x) · 2(1 − y)), so the tail a p99 reads is covered by many points of small
/// weight. Responses past `cutoff_s` (the timeout) are left out.
pub(super) fn points(wait: &WaitLaw, service: &Service, k: u64, cutoff_s: Option<f64>, out: &mut Vec<(u64, u64, f64)>) {
    out.clear();
    for i in 0..POINTS {
        let (x, y) = lattice(i, k);
        let (u, v) = ((1.0 - (1.0 - x) * (1.0 - x)).clamp(1e-12, 1.0 - 1e-15), (1.0 - (1.0 - y) * (1.0 - y)).clamp(1e-12, 1.0 - 1e-15));
        let weight = (1.0 - x) * (1.0 - y);
        let queued = if wait.p_wait > 0.0 && u > 1.0 - wait.p_wait && wait.rate.is_finite() {
            wait.shift_s - libm::log((1.0 - u) / wait.p_wait) / wait.rate
        } else {
            0.0
        };
        let headroom = if wait.headroom_rate > 0.0 { (-libm::log1p(-u) / wait.headroom_rate).min(wait.delay_s) } else { 0.0 };
        let w = wait.delay_s - headroom + queued;
        let r_us = w * 1e6 + service.dist.quantile_us(v) + service.extra_us;
        if cutoff_s.is_some_and(|c| r_us > c * 1e6) {
            continue;
        }
        out.push(((w * 1e6 + 0.5) as u64, (r_us + 0.5) as u64, weight));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::{Station, quantile};

    #[test]
    fn survival_matches_the_exact_m_m_c_response() {
        let exact = Station { servers: 3, capacity: None, arrival_rate: 24.0, service_rate: 10.0 }.solve().unwrap();
        let crate::queueing::Wait::Exponential { rate } = exact.wait else { panic!() };
        let wait = WaitLaw { delay_s: 0.0, p_wait: exact.p_wait, shift_s: 0.0, rate, headroom_rate: 0.0 };
        let dist = Dist::exponential_ms(100.0);
        let svc = Service { dist: &dist, extra_us: 0.0 };
        for x in [0.0, 0.05, 0.2, 0.7, 2.0] {
            assert!((survival(&wait, &svc, x) - exact.response_survival(x)).abs() < 1e-12, "x={x}");
        }
    }

    #[test]
    fn impatient_overload_still_completes_what_fits_before_the_timeout() {
        // Waited T − X, X ~ Exp(κ); exponential service at μ: completed within T iff S ≤ X,
        // P = 1 − E[e^(−μX)] = μ / (κ + μ) (less the atom's small share where X reaches T).
        let dist = Dist::exponential_ms(100.0);
        let svc = Service { dist: &dist, extra_us: 0.0 };
        let wait = WaitLaw { delay_s: 2.0, headroom_rate: 4.0, ..WaitLaw::NONE };
        let done = 1.0 - survival(&wait, &svc, 2.0);
        assert!((done - 10.0 / 14.0).abs() < 2e-3, "{done}");
        assert!((wait.mean_s() - (2.0 - 0.25 * (1.0 - libm::exp(-8.0)))).abs() < 1e-12);
    }

    #[test]
    fn quadrature_agrees_with_closed_forms() {
        // A log-normal with a small σ is almost fixed: compare with the fixed service's closed form.
        let ln = Dist::lognormal_ms(50.0, 0.02);
        let det = Dist::Deterministic { us: 50_000 };
        let wait = WaitLaw { delay_s: 0.01, p_wait: 0.4, shift_s: 0.0, rate: 8.0, headroom_rate: 0.0 };
        for x in [0.1, 0.3, 0.6] {
            let a = survival(&wait, &Service { dist: &ln, extra_us: 0.0 }, x);
            let b = survival(&wait, &Service { dist: &det, extra_us: 0.0 }, x);
            assert!((a - b).abs() < 3e-3, "x={x}: {a} vs {b}");
        }
    }

    #[test]
    fn the_points_follow_the_law() {
        // Over many recordings the points' weighted p50 and p99 match the law's quantiles.
        let dist = Dist::lognormal_ms(40.0, 0.8);
        let svc = Service { dist: &dist, extra_us: 5_000.0 };
        let wait = WaitLaw { delay_s: 0.0, p_wait: 0.3, shift_s: 0.02, rate: 20.0, headroom_rate: 0.0 };
        let mut all = Vec::new();
        let mut buf = Vec::new();
        for k in 0..300 {
            points(&wait, &svc, k, None, &mut buf);
            all.extend(buf.iter().map(|p| (p.1 as f64 / 1e6, p.2)));
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = all.iter().map(|p| p.1).sum();
        for q in [0.5, 0.9, 0.99] {
            let mut acc = 0.0;
            let empirical = all.iter().find(|p| {
                acc += p.1;
                acc >= q * total
            });
            let empirical = empirical.map_or(f64::NAN, |p| p.0);
            let law = quantile(q, |x| survival(&wait, &svc, x));
            assert!((empirical / law - 1.0).abs() < 0.01, "q{q}: {empirical} vs {law}");
        }
        // One recording alone already places its p99 within a few percent.
        points(&wait, &svc, 7, None, &mut buf);
        let mut one: Vec<(f64, f64)> = buf.iter().map(|p| (p.1 as f64 / 1e6, p.2)).collect();
        one.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = one.iter().map(|p| p.1).sum();
        let mut acc = 0.0;
        let p99 = one.iter().find(|p| {
            acc += p.1;
            acc >= 0.99 * total
        });
        let law = quantile(0.99, |x| survival(&wait, &svc, x));
        assert!((p99.map_or(f64::NAN, |p| p.0) / law - 1.0).abs() < 0.15, "{p99:?} vs {law}");
    }
}
