//! The facade that wires traffic, router, balancer, pods, cache and database onto the kernel,
//! and the `Model` that a control plane drives (add, ready, terminate, kill pods; weights).

use crate::balancer::{Balancer, Router, RoutingMode};
use crate::budget::{DEFAULT_BUDGET, Estimate, Guard};
use crate::cache::Cache;
use crate::cohort::{Cohorts, SAMPLE};
use crate::control_plane::{ClusterGauges, ClusterSnapshot, ControlPlane, VersionPods};
use crate::database::Database;
use crate::disk::Disk;
use crate::event_log::{EventKind, EventLog, LogEvent, PodEnd};
use crate::grade;
use crate::kernel::{Kernel, SimTime};
use crate::link::Link;
use crate::memory::PodMemory;
use crate::metrics::Stats;
use crate::pod::{Area, Pod, PodId, PodSpec, PodState};
use crate::report::{
    MemorySample, MemorySummary, PipelineSummary, RecoverySummary, ReleaseSummary, Report, SecondSample, Summary, VersionSample,
};
use crate::request::{FailCause, Phase, RequestId, Requests};
use crate::rng::{Dist, RngStream};
use crate::scenario::{
    DEFAULT_RECOVERY_AVAILABILITY, FaultKind, FaultSpec, Metric, ReleaseSpec, Scenario, ScenarioError, TrafficModel,
};
use crate::traffic::{ClosedUsers, OpenArrivals};

/// Everything that can happen. Controllers added later get their own variants or use
/// `Controller` ticks.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Event {
    Arrival {
        generation: u32,
    },
    UserWake {
        user: u32,
    },
    ServiceDone(RequestId),
    DbDone(RequestId),
    DiskDone(RequestId),
    /// A response finished crossing its node's network link.
    LinkDone(RequestId),
    CacheDone(RequestId),
    Timeout(RequestId),
    SecondTick,
    Fault(u32),
    FaultEnd(u32),
    TerminationDeadline(PodId),
    /// Periodic tick of the controller with this index (HPA sync, release steps, …).
    Controller(u32),
}

/// A fault, scheduled by the scenario or injected live.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// `None`: the first live pod.
    KillPod(Option<PodId>),
    TrafficSpike {
        multiplier: f64,
        duration: SimTime,
    },
    SlowDependency {
        factor: f64,
        duration: SimTime,
    },
    CacheFlush,
    /// A node dies (`None`: the first ready one); handled by the control plane.
    KillNode(Option<String>),
    /// Every node in the zone dies.
    LoseZone(String),
}

impl Fault {
    fn from_spec(f: &FaultSpec) -> Fault {
        let dur = SimTime::from_secs_f64(f.duration_s.unwrap_or(0.0));
        match f.kind {
            FaultKind::KillPod => Fault::KillPod(f.pod.map(PodId)),
            FaultKind::TrafficSpike => Fault::TrafficSpike { multiplier: f.multiplier.unwrap_or(1.0), duration: dur },
            FaultKind::SlowDependency => Fault::SlowDependency { factor: f.factor.unwrap_or(1.0), duration: dur },
            FaultKind::CacheFlush => Fault::CacheFlush,
            FaultKind::KillNode => Fault::KillNode(f.node.clone()),
            FaultKind::LoseZone => Fault::LoseZone(f.zone.clone().unwrap_or_default()),
        }
    }
}

/// Money spent, integrated exactly: rates are whole micro-dollars per hour, time whole µs.
#[derive(Clone, Copy, Debug, Default)]
struct Spend {
    micro_dollar_us: u128,
    span_us: u128,
}

impl Spend {
    fn add(&mut self, per_hour: f64, span_us: u64) {
        let rate = libm::round(per_hour.max(0.0) * 1e6) as u128;
        self.micro_dollar_us += rate * span_us as u128;
        self.span_us += span_us as u128;
    }
    fn dollars(&self) -> f64 {
        self.micro_dollar_us as f64 / 1e6 / 3.6e9
    }
    /// The average rate; exact for a constant one.
    fn per_hour(&self) -> Option<f64> {
        (self.span_us > 0).then(|| {
            let (whole, rest) = (self.micro_dollar_us / self.span_us, self.micro_dollar_us % self.span_us);
            (whole as f64 + rest as f64 / self.span_us as f64) / 1e6
        })
    }
}

/// What the learner (or an instructor) can do to the control plane while a run goes on.
#[derive(Clone, Debug, PartialEq)]
pub enum ControlCommand {
    /// A node or zone fault.
    Fault(Fault),
    /// Ship a release now (`at_s` is ignored).
    Release(ReleaseSpec),
    /// Abort the release in progress, or undo a finished one: traffic back to the old version.
    Rollback,
}

/// A component with its own periodic work (HPA, Cluster Autoscaler, release controller).
pub trait Controller {
    /// Runs at a scheduled tick; returns the delay to its next tick, or `None` to stop.
    fn tick(&mut self, model: &mut Model) -> Option<SimTime>;
    /// A picture of the cluster it manages, if it manages one (the control plane does).
    fn snapshot(&self, _model: &Model) -> Option<ClusterSnapshot> {
        None
    }
}

struct Version {
    name: String,
    dist: Dist,
    error_rate: f64,
    extra: SimTime,
    service_rng: RngStream,
    error_rng: RngStream,
    /// A leaking release: MiB per request served.
    leak_mi_per_request: f64,
    /// Ready pods of this version: what the balancer chooses from.
    endpoints: Vec<PodId>,
}

/// The simulated system. Public methods are the control-plane API.
pub struct Model {
    k: Kernel<Event>,
    /// Node faults and live release commands wait here for the control plane's next tick.
    commands: Vec<ControlCommand>,
    /// The version the Deployment runs (the control plane keeps it current).
    running_version: u16,
    gauges: ClusterGauges,
    version_pods: Vec<VersionPods>,
    /// Dollars spent in measured (post-warm-up) seconds, and in all seconds so far.
    /// Spend as exact integers: µ$/hour × µs, so a constant rate averages back to itself.
    cost_measured: Spend,
    cost_total: Spend,
    /// The release's progress (from the control plane) and its version index.
    release: Option<(ReleaseSummary, u16)>,
    duration: SimTime,
    warmup_secs: u64,
    pods: Vec<Pod>,
    versions: Vec<Version>,
    router: Router,
    balancer: Balancer,
    open: Option<OpenArrivals>,
    closed: Option<ClosedUsers>,
    cache: Option<Cache>,
    db: Option<Database>,
    timeout: Option<SimTime>,
    sli_us: Option<u64>,
    reqs: Requests,
    pod_spec: PodSpec,
    /// Pod memory (the leak comes from the version); `memory_on`: the scenario models memory,
    /// so the series and summary report it.
    memory: PodMemory,
    memory_on: bool,
    peak_node_memory: f64,
    pipeline: Option<PipelineSummary>,
    /// With a `recovery_s` objective: recovery from the first incident, second by second.
    recovery: Option<RecoverySummary>,
    /// With a `mixed_users` objective: the versions each (sampled) user was served by.
    cohorts: Option<Cohorts>,
    /// `[network]`: (Gbps per link, kB per response); links by index, and each node's link.
    network: Option<(f64, f64)>,
    links: Vec<Link>,
    node_links: Vec<Option<u32>>,
    grace: SimTime,
    // Time-weighted levels (service-wide).
    in_system: Area,
    queued: Area,
    busy: Area,
    cpu: Area,
    capacity: Area,
    live_pods: Area,
    /// Live pods not on a dead node: the CPU they request is what `cpu_utilization` divides by.
    serving_pods: Area,
    window: Stats,
    window_start: SimTime,
    total: Stats,
    series: Vec<SecondSample>,
    log: EventLog,
    faults: Vec<Fault>,
    /// The most recent log entry that can explain what follows (a fault, a pod change).
    last_cause: Option<usize>,
    prev_failures: [u64; 5],
}

