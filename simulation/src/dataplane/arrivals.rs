//! Arrivals: the open model (Poisson arrivals whose rate follows a shape) and the closed model
//! (N users who think, send, wait for the answer).

use crate::kernel::SimTime;
use crate::rng::RngStream;
use crate::traffic::Shape;

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

    /// The users at `t_s` when users `0..waiting` already wait for a response: the others
    /// start thinking (with `waiting = 0` at 0, exactly the start of a run).
    pub fn resume(&mut self, t_s: f64, waiting: u32) -> Vec<(u32, SimTime)> {
        if self.shape.is_some() {
            self.active = vec![true; waiting as usize];
            return self.retarget(t_s);
        }
        (waiting.min(self.users)..self.users).map(|u| (u, self.think())).collect()
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
    use crate::traffic::Stage;

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
}
