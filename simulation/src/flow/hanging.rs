//! Requests whose client is still waiting for an answer that will not come in time: each falls
//! due (as `timed_out`) at the step its timeout passes. A ring of per-step slots, as long as
//! the timeout, so adding and collecting cost nothing per request or per entry.

#[derive(Clone, Debug)]
pub(super) struct Hanging {
    /// `slots[step % len][version]`: requests falling due at that step.
    slots: Vec<Vec<f64>>,
    total: f64,
}

impl Hanging {
    pub fn new(timeout_steps: u64, versions: usize) -> Self {
        let len = (timeout_steps.min(1 << 20) + 2) as usize;
        Hanging { slots: vec![vec![0.0; versions]; len], total: 0.0 }
    }

    /// `n` requests of version `v` time out at step `due` (no later than the ring reaches
    /// from `now`).
    pub fn add(&mut self, now: u64, due: u64, v: usize, n: f64) {
        if !(n > 0.0 && n.is_finite()) {
            return;
        }
        let len = self.slots.len() as u64;
        let due = due.clamp(now, now + len - 1);
        self.slots[(due % len) as usize][v] += n;
        self.total += n;
    }

    /// Collects what falls due at steps `step .. step + units`, per version, into `f` (every
    /// slot when the ring is shorter: all it holds falls due within it).
    pub fn collect(&mut self, step: u64, units: u64, mut f: impl FnMut(usize, f64)) {
        let len = self.slots.len() as u64;
        for s in step..step + units.min(len) {
            for (v, n) in self.slots[(s % len) as usize].iter_mut().enumerate() {
                if *n > 0.0 {
                    f(v, *n);
                    self.total -= *n;
                    *n = 0.0;
                }
            }
        }
        if self.total < 1e-9 {
            self.total = 0.0;
        }
    }

    /// Requests still hanging.
    pub fn total(&self) -> f64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::Hanging;

    #[test]
    fn requests_fall_due_at_their_step() {
        let mut h = Hanging::new(20, 2);
        h.add(5, 25, 1, 3.0);
        h.add(5, 6, 0, 1.5);
        h.add(5, 500, 0, 2.0); // beyond the timeout: due at the ring's end
        assert_eq!(h.total(), 6.5);
        let mut got = Vec::new();
        for step in 5..=30 {
            h.collect(step, 1, |v, n| got.push((step, v, n)));
        }
        assert_eq!(got, vec![(6, 0, 1.5), (25, 1, 3.0), (26, 0, 2.0)]);
        assert_eq!(h.total(), 0.0);
    }

    #[test]
    fn a_long_step_collects_every_slot_it_covers() {
        let mut h = Hanging::new(3, 1); // a ring of 5 slots
        h.add(0, 2, 0, 1.0);
        h.add(0, 4, 0, 2.0);
        let mut got = 0.0;
        h.collect(0, 2, |_, n| got += n);
        assert_eq!(got, 0.0);
        h.collect(2, 10, |_, n| got += n); // longer than the ring: everything
        assert_eq!((got, h.total()), (3.0, 0.0));
    }
}
