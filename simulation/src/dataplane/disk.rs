//! The database's disk: a queueing station whose rate is the disk's I/O capacity (IOPS). Each
//! query costs `io_per_query` operations (random I/O: exponential service), queued FIFO.
//! Latency grows with I/O utilisation because queries wait for the disk (an M/M/1 station
//! under Poisson load: wait = S·ρ/(1−ρ)), not from a formula.

use crate::dataplane::request::RequestId;
use crate::dataplane::station::Station;
use crate::kernel::SimTime;
use crate::rng::RngStream;

pub struct Disk {
    /// Mean service time of one query's I/O, µs.
    mean_us: f64,
    pub station: Station,
    rng: RngStream,
}

impl Disk {
    pub fn new(iops: f64, io_per_query: f64, seed: u64) -> Self {
        Disk { mean_us: io_per_query / iops * 1e6, station: Station::default(), rng: RngStream::new(seed, "database/disk") }
    }

    /// A query's I/O arrives; returns the I/O that starts now and when it ends.
    pub fn arrive(&mut self, now: SimTime, id: RequestId) -> Option<(RequestId, SimTime)> {
        let service = SimTime((self.rng.exponential(self.mean_us) + 0.5) as u64);
        self.station.arrive(now, id, service)
    }

    /// The I/O in service is done; returns the next one that starts, if any.
    pub fn done(&mut self, now: SimTime) -> Option<(RequestId, SimTime)> {
        self.station.done(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_service_is_io_per_query_over_iops() {
        let mut d = Disk::new(500.0, 4.0, 1);
        let mut t = SimTime::ZERO;
        let n = 20_000;
        let mut total = 0u64;
        for i in 0..n {
            let (_, end) = d.arrive(t, RequestId { idx: i, generation: 0 }).unwrap();
            total += end.0 - t.0;
            d.done(end);
            t = end;
        }
        let mean_ms = total as f64 / n as f64 / 1e3;
        assert!((mean_ms - 8.0).abs() < 0.25, "{mean_ms}");
    }
}
