//! Which versions each user was served by, for the `mixed_users` objective: an A/B test
//! compares cohorts, so each user must stay in one (routing per request mixes them). Only
//! the first `SAMPLE` user ids are followed: ids are drawn uniformly (open model) or are the
//! users themselves (closed), so they are a fair sample, and memory stays bounded.

/// User ids followed.
pub const SAMPLE: usize = 65_536;

pub struct Cohorts {
    /// Per user id: a bit per version that served them.
    seen: Vec<u16>,
}

impl Cohorts {
    pub fn new(users: u32) -> Self {
        Cohorts { seen: vec![0; (users as usize).min(SAMPLE)] }
    }

    /// `user`'s request went to `version` (at most 16 versions; the scenario allows 10).
    pub fn observe(&mut self, user: u32, version: u16) {
        if let Some(s) = self.seen.get_mut(user as usize) {
            *s |= 1 << version.min(15);
        }
    }

    /// Users served by more than one version / users served; `None` before anyone was.
    pub fn mixed_share(&self) -> Option<f64> {
        let served = self.seen.iter().filter(|s| **s != 0).count();
        let mixed = self.seen.iter().filter(|s| s.count_ones() > 1).count();
        (served > 0).then(|| mixed as f64 / served as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::{Cohorts, SAMPLE};

    #[test]
    fn a_user_served_by_two_versions_is_mixed() {
        let mut c = Cohorts::new(10);
        assert_eq!(c.mixed_share(), None);
        c.observe(1, 0);
        c.observe(1, 0);
        c.observe(2, 1);
        c.observe(3, 0);
        c.observe(3, 1);
        // Three users served, one of them by both versions.
        assert_eq!(c.mixed_share(), Some(1.0 / 3.0));
        // Ids outside the population or the sample are not followed.
        c.observe(10, 1);
        assert_eq!(c.mixed_share(), Some(1.0 / 3.0));
        assert_eq!(Cohorts::new(u32::MAX).seen.len(), SAMPLE);
    }
}
