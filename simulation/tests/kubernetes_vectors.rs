//! Runs every vector of every `*.json` in `tests/vectors/` (schema:
//! `shared/reference/vectors/README.md`) against `simulation::kube`.
//!
//! Each top-level array is dispatched by its key; an unknown key fails the
//! test so a new schema is noticed. JSON → library input conversion lives
//! here; the library types know nothing about this schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use simulation::kube::deployment::fencepost::{IntOrString, max_unavailable, min_available, resolve_fenceposts};
use simulation::kube::deployment::proportional::scale;
use simulation::kube::deployment::rolling::{
    cleanup_unhealthy_replicas, new_rs_new_replicas, reconcile_new_replica_set, reconcile_old_replica_sets, rollout_sequence,
    scale_down_old_replica_sets_for_rolling_update,
};
use simulation::kube::deployment::{Deployment, DeploymentStrategy, ReplicaSet};
use simulation::kube::hpa::Tolerances;
use simulation::kube::hpa::behavior::{
    Behavior, LegacyLimits, RateLimitArgs, ResolvedRules, ScalingPolicy, ScalingPolicyType, ScalingRules, SelectPolicy,
    TimestampedRecommendation, TimestampedScaleEvent, convert_desired_replicas_with_behavior_rate, convert_desired_replicas_with_rules,
    replicas_change_per_period, resolve_behavior, scale_down_limit_with_behaviors, scale_up_limit_with_scaling_rules,
    stabilize_recommendation, stabilize_recommendation_with_behaviors, store_scale_event,
};
use simulation::kube::hpa::controller::{
    HpaControllerConfig, HpaObservation, HpaSpec, HpaState, MetricInput, MetricSpec, MetricValues, ResourceTarget, ValueTarget,
    reconcile_autoscaler,
};
use simulation::kube::hpa::replica_calculator::{
    CalculatorConfig, ContainerRequests, HpaPod, PodGroup, PodSample, ReadinessTiming, ReadyCondition, classify_pod,
    get_external_metric_replicas, get_external_per_pod_metric_replicas, get_metric_replicas, get_object_metric_replicas,
    get_per_pod_value_replicas, get_raw_resource_replicas, get_resource_replicas,
};
use simulation::kube::{PodPhase, ResourceName, SECOND, TimeMs};

/// Metadata keys that are not vector sections.
const METADATA_KEYS: &[&str] = &["schema", "source_snapshot", "test_constants", "group_pods_constants", "defaults"];

/// Upstream test values used when a file carries no constants (README: hpa.json `test_constants`).
const TEST_CPU_INIT_S: i64 = 120;
const TEST_READINESS_DELAY_S: i64 = 10;
const TEST_TOLERANCE: f64 = 0.1;

/// "Now" of every vector; ages become `NOW - age`.
const NOW: TimeMs = 1_000_000 * SECOND;

type Check = Result<(), String>;

#[derive(Default)]
struct Tally {
    ran: usize,
    skipped: BTreeMap<String, usize>,
    failures: Vec<String>,
    per_section: BTreeMap<String, (usize, usize)>,
}

#[derive(Clone, Copy)]
struct FileConstants {
    tolerance: f64,
    timing: ReadinessTiming,
    group_timing: ReadinessTiming,
    scale_up_limit_minimum: f64,
}

fn file_constants(doc: &serde_json::Map<String, Value>) -> FileConstants {
    let num = |block: &str, key: &str| doc.get(block).and_then(|b| b.get(key)).and_then(Value::as_f64);
    let timing = |block: &str| ReadinessTiming {
        cpu_initialization_period: (num(block, "cpu_initialization_period_s").unwrap_or(TEST_CPU_INIT_S as f64) * 1000.0) as TimeMs,
        delay_of_initial_readiness_status: (num(block, "delay_of_initial_readiness_status_s").unwrap_or(TEST_READINESS_DELAY_S as f64)
            * 1000.0) as TimeMs,
    };
    let group_block = if doc.contains_key("group_pods_constants") { "group_pods_constants" } else { "test_constants" };
    FileConstants {
        tolerance: num("test_constants", "tolerance").unwrap_or(TEST_TOLERANCE),
        timing: timing("test_constants"),
        group_timing: timing(group_block),
        scale_up_limit_minimum: num("test_constants", "scale_up_limit_minimum").unwrap_or(4.0),
    }
}

// ---------- shared JSON shapes ----------

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize, Clone)]
struct JPod {
    name: String,
    phase: String,
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    deleting: bool,
    #[serde(default)]
    cpu_initializing: bool,
    request_m: Option<i64>,
}

#[derive(Deserialize, Clone)]
struct JMetric {
    source: String,
    resource: Option<String>,
    container: Option<String>,
    target_type: Option<String>,
    target: Option<i64>,
    target_m: Option<i64>,
    pod_values_m: Option<Vec<Option<i64>>>,
    extra_pod_values_m: Option<Vec<i64>>,
    object_value_m: Option<i64>,
    external_values_m: Option<Vec<i64>>,
    #[serde(default)]
    fails: bool,
    name: Option<String>,
}