impl Model {
    fn new(sc: &Scenario, seed: u64) -> Result<Self, ScenarioError> {
        let duration = SimTime::from_secs(sc.duration_s);
        let versions_spec = sc.versions();
        let versions: Vec<Version> = versions_spec
            .iter()
            .map(|v| Version {
                name: v.name.clone(),
                dist: v.service_time.as_ref().unwrap_or(&sc.service.service_time).build(),
                error_rate: v.error_rate,
                extra: SimTime::from_millis_f64(v.extra_latency_ms),
                service_rng: RngStream::new(seed, &format!("service/{}", v.name)),
                error_rng: RngStream::new(seed, &format!("errors/{}", v.name)),
                leak_mi_per_request: v.memory_leak_mi_per_1k / 1000.0,
                endpoints: Vec::new(),
            })
            .collect();
        let weights = versions_spec.iter().map(|v| v.weight.unwrap_or(0)).collect();
        let (open, closed) = match sc.traffic.model {
            TrafficModel::Open => (Some(OpenArrivals::new(sc.shape(), sc.traffic.users.unwrap_or(100_000), seed)), None),
            TrafficModel::Closed => {
                let think = SimTime::from_millis_f64(sc.traffic.think_time_ms.unwrap_or(0.0));
                let users = match sc.traffic.shape {
                    Some(_) => ClosedUsers::staged(sc.shape(), think, seed),
                    None => ClosedUsers::new(sc.traffic.users.unwrap_or(1), think, seed),
                };
                (None, Some(users))
            }
        };
        let n_versions = versions.len();
        let mut m = Model {
            k: Kernel::new(),
            commands: Vec::new(),
            running_version: 0,
            gauges: ClusterGauges::default(),
            version_pods: Vec::new(),
            cost_measured: Spend::default(),
            cost_total: Spend::default(),
            release: None,
            duration,
            warmup_secs: sc.warmup_s,
            pods: Vec::new(),
            versions,
            router: Router::new(sc.service.routing, weights, seed),
            balancer: Balancer::new(sc.service.balancer, seed),
            open,
            closed,
            cache: sc
                .cache
                .as_ref()
                .map(|c| Cache::new(c.hit_ratio, SimTime::from_millis_f64(c.hit_latency_ms), SimTime::from_secs_f64(c.refill_s), seed)),
            db: sc.database.as_ref().map(|d| {
                let mut db = Database::new(d.connections, d.latency.build(), seed);
                db.disk = d.iops.map(|iops| Disk::new(iops, d.io_per_query, seed));
                db
            }),
            timeout: sc.service.timeout_ms.map(SimTime::from_millis_f64),
            sli_us: sc.sli_latency_ms.map(|l| SimTime::from_millis_f64(l).0),
            reqs: Requests::default(),
            pod_spec: PodSpec {
                workers: sc.service.workers,
                queue_capacity: sc.service.queue_capacity,
                cpu_request_m: sc.service.cpu_request(),
                cpu_per_worker_m: sc.service.cpu_per_worker_m,
                weight: 1,
            },
            memory: PodMemory {
                baseline_mi: sc.deployment.memory_baseline_mi.unwrap_or(sc.deployment.memory_request_mi) as f64,
                per_request_mi: sc.deployment.memory_per_request_mi,
                leak_mi_per_request: 0.0,
                limit_mi: sc.deployment.memory_limit_mi.map(f64::from),
            },
            memory_on: sc.deployment.memory_modelled() || versions_spec.iter().any(|v| v.memory_leak_mi_per_1k > 0.0),
            peak_node_memory: 0.0,
            pipeline: None,
            recovery: sc.objectives.iter().find(|o| o.metric == Metric::RecoveryS).map(|o| RecoverySummary {
                level: o.recovery_availability.unwrap_or(DEFAULT_RECOVERY_AVAILABILITY),
                ..RecoverySummary::default()
            }),
            cohorts: sc.uses_metric(Metric::MixedUsers).then(|| Cohorts::new(sc.traffic.users.unwrap_or(SAMPLE as u32))),
            network: sc.network.as_ref().map(|n| (n.node_gbps, n.response_kb)),
            links: Vec::new(),
            node_links: Vec::new(),
            grace: SimTime::from_secs_f64(sc.deployment.termination_grace_s),
            in_system: Area::default(),
            queued: Area::default(),
            busy: Area::default(),
            cpu: Area::default(),
            capacity: Area::default(),
            live_pods: Area::default(),
            serving_pods: Area::default(),
            window: Stats::with_versions(n_versions),
            window_start: SimTime::ZERO,
            total: Stats::with_versions(n_versions),
            series: Vec::with_capacity(sc.duration_s as usize + 1),
            log: EventLog::new(10_000),
            faults: Vec::new(),
            last_cause: None,
            prev_failures: [0; 5],
        };
        // Initial pods, ready at t = 0.
        for (vi, v) in versions_spec.iter().enumerate() {
            for _ in 0..v.replicas.unwrap_or(0) {
                let id = m.add_pod(vi as u16);
                if let Some(w) = sc.deployment.pod_weights.get(id.0 as usize) {
                    m.pods[id.0 as usize].spec.weight = *w;
                }
                m.set_ready(id, true);
            }
        }
        let (n, w) = (m.pods.len(), sc.service.workers);
        m.log.push(SimTime::ZERO, EventKind::Start { pods: n, workers: w }, None);
        // Traffic.
        if let Some(open) = &mut m.open
            && let Some(t) = open.next_after(SimTime::ZERO, duration)
        {
            m.k.schedule(t, Event::Arrival { generation: 0 });
        }
        if let Some(c) = &mut m.closed {
            if c.is_staged() {
                for (u, t) in c.retarget(0.0) {
                    m.k.schedule(t, Event::UserWake { user: u });
                }
            } else {
                for u in 0..c.users {
                    let t = c.think();
                    m.k.schedule(t, Event::UserWake { user: u });
                }
            }
        }
        for f in &sc.faults {
            m.faults.push(Fault::from_spec(f));
            m.k.schedule(SimTime::from_secs_f64(f.at_s), Event::Fault((m.faults.len() - 1) as u32));
        }
        m.k.schedule(SimTime::from_secs(1).min(duration), Event::SecondTick);
        Ok(m)
    }

    pub fn now(&self) -> SimTime {
        self.k.now()
    }

    pub fn duration(&self) -> SimTime {
        self.duration
    }

    pub fn events_processed(&self) -> u64 {
        self.k.processed()
    }

    // ---- control-plane API -------------------------------------------------------------

    /// Creates a pod of `version` (index in the scenario's versions). It is not ready yet.
    pub fn add_pod(&mut self, version: u16) -> PodId {
        let now = self.now();
        let id = PodId(self.pods.len() as u32);
        let vname = self.versions.get(version as usize).map(|v| v.name.as_str()).unwrap_or("v?");
        let name = format!("{vname}-pod-{}", id.0);
        let mut pod = Pod::new(id, name, version, self.pod_spec.clone(), now);
        let leak = self.versions.get(version as usize).map_or(0.0, |v| v.leak_mi_per_request);
        pod.memory = PodMemory { leak_mi_per_request: leak, ..self.memory };
        self.pods.push(pod);
        self.capacity.add(now, self.pod_spec.workers as i64);
        self.live_pods.add(now, 1);
        self.serving_pods.add(now, 1);
        id
    }

    pub fn pod(&self, id: PodId) -> Option<&Pod> {
        self.pods.get(id.0 as usize)
    }

    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    /// Version names, in scenario order (their index is the `version` of a pod).
    pub fn version_names(&self) -> Vec<String> {
        self.versions.iter().map(|v| v.name.clone()).collect()
    }

