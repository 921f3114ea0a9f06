//! A node's network link: responses leave the node one after another at the link's bandwidth
//! (a FIFO station with deterministic transfer times: M/D/1 under Poisson load). A saturated
//! link queues responses, so transfer time grows; a client with a timeout gives up on the late
//! ones (TCP retransmits rather than losing a response, so a drop shows as a timeout).

use crate::dataplane::request::RequestId;
use crate::dataplane::station::Station;
use crate::kernel::SimTime;

pub struct Link {
    /// Time to send one response, µs.
    transfer_us: u64,
    pub station: Station,
}

impl Link {
    /// A link of `gbps` gigabits per second carrying responses of `response_kb` kilobytes.
    pub fn new(gbps: f64, response_kb: f64) -> Self {
        let secs = response_kb * 1000.0 * 8.0 / (gbps * 1e9);
        Link { transfer_us: libm::round(secs * 1e6).max(1.0) as u64, station: Station::default() }
    }

    pub fn transfer_time(&self) -> SimTime {
        SimTime(self.transfer_us)
    }

    /// A response is ready to send; returns the one that starts now and when it arrives.
    pub fn send(&mut self, now: SimTime, id: RequestId) -> Option<(RequestId, SimTime)> {
        self.station.arrive(now, id, SimTime(self.transfer_us))
    }

    /// The response on the wire arrived; returns the next one sent, if any.
    pub fn done(&mut self, now: SimTime) -> Option<(RequestId, SimTime)> {
        self.station.done(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_time_is_size_over_bandwidth() {
        // 500 kB at 1 Gbps: 4 ms.
        assert_eq!(Link::new(1.0, 500.0).transfer_time(), SimTime::from_millis(4));
        // 10 kB at 10 Gbps: 8 µs.
        assert_eq!(Link::new(10.0, 10.0).transfer_time(), SimTime(8));
    }
}