#[derive(Deserialize, Clone)]
struct JPolicy {
    #[serde(rename = "type")]
    kind: String,
    value: i32,
    #[serde(rename = "periodSeconds")]
    period_seconds: i32,
}

#[derive(Deserialize, Clone)]
struct JRules {
    #[serde(rename = "stabilizationWindowSeconds")]
    stabilization_window_seconds: Option<i32>,
    #[serde(rename = "selectPolicy")]
    select_policy: Option<String>,
    policies: Option<Vec<JPolicy>>,
    tolerance: Option<f64>,
}

#[derive(Deserialize, Clone)]
struct JBehavior {
    #[serde(rename = "scaleUp")]
    scale_up: Option<JRules>,
    #[serde(rename = "scaleDown")]
    scale_down: Option<JRules>,
}

#[derive(Deserialize, Clone, Copy)]
struct JRec {
    replicas: i32,
    age_s: i64,
}

#[derive(Deserialize, Clone, Copy)]
struct JEvent {
    change: i32,
    age_s: i64,
}

#[derive(Deserialize, Clone)]
struct JDeployment {
    replicas: Option<i32>,
    strategy: String,
    #[serde(rename = "maxSurge")]
    max_surge: Option<Value>,
    #[serde(rename = "maxUnavailable")]
    max_unavailable: Option<Value>,
    status_replicas: Option<i32>,
}

// ---------- conversions ----------

fn at_age(age_s: i64) -> TimeMs {
    NOW - age_s * SECOND
}

fn phase(s: &str) -> Result<PodPhase, String> {
    match s {
        "Pending" => Ok(PodPhase::Pending),
        "Running" => Ok(PodPhase::Running),
        "Succeeded" => Ok(PodPhase::Succeeded),
        "Failed" => Ok(PodPhase::Failed),
        "Unknown" => Ok(PodPhase::Unknown),
        other => Err(format!("unknown phase {other:?}")),
    }
}

fn resource(s: Option<&str>) -> Result<ResourceName, String> {
    match s {
        Some("cpu") | None => Ok(ResourceName::Cpu),
        Some("memory") => Ok(ResourceName::Memory),
        Some(other) => Err(format!("unknown resource {other:?}")),
    }
}

/// Sample window used for the digested pods; "hot" pods became ready at `NOW`.
const SAMPLE_WINDOW: TimeMs = 60 * SECOND;

/// Digested pod flags → real timestamps that classify the same way under `timing`.
fn hpa_pod(p: &JPod, container: &str, timing: &ReadinessTiming) -> Result<HpaPod, String> {
    let (start, condition) = if p.cpu_initializing {
        // Inside the init period, ready just now: the sample still covers pre-ready CPU.
        (NOW, ReadyCondition { ready: p.ready, last_transition: NOW })
    } else {
        let start = NOW - timing.cpu_initialization_period - 1000 * SECOND;
        // Ready pods became ready after the initial delay; unready ones never did.
        let transition = if p.ready { start + timing.delay_of_initial_readiness_status } else { start };
        (start, ReadyCondition { ready: p.ready, last_transition: transition })
    };
    Ok(HpaPod {
        name: p.name.clone(),
        phase: phase(&p.phase)?,
        deleting: p.deleting,
        start_time: Some(start),
        ready_condition: Some(condition),
        containers: vec![ContainerRequests { name: container.into(), cpu_m: p.request_m, memory_m: p.request_m }],
    })
}

fn samples(m: &JMetric, pods: &[JPod]) -> Vec<PodSample> {
    let mut out: Vec<PodSample> = pods
        .iter()
        .zip(m.pod_values_m.clone().unwrap_or_default())
        .filter_map(|(p, v)| v.map(|v| PodSample { pod: p.name.clone(), value_m: v, timestamp: NOW, window: SAMPLE_WINDOW }))
        .collect();
    for (i, v) in m.extra_pod_values_m.clone().unwrap_or_default().into_iter().enumerate() {
        out.push(PodSample { pod: format!("extra-{i}"), value_m: v, timestamp: NOW, window: SAMPLE_WINDOW });
    }
    out
}

fn need<T: Copy>(v: Option<T>, what: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("vector lacks {what}"))
}

/// Metric source kinds this simulation does not model (skipped by kind). None today.
const UNMODELLED_KINDS: &[&str] = &[];

