//! `[release]`: ship a new version at a given time with a strategy (Argo Rollouts' vocabulary
//! for canary and blue/green), and optional automatic analysis that rolls back a bad release.

use super::validate::limits::{MAX_DELAY_MS, MAX_LIST, MAX_PAUSE_S, MAX_SPAN_S};
use super::validate::{check_count, check_len, check_positive_to, check_range, push};
use super::{Issue, Scenario};
use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStrategy {
    RollingUpdate,
    Recreate,
    BlueGreen,
    Canary,
    AbTest,
}

impl ReleaseStrategy {
    pub fn name_ko(self) -> &'static str {
        match self {
            ReleaseStrategy::RollingUpdate => "롤링 업데이트",
            ReleaseStrategy::Recreate => "재생성(Recreate)",
            ReleaseStrategy::BlueGreen => "블루/그린",
            ReleaseStrategy::Canary => "카나리",
            ReleaseStrategy::AbTest => "A/B 테스트",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ReleaseStrategy::RollingUpdate => "rolling update",
            ReleaseStrategy::Recreate => "recreate",
            ReleaseStrategy::BlueGreen => "blue/green",
            ReleaseStrategy::Canary => "canary",
            ReleaseStrategy::AbTest => "A/B test",
        }
    }
}

/// One canary step: `{ set_weight = 20 }` or `{ pause_s = 60 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryStep {
    #[serde(default)]
    pub set_weight: Option<u32>,
    #[serde(default)]
    pub pause_s: Option<f64>,
}

fn default_interval() -> f64 {
    30.0
}
pub(super) fn default_min_requests() -> u64 {
    20
}
fn default_scale_down_delay() -> f64 {
    30.0
}
fn default_deadline() -> f64 {
    600.0
}

/// Automatic analysis of the new version (an Argo AnalysisRun in the background): every
/// interval, measure its error rate and p99; a measurement past a threshold is Failed, and the
/// run fails (and the release is rolled back) when failures exceed `failure_limit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    #[serde(default = "default_interval")]
    pub interval_s: f64,
    #[serde(default)]
    pub max_error_rate: Option<f64>,
    #[serde(default)]
    pub max_p99_ms: Option<f64>,
    #[serde(default)]
    pub failure_limit: i32,
    /// Fewer requests than this in an interval: no measurement is taken.
    #[serde(default = "default_min_requests")]
    pub min_requests: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub at_s: f64,
    /// Name of one of `[[versions]]` (not the first: that one is running).
    pub version: String,
    pub strategy: ReleaseStrategy,
    /// Canary steps, in order.
    #[serde(default)]
    pub steps: Vec<CanaryStep>,
    /// Canary: a traffic router (mesh, ingress) splits by exact weight; without one the weight
    /// is approximated by pod counts.
    #[serde(default)]
    pub traffic_router: bool,
    #[serde(default)]
    pub analysis: Option<AnalysisSpec>,
    /// Blue/green: switch this long after green is fully available.
    #[serde(default)]
    pub auto_promote_s: f64,
    /// Blue/green and canary: the old pods stay this long after the switch (instant way back).
    #[serde(default = "default_scale_down_delay")]
    pub scale_down_delay_s: f64,
    /// A/B test: share of users (by user-id bucket) that get the new version.
    #[serde(default)]
    pub cohort_percent: Option<u32>,
    /// Give up (and roll back) if the new version is not available by then.
    #[serde(default = "default_deadline")]
    pub progress_deadline_s: f64,
}

impl ReleaseSpec {
    /// The release a CI/CD pipeline's deploy stage ships now (defaults as in a `[release]`).
    pub fn deploy(version: &str, at_s: f64, strategy: ReleaseStrategy, analysis: Option<AnalysisSpec>) -> ReleaseSpec {
        ReleaseSpec {
            at_s,
            version: version.to_string(),
            strategy,
            steps: Vec::new(),
            traffic_router: false,
            analysis,
            auto_promote_s: 0.0,
            scale_down_delay_s: default_scale_down_delay(),
            cohort_percent: None,
            progress_deadline_s: default_deadline(),
        }
    }
}

