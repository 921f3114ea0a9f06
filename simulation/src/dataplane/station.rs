//! A single-server FIFO queueing station: one job at a time, the rest wait in arrival order,
//! with the time-weighted busy level for utilisation. The database disk and a node's network
//! link are both one; each decides its own service times.

use crate::dataplane::pod::Area;
use crate::dataplane::request::RequestId;
use crate::kernel::SimTime;
use std::collections::VecDeque;

#[derive(Default)]
pub struct Station {
    queue: VecDeque<(RequestId, SimTime)>,
    busy_now: bool,
    /// 1 while serving, 0 when idle.
    pub busy: Area,
}

impl Station {
    fn serve(&mut self, now: SimTime, id: RequestId, service: SimTime) -> (RequestId, SimTime) {
        self.busy_now = true;
        self.busy.set(now, 1);
        (id, now.saturating_add(service.max(SimTime(1))))
    }

    /// A job arrives needing `service`; returns the job that starts now and when it ends.
    pub fn arrive(&mut self, now: SimTime, id: RequestId, service: SimTime) -> Option<(RequestId, SimTime)> {
        if self.busy_now {
            self.queue.push_back((id, service));
            None
        } else {
            Some(self.serve(now, id, service))
        }
    }

    /// The job in service is done; returns the next one that starts, if any.
    pub fn done(&mut self, now: SimTime) -> Option<(RequestId, SimTime)> {
        self.busy_now = false;
        match self.queue.pop_front() {
            Some((next, service)) => Some(self.serve(now, next, service)),
            None => {
                self.busy.set(now, 0);
                None
            }
        }
    }

    /// Jobs waiting (not the one in service).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(i: u32) -> RequestId {
        RequestId { idx: i, generation: 0 }
    }

    #[test]
    fn one_job_at_a_time_in_arrival_order() {
        let mut s = Station::default();
        let (first, end) = s.arrive(SimTime(0), id(1), SimTime(100)).expect("an idle station starts at once");
        assert_eq!((first, end), (id(1), SimTime(100)));
        assert!(s.arrive(SimTime(10), id(2), SimTime(50)).is_none() && s.arrive(SimTime(20), id(3), SimTime(7)).is_none());
        assert_eq!(s.queued(), 2);
        assert_eq!(s.done(end), Some((id(2), SimTime(150))));
        assert_eq!(s.done(SimTime(150)), Some((id(3), SimTime(157))));
        assert_eq!(s.done(SimTime(157)), None);
        assert_eq!(s.busy.level, 0);
        // Busy from 0 to 157 µs.
        assert_eq!(s.busy.take_window(SimTime(200)), 157);
    }
}
