//! When the flow engine may take a whole second as one step: a calm system, whose answer over
//! the second is the ten 100 ms steps' to within the rate's curvature.

use super::pod::PodState;
use crate::port::Dataplane;
use super::{FlowEngine, STEP, Traffic};
use crate::kernel::SimTime;

/// The longest step: a whole second, while the system is calm.
const CALM_STEP: SimTime = SimTime(1_000_000);
/// A pool below this utilisation is calm: its queue settles far faster than a second, and a
/// second's drift of the rate cannot tip it over.
const CALM_LOAD: f64 = 0.8;

impl FlowEngine {
    /// How long the step from now lasts: `STEP`, or the whole second while nothing moves fast
    /// (no backlog, no pod draining, every pool well below its capacity, an open traffic's rate
    /// one smooth piece, no event due before the second ends). A calm second solved once at its
    /// midpoint's rate is the ten steps' answer to within the rate's curvature over a second.
    pub(super) fn span(&mut self) -> SimTime {
        let now = self.now();
        if now.0 % CALM_STEP.0 != 0 || self.peak_load > CALM_LOAD {
            return STEP;
        }
        let end = now.saturating_add(CALM_STEP).min(self.duration);
        if self.k.peek_time().is_some_and(|t| t < end) {
            return STEP;
        }
        if let Traffic::Open { shape, .. } = &self.traffic
            && !shape.smooth_over(now.as_secs_f64(), end.as_secs_f64())
        {
            return STEP;
        }
        let moving = |i: &u32| {
            let p = &self.pods[*i as usize];
            p.backlog > 0.0 || p.state == PodState::Terminating
        };
        if self.live.iter().any(moving) {
            return STEP;
        }
        end.saturating_sub(now)
    }
}
