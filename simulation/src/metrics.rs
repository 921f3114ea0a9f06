//! Streaming statistics: an HDR-style log-linear histogram (mergeable, ~0.4 % relative
//! precision) and the per-second window that the simulation fills and rolls each second.
//!
//! Why not the `hdrhistogram` crate: every simulated second the windows are read, merged into
//! the whole-run totals and cleared. Its add/reset/quantile walk the whole bucket array (tens of
//! thousands of buckets), which at low request rates costs more than the requests themselves.
//! This one marks its non-empty buckets in a bitset, walked in order, so those operations cost
//! what was recorded (plus one word per 64 buckets of the recorded range).

use crate::event_log::FailCause;

/// 2^8 sub-buckets per power of two: bucket width ≤ 1/256 of the value.
const SUB_BITS: u32 = 8;
const SUB: u64 = 1 << SUB_BITS;

#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    /// Bit `i` is set iff bucket `i` is non-empty.
    marks: Vec<u64>,
    lo: usize,
    hi: usize,
    total: u64,
    sum: u128,
    min: u64,
    max: u64,
}

#[inline]
fn index_of(v: u64) -> usize {
    if v < SUB {
        v as usize
    } else {
        let shift = 63 - v.leading_zeros() - SUB_BITS;
        ((shift as u64) * SUB + (v >> shift)) as usize
    }
}