    /// Puts a running pod into (or out of) its version's endpoints.
    pub fn set_ready(&mut self, id: PodId, ready: bool) {
        let Some(pod) = self.pods.get_mut(id.0 as usize) else { return };
        if pod.state != PodState::Running || pod.ready == ready {
            return;
        }
        pod.ready = ready;
        let eps = &mut self.versions[pod.version as usize].endpoints;
        if ready {
            eps.push(id);
        } else {
            eps.retain(|&p| p != id);
        }
    }

    fn leave_endpoints(&mut self, id: PodId) {
        self.set_ready(id, false);
    }

    /// Graceful stop: out of the endpoints now, finishes in-flight and queued work, and is
    /// killed at the end of the grace period if it has not finished by then.
    pub fn start_termination(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize) else { return };
        if pod.state != PodState::Running {
            return;
        }
        let now = self.now();
        self.leave_endpoints(id);
        self.pods[id.0 as usize].state = PodState::Terminating;
        let name = self.pods[id.0 as usize].name.clone();
        let grace = self.grace.as_secs_f64();
        self.log.push(now, EventKind::PodTerminating { pod: name, grace_s: grace }, self.last_cause);
        self.k.schedule(now.saturating_add(self.grace), Event::TerminationDeadline(id));
        self.maybe_gone(id);
    }

    fn maybe_gone(&mut self, id: PodId) {
        let pod = &self.pods[id.0 as usize];
        if pod.state == PodState::Terminating && pod.in_service.is_empty() && pod.queue.is_empty() {
            self.remove_pod(id, PodEnd::Terminated);
        }
    }

    /// The kernel's OOM killer: the container's memory passed its limit. Its requests fail
    /// like a killed pod's; the kubelet restarts the container after its back-off.
    pub fn oom_kill(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize).filter(|p| p.state != PodState::Gone) else { return };
        let (used, limit) = (pod.memory_mi(), pod.memory.limit_mi.unwrap_or(0.0));
        self.pods[id.0 as usize].oom_killed = Some(used);
        self.window.oom_kills += 1;
        self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(used);
        self.leave_endpoints(id);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::OomKilled { used_mi: used, limit_mi: limit });
    }

    /// The first incident (a fault, a release, an image push) starts the recovery clock.
    pub fn mark_incident(&mut self) {
        let now = self.now().whole_secs();
        if let Some(r) = self.recovery.as_mut().filter(|r| r.incident_at_s.is_none()) {
            r.incident_at_s = Some(now);
        }
    }

    /// The kubelet evicted a pod under node memory pressure (counted for the series).
    pub fn record_eviction(&mut self) {
        self.window.evictions += 1;
    }

    /// A request joined pod `pid`: its memory grew; past the limit the OOM killer acts now.
    fn check_memory(&mut self, pid: PodId) {
        let pod = &self.pods[pid.0 as usize];
        let used = pod.memory_mi();
        self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(used);
        if pod.memory.over_limit(used) {
            self.oom_kill(pid);
        }
    }

    fn remove_pod(&mut self, id: PodId, end: PodEnd) {
        let now = self.now();
        let pod = &mut self.pods[id.0 as usize];
        pod.state = PodState::Gone;
        pod.ready = false;
        let (workers, unreachable) = (pod.spec.workers as i64, pod.unreachable);
        let (blames, msg) = (matches!(end, PodEnd::Killed | PodEnd::OomKilled { .. }), EventKind::PodEnded { pod: pod.name.clone(), end });
        // An unreachable pod's workers and CPU request already left when its node died.
        if !unreachable {
            self.capacity.add(now, -workers);
            self.serving_pods.add(now, -1);
        }
        self.live_pods.add(now, -1);
        let idx = self.log.push(now, msg, self.last_cause);
        if blames {
            self.last_cause = idx.or(self.last_cause);
        }
    }

    /// Abrupt death: queued and in-flight requests fail with cause `pod_killed`.
    pub fn kill_pod(&mut self, id: PodId) {
        let Some(pod) = self.pods.get(id.0 as usize) else { return };
        if pod.state == PodState::Gone {
            return;
        }
        self.leave_endpoints(id);
        self.drop_work(id, false);
        self.remove_pod(id, PodEnd::Killed);
    }

    /// Its node died: the pod stays an endpoint (until the node is marked NotReady and the pod
    /// is killed), but it answers nothing; its requests, and those sent to it, hang until their
    /// client's timeout (or fail at once as `pod_killed` when the service has no timeout).
    pub fn make_unreachable(&mut self, id: PodId) {
        if self.pods.get(id.0 as usize).is_none_or(|p| p.state != PodState::Running) {
            return;
        }
        let now = self.now();
        self.pods[id.0 as usize].unreachable = true;
        self.capacity.add(now, -(self.pods[id.0 as usize].spec.workers as i64));
        self.serving_pods.add(now, -1);
        self.drop_work(id, true);
    }

    /// Takes every queued and in-flight request off pod `id`: they fail, or hang (`lost`) when
    /// the pod is unreachable and the client has a timeout.
    fn drop_work(&mut self, id: PodId, hang: bool) {
        let now = self.now();
        let pod = &mut self.pods[id.0 as usize];
        let in_service = std::mem::take(&mut pod.in_service);
        let queue = std::mem::take(&mut pod.queue);
        pod.busy.set(now, 0);
        pod.cpu_busy.set(now, 0);
        let mut cpu_phase = 0;
        for r in &in_service {
            if self.reqs.get(*r).is_some_and(|q| q.phase == Phase::Service) {
                cpu_phase += 1;
            }
        }
        self.busy.add(now, -(in_service.len() as i64));
        self.cpu.add(now, -cpu_phase);
        for r in in_service.into_iter().chain(queue) {
            let Some(req) = self.reqs.get(r) else { continue };
            if req.phase == Phase::Queued {
                self.queued.add(now, -1);
            }
            if req.answered {
                self.reqs.free(r);
            } else if hang && self.timeout.is_some() {
                self.lose(id, r);
            } else {
                self.respond(r, Err(FailCause::PodKilled));
                self.reqs.free(r);
            }
        }
    }

    /// Request `r` now waits on unreachable pod `pid` for its timeout.
    fn lose(&mut self, pid: PodId, r: RequestId) {
        if let Some(req) = self.reqs.get_mut(r) {
            req.phase = Phase::Lost;
            req.pod = pid.0;
            self.pods[pid.0 as usize].lost += 1;
        }
    }

    /// Gives a pod the control plane's name (`web-v1-3`) for the log.
    pub fn rename_pod(&mut self, id: PodId, name: String) {
        if let Some(p) = self.pods.get_mut(id.0 as usize) {
            p.name = name;
        }
    }

    /// Drops a pod that never served (no room for it at the start).
    pub fn discard_pod(&mut self, id: PodId) {
        if self.pods.get(id.0 as usize).is_some_and(|p| p.is_live()) {
            self.leave_endpoints(id);
            self.remove_pod(id, PodEnd::NoRoom);
        }
    }

    /// Node faults and live commands since the last call (the control plane applies them).
    pub fn take_commands(&mut self) -> Vec<ControlCommand> {
        std::mem::take(&mut self.commands)
    }

    /// Queues a command for the control plane's next tick.
    pub fn command(&mut self, command: ControlCommand) {
        self.commands.push(command);
    }

    pub fn running_version(&self) -> u16 {
        self.running_version
    }

    pub fn set_running_version(&mut self, version: u16) {
        self.running_version = version;
    }

    /// The control plane's view for the per-second series (pods, nodes, cost; pods per version).
    pub fn set_cluster_gauges(&mut self, gauges: ClusterGauges, per_version: Vec<VersionPods>) {
        self.gauges = gauges;
        self.version_pods = per_version;
        self.peak_node_memory = self.peak_node_memory.max(gauges.node_memory_max.unwrap_or(0.0));
    }

    /// The release controller's progress, for the summary.
    pub fn set_release(&mut self, summary: ReleaseSummary, version: u16) {
        self.release = Some((summary, version));
    }

    /// Traffic shares per version (canary steps, blue/green switch).
    pub fn set_version_weights(&mut self, weights: &[u32]) {
        for (w, &x) in self.router.weights.iter_mut().zip(weights) {
            *w = x;
        }
    }

    pub fn set_routing_mode(&mut self, mode: RoutingMode) {
        self.router.mode = mode;
    }

    /// The traffic weight the router means for each version now: its weight, or with plain
    /// endpoint routing its count of ready pods.
    pub fn version_weights(&self) -> Vec<u32> {
        match self.router.mode {
            RoutingMode::Endpoints => self.versions.iter().map(|v| v.endpoints.len() as u32).collect(),
            _ => self.router.weights.clone(),
        }
    }

    /// The cache's hit ratio in effect, the database pool (connections, in use, waiting), and
    /// the routing mode, now.
    pub fn dependencies_now(&self) -> (Option<f64>, Option<(u32, u32, u32)>, RoutingMode) {
        let now = self.now();
        let db = self.db.as_ref().map(|db| {
            let waiting = db.waiting.iter().filter(|&&r| self.reqs.get(r).is_some_and(|r| r.phase == Phase::DbWait)).count();
            (db.connections, db.in_use, waiting as u32)
        });
        (self.cache.as_ref().map(|c| c.effective_ratio(now)), db, self.router.mode)
    }

    /// CPU used by a pod over the last closed one-second window, millicores (HPA reads this).
    pub fn pod_cpu_millicores(&self, id: PodId) -> Option<f64> {
        self.pods.get(id.0 as usize).map(|p| p.last_cpu_m)
    }

    /// Schedules a controller tick (see `Simulation::add_controller`).
    pub fn schedule_controller(&mut self, controller: u32, at: SimTime) {
        self.k.schedule(at, Event::Controller(controller));
    }

    /// Appends to the causal log (for controllers: the HPA scaled to 6), citing the latest cause.
    pub fn log_event(&mut self, kind: EventKind) -> Option<usize> {
        let now = self.now();
        let idx = self.log.push(now, kind, self.last_cause);
        self.last_cause = idx.or(self.last_cause);
        idx
    }

    /// Applies a fault now.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
        self.apply_fault((self.faults.len() - 1) as u32);
    }

    fn apply_fault(&mut self, i: u32) {
        let now = self.now();
        self.mark_incident();
        let Some(f) = self.faults.get(i as usize).cloned() else { return };
        let msg = match &f {
            Fault::KillPod(p) => {
                let target = p.or_else(|| self.pods.iter().find(|p| p.is_live()).map(|p| p.id));
                match target.and_then(|t| self.pods.get(t.0 as usize)).filter(|p| p.is_live()) {
                    Some(pod) => EventKind::FaultKillPod { pod: Some(pod.name.clone()) },
                    None => EventKind::FaultKillPod { pod: None },
                }
            }
            Fault::TrafficSpike { multiplier, duration } => {
                let d = duration.as_secs_f64();
                EventKind::FaultTrafficSpike { multiplier: *multiplier, duration_s: d }
            }
            Fault::SlowDependency { factor, duration } => {
                let d = duration.as_secs_f64();
                EventKind::FaultSlowDatabase { factor: *factor, duration_s: d }
            }
            Fault::CacheFlush => EventKind::FaultCacheFlush,
            // The control plane logs node faults with what they hit.
            Fault::KillNode(_) | Fault::LoseZone(_) => {
                self.commands.push(ControlCommand::Fault(f));
                return;
            }
        };
        self.last_cause = self.log.push(now, msg, None).or(self.last_cause);
        match f {
            Fault::KillPod(p) => {
                if let Some(t) = p.or_else(|| self.pods.iter().find(|p| p.is_live()).map(|p| p.id)) {
                    self.kill_pod(t);
                }
            }
            Fault::TrafficSpike { multiplier, duration } => {
                self.scale_traffic(multiplier);
                self.k.schedule(now.saturating_add(duration), Event::FaultEnd(i));
            }
            Fault::SlowDependency { factor, duration } => {
                if let Some(db) = &mut self.db {
                    db.slow_factor *= factor;
                }
                self.k.schedule(now.saturating_add(duration), Event::FaultEnd(i));
            }
            Fault::CacheFlush => {
                if let Some(c) = &mut self.cache {
                    c.flush(now);
                }
            }
            Fault::KillNode(_) | Fault::LoseZone(_) => {}
        }
    }

    fn end_fault(&mut self, i: u32) {
        let now = self.now();
        match self.faults.get(i as usize).cloned() {
            Some(Fault::TrafficSpike { multiplier, .. }) if multiplier > 0.0 => {
                self.scale_traffic(1.0 / multiplier);
                self.log.push(now, EventKind::TrafficSpikeOver, None);
            }
            Some(Fault::SlowDependency { factor, .. }) if factor > 0.0 => {
                if let Some(db) = &mut self.db {
                    db.slow_factor /= factor;
                }
                self.log.push(now, EventKind::DatabaseNormal, None);
            }
            _ => {}
        }
    }

    /// Changes the open-model rate multiplier and redraws the next arrival (memoryless).
    fn scale_traffic(&mut self, by: f64) {
        let now = self.now();
        if let Some(open) = &mut self.open {
            open.multiplier *= by;
            open.generation = open.generation.wrapping_add(1);
            let generation = open.generation;
            if let Some(t) = open.next_after(now, self.duration) {
                self.k.schedule(t, Event::Arrival { generation });
            }
        }
    }

    // ---- the request path ---------------------------------------------------------------

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Arrival { generation } => self.on_arrival(generation),
            Event::UserWake { user } => {
                if self.closed.as_mut().is_some_and(|c| !c.keeps(user)) {
                    return;
                }
                let id = self.reqs.alloc(self.now(), user, true);
                self.route(id);
            }
            Event::ServiceDone(id) => self.on_service_done(id),
            Event::DbDone(id) => self.on_db_done(id),
            Event::DiskDone(id) => self.on_disk_done(id),
            Event::LinkDone(id) => self.on_link_done(id),
            Event::CacheDone(id) => {
                if self.reqs.get(id).is_some_and(|r| !r.answered) {
                    self.respond(id, Ok(()));
                }
                self.reqs.free(id);
            }
            Event::Timeout(id) => self.on_timeout(id),
            Event::SecondTick => self.roll_window(),
            Event::Fault(i) => self.apply_fault(i),
            Event::FaultEnd(i) => self.end_fault(i),
            Event::TerminationDeadline(p) => {
                if self.pods.get(p.0 as usize).is_some_and(|p| p.state == PodState::Terminating) {
                    self.kill_pod(p);
                }
            }
            Event::Controller(_) => {}
        }
    }

    fn on_arrival(&mut self, generation: u32) {
        let now = self.now();
        let Some(open) = &mut self.open else { return };
        if generation != open.generation {
            return; // superseded by a rate change
        }
        let user = open.next_user();
        if let Some(t) = open.next_after(now, self.duration) {
            self.k.schedule(t, Event::Arrival { generation });
        }
        let id = self.reqs.alloc(now, user, false);
        self.route(id);
    }

    fn route(&mut self, id: RequestId) {
        let now = self.now();
        self.window.counts.offered += 1;
        self.in_system.add(now, 1);
        if let Some(t) = self.timeout {
            self.k.schedule(now.saturating_add(t), Event::Timeout(id));
        }
        if self.cache.is_some() {
            self.window.cache_lookups += 1;
        }
        if let Some(cache) = &mut self.cache
            && cache.is_hit(now)
        {
            self.window.cache_hits += 1;
            let at = now.saturating_add(cache.hit_latency);
            if let Some(r) = self.reqs.get_mut(id) {
                r.phase = Phase::Cache;
            }
            self.k.schedule(at, Event::CacheDone(id));
            return;
        }
        let Some(user) = self.reqs.get(id).map(|r| r.user) else { return };
        let preferred = if self.router.mode == RoutingMode::Endpoints {
            let counts: Vec<u32> = self.versions.iter().map(|v| v.endpoints.len() as u32).collect();
            self.router.pick_by(&counts) as usize
        } else {
            self.router.pick(user) as usize
        };
        let version = if self.versions[preferred].endpoints.is_empty() {
            // Fall back to any version that has a ready pod.
            self.versions.iter().position(|v| !v.endpoints.is_empty()).unwrap_or(preferred)
        } else {
            preferred
        };
        if let Some(r) = self.reqs.get_mut(id) {
            r.version = version as u16;
        }
        if let Some(c) = &mut self.cohorts
            && now.whole_secs() >= self.warmup_secs
        {
            c.observe(user, version as u16);
        }
        self.window.versions[version].counts.offered += 1;
        let pod = self.balancer.pick(&self.versions[version].endpoints, &mut self.pods);
        let Some(pod) = pod else {
            self.respond(id, Err(FailCause::NoEndpoint));
            self.reqs.free(id);
            return;
        };
        self.admit(pod, id);
    }

    fn admit(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let pod = &self.pods[pid.0 as usize];
        if pod.unreachable {
            if self.timeout.is_some() {
                self.lose(pid, id);
            } else {
                self.respond(id, Err(FailCause::PodKilled));
                self.reqs.free(id);
            }
        } else if pod.has_free_worker() && pod.queue.is_empty() {
            self.pods[pid.0 as usize].routed += 1;
            self.start_service(pid, id);
            if self.memory_on {
                self.check_memory(pid);
            }
        } else if pod.queue_full() {
            self.respond(id, Err(FailCause::Rejected));
            self.reqs.free(id);
        } else {
            self.pods[pid.0 as usize].routed += 1;
            self.pods[pid.0 as usize].queue.push_back(id);
            if let Some(r) = self.reqs.get_mut(id) {
                r.pod = pid.0;
                r.enqueued = now;
                r.phase = Phase::Queued;
            }
            self.queued.add(now, 1);
            self.window.max_queue = self.window.max_queue.max(self.queued.level);
            if self.memory_on {
                self.check_memory(pid);
            }
        }
    }

    fn start_service(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let pod = &mut self.pods[pid.0 as usize];
        let slot = pod.start(now, id);
        // The code that runs is the pod's image (a mutable tag may run another version's).
        let image = pod.image as usize;
        pod.cpu_busy.add(now, 1);
        self.busy.add(now, 1);
        self.cpu.add(now, 1);
        let Some(r) = self.reqs.get_mut(id) else { return };
        r.pod = pid.0;
        r.slot = slot;
        r.phase = Phase::Service;
        let wait = now.0 - r.enqueued.0;
        let v = &mut self.versions[image];
        let st = v.dist.sample_us(&mut v.service_rng).saturating_add(v.extra.0);
        self.window.wait.record(wait);
        self.k.schedule(now.saturating_add(SimTime(st)), Event::ServiceDone(id));
    }

    fn on_service_done(&mut self, id: RequestId) {
        let now = self.now();
        // A request whose pod's node died is `Lost`: its worker is gone, only the timeout ends it.
        let Some(r) = self.reqs.get_mut(id).filter(|r| r.phase == Phase::Service) else { return };
        let pod = &mut self.pods[r.pod as usize];
        pod.cpu_busy.add(now, -1);
        self.cpu.add(now, -1);
        let Some(db) = &mut self.db else {
            self.complete(id);
            return;
        };
        if db.try_acquire(now) {
            self.window.db_wait.record(0);
            self.start_query(id);
        } else {
            db.waiting.push_back(id);
            if let Some(r) = self.reqs.get_mut(id) {
                r.phase = Phase::DbWait;
                // From here `enqueued` is when it started waiting for a connection.
                r.enqueued = now;
            }
        }
    }

    fn on_db_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        db.release(now);
        let mut next = None;
        while let Some(w) = db.waiting.pop_front() {
            if self.reqs.get(w).is_some_and(|r| r.phase == Phase::DbWait) {
                if db.try_acquire(now) {
                    next = Some(w);
                }
                break;
            }
        }
        if let Some(w) = next {
            if let Some(r) = self.reqs.get(w) {
                self.window.db_wait.record(now.0 - r.enqueued.0);
            }
            self.start_query(w);
        }
        if self.reqs.get(id).is_some_and(|r| r.phase == Phase::Db) {
            self.complete(id);
        }
    }

    /// A connection is held: the query goes to the disk first (when it has one), then runs.
    fn start_query(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        match &mut db.disk {
            Some(disk) => {
                if let Some(r) = self.reqs.get_mut(id) {
                    r.phase = Phase::Disk;
                }
                if let Some((io, end)) = disk.arrive(now, id) {
                    self.k.schedule(end, Event::DiskDone(io));
                }
            }
            None => {
                if let Some(r) = self.reqs.get_mut(id) {
                    r.phase = Phase::Db;
                }
                let q = db.query_time();
                self.k.schedule(now.saturating_add(q), Event::DbDone(id));
            }
        }
    }

    /// The disk finished a query's I/O (even one whose request is gone: it still holds its
    /// connection until the query ends); the next queued I/O starts.
    fn on_disk_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(db) = &mut self.db else { return };
        let Some(disk) = &mut db.disk else { return };
        if let Some((io, end)) = disk.done(now) {
            self.k.schedule(end, Event::DiskDone(io));
        }
        if let Some(r) = self.reqs.get_mut(id) {
            r.phase = Phase::Db;
        }
        let q = db.query_time();
        self.k.schedule(now.saturating_add(q), Event::DbDone(id));
    }

    /// The container of pod `id` runs version `image`'s build (its tag resolved at start).
    pub fn set_pod_image(&mut self, id: PodId, image: u16) {
        let leak = self.versions.get(image as usize).map(|v| v.leak_mi_per_request);
        if let (Some(pod), Some(leak)) = (self.pods.get_mut(id.0 as usize), leak) {
            pod.image = image;
            pod.memory.leak_mi_per_request = leak;
        }
    }

    /// The pipeline's progress, for the summary.
    pub fn set_pipeline(&mut self, summary: PipelineSummary) {
        self.pipeline = Some(summary);
    }

    /// The control plane bound pod `id` to node `node`: its responses leave by that node's link.
    pub fn place_pod(&mut self, id: PodId, node: usize) {
        if self.network.is_none() || self.pods.get(id.0 as usize).is_none() {
            return;
        }
        if self.node_links.len() <= node {
            self.node_links.resize(node + 1, None);
        }
        let link = match self.node_links[node] {
            Some(l) => l,
            None => {
                let l = self.new_link();
                self.node_links[node] = Some(l);
                l
            }
        };
        self.pods[id.0 as usize].link = Some(link);
    }

    fn new_link(&mut self) -> u32 {
        let (gbps, kb) = self.network.unwrap_or((1.0, 1.0));
        let mut link = Link::new(gbps, kb);
        // Its busy integral starts with the current window.
        link.station.busy.set(self.window_start, 0);
        self.links.push(link);
        (self.links.len() - 1) as u32
    }

    /// Puts a response on its pod's link (a pod without a node is its own host).
    fn send(&mut self, pid: PodId, id: RequestId) {
        let now = self.now();
        let link = match self.pods[pid.0 as usize].link {
            Some(l) => l,
            None => {
                let l = self.new_link();
                self.pods[pid.0 as usize].link = Some(l);
                l
            }
        };
        if let Some(r) = self.reqs.get_mut(id) {
            r.phase = Phase::Transfer;
        }
        if let Some((next, end)) = self.links[link as usize].send(now, id) {
            self.k.schedule(end, Event::LinkDone(next));
        }
    }

    fn on_link_done(&mut self, id: RequestId) {
        let now = self.now();
        let Some(link) = self.reqs.get(id).and_then(|r| self.pods.get(r.pod as usize)).and_then(|p| p.link) else { return };
        if let Some((next, end)) = self.links[link as usize].done(now) {
            self.k.schedule(end, Event::LinkDone(next));
        }
        if self.reqs.get(id).is_some_and(|r| !r.answered) {
            self.respond(id, Ok(()));
        }
        self.reqs.free(id);
    }

    /// The worker is done with the request: answer it (unless the client gave up) and take the
    /// next queued one.
    fn complete(&mut self, id: RequestId) {
        let now = self.now();
        let Some(r) = self.reqs.get(id) else { return };
        let (pid, slot, answered) = (r.pod, r.slot, r.answered);
        let pod = &mut self.pods[pid as usize];
        let image = pod.image as usize;
        pod.served += 1;
        if let Some(moved) = pod.finish(now, slot)
            && let Some(m) = self.reqs.get_mut(moved)
        {
            m.slot = slot;
        }
        self.busy.add(now, -1);
        let mut sending = false;
        if !answered {
            let v = &mut self.versions[image];
            let outcome = if v.error_rate > 0.0 && v.error_rng.chance(v.error_rate) { Err(FailCause::Error) } else { Ok(()) };
            // A good response crosses the node's link; an error is a few bytes.
            sending = outcome.is_ok() && self.network.is_some();
            if sending {
                self.send(PodId(pid), id);
            } else {
                self.respond(id, outcome);
            }
        }
        if !sending {
            self.reqs.free(id);
        }
        self.pull_from_queue(PodId(pid));
        self.maybe_gone(PodId(pid));
    }

    fn pull_from_queue(&mut self, pid: PodId) {
        let now = self.now();
        loop {
            let pod = &mut self.pods[pid.0 as usize];
            if !pod.has_free_worker() {
                return;
            }
            let Some(next) = pod.queue.pop_front() else { return };
            match self.reqs.get(next) {
                None => continue,
                Some(r) if r.answered => {
                    // Timed out while queued: already counted and out of the queue length.
                    self.reqs.free(next);
                }
                Some(_) => {
                    self.queued.add(now, -1);
                    self.start_service(pid, next);
                }
            }
        }
    }

    fn on_timeout(&mut self, id: RequestId) {
        let now = self.now();
        let Some(r) = self.reqs.get(id) else { return };
        if r.answered {
            return;
        }
        if r.phase == Phase::Queued {
            // The pod drops requests whose client gave up; they leave the queue length now.
            self.queued.add(now, -1);
        }
        let lost = (r.phase == Phase::Lost).then_some(r.pod);
        self.respond(id, Err(FailCause::TimedOut));
        if let Some(pod) = lost {
            let pod = &mut self.pods[pod as usize];
            pod.lost = pod.lost.saturating_sub(1);
            self.reqs.free(id);
        }
    }

    /// Delivers the response to the client and counts it.
    fn respond(&mut self, id: RequestId, outcome: Result<(), FailCause>) {
        let now = self.now();
        let Some(r) = self.reqs.get_mut(id) else { return };
        r.answered = true;
        let response = now.0 - r.arrival.0;
        let (closed_user, user, version) = (r.closed_user, r.user, r.version as usize);
        self.in_system.add(now, -1);
        let w = &mut self.window;
        w.counts.answered += 1;
        w.counts.response_us += response as u128;
        let last = w.versions.len() - 1;
        let vs = &mut w.versions[version.min(last)];
        match outcome {
            Ok(()) => {
                w.counts.completed += 1;
                vs.counts.completed += 1;
                if self.sli_us.is_none_or(|l| response <= l) {
                    w.counts.good += 1;
                    vs.counts.good += 1;
                }
                w.latency.record(response);
                vs.latency.record(response);
            }
            Err(cause) => {
                w.counts.failed[cause.index()] += 1;
                vs.counts.failed[cause.index()] += 1;
            }
        }
        if closed_user
            && let Some(c) = &mut self.closed
            && c.keeps(user)
        {
            let t = c.think();
            self.k.schedule(now.saturating_add(t), Event::UserWake { user });
        }
    }

    // ---- metrics ------------------------------------------------------------------------

    /// Closes the current window into `w` (areas up to now).
    fn close_areas(&mut self) {
        let now = self.now();
        let w = &mut self.window;
        w.in_system_area += self.in_system.take_window(now);
        w.queue_area += self.queued.take_window(now);
        w.busy_area += self.busy.take_window(now);
        w.cpu_area += self.cpu.take_window(now);
        w.capacity_area += self.capacity.take_window(now);
        w.pod_area += self.live_pods.take_window(now);
        w.serving_pod_area += self.serving_pods.take_window(now);
        if let Some(db) = &mut self.db {
            w.db_area += db.busy.take_window(now);
            w.db_capacity_area += db.connections as u128 * (now.0 - self.window_start.0) as u128;
            if let Some(disk) = &mut db.disk {
                w.disk_area += disk.station.busy.take_window(now);
                w.disk_span_us += (now.0 - self.window_start.0) as u128;
            }
        }
        if self.network.is_some() {
            let span = now.0 - self.window_start.0;
            // Busy µs of the busiest link: its utilisation × the span.
            let busiest = self.links.iter_mut().map(|l| l.station.busy.take_window(now)).max().unwrap_or(0);
            w.net_busiest_area += busiest as f64;
            w.net_span_us += span as u128;
        }
        w.span_us += now.0 - self.window_start.0;
        self.window_start = now;
    }

    fn roll_window(&mut self) {
        let now = self.now();
        let start = self.window_start;
        self.close_areas();
        let span = self.window.span_us;
        for p in self.pods.iter_mut().filter(|p| p.is_live()) {
            p.roll_window(now, span);
        }
        self.cost_total.add(self.gauges.cost_per_hour, span);
        if start.whole_secs() >= self.warmup_secs {
            self.cost_measured.add(self.gauges.cost_per_hour, span);
        }
        if self.memory_on {
            let peak = self.pods.iter().filter(|p| p.is_live()).map(Pod::memory_mi).fold(0.0, f64::max);
            self.window.peak_pod_memory_mi = self.window.peak_pod_memory_mi.max(peak);
        }
        let sample = self.sample(start);
        self.log_failure_onsets(&sample);
        if let Some(r) = &mut self.recovery {
            r.observe(sample.t, sample.availability, sample.completed_rps + sample.failed_rps > 0.0);
        }
        if start.whole_secs() >= self.warmup_secs {
            self.total.merge(&self.window);
        }
        self.series.push(sample);
        self.window.clear();
        self.window.max_queue = self.queued.level;
        if now < self.duration {
            self.k.schedule(SimTime::from_secs(now.whole_secs() + 1).min(self.duration), Event::SecondTick);
            // Staged users: the count for the next second.
            if let Some(c) = self.closed.as_mut().filter(|c| c.is_staged()) {
                for (u, t) in c.retarget(now.as_secs_f64()) {
                    self.k.schedule(now.saturating_add(t), Event::UserWake { user: u });
                }
            }
        }
    }

    fn sample(&self, start: SimTime) -> SecondSample {
        let w = &self.window;
        let secs = (w.span_us as f64 / 1e6).max(1e-9);
        let ms = |v: Option<u64>| v.map(|x| x as f64 / 1e3);
        let c = &w.counts;
        let lat = w.latency.quantiles(&[0.5, 0.9, 0.95, 0.99]);
        let cpu_millicores = w.cpu_area as f64 * self.pod_spec.cpu_per_worker_m as f64 / w.span_us.max(1) as f64;
        let live = self.pods.iter().filter(|p| p.is_live()).count() as u32;
        let serving = |v: &Version| v.endpoints.iter().filter(|&&p| !self.pods[p.0 as usize].unreachable).count() as u32;
        let ready: u32 = self.versions.iter().map(serving).sum();
        // Millicores requested on average over the second by the pods that can serve.
        let requested = w.serving_pod_area as f64 * self.pod_spec.cpu_request_m as f64 / w.span_us.max(1) as f64;
        let db_waiting = self.dependencies_now().1.map_or(0, |(_, _, waiting)| waiting as u64);
        SecondSample {
            cluster: self.gauges,
            cost: self.cost_total.dollars(),
            disk_utilization: w.disk_utilization(),
            network_utilization: w.network_utilization(),
            users: self.closed.as_ref().filter(|c| c.is_staged()).map(|c| c.users),
            memory: self.memory_on.then(|| MemorySample {
                used_mi: self.pods.iter().filter(|p| p.is_live()).map(Pod::memory_mi).sum(),
                max_pod_mi: w.peak_pod_memory_mi,
                oom_kills: w.oom_kills,
                evictions: w.evictions,
            }),
            t: start.whole_secs(),
            offered_rps: c.offered as f64 / secs,
            completed_rps: c.completed as f64 / secs,
            failed_rps: c.failed_total() as f64 / secs,
            rejected: c.failed_of(FailCause::Rejected),
            timed_out: c.failed_of(FailCause::TimedOut),
            errors: c.failed_of(FailCause::Error),
            pod_killed: c.failed_of(FailCause::PodKilled),
            no_endpoint: c.failed_of(FailCause::NoEndpoint),
            p50_ms: ms(lat[0]),
            p90_ms: ms(lat[1]),
            p95_ms: ms(lat[2]),
            p99_ms: ms(lat[3]),
            mean_ms: w.latency.mean().map(|m| m / 1e3),
            queue_wait_p99_ms: ms(w.wait.quantile(0.99)),
            queue: self.queued.level,
            max_queue: w.max_queue,
            in_flight: self.in_system.level,
            utilization: w.utilization(),
            cpu_millicores,
            pods: live,
            ready_pods: ready,
            pods_ready: ready,
            cpu_utilization: if requested > 0.0 { cpu_millicores / requested } else { 0.0 },
            db_utilization: w.db_utilization(),
            db_wait_p99_ms: ms(w.db_wait.quantile(0.99)),
            db_waiting,
            cache_hit_ratio: w.cache_hit_ratio(),
            availability: c.availability(),
            error_rate: c.error_rate(),
            versions: self
                .versions
                .iter()
                .zip(&w.versions)
                .enumerate()
                .map(|(i, (v, s))| (v, s, s.latency.quantiles(&[0.5, 0.95, 0.99]), self.version_pods.get(i).copied().unwrap_or_default()))
                .map(|(v, s, q, pods)| VersionSample {
                    version: v.name.clone(),
                    share: if c.offered > 0 { s.counts.offered as f64 / c.offered as f64 } else { 0.0 },
                    error_rate: s.counts.error_rate(),
                    offered: s.counts.offered,
                    completed: s.counts.completed,
                    failed: s.counts.failed_total(),
                    p50_ms: ms(q[0]),
                    p95_ms: ms(q[1]),
                    p99_ms: ms(q[2]),
                    ready_pods: serving(v),
                    pods_desired: pods.desired,
                    pods_pending: pods.pending,
                    pods_not_ready: pods.not_ready,
                })
                .collect(),
        }
    }

    /// Logs when a kind of failure starts (after a second without it), blaming the latest cause.
    fn log_failure_onsets(&mut self, s: &SecondSample) {
        let now = [s.rejected, s.timed_out, s.errors, s.pod_killed, s.no_endpoint];
        for c in FailCause::ALL {
            let i = c.index();
            if now[i] > 0 && self.prev_failures[i] == 0 {
                let msg = EventKind::FailureOnset { cause: c, count: now[i] };
                let at = SimTime::from_secs(s.t);
                if let Some(idx) = self.log.push(at, msg, self.last_cause) {
                    self.last_cause = Some(idx);
                }
            }
        }
        self.prev_failures = now;
    }

    /// Whole-run summary so far (after the warm-up), including the current partial second.
    pub fn summary(&self) -> Summary {
        let mut s = self.total.clone();
        if self.window_start.whole_secs() >= self.warmup_secs && self.now() > self.window_start {
            let mut w = self.window.clone();
            let span = self.now().0 - self.window_start.0;
            // Areas of the open window, integrated up to now without closing it.
            let partial = |a: &Area| a.window + a.level as u128 * (self.now().0 - self.last_change(a)) as u128;
            w.in_system_area += partial(&self.in_system);
            w.queue_area += partial(&self.queued);
            w.busy_area += partial(&self.busy);
            w.cpu_area += partial(&self.cpu);
            w.capacity_area += partial(&self.capacity);
            w.pod_area += partial(&self.live_pods);
            w.serving_pod_area += partial(&self.serving_pods);
            w.span_us += span;
            s.merge(&w);
        }
        let mut summary = Summary::from_stats(&s, &self.version_names(), self.pod_spec.cpu_per_worker_m);
        summary.cost = self.cost_measured.dollars();
        summary.release = self.release.as_ref().map(|(r, v)| {
            let mut r = r.clone();
            if let Some(vs) = summary.versions.get(*v as usize) {
                r.blast_radius = vs.failed;
                r.exposed = vs.offered;
            }
            r.time_to_detect_s = r.detected_at_s.map(|t| t - r.started_at_s);
            r.time_to_rollback_s = r.rolled_back_at_s.map(|t| t - r.started_at_s);
            r
        });
        summary.cost_per_hour = self.cost_measured.per_hour().unwrap_or(self.gauges.cost_per_hour);
        summary.recovery = self.recovery.clone();
        summary.pipeline = self.pipeline.clone();
        summary.mixed_users = self.cohorts.as_ref().and_then(Cohorts::mixed_share);
        summary.memory = self.memory_on.then(|| MemorySummary {
            oom_kills: s.oom_kills,
            evictions: s.evictions,
            peak_pod_mi: s.peak_pod_memory_mi,
            peak_node_utilization: self.gauges.node_memory_max.map(|_| self.peak_node_memory),
        });
        summary
    }

    fn last_change(&self, a: &Area) -> u64 {
        a.last_change().0
    }

    pub fn series(&self) -> &[SecondSample] {
        &self.series
    }

    pub fn events(&self) -> &[LogEvent] {
        self.log.events()
    }
}

