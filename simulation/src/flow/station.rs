//! One pool of identical ready pods over one step: pure functions of the pool and the step,
//! table-tested apart from the engine.
//!
//! While the pool keeps up (no backlog and, with an unbounded queue, ρ < 1) it is in its
//! stationary state: the exact M/M/c (or, with waiting places, M/M/c/K) solution. Regular
//! arrivals (round robin: Erlang-n) use the GI/M/c geometric root σ = A*(cμ(1 − σ)): the wait
//! of those who wait is exactly exponential at cμ(1 − σ), and the probability of waiting is
//! Erlang C scaled by σ/ρ (exact for one worker and for Poisson arrivals). Service that is not
//! exponential scales the wait by (1 + c_s²)/2, as Allen–Cunneen's approximation does. While it cannot keep up, the excess is a backlog carried from step to
//! step and drained at capacity: its requests wait the backlog ahead of them, clients give up
//! at their timeout, and a bounded queue turns the excess away.

use crate::queueing::{erlang_b_fast, erlang_cdf};

/// A pool: pods of one version and image, alike, with the balancer's view of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool {
    pub pods: u32,
    pub workers: u32,
    /// Waiting places per pod; `None` for an unbounded queue.
    pub queue_capacity: Option<u32>,
    /// Mean service time (seconds) and its squared coefficient of variation.
    pub service_s: f64,
    pub service_scv: f64,
    /// Phases of one pod's interarrival time: 1 for Poisson arrivals; round robin over n pods
    /// gives each every n-th arrival, an Erlang-n interarrival time.
    pub arrival_phases: u32,
    /// The balancer sends each request to a pod with a free worker while there is one (least
    /// connections): the pool serves like one queue over all its workers.
    pub pooled: bool,
}

/// The waiting time of the requests a step serves: a fixed delay (the backlog ahead), then
/// with probability `p_wait` a wait of `shift_s` plus an exponential one at `rate` (per second)
/// — the shift keeps a nearly full bounded queue's wait as narrow as it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitLaw {
    pub delay_s: f64,
    pub p_wait: f64,
    pub shift_s: f64,
    pub rate: f64,
    /// Overloaded with impatient clients: the delay is the patience, and a served request
    /// waited it less an exponential headroom at this rate (M/M/c+D: the workload ahead is
    /// densest near the patience); 0 for none.
    pub headroom_rate: f64,
}

impl WaitLaw {
    pub const NONE: WaitLaw = WaitLaw { delay_s: 0.0, p_wait: 0.0, shift_s: 0.0, rate: f64::INFINITY, headroom_rate: 0.0 };

    pub fn mean_s(&self) -> f64 {
        let queued = if self.p_wait > 0.0 { self.p_wait * (self.shift_s + 1.0 / self.rate) } else { 0.0 };
        self.delay_s - self.headroom_mean_s() + queued
    }

    /// E[min(X, delay)] for the headroom X ~ Exp(headroom_rate).
    pub fn headroom_mean_s(&self) -> f64 {
        let k = self.headroom_rate;
        if k > 0.0 { -libm::expm1(-k * self.delay_s) / k } else { 0.0 }
    }
}

/// What happened in the pool over one step (totals over its pods).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepOutcome {
    /// Arrivals turned away by a full queue.
    pub rejected: f64,
    /// Waiting requests whose client gave up (their timeout passed in the queue).
    pub abandoned: f64,
    /// Requests a worker finished this step, and the wait they had.
    pub served: f64,
    pub wait: WaitLaw,
    /// Mean workers busy and requests waiting over the step.
    pub busy: f64,
    pub waiting: f64,
    /// The backlog carried to the next step.
    pub backlog: f64,
}

