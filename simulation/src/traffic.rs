//! Traffic: the open model (Poisson arrivals whose rate follows a shape) and the closed model
//! (N users who think, send, wait for the answer). Shapes and presets are pure functions of time.

use crate::kernel::SimTime;
use crate::rng::RngStream;
use serde::{Deserialize, Serialize};

/// Arrival rate over time, in requests per second; `t` in seconds since the start.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Constant {
        rps: f64,
    },
    /// Linear from `from_rps` to `to_rps` over [start_s, start_s + duration_s].
    Ramp {
        from_rps: f64,
        to_rps: f64,
        start_s: f64,
        duration_s: f64,
    },
    Step {
        from_rps: f64,
        to_rps: f64,
        at_s: f64,
    },
    /// `peak_rps` for `duration_s` from `at_s`, `base_rps` otherwise.
    Spike {
        base_rps: f64,
        peak_rps: f64,
        at_s: f64,
        duration_s: f64,
    },
    /// Sale opens at `at_s`: up to the peak in `ramp_s`, hold `hold_s`, back down in `decay_s`.
    FlashSale {
        base_rps: f64,
        peak_rps: f64,
        at_s: f64,
        ramp_s: f64,
        hold_s: f64,
        decay_s: f64,
    },
    /// Cosine day: `max_rps` at `peak_at_s` (mod period), `min_rps` half a period later.
    DailyCycle {
        min_rps: f64,
        max_rps: f64,
        period_s: f64,
        peak_at_s: f64,
    },
    /// A load-test script: from `start_rps`, ramp linearly to each target over its duration;
    /// after the last stage, hold the last target.
    Staged {
        start_rps: f64,
        stages: Vec<Stage>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Requests per second (open model) or users (closed model).
    pub target_rps: f64,
    pub duration_s: f64,
}

fn lerp(a: f64, b: f64, f: f64) -> f64 {
    a + (b - a) * f.clamp(0.0, 1.0)
}

impl Shape {
    pub fn rate_at(&self, t: f64) -> f64 {
        let r = match self {
            Shape::Constant { rps } => *rps,
            Shape::Ramp { from_rps, to_rps, start_s, duration_s } => {
                if *duration_s <= 0.0 {
                    if t < *start_s { *from_rps } else { *to_rps }
                } else {
                    lerp(*from_rps, *to_rps, (t - start_s) / duration_s)
                }
            }
            Shape::Step { from_rps, to_rps, at_s } => {
                if t < *at_s {
                    *from_rps
                } else {
                    *to_rps
                }
            }
            Shape::Spike { base_rps, peak_rps, at_s, duration_s } => {
                if t >= *at_s && t < at_s + duration_s {
                    *peak_rps
                } else {
                    *base_rps
                }
            }
            Shape::FlashSale { base_rps, peak_rps, at_s, ramp_s, hold_s, decay_s } => {
                let x = t - at_s;
                if x < 0.0 {
                    *base_rps
                } else if x < *ramp_s {
                    lerp(*base_rps, *peak_rps, x / ramp_s)
                } else if x < ramp_s + hold_s {
                    *peak_rps
                } else if x < ramp_s + hold_s + decay_s {
                    lerp(*peak_rps, *base_rps, (x - ramp_s - hold_s) / decay_s)
                } else {
                    *base_rps
                }
            }
            Shape::DailyCycle { min_rps, max_rps, period_s, peak_at_s } => {
                let phase = 2.0 * core::f64::consts::PI * (t - peak_at_s) / period_s;
                min_rps + (max_rps - min_rps) * (1.0 + libm::cos(phase)) / 2.0
            }
            Shape::Staged { start_rps, stages } => {
                let mut from = *start_rps;
                let mut t0 = 0.0;
                for s in stages {
                    if t < t0 + s.duration_s {
                        return lerp(from, s.target_rps, (t - t0) / s.duration_s).max(0.0);
                    }
                    from = s.target_rps;
                    t0 += s.duration_s;
                }
                from
            }
        };
        r.max(0.0)
    }