pub(super) fn validate(sc: &Scenario, issues: &mut Vec<Issue>) {
    let Some(r) = &sc.release else { return };
    let versions: Vec<String> = sc.versions().into_iter().map(|v| v.name).collect();
    issues.extend(r.check(&versions, 0, sc.duration_s as f64));
}

impl ReleaseSpec {
    /// Problems with this release for a service whose versions are `versions`, running
    /// `versions[running]`, in a run of `duration_s` (a scenario's, or a live one's).
    pub fn check(&self, versions: &[String], running: usize, duration_s: f64) -> Vec<Issue> {
        let mut issues = Vec::new();
        self.check_into(versions, running, duration_s, &mut issues);
        issues
    }

    fn check_into(&self, versions: &[String], running: usize, duration_s: f64, issues: &mut Vec<Issue>) {
        let r = self;
        match versions.iter().position(|v| *v == r.version) {
            Some(i) if i != running => {}
            _ => {
                let names: Vec<&str> = versions.iter().enumerate().filter(|(i, _)| *i != running).map(|(_, v)| v.as_str()).collect();
                push(
                    issues,
                    "release.version",
                    format!("{:?} is not a new version; allowed: {} (define it under [[versions]])", r.version, names.join(", ")),
                );
            }
        }
        if !(0.0..duration_s).contains(&r.at_s) {
            push(issues, "release.at_s", format!("{} is out of range; allowed 0 to {duration_s}", r.at_s));
        }
        if r.strategy == ReleaseStrategy::Canary && !r.steps.iter().any(|s| s.set_weight.is_some()) {
            push(issues, "release.steps", "a canary needs at least one { set_weight = N } step");
        }
        check_len(issues, "release.steps", r.steps.len(), MAX_LIST);
        for (i, s) in r.steps.iter().enumerate() {
            match (s.set_weight, s.pause_s) {
                (Some(w), None) if w <= 100 => {}
                (None, Some(p)) if (0.0..=MAX_SPAN_S).contains(&p) => {}
                _ => push(
                    issues,
                    format!("release.steps.{i}"),
                    format!("each step is either {{ set_weight = 0..100 }} or {{ pause_s = 0..{MAX_SPAN_S} seconds }}"),
                ),
            }
        }
        if r.strategy == ReleaseStrategy::AbTest && !r.cohort_percent.is_some_and(|c| (1..=99).contains(&c)) {
            push(issues, "release.cohort_percent", "an A/B test needs cohort_percent from 1 to 99");
        } else if let Some(c) = r.cohort_percent {
            check_count(issues, "release.cohort_percent", c.into(), 0, 100);
        }
        check_range(issues, "release.auto_promote_s", r.auto_promote_s, 0.0, MAX_PAUSE_S);
        check_range(issues, "release.scale_down_delay_s", r.scale_down_delay_s, 0.0, MAX_PAUSE_S);
        check_positive_to(issues, "release.progress_deadline_s", r.progress_deadline_s, MAX_PAUSE_S);
        if let Some(a) = &r.analysis {
            if !(a.interval_s >= 1.0 && a.interval_s <= 3600.0) {
                push(issues, "release.analysis.interval_s", format!("{} is out of range; allowed 1 to 3600", a.interval_s));
            }
            if a.max_error_rate.is_none() && a.max_p99_ms.is_none() {
                push(issues, "release.analysis", "needs max_error_rate, max_p99_ms or both");
            }
            if a.max_error_rate.is_some_and(|e| !(0.0..=1.0).contains(&e)) {
                push(issues, "release.analysis.max_error_rate", "allowed 0 to 1 (a share, 0.01 = 1 %)");
            }
            if let Some(p) = a.max_p99_ms {
                check_positive_to(issues, "release.analysis.max_p99_ms", p, MAX_DELAY_MS);
            }
            if !(0..=1000).contains(&a.failure_limit) {
                push(issues, "release.analysis.failure_limit", format!("{} is out of range; allowed 0 to 1000", a.failure_limit));
            }
            check_count(issues, "release.analysis.min_requests", a.min_requests, 0, 1_000_000_000);
        }
    }
}
