//! One HPA reconcile (`reconcileAutoscaler`, `computeReplicasForMetrics`).
//! State (recommendations, scale events) goes in and the new state comes out.

use super::behavior::{
    Behavior, LegacyLimits, LimitReason, RateLimitArgs, ResolvedRules, TimestampedRecommendation, TimestampedScaleEvent,
    convert_desired_replicas_with_behavior_rate, convert_desired_replicas_with_rules, resolve_behavior, stabilize_recommendation,
    stabilize_recommendation_with_behaviors, store_scale_event,
};
use super::replica_calculator::{
    CalculatorConfig, HpaPod, PodSample, ReadinessTiming, get_external_metric_replicas, get_external_per_pod_metric_replicas,
    get_metric_replicas, get_object_metric_replicas, get_per_pod_value_replicas, get_raw_resource_replicas, get_resource_replicas,
};
use super::{DEFAULT_MIN_REPLICAS, DEFAULT_TOLERANCE, DOWNSCALE_STABILIZATION, SYNC_PERIOD, Tolerances};
use crate::kube::{KubeResult, ResourceName, TimeMs};

/// Target of a Resource / ContainerResource metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResourceTarget {
    /// Average utilization in percent of request.
    Utilization(i32),
    /// Average value per pod (milli-units).
    AverageValue(i64),
}

/// Target of an Object / External metric (milli-units).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueTarget {
    Value(i64),
    AverageValue(i64),
}

/// `MetricSpec` (the kinds autoscaling/v2 has).
#[derive(Clone, Debug, PartialEq)]
pub enum MetricSpec {
    /// Resource (`container: None`) or ContainerResource.
    Resource {
        resource: ResourceName,
        container: Option<String>,
        target: ResourceTarget,
    },
    /// Pods metric, AverageValue target.
    Pods {
        name: String,
        target_average_m: i64,
    },
    Object {
        name: String,
        target: ValueTarget,
    },
    External {
        name: String,
        target: ValueTarget,
    },
}

/// What the metrics APIs returned for one metric.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricValues {
    /// Resource and Pods metrics: one sample per pod (pods not in the list allowed).
    PodSamples(Vec<PodSample>),
    Object(i64),
    /// All series of the External metric (summed).
    External(Vec<i64>),
}

/// One metric of the HPA with what the backend returned (`Err` = fetch failed).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricInput {
    pub spec: MetricSpec,
    pub values: Result<MetricValues, String>,
}

/// Controller flags (kube-controller-manager).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaControllerConfig {
    pub sync_period: TimeMs,
    pub tolerance: f64,
    pub downscale_stabilization: TimeMs,
    pub timing: ReadinessTiming,
    pub legacy: LegacyLimits,
}

impl Default for HpaControllerConfig {
    fn default() -> Self {
        HpaControllerConfig {
            sync_period: SYNC_PERIOD,
            tolerance: DEFAULT_TOLERANCE,
            downscale_stabilization: DOWNSCALE_STABILIZATION,
            timing: ReadinessTiming::default(),
            legacy: LegacyLimits::default(),
        }
    }
}

/// The parts of the HPA spec the reconcile reads (metrics come with their values).
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpec {
    /// `None` = default 1.
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    /// `None` = legacy path (not the documented default behavior).
    pub behavior: Option<Behavior>,
}

/// Controller memory for one HPA.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HpaState {
    /// `None` = the controller has not seen this HPA yet (or restarted).
    pub recommendations: Option<Vec<TimestampedRecommendation>>,
    pub scale_up_events: Vec<TimestampedScaleEvent>,
    pub scale_down_events: Vec<TimestampedScaleEvent>,
}

/// What one reconcile observed.
#[derive(Clone, Copy, Debug)]
pub struct HpaObservation<'a> {
    /// `scale.spec.replicas`.
    pub spec_replicas: i32,
    /// `scale.status.replicas` (AverageValue targets of Object/External).
    pub status_replicas: i32,
    pub pods: &'a [HpaPod],
    pub metrics: &'a [MetricInput],
}

