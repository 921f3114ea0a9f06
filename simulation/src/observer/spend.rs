//! Cost: node (or pod) prices integrated over simulated time.

/// Money spent, integrated exactly: rates are whole micro-dollars per hour, time whole µs.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Spend {
    micro_dollar_us: u128,
    span_us: u128,
}

impl Spend {
    pub(super) fn add(&mut self, per_hour: f64, span_us: u64) {
        let rate = libm::round(per_hour.max(0.0) * 1e6) as u128;
        // A 128-bit product is a software call in wasm; a second at any real price fits 64 bits.
        self.micro_dollar_us += match u64::try_from(rate).ok().and_then(|r| r.checked_mul(span_us)) {
            Some(p) => u128::from(p),
            None => rate * span_us as u128,
        };
        self.span_us += span_us as u128;
    }
    pub(super) fn dollars(&self) -> f64 {
        self.micro_dollar_us as f64 / 1e6 / 3.6e9
    }
    /// The average rate; exact for a constant one.
    pub(super) fn per_hour(&self) -> Option<f64> {
        (self.span_us > 0).then(|| {
            let (whole, rest) = (self.micro_dollar_us / self.span_us, self.micro_dollar_us % self.span_us);
            (whole as f64 + rest as f64 / self.span_us as f64) / 1e6
        })
    }
}
