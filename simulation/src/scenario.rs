//! The scenario file (TOML, `format = 1`): what the learner reads, the system at the start, the
//! knobs, the objectives. Parsing goes document → knob overrides → typed structs → validation,
//! and every failure names the field path, what was wrong and what is allowed.
//!
//! Adding a section: one struct here (with `deny_unknown_fields`), one field on `Scenario`,
//! one `validate_*` function in `validate.rs`.

pub mod cluster;
pub mod condition;
mod deployment;
mod document;
pub mod knobs;
mod numbers;
mod objective;
mod overrides;
pub mod particle;
pub mod permissions;
pub mod pipeline;
pub mod release;
mod routing;
mod shape;
mod typing;
mod validate;
pub mod wrong_answer;

pub use cluster::{ClusterAutoscalerSpec, ClusterSpec, HpaSpec, IntOrPercent, UpdateStrategy};
pub use condition::Condition;
pub use deployment::DeploymentSpec;
#[cfg(feature = "toml-text")]
pub use document::parse_document;
pub use document::{Document, document_from_json, document_to_json};
pub use knobs::{Notice, value_at, value_at as lookup};
pub use numbers::{read_f64, thousands};
pub use objective::{Comparison, DEFAULT_AB_MIN_REQUESTS, DEFAULT_RECOVERY_AVAILABILITY, Hint, Metric, Objective, Question};
pub use overrides::apply_override;
pub use permissions::{PipelineRoles, Role};
pub use pipeline::{PipelineSpec, StageOrder, TagPolicy};
pub use release::{AnalysisSpec, ReleaseSpec, ReleaseStrategy};
pub use validate::limits;
pub(crate) use validate::show_num;
pub use wrong_answer::WrongAnswer;

use crate::rng::Dist;
use crate::traffic::{Preset, Shape, Stage};
pub use routing::{BalancerKind, RoutingMode};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const FORMAT_VERSION: u32 = 1;

/// One problem in a scenario: where (dotted path) and what.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issue {
    pub path: String,
    pub message: String,
    /// The same in Korean, where a learner meets it (the work budget); else only English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_ko: Option<String>,
}

/// All problems found; never a panic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioError {
    pub issues: Vec<Issue>,
}

