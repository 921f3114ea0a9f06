//! The discrete-event kernel: an integer clock and an event queue ordered by (time, sequence).
//! Nothing here knows about requests or pods; the model's event type is a parameter.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

/// Simulated time in integer microseconds. Integers keep runs identical on every target.
/// Every operation saturates at `SimTime::MAX` ("never"): a huge delay can not wrap into the past.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    pub const MICROS_PER_SEC: u64 = 1_000_000;

    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms.saturating_mul(1_000))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(Self::MICROS_PER_SEC))
    }
    /// Rounds to the nearest microsecond; negative or NaN inputs give zero, huge ones `MAX`.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 { SimTime(0) } else { SimTime(libm::round(s * 1e6) as u64) } // `as` saturates
    }
    pub fn from_millis_f64(ms: f64) -> Self {
        Self::from_secs_f64(ms / 1e3)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }
    /// Whole simulated seconds elapsed (the index of the current one-second window).
    pub const fn whole_secs(self) -> u64 {
        self.0 / Self::MICROS_PER_SEC
    }
    pub const fn saturating_add(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    pub const fn saturating_sub(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
    pub const fn saturating_mul(self, k: u64) -> SimTime {
        SimTime(self.0.saturating_mul(k))
    }
}

/// "mm:ss" (or "h:mm:ss") for messages such as "p99 broke 300 ms at 01:12".
impl std::fmt::Display for SimTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.whole_secs();
        if s >= 3600 { write!(f, "{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60) } else { write!(f, "{:02}:{:02}", s / 60, s % 60) }
    }
}

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.cmp(&self.time).then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Event queue keyed by (time, insertion sequence): ties run in the order they were scheduled.
///
/// `pop` leaves the entry in the heap and marks it taken; the next `schedule` overwrites it in
/// place (replace-top, one sift instead of two), which is what most handlers do: consume one
/// event, schedule one follow-up.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    top_taken: bool,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(1024), seq: 0, top_taken: false }
    }

    pub fn schedule(&mut self, time: SimTime, event: E) {
        let entry = Entry { time: time.0, seq: self.seq, event };
        self.seq += 1;
        if self.top_taken {
            self.top_taken = false;
            if let Some(mut top) = self.heap.peek_mut() {
                *top = entry; // PeekMut sifts down on drop
                return;
            }
        }
        self.heap.push(entry);
    }

    fn discard_taken(&mut self) {
        if self.top_taken {
            self.top_taken = false;
            if let Some(top) = self.heap.peek_mut() {
                PeekMut::pop(top);
            }
        }
    }

    /// Time of the next pending event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.discard_taken();
        self.heap.peek().map(|e| SimTime(e.time))
    }

    /// Takes the next event if it is due at or before `limit`.
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        self.discard_taken();
        let top = self.heap.peek()?;
        if top.time > limit.0 {
            return None;
        }
        self.top_taken = true;
        Some((SimTime(top.time), top.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len() - self.top_taken as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The clock plus the queue. Models call `schedule` from their handlers and drive the loop with
/// `next_until`; the clock only moves forward, to the time of the event being handled.
pub struct Kernel<E> {
    now: SimTime,
    queue: EventQueue<E>,
    processed: u64,
}

impl<E: Copy> Default for Kernel<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Kernel<E> {
    pub fn new() -> Self {
        Kernel { now: SimTime::ZERO, queue: EventQueue::new(), processed: 0 }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events handled so far (the benchmark's unit).
    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Schedules `event` at `time`; times in the past are clamped to now (time never runs back).
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.queue.schedule(time.max(self.now), event);
    }

    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.queue.schedule(self.now.saturating_add(delay), event);
    }

    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Advances the clock to the next event at or before `limit` and returns it.
    pub fn next_until(&mut self, limit: SimTime) -> Option<E> {
        let (t, e) = self.queue.pop_until(limit)?;
        self.now = t;
        self.processed += 1;
        Some(e)
    }

    /// Moves the clock to `t` when no event is left before it (end of a slice).
    pub fn advance_to(&mut self, t: SimTime) {
        if t > self.now {
            self.now = t;
        }
    }

    /// SimPy-style loop: handle events until `limit` or until `budget` events ran.
    /// Returns the number of events handled.
    pub fn run<F: FnMut(&mut Self, E)>(&mut self, limit: SimTime, budget: u64, mut handle: F) -> u64 {
        let mut n = 0;
        while n < budget {
            match self.next_until(limit) {
                Some(e) => {
                    handle(self, e);
                    n += 1;
                }
                None => {
                    self.advance_to(limit);
                    break;
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut k: Kernel<u32> = Kernel::new();
        k.schedule(SimTime(5), 1);
        k.schedule(SimTime(3), 2);
        k.schedule(SimTime(5), 3);
        k.schedule(SimTime(3), 4);
        let mut seen = vec![];
        k.run(SimTime(100), u64::MAX, |k, e| {
            seen.push((k.now().0, e));
            if e == 2 {
                k.schedule(k.now(), 9); // same time, scheduled later: runs after 4
            }
        });
        assert_eq!(seen, vec![(3, 2), (3, 4), (3, 9), (5, 1), (5, 3)]);
        assert_eq!(k.now(), SimTime(100));
    }

    #[test]
    fn replace_top_keeps_heap_order() {
        let mut q: EventQueue<u64> = EventQueue::new();
        // pseudo-random times; every pop is followed by a schedule (replace-top path)
        let mut x = 12345u64;
        for _ in 0..100 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            q.schedule(SimTime(x >> 40), x >> 40);
        }
        let mut last = 0;
        for i in 0..10_000u64 {
            let (t, v) = q.pop_until(SimTime::MAX).unwrap();
            assert_eq!(t.0, v);
            assert!(t.0 >= last);
            last = t.0;
            if i < 5_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let nt = t.0 + (x >> 50);
                q.schedule(SimTime(nt), nt);
            } else if q.is_empty() {
                break;
            }
        }
    }

    #[test]
    fn budget_and_limit_stop_the_loop() {
        let mut k: Kernel<u8> = Kernel::new();
        for i in 0..10 {
            k.schedule(SimTime(i * 10), 0);
        }
        assert_eq!(k.run(SimTime(1000), 3, |_, _| {}), 3);
        assert_eq!(k.now(), SimTime(20));
        assert_eq!(k.run(SimTime(55), u64::MAX, |_, _| {}), 3);
        assert_eq!(k.now(), SimTime(55));
        assert_eq!(k.pending(), 4);
    }

    #[test]
    fn time_arithmetic_saturates_instead_of_wrapping() {
        let near_end = SimTime(u64::MAX - 5);
        assert_eq!(near_end.saturating_add(SimTime(10)), SimTime::MAX);
        assert_eq!(SimTime(3).saturating_sub(SimTime(10)), SimTime::ZERO);
        assert_eq!(SimTime(u64::MAX / 2).saturating_mul(3), SimTime::MAX);
        assert_eq!(SimTime::from_secs(u64::MAX / 2), SimTime::MAX);
        assert_eq!(SimTime::from_millis(u64::MAX), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(1e300), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(f64::INFINITY), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(-1.0), SimTime::ZERO);
        // An event "never" due is scheduled at the end of time, not wrapped into the past.
        let mut k: Kernel<u8> = Kernel::new();
        k.schedule(SimTime(7), 0);
        assert_eq!(k.run(SimTime(100), u64::MAX, |_, _| {}), 1);
        k.schedule_in(SimTime::MAX, 1);
        assert_eq!(k.peek_time(), Some(SimTime::MAX));
        assert_eq!(k.run(SimTime(1_000_000), u64::MAX, |_, _| {}), 0);
    }

    #[test]
    fn display_is_minutes_and_seconds() {
        assert_eq!(SimTime::from_secs(72).to_string(), "01:12");
        assert_eq!(SimTime::from_secs(3725).to_string(), "1:02:05");
    }
}
