//! A counter of flows: fractional amounts in, whole requests out, the remainder carried, so
//! the integers of every window add up to the flow exactly (to within one request).

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Tally {
    flowed: f64,
    counted: u64,
}

impl Tally {
    /// Adds `x` (≥ 0) and returns the whole requests it completes.
    pub(super) fn add(&mut self, x: f64) -> u64 {
        if x > 0.0 && x.is_finite() {
            self.flowed += x;
        }
        // A flow of whole requests summed in steps (300 × 0.1 s) may land a hair under the
        // integer: a billionth of a request is rounding, not a request still to come.
        let whole = (self.flowed + 1e-9).floor() as u64;
        let n = whole.saturating_sub(self.counted);
        self.counted += n;
        n
    }
}

/// The nearest whole number, halves away from zero: `libm::round`'s value, computed on `floor`,
/// which is one wasm instruction where `round` is a software call (a hot path: every latency
/// point of every second). `x - floor(x)` is exact, so no half is misjudged.
#[inline]
pub(super) fn round(x: f64) -> f64 {
    let a = x.abs();
    let f = a.floor();
    let r = if a - f >= 0.5 { f + 1.0 } else { f };
    r.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::{Tally, round};

    #[test]
    fn round_is_libm_round() {
        let halves = [0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 4503599627370495.5, -4503599627370495.5];
        let others = [0.0, -0.0, 0.3, -0.3, 7.0, 1e300, -1e300, 2.0f64.powi(53) + 2.0, f64::INFINITY, f64::NEG_INFINITY];
        for x in halves.into_iter().chain(others) {
            assert_eq!(round(x).to_bits(), libm::round(x).to_bits(), "{x}");
        }
        assert!(round(f64::NAN).is_nan());
        let mut x = 1.0e-3f64;
        while x < 1e18 {
            for y in [x, x + 0.5, -x, -x - 0.5] {
                assert_eq!(round(y).to_bits(), libm::round(y).to_bits(), "{y}");
            }
            x *= 1.37;
        }
    }

    #[test]
    fn whole_requests_follow_the_flow() {
        let mut t = Tally::default();
        let emitted: u64 = (0..1000).map(|_| t.add(0.37)).sum();
        assert_eq!(emitted, 370);
        assert_eq!(t.add(0.0), 0);
        assert_eq!(t.add(-5.0), 0);
        assert_eq!(t.add(f64::NAN), 0);
        assert_eq!(t.add(2.5), 2);
        let mut t = Tally::default();
        assert_eq!((0..1200).map(|_| t.add(300.0 * 0.1)).sum::<u64>(), 36_000);
    }
}
