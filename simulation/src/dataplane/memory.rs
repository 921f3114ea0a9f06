//! A pod's memory: what it holds at rest, what each request in flight holds, what a leaking
//! release adds per request served, and the limit above which the kernel's OOM killer ends the
//! container (the cgroup limit is enforced at once; the kubelet then restarts it with back-off).

/// Memory settings of one pod (MiB), from `[deployment]` and its version.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PodMemory {
    pub baseline_mi: f64,
    pub per_request_mi: f64,
    pub leak_mi_per_request: f64,
    pub limit_mi: Option<f64>,
}

impl PodMemory {
    /// Memory in use with `in_flight` requests held (queued or in service) after `served`.
    pub fn used_mi(&self, in_flight: usize, served: u64) -> f64 {
        self.baseline_mi + self.per_request_mi * in_flight as f64 + self.leak_mi_per_request * served as f64
    }

    /// Above the limit: the container is OOM-killed.
    pub fn over_limit(&self, used_mi: f64) -> bool {
        self.limit_mi.is_some_and(|l| used_mi > l)
    }

    /// Requests in flight that fit under the limit with nothing leaked (for hints and tests).
    pub fn max_in_flight(&self) -> Option<u64> {
        match self.limit_mi {
            Some(l) if self.per_request_mi > 0.0 => Some(libm::floor(((l - self.baseline_mi) / self.per_request_mi).max(0.0)) as u64),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_grows_with_requests_in_flight_and_served() {
        let m = PodMemory { baseline_mi: 200.0, per_request_mi: 8.0, leak_mi_per_request: 0.0, limit_mi: Some(512.0) };
        assert_eq!(m.used_mi(0, 1_000), 200.0);
        assert_eq!(m.used_mi(39, 0), 512.0);
        assert!(!m.over_limit(m.used_mi(39, 0)));
        assert!(m.over_limit(m.used_mi(40, 0)));
        assert_eq!(m.max_in_flight(), Some(39));
        let leak = PodMemory { leak_mi_per_request: 0.4, ..m };
        assert_eq!(leak.used_mi(0, 1_000), 600.0);
        assert!(leak.over_limit(leak.used_mi(0, 1_000)));
        let no_limit = PodMemory { limit_mi: None, ..m };
        assert!(!no_limit.over_limit(1e12));
        assert_eq!(no_limit.max_in_flight(), None);
    }
}
