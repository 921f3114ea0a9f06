//! Axis ticks the way people read them: round steps (1, 2, 5 × 10ⁿ), whole numbers on count
//! axes, labels precise enough that no two read the same, and time as mm:ss at round steps.

use super::controls::mmss;

pub struct Ticks {
    /// The axis' upper end (a whole number of steps).
    pub top: f64,
    pub labels: Vec<(f64, String)>,
}

/// The smallest round step (1, 2, 5 × 10ⁿ) giving at most `target` steps up to `max`.
fn step_for(max: f64, target: usize, integer: bool) -> f64 {
    let raw = (max / target.max(1) as f64).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw * (1.0 - 1e-9)).unwrap_or(10.0 * mag);
    if integer { step.max(1.0).round() } else { step }
}

/// Value ticks from 0 to at least `max`.
pub fn ticks(max: f64, target: usize, integer: bool) -> Ticks {
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let step = step_for(max, target, integer);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    let kilo = n as f64 * step >= 1000.0 && step >= 100.0;
    let labels = (0..=n).map(|i| (i as f64 * step, label(i as f64 * step, step, kilo))).collect();
    Ticks { top: n as f64 * step, labels }
}

/// Just enough decimals for `step` (so neighbours never print alike); thousands as `k`.
fn label(v: f64, step: f64, kilo: bool) -> String {
    let decimals = |s: f64| if s >= 1.0 { 0 } else { (-s.log10() - 1e-9).ceil() as usize };
    if v == 0.0 {
        "0".into()
    } else if kilo {
        format!("{:.*}k", decimals(step / 1000.0), v / 1000.0)
    } else {
        format!("{:.*}", decimals(step), v)
    }
}

/// Time ticks (seconds) over `duration`, at round mm:ss steps.
pub fn time_ticks(duration: f64, target: usize) -> Ticks {
    const STEPS: [f64; 14] = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0];
    let step = STEPS.iter().copied().find(|s| duration / s <= target as f64).unwrap_or(duration.max(1.0));
    let n = (duration / step + 1e-9).floor() as usize;
    Ticks { top: duration, labels: (0..=n).map(|i| (i as f64 * step, mmss(i as f64 * step))).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Ticks) -> Vec<&str> {
        t.labels.iter().map(|l| l.1.as_str()).collect()
    }

    #[test]
    fn counts_get_whole_ticks() {
        let t = ticks(3.0, 5, true);
        assert_eq!(texts(&t), ["0", "1", "2", "3"]);
        let t = ticks(0.0, 5, true);
        assert_eq!(texts(&t), ["0", "1"]);
        let t = ticks(23.0, 5, true);
        assert_eq!(texts(&t), ["0", "5", "10", "15", "20", "25"]);
        assert!(t.labels.iter().all(|(v, _)| v.fract() == 0.0));
    }

    #[test]
    fn labels_never_repeat() {
        for max in [0.3, 1.0, 2.2, 7.0, 95.0, 1_500.0, 2_345.0, 12_000.0, 99_999.0] {
            for integer in [false, true] {
                let t = ticks(max, 5, integer);
                let mut seen = texts(&t);
                assert!(t.top >= max, "{max}: top {}", t.top);
                assert!(t.labels.len() <= 7, "{max}: {:?}", seen);
                seen.dedup();
                assert_eq!(seen.len(), t.labels.len(), "{max} {integer}: {:?}", texts(&t));
            }
        }
        assert_eq!(texts(&ticks(2_345.0, 5, false)), ["0", "0.5k", "1.0k", "1.5k", "2.0k", "2.5k"]);
    }

    #[test]
    fn time_axis_in_round_minutes_and_seconds() {
        assert_eq!(texts(&time_ticks(540.0, 6)), ["00:00", "02:00", "04:00", "06:00", "08:00"]);
        assert_eq!(texts(&time_ticks(60.0, 6)), ["00:00", "00:10", "00:20", "00:30", "00:40", "00:50", "01:00"]);
        assert_eq!(texts(&time_ticks(5.0, 6)), ["00:00", "00:01", "00:02", "00:03", "00:04", "00:05"]);
    }
}
