//! What a run produces: the whole-run `Summary`, one `SecondSample` per simulated second, the
//! event log and the grades. All of it serialises; JSON and CSV come from here.

use crate::event_log::LogEvent;
use crate::grade::Grade;
use crate::metrics::{Histogram, Stats};
use crate::request::FailCause;
use crate::scenario::ReleaseStrategy;
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReleaseSummary {
    pub version: String,
    /// In the JSON by its English name ("rolling update").
    #[serde(serialize_with = "strategy_name")]
    pub strategy: ReleaseStrategy,
    pub outcome: ReleaseOutcome,
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

fn strategy_name<S: serde::Serializer>(s: &ReleaseStrategy, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(s.name())
}

/// Where a release stands (`wording::release_outcome` words it).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    /// Shipped for a later time; not started yet.
    #[default]
    Waiting,
    InProgress,
    Completed,
    RolledBack,
    /// Rolled back by hand before it started.
    Cancelled,
}

impl ReleaseOutcome {
    /// Its name in the JSON (`rolled_back`), for a page's test hooks.
    pub fn code(self) -> &'static str {
        match self {
            ReleaseOutcome::Waiting => "waiting",
            ReleaseOutcome::InProgress => "in_progress",
            ReleaseOutcome::Completed => "completed",
            ReleaseOutcome::RolledBack => "rolled_back",
            ReleaseOutcome::Cancelled => "cancelled",
        }
    }

    /// Under way (or about to be): a rollback is what can be done next.
    pub fn in_progress(self) -> bool {
        matches!(self, ReleaseOutcome::Waiting | ReleaseOutcome::InProgress)
    }
}

/// Where the CI/CD pipeline stands (`wording::pipeline_outcome` words it).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PipelineOutcome {
    Waiting,
    Build,
    Test,
    Push,
    StoppedAtTest,
    DeniedAtPush,
    DeniedAtDeploy,
    Deployed,
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

/// How the CI/CD pipeline went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineSummary {
    pub version: String,
    pub tag: crate::scenario::TagPolicy,
    pub outcome: PipelineOutcome,
    /// The change was bad, and whether the tests caught it (after they ran).
    pub bad_change: bool,
    pub caught: Option<bool>,
    pub pushed_at_s: Option<f64>,
    pub deployed_at_s: Option<f64>,
    /// Containers that started with another version's image than their ReplicaSet's
    /// (a mutable tag resolved to a newer push).
    pub drifted_containers: u32,
    /// When the change was merged (for the lead time; the scenario holds it, so not in the JSON).
    #[serde(skip)]
    pub committed_at_s: f64,
    /// With `pipeline.roles`: the stage and action refused (AccessDenied), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
    /// With `pipeline.roles`: actions the stages' roles allow that no stage needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_permissions: Option<u32>,
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
    /// Ready pods of this version that can serve (not on a dead node).
    pub ready_pods: u32,
    /// Its ReplicaSet's `replicas`, its Pending pods, and pods that exist but are not ready.
    pub pods_desired: u32,
    pub pods_pending: u32,
    pub pods_not_ready: u32,
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
    /// Worker occupancy (busy workers / workers of the pods that can serve): not CPU, a worker
    /// waiting for the database is busy here.
    pub utilization: f64,
    /// CPU used by the pods this second, millicores.
    pub cpu_millicores: f64,
    pub pods: u32,
    /// Ready pods that can serve: a pod on a dead node is never counted.
    pub ready_pods: u32,
    /// Ready pods (the same count as `ready_pods`, under the control plane's name).
    pub pods_ready: u32,
    /// CPU used / CPU requested by the live pods that can serve (a dead node's pods excluded):
    /// what the HPA's utilization measures.
    pub cpu_utilization: f64,
    /// Database connections in use / pool size, time-averaged over the second.
    pub db_utilization: Option<f64>,
    /// p99 of the time requests waited for a database connection.
    pub db_wait_p99_ms: Option<f64>,
    /// Requests waiting for a database connection at the end of the second.
    pub db_waiting: u64,
    /// Cache hits / lookups in this second.
    pub cache_hit_ratio: Option<f64>,
    pub availability: f64,
    pub error_rate: f64,
    pub versions: Vec<VersionSample>,
    /// Pods, nodes and the spend rate, as the control plane saw them this second.
    #[serde(flatten)]
    pub cluster: crate::control_plane::ClusterGauges,
    /// Dollars spent since the start of the run.
    pub cost: f64,
    /// Present when the scenario models memory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemorySample>,
    /// Share of the second the database disk was busy (with `database.iops`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_utilization: Option<f64>,
    /// Share of the second the busiest node's network link was sending (with `[network]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_utilization: Option<f64>,
    /// Closed model with a shape: the users the script runs this second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
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
            "t,offered_rps,completed_rps,failed_rps,rejected,timed_out,errors,pod_killed,no_endpoint,p50_ms,p90_ms,p95_ms,p99_ms,mean_ms,queue_wait_p99_ms,queue,max_queue,in_flight,utilization,cpu_millicores,pods,ready_pods,pods_ready,cpu_utilization,db_utilization,db_wait_p99_ms,db_waiting,cache_hit_ratio,availability,error_rate,pods_desired,pods_total,pods_pending,pods_starting,pods_not_ready,nodes,nodes_ready,nodes_not_ready,cpu_requested,cost_per_hour,cost",
        );
        let names: Vec<String> = self.summary.versions.iter().map(|v| v.version.clone()).collect();
        for n in &names {
            out.push_str(&format!(",{n}_offered,{n}_completed,{n}_failed,{n}_p99_ms"));
        }
        // A feature's columns only when the scenario uses it (as in the JSON), after the
        // others so every existing column keeps its place.
        let memory = self.series.iter().any(|s| s.memory.is_some());
        let disk = self.series.iter().any(|s| s.disk_utilization.is_some());
        let network = self.series.iter().any(|s| s.network_utilization.is_some());
        if memory {
            out.push_str(",memory_used_mi,memory_max_pod_mi,oom_kills,evictions,node_memory_max");
        }
        if disk {
            out.push_str(",disk_utilization");
        }
        if network {
            out.push_str(",network_utilization");
        }
        out.push('\n');
        let o = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        for s in &self.series {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
                o(s.db_utilization),
                o(s.db_wait_p99_ms),
                s.db_waiting,
                o(s.cache_hit_ratio),
                s.availability,
                s.error_rate,
                s.cluster.pods_desired,
                s.cluster.pods_total,
                s.cluster.pods_pending,
                s.cluster.pods_starting,
                s.cluster.pods_not_ready,
                s.cluster.nodes,
                s.cluster.nodes_ready,
                s.cluster.nodes_not_ready,
                s.cluster.cpu_requested,
                s.cluster.cost_per_hour,
                s.cost
            ));
            for v in &s.versions {
                out.push_str(&format!(",{},{},{},{}", v.offered, v.completed, v.failed, o(v.p99_ms)));
            }
            if memory {
                let m = s.memory.clone().unwrap_or_default();
                out.push_str(&format!(",{},{},{},{},{}", m.used_mi, m.max_pod_mi, m.oom_kills, m.evictions, o(s.cluster.node_memory_max)));
            }
            if disk {
                out.push_str(&format!(",{}", o(s.disk_utilization)));
            }
            if network {
                out.push_str(&format!(",{}", o(s.network_utilization)));
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