impl ScenarioError {
    pub fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError { issues: vec![Issue { path: path.into(), message: message.into(), message_ko: None }] }
    }

    /// Every issue in both languages (Korean falls back to English where there is none).
    pub fn text(&self) -> Text {
        let ko = ScenarioError {
            issues: self.issues.iter().map(|i| Issue { message: i.message_ko.clone().unwrap_or(i.message.clone()), ..i.clone() }).collect(),
        };
        Text { ko: ko.to_string(), en: self.to_string() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if issue.path.is_empty() {
                write!(f, "{}", issue.message)?;
            } else {
                write!(f, "{}: {}", issue.path, issue.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ko: String,
    pub en: String,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chapter {
    Scaling,
    Availability,
    Load,
    Orchestration,
    Autoscaling,
    Deployment,
    Cicd,
    Testing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub format: u32,
    pub id: String,
    pub chapter: Chapter,
    pub title: Text,
    #[serde(default)]
    pub story: Option<Text>,
    pub duration_s: u64,
    /// Seconds discarded before the whole-run statistics start.
    #[serde(default)]
    pub warmup_s: u64,
    #[serde(default)]
    pub seed: u64,
    /// A completed request slower than this counts as bad for availability (request SLI).
    #[serde(default)]
    pub sli_latency_ms: Option<f64>,
    pub traffic: TrafficSpec,
    pub service: ServiceSpec,
    #[serde(default)]
    pub versions: Vec<VersionSpec>,
    #[serde(default)]
    pub deployment: DeploymentSpec,
    #[serde(default)]
    pub cluster: Option<ClusterSpec>,
    #[serde(default)]
    pub hpa: Option<HpaSpec>,
    #[serde(default)]
    pub cluster_autoscaler: Option<ClusterAutoscalerSpec>,
    #[serde(default)]
    pub release: Option<ReleaseSpec>,
    #[serde(default)]
    pub pipeline: Option<PipelineSpec>,
    #[serde(default)]
    pub cache: Option<CacheSpec>,
    #[serde(default)]
    pub database: Option<DatabaseSpec>,
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    #[serde(default)]
    pub knobs: Vec<Knob>,
    #[serde(default)]
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub hints: Vec<Hint>,
    #[serde(default)]
    pub questions: Vec<Question>,
    /// The mistaken ideas this scenario must make fail (checked by the content test).
    #[serde(default)]
    pub wrong_answers: Vec<WrongAnswer>,
    /// Curriculum topic and interview-question ids practised here (`content/curriculum.toml`).
    #[serde(default)]
    pub covers: Vec<String>,
    /// The engine this scenario runs on unless the caller chooses (`simulate run --engine`).
    #[serde(default)]
    pub engine: Option<EngineKind>,
}

/// Which dataplane simulates the serving side: every request as events, or flows in fixed
/// steps (big scenarios; `flow/`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    #[default]
    Request,
    Flow,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficModel {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    pub model: TrafficModel,
    #[serde(default)]
    pub shape: Option<ShapeSpec>,
    #[serde(default)]
    pub preset: Option<Preset>,
    /// The preset's expected load.
    #[serde(default)]
    pub base_rps: Option<f64>,
    /// Open: size of the user-id population (cohorts); closed: concurrent users.
    #[serde(default)]
    pub users: Option<u32>,
    /// Closed model: mean think time between a response and the next request.
    #[serde(default)]
    pub think_time_ms: Option<f64>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeKind {
    Constant,
    Ramp,
    Step,
    Spike,
    FlashSale,
    DailyCycle,
    Staged,
}

/// The shape table as written; which fields apply depends on `kind` (checked in validation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapeSpec {
    pub kind: Option<ShapeKind>,
    pub rps: Option<f64>,
    pub from_rps: Option<f64>,
    pub to_rps: Option<f64>,
    pub start_s: Option<f64>,
    pub duration_s: Option<f64>,
    pub at_s: Option<f64>,
    pub base_rps: Option<f64>,
    pub peak_rps: Option<f64>,
    pub ramp_s: Option<f64>,
    pub hold_s: Option<f64>,
    pub decay_s: Option<f64>,
    pub min_rps: Option<f64>,
    pub max_rps: Option<f64>,
    pub period_s: Option<f64>,
    pub peak_at_s: Option<f64>,
    pub start_rps: Option<f64>,
    pub stages: Option<Vec<Stage>>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    Exponential,
    Deterministic,
    LogNormal,
}

/// `{ kind = "exponential", mean_ms = 100 }`, `{ kind = "deterministic", mean_ms = 100 }`,
/// `{ kind = "log_normal", mean_ms = 100, sigma = 0.5 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    pub kind: DistKind,
    pub mean_ms: f64,
    #[serde(default)]
    pub sigma: Option<f64>,
}

impl ServiceSpec {
    /// What the scheduler reserves and the HPA measures against, millicores.
    pub fn cpu_request(&self) -> u32 {
        self.cpu_request_m.unwrap_or(self.workers.saturating_mul(self.cpu_per_worker_m))
    }
}

impl DistSpec {
    pub fn build(&self) -> Dist {
        match self.kind {
            DistKind::Exponential => Dist::exponential_ms(self.mean_ms),
            DistKind::Deterministic => Dist::Deterministic { us: libm::round(self.mean_ms * 1e3) as u64 },
            DistKind::LogNormal => Dist::lognormal_ms(self.mean_ms, self.sigma.unwrap_or(0.5)),
        }
    }
}

fn default_service_name() -> String {
    "web".into()
}

fn default_balancer() -> BalancerKind {
    BalancerKind::RoundRobin
}
fn default_routing() -> RoutingMode {
    RoutingMode::Weight
}
fn default_cpu_per_worker() -> u32 {
    100
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// The app's name: ReplicaSets and pods are named `<name>-<version>-<n>`.
    #[serde(default = "default_service_name")]
    pub name: String,
    /// Concurrent requests one pod serves.
    pub workers: u32,
    /// Waiting places per pod; omit for an unbounded queue.
    #[serde(default)]
    pub queue_capacity: Option<u32>,
    /// Client deadline; omit for none.
    #[serde(default)]
    pub timeout_ms: Option<f64>,
    #[serde(default = "default_balancer")]
    pub balancer: BalancerKind,
    #[serde(default = "default_routing")]
    pub routing: RoutingMode,
    pub service_time: DistSpec,
    /// CPU request per pod; omitted, it is the pod's size: workers × cpu_per_worker_m.
    #[serde(default)]
    pub cpu_request_m: Option<u32>,
    #[serde(default = "default_cpu_per_worker")]
    pub cpu_per_worker_m: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSpec {
    pub name: String,
    /// Traffic share (canary weight or cohort size); required when there are several versions.
    #[serde(default)]
    pub weight: Option<u32>,
    /// Pods of this version at t = 0; defaults to `deployment.replicas` for the first version
    /// and 0 for the others.
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Overrides the service's service time.
    #[serde(default)]
    pub service_time: Option<DistSpec>,
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub extra_latency_ms: f64,
    /// The container exits as soon as it starts (CrashLoopBackOff).
    #[serde(default)]
    pub crash_on_start: bool,
    /// Memory grows by this many MiB per 1,000 requests served, until the limit kills the pod.
    #[serde(default)]
    pub memory_leak_mi_per_1k: f64,
    /// Overrides `deployment.startup_s` (a slow start).
    #[serde(default)]
    pub startup_s: Option<f64>,
}

fn default_refill() -> f64 {
    60.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    pub hit_ratio: f64,
    pub hit_latency_ms: f64,
    /// After a flush the hit ratio climbs back linearly over this many seconds.
    #[serde(default = "default_refill")]
    pub refill_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Connection pool shared by all pods.
    pub connections: u32,
    pub latency: DistSpec,
    /// The disk's I/O capacity, operations per second; omitted, the disk is never the limit.
    #[serde(default)]
    pub iops: Option<f64>,
    /// I/O operations one query costs (reads and writes that miss the database's buffer cache).
    #[serde(default = "default_io_per_query")]
    pub io_per_query: f64,
}

fn default_io_per_query() -> f64 {
    1.0
}

/// `[network]`: every node's link and the size of a response. Without a `[cluster]` each pod
/// is its own host with its own link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Bandwidth of one node's network link, gigabits per second.
    pub node_gbps: f64,
    /// Size of one response, kilobytes (1 kB = 1,000 bytes).
    pub response_kb: f64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    KillPod,
    KillNode,
    LoseZone,
    TrafficSpike,
    SlowDependency,
    CacheFlush,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub at_s: f64,
    pub kind: FaultKind,
    /// kill_pod: index of the pod (in creation order); default the first live one.
    #[serde(default)]
    pub pod: Option<u32>,
    /// kill_node: the node's name (default the first ready node).
    #[serde(default)]
    pub node: Option<String>,
    /// lose_zone: every node in this zone fails.
    #[serde(default)]
    pub zone: Option<String>,
    /// traffic_spike: rate multiplier.
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// slow_dependency: database latency multiplier.
    #[serde(default)]
    pub factor: Option<f64>,
    /// traffic_spike, slow_dependency: how long it lasts.
    #[serde(default)]
    pub duration_s: Option<f64>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnobKind {
    Integer,
    Number,
    Choice,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knob {
    /// Dotted path into the document, e.g. `deployment.replicas` or `versions.1.weight`.
    pub path: String,
    pub label: Text,
    pub kind: KnobKind,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub step: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// The value in the reference solution (which must pass every objective).
    #[serde(deserialize_with = "document::value")]
    pub reference: toml::Value,
}

impl Scenario {
    /// The traffic shape in effect (preset expanded).
    pub fn shape(&self) -> Shape {
        validate::build_shape(self).unwrap_or(Shape::Constant { rps: 0.0 })
    }

    /// Whether an objective or a hint's condition reads `m` (what the run must measure).
    pub fn uses_metric(&self, m: Metric) -> bool {
        let conditions = self.hints.iter().flat_map(|h| &h.when).chain(self.wrong_answers.iter().flat_map(|w| &w.when));
        self.objectives.iter().any(|o| o.metric == m) || conditions.into_iter().any(|c| c.metric == Some(m))
    }

    /// Versions with defaults filled in (at least one: `v1`).
    pub fn versions(&self) -> Vec<VersionSpec> {
        if self.versions.is_empty() {
            vec![VersionSpec {
                name: "v1".into(),
                weight: Some(100),
                replicas: Some(self.deployment.replicas),
                service_time: None,
                error_rate: 0.0,
                extra_latency_ms: 0.0,
                crash_on_start: false,
                memory_leak_mi_per_1k: 0.0,
                startup_s: None,
            }]
        } else {
            self.versions
                .iter()
                .enumerate()
                .map(|(i, v)| VersionSpec {
                    weight: Some(v.weight.unwrap_or(if i == 0 { 100 } else { 0 })),
                    replicas: Some(v.replicas.unwrap_or(if i == 0 { self.deployment.replicas } else { 0 })),
                    ..v.clone()
                })
                .collect()
        }
    }
}

/// Deserialises `value` as `T`, turning serde's message into one that names the field path.
#[cfg(feature = "field-paths")]
pub(crate) fn deserialize_at<T: serde::de::DeserializeOwned>(value: toml::Value, prefix: &str) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize::<_, T>(typing::Typed::<true>(value)).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix.is_empty(), inner == ".") {
            (_, true) => prefix.to_string(),
            (true, false) => inner,
            (false, false) => format!("{prefix}.{inner}"),
        };
        let msg = e.inner().to_string();
        let msg = msg.lines().next().unwrap_or("").trim().to_string();
        // A missing top-level field is named by itself.
        let path = match msg.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            Some(field) if path.is_empty() => field.to_string(),
            _ => path,
        };
        ScenarioError::one(path, explain_serde(&msg))
    })
}

