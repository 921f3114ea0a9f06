//! The flow-level dataplane: the same serving side as `dataplane/`, but traffic moves as flows
//! in fixed steps (`STEP`) instead of one event per request, so an hour of 100,000 users costs
//! tens of thousands of steps instead of tens of millions of events.
//!
//! Each step: the arrival rate from the traffic shape (open model) or from the users thinking
//! (closed model, users as a fluid: λ = N / (Z + R)); shares per version by the router's weights;
//! per version, its ready pods grouped into pools of identical pods, each pool solved for the
//! step (`station.rs`: the exact M/M/c or M/M/c/K solution with a service-variability
//! correction while it keeps up, a carried-over backlog drained at capacity while it does
//! not); failures by cause and the response-time law of the step's requests (`response.rs`),
//! whose percentiles over a window are those of the throughput-weighted mixture of its steps.
//! Pod lifecycle, faults and the control plane stay discrete events at their own times, through
//! the same port (`control.rs`). Deterministic: no random draws at all.

mod calm;
mod control;
mod handover;
mod hanging;
mod pod;
mod response;
mod serving;
pub mod station;
mod step;
mod tally;
pub mod validity;

use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::{Kernel, SimTime};
use crate::metrics::Stats;
use crate::port::{Dataplane, PodId, RoutingMode};
use crate::rng::Dist;
use crate::scenario::{BalancerKind, Scenario, ScenarioError, TrafficModel};
use crate::traffic::Shape;
use pod::FlowPod;
use tally::Tally;

/// The fixed step: 100 ms.
pub const STEP: SimTime = SimTime(100_000);

/// Refuses a scenario that uses what the flow engine does not model, naming the field.
pub fn check(sc: &Scenario) -> Result<(), ScenarioError> {
    let refuse = |path: &str, what: &str, what_ko: &str| {
        let mut e = ScenarioError::one(path, format!("{what}: only the request-level engine models this; run this scenario with engine = \"request\""));
        e.issues[0].message_ko = Some(format!("{}: 요청 단위 엔진만 모델링합니다. 이 시나리오는 engine = \"request\"로 실행하세요", what_ko));
        Err(e)
    };
    if sc.database.is_some() {
        return refuse("database", "a database", "데이터베이스");
    }
    if sc.cache.is_some() {
        return refuse("cache", "a cache", "캐시");
    }
    if sc.network.is_some() {
        return refuse("network", "the nodes' network links", "노드 네트워크 링크");
    }
    if sc.deployment.memory_modelled() || sc.versions().iter().any(|v| v.memory_leak_mi_per_1k > 0.0) {
        return refuse("deployment", "pod memory", "파드 메모리");
    }
    if sc.uses_metric(crate::scenario::Metric::MixedUsers) {
        return refuse("objectives", "each user's mix of versions (mixed_users)", "사용자별 버전 혼합(mixed_users)");
    }
    Ok(())
}

/// What moves in the flow engine's kernel.
#[derive(Copy, Clone, Debug, PartialEq)]
enum FlowEvent {
    Step,
    SecondTick,
    Controller,
    Fault(u32),
    FaultEnd(u32),
    TerminationDeadline(PodId),
}

/// One version of the service: its build's service time and errors, and its endpoints.
struct FlowVersion {
    name: String,
    service: Dist,
    /// Added to every service (µs): holds the worker.
    extra_us: f64,
    error_rate: f64,
    endpoints: Vec<PodId>,
}

/// Where the traffic comes from.
enum Traffic {
    Open { shape: Shape, multiplier: f64 },
    /// Users as a fluid: `users` now (a fixed count, or a shape's), thinking `think_s` on average.
    Closed { users: f64, shape: Option<Shape>, think_s: f64 },
}

/// Per-version counters with fractional carry, so a window's integers sum to the flows.
#[derive(Clone, Default)]
struct VersionTally {
    offered: Tally,
    completed: Tally,
    good: Tally,
    failed: [Tally; 5],
}

pub struct FlowEngine {
    k: Kernel<FlowEvent>,
    duration: SimTime,
    pods: Vec<FlowPod>,
    /// Indices of the pods whose process runs (the steps look at these only).
    live: Vec<u32>,
    versions: Vec<FlowVersion>,
    weights: Vec<u32>,
    routing: RoutingMode,
    balancer: BalancerKind,
    traffic: Traffic,
    timeout_s: Option<f64>,
    sli_s: Option<f64>,
    workers: u32,
    queue_capacity: Option<u32>,
    cpu_request_m: u32,
    cpu_per_worker_m: u32,
    grace: SimTime,
    /// Mean time a request spends in the system, last step (the closed model's R).
    last_response_s: f64,
    /// Requests whose client gives up later, by the step it happens.
    hanging: hanging::Hanging,
    steps: u64,
    tallies: Vec<VersionTally>,
    /// Requests counted as answered when admitted whose pod then died, per version: taken
    /// back from the next completions.
    completed_debt: Vec<f64>,
    /// Each version's response-time laws this second, and its completions not yet recorded.
    laws: Vec<Vec<step::Law>>,
    unrecorded: Vec<u64>,
    /// Latency recordings so far (each shifts the points' lattice).
    flushes: u64,
    /// Pools solved lately, with their rate and outcome (reused while nothing moves).
    solved: Vec<(station::Pool, f64, f64, station::StepOutcome)>,
    /// The highest utilisation of a pool in the last step (a calm system takes longer steps).
    peak_load: f64,
    /// Reused buffers of a step: latency points, flows, shares and pools.
    points: Vec<(u64, u64, f64)>,
    flows: Vec<step::Flows>,
    shares: Vec<f64>,
    groups: Vec<step::Group>,
    window: Stats,
    window_start: SimTime,
    /// Levels now (expected values): waiting, in the system, workers busy.
    queued: f64,
    in_flight: f64,
    log: EventLog,
    faults: Vec<Fault>,
    machine_faults: Vec<Fault>,
    incident_at_s: Option<u64>,
    last_cause: Option<usize>,
}

