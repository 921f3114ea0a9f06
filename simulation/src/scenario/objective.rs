//! What a scenario grades and teaches: objectives on typed metrics, the hints shown when one
//! fails, and the questions asked after a run.

use super::{Condition, Text};
use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    LatencyMeanMs,
    LatencyP50Ms,
    LatencyP90Ms,
    LatencyP95Ms,
    LatencyP99Ms,
    Availability,
    ErrorRate,
    FailedRequests,
    RejectedRequests,
    TimedOutRequests,
    MaxQueue,
    Utilization,
    CostPerHour,
    ThroughputRps,
    /// One version's p99, error rate, failed requests (the objective names it in `version`).
    VersionLatencyP99Ms,
    VersionErrorRate,
    VersionFailedRequests,
    /// The release: requests the new version failed, seconds from its start to detection.
    BlastRadius,
    TimeToDetectS,
    /// Share of database connections in use; share of requests the cache answered.
    DbPoolUtilization,
    CacheHitRatio,
    /// Seconds from the first incident (fault, release, image push) until every later second
    /// meets `recovery_availability` again; never recovered measures nothing (fails).
    RecoveryS,
    /// Memory: OOM kills, evictions under node memory pressure, most memory one pod held.
    OomKills,
    Evictions,
    PeakPodMemoryMi,
    /// Share of time the database disk was busy; the busiest network link's utilisation.
    DiskUtilization,
    NetworkUtilization,
    /// A/B test: confidence (1 − p of a two-sided two-proportion z-test) that `version`'s share
    /// of failed requests differs from `baseline`'s; measures nothing while either version has
    /// answered fewer than `min_requests` (too small a sample to judge).
    AbConfidence,
    /// Share of users served by more than one version (an A/B test's cohorts must be sticky).
    MixedUsers,
    /// CI/CD: seconds from the commit to the deploy stage shipping it (never shipped: fails).
    LeadTimeS,
    /// CI/CD: actions the pipeline's stage roles may do that no stage needs (least privilege).
    ExcessPermissions,
}

impl Metric {
    /// Metrics about one version: the objective names it.
    pub fn per_version(self) -> bool {
        matches!(self, Metric::VersionLatencyP99Ms | Metric::VersionErrorRate | Metric::VersionFailedRequests | Metric::AbConfidence)
    }
    /// Metrics that are a share from 0 to 1.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Metric::Availability
                | Metric::ErrorRate
                | Metric::Utilization
                | Metric::VersionErrorRate
                | Metric::DbPoolUtilization
                | Metric::CacheHitRatio
                | Metric::DiskUtilization
                | Metric::NetworkUtilization
                | Metric::AbConfidence
                | Metric::MixedUsers
        )
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">=")]
    AtLeast,
}

impl Comparison {
    pub fn holds(self, measured: f64, target: f64) -> bool {
        match self {
            Comparison::AtMost => measured <= target,
            Comparison::AtLeast => measured >= target,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: String,
    pub metric: Metric,
    pub comparison: Comparison,
    pub value: f64,
    pub label: Text,
    /// The version a per-version metric measures (`version_latency_p99_ms`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `recovery_s`: the per-second availability that counts as recovered (default 0.99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_availability: Option<f64>,
    /// `ab_confidence`: the version compared against (default: the first version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// `ab_confidence`: answered requests each version needs before the comparison counts
    /// (default 1,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_requests: Option<u64>,
}

/// `ab_confidence` without `min_requests`: each version answers at least this many.
pub const DEFAULT_AB_MIN_REQUESTS: u64 = 1_000;

/// `recovery_s` without `recovery_availability`: a second is healthy at 99 % good responses.
pub const DEFAULT_RECOVERY_AVAILABILITY: f64 = 0.99;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// The objective id it explains.
    pub objective: String,
    pub text: Text,
    /// Shown only when these hold (all of them); see `condition.rs`.
    #[serde(default, deserialize_with = "super::condition::one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: Text,
    pub answer: Text,
}
