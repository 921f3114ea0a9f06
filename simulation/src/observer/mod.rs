//! The observer: per-second samples, whole-run statistics, cost and failure onsets, read from
//! the dataplane's closed windows and the cluster store. Nothing pushes numbers into it: the
//! facade lets it look once a second, and once after each control-plane tick.

mod gauges;
mod sample;
mod snapshot;
pub use snapshot::snapshot;
mod spend;
mod summary;

pub use gauges::{ClusterGauges, VersionPods};
pub use sample::{SecondSample, VersionSample};
pub use snapshot::{ClusterSnapshot, DatabaseView, NodeStatus, NodeView, PodStatus, PodView, VersionView};
pub use summary::{MemorySample, MemorySummary, Percentiles, RecoverySummary, Summary, VersionSummary};

use crate::control_plane::ControlPlane;
use crate::event_log::{EventKind, FailCause};
use crate::kernel::SimTime;
use crate::metrics::Stats;
use crate::port::{Metrics, VersionWindow};
use crate::serving::Serving;
use crate::scenario::{DEFAULT_RECOVERY_AVAILABILITY, Metric, Scenario};
use spend::Spend;

pub struct Observer {
    warmup_secs: u64,
    /// Whole-run statistics of the measured (post-warm-up) seconds.
    total: Stats,
    series: Vec<SecondSample>,
    /// Dollars spent in measured seconds, and in all seconds so far.
    cost_measured: Spend,
    cost_total: Spend,
    /// Failures of each cause in the last second (an onset is a second with after one without).
    prev_failures: [u64; 5],
    /// With a `recovery_s` objective: recovery from the first incident, second by second.
    recovery: Option<RecoverySummary>,
    /// The cluster as read after the control plane's latest tick.
    gauges: ClusterGauges,
    version_pods: Vec<VersionPods>,
    peak_node_memory: f64,
}

impl Observer {
    pub fn new(sc: &Scenario) -> Self {
        Observer {
            warmup_secs: sc.warmup_s,
            total: Stats::with_versions(sc.versions().len()),
            series: Vec::with_capacity(sc.duration_s as usize + 1),
            cost_measured: Spend::default(),
            cost_total: Spend::default(),
            prev_failures: [0; 5],
            recovery: sc.objectives.iter().find(|o| o.metric == Metric::RecoveryS).map(|o| RecoverySummary {
                level: o.recovery_availability.unwrap_or(DEFAULT_RECOVERY_AVAILABILITY),
                ..RecoverySummary::default()
            }),
            gauges: ClusterGauges::default(),
            version_pods: Vec::new(),
            peak_node_memory: 0.0,
        }
    }

    /// Reads the cluster after a control-plane tick: the gauges the next seconds report.
    pub fn observe_cluster(&mut self, cp: &ControlPlane, dp: &dyn Serving) {
        self.gauges = gauges::gauges(cp.store(), dp);
        // The run's versions are fixed at its start: `total` has one entry per version.
        gauges::version_pods(cp.store(), self.total.versions.len(), &mut self.version_pods);
        self.peak_node_memory = self.peak_node_memory.max(self.gauges.node_memory_max.unwrap_or(0.0));
    }

    /// The end of a simulated second: closes the dataplane's window, samples it, logs failure
    /// onsets, and lets the next window open.
    pub fn end_second(&mut self, dp: &mut dyn Serving) {
        let start = dp.close_second();
        let span = dp.window().span_us;
        self.cost_total.add(self.gauges.cost_per_hour, span);
        if start.whole_secs() >= self.warmup_secs {
            self.cost_measured.add(self.gauges.cost_per_hour, span);
        }
        let sample = self.sample(&*dp, start);
        self.log_failure_onsets(dp, &sample);
        if let Some(r) = &mut self.recovery {
            if r.incident_at_s.is_none() {
                r.incident_at_s = dp.incident_at_s();
            }
            r.observe(sample.t, sample.availability, sample.completed_rps + sample.failed_rps > 0.0);
        }
        if start.whole_secs() >= self.warmup_secs {
            self.total.merge(dp.window());
        }
        self.series.push(sample);
        dp.open_second();
    }

    /// Logs when a kind of failure starts (after a second without it), blaming the latest cause.
    fn log_failure_onsets(&mut self, dp: &mut dyn Serving, s: &SecondSample) {
        let now = [s.rejected, s.timed_out, s.errors, s.pod_killed, s.no_endpoint];
        for c in FailCause::ALL {
            let i = c.index();
            if now[i] > 0 && self.prev_failures[i] == 0 {
                dp.log_at(SimTime::from_secs(s.t), EventKind::FailureOnset { cause: c, count: now[i] });
            }
        }
        self.prev_failures = now;
    }

    /// Whole-run summary so far (after the warm-up), including the current partial second.
    pub fn summary(&self, dp: &dyn Serving, cp: &ControlPlane) -> Summary {
        let mut s = self.total.clone();
        if let Some((start, w)) = dp.partial_window()
            && start.whole_secs() >= self.warmup_secs
        {
            s.merge(&w);
        }
        let mut summary = Summary::from_stats(&s, &dp.version_names(), dp.cpu_per_worker_m());
        summary.cost = self.cost_measured.dollars();
        summary.release = cp.release_status().map(|(r, v)| {
            let mut r = r.clone();
            if let Some(vs) = summary.versions.get(v as usize) {
                r.blast_radius = vs.failed;
                r.exposed = vs.offered;
            }
            r.time_to_detect_s = r.detected_at_s.map(|t| t - r.started_at_s);
            r.time_to_rollback_s = r.rolled_back_at_s.map(|t| t - r.started_at_s);
            r
        });
        summary.cost_per_hour = self.cost_measured.per_hour().unwrap_or(self.gauges.cost_per_hour);
        summary.recovery = self.recovery.clone().map(|mut r| {
            if r.incident_at_s.is_none() {
                r.incident_at_s = dp.incident_at_s();
            }
            r
        });
        summary.pipeline = cp.pipeline_status().cloned();
        summary.mixed_users = dp.mixed_users();
        summary.memory = dp.memory_on().then(|| MemorySummary {
            oom_kills: s.oom_kills,
            evictions: s.evictions,
            peak_pod_mi: s.peak_pod_memory_mi,
            peak_node_utilization: self.gauges.node_memory_max.map(|_| self.peak_node_memory),
        });
        summary
    }

    pub fn series(&self) -> &[SecondSample] {
        &self.series
    }

    /// The series, handed to the report.
    pub(crate) fn take_series(&mut self) -> Vec<SecondSample> {
        std::mem::take(&mut self.series)
    }
}

/// The per-second series answers the release analysis, as Prometheus would.
impl Metrics for Observer {
    fn version_since(&self, version: u16, from_s: u64) -> VersionWindow {
        let mut w = VersionWindow::default();
        for s in self.series.iter().filter(|s| s.t >= from_s) {
            if let Some(v) = s.versions.get(version as usize) {
                w.offered += v.offered;
                w.failed += v.failed;
                w.worst_p99_ms = match (w.worst_p99_ms, v.p99_ms) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        w
    }
}