/// Why the reconcile ended where it did.
#[derive(Clone, Debug, PartialEq)]
pub enum ReconcileReason {
    /// `spec.replicas == 0` with `minReplicas > 0` (ScalingActive=False/ScalingDisabled).
    ScalingDisabled,
    /// Above maxReplicas: jump to max without metrics.
    AboveMaxReplicas,
    /// Below minReplicas: jump to min without metrics.
    BelowMinReplicas,
    /// No usable proposal (all metrics failed, or some failed and it would scale down).
    MetricsUnavailable(String),
    /// Proposal normalized (stabilization and limits).
    Normalized { proposal: i32, stabilized: i32, limit: LimitReason },
}

/// Result of [`reconcile_autoscaler`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReconcileOutcome {
    /// The value written to the scale (or the unchanged spec value).
    pub desired_replicas: i32,
    /// Whether the scale is written.
    pub rescale: bool,
    pub reason: ReconcileReason,
    /// First metric error when other metrics still produced a proposal.
    pub partial_metric_error: Option<String>,
    pub state: HpaState,
}

/// `computeReplicasForMetric` for one metric.
pub fn compute_replicas_for_metric(
    metric: &MetricInput,
    spec_replicas: i32,
    status_replicas: i32,
    pods: &[HpaPod],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<i32> {
    let values = metric.values.as_ref().map_err(|e| e.clone())?;
    let tol = &cfg.tolerances;
    let mismatch = || Err(format!("metric values do not match the metric source type of {:?}", metric.spec));
    match (&metric.spec, values) {
        (MetricSpec::Resource { resource, container, target }, MetricValues::PodSamples(samples)) => match target {
            ResourceTarget::Utilization(t) => {
                get_resource_replicas(spec_replicas, *t, *resource, container.as_deref(), pods, samples, cfg, now).map(|r| r.replicas)
            }
            ResourceTarget::AverageValue(t) => {
                get_raw_resource_replicas(spec_replicas, *t, *resource, pods, samples, cfg, now).map(|r| r.replicas)
            }
        },
        (MetricSpec::Pods { target_average_m, .. }, MetricValues::PodSamples(samples)) => {
            get_metric_replicas(spec_replicas, *target_average_m, pods, samples, cfg, now).map(|r| r.replicas)
        }
        (MetricSpec::Object { target, .. }, MetricValues::Object(v)) => match target {
            ValueTarget::Value(t) => get_object_metric_replicas(spec_replicas, *t, *v, pods, tol),
            ValueTarget::AverageValue(t) => get_per_pod_value_replicas(status_replicas, *t, *v, tol),
        }
        .map(|r| r.replicas),
        (MetricSpec::External { target, .. }, MetricValues::External(vs)) => match target {
            ValueTarget::Value(t) => get_external_metric_replicas(spec_replicas, *t, vs, pods, tol),
            ValueTarget::AverageValue(t) => get_external_per_pod_metric_replicas(status_replicas, *t, vs, tol),
        }
        .map(|r| r.replicas),
        _ => mismatch(),
    }
}

/// Highest proposal and the first error, if some metrics failed.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsProposal {
    pub replicas: i32,
    pub partial_error: Option<String>,
}

