//! What a pod's worker waits on: the database (its pool, then its disk) and the node's network
//! link a response crosses.

use super::link::Link;
use super::pod::PodId;
use super::request::{Phase, RequestId};
use super::{Engine, Event};

impl Engine {
    pub(super) fn on_db_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        db.release(now);
        let mut next = None;
        while let Some(w) = db.waiting.pop_front() {
            if self.reqs.get(w).is_some_and(|r| r.phase == Phase::DbWait) {
                if db.try_acquire(now) {
                    next = Some(w);
                }
                break;
            }
        }
        if let Some(w) = next {
            if let Some(r) = self.reqs.get(w) {
                self.window.db_wait.record(now.0 - r.enqueued.0);
            }
            self.start_query(w);
        }
        if self.reqs.get(id).is_some_and(|r| r.phase == Phase::Db) {
            self.complete(id);
        }
    }

    /// A connection is held: the query goes to the disk first (when it has one), then runs.
    pub(super) fn start_query(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        match &mut db.disk {
            Some(disk) => {
                if let Some(r) = self.reqs.get_mut(id) {
                    r.phase = Phase::Disk;
                }
                if let Some((io, end)) = disk.arrive(now, id) {
                    self.k.schedule(end, Event::DiskDone(io));
                }
            }
            None => {
                if let Some(r) = self.reqs.get_mut(id) {
                    r.phase = Phase::Db;
                }
                let q = db.query_time();
                self.k.schedule(now.saturating_add(q), Event::DbDone(id));
            }
        }
    }

    /// The disk finished a query's I/O (even one whose request is gone: it still holds its
    /// connection until the query ends); the next queued I/O starts.
    pub(super) fn on_disk_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        let Some(disk) = &mut db.disk else { return };
        if let Some((io, end)) = disk.done(now) {
            self.k.schedule(end, Event::DiskDone(io));
        }
        if let Some(r) = self.reqs.get_mut(id) {
            r.phase = Phase::Db;
        }
        let q = db.query_time();
        self.k.schedule(now.saturating_add(q), Event::DbDone(id));
    }

    pub(super) fn new_link(&mut self) -> u32 {
        let (gbps, kb) = self.network.unwrap_or((1.0, 1.0));
        let mut link = Link::new(gbps, kb);
        // Its busy integral starts with the current window.
        link.station.busy.set(self.window_start, 0);
        self.links.push(link);
        (self.links.len() - 1) as u32
    }

    /// Puts a response on its pod's link (a pod without a node is its own host).
    pub(super) fn send(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let link = match self.pods[pid.0 as usize].link {
            Some(l) => l,
            None => {
                let l = self.new_link();
                self.pods[pid.0 as usize].link = Some(l);
                l
            }
        };
        if let Some(r) = self.reqs.get_mut(id) {
            r.phase = Phase::Transfer;
        }
        if let Some((next, end)) = self.links[link as usize].send(now, id) {
            self.k.schedule(end, Event::LinkDone(next));
        }
    }

    pub(super) fn on_link_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(link) = self.reqs.get(id).and_then(|r| self.pods.get(r.pod as usize)).and_then(|p| p.link) else { return };
        if let Some((next, end)) = self.links[link as usize].done(now) {
            self.k.schedule(end, Event::LinkDone(next));
        }
        if self.reqs.get(id).is_some_and(|r| !r.answered) {
            self.respond(id, Ok(()));
        }
        self.reqs.free(id);
    }
}