/// The engine as the app and the runner use it.
pub struct Simulation {
    model: Model,
    controllers: Vec<Box<dyn Controller>>,
    scenario: Scenario,
    seed: u64,
    finished: bool,
    estimate: Estimate,
    guard: Guard,
    /// Why the run stopped early (a cap of the work budget), if it did.
    halted: Option<ScenarioError>,
    /// One cluster snapshot per closed second (`series[i]` ↔ `snapshots[i]`), when asked for.
    snapshots: Option<Vec<ClusterSnapshot>>,
}

impl Simulation {
    /// Builds the system of `scenario`, seeded with `seed` (the scenario's own `seed` is only a
    /// default for callers), within the default work budget.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, ScenarioError> {
        Self::with_budget(scenario, seed, DEFAULT_BUDGET)
    }

    /// Refuses a run whose estimated work is over `budget` events before building anything.
    pub fn with_budget(scenario: &Scenario, seed: u64, budget: u64) -> Result<Self, ScenarioError> {
        let estimate = Estimate::of(scenario);
        estimate.check(scenario, budget)?;
        let guard = Guard::new(scenario, budget);
        let model = Model::new(scenario, seed)?;
        let initial = model.pods.iter().map(|p| p.id).collect();
        let mut sim = Simulation {
            model,
            controllers: Vec::new(),
            scenario: scenario.clone(),
            seed,
            finished: false,
            estimate,
            guard,
            halted: None,
            snapshots: None,
        };
        sim.add_controller(Box::new(ControlPlane::new(scenario, seed, initial)), SimTime::ZERO);
        Ok(sim)
    }

    pub fn now(&self) -> SimTime {
        self.model.now()
    }

    pub fn duration(&self) -> SimTime {
        self.model.duration
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The control-plane API (add, ready, terminate, kill pods; version weights).
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Registers a controller; its first tick runs at `first_tick`.
    pub fn add_controller(&mut self, c: Box<dyn Controller>, first_tick: SimTime) {
        let idx = self.controllers.len() as u32;
        self.controllers.push(c);
        self.model.schedule_controller(idx, first_tick);
    }

    fn advance(&mut self, limit: SimTime, budget: u64) -> u64 {
        let limit = limit.min(self.model.duration);
        let mut n = 0;
        while n < budget && self.halted.is_none() {
            let Some(ev) = self.model.k.next_until(limit) else {
                self.model.k.advance_to(limit);
                break;
            };
            n += 1;
            if let Err(e) = self.guard.check(self.model.now().0, self.model.events_processed(), self.model.reqs.live()) {
                self.halted = Some(e);
                self.finished = true;
                break;
            }
            match ev {
                Event::Controller(i) => {
                    if let Some(c) = self.controllers.get_mut(i as usize)
                        && let Some(d) = c.tick(&mut self.model)
                    {
                        let at = self.model.now().saturating_add(d.max(SimTime(1)));
                        self.model.schedule_controller(i, at);
                    }
                }
                Event::SecondTick => {
                    self.model.handle(ev);
                    if self.snapshots.is_some() {
                        let snap = self.cluster_snapshot();
                        if let (Some(list), Some(snap)) = (self.snapshots.as_mut(), snap) {
                            list.push(snap);
                        }
                    }
                }
                other => self.model.handle(other),
            }
        }
        if self.model.now() >= self.model.duration && self.model.k.peek_time().is_none_or(|t| t > self.model.duration) {
            self.finished = true;
        }
        n
    }

    /// Runs every event up to and including time `t` (capped at the run's duration).
    pub fn run_until(&mut self, t: SimTime) {
        while self.advance(t, 1 << 20) == 1 << 20 {}
    }

    /// Runs at most `event_budget` events (the app's slice); returns whether the run is over.
    pub fn step(&mut self, event_budget: u64) -> bool {
        self.advance(self.model.duration, event_budget);
        self.finished
    }

    pub fn series(&self) -> &[SecondSample] {
        self.model.series()
    }

    /// The cluster now: nodes, pods in them, the balancer's shares, cache and database.
    pub fn cluster_snapshot(&self) -> Option<ClusterSnapshot> {
        self.controllers.iter().find_map(|c| c.snapshot(&self.model))
    }

    /// Keeps a cluster snapshot at the end of every simulated second from now on (for looking
    /// back at a run); they are not part of the report.
    pub fn keep_snapshots(&mut self) {
        self.snapshots.get_or_insert_with(Vec::new);
    }

    /// The kept snapshots (`series()[i]` ↔ `[i]`), taken out.
    pub fn take_snapshots(&mut self) -> Vec<ClusterSnapshot> {
        self.snapshots.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn events(&self) -> &[LogEvent] {
        self.model.events()
    }

    pub fn summary(&self) -> Summary {
        self.model.summary()
    }

    /// Applies a live fault after the checks a scenario's `[[faults]]` get, and refuses one that
    /// would stack traffic or slowness past `limits::MAX_MULTIPLIER` or take the run past its budget.
    pub fn inject(&mut self, fault: Fault) -> Result<(), ScenarioError> {
        use crate::scenario::limits::{MAX_FAULTS, MAX_MULTIPLIER, MAX_SPAN_S};
        let err = |field: &str, m: String| Err(ScenarioError::one(format!("fault.{field}"), m));
        if self.model.faults.len() >= MAX_FAULTS * 2 {
            return err("faults", format!("at most {} faults in one run", MAX_FAULTS * 2));
        }
        let (name, x, duration, now_x) = match &fault {
            Fault::TrafficSpike { multiplier, duration } => {
                ("multiplier", *multiplier, *duration, self.model.open.as_ref().map_or(1.0, |o| o.multiplier))
            }
            Fault::SlowDependency { factor, duration } => {
                ("factor", *factor, *duration, self.model.db.as_ref().map_or(1.0, |d| d.slow_factor))
            }
            _ => {
                self.model.inject(fault);
                return Ok(());
            }
        };
        if !(x > 0.0 && x <= MAX_MULTIPLIER) {
            return err(name, format!("{} is out of range; allowed more than 0 up to {MAX_MULTIPLIER}", crate::scenario::show_num(x)));
        }
        if duration == SimTime::ZERO || duration > SimTime::from_secs_f64(MAX_SPAN_S) {
            return err("duration_s", format!("{} is out of range; allowed more than 0 up to {MAX_SPAN_S}", duration.as_secs_f64()));
        }
        if now_x * x > MAX_MULTIPLIER {
            return err(name, format!("x{x} on top of x{now_x} already in force: stacked, at most x{MAX_MULTIPLIER}"));
        }
        if let Fault::TrafficSpike { .. } = fault
            && let Some(open) = &self.model.open
        {
            // The spike's extra arrivals on top of the work already planned.
            let (t0, span) = (self.now().as_secs_f64(), duration.min(self.duration().saturating_sub(self.now())).as_secs_f64());
            let rate = open.shape.max_rate_in(t0, t0 + span) * now_x;
            let extra = rate * (x - 1.0).max(0.0) * span * self.estimate.events_per_request as f64;
            let planned = self.estimate.work.max(self.model.events_processed()) as f64;
            if planned + extra > self.guard.budget as f64 {
                return err(
                    name,
                    format!("x{x} for {span} s would add ~{extra:.0} events, over the run's work budget of {}", self.guard.budget),
                );
            }
        }
        self.model.inject(fault);
        Ok(())
    }

    /// Why the run stopped before its end (a cap of the work budget), if it did.
    pub fn error(&self) -> Option<&ScenarioError> {
        self.halted.as_ref()
    }

    /// The work estimated before the run (what the budget was checked against).
    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// `finish`, or the reason the run stopped early.
    pub fn try_finish(mut self) -> Result<Report, ScenarioError> {
        self.run_until(self.model.duration);
        match self.halted.take() {
            Some(e) => Err(e),
            None => Ok(self.finish()),
        }
    }

    /// Ships `release` now, after the same checks a scenario's `[release]` gets.
    pub fn release(&mut self, mut release: ReleaseSpec) -> Result<(), ScenarioError> {
        release.at_s = self.now().as_secs_f64();
        let issues = release.check(&self.model.version_names(), self.model.running_version as usize, self.duration().as_secs_f64());
        if !issues.is_empty() {
            return Err(ScenarioError { issues });
        }
        self.model.command(ControlCommand::Release(release));
        Ok(())
    }

    /// Rolls the current release back (a learner's or instructor's button).
    pub fn rollback(&mut self) {
        self.model.command(ControlCommand::Rollback);
    }

    /// Runs to the end (if not there yet) and grades the run.
    pub fn finish(mut self) -> Report {
        self.run_until(self.model.duration);
        let summary = self.model.summary();
        let objectives = grade::grade(&self.scenario, &summary, self.model.series(), self.model.events());
        Report {
            format: 1,
            scenario: self.scenario.id.clone(),
            seed: self.seed,
            duration_s: self.model.duration.as_secs_f64(),
            warmup_s: self.model.warmup_secs,
            events_processed: self.model.events_processed(),
            summary,
            objectives,
            series: self.model.series.clone(),
            events: self.model.log.events().to_vec(),
        }
    }
}