/// The pool over a step of `dt` seconds with arrivals at `rate` per second, a carried
/// `backlog` and the client's `timeout_s`.
pub fn step(pool: &Pool, rate: f64, backlog: f64, dt: f64, timeout_s: Option<f64>) -> StepOutcome {
    let rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
    let inflow = rate * dt;
    let (n, c, s) = (pool.pods as f64, pool.workers as f64, pool.service_s);
    if pool.pods == 0 || pool.workers == 0 || !(s > 0.0 && s.is_finite()) {
        // Nothing can serve: every arrival waits in vain.
        return StepOutcome { rejected: inflow, abandoned: backlog, served: 0.0, wait: WaitLaw::NONE, busy: 0.0, waiting: 0.0, backlog: 0.0 };
    }
    let capacity = n * c / s;
    let keeps_up = backlog <= 1e-9 && (pool.queue_capacity.is_some() || rate < capacity);
    if keeps_up { stationary(pool, rate, dt, timeout_s) } else { backlogged(pool, rate, backlog, dt, timeout_s, capacity) }
}

/// How much longer than exponential service makes a pool wait (Allen–Cunneen's service term).
fn service_factor(pool: &Pool) -> f64 {
    0.5 * (1.0 + pool.service_scv)
}

/// GI/M/c with Erlang-`k` interarrival times (rate `lambda`) at `servers` workers of rate
/// `mu`: the root σ in (0, 1) of σ = (1 + cμ(1 − σ)/(kλ))^(−k), by Newton's method from above.
pub fn geometric_root(k: u32, lambda: f64, servers: f64, mu: f64) -> f64 {
    let rho = lambda / (servers * mu);
    if k <= 1 || !(rho > 0.0 && rho < 1.0) {
        return rho;
    }
    let (kf, cm) = (k as f64, servers * mu);
    let f = |s: f64| libm::pow(1.0 + cm * (1.0 - s) / (kf * lambda), -kf) - s;
    let df = |s: f64| libm::pow(1.0 + cm * (1.0 - s) / (kf * lambda), -kf - 1.0) * cm / lambda - 1.0;
    // The root lies below ρ (regular arrivals wait less); Newton from ρ moves down monotonically.
    let mut s = rho;
    for _ in 0..30 {
        let next = (s - f(s) / df(s)).clamp(0.0, rho);
        if (next - s).abs() < 1e-14 {
            return next;
        }
        s = next;
    }
    s
}

fn stationary(pool: &Pool, rate: f64, dt: f64, timeout_s: Option<f64>) -> StepOutcome {
    let (n, s) = (pool.pods as f64, pool.service_s);
    let f = service_factor(pool);
    let (servers, lambda, copies, phases) = if pool.pooled {
        (pool.pods.saturating_mul(pool.workers), rate, 1.0, 1)
    } else {
        (pool.workers, rate / n, n, pool.arrival_phases.max(1))
    };
    let (cf, a) = (servers as f64, lambda * s);
    // The conditional wait's mean and, for a bounded queue, its shift (see `WaitLaw`).
    let mut shift_frac = 0.0;
    let mut variability = f;
    // Arrivals turned away by a room that patience, not the queue, sets: they time out.
    let mut impatient = false;
    let (p_block, p_wait, wq, lq_per) = match pool.queue_capacity {
        None => {
            let rho = a / cf;
            let b = erlang_b_fast(servers, a);
            let erlang_c = if a > 0.0 { b / (1.0 - rho * (1.0 - b)) } else { 0.0 };
            let sigma = geometric_root(phases, lambda, cf, 1.0 / s);
            let p_wait = if rho > 0.0 { erlang_c * sigma / rho } else { 0.0 };
            let wq = p_wait / (cf / s * (1.0 - sigma));
            (0.0, p_wait, wq, lambda * wq)
        }
        Some(k) => {
            // Pooled, the pods' waiting places add up as one room.
            let room = if pool.pooled { (k as f64 * n) as u64 } else { k as u64 };
            // Clients give up after their timeout: no one waits behind more than the servers
            // finish in that time, whatever room the queue has.
            let patient = timeout_s.map_or(room, |t| ((t * cf / s) as u64).min(room));
            impatient = patient < room;
            let b = bounded(servers, patient, a);
            shift_frac = b.shift_frac;
            // A queue near full is full whatever the service's variability: the correction
            // fades as the room fills.
            let fullness = if patient > 0 { (b.lq / patient as f64).clamp(0.0, 1.0) } else { 1.0 };
            variability = f + (1.0 - f) * fullness;
            let throughput = lambda * (1.0 - b.p_block);
            (b.p_block, b.p_wait, if throughput > 0.0 { b.lq / throughput } else { 0.0 }, b.lq)
        }
    };
    let admitted = rate * (1.0 - p_block);
    let f = variability;
    let (p_wait, shift, rate_w) = if f > 0.0 && p_wait > 0.0 && wq > 0.0 {
        // The conditional wait: mean wq·f / p_wait, a share of it fixed.
        let mean = wq * f / p_wait;
        let fixed = mean * shift_frac;
        (p_wait, fixed, 1.0 / (mean - fixed).max(1e-12))
    } else {
        (0.0, 0.0, f64::INFINITY)
    };
    let turned_away = rate * p_block * dt;
    StepOutcome {
        rejected: if impatient { 0.0 } else { turned_away },
        abandoned: if impatient { turned_away } else { 0.0 },
        served: admitted * dt,
        wait: WaitLaw { delay_s: 0.0, p_wait, shift_s: shift, rate: rate_w, headroom_rate: 0.0 },
        busy: admitted * s,
        waiting: lq_per * copies * f,
        backlog: 0.0,
    }
}

