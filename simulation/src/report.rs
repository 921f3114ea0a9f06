//! What a run produces: the observer's whole-run `Summary` and per-second `SecondSample`s, the
//! event log and the grades, as one `Report`. All of it serialises; JSON and CSV come from here.

pub use crate::control_plane::{PipelineOutcome, PipelineSummary, ReleaseOutcome, ReleaseSummary};
use crate::event_log::LogEvent;
use crate::grade::Grade;
pub use crate::observer::{
    MemorySample, MemorySummary, Percentiles, RecoverySummary, SecondSample, Summary, VersionSample, VersionSummary,
};
pub use crate::scenario::thousands;
use serde::Serialize;

pub mod digest;

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
    /// Streamed (`digest::Digest`, which the app runs in slices), never building the text.
    pub fn digest(&self) -> String {
        digest::Digest::new(self).advance(self, usize::MAX).unwrap_or_default()
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