    /// Times where the rate may peak inside (t0, t1): the kinks of the piecewise-linear shapes
    /// and the crests of the daily cycle. With the endpoints they bound the rate on the interval.
    fn kinks_in(&self, t0: f64, t1: f64, out: &mut Vec<f64>) {
        let mut push = |x: f64| {
            if x > t0 && x < t1 {
                out.push(x);
            }
        };
        match self {
            Shape::Constant { .. } => {}
            Shape::Ramp { start_s, duration_s, .. } => {
                push(*start_s);
                push(start_s + duration_s);
            }
            Shape::Step { at_s, .. } => push(*at_s),
            Shape::Spike { at_s, duration_s, .. } => {
                push(*at_s);
                push(at_s + duration_s - 1e-9);
            }
            Shape::FlashSale { at_s, ramp_s, hold_s, decay_s, .. } => {
                push(*at_s);
                push(at_s + ramp_s);
                push(at_s + ramp_s + hold_s);
                push(at_s + ramp_s + hold_s + decay_s);
            }
            Shape::DailyCycle { period_s, peak_at_s, .. } => {
                let k = libm::ceil((t0 - peak_at_s) / period_s);
                push(peak_at_s + k * period_s);
            }
            Shape::Staged { stages, .. } => {
                let mut t = 0.0;
                for s in stages {
                    t += s.duration_s;
                    push(t - 1e-9);
                    push(t);
                }
            }
        }
    }

    /// An upper bound of the rate on [t0, t1].
    pub fn max_rate_in(&self, t0: f64, t1: f64) -> f64 {
        if let Shape::Constant { rps } = self {
            return rps.max(0.0);
        }
        let mut kinks = Vec::new();
        self.kinks_in(t0, t1, &mut kinks);
        kinks.iter().map(|&x| self.rate_at(x)).fold(self.rate_at(t0).max(self.rate_at(t1)), f64::max)
    }
}

/// Named load-test profiles (k6's vocabulary), scaled to a base rate and the run's duration.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Smoke,
    Average,
    Stress,
    Spike,
    Soak,
    Breakpoint,
}

impl Preset {
    pub const NAMES: &'static str = "smoke, average, stress, spike, soak, breakpoint";

    pub fn shape(self, base_rps: f64, duration_s: f64) -> Shape {
        let d = duration_s;
        let stages = |v: &[(f64, f64)]| Shape::Staged {
            start_rps: 0.0,
            stages: v.iter().map(|&(r, f)| Stage { target_rps: r, duration_s: f * d }).collect(),
        };
        match self {
            // A handful of requests: does it work at all?
            Preset::Smoke => Shape::Constant { rps: (base_rps * 0.05).max(1.0) },
            // Ramp to the expected load, hold, ramp down.
            Preset::Average => stages(&[(base_rps, 0.1), (base_rps, 0.8), (0.0, 0.1)]),
            // Above the expected load: twice it.
            Preset::Stress => stages(&[(2.0 * base_rps, 0.1), (2.0 * base_rps, 0.8), (0.0, 0.1)]),
            // A sudden surge to five times the load, then back.
            Preset::Spike => Shape::Spike { base_rps, peak_rps: 5.0 * base_rps, at_s: 0.3 * d, duration_s: 0.1 * d },
            // The expected load for a long time (leaks, slow degradation).
            Preset::Soak => stages(&[(base_rps, 0.05), (base_rps, 0.9), (0.0, 0.05)]),
            // Keep ramping until something breaks: up to ten times the load.
            Preset::Breakpoint => Shape::Ramp { from_rps: 0.0, to_rps: 10.0 * base_rps, start_s: 0.0, duration_s: d },
        }
    }
}

/// Open-model arrivals: a non-homogeneous Poisson process by thinning, with the bound taken
/// per one-second window so a short spike does not make the whole run pay for its peak rate.
pub struct OpenArrivals {
    pub shape: Shape,
    /// Live multiplier (traffic_spike faults).
    pub multiplier: f64,
    /// Bumped whenever the rate changes off-schedule: pending arrival events of an older
    /// generation are ignored and a new one is drawn (memorylessness makes this exact).
    pub generation: u32,
    users: u32,
    rng: RngStream,
}