fn metric_input(m: &JMetric, pods: &[JPod]) -> Result<MetricInput, String> {
    let name = m.name.clone().unwrap_or_else(|| "metric".into());
    let tt = m.target_type.as_deref();
    let value_target = |t: i64| match tt {
        Some("Value") => Ok(ValueTarget::Value(t)),
        Some("AverageValue") => Ok(ValueTarget::AverageValue(t)),
        other => Err(format!("bad target_type {other:?}")),
    };
    let (spec, values) = match m.source.as_str() {
        "Resource" | "ContainerResource" => {
            let target = match tt {
                Some("Utilization") => ResourceTarget::Utilization(need(m.target, "target")? as i32),
                Some("AverageValue") => ResourceTarget::AverageValue(need(m.target_m, "target_m")?),
                other => return Err(format!("bad target_type {other:?}")),
            };
            let container = if m.source == "ContainerResource" { m.container.clone() } else { None };
            (
                MetricSpec::Resource { resource: resource(m.resource.as_deref())?, container, target },
                MetricValues::PodSamples(samples(m, pods)),
            )
        }
        "Pods" => (MetricSpec::Pods { name, target_average_m: need(m.target_m, "target_m")? }, MetricValues::PodSamples(samples(m, pods))),
        "Object" => (
            MetricSpec::Object { name, target: value_target(need(m.target_m, "target_m")?)? },
            MetricValues::Object(m.object_value_m.unwrap_or(0)),
        ),
        "External" => (
            MetricSpec::External { name, target: value_target(need(m.target_m, "target_m")?)? },
            MetricValues::External(m.external_values_m.clone().unwrap_or_default()),
        ),
        // Schema: an unknown metric type always errors (the API would reject it).
        "Invalid" => {
            return Ok(MetricInput {
                spec: MetricSpec::External { name, target: ValueTarget::Value(1) },
                values: Err("unknown metric source type \"Invalid\"".into()),
            });
        }
        other => return Err(format!("unknown metric source {other:?}")),
    };
    let values = if m.fails { Err(format!("unable to fetch metric {}", m.source)) } else { Ok(values) };
    Ok(MetricInput { spec, values })
}

fn rules(r: &JRules) -> Result<ScalingRules, String> {
    let select = match r.select_policy.as_deref() {
        None => None,
        Some("Max") => Some(SelectPolicy::Max),
        Some("Min") => Some(SelectPolicy::Min),
        Some("Disabled") => Some(SelectPolicy::Disabled),
        Some(o) => return Err(format!("bad selectPolicy {o:?}")),
    };
    let policies = match &r.policies {
        None => None,
        Some(ps) => Some(
            ps.iter()
                .map(|p| {
                    let policy_type = match p.kind.as_str() {
                        "Pods" => ScalingPolicyType::Pods,
                        "Percent" => ScalingPolicyType::Percent,
                        o => return Err(format!("bad policy type {o:?}")),
                    };
                    Ok(ScalingPolicy { policy_type, value: p.value, period_seconds: p.period_seconds })
                })
                .collect::<Result<Vec<_>, String>>()?,
        ),
    };
    Ok(ScalingRules {
        stabilization_window_seconds: r.stabilization_window_seconds,
        select_policy: select,
        policies,
        tolerance: r.tolerance,
    })
}

fn behavior(b: &JBehavior) -> Result<Behavior, String> {
    Ok(Behavior { scale_up: b.scale_up.as_ref().map(rules).transpose()?, scale_down: b.scale_down.as_ref().map(rules).transpose()? })
}

/// Rules for one direction with API defaults (`null` = default rules).
fn resolved(up: Option<&JRules>, down: Option<&JRules>) -> Result<(ResolvedRules, ResolvedRules), String> {
    let b = Behavior { scale_up: up.map(rules).transpose()?, scale_down: down.map(rules).transpose()? };
    Ok(resolve_behavior(&b, 300 * SECOND))
}

fn recs(list: &[JRec]) -> Vec<TimestampedRecommendation> {
    list.iter().map(|r| TimestampedRecommendation { recommendation: r.replicas, timestamp: at_age(r.age_s) }).collect()
}

fn events(list: &[JEvent]) -> Vec<TimestampedScaleEvent> {
    list.iter().map(|e| TimestampedScaleEvent { replica_change: e.change, timestamp: at_age(e.age_s), outdated: false }).collect()
}

fn int_or_string(v: &Option<Value>) -> Result<Option<IntOrString>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(|i| Some(IntOrString::Int(i as i32))).ok_or_else(|| format!("bad int {n}")),
        Some(Value::String(s)) => IntOrString::parse(s).map(Some),
        Some(other) => Err(format!("bad IntOrString {other}")),
    }
}

fn deployment(d: &JDeployment) -> Result<Deployment, String> {
    let replicas = d.replicas.unwrap_or(simulation::kube::deployment::DEFAULT_REPLICAS);
    let strategy = match d.strategy.as_str() {
        "Recreate" => DeploymentStrategy::Recreate,
        "RollingUpdate" => DeploymentStrategy::RollingUpdate {
            max_surge: int_or_string(&d.max_surge)?,
            max_unavailable: int_or_string(&d.max_unavailable)?,
        },
        o => return Err(format!("unknown strategy {o:?}")),
    };
    Ok(Deployment { replicas, strategy, status_replicas: d.status_replicas.unwrap_or(replicas) })
}

