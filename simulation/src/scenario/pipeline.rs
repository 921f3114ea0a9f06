//! `[pipeline]`: CI/CD as part of the run. A change is merged at `commit_at_s`; the pipeline
//! builds an image, runs the tests (which catch a bad change with a probability), pushes the
//! image to the registry under a tag, and deploys it as a release. The tag policy decides what
//! a pod restarted later runs: a mutable `latest` (imagePullPolicy Always) follows the registry,
//! an immutable commit SHA stays what its ReplicaSet names.

use super::permissions::PipelineRoles;
use super::release::{AnalysisSpec, CanaryStep, ReleaseSpec, ReleaseStrategy};
use super::validate::{check_range, push};
use super::{Issue, Scenario};
use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagPolicy {
    /// `web:latest`, pulled with imagePullPolicy Always (Kubernetes' default for `latest`).
    Latest,
    /// `web:3f9c2ab` (or a digest): the tag names one image forever.
    CommitSha,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOrder {
    /// build → test → push → deploy: only a tested image reaches the registry.
    TestThenPush,
    /// build → push → test → deploy: the image is in the registry before its tests end.
    PushThenTest,
}

fn default_build() -> f64 {
    60.0
}
fn default_test() -> f64 {
    120.0
}
fn default_push() -> f64 {
    20.0
}
fn default_catch() -> f64 {
    0.9
}
fn default_strategy() -> ReleaseStrategy {
    ReleaseStrategy::RollingUpdate
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// When the change is merged and the pipeline starts.
    pub commit_at_s: f64,
    /// The version the change builds (one of `[[versions]]`, not the first).
    pub version: String,
    #[serde(default = "default_build")]
    pub build_s: f64,
    #[serde(default = "default_test")]
    pub test_s: f64,
    #[serde(default = "default_push")]
    pub push_s: f64,
    /// Chance that the tests catch a bad change (a version with errors, extra latency, a crash
    /// on start or a memory leak); a good change always passes.
    #[serde(default = "default_catch")]
    pub test_catch_probability: f64,
    pub tag: TagPolicy,
    pub order: StageOrder,
    /// How the deploy stage ships the image: rolling_update, recreate or blue_green.
    #[serde(default = "default_strategy")]
    pub strategy: ReleaseStrategy,
    /// Automatic analysis after the deploy: rolls back when the new version fails it.
    #[serde(default)]
    pub analysis: Option<AnalysisSpec>,
    /// `canary` (CodeDeploy's canary deployment): the steps; default CodeDeploy's
    /// `Canary10Percent5Minutes`, 10 % for five minutes, then all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<CanaryStep>,
    /// The role each stage runs with; without it, permissions are not modelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<PipelineRoles>,
}

impl PipelineSpec {
    /// The release the deploy stage ships at `at_s`. A canary shifts traffic at the load
    /// balancer (exact weights), as CodeDeploy does.
    pub fn release(&self, at_s: f64) -> ReleaseSpec {
        let mut r = ReleaseSpec::deploy(&self.version, at_s, self.strategy, self.analysis.clone());
        if self.strategy == ReleaseStrategy::Canary {
            r.traffic_router = true;
            r.steps = if self.steps.is_empty() {
                vec![CanaryStep { set_weight: Some(10), pause_s: None }, CanaryStep { set_weight: None, pause_s: Some(300.0) }]
            } else {
                self.steps.clone()
            };
        }
        r
    }
}

pub(super) fn validate(sc: &Scenario, issues: &mut Vec<Issue>) {
    let Some(p) = &sc.pipeline else { return };
    let names: Vec<String> = sc.versions().into_iter().map(|v| v.name).collect();
    if !names.iter().skip(1).any(|n| *n == p.version) {
        let allowed = names.iter().skip(1).cloned().collect::<Vec<_>>().join(", ");
        push(
            issues,
            "pipeline.version",
            format!("{:?} is not a new version; allowed: {allowed} (define it under [[versions]])", p.version),
        );
    }
    let d = sc.duration_s as f64;
    check_range(issues, "pipeline.commit_at_s", p.commit_at_s, 0.0, d);
    check_range(issues, "pipeline.build_s", p.build_s, 0.0, 86_400.0);
    check_range(issues, "pipeline.test_s", p.test_s, 0.0, 86_400.0);
    check_range(issues, "pipeline.push_s", p.push_s, 0.0, 86_400.0);
    check_range(issues, "pipeline.test_catch_probability", p.test_catch_probability, 0.0, 1.0);
    if !matches!(
        p.strategy,
        ReleaseStrategy::RollingUpdate | ReleaseStrategy::Recreate | ReleaseStrategy::BlueGreen | ReleaseStrategy::Canary
    ) {
        push(issues, "pipeline.strategy", "the deploy stage ships with rolling_update, recreate, blue_green or canary");
    }
    if !p.steps.is_empty() && p.strategy != ReleaseStrategy::Canary {
        push(issues, "pipeline.steps", "only used by the canary strategy");
    }
    // The steps as a release checks them, under this section's name.
    let steps = p.release(0.0).check(&names, 0, d.max(1.0));
    issues.extend(
        steps
            .into_iter()
            .filter(|i| i.path.starts_with("release.steps"))
            .map(|i| Issue { path: i.path.replacen("release.", "pipeline.", 1), ..i }),
    );
    if sc.release.is_some() {
        push(issues, "release", "a scenario with a [pipeline] ships through it; remove [release]");
    }
    if let Some(a) = &p.analysis {
        check_range(issues, "pipeline.analysis.interval_s", a.interval_s, 1.0, 3600.0);
        if a.max_error_rate.is_none() && a.max_p99_ms.is_none() {
            push(issues, "pipeline.analysis", "needs max_error_rate, max_p99_ms or both");
        }
        if let Some(e) = a.max_error_rate {
            check_range(issues, "pipeline.analysis.max_error_rate", e, 0.0, 1.0);
        }
    }
}