impl OpenArrivals {
    pub fn new(shape: Shape, users: u32, seed: u64) -> Self {
        OpenArrivals { shape, multiplier: 1.0, generation: 0, users: users.max(1), rng: RngStream::new(seed, "arrivals") }
    }

    /// The first arrival after `now`, if one comes before `horizon`.
    pub fn next_after(&mut self, now: SimTime, horizon: SimTime) -> Option<SimTime> {
        let horizon_us = horizon.0 as f64;
        let mut t = now.0 as f64;
        if let Shape::Constant { rps } = self.shape {
            let rate = rps * self.multiplier;
            if rate <= 0.0 {
                return None;
            }
            let next = t + self.rng.exponential(1e6 / rate);
            return (next < horizon_us).then_some(SimTime((next + 0.5) as u64));
        }
        while t < horizon_us {
            let w_end = (libm::floor(t / 1e6) + 1.0) * 1e6;
            let bound = self.shape.max_rate_in(t / 1e6, w_end / 1e6) * self.multiplier;
            if bound <= 0.0 {
                t = w_end;
                continue;
            }
            let cand = t + self.rng.exponential(1e6 / bound);
            if cand >= w_end {
                t = w_end;
                continue;
            }
            let r = self.shape.rate_at(cand / 1e6) * self.multiplier;
            if r >= bound || self.rng.uniform() * bound < r {
                return (cand < horizon_us).then_some(SimTime((cand + 0.5) as u64));
            }
            t = cand;
        }
        None
    }

    /// The user behind the next request (drawn from the arrival stream).
    pub fn next_user(&mut self) -> u32 {
        self.rng.below(self.users as u64) as u32
    }
}

/// Closed model: `users` users, each thinking an exponential time between a response and
/// their next request. Slow answers slow the offered load (coordinated omission).
///
/// With a shape the user count follows it like a load-test script's virtual users: at every
/// whole second users `0..target` should be active; new ones start (after a think time), and
/// users at or above the target stop after their current request (a ramp-down never cuts a
/// request off).
pub struct ClosedUsers {
    pub users: u32,
    pub think_mean_us: f64,
    rng: RngStream,
    /// Users over time (values are user counts), and each user's state: active means a request
    /// or a wake-up is pending for it.
    shape: Option<Shape>,
    active: Vec<bool>,
}

impl ClosedUsers {
    pub fn new(users: u32, think: SimTime, seed: u64) -> Self {
        ClosedUsers { users, think_mean_us: think.0 as f64, rng: RngStream::new(seed, "think"), shape: None, active: Vec::new() }
    }

    /// Users that follow `shape` (the count at `t` is `round(shape(t))`); none active yet.
    pub fn staged(shape: Shape, think: SimTime, seed: u64) -> Self {
        let mut c = ClosedUsers::new(0, think, seed);
        c.shape = Some(shape);
        c
    }

    pub fn think(&mut self) -> SimTime {
        SimTime((self.rng.exponential(self.think_mean_us) + 0.5) as u64)
    }

    pub fn is_staged(&self) -> bool {
        self.shape.is_some()
    }

    /// Moves the target to the shape's count at `t_s`; returns the users to start now (each
    /// with its think time before the first request).
    pub fn retarget(&mut self, t_s: f64) -> Vec<(u32, SimTime)> {
        let Some(shape) = &self.shape else { return Vec::new() };
        let target = libm::round(shape.rate_at(t_s)).clamp(0.0, 1e7) as u32;
        let old = self.users;
        self.users = target;
        if self.active.len() < target as usize {
            self.active.resize(target as usize, false);
        }
        let mut start = Vec::new();
        for u in old..target {
            if !self.active[u as usize] {
                self.active[u as usize] = true;
                let t = self.think();
                start.push((u, t));
            }
        }
        start
    }