fn rs(name: &str, created: TimeMs, replicas: i32, available: i32) -> ReplicaSet {
    ReplicaSet::new(name, created, replicas, available)
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Check {
    if got == want { Ok(()) } else { Err(format!("{what}: got {got:?}, want {want:?}")) }
}

// ---------- hpa.json ----------

#[derive(Deserialize)]
struct ReplicaCalcVector {
    current_replicas: i32,
    pods: Vec<JPod>,
    metric: JMetric,
    expected: Value,
}

fn run_replica_calc(v: ReplicaCalcVector, k: &FileConstants) -> Check {
    let cfg = CalculatorConfig { tolerances: Tolerances::uniform(k.tolerance), timing: k.timing };
    let m = &v.metric;
    let container = m.container.clone().unwrap_or_else(|| "c".into());
    let pods = v.pods.iter().map(|p| hpa_pod(p, &container, &k.timing)).collect::<Result<Vec<_>, _>>()?;
    let input = metric_input(m, &v.pods)?;
    let cur = v.current_replicas;
    // (replicas, Some(utilization, raw average) | None, usage)
    let got: Result<(i32, Option<(i32, i64)>, Option<i64>), String> = match (&input.spec, &input.values) {
        (_, Err(e)) => Err(e.clone()),
        (MetricSpec::Resource { resource, container, target }, Ok(MetricValues::PodSamples(s))) => match target {
            ResourceTarget::Utilization(t) => get_resource_replicas(cur, *t, *resource, container.as_deref(), &pods, s, &cfg, NOW)
                .map(|r| (r.replicas, Some((r.utilization_pct, r.raw_average_m)), None)),
            ResourceTarget::AverageValue(t) => {
                get_raw_resource_replicas(cur, *t, *resource, &pods, s, &cfg, NOW).map(|r| (r.replicas, None, Some(r.usage_m)))
            }
        },
        (MetricSpec::Pods { target_average_m, .. }, Ok(MetricValues::PodSamples(s))) => {
            get_metric_replicas(cur, *target_average_m, &pods, s, &cfg, NOW).map(|r| (r.replicas, None, Some(r.usage_m)))
        }
        (MetricSpec::Object { target, .. }, Ok(MetricValues::Object(val))) => match target {
            ValueTarget::Value(t) => get_object_metric_replicas(cur, *t, *val, &pods, &cfg.tolerances),
            ValueTarget::AverageValue(t) => get_per_pod_value_replicas(cur, *t, *val, &cfg.tolerances),
        }
        .map(|r| (r.replicas, None, Some(r.usage_m))),
        (MetricSpec::External { target, .. }, Ok(MetricValues::External(vals))) => match target {
            ValueTarget::Value(t) => get_external_metric_replicas(cur, *t, vals, &pods, &cfg.tolerances),
            ValueTarget::AverageValue(t) => get_external_per_pod_metric_replicas(cur, *t, vals, &cfg.tolerances),
        }
        .map(|r| (r.replicas, None, Some(r.usage_m))),
        _ => return Err("metric spec and values disagree".into()),
    };
    let exp = &v.expected;
    if let Some(want_err) = exp.get("error").and_then(Value::as_str) {
        return match got {
            Err(e) if e.contains(want_err) => Ok(()),
            Err(e) => Err(format!("error {e:?} does not contain {want_err:?}")),
            Ok(r) => Err(format!("got {r:?}, want error {want_err:?}")),
        };
    }
    let (replicas, util, usage) = got?;
    let mut errs = vec![];
    let int = |k: &str| exp.get(k).and_then(Value::as_i64);
    if let Some(w) = int("replicas") {
        errs.extend(expect_eq("replicas", i64::from(replicas), w).err());
    }
    if let Some(w) = int("utilization_pct") {
        errs.extend(expect_eq("utilization_pct", util.map(|u| i64::from(u.0)), Some(w)).err());
    }
    if let Some(w) = int("raw_average_m") {
        errs.extend(expect_eq("raw_average_m", util.map(|u| u.1), Some(w)).err());
    }
    if let Some(w) = int("usage_m") {
        errs.extend(expect_eq("usage_m", usage, Some(w)).err());
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}

#[derive(Deserialize)]
struct ControllerVector {
    min_replicas: Option<i32>,
    max_replicas: i32,
    spec_replicas: i32,
    status_replicas: Option<i32>,
    pods: Vec<JPod>,
    metrics: Vec<JMetric>,
    behavior: Option<JBehavior>,
    recommendation_history: Option<Vec<JRec>>,
    #[serde(default)]
    scale_up_events: Vec<JEvent>,
    #[serde(default)]
    scale_down_events: Vec<JEvent>,
    downscale_stabilization_s: Option<i64>,
    scale_up_limit_factor: Option<f64>,
    expected_desired_replicas: i32,
}

fn run_controller(v: ControllerVector, k: &FileConstants) -> Check {
    let container = v.metrics.iter().find_map(|m| m.container.clone()).unwrap_or_else(|| "c".into());
    let pods = v.pods.iter().map(|p| hpa_pod(p, &container, &k.timing)).collect::<Result<Vec<_>, _>>()?;
    let metrics = v.metrics.iter().map(|m| metric_input(m, &v.pods)).collect::<Result<Vec<_>, _>>()?;
    let config = HpaControllerConfig {
        tolerance: k.tolerance,
        downscale_stabilization: v.downscale_stabilization_s.unwrap_or(300) * SECOND,
        timing: k.timing,
        legacy: LegacyLimits {
            scale_up_limit_factor: v.scale_up_limit_factor.unwrap_or(LegacyLimits::default().scale_up_limit_factor),
            scale_up_limit_minimum: k.scale_up_limit_minimum,
        },
        ..Default::default()
    };
    let spec =
        HpaSpec { min_replicas: v.min_replicas, max_replicas: v.max_replicas, behavior: v.behavior.as_ref().map(behavior).transpose()? };
    let state = HpaState {
        recommendations: v.recommendation_history.as_deref().map(recs),
        scale_up_events: events(&v.scale_up_events),
        scale_down_events: events(&v.scale_down_events),
    };
    let obs = HpaObservation {
        spec_replicas: v.spec_replicas,
        status_replicas: v.status_replicas.unwrap_or(v.spec_replicas),
        pods: &pods,
        metrics: &metrics,
    };
    let out = reconcile_autoscaler(&spec, &config, &state, &obs, NOW);
    expect_eq("desired replicas", out.desired_replicas, v.expected_desired_replicas).map_err(|e| format!("{e} ({:?})", out.reason))
}

#[derive(Deserialize)]
struct GroupPodsVector {
    pods: Vec<GroupPod>,
    expected: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct GroupPod {
    name: String,
    phase: String,
    #[serde(default)]
    deleting: bool,
    resource: Option<String>,
    start_age_s: Option<i64>,
    ready_condition: Option<GroupCondition>,
    metric: Option<GroupMetric>,
}

#[derive(Deserialize)]
struct GroupCondition {
    status: bool,
    last_transition_age_s: i64,
}

#[derive(Deserialize)]
struct GroupMetric {
    age_s: i64,
    window_s: i64,
}

fn run_group_pods(v: GroupPodsVector, k: &FileConstants) -> Check {
    let mut got = BTreeMap::new();
    for p in &v.pods {
        let pod = HpaPod {
            name: p.name.clone(),
            phase: phase(&p.phase)?,
            deleting: p.deleting,
            start_time: p.start_age_s.map(at_age),
            ready_condition: p
                .ready_condition
                .as_ref()
                .map(|c| ReadyCondition { ready: c.status, last_transition: at_age(c.last_transition_age_s) }),
            containers: vec![],
        };
        let sample = p.metric.as_ref().map(|m| PodSample {
            pod: p.name.clone(),
            value_m: 0,
            timestamp: at_age(m.age_s),
            window: m.window_s * SECOND,
        });
        let group = classify_pod(&pod, sample.as_ref(), Some(resource(p.resource.as_deref())?), &k.group_timing, NOW);
        let name = match group {
            PodGroup::Ready => "ready",
            PodGroup::Unready => "unready",
            PodGroup::Missing => "missing",
            PodGroup::Ignored => "ignored",
        };
        got.insert(p.name.clone(), name.to_string());
    }
    expect_eq("groups", got, v.expected)
}

// ---------- behavior.json ----------

#[derive(Deserialize)]
struct RateLimitVector {
    min_replicas: i32,
    max_replicas: i32,
    current_replicas: i32,
    desired_replicas: i32,
    scale_up_rules: Option<JRules>,
    scale_down_rules: Option<JRules>,
    #[serde(default)]
    scale_up_events: Vec<JEvent>,
    #[serde(default)]
    scale_down_events: Vec<JEvent>,
    expected_replicas: i32,
    expected_reason: String,
}

fn run_rate_limits(v: RateLimitVector) -> Check {
    let (up, down) = resolved(v.scale_up_rules.as_ref(), v.scale_down_rules.as_ref())?;
    let (ue, de) = (events(&v.scale_up_events), events(&v.scale_down_events));
    let args = RateLimitArgs {
        current: v.current_replicas,
        desired: v.desired_replicas,
        min_replicas: v.min_replicas,
        max_replicas: v.max_replicas,
        scale_up: &up,
        scale_down: &down,
        up_events: &ue,
        down_events: &de,
    };
    let (r, reason) = convert_desired_replicas_with_behavior_rate(&args, NOW);
    expect_eq("(replicas, reason)", (r, reason.as_str()), (v.expected_replicas, v.expected_reason.as_str()))
}

#[derive(Deserialize)]
struct PolicyLimitVector {
    direction: String,
    current_replicas: i32,
    rules: JRules,
    expected_limit: i32,
}

fn run_policy_limits(v: PolicyLimitVector) -> Check {
    let got = match v.direction.as_str() {
        "up" => scale_up_limit_with_scaling_rules(v.current_replicas, &[], &[], &resolved(Some(&v.rules), None)?.0, NOW),
        "down" => scale_down_limit_with_behaviors(v.current_replicas, &[], &[], &resolved(None, Some(&v.rules))?.1, NOW),
        o => return Err(format!("bad direction {o:?}")),
    };
    expect_eq("limit", got, v.expected_limit)
}

#[derive(Deserialize)]
struct StabilizationVector {
    recommendations: Vec<JRec>,
    current_replicas: i32,
    desired_replicas: i32,
    scale_up_window_s: i64,
    scale_down_window_s: i64,
    expected_replicas: i32,
    expected_stored: Option<Vec<i32>>,
}

fn run_stabilization_behavior(v: StabilizationVector) -> Check {
    let s = stabilize_recommendation_with_behaviors(
        &recs(&v.recommendations),
        v.current_replicas,
        v.desired_replicas,
        v.scale_up_window_s * SECOND,
        v.scale_down_window_s * SECOND,
        NOW,
    );
    expect_eq("replicas", s.replicas, v.expected_replicas)?;
    match v.expected_stored {
        Some(want) => expect_eq("stored", s.recommendations.iter().map(|r| r.recommendation).collect::<Vec<_>>(), want),
        None => Ok(()),
    }
}

#[derive(Deserialize)]
struct StabilizationLegacyVector {
    window_s: i64,
    recommendations: Vec<JRec>,
    desired_replicas: i32,
    expected_replicas: i32,
    expected_log_length: usize,
}

fn run_stabilization_legacy(v: StabilizationLegacyVector) -> Check {
    let s = stabilize_recommendation(&recs(&v.recommendations), v.desired_replicas, v.window_s * SECOND, NOW);
    expect_eq("(replicas, log length)", (s.replicas, s.recommendations.len()), (v.expected_replicas, v.expected_log_length))
}

#[derive(Deserialize)]
struct LegacyRulesVector {
    current_replicas: i32,
    desired_replicas: i32,
    min_replicas: i32,
    max_replicas: i32,
    scale_up_limit_factor: Option<f64>,
    expected_replicas: i32,
    expected_reason: String,
}

fn run_legacy_rules(v: LegacyRulesVector, k: &FileConstants) -> Check {
    let limits = LegacyLimits {
        scale_up_limit_factor: v.scale_up_limit_factor.unwrap_or(LegacyLimits::default().scale_up_limit_factor),
        scale_up_limit_minimum: k.scale_up_limit_minimum,
    };
    let (r, reason) = convert_desired_replicas_with_rules(v.current_replicas, v.desired_replicas, v.min_replicas, v.max_replicas, &limits);
    expect_eq("(replicas, reason)", (r, reason.as_str()), (v.expected_replicas, v.expected_reason.as_str()))
}

#[derive(Deserialize)]
struct StoreEventsVector {
    replica_change: i32,
    rules: Option<JRules>,
    previous_events: Vec<JEvent>,
    expected_change_in_last_60s: i32,
    expected_events: Vec<JStoredEvent>,
}

#[derive(Deserialize)]
struct JStoredEvent {
    change: i32,
    outdated: bool,
}

fn run_store_scale_events(v: StoreEventsVector) -> Check {
    let prev = events(&v.previous_events);
    expect_eq("change in last 60 s", replicas_change_per_period(60, &prev, NOW), v.expected_change_in_last_60s)?;
    let want: Vec<(i32, bool)> = v.expected_events.iter().map(|e| (e.change, e.outdated)).collect();
    // Same expectations for a scale-up and a scale-down: check both directions' rules.
    let (up, down) = match &v.rules {
        Some(r) => {
            let (u, _) = resolved(Some(r), None)?;
            let (_, d) = resolved(None, Some(r))?;
            (Some(u), Some(d))
        }
        None => (None, None),
    };
    for (dir, r) in [("up", up.as_ref()), ("down", down.as_ref())] {
        let got: Vec<(i32, bool)> =
            store_scale_event(r, &prev, v.replica_change, NOW).iter().map(|e| (e.replica_change, e.outdated)).collect();
        expect_eq(&format!("events ({dir})"), got, want.clone())?;
    }
    Ok(())
}

// ---------- rolling.json ----------

#[derive(Deserialize)]
struct FencepostVector {
    #[serde(rename = "maxSurge")]
    max_surge: Option<Value>,
    #[serde(rename = "maxUnavailable")]
    max_unavailable: Option<Value>,
    desired: i32,
    #[serde(default)]
    expect_error: bool,
    expected_surge: Option<i32>,
    expected_unavailable: Option<i32>,
}

fn run_resolve_fenceposts(v: FencepostVector) -> Check {
    let parsed = int_or_string(&v.max_surge).and_then(|s| Ok((s, int_or_string(&v.max_unavailable)?)));
    match (parsed, v.expect_error) {
        (Err(_), true) => Ok(()),
        (Err(e), false) => Err(format!("unexpected error {e}")),
        (Ok(p), true) => Err(format!("parsed {p:?}, want an error")),
        (Ok((s, u)), false) => expect_eq(
            "(surge, unavailable)",
            resolve_fenceposts(s, u, v.desired),
            (need(v.expected_surge, "expected_surge")?, need(v.expected_unavailable, "expected_unavailable")?),
        ),
    }
}

#[derive(Deserialize)]
struct DeploymentIntVector {
    deployment: JDeployment,
    expected: i32,
}

#[derive(Deserialize)]
struct NewRsVector {
    deployment: JDeployment,
    all_rs_replicas: Vec<i32>,
    new_rs_replicas: i32,
    expected: i32,
}

#[derive(Deserialize)]
struct ReconcileNewVector {
    deployment: JDeployment,
    old_rs_replicas: i32,
    new_rs_replicas: i32,
    expected_new_rs_replicas: Option<i32>,
}

fn run_reconcile_new_rs(v: ReconcileNewVector) -> Check {
    let d = deployment(&v.deployment)?;
    let all = [rs("old", 0, v.old_rs_replicas, v.old_rs_replicas), rs("new", 1, v.new_rs_replicas, v.new_rs_replicas)];
    expect_eq("new RS", reconcile_new_replica_set(&d, &all, &all[1]), v.expected_new_rs_replicas)
}

#[derive(Deserialize)]
struct ReconcileOldVector {
    deployment: JDeployment,
    old_rs_replicas: i32,
    old_rs_available: i32,
    #[serde(default)]
    new_rs_replicas: i32,
    #[serde(default)]
    new_rs_available: i32,
    expected_scaled: bool,
    expected_old_rs_replicas: i32,
}

fn run_reconcile_old_rs(v: ReconcileOldVector) -> Check {
    let d = deployment(&v.deployment)?;
    let (olds, scaled) = reconcile_old_replica_sets(
        &d,
        &[rs("old", 0, v.old_rs_replicas, v.old_rs_available)],
        &rs("new", 1, v.new_rs_replicas, v.new_rs_available),
    )?;
    expect_eq("(scaled, old)", (scaled, olds[0].replicas), (v.expected_scaled, v.expected_old_rs_replicas))
}

fn run_scale_down_old_for_rolling(v: ReconcileOldVector) -> Check {
    let d = deployment(&v.deployment)?;
    let old = [rs("old", 0, v.old_rs_replicas, v.old_rs_available)];
    let (olds, n) = scale_down_old_replica_sets_for_rolling_update(&d, v.old_rs_available + v.new_rs_available, &old);
    expect_eq("(scaled, old)", (n > 0, olds[0].replicas), (v.expected_scaled, v.expected_old_rs_replicas))
}

#[derive(Deserialize)]
struct CleanupVector {
    old_rs_replicas: i32,
    old_rs_available: i32,
    max_cleanup: i32,
    expected_cleaned: i32,
}

#[derive(Deserialize)]
struct ProportionalVector {
    deployment: JDeployment,
    replica_sets: Vec<JReplicaSet>,
    expected: BTreeMap<String, i32>,
}

#[derive(Deserialize)]
struct JReplicaSet {
    name: String,
    replicas: i32,
    age_rank: i64,
    #[serde(default)]
    is_new: bool,
    #[serde(default)]
    available: i32,
    annotated_desired: Option<i32>,
    annotated_max: Option<i32>,
}

fn run_proportional(v: ProportionalVector) -> Check {
    let mut jd = v.deployment.clone();
    // status.replicas: the pods of all RSs unless the vector says otherwise.
    jd.status_replicas = jd.status_replicas.or(Some(v.replica_sets.iter().map(|r| r.replicas).sum()));
    let d = deployment(&jd)?;
    let rss: Vec<ReplicaSet> = v
        .replica_sets
        .iter()
        .map(|r| ReplicaSet {
            name: r.name.clone(),
            created: -r.age_rank * SECOND,
            replicas: r.replicas,
            status_replicas: r.replicas,
            available: r.available,
            desired_annotation: r.annotated_desired,
            max_annotation: r.annotated_max,
        })
        .collect();
    let new_idx = v.replica_sets.iter().position(|r| r.is_new);
    let sizes = scale(&d, &rss, new_idx);
    let got: BTreeMap<String, i32> = rss.iter().zip(sizes).map(|(r, s)| (r.name.clone(), s)).collect();
    expect_eq("sizes", got, v.expected)
}

#[derive(Deserialize)]
struct SequenceVector {
    deployment: JDeployment,
    #[serde(default = "yes")]
    pods_ready_instantly: bool,
    expected_sequence: Vec<(i32, i32)>,
}

fn yes() -> bool {
    true
}

fn run_rollout_sequence(v: SequenceVector) -> Check {
    if !v.pods_ready_instantly {
        return Err("only pods_ready_instantly sequences are defined by the schema".into());
    }
    let d = deployment(&v.deployment)?;
    let mut instant = |_: usize, o: i32, n: i32| (o, n);
    let limit = 4 * (d.replicas.max(1) as usize) + 10;
    expect_eq("sequence", rollout_sequence(&d, d.replicas, &mut instant, limit)?, v.expected_sequence)
}

// ---------- dispatch ----------

fn parse<T: for<'de> Deserialize<'de>>(v: &Value) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("bad vector: {e}"))
}

/// Metric kinds of a vector that the simulation does not model.
fn unmodelled_kind(v: &Value) -> Option<String> {
    let mut metrics: Vec<&Value> = v.get("metrics").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    metrics.extend(v.get("metric"));
    metrics.iter().filter_map(|m| m.get("source").and_then(Value::as_str)).find(|s| UNMODELLED_KINDS.contains(s)).map(str::to_string)
}

fn run_vector(section: &str, v: &Value, k: &FileConstants) -> Option<Check> {
    Some(match section {
        "replica_calc" => parse(v).and_then(|x| run_replica_calc(x, k)),
        "controller" => parse(v).and_then(|x| run_controller(x, k)),
        "group_pods" => parse(v).and_then(|x| run_group_pods(x, k)),
        "rate_limits" => parse(v).and_then(run_rate_limits),
        "policy_limits" => parse(v).and_then(run_policy_limits),
        "stabilization_behavior" => parse(v).and_then(run_stabilization_behavior),
        "stabilization_legacy" => parse(v).and_then(run_stabilization_legacy),
        "legacy_rules" => parse(v).and_then(|x| run_legacy_rules(x, k)),
        "store_scale_events" => parse(v).and_then(run_store_scale_events),
        "resolve_fenceposts" => parse(v).and_then(run_resolve_fenceposts),
        "max_unavailable" => parse::<DeploymentIntVector>(v)
            .and_then(|x| expect_eq("maxUnavailable", max_unavailable(&deployment(&x.deployment)?), x.expected)),
        "min_available" => {
            parse::<DeploymentIntVector>(v).and_then(|x| expect_eq("minAvailable", min_available(&deployment(&x.deployment)?), x.expected))
        }
        "new_rs_new_replicas" => parse::<NewRsVector>(v).and_then(|x| {
            let total = x.all_rs_replicas.iter().sum();
            expect_eq("new replicas", new_rs_new_replicas(&deployment(&x.deployment)?, total, x.new_rs_replicas), x.expected)
        }),
        "reconcile_new_rs" => parse(v).and_then(run_reconcile_new_rs),
        "reconcile_old_rs" => parse(v).and_then(run_reconcile_old_rs),
        "cleanup_unhealthy" => parse::<CleanupVector>(v).and_then(|x| {
            let (_, n) = cleanup_unhealthy_replicas(&[rs("old", 0, x.old_rs_replicas, x.old_rs_available)], x.max_cleanup)?;
            expect_eq("cleaned", n, x.expected_cleaned)
        }),
        "scale_down_old_for_rolling" => parse(v).and_then(run_scale_down_old_for_rolling),
        "proportional_scaling" => parse(v).and_then(run_proportional),
        "rollout_sequences" => parse(v).and_then(run_rollout_sequence),
        _ => return None,
    })
}

/// Sections this test understands (README schema).
const SECTIONS: &[&str] = &[
    "replica_calc",
    "controller",
    "group_pods",
    "rate_limits",
    "policy_limits",
    "stabilization_behavior",
    "stabilization_legacy",
    "legacy_rules",
    "store_scale_events",
    "resolve_fenceposts",
    "max_unavailable",
    "min_available",
    "new_rs_new_replicas",
    "reconcile_new_rs",
    "reconcile_old_rs",
    "cleanup_unhealthy",
    "scale_down_old_for_rolling",
    "proportional_scaling",
    "rollout_sequences",
];

fn unreachable_section(tally: &mut Tally, file: &str, section: &str) {
    tally.failures.push(format!("{file}: section {section:?} listed but not dispatched"));
}

fn run_file(path: &Path, tally: &mut Tally) {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let doc: Value =
        match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string())) {
            Ok(d) => d,
            Err(e) => {
                tally.failures.push(format!("{file}: cannot read: {e}"));
                return;
            }
        };
    let Some(obj) = doc.as_object() else {
        tally.failures.push(format!("{file}: top level is not an object"));
        return;
    };
    let k = file_constants(obj);
    for (section, value) in obj {
        let Some(vectors) = value.as_array() else {
            if !METADATA_KEYS.contains(&section.as_str()) {
                tally.failures.push(format!("{file}: unknown top-level key {section:?}"));
            }
            continue;
        };
        if !SECTIONS.contains(&section.as_str()) {
            tally.failures.push(format!("{file}: unknown section {section:?}"));
            continue;
        }
        let key = format!("{file}/{section}");
        for (i, v) in vectors.iter().enumerate() {
            let name = parse::<Named>(v).ok().and_then(|n| n.name).unwrap_or_else(|| format!("#{i}"));
            if let Some(kind) = unmodelled_kind(v) {
                *tally.skipped.entry(kind).or_default() += 1;
                tally.per_section.entry(key.clone()).or_default().1 += 1;
                continue;
            }
            match run_vector(section, v, &k) {
                None => unreachable_section(tally, &file, section),
                Some(result) => {
                    tally.ran += 1;
                    tally.per_section.entry(key.clone()).or_default().0 += 1;
                    if let Err(e) = result {
                        tally.failures.push(format!("{file} / {section} / {name}: {e}"));
                    }
                }
            }
        }
    }
}

fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn kubernetes_vectors() {
    let files = vector_files();
    assert!(!files.is_empty(), "no vector files in tests/vectors");
    let mut tally = Tally::default();
    for f in &files {
        run_file(f, &mut tally);
    }
    let mut report = String::new();
    for (section, (ran, skipped)) in &tally.per_section {
        let _ = writeln!(report, "  {section}: {ran} ran, {skipped} skipped");
    }
    let skipped: usize = tally.skipped.values().sum();
    let kinds = if tally.skipped.is_empty() {
        "none".to_string()
    } else {
        tally.skipped.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
    };
    println!("{report}");
    for f in &tally.failures {
        println!("FAIL {f}");
    }
    println!("kubernetes vectors: {} ran, {} skipped (by kind: {}), {} failed", tally.ran, skipped, kinds, tally.failures.len());
    assert!(tally.ran > 0, "no vectors ran");
    assert!(tally.failures.is_empty(), "{} vector(s) failed", tally.failures.len());
}