/// Without `field-paths` (the browser build): the error names the section it was found in.
#[cfg(not(feature = "field-paths"))]
pub(crate) fn deserialize_at<T: serde::de::DeserializeOwned>(value: toml::Value, prefix: &str) -> Result<T, ScenarioError> {
    <T as serde::Deserialize>::deserialize(typing::reader(value)).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.lines().next().unwrap_or("").trim().to_string();
        ScenarioError::one(prefix, explain_serde(&msg))
    })
}

/// serde's wording, with the common cases said in the scenario author's terms.
fn explain_serde(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("required field {rest} is missing");
    }
    if msg.starts_with("unknown field") {
        return format!("{msg} (check the spelling; see docs/scenario-format.md)");
    }
    msg.to_string()
}

/// The knobs, checked before any override is measured against them (a NaN bound, min above max).
// Inline: built where a scenario is read (see `Scenario::from_document`).
#[inline]
fn knobs_of(doc: &toml::Value) -> Result<Vec<Knob>, ScenarioError> {
    let knobs = match doc.get("knobs") {
        None => vec![],
        Some(v) => deserialize_at::<Vec<Knob>>(v.clone(), "knobs")?,
    };
    let mut issues = Vec::new();
    validate::validate_knobs(&knobs, &mut issues);
    if issues.is_empty() { Ok(knobs) } else { Err(ScenarioError { issues }) }
}