impl FlowEngine {
    pub fn new(sc: &Scenario, seed: u64) -> Self {
        let _ = seed; // deterministic: nothing is drawn
        let specs = sc.versions();
        let versions: Vec<FlowVersion> = specs
            .iter()
            .map(|v| FlowVersion {
                name: v.name.clone(),
                service: v.service_time.as_ref().unwrap_or(&sc.service.service_time).build(),
                extra_us: SimTime::from_millis_f64(v.extra_latency_ms).0 as f64,
                error_rate: v.error_rate,
                endpoints: Vec::new(),
            })
            .collect();
        let traffic = match sc.traffic.model {
            TrafficModel::Open => Traffic::Open { shape: sc.shape(), multiplier: 1.0 },
            TrafficModel::Closed => Traffic::Closed {
                users: if sc.traffic.shape.is_some() { 0.0 } else { f64::from(sc.traffic.users.unwrap_or(1)) },
                shape: sc.traffic.shape.as_ref().map(|_| sc.shape()),
                think_s: sc.traffic.think_time_ms.unwrap_or(0.0) / 1e3,
            },
        };
        let n = versions.len();
        let mean_s = versions.first().map_or(0.0, |v| (v.service.mean_us() + v.extra_us) / 1e6);
        let mut f = FlowEngine {
            k: Kernel::new(),
            duration: SimTime::from_secs(sc.duration_s),
            pods: Vec::new(),
            live: Vec::new(),
            versions,
            weights: specs.iter().map(|v| v.weight.unwrap_or(0)).collect(),
            routing: sc.service.routing,
            balancer: sc.service.balancer,
            traffic,
            timeout_s: sc.service.timeout_ms.map(|t| SimTime::from_millis_f64(t).as_secs_f64()),
            sli_s: sc.sli_latency_ms.map(|l| SimTime::from_millis_f64(l).as_secs_f64()),
            workers: sc.service.workers,
            queue_capacity: sc.service.queue_capacity,
            cpu_request_m: sc.service.cpu_request(),
            cpu_per_worker_m: sc.service.cpu_per_worker_m,
            grace: SimTime::from_secs_f64(sc.deployment.termination_grace_s),
            last_response_s: mean_s,
            hanging: hanging::Hanging::new(
                sc.service.timeout_ms.map_or(0, |t| libm::ceil(SimTime::from_millis_f64(t).0 as f64 / STEP.0 as f64) as u64),
                n,
            ),
            steps: 0,
            tallies: vec![VersionTally::default(); n],
            completed_debt: vec![0.0; n],
            laws: vec![Vec::new(); n],
            unrecorded: vec![0; n],
            flushes: 0,
            solved: Vec::new(),
            peak_load: 0.0,
            points: Vec::new(),
            flows: Vec::new(),
            shares: Vec::new(),
            groups: Vec::new(),
            window: Stats::with_versions(n),
            window_start: SimTime::ZERO,
            queued: 0.0,
            in_flight: 0.0,
            log: EventLog::new(10_000),
            faults: Vec::new(),
            machine_faults: Vec::new(),
            incident_at_s: None,
            last_cause: None,
        };
        for (vi, v) in specs.iter().enumerate() {
            for _ in 0..v.replicas.unwrap_or(0) {
                let id = f.add_pod(vi as u16);
                if let Some(w) = sc.deployment.pod_weights.get(id.0 as usize) {
                    f.pods[id.0 as usize].weight = *w;
                }
                f.set_ready(id, true);
            }
        }
        let workers = sc.service.workers;
        f.log.push(SimTime::ZERO, EventKind::Start { pods: f.pods.len(), workers }, None);
        for spec in &sc.faults {
            f.faults.push(Fault::from_spec(spec));
            f.k.schedule(SimTime::from_secs_f64(spec.at_s), FlowEvent::Fault((f.faults.len() - 1) as u32));
        }
        f.k.schedule(SimTime::ZERO, FlowEvent::Step);
        f.k.schedule(SimTime::from_secs(1).min(f.duration), FlowEvent::SecondTick);
        f
    }

    /// The pods the scenario starts with (the control plane adopts them).
    pub fn pod_ids(&self) -> Vec<PodId> {
        self.pods.iter().map(|p| p.id).collect()
    }

    fn pod(&self, id: PodId) -> Option<&FlowPod> {
        self.pods.get(id.0 as usize)
    }
}
