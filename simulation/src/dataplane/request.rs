//! Requests in flight: a slab with generation-checked ids, so events that outlive their request
//! (a timeout after completion, a service end on a killed pod) are recognised as stale.

use crate::kernel::SimTime;

pub use crate::event_log::FailCause;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId {
    pub idx: u32,
    pub generation: u32,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Cache,
    Queued,
    Service,
    DbWait,
    /// Holding a connection, its query waiting for or doing disk I/O.
    Disk,
    Db,
    /// The worker is free; the response is on (or waiting for) its node's network link.
    Transfer,
    /// Sent to a pod on a dead node: no answer comes, the client's timeout ends it.
    Lost,
}

#[derive(Clone, Debug)]
pub struct Request {
    generation: u32,
    pub arrival: SimTime,
    /// When it joined the pod's queue (start of queue wait); later, when it began waiting for a
    /// database connection.
    pub enqueued: SimTime,
    pub user: u32,
    pub version: u16,
    pub pod: u32,
    /// Position in the pod's in-service list, for O(1) removal.
    pub slot: u32,
    pub phase: Phase,
    /// The client already got its answer (timed out): finish the work silently.
    pub answered: bool,
    /// Closed model: the user to wake when the response arrives.
    pub closed_user: bool,
}

#[derive(Default)]
pub struct Requests {
    slots: Vec<Request>,
    free: Vec<u32>,
    live: usize,
}

impl Requests {
    pub fn alloc(&mut self, arrival: SimTime, user: u32, closed_user: bool) -> RequestId {
        self.live += 1;
        let fresh = Request {
            generation: 0,
            arrival,
            enqueued: arrival,
            user,
            version: 0,
            pod: u32::MAX,
            slot: u32::MAX,
            phase: Phase::Queued,
            answered: false,
            closed_user,
        };
        if let Some(idx) = self.free.pop() {
            let r = &mut self.slots[idx as usize];
            let generation = r.generation;
            *r = Request { generation, ..fresh };
            RequestId { idx, generation }
        } else {
            self.slots.push(fresh);
            RequestId { idx: (self.slots.len() - 1) as u32, generation: 0 }
        }
    }

    #[inline]
    pub fn get(&self, id: RequestId) -> Option<&Request> {
        self.slots.get(id.idx as usize).filter(|r| r.generation == id.generation)
    }

    #[inline]
    pub fn get_mut(&mut self, id: RequestId) -> Option<&mut Request> {
        self.slots.get_mut(id.idx as usize).filter(|r| r.generation == id.generation)
    }

    /// Frees the slot; every outstanding id for it becomes stale.
    pub fn free(&mut self, id: RequestId) {
        if let Some(r) = self.get_mut(id) {
            r.generation = r.generation.wrapping_add(1);
            self.free.push(id.idx);
            self.live -= 1;
        }
    }

    /// Requests still held somewhere in the system (including answered ones still being worked on).
    pub fn live(&self) -> usize {
        self.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_ids_go_stale() {
        let mut rs = Requests::default();
        let a = rs.alloc(SimTime(1), 0, false);
        rs.free(a);
        let b = rs.alloc(SimTime(2), 0, false);
        assert_eq!(a.idx, b.idx);
        assert!(rs.get(a).is_none());
        assert_eq!(rs.get(b).map(|r| r.arrival), Some(SimTime(2)));
        assert_eq!(rs.live(), 1);
    }
}
