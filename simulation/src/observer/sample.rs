//! One simulated second as the observer saw it: traffic, failures by cause, latency, queues,
//! utilisation, the cluster's gauges and each version's share.

use super::Observer;
use super::gauges::ClusterGauges;
use super::summary::MemorySample;
use crate::event_log::FailCause;
use crate::kernel::SimTime;
use crate::metrics::Stats;
use crate::serving::Serving;
use serde::Serialize;

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
    pub cluster: ClusterGauges,
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

impl Observer {
    /// The second that started at `start`, from the dataplane's closed window.
    pub(super) fn sample(&self, dp: &dyn Serving, start: SimTime) -> SecondSample {
        let w = dp.window();
        let levels = dp.levels();
        let secs = (w.span_us as f64 / 1e6).max(1e-9);
        let ms = |v: Option<u64>| v.map(|x| x as f64 / 1e3);
        let c = &w.counts;
        let lat = w.latency.quantiles([0.5, 0.9, 0.95, 0.99]);
        let cpu_millicores = w.cpu_area as f64 * dp.cpu_per_worker_m() as f64 / w.span_us.max(1) as f64;
        let live = levels.live_pods;
        let ready: u32 = levels.serving.iter().sum();
        // Millicores requested on average over the second by the pods that can serve.
        let requested = w.serving_pod_area as f64 * dp.cpu_request_m() as f64 / w.span_us.max(1) as f64;
        let db_waiting = levels.db_waiting;
        SecondSample {
            cluster: self.gauges,
            cost: self.cost_total.dollars(),
            disk_utilization: w.disk_utilization(),
            network_utilization: w.network_utilization(),
            users: levels.users,
            memory: dp.memory_on().then(|| MemorySample {
                used_mi: levels.memory_used_mi,
                max_pod_mi: w.peak_pod_memory_mi,
                oom_kills: w.oom_kills,
                evictions: w.evictions,
            }),
            t: start.whole_secs(),
            offered_rps: c.offered as f64 / secs,
            completed_rps: c.completed as f64 / secs,
            failed_rps: c.failed_total() as f64 / secs,
            rejected: c.failed_of(FailCause::Rejected),
            timed_out: c.failed_of(FailCause::TimedOut),
            errors: c.failed_of(FailCause::Error),
            pod_killed: c.failed_of(FailCause::PodKilled),
            no_endpoint: c.failed_of(FailCause::NoEndpoint),
            p50_ms: ms(lat[0]),
            p90_ms: ms(lat[1]),
            p95_ms: ms(lat[2]),
            p99_ms: ms(lat[3]),
            mean_ms: w.latency.mean().map(|m| m / 1e3),
            queue_wait_p99_ms: ms(w.wait.quantile(0.99)),
            queue: levels.queued,
            max_queue: w.max_queue,
            in_flight: levels.in_flight,
            utilization: w.utilization(),
            cpu_millicores,
            pods: live,
            ready_pods: ready,
            pods_ready: ready,
            cpu_utilization: if requested > 0.0 { cpu_millicores / requested } else { 0.0 },
            db_utilization: w.db_utilization(),
            db_wait_p99_ms: ms(w.db_wait.quantile(0.99)),
            db_waiting,
            cache_hit_ratio: w.cache_hit_ratio(),
            availability: c.availability(),
            error_rate: c.error_rate(),
            versions: dp
                .version_names()
                .into_iter()
                .zip(&w.versions)
                .enumerate()
                .map(|(i, (v, s))| (i, v, s, version_quantiles(w, i, &lat), self.version_pods.get(i).copied().unwrap_or_default()))
                .map(|(i, v, s, q, pods)| VersionSample {
                    version: v,
                    share: if c.offered > 0 { s.counts.offered as f64 / c.offered as f64 } else { 0.0 },
                    error_rate: s.counts.error_rate(),
                    offered: s.counts.offered,
                    completed: s.counts.completed,
                    failed: s.counts.failed_total(),
                    p50_ms: ms(q[0]),
                    p95_ms: ms(q[1]),
                    p99_ms: ms(q[2]),
                    ready_pods: levels.serving.get(i).copied().unwrap_or(0),
                    pods_desired: pods.desired,
                    pods_pending: pods.pending,
                    pods_not_ready: pods.not_ready,
                })
                .collect(),
        }
    }
}

/// p50, p95 and p99 of version `i` this second; with one version its histogram is the window's,
/// whose quantiles `lat` (p50, p90, p95, p99) already holds.
fn version_quantiles(w: &Stats, i: usize, lat: &[Option<u64>; 4]) -> [Option<u64>; 3] {
    let h = w.version_latency(i);
    if std::ptr::eq(h, &w.latency) { [lat[0], lat[2], lat[3]] } else { h.quantiles([0.5, 0.95, 0.99]) }
}