    /// Whether `user` goes on (else it stops: the count went down below it).
    pub fn keeps(&mut self, user: u32) -> bool {
        if self.shape.is_none() || user < self.users {
            return true;
        }
        if let Some(a) = self.active.get_mut(user as usize) {
            *a = false;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_their_definition() {
        let spike = Shape::Spike { base_rps: 10.0, peak_rps: 100.0, at_s: 5.0, duration_s: 2.0 };
        assert_eq!(spike.rate_at(4.9), 10.0);
        assert_eq!(spike.rate_at(5.0), 100.0);
        assert_eq!(spike.rate_at(7.0), 10.0);
        assert_eq!(spike.max_rate_in(4.5, 5.5), 100.0);
        assert_eq!(spike.max_rate_in(7.5, 8.5), 10.0);
        let staged = Shape::Staged {
            start_rps: 0.0,
            stages: vec![Stage { target_rps: 100.0, duration_s: 10.0 }, Stage { target_rps: 100.0, duration_s: 10.0 }],
        };
        assert_eq!(staged.rate_at(5.0), 50.0);
        assert_eq!(staged.rate_at(15.0), 100.0);
        let day = Shape::DailyCycle { min_rps: 10.0, max_rps: 30.0, period_s: 100.0, peak_at_s: 50.0 };
        assert!((day.rate_at(50.0) - 30.0).abs() < 1e-9 && (day.rate_at(0.0) - 10.0).abs() < 1e-9);
        assert!((day.max_rate_in(49.5, 50.5) - 30.0).abs() < 1e-9);
        let sale = Shape::FlashSale { base_rps: 10.0, peak_rps: 110.0, at_s: 10.0, ramp_s: 10.0, hold_s: 5.0, decay_s: 10.0 };
        assert_eq!(sale.rate_at(15.0), 60.0);
        assert_eq!(sale.rate_at(22.0), 110.0);
        assert_eq!(sale.rate_at(40.0), 10.0);
    }

    #[test]
    fn thinning_matches_the_integrated_rate() {
        // Ramp 0 → 200 rps over 100 s: expect 10,000 arrivals, ~100 in the first 10 s.
        let shape = Shape::Ramp { from_rps: 0.0, to_rps: 200.0, start_s: 0.0, duration_s: 100.0 };
        let mut a = OpenArrivals::new(shape, 1000, 5);
        let (mut t, mut n, mut early) = (SimTime::ZERO, 0u32, 0u32);
        while let Some(next) = a.next_after(t, SimTime::from_secs(100)) {
            n += 1;
            if next < SimTime::from_secs(10) {
                early += 1;
            }
            t = next;
        }
        assert!((9_700..10_300).contains(&n), "{n}");
        assert!((70..130).contains(&early), "{early}");
    }

    #[test]
    fn staged_users_start_on_the_way_up_and_stop_after_their_request_on_the_way_down() {
        let shape = Shape::Staged {
            start_rps: 0.0,
            stages: vec![Stage { target_rps: 100.0, duration_s: 10.0 }, Stage { target_rps: 40.0, duration_s: 10.0 }],
        };
        let mut c = ClosedUsers::staged(shape, SimTime::from_millis(500), 3);
        assert!(c.retarget(0.0).is_empty());
        let first: Vec<u32> = c.retarget(5.0).into_iter().map(|(u, _)| u).collect();
        assert_eq!(first, (0..50).collect::<Vec<u32>>());
        assert_eq!(c.retarget(10.0).len(), 50);
        // Down to 70 at t = 15: users 70.. finish their request and stop; the rest go on.
        assert!(c.retarget(15.0).is_empty());
        assert!(c.keeps(69) && !c.keeps(70) && !c.keeps(99));
        // Back up: a stopped user starts again; one still active is not started twice.
        let again: Vec<u32> = c.retarget(10.0).into_iter().map(|(u, _)| u).collect();
        assert_eq!(again, vec![70, 99], "71..=98 have not stopped yet");
        let fixed = &mut ClosedUsers::new(10, SimTime::ZERO, 1);
        assert!(fixed.retarget(3.0).is_empty() && fixed.keeps(500));
    }

    #[test]
    fn presets_scale_with_base_and_duration() {
        let s = Preset::Breakpoint.shape(100.0, 600.0);
        assert_eq!(s.rate_at(600.0), 1000.0);
        let avg = Preset::Average.shape(100.0, 100.0);
        assert_eq!(avg.rate_at(50.0), 100.0);
        assert_eq!(Preset::Smoke.shape(10.0, 60.0).rate_at(5.0), 1.0);
    }
}
