//! The HPA loop: every sync period, observe the Deployment's pods and the metrics-server's CPU
//! samples, let `kube::hpa::controller::reconcile_autoscaler` decide, and write `spec.replicas`.

use super::Store;
use super::metrics_server::MetricsServer;
use super::objects::ms;
use super::refill::refill;
use crate::event_log::{CpuUse, EventKind};
use crate::kernel::SimTime;
use crate::kube::name_map::NameMap;
use crate::kube::{PodPhase, ResourceName};
use crate::kube::hpa::behavior::{Behavior, LegacyLimits, LimitReason};
use crate::kube::hpa::controller::{
    HpaControllerConfig, HpaObservation, HpaSpec as KubeHpaSpec, HpaState, MetricInput, MetricSpec, MetricValues, ReconcileReason,
    ResourceTarget, reconcile_autoscaler,
};
use crate::kube::hpa::replica_calculator::{ContainerRequests, HpaPod, ReadinessTiming, ReadyCondition};
use crate::kube::hpa::{SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM};
use crate::port::Dataplane;
use crate::scenario::HpaSpec;

#[derive(Clone)]
pub struct Hpa {
    spec: KubeHpaSpec,
    config: HpaControllerConfig,
    target: i32,
    state: HpaState,
    period: SimTime,
    next_sync: SimTime,
    /// Last limit reason logged, so "at max" is said once, not every 15 s.
    last_limit: Option<LimitReason>,
    /// The matched pods as last observed (kept to reuse their allocations).
    pods: Vec<HpaPod>,
}

impl Hpa {
    pub fn new(h: &HpaSpec) -> Self {
        let s = |x: f64| (x * 1000.0) as i64;
        let behavior = (h.scale_up.is_some() || h.scale_down.is_some()).then(|| Behavior {
            scale_up: h.scale_up.as_ref().map(|r| r.to_kube()),
            scale_down: h.scale_down.as_ref().map(|r| r.to_kube()),
        });
        Hpa {
            spec: KubeHpaSpec { min_replicas: h.min_replicas.map(|m| m as i32), max_replicas: h.max_replicas as i32, behavior },
            config: HpaControllerConfig {
                sync_period: s(h.sync_period_s),
                tolerance: h.tolerance,
                downscale_stabilization: s(h.downscale_stabilization_s),
                timing: ReadinessTiming {
                    cpu_initialization_period: s(h.cpu_initialization_period_s),
                    delay_of_initial_readiness_status: s(h.initial_readiness_delay_s),
                },
                legacy: LegacyLimits { scale_up_limit_factor: SCALE_UP_LIMIT_FACTOR, scale_up_limit_minimum: SCALE_UP_LIMIT_MINIMUM },
            },
            target: h.target_cpu_percent as i32,
            state: HpaState::default(),
            period: SimTime::from_secs_f64(h.sync_period_s),
            next_sync: SimTime::ZERO,
            last_limit: None,
            pods: Vec::new(),
        }
    }

    pub fn sync(&mut self, store: &mut Store, metrics: &mut MetricsServer, model: &mut dyn Dataplane, now: SimTime) {
        if now < self.next_sync {
            return;
        }
        self.next_sync = now.saturating_add(self.period);
        // Observe: the pods the Deployment's selector matches, and their CPU samples (lent to the
        // reconcile, not copied).
        self.observe_pods(store);
        let pods = &self.pods;
        let metric = MetricInput {
            spec: MetricSpec::Resource { resource: ResourceName::Cpu, container: None, target: ResourceTarget::Utilization(self.target) },
            values: Ok(MetricValues::PodSamples(std::mem::take(&mut metrics.samples))),
        };
        let status = pods.iter().filter(|p| !p.deleting).count() as i32;
        let current = store.deployment.replicas;
        let obs = HpaObservation { spec_replicas: current, status_replicas: status, pods, metrics: std::slice::from_ref(&metric) };
        // Compare and act.
        let out = reconcile_autoscaler(&self.spec, &self.config, &self.state, &obs, ms(now));
        self.state = out.state;
        if let Ok(MetricValues::PodSamples(samples)) = metric.values {
            metrics.samples = samples;
        }
        let utilization = average_utilization(&metrics.samples, pods, store.template.cpu_m);
        let limit = match &out.reason {
            ReconcileReason::Normalized { limit, .. } => Some(*limit),
            _ => None,
        };
        if out.rescale {
            store.deployment.replicas = out.desired_replicas;
            let (target, from, to) = (self.target, current, out.desired_replicas);
            model.log_event(EventKind::HpaScaled { reason: out.reason.clone(), cpu: utilization, target, from, to });
        } else if limit == Some(LimitReason::TooManyReplicas) && self.last_limit != limit {
            let (target, max) = (self.target, self.spec.max_replicas);
            model.log_event(EventKind::HpaAtMax { cpu: utilization, target, max });
        }
        self.last_limit = limit;
    }

    /// The HPA's view of each matched pod, rewritten in place (no allocation once it has seen
    /// as many pods).
    fn observe_pods(&mut self, store: &Store) {
        let matched = store.pods.iter().filter(|p| !p.gone() && store.replica_sets[p.rs].owned);
        let cpu_m = Some(store.template.cpu_m);
        let fresh = || HpaPod {
            name: String::new(),
            phase: PodPhase::Pending,
            deleting: false,
            start_time: None,
            ready_condition: None,
            containers: vec![ContainerRequests { name: "app".into(), cpu_m, memory_m: None }],
        };
        refill(&mut self.pods, matched, fresh, |seen, p| {
            seen.name.clone_from(&p.name);
            // The API keeps a dead node's pods Running (and Ready until NotReady): they are
            // "missing" to the HPA, with no sample.
            seen.phase = p.kube_phase();
            seen.deleting = p.terminating();
            seen.start_time = p.scheduled().then(|| ms(p.scheduled_at));
            seen.ready_condition = p.scheduled().then(|| ReadyCondition { ready: p.ready(), last_transition: ms(p.ready_transition) });
        });
    }
}

/// The utilization the HPA acted on, for the log ("87 % on 4 ready pods"), over pods with a sample.
fn average_utilization(samples: &[crate::kube::hpa::replica_calculator::PodSample], pods: &[HpaPod], request_m: i64) -> Option<CpuUse> {
    let ready: NameMap<()> = pods.iter().filter(|p| p.is_ready()).map(|p| (p.name.as_str(), ())).collect();
    let (used, n) = samples.iter().filter(|s| ready.get(&s.pod).is_some()).fold((0i64, 0i64), |(u, n), s| (u + s.value_m, n + 1));
    if n == 0 || request_m == 0 { None } else { Some(CpuUse { percent: used * 100 / (request_m * n), pods: n }) }
}
