//! Named, seeded random streams. The algorithm is fixed (xoshiro256++) and each stream is seeded
//! from (scenario seed, stream name) through SplitMix64, so adding a stream never shifts the
//! draws of another, and a crate upgrade cannot change results. Transcendentals go through
//! `libm` so native and wasm agree to the last bit.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// SplitMix64 step (Steele, Lea, Flood 2014): the reference seeder for the xoshiro family.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a stable hash of a stream name (std's hasher is not stable across releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_more(0xcbf2_9ce4_8422_2325, bytes)
}

/// FNV-1a of `bytes` continued from the hash `h` of the bytes before them.
pub fn fnv1a64_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

#[derive(Clone)]
pub struct RngStream {
    inner: Xoshiro256PlusPlus,
}

impl RngStream {
    /// The stream called `name` of the run seeded with `seed`.
    pub fn new(seed: u64, name: &str) -> Self {
        let mut state = seed ^ fnv1a64(name.as_bytes()).rotate_left(17);
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        RngStream { inner: Xoshiro256PlusPlus::from_seed(bytes) }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean (inversion: one draw, one logarithm).
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.uniform_open0())
    }

    /// Standard normal by Box–Muller (one of the pair; simplicity over speed).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform_open0();
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for the n used here).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let mut a = RngStream::new(7, "arrivals");
        let mut b = RngStream::new(7, "arrivals");
        let mut c = RngStream::new(7, "service/v1");
        let mut d = RngStream::new(8, "arrivals");
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        let xd: Vec<u64> = (0..4).map(|_| d.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
        assert_ne!(xa, xd);
    }

    #[test]
    fn exponential_mean_is_right() {
        let mut r = RngStream::new(1, "t");
        let n = 200_000;
        let m: f64 = (0..n).map(|_| r.exponential(2.0)).sum::<f64>() / n as f64;
        assert!((m - 2.0).abs() < 0.03, "{m}");
        let below: Vec<u64> = (0..1000).map(|_| r.below(3)).collect();
        assert!(below.iter().all(|&x| x < 3) && below.contains(&0) && below.contains(&2));
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (published test vector).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }
}

/// A duration distribution, in microseconds, ready to sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Exponential {
        mean_us: f64,
    },
    Deterministic {
        us: u64,
    },
    /// ln(X) ~ Normal(mu, sigma), X in µs.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

impl Dist {
    pub fn exponential_ms(mean_ms: f64) -> Self {
        Dist::Exponential { mean_us: mean_ms * 1e3 }
    }
    /// Log-normal with the given mean and σ of the underlying normal.
    pub fn lognormal_ms(mean_ms: f64, sigma: f64) -> Self {
        Dist::LogNormal { mu: libm::log(mean_ms * 1e3) - sigma * sigma / 2.0, sigma }
    }
    pub fn mean_us(&self) -> f64 {
        match *self {
            Dist::Exponential { mean_us } => mean_us,
            Dist::Deterministic { us } => us as f64,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
        }
    }
    /// Squared coefficient of variation (variance / mean²): 1, 0, e^(σ²) − 1.
    pub fn scv(&self) -> f64 {
        match *self {
            Dist::Exponential { .. } => 1.0,
            Dist::Deterministic { .. } => 0.0,
            Dist::LogNormal { sigma, .. } => libm::expm1(sigma * sigma),
        }
    }

    /// The value at quantile `u` in (0, 1), µs (the flow engine's inverse-transform points).
    pub fn quantile_us(&self, u: f64) -> f64 {
        match *self {
            Dist::Exponential { mean_us } => -mean_us * libm::log1p(-u),
            Dist::Deterministic { us } => us as f64,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * normal_quantile(u)),
        }
    }

    /// P(X > t), t in µs.
    pub fn survival_us(&self, t: f64) -> f64 {
        match *self {
            _ if t < 0.0 => 1.0,
            Dist::Exponential { mean_us } => libm::exp(-t / mean_us),
            Dist::Deterministic { us } => f64::from(u8::from((us as f64) > t)),
            Dist::LogNormal { mu, sigma } => {
                if t <= 0.0 {
                    1.0
                } else {
                    0.5 * libm::erfc((libm::log(t) - mu) / (sigma * core::f64::consts::SQRT_2))
                }
            }
        }
    }

    #[inline]
    pub fn sample_us(&self, rng: &mut RngStream) -> u64 {
        let x = match *self {
            Dist::Exponential { mean_us } => rng.exponential(mean_us),
            Dist::Deterministic { us } => return us,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * rng.normal()),
        };
        // Round to the clock's unit; the rounding error has mean zero.
        (x + 0.5) as u64
    }
}

/// Φ⁻¹(p): the standard normal quantile, by Acklam's rational approximation (relative error
/// below 1.2e-9) refined by one Halley step.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    let x = if p < 0.02425 {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - 0.02425 {
        -tail(libm::sqrt(-2.0 * libm::log1p(-p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley: e = Φ(x) − p.
    let e = 0.5 * libm::erfc(-x / core::f64::consts::SQRT_2) - p;
    let u = e * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod quantile_tests {
    use super::*;

    #[test]
    fn quantiles_invert_survival() {
        let dists = [Dist::exponential_ms(10.0), Dist::lognormal_ms(10.0, 1.0), Dist::lognormal_ms(3.0, 0.3)];
        for d in &dists {
            for u in [0.001, 0.1, 0.5, 0.9, 0.99, 0.9999] {
                let t = d.quantile_us(u);
                assert!((d.survival_us(t) - (1.0 - u)).abs() < 1e-9, "{d:?} u={u}: S({t}) = {}", d.survival_us(t));
            }
        }
        assert_eq!(Dist::Deterministic { us: 500 }.quantile_us(0.3), 500.0);
        assert_eq!(Dist::Deterministic { us: 500 }.survival_us(499.0), 1.0);
        assert_eq!(Dist::Deterministic { us: 500 }.survival_us(500.0), 0.0);
        // Φ⁻¹ against known values.
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((normal_quantile(0.5)).abs() < 1e-15);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-9);
    }
}