/// `computeReplicasForMetrics`: max over the metrics that computed. If all
/// failed, or any failed and the max is below spec, no proposal (no scale-down
/// on partial data).
pub fn compute_replicas_for_metrics(
    metrics: &[MetricInput],
    spec_replicas: i32,
    status_replicas: i32,
    pods: &[HpaPod],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<MetricsProposal> {
    let mut replicas = 0;
    let (mut invalid, mut first_error) = (0usize, None::<String>);
    for m in metrics {
        match compute_replicas_for_metric(m, spec_replicas, status_replicas, pods, cfg, now) {
            Ok(p) => {
                if replicas == 0 || p > replicas {
                    replicas = p;
                }
            }
            Err(e) => {
                invalid += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let error = first_error.map(|e| format!("invalid metrics ({invalid} invalid out of {}), first error is: {e}", metrics.len()));
    if invalid >= metrics.len() || (invalid > 0 && replicas < spec_replicas) {
        return Err(error.unwrap_or_else(|| "no metrics configured".into()));
    }
    Ok(MetricsProposal { replicas, partial_error: error })
}

fn tolerances(up: Option<&ResolvedRules>, down: Option<&ResolvedRules>, default: f64) -> Tolerances {
    Tolerances { scale_up: up.and_then(|r| r.tolerance).unwrap_or(default), scale_down: down.and_then(|r| r.tolerance).unwrap_or(default) }
}

/// `reconcileAutoscaler`: one full HPA sync at `now`.
pub fn reconcile_autoscaler(
    spec: &HpaSpec,
    config: &HpaControllerConfig,
    state: &HpaState,
    obs: &HpaObservation,
    now: TimeMs,
) -> ReconcileOutcome {
    let current = obs.spec_replicas;
    let mut state = state.clone();
    // recordInitialRecommendation: the first sight counts as a recommendation.
    let mut recs =
        state.recommendations.take().unwrap_or_else(|| vec![TimestampedRecommendation { recommendation: current, timestamp: now }]);
    let min_replicas = spec.min_replicas.unwrap_or(DEFAULT_MIN_REPLICAS);
    let rules = spec.behavior.as_ref().map(|b| resolve_behavior(b, config.downscale_stabilization));
    let cfg = CalculatorConfig {
        tolerances: tolerances(rules.as_ref().map(|r| &r.0), rules.as_ref().map(|r| &r.1), config.tolerance),
        timing: config.timing,
    };
    let finish = |desired: i32, rescale: bool, reason: ReconcileReason, partial: Option<String>, mut st: HpaState, recs| {
        st.recommendations = Some(recs);
        ReconcileOutcome { desired_replicas: desired, rescale, reason, partial_metric_error: partial, state: st }
    };

    if current == 0 && min_replicas != 0 {
        return finish(0, false, ReconcileReason::ScalingDisabled, None, state, recs);
    }
    if current > spec.max_replicas {
        return finish(spec.max_replicas, true, ReconcileReason::AboveMaxReplicas, None, state, recs);
    }
    if current < min_replicas {
        return finish(min_replicas, true, ReconcileReason::BelowMinReplicas, None, state, recs);
    }
    let proposal = match compute_replicas_for_metrics(obs.metrics, current, obs.status_replicas, obs.pods, &cfg, now) {
        Ok(p) => p,
        Err(e) => return finish(current, false, ReconcileReason::MetricsUnavailable(e), None, state, recs),
    };
    let raw = proposal.replicas;
    let (desired, stabilized, limit) = match &rules {
        None => {
            let s = stabilize_recommendation(&recs, raw, config.downscale_stabilization, now);
            recs = s.recommendations;
            let (d, reason) = convert_desired_replicas_with_rules(current, s.replicas, min_replicas, spec.max_replicas, &config.legacy);
            (d, s.replicas, reason)
        }
        Some((up, down)) => {
            let s =
                stabilize_recommendation_with_behaviors(&recs, current, raw, up.stabilization_window(), down.stabilization_window(), now);
            recs = s.recommendations;
            let args = RateLimitArgs {
                current,
                desired: s.replicas,
                min_replicas,
                max_replicas: spec.max_replicas,
                scale_up: up,
                scale_down: down,
                up_events: &state.scale_up_events,
                down_events: &state.scale_down_events,
            };
            let (d, reason) = convert_desired_replicas_with_behavior_rate(&args, now);
            (d, s.replicas, reason)
        }
    };
    let rescale = desired != current;
    if rescale && let Some((up, down)) = &rules {
        // storeScaleEvent: only with behavior, in the direction of the change.
        if desired > current {
            state.scale_up_events = store_scale_event(Some(up), &state.scale_up_events, desired - current, now);
        } else {
            state.scale_down_events = store_scale_event(Some(down), &state.scale_down_events, current - desired, now);
        }
    }
    let reason = ReconcileReason::Normalized { proposal: raw, stabilized, limit };
    finish(desired, rescale, reason, proposal.partial_error, state, recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::hpa::replica_calculator::{ContainerRequests, ReadyCondition};
    use crate::kube::{PodPhase, SECOND};

    fn pods(n: usize) -> Vec<HpaPod> {
        (0..n)
            .map(|i| HpaPod {
                name: format!("p{i}"),
                phase: PodPhase::Running,
                deleting: false,
                start_time: Some(-3600 * SECOND),
                ready_condition: Some(ReadyCondition { ready: true, last_transition: -3600 * SECOND }),
                containers: vec![ContainerRequests { name: "app".into(), cpu_m: Some(1000), memory_m: None }],
            })
            .collect()
    }

    fn cpu(target: i32, values: &[i64]) -> MetricInput {
        let samples = values
            .iter()
            .enumerate()
            .map(|(i, v)| PodSample { pod: format!("p{i}"), value_m: *v, timestamp: 0, window: 30 * SECOND })
            .collect();
        MetricInput {
            spec: MetricSpec::Resource { resource: ResourceName::Cpu, container: None, target: ResourceTarget::Utilization(target) },
            values: Ok(MetricValues::PodSamples(samples)),
        }
    }

    fn failing() -> MetricInput {
        MetricInput { spec: MetricSpec::External { name: "qps".into(), target: ValueTarget::Value(1) }, values: Err("boom".into()) }
    }

    fn spec(min: i32, max: i32, behavior: Option<Behavior>) -> HpaSpec {
        HpaSpec { min_replicas: Some(min), max_replicas: max, behavior }
    }

    fn run(s: &HpaSpec, state: &HpaState, current: i32, metrics: &[MetricInput], now: TimeMs) -> ReconcileOutcome {
        let p = pods(current.max(0) as usize);
        let obs = HpaObservation { spec_replicas: current, status_replicas: current, pods: &p, metrics };
        reconcile_autoscaler(s, &HpaControllerConfig::default(), state, &obs, now)
    }

    #[test]
    fn reconcile_table() {
        let tracked = HpaState { recommendations: Some(vec![]), ..Default::default() };
        let fresh = HpaState::default();
        // (name, spec, state, current, metrics, want desired, want rescale)
        let cases: Vec<(&str, HpaSpec, &HpaState, i32, Vec<MetricInput>, i32, bool)> = vec![
            ("scale up", spec(2, 6, None), &fresh, 3, vec![cpu(30, &[300, 500, 700])], 5, true),
            ("disabled at zero", spec(1, 6, None), &fresh, 0, vec![cpu(30, &[])], 0, false),
            ("above max jumps", spec(1, 4, None), &fresh, 6, vec![], 4, true),
            ("below min jumps", spec(3, 6, None), &fresh, 1, vec![], 3, true),
            ("initial recommendation blocks scale down", spec(1, 6, None), &fresh, 5, vec![cpu(50, &[100; 5])], 5, false),
            ("tracked without history scales down", spec(1, 6, None), &tracked, 5, vec![cpu(50, &[100; 5])], 1, true),
            ("legacy cap 2x", spec(1, 100, None), &tracked, 3, vec![cpu(10, &[900, 900, 900])], 6, true),
            ("failed metric allows scale up", spec(1, 10, None), &fresh, 3, vec![cpu(30, &[300, 400, 500]), failing()], 4, true),
            ("failed metric blocks scale down", spec(1, 10, None), &tracked, 5, vec![cpu(50, &[100; 5]), failing()], 5, false),
            ("all metrics failed", spec(1, 10, None), &fresh, 3, vec![failing()], 3, false),
            (
                "default behavior 4 pods / 100 %",
                spec(1, 100, Some(Behavior::default())),
                &fresh,
                3,
                vec![cpu(10, &[900, 900, 900])],
                7,
                true,
            ),
        ];
        for (name, s, st, current, metrics, want, rescale) in cases {
            let out = run(&s, st, current, &metrics, 0);
            assert_eq!((out.desired_replicas, out.rescale), (want, rescale), "{name}: {:?}", out.reason);
        }
    }

    #[test]
    fn state_carries_recommendations_and_events() {
        let s = spec(1, 100, Some(Behavior::default()));
        let out = run(&s, &HpaState::default(), 3, &[cpu(10, &[900, 900, 900])], 0);
        let recs = out.state.recommendations.as_ref().map(|r| r.iter().map(|r| r.recommendation).collect::<Vec<_>>());
        assert_eq!(recs, Some(vec![3, 27]));
        assert_eq!(out.state.scale_up_events.len(), 1);
        assert_eq!(out.state.scale_up_events[0].replica_change, 4);
        // Legacy path never stores events.
        let legacy = run(&spec(1, 100, None), &HpaState::default(), 3, &[cpu(10, &[900, 900, 900])], 0);
        assert!(legacy.state.scale_up_events.is_empty());
    }
}
