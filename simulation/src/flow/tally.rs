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

#[cfg(test)]
mod tests {
    use super::Tally;

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