/// M/M/c/K's blocking, waiting and queue length, relative to the state with all `servers`
/// busy: the states below it by a backward recursion (stopped once negligible), those above it
/// a geometric series in closed form — linear in the servers, not in the room.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounded {
    pub p_block: f64,
    /// Among admitted requests.
    pub p_wait: f64,
    pub lq: f64,
    /// The share of the conditional wait's mean that is fixed, when it is shaped as a shift
    /// plus an exponential with the same mean and variance (0: purely exponential).
    pub shift_frac: f64,
}

pub fn bounded(servers: u32, room: u64, a: f64) -> Bounded {
    let c = servers as f64;
    if a <= 0.0 {
        return Bounded { p_block: if servers == 0 && room == 0 { 1.0 } else { 0.0 }, p_wait: 0.0, lq: 0.0, shift_frac: 0.0 };
    }
    // Σ_{n<c} q_n / q_c with q_n = aⁿ/n!: for a large pool that keeps up, through the Poisson
    // distribution (e^a P(N ≤ c − 1) / q_c); otherwise t_{n−1} = t_n · n / a, stopped once negligible.
    let low = if servers > 64 && a < c {
        let log_low = a + libm::log(1.0 - erlang_cdf(servers, a)) - (c * libm::log(a) - libm::lgamma(c + 1.0));
        if log_low > 575.0 {
            return Bounded { p_block: 0.0, p_wait: 0.0, lq: 0.0, shift_frac: 0.0 };
        }
        libm::exp(log_low)
    } else {
        let (mut t, mut low) = (1.0f64, 0.0f64);
        for n in (1..=servers).rev() {
            t *= n as f64 / a;
            low += t;
            if low > 1e250 {
                // Lightly loaded: the busy states are negligible.
                return Bounded { p_block: 0.0, p_wait: 0.0, lq: 0.0, shift_frac: 0.0 };
            }
            if (n as f64) < a && t < 1e-17 * low {
                break;
            }
        }
        low
    };
    let rho = a / c;
    let m = room as f64;
    let (g0, g1, top) = if (rho - 1.0).abs() < 1e-9 {
        (m + 1.0, m * (m + 1.0) / 2.0, 1.0)
    } else {
        let top = libm::pow(rho, m);
        let g0 = (1.0 - top * rho) / (1.0 - rho);
        let g1 = rho * (1.0 - (m + 1.0) * top + m * top * rho) / ((1.0 - rho) * (1.0 - rho));
        (g0, g1, top)
    };
    let total = low + g0;
    let p_block = top / total;
    let admitted = 1.0 - p_block;
    let p_wait = if admitted > 0.0 { (g0 - top) / total / admitted } else { 0.0 };
    Bounded { p_block, p_wait, lq: g1 / total, shift_frac: if p_wait > 0.0 { erlang_mix_shift(rho, room) } else { 0.0 } }
}

