//! What a run produces: the whole-run `Summary`, one `SecondSample` per simulated second, the
//! event log and the grades. All of it serialises; JSON and CSV come from here.

use crate::event_log::LogEvent;
use crate::grade::Grade;
use crate::metrics::{Histogram, Stats};
use crate::request::FailCause;
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

/// A count as people read it: `224904` → `224,904` (the same in Korean).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|v| v as f64 / 1e3)
}

impl Percentiles {
    pub fn of(h: &Histogram) -> Self {
        let q = h.quantiles(&[0.5, 0.9, 0.95, 0.99, 0.999]);
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

/// How a release went: when it was detected bad and rolled back, and how many requests failed
/// on the new version (its blast radius).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReleaseSummary {
    pub version: String,
    pub strategy: String,
    /// waiting, in_progress, completed or rolled_back.
    pub outcome: String,
    pub started_at_s: f64,
    pub detected_at_s: Option<f64>,
    pub rolled_back_at_s: Option<f64>,
    pub completed_at_s: Option<f64>,
    pub time_to_detect_s: Option<f64>,
    pub time_to_rollback_s: Option<f64>,
    /// Requests the new version failed (errors, timeouts, rejections, lost with its pods).
    pub blast_radius: u64,
    /// Requests the new version received.
    pub exposed: u64,
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
    /// Busy worker time / (workers × time).
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
            db_utilization: if s.db_capacity_area > 0 { s.db_area as f64 / s.db_capacity_area as f64 } else { 0.0 },
            versions: s
                .versions
                .iter()
                .zip(version_names)
                .map(|(v, name)| VersionSummary {
                    version: name.clone(),
                    offered: v.counts.offered,
                    completed: v.counts.completed,
                    failed: v.counts.failed_total(),
                    errors: v.counts.failed_of(FailCause::Error),
                    latency_ms: Percentiles::of(&v.latency),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionSample {
    pub version: String,
    /// Share of this second's requests routed to this version.
    pub share: f64,
    pub error_rate: f64,
    pub offered: u64,
    pub completed: u64,
    pub failed: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub ready_pods: u32,
}

/// One simulated second. Rates are per second; latencies are of requests completed in it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecondSample {
    /// Start of the second (seconds since the start of the run).
    pub t: u64,
    pub offered_rps: f64,
    pub completed_rps: f64,
    pub failed_rps: f64,
    pub rejected: u64,
    pub timed_out: u64,
    pub errors: u64,
    pub pod_killed: u64,
    pub no_endpoint: u64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    pub queue_wait_p99_ms: Option<f64>,
    /// Queued requests at the end of the second, and the most during it.
    pub queue: u64,
    pub max_queue: u64,
    pub in_flight: u64,
    pub utilization: f64,
    pub cpu_millicores: f64,
    pub pods: u32,
    pub ready_pods: u32,
    /// Ready pods (the same count as `ready_pods`, under the control plane's name).
    pub pods_ready: u32,
    /// CPU used / CPU requested by the live pods: what the HPA's utilization measures.
    pub cpu_utilization: f64,
    pub availability: f64,
    pub error_rate: f64,
    pub versions: Vec<VersionSample>,
    /// Pods, nodes and the spend rate, as the control plane saw them this second.
    #[serde(flatten)]
    pub cluster: crate::control_plane::ClusterGauges,
    /// Dollars spent since the start of the run.
    pub cost: f64,
}

/// A finished run: what the runner prints and the app keeps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub format: u32,
    pub scenario: String,
    pub seed: u64,
    pub duration_s: f64,
    pub warmup_s: u64,
    pub events_processed: u64,
    pub summary: Summary,
    pub objectives: Vec<Grade>,
    pub series: Vec<SecondSample>,
    pub events: Vec<LogEvent>,
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Stable hash (FNV-1a 64, hex) of the JSON output: equal digests mean equal runs, on any
    /// target. `serde_json` prints floats by shortest round-trip, which is platform independent.
    pub fn digest(&self) -> String {
        format!("{:016x}", crate::rng::fnv1a64(self.to_json().as_bytes()))
    }

    /// The series as CSV, one row per simulated second (versions flattened as `<name>_*`).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "t,offered_rps,completed_rps,failed_rps,rejected,timed_out,errors,pod_killed,no_endpoint,p50_ms,p90_ms,p95_ms,p99_ms,mean_ms,queue_wait_p99_ms,queue,max_queue,in_flight,utilization,cpu_millicores,pods,ready_pods,pods_ready,cpu_utilization,availability,error_rate,pods_desired,pods_total,pods_pending,pods_starting,nodes,nodes_ready,cpu_requested,cost_per_hour,cost",
        );
        let names: Vec<String> = self.summary.versions.iter().map(|v| v.version.clone()).collect();
        for n in &names {
            out.push_str(&format!(",{n}_offered,{n}_completed,{n}_failed,{n}_p99_ms"));
        }
        out.push('\n');
        let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        for s in &self.series {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                s.t,
                s.offered_rps,
                s.completed_rps,
                s.failed_rps,
                s.rejected,
                s.timed_out,
                s.errors,
                s.pod_killed,
                s.no_endpoint,
                o(s.p50_ms),
                o(s.p90_ms),
                o(s.p95_ms),
                o(s.p99_ms),
                o(s.mean_ms),
                o(s.queue_wait_p99_ms),
                s.queue,
                s.max_queue,
                s.in_flight,
                s.utilization,
                s.cpu_millicores,
                s.pods,
                s.ready_pods,
                s.pods_ready,
                s.cpu_utilization,
                s.availability,
                s.error_rate,
                s.cluster.pods_desired,
                s.cluster.pods_total,
                s.cluster.pods_pending,
                s.cluster.pods_starting,
                s.cluster.nodes,
                s.cluster.nodes_ready,
                s.cluster.cpu_requested,
                s.cluster.cost_per_hour,
                s.cost
            ));
            for v in &s.versions {
                out.push_str(&format!(",{},{},{},{}", v.offered, v.completed, v.failed, o(v.p99_ms)));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_separated() {
        for (n, s) in [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (224_904, "224,904"), (1_234_567, "1,234,567"), (-4500, "-4,500")]
        {
            assert_eq!(thousands(n), s);
        }
    }
}
