//! An optional database behind the service: a shared connection pool and a query latency.
//! A worker holds its slot while it waits for a connection and for the query (blocking I/O),
//! so a slow or saturated database moves the bottleneck out of the pods' CPU.

use crate::dataplane::pod::Area;
use crate::dataplane::request::RequestId;
use crate::kernel::SimTime;
use crate::rng::Dist;
use crate::rng::RngStream;
use std::collections::VecDeque;

pub struct Database {
    pub connections: u32,
    pub in_use: u32,
    pub waiting: VecDeque<RequestId>,
    latency: Dist,
    /// Multiplier from a `slow_dependency` fault (1 = normal).
    pub slow_factor: f64,
    pub busy: Area,
    rng: RngStream,
    /// The disk behind it (with `iops`): every query also queues for its I/O.
    pub disk: Option<crate::dataplane::disk::Disk>,
}

impl Database {
    pub fn new(connections: u32, latency: Dist, seed: u64) -> Self {
        Database {
            connections,
            in_use: 0,
            waiting: VecDeque::new(),
            latency,
            slow_factor: 1.0,
            busy: Area::default(),
            rng: RngStream::new(seed, "database"),
            disk: None,
        }
    }

    /// Takes a connection if one is free.
    pub fn try_acquire(&mut self, now: SimTime) -> bool {
        if self.in_use < self.connections {
            self.in_use += 1;
            self.busy.set(now, self.in_use as u64);
            true
        } else {
            false
        }
    }

    pub fn release(&mut self, now: SimTime) {
        self.in_use = self.in_use.saturating_sub(1);
        self.busy.set(now, self.in_use as u64);
    }

    pub fn query_time(&mut self) -> SimTime {
        let base = self.latency.sample_us(&mut self.rng);
        SimTime(libm::round(base as f64 * self.slow_factor) as u64)
    }
}
