//! An optional cache in front of the service: a hit is answered at the cache's latency without
//! touching a pod. After a flush the hit ratio recovers linearly while the cache refills.

use crate::kernel::SimTime;
use crate::rng::RngStream;

pub struct Cache {
    pub hit_ratio: f64,
    pub hit_latency: SimTime,
    pub refill: SimTime,
    flushed_at: Option<SimTime>,
    rng: RngStream,
}

impl Cache {
    pub fn new(hit_ratio: f64, hit_latency: SimTime, refill: SimTime, seed: u64) -> Self {
        Cache { hit_ratio, hit_latency, refill, flushed_at: None, rng: RngStream::new(seed, "cache") }
    }

    /// Hit ratio in effect at `now`.
    pub fn effective_ratio(&self, now: SimTime) -> f64 {
        match self.flushed_at {
            None => self.hit_ratio,
            Some(t) if self.refill.0 == 0 => {
                if now > t {
                    self.hit_ratio
                } else {
                    0.0
                }
            }
            Some(t) => {
                let f = (now.0.saturating_sub(t.0)) as f64 / self.refill.0 as f64;
                self.hit_ratio * f.min(1.0)
            }
        }
    }

    pub fn is_hit(&mut self, now: SimTime) -> bool {
        let p = self.effective_ratio(now);
        self.rng.chance(p)
    }

    pub fn flush(&mut self, now: SimTime) {
        self.flushed_at = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_empties_then_refills() {
        let mut c = Cache::new(0.8, SimTime::from_millis(2), SimTime::from_secs(10), 1);
        assert_eq!(c.effective_ratio(SimTime::from_secs(1)), 0.8);
        c.flush(SimTime::from_secs(5));
        assert_eq!(c.effective_ratio(SimTime::from_secs(5)), 0.0);
        assert!((c.effective_ratio(SimTime::from_secs(10)) - 0.4).abs() < 1e-12);
        assert_eq!(c.effective_ratio(SimTime::from_secs(30)), 0.8);
        let hits = (0..10_000).filter(|_| c.is_hit(SimTime::from_secs(30))).count();
        assert!((7_700..8_300).contains(&hits), "{hits}");
    }
}