/// An arrival that finds m ≥ 1 ahead in the queue waits Erlang(m, cμ), m with weight ρ^(m−1)
/// up to the room: the fixed share of the conditional wait's mean when it is a shift plus an
/// exponential of the same mean and variance (0 when the variance reaches the mean's square).
/// Summed from the heavy end; a room of thousands stops once the weights are negligible.
fn erlang_mix_shift(rho: f64, room: u64) -> f64 {
    let (mut s0, mut s1, mut s2) = (0.0f64, 0.0f64, 0.0f64);
    let up = rho <= 1.0;
    let mut w = 1.0;
    for j in 0..room.min(20_000) {
        let m = if up { j + 1 } else { room - j } as f64;
        s0 += w;
        s1 += w * m;
        s2 += w * m * (m + 1.0);
        w *= if up { rho } else { 1.0 / rho };
        if w < 1e-13 * s0 {
            break;
        }
    }
    if s0 <= 0.0 {
        return 0.0;
    }
    // In units of 1/(cμ): E[W | W > 0] = s1/s0, E[W² | W > 0] = s2/s0.
    let mean = s1 / s0;
    let var = (s2 / s0 - mean * mean).max(0.0);
    ((mean - var.sqrt()) / mean).clamp(0.0, 1.0)
}

fn backlogged(pool: &Pool, rate: f64, backlog: f64, dt: f64, timeout_s: Option<f64>, capacity: f64) -> StepOutcome {
    let inflow = rate * dt;
    let total = backlog + inflow;
    let served = total.min(capacity * dt);
    let mut left = total - served;
    let mut rejected = 0.0;
    if let Some(k) = pool.queue_capacity {
        let room = pool.pods as f64 * k as f64;
        if left > room {
            rejected = left - room;
            left = room;
        }
    }
    let mut abandoned = 0.0;
    if let Some(t) = timeout_s {
        // FIFO at capacity: a request behind more than capacity·T gives up before its turn.
        let patient = capacity * t;
        if left > patient {
            abandoned = left - patient;
            left = patient;
        }
    }
    // The requests served now waited for what was ahead of them when they came; at the
    // patience's limit, less an exponential headroom (κ = C ln ρ).
    let ahead = 0.5 * (backlog + left);
    let wait = match timeout_s {
        Some(t) if abandoned > 0.0 && rate > capacity => WaitLaw { delay_s: t, headroom_rate: capacity * libm::log(rate / capacity), ..WaitLaw::NONE },
        _ => WaitLaw { delay_s: ahead / capacity, ..WaitLaw::NONE },
    };
    StepOutcome {
        rejected,
        abandoned,
        served,
        wait,
        busy: served / dt * pool.service_s,
        waiting: ahead,
        backlog: left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::Station;

    fn pool(pods: u32, workers: u32, service_s: f64) -> Pool {
        Pool { pods, workers, queue_capacity: None, service_s, service_scv: 1.0, arrival_phases: 1, pooled: false }
    }

    #[test]
    fn a_pool_that_keeps_up_is_exactly_m_m_c() {
        // One pod, 4 workers, 100 ms, 30 req/s: ρ = 0.75.
        let p = pool(1, 4, 0.1);
        let out = step(&p, 30.0, 0.0, 0.1, None);
        let exact = Station { servers: 4, capacity: None, arrival_rate: 30.0, service_rate: 10.0 }.solve().unwrap();
        assert!((out.wait.mean_s() - exact.wq).abs() < 1e-12);
        assert!((out.wait.p_wait - exact.p_wait).abs() < 1e-12);
        assert!((out.busy - 3.0).abs() < 1e-12 && (out.served - 3.0).abs() < 1e-12);
        assert!((out.waiting - exact.lq).abs() < 1e-12);
        assert_eq!((out.rejected, out.abandoned, out.backlog), (0.0, 0.0, 0.0));
        // Ten such pods behind a random balancer: each one the same station.
        let ten = step(&pool(10, 4, 0.1), 300.0, 0.0, 0.1, None);
        assert!((ten.wait.mean_s() - exact.wq).abs() < 1e-12 && (ten.waiting - 10.0 * exact.lq).abs() < 1e-9);
        // Pooled (least connections): one M/M/40 at the same load waits far less.
        let pooled = step(&Pool { pooled: true, ..pool(10, 4, 0.1) }, 300.0, 0.0, 0.1, None);
        let m40 = Station { servers: 40, capacity: None, arrival_rate: 300.0, service_rate: 10.0 }.solve().unwrap();
        assert!((pooled.wait.mean_s() - m40.wq).abs() < 1e-12 && pooled.wait.mean_s() < 0.2 * exact.wq);
    }

    #[test]
    fn deterministic_service_halves_the_wait() {
        let det = Pool { service_scv: 0.0, ..pool(1, 1, 0.1) };
        let out = step(&det, 8.0, 0.0, 0.1, None);
        // M/D/1: Wq = ρ s / (2 (1 − ρ)) = 0.8 · 0.1 / 0.4 = 0.2 s.
        assert!((out.wait.mean_s() - 0.2).abs() < 1e-12, "{}", out.wait.mean_s());
    }

    #[test]
    fn regular_arrivals_wait_less_and_one_worker_is_exact() {
        // D/M/1 limit check: Erlang-k arrivals to one worker, σ solves σ = (1 + (1 − σ)/(kρ))^(−k).
        let (lambda, mu) = (8.0, 10.0);
        let sigma = geometric_root(4, lambda, 1.0, mu);
        assert!((libm::pow(1.0 + mu * (1.0 - sigma) / (4.0 * lambda), -4.0) - sigma).abs() < 1e-12);
        assert!(sigma < 0.8 && sigma > 0.3);
        // E4/M/1: P(wait) = σ and the wait is Exp(μ(1 − σ)): mean σ / (μ(1 − σ)).
        let p = Pool { arrival_phases: 4, ..pool(1, 1, 0.1) };
        let out = step(&p, lambda, 0.0, 0.1, None);
        assert!((out.wait.p_wait - sigma).abs() < 1e-12);
        assert!((out.wait.mean_s() - sigma / (mu * (1.0 - sigma))).abs() < 1e-12);
        // Poisson arrivals: σ = ρ, the M/M/c solution unchanged.
        assert_eq!(geometric_root(1, 30.0, 4.0, 10.0), 0.75);
        let rr = step(&Pool { arrival_phases: 10, ..pool(10, 4, 0.1) }, 300.0, 0.0, 0.1, None);
        let random = step(&pool(10, 4, 0.1), 300.0, 0.0, 0.1, None);
        assert!(rr.wait.mean_s() < 0.6 * random.wait.mean_s());
    }

    #[test]
    fn overload_builds_a_backlog_that_drains_at_capacity() {
        // Capacity 40 req/s, 60 arriving: 2 requests more every 100 ms.
        let p = pool(1, 4, 0.1);
        let mut backlog = 0.0;
        let mut served = 0.0;
        for _ in 0..10 {
            let out = step(&p, 60.0, backlog, 0.1, None);
            assert!((out.busy - 4.0).abs() < 1e-9);
            served += out.served;
            backlog = out.backlog;
        }
        assert!((backlog - 20.0).abs() < 1e-9 && (served - 40.0).abs() < 1e-9);
        // The requests served now waited for the backlog ahead of them.
        let out = step(&p, 60.0, backlog, 0.1, None);
        assert!((out.wait.delay_s - 21.0 / 40.0).abs() < 1e-9);
        // Traffic falls to 20 req/s: 2 fewer each step until it is gone, then stationary again.
        let mut steps = 0;
        while backlog > 0.0 {
            backlog = step(&p, 20.0, backlog, 0.1, None).backlog;
            steps += 1;
        }
        assert_eq!(steps, 10);
        assert_eq!(step(&p, 20.0, 0.0, 0.1, None).backlog, 0.0);
    }

    #[test]
    fn timeouts_and_full_queues_cap_the_backlog() {
        // 2 s timeout at capacity 40 req/s: at most 80 wait; the rest give up.
        let p = pool(1, 4, 0.1);
        let out = step(&p, 60.0, 100.0, 0.1, Some(2.0));
        assert!((out.backlog - 80.0).abs() < 1e-9 && (out.abandoned - 22.0).abs() < 1e-9);
        // Ten waiting places: the excess is turned away.
        let bounded = Pool { queue_capacity: Some(10), ..p };
        let out = step(&bounded, 1000.0, 0.0, 0.1, None);
        let exact = Station { servers: 4, capacity: Some(14), arrival_rate: 1000.0, service_rate: 10.0 }.solve().unwrap();
        assert!((out.rejected - 100.0 * exact.p_block).abs() < 1e-9 && out.backlog == 0.0);
    }

    #[test]
    fn bounded_matches_the_exact_m_m_c_k() {
        for (c, room, lambda) in [(1u32, 0u64, 0.5), (4, 10, 30.0), (4, 10, 40.0), (4, 10, 100.0), (2, 30, 25.0), (64, 200, 6000.0), (96, 480, 1000.0), (520, 3250, 3000.0), (520, 3250, 5100.0), (800, 100, 2000.0)] {
            let exact = Station { servers: c, capacity: Some(c + room as u32), arrival_rate: lambda, service_rate: 10.0 }.solve().unwrap();
            let b = bounded(c, room, lambda / 10.0);
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * y.abs().max(1e-12);
            assert!(close(b.p_block, exact.p_block) && close(b.p_wait, exact.p_wait) && close(b.lq, exact.lq), "c={c} K={room} λ={lambda}: {b:?} vs {exact:?}");
        }
    }

    #[test]
    fn impatience_bounds_a_long_queue() {
        // 4 workers at 100 ms, 200 places, 60 req/s, clients leave after 0.4 s: nobody waits
        // behind more than 16 requests; the rest time out instead of filling 200 places.
        let p = Pool { queue_capacity: Some(200), ..pool(1, 4, 0.1) };
        let patient = step(&p, 60.0, 0.0, 0.1, Some(0.4));
        let exact = Station { servers: 4, capacity: Some(20), arrival_rate: 60.0, service_rate: 10.0 }.solve().unwrap();
        assert!((patient.abandoned - 6.0 * exact.p_block).abs() < 1e-9 && patient.rejected == 0.0);
        assert!(patient.waiting < 16.0 && patient.wait.mean_s() < 0.4);
        // Without a timeout the same queue fills its 200 places.
        let full = step(&p, 60.0, 0.0, 0.1, None);
        assert!(full.waiting > 150.0 && full.abandoned == 0.0 && full.rejected > 0.0);
    }

    #[test]
    fn nothing_to_serve_turns_everything_away() {
        let out = step(&pool(0, 4, 0.1), 50.0, 3.0, 0.1, None);
        assert_eq!((out.rejected, out.abandoned, out.served), (5.0, 3.0, 0.0));
    }
}
