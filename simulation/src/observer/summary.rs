//! Whole-run results after the warm-up: counts, latency percentiles, per version, and the
//! release, pipeline, recovery and memory summaries when the scenario has them.

use crate::control_plane::{PipelineSummary, ReleaseSummary};
use crate::event_log::FailCause;
use crate::metrics::{Histogram, Stats};
use serde::Serialize;

/// Mean and percentiles in milliseconds; `null` when nothing was measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
    pub max: Option<f64>,
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|v| v as f64 / 1e3)
}

impl Percentiles {
    pub fn of(h: &Histogram) -> Self {
        let q = h.quantiles([0.5, 0.9, 0.95, 0.99, 0.999]);
        Percentiles {
            count: h.count(),
            mean: h.mean().map(|m| m / 1e3),
            p50: ms(q[0]),
            p90: ms(q[1]),
            p95: ms(q[2]),
            p99: ms(q[3]),
            p999: ms(q[4]),
            max: ms(h.max()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionSummary {
    pub version: String,
    pub offered: u64,
    pub completed: u64,
    pub failed: u64,
    pub errors: u64,
    pub latency_ms: Percentiles,
}

/// Whole-run results, after the warm-up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Seconds measured (the run after the warm-up, up to now).
    pub measured_s: f64,
    pub offered: u64,
    pub completed: u64,
    /// All failures, whatever the cause (the next five fields split it).
    pub failed: u64,
    pub rejected: u64,
    pub timed_out: u64,
    pub errors: u64,
    pub pod_killed: u64,
    pub no_endpoint: u64,
    /// Response time of completed requests.
    pub latency_ms: Percentiles,
    /// Time queued before a worker took the request.
    pub queue_wait_ms: Percentiles,
    /// Worker occupancy: busy worker time / (workers × time) over pods that can serve. A worker
    /// waiting on the database is busy here but uses no CPU (`cpu_millicores` is the CPU).
    pub utilization: f64,
    /// Good responses (completed within `sli_latency_ms`) / answered requests.
    pub availability: f64,
    pub error_rate: f64,
    pub offered_rps: f64,
    pub throughput_rps: f64,
    /// Time-average number of queued requests (Lq).
    pub mean_queue: f64,
    /// Time-average number of requests in the system, client view (L).
    pub mean_in_system: f64,
    /// Mean response time over every answered request, failures included (W in L = λW).
    pub mean_response_ms: Option<f64>,
    pub max_queue: u64,
    /// Mean CPU used by the service's pods, millicores.
    pub cpu_millicores: f64,
    pub mean_pods: f64,
    /// Average spend rate over the measured run: nodes with a `[cluster]`, else pods.
    pub cost_per_hour: f64,
    /// Dollars spent over the measured run.
    pub cost: f64,
    /// Share of database connections in use (0 without a database).
    pub db_utilization: f64,
    pub versions: Vec<VersionSummary>,
    /// Present when the scenario ships a release.
    pub release: Option<ReleaseSummary>,
    /// Present when the scenario models memory (per request, baseline or a leak).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemorySummary>,
    /// Share of the measured time the database disk was busy (with `database.iops`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_utilization: Option<f64>,
    /// Utilisation of the busiest network link, averaged second by second (with `[network]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_utilization: Option<f64>,
    /// Share of requests the cache answered (with a `[cache]`). Graded (`cache_hit_ratio`) but
    /// not in the JSON: scenarios with a cache keep their pinned digests.
    #[serde(skip)]
    pub cache_hit_ratio: Option<f64>,
    /// How long the service took to recover from its first incident (with a `recovery_s` objective).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoverySummary>,
    /// Present with a `[pipeline]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineSummary>,
    /// Share of users served by more than one version (when the scenario measures it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mixed_users: Option<f64>,
}

/// Recovery from the first incident (a fault, a release, an image push): the run is recovered
/// from the first second after which every second's availability meets `level`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RecoverySummary {
    pub level: f64,
    pub incident_at_s: Option<u64>,
    /// The last second below the level (at or after the incident).
    pub last_bad_s: Option<u64>,
    pub recovered_at_s: Option<u64>,
    /// `recovered_at_s - incident_at_s`; 0 when no second went below; `None` while still bad.
    pub seconds: Option<f64>,
}

impl RecoverySummary {
    /// Updates with second `t` (its availability and whether anything was answered).
    pub fn observe(&mut self, t: u64, availability: f64, answered: bool) {
        let Some(incident) = self.incident_at_s else { return };
        if t < incident {
            return;
        }
        if answered && availability < self.level {
            self.last_bad_s = Some(t);
            self.recovered_at_s = None;
            self.seconds = None;
        } else {
            let at = self.last_bad_s.map_or(incident, |b| b + 1);
            self.recovered_at_s = Some(at);
            self.seconds = Some((at - incident) as f64);
        }
    }
}

/// Memory over the measured run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MemorySummary {
    /// Containers ended by the OOM killer (each restarted by the kubelet after its back-off).
    pub oom_kills: u64,
    /// Pods evicted by a kubelet under node memory pressure.
    pub evictions: u64,
    /// The most memory one pod held, MiB.
    pub peak_pod_mi: f64,
    /// The fullest node's memory in use over its allocatable memory, at its peak (with a cluster).
    pub peak_node_utilization: Option<f64>,
}

/// Memory in one second.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MemorySample {
    /// Memory in use by the live pods at the end of the second, MiB.
    pub used_mi: f64,
    /// The most one pod held during the second, MiB.
    pub max_pod_mi: f64,
    pub oom_kills: u64,
    pub evictions: u64,
}

