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
        // The sum stays exact enough: 2^53 requests is far beyond any run.
        let whole = self.flowed.floor() as u64;
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
    }
}
