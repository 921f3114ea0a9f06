//! Traffic shapes and presets: the arrival rate over time, pure functions of time. The
//! dataplane's arrival processes (`dataplane::arrivals`) draw requests from them.

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

    /// Whether the rate is one smooth piece over (t0, t1): no step, corner or end of a stage
    /// inside it (a daily cycle's crest is smooth).
    pub fn smooth_over(&self, t0: f64, t1: f64) -> bool {
        if matches!(self, Shape::Constant { .. } | Shape::DailyCycle { .. }) {
            return true;
        }
        let mut kinks = Vec::new();
        self.kinks_in(t0, t1, &mut kinks);
        kinks.is_empty()
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
    fn presets_scale_with_base_and_duration() {
        let s = Preset::Breakpoint.shape(100.0, 600.0);
        assert_eq!(s.rate_at(600.0), 1000.0);
        let avg = Preset::Average.shape(100.0, 100.0);
        assert_eq!(avg.rate_at(50.0), 100.0);
        assert_eq!(Preset::Smoke.shape(10.0, 60.0).rate_at(5.0), 1.0);
    }
}