/// Calls `f` with every bucket marked in `marks` within `lo..hi`, in ascending order (the walk
/// `quantiles`, `merge` and `clear` share).
#[inline]
fn each_marked(marks: &[u64], lo: usize, hi: usize, mut f: impl FnMut(usize)) {
    for w in lo / 64..hi.div_ceil(64) {
        let mut bits = marks[w];
        while bits != 0 {
            f(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// Lowest value and width of a bucket.
fn bucket_of(idx: usize) -> (u64, u64) {
    let idx = idx as u64;
    if idx < SUB {
        (idx, 1)
    } else {
        let shift = (idx >> SUB_BITS) - 1;
        let mantissa = idx - shift * SUB;
        (mantissa << shift, 1 << shift)
    }
}

impl Histogram {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    pub fn record(&mut self, v: u64) {
        self.record_n(v, 1);
    }

    /// Records `n` equal values at once (a flow engine's point standing for `n` requests).
    #[inline]
    #[inline]
    pub fn record_n(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        let i = index_of(v);
        self.grow(i + 1);
        self.marks[i / 64] |= 1 << (i % 64);
        self.counts[i] += n;
        if self.total == 0 {
            self.lo = i;
            self.hi = i + 1;
            self.min = v;
            self.max = v;
        } else {
            self.lo = self.lo.min(i);
            self.hi = self.hi.max(i + 1);
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.total += n;
        // A 128-bit product is a software call in wasm; values and counts fit 32 bits.
        self.sum += if (v | n) >> 32 == 0 { u128::from(v * n) } else { u128::from(v) * u128::from(n) };
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// Exact mean of the recorded values (the sum is kept exactly).
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum as f64 / self.total as f64)
    }

    pub fn sum(&self) -> u128 {
        self.sum
    }

    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// The value at quantile `q` in [0, 1]: the midpoint of the bucket holding the rank
    /// ⌈q·n⌉, clamped to the observed min and max.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        self.quantiles([q])[0]
    }

    /// Room for buckets `0..n`.
    #[inline]
    fn grow(&mut self, n: usize) {
        if self.counts.len() < n {
            self.counts.resize(n, 0);
            self.marks.resize(n.div_ceil(64), 0);
        }
    }

    /// Several quantiles (ascending `qs`) in one walk over the non-empty buckets.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [Option<u64>; N] {
        if self.total == 0 {
            return [None; N];
        }
        let ranks = qs.map(|q| ((q * self.total as f64).ceil() as u64).clamp(1, self.total));
        let mut out = [Some(self.max); N];
        let mut seen = 0;
        let value = |i: usize| {
            let (low, width) = bucket_of(i);
            (low + (width - 1) / 2).clamp(self.min, self.max)
        };
        let mut k = 0;
        each_marked(&self.marks, self.lo, self.hi, |i| {
            seen += self.counts[i];
            while k < N && seen >= ranks[k] {
                out[k] = Some(value(i));
                k += 1;
            }
        });
        out
    }

    /// Adds another histogram's counts (whole-run = sum of the windows).
    pub fn merge(&mut self, other: &Histogram) {
        if other.total == 0 {
            return;
        }
        self.grow(other.hi);
        let counts = &mut self.counts;
        each_marked(&other.marks, other.lo, other.hi, |i| counts[i] += other.counts[i]);
        for w in other.lo / 64..other.hi.div_ceil(64) {
            self.marks[w] |= other.marks[w];
        }
        if self.total == 0 {
            self.lo = other.lo;
            self.hi = other.hi;
            self.min = other.min;
            self.max = other.max;
        } else {
            self.lo = self.lo.min(other.lo);
            self.hi = self.hi.max(other.hi);
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.total += other.total;
        self.sum += other.sum;
    }

    /// Empties it, touching only the buckets that were used.
    pub fn clear(&mut self) {
        let counts = &mut self.counts;
        each_marked(&self.marks, self.lo, self.hi, |i| counts[i] = 0);
        for w in self.lo / 64..self.hi.div_ceil(64) {
            self.marks[w] = 0;
        }
        self.total = 0;
        self.sum = 0;
        self.lo = 0;
        self.hi = 0;
    }
}

/// Records into a histogram with equal values in a row gathered into one record: a histogram
/// counts a multiset, so the result is the same as recording each, for fewer records.
#[derive(Default)]
pub struct Coalesced(Option<(u64, u64)>);

impl Coalesced {
    #[inline]
    pub fn record_n(&mut self, h: &mut Histogram, v: u64, n: u64) {
        match &mut self.0 {
            Some((same, count)) if *same == v => *count += n,
            run => {
                if let Some((value, count)) = run.replace((v, n)) {
                    h.record_n(value, count);
                }
            }
        }
    }

    /// Records the last run.
    pub fn flush(self, h: &mut Histogram) {
        if let Some((value, count)) = self.0 {
            h.record_n(value, count);
        }
    }
}

/// Request counts by outcome.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub offered: u64,
    pub completed: u64,
    /// Completed within the latency objective of the availability SLI.
    pub good: u64,
    pub failed: [u64; 5],
    /// Sum of response times of every answered request (failures included), for Little's law.
    pub response_us: u128,
    pub answered: u64,
}

impl Counts {
    pub fn failed_total(&self) -> u64 {
        self.failed.iter().sum()
    }
    pub fn failed_of(&self, c: FailCause) -> u64 {
        self.failed[c.index()]
    }
    pub fn add(&mut self, o: &Counts) {
        self.offered += o.offered;
        self.completed += o.completed;
        self.good += o.good;
        for (a, b) in self.failed.iter_mut().zip(o.failed) {
            *a += b;
        }
        self.response_us += o.response_us;
        self.answered += o.answered;
    }
    /// Share of answered requests that were good; 1 when nothing was answered.
    pub fn availability(&self) -> f64 {
        let n = self.completed + self.failed_total();
        if n == 0 { 1.0 } else { self.good as f64 / n as f64 }
    }
    pub fn error_rate(&self) -> f64 {
        let n = self.completed + self.failed_total();
        if n == 0 { 0.0 } else { self.failed_total() as f64 / n as f64 }
    }
}

/// Everything counted for one version in a window. Its latency is kept only when the window
/// has several versions (see `Stats::record_latency`).
#[derive(Clone, Debug, Default)]
pub struct VersionStats {
    pub counts: Counts,
    latency: Histogram,
}

impl VersionStats {
    pub fn merge(&mut self, o: &VersionStats) {
        self.counts.add(&o.counts);
        self.latency.merge(&o.latency);
    }
}

/// One window of measurements (a simulated second, or the whole measured run).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub counts: Counts,
    /// Response time of completed requests, µs.
    pub latency: Histogram,
    /// Time spent queued before a worker took the request, µs.
    pub wait: Histogram,
    pub versions: Vec<VersionStats>,
    /// Time integrals (level·µs): busy workers, CPU-busy workers, worker capacity, queued
    /// requests, requests in the system (client view), database connections in use.
    pub busy_area: u128,
    pub cpu_area: u128,
    pub capacity_area: u128,
    pub queue_area: u128,
    pub in_system_area: u128,
    pub db_area: u128,
    pub db_capacity_area: u128,
    pub pod_area: u128,
    /// Live pods that can serve (not on a dead node), level·µs: what CPU requests count over.
    pub serving_pod_area: u128,
    /// Time a request waited for a database connection (0 when one was free), µs.
    pub db_wait: Histogram,
    pub cache_lookups: u64,
    pub cache_hits: u64,
    pub span_us: u64,
    pub max_queue: u64,
    /// Containers ended by the OOM killer, pods evicted under node memory pressure, and the
    /// most memory one pod held (MiB).
    pub oom_kills: u64,
    pub evictions: u64,
    pub peak_pod_memory_mi: f64,
    /// The database disk's busy time and the time it existed (its utilisation).
    pub disk_area: u128,
    pub disk_span_us: u128,
    /// The busiest network link's utilisation integrated over time (fraction·µs), and the time.
    pub net_busiest_area: f64,
    pub net_span_us: u128,
}

impl Stats {
    pub fn with_versions(n: usize) -> Self {
        Stats { versions: vec![VersionStats::default(); n], ..Default::default() }
    }

    /// Records `n` responses of version `v` that took `us`. A window with one version keeps no
    /// histogram for it: it would be a copy of the window's, recorded, merged and cleared every
    /// second for nothing (`version_latency` reads the window's).
    #[inline]
    pub fn record_latency(&mut self, v: usize, us: u64, n: u64) {
        self.latency.record_n(us, n);
        if self.versions.len() > 1 {
            self.versions[v].latency.record_n(us, n);
        }
    }

    /// Response times of version `v`'s completed requests.
    pub fn version_latency(&self, v: usize) -> &Histogram {
        if self.versions.len() == 1 { &self.latency } else { &self.versions[v].latency }
    }

    pub fn merge(&mut self, o: &Stats) {
        self.counts.add(&o.counts);
        self.latency.merge(&o.latency);
        self.wait.merge(&o.wait);
        if self.versions.len() < o.versions.len() {
            self.versions.resize(o.versions.len(), VersionStats::default());
        }
        for (a, b) in self.versions.iter_mut().zip(&o.versions) {
            a.merge(b);
        }
        self.busy_area += o.busy_area;
        self.cpu_area += o.cpu_area;
        self.capacity_area += o.capacity_area;
        self.queue_area += o.queue_area;
        self.in_system_area += o.in_system_area;
        self.db_area += o.db_area;
        self.db_capacity_area += o.db_capacity_area;
        self.pod_area += o.pod_area;
        self.serving_pod_area += o.serving_pod_area;
        self.db_wait.merge(&o.db_wait);
        self.cache_lookups += o.cache_lookups;
        self.cache_hits += o.cache_hits;
        self.span_us += o.span_us;
        self.max_queue = self.max_queue.max(o.max_queue);
        self.oom_kills += o.oom_kills;
        self.evictions += o.evictions;
        self.peak_pod_memory_mi = self.peak_pod_memory_mi.max(o.peak_pod_memory_mi);
        self.disk_area += o.disk_area;
        self.disk_span_us += o.disk_span_us;
        self.net_busiest_area += o.net_busiest_area;
        self.net_span_us += o.net_span_us;
    }

    /// Time-average utilisation of the busiest link, second by second; `None` without links.
    pub fn network_utilization(&self) -> Option<f64> {
        (self.net_span_us > 0).then(|| self.net_busiest_area / self.net_span_us as f64)
    }

    /// Share of time the database disk was busy; `None` without a disk.
    pub fn disk_utilization(&self) -> Option<f64> {
        (self.disk_span_us > 0).then(|| Self::ratio(self.disk_area, self.disk_span_us))
    }

    /// Empties the window in place: the histograms keep their buckets' memory, and every other
    /// field is named, so a new one cannot be forgotten here.
    pub fn clear(&mut self) {
        let Stats {
            counts,
            latency,
            wait,
            versions,
            busy_area,
            cpu_area,
            capacity_area,
            queue_area,
            in_system_area,
            db_area,
            db_capacity_area,
            pod_area,
            serving_pod_area,
            db_wait,
            cache_lookups,
            cache_hits,
            span_us,
            max_queue,
            oom_kills,
            evictions,
            peak_pod_memory_mi,
            disk_area,
            disk_span_us,
            net_busiest_area,
            net_span_us,
        } = self;
        for v in versions.iter_mut() {
            v.counts = Counts::default();
            v.latency.clear();
        }
        latency.clear();
        wait.clear();
        db_wait.clear();
        *counts = Counts::default();
        for area in [busy_area, cpu_area, capacity_area, queue_area, in_system_area, db_area, db_capacity_area, pod_area, serving_pod_area, disk_area, disk_span_us, net_span_us] {
            *area = 0;
        }
        for n in [cache_lookups, cache_hits, span_us, max_queue, oom_kills, evictions] {
            *n = 0;
        }
        (*peak_pod_memory_mi, *net_busiest_area) = (0.0, 0.0);
    }

    fn ratio(a: u128, b: u128) -> f64 {
        if b == 0 { 0.0 } else { a as f64 / b as f64 }
    }
    /// Busy worker time over worker capacity time.
    pub fn utilization(&self) -> f64 {
        Self::ratio(self.busy_area, self.capacity_area)
    }
    pub fn mean_queue(&self) -> f64 {
        Self::ratio(self.queue_area, self.span_us as u128)
    }
    pub fn mean_in_system(&self) -> f64 {
        Self::ratio(self.in_system_area, self.span_us as u128)
    }
    pub fn mean_pods(&self) -> f64 {
        Self::ratio(self.pod_area, self.span_us as u128)
    }
    /// Database connections in use over the pool (`None` without a database).
    pub fn db_utilization(&self) -> Option<f64> {
        (self.db_capacity_area > 0).then(|| Self::ratio(self.db_area, self.db_capacity_area))
    }
    /// Cache hits over lookups (`None` when nothing was looked up).
    pub fn cache_hit_ratio(&self) -> Option<f64> {
        (self.cache_lookups > 0).then(|| self.cache_hits as f64 / self.cache_lookups as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalesced_records_equal_the_records_one_by_one() {
        let values = [(0u64, 3u64), (0, 5), (700, 1), (700, 0), (0, 2), (90_000, 4), (90_000, 4), (0, 0)];
        let (mut each, mut runs, mut c) = (Histogram::default(), Histogram::default(), Coalesced::default());
        for (v, n) in values {
            each.record_n(v, n);
            c.record_n(&mut runs, v, n);
        }
        c.flush(&mut runs);
        let qs = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0];
        assert_eq!(each.quantiles(qs), runs.quantiles(qs));
        assert_eq!((each.count(), each.sum(), each.max(), each.mean()), (runs.count(), runs.sum(), runs.max(), runs.mean()));
        assert_eq!(runs.count(), 19);
    }

    #[test]
    fn index_and_bucket_agree() {
        for v in [0u64, 1, 255, 256, 257, 511, 512, 1000, 123_456, 9_999_999, u64::MAX / 3] {
            let (low, width) = bucket_of(index_of(v));
            assert!(low <= v && v < low + width, "{v}: {low} {width}");
            assert!(width == 1 || (width as f64) / (low as f64) <= 1.0 / 256.0 + 1e-12);
        }
    }

    #[test]
    fn quantiles_match_sorted_values() {
        let mut h = Histogram::new();
        let mut x = 1u64;
        let mut vals = vec![];
        for _ in 0..50_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let v = (x >> 44) % 2_000_000;
            vals.push(v);
            h.record(v);
        }
        vals.sort();
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = vals[((q * vals.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = h.quantile(q).unwrap() as f64;
            assert!((got - exact).abs() <= exact / 256.0 + 1.0, "q{q}: {got} vs {exact}");
        }
        let mean = vals.iter().sum::<u64>() as f64 / vals.len() as f64;
        assert!((h.mean().unwrap() - mean).abs() < 1e-6);
    }

    #[test]
    fn merge_equals_recording_everything() {
        let (mut a, mut b, mut all) = (Histogram::new(), Histogram::new(), Histogram::new());
        for v in 0..10_000u64 {
            let v = v * v % 77_777;
            if v % 3 == 0 {
                a.record(v)
            } else {
                b.record(v)
            }
            all.record(v);
        }
        a.merge(&b);
        for q in [0.1, 0.5, 0.99] {
            assert_eq!(a.quantile(q), all.quantile(q));
        }
        assert_eq!(a.count(), all.count());
        a.clear();
        assert_eq!(a.count(), 0);
        assert_eq!(a.quantile(0.5), None);
        a.record(5);
        assert_eq!(a.quantile(0.5), Some(5));
    }

    #[test]
    fn a_cleared_window_reads_like_a_new_one() {
        // A window is cleared and refilled every second: no bucket of an earlier second may
        // linger in its quantiles, sparse or dense, nor in what it merges into the totals.
        let (mut window, mut fresh, mut total) = (Histogram::new(), Histogram::new(), Histogram::new());
        for v in [3u64, 900, 70_000, 5_000_000, 5_000_001] {
            window.record_n(v, 7);
        }
        total.merge(&window);
        window.clear();
        for v in (0..2_000u64).map(|i| 1_000 + i * 37) {
            window.record(v);
            fresh.record(v);
        }
        let qs = [0.0, 0.25, 0.5, 0.9, 0.99, 1.0];
        assert_eq!(window.quantiles(qs), fresh.quantiles(qs));
        total.merge(&window);
        assert_eq!(total.count(), 35 + 2_000);
        assert_eq!(total.quantile(1.0), Some(5_000_001));
        assert_eq!(total.quantile(0.0), Some(3));
    }
}
