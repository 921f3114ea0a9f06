//! What a run produces: the observer's whole-run `Summary` and per-second `SecondSample`s, the
//! event log and the grades, as one `Report`. All of it serialises; JSON and CSV come from here.

pub use crate::control_plane::{PipelineOutcome, PipelineSummary, ReleaseOutcome, ReleaseSummary};
use crate::event_log::LogEvent;
use crate::flow::validity::FlowOutside;
use crate::grade::Grade;
pub use crate::observer::{
    MemorySample, MemorySummary, Percentiles, RecoverySummary, SecondSample, Summary, VersionSample, VersionSummary,
};
pub use crate::scenario::thousands;
use serde::Serialize;

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
    /// A flow-engine scenario outside the flow engine's measured region: ran at request level,
    /// or approximate (absent otherwise). In the digest like every field: the digest is the JSON's hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_outside: Option<FlowOutside>,
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
        let mut d = Digesting::default();
        loop {
            if let Some(digest) = d.step(self, usize::MAX) {
                return digest;
            }
        }
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

/// [`Report::digest`] a piece at a time, so a caller can spread a long run's over several
/// tasks: the bytes of `to_json` hashed as they are written (never held whole), the head, then
/// one series sample or log event per piece.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Digesting {
    hash: Option<u64>,
    /// 0: the series, 1: the events, 2: the end, 3: done.
    list: u8,
    next: usize,
}

/// Hashes what serde_json writes, indenting every line after the first by `indent` spaces
/// (a value written alone, as it reads nested two levels deep in the report).
struct Fnv {
    hash: u64,
    indent: usize,
}

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for line in buf.split_inclusive(|b| *b == b'\n') {
            self.hash = crate::rng::fnv1a64_more(self.hash, line);
            if line.ends_with(b"\n") {
                self.hash = crate::rng::fnv1a64_more(self.hash, &b"    "[..self.indent]);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The report's fields before its two long lists, in the report's order.
#[derive(Serialize)]
struct Head<'a> {
    format: u32,
    scenario: &'a str,
    seed: u64,
    duration_s: f64,
    warmup_s: u64,
    events_processed: u64,
    summary: &'a Summary,
    objectives: &'a [Grade],
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_outside: &'a Option<FlowOutside>,
}

impl Digesting {
    /// Hashes up to `pieces` more pieces of `report`; the digest once the last is in.
    pub fn step(&mut self, report: &Report, pieces: usize) -> Option<String> {
        let hash = *self.hash.get_or_insert_with(|| {
            let r = report;
            let head = Head {
                format: r.format,
                scenario: &r.scenario,
                seed: r.seed,
                duration_s: r.duration_s,
                warmup_s: r.warmup_s,
                events_processed: r.events_processed,
                summary: &r.summary,
                objectives: &r.objectives,
                flow_outside: &r.flow_outside,
            };
            let text = serde_json::to_vec_pretty(&head).unwrap_or_default();
            // Without its closing "\n}": the lists follow.
            crate::rng::fnv1a64(&text[..text.len().saturating_sub(2)])
        });
        let mut out = Fnv { hash, indent: 4 };
        for _ in 0..pieces {
            let more = match self.list {
                0 => self.piece(&mut out, "series", &report.series),
                1 => self.piece(&mut out, "events", &report.events),
                2 => {
                    out.hash = crate::rng::fnv1a64_more(out.hash, b"\n}");
                    (self.list, self.hash) = (3, Some(out.hash));
                    return Some(format!("{:016x}", out.hash));
                }
                _ => return Some(format!("{:016x}", out.hash)),
            };
            if !more {
                (self.list, self.next) = (self.list + 1, 0);
            }
        }
        self.hash = Some(out.hash);
        None
    }

    /// Writes the list's next item (with the list's opening before the first and its closing
    /// after the last, as serde_json's pretty printer does); false once the list is closed.
    fn piece<T: Serialize>(&mut self, out: &mut Fnv, name: &str, items: &[T]) -> bool {
        let Some(item) = items.get(self.next) else {
            let end = if items.is_empty() { format!(",\n  \"{name}\": []") } else { "\n  ]".to_string() };
            out.hash = crate::rng::fnv1a64_more(out.hash, end.as_bytes());
            return false;
        };
        let sep = if self.next == 0 { format!(",\n  \"{name}\": [\n    ") } else { ",\n    ".to_string() };
        out.hash = crate::rng::fnv1a64_more(out.hash, sep.as_bytes());
        // Written to bytes first: serde_json's writer for bytes is in the wasm anyway (`to_json`),
        // one for `Fnv` would be a second copy of every item type's serialising code (#12).
        let mut text = Vec::new();
        let _ = serde_json::to_writer_pretty(&mut text, item);
        let _ = std::io::Write::write_all(out, &text);
        self.next += 1;
        true
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