impl Summary {
    pub fn from_stats(s: &Stats, version_names: &[String], cpu_per_worker_m: u32) -> Self {
        let c = &s.counts;
        let secs = s.span_us as f64 / 1e6;
        let per_s = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let span = s.span_us as f64;
        Summary {
            measured_s: secs,
            offered: c.offered,
            completed: c.completed,
            failed: c.failed_total(),
            rejected: c.failed_of(FailCause::Rejected),
            timed_out: c.failed_of(FailCause::TimedOut),
            errors: c.failed_of(FailCause::Error),
            pod_killed: c.failed_of(FailCause::PodKilled),
            no_endpoint: c.failed_of(FailCause::NoEndpoint),
            latency_ms: Percentiles::of(&s.latency),
            queue_wait_ms: Percentiles::of(&s.wait),
            utilization: s.utilization(),
            availability: c.availability(),
            error_rate: c.error_rate(),
            offered_rps: per_s(c.offered),
            throughput_rps: per_s(c.completed),
            mean_queue: s.mean_queue(),
            mean_in_system: s.mean_in_system(),
            mean_response_ms: (c.answered > 0).then(|| c.response_us as f64 / c.answered as f64 / 1e3),
            max_queue: s.max_queue,
            cpu_millicores: if span > 0.0 { s.cpu_area as f64 * cpu_per_worker_m as f64 / span } else { 0.0 },
            mean_pods: s.mean_pods(),
            cost_per_hour: 0.0,
            cost: 0.0,
            release: None,
            memory: None,
            disk_utilization: s.disk_utilization(),
            network_utilization: s.network_utilization(),
            cache_hit_ratio: s.cache_hit_ratio(),
            recovery: None,
            pipeline: None,
            mixed_users: None,
            db_utilization: s.db_utilization().unwrap_or(0.0),
            versions: s
                .versions
                .iter()
                .zip(version_names)
                .enumerate()
                .map(|(i, (v, name))| VersionSummary {
                    version: name.clone(),
                    offered: v.counts.offered,
                    completed: v.counts.completed,
                    failed: v.counts.failed_total(),
                    errors: v.counts.failed_of(FailCause::Error),
                    latency_ms: Percentiles::of(s.version_latency(i)),
                })
                .collect(),
        }
    }
}
