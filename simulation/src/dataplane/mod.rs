//! The request-level dataplane: traffic, router, balancer, pods, cache, database, disk and
//! links on the kernel, every request simulated. It implements the `Dataplane` port the
//! control plane drives (`control.rs`); the observer reads its counters once a second.

pub mod arrivals;
pub mod balancer;
pub mod cache;
pub mod cohort;
mod control;
pub mod database;
mod dependencies;
pub mod disk;
mod faults;
pub mod link;
pub mod memory;
pub use crate::metrics;
pub mod pod;
pub mod request;
mod request_path;
mod resume;
mod serving;
pub mod station;
mod window;

use crate::event_log::{EventKind, EventLog};
use crate::fault::Fault;
use crate::kernel::{Kernel, SimTime};
use crate::port::Dataplane;
use crate::rng::{Dist, RngStream};
use crate::scenario::{Scenario, TrafficModel};
use arrivals::{ClosedUsers, OpenArrivals};
use balancer::{Balancer, Router};
use cache::Cache;
use database::Database;
use disk::Disk;
use link::Link;
use memory::PodMemory;
use metrics::Stats;
use pod::{Area, Pod, PodId, PodSpec};
use request::{RequestId, Requests};

/// Everything that can happen. The facade handles `SecondTick` (the observer) and `Controller`
/// (the control plane); the rest is the request path's.
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

pub(crate) struct Version {
    pub(crate) name: String,
    pub(crate) dist: Dist,
    pub(crate) error_rate: f64,
    pub(crate) extra: SimTime,
    pub(crate) service_rng: RngStream,
    pub(crate) error_rng: RngStream,
    /// A leaking release: MiB per request served.
    pub(crate) leak_mi_per_request: f64,
    /// Ready pods of this version: what the balancer chooses from.
    pub(crate) endpoints: Vec<PodId>,
}

/// The request-level engine: every request simulated through the path. Its control-plane API
/// is the `Dataplane` port (`control.rs`).
pub struct Engine {
    pub(crate) k: Kernel<Event>,
    pub(crate) duration: SimTime,
    pub(crate) pods: Vec<Pod>,
    pub(crate) versions: Vec<Version>,
    pub(crate) router: Router,
    pub(crate) balancer: Balancer,
    pub(crate) open: Option<OpenArrivals>,
    pub(crate) closed: Option<ClosedUsers>,
    pub(crate) cache: Option<Cache>,
    pub(crate) db: Option<Database>,
    pub(crate) timeout: Option<SimTime>,
    pub(crate) sli_us: Option<u64>,
    pub(crate) reqs: Requests,
    pub(crate) pod_spec: PodSpec,
    /// Pod memory (the leak comes from the version); `memory_on`: the scenario models memory,
    /// so the series and summary report it.
    pub(crate) memory: PodMemory,
    pub(crate) memory_on: bool,
    /// `[network]`: (Gbps per link, kB per response); links by index, and each node's link.
    pub(crate) network: Option<(f64, f64)>,
    pub(crate) links: Vec<Link>,
    pub(crate) node_links: Vec<Option<u32>>,
    pub(crate) grace: SimTime,
    // Time-weighted levels (service-wide).
    pub(crate) in_system: Area,
    pub(crate) queued: Area,
    pub(crate) busy: Area,
    pub(crate) cpu: Area,
    pub(crate) capacity: Area,
    pub(crate) live_pods: Area,
    /// Live pods not on a dead node: the CPU they request is what `cpu_utilization` divides by.
    pub(crate) serving_pods: Area,
    pub(crate) window: Stats,
    pub(crate) window_start: SimTime,
    pub(crate) log: EventLog,
    pub(crate) faults: Vec<Fault>,
    /// Machine faults (a node, a zone) for the cluster, handed over by the facade.
    pub(crate) machine_faults: Vec<Fault>,
    /// When the first incident (a fault, a release, an image push) happened, whole seconds.
    pub(crate) incident_at_s: Option<u64>,
    /// The most recent log entry that can explain what follows (a fault, a pod change).
    pub(crate) last_cause: Option<usize>,
    /// With a `mixed_users` objective: the versions each (sampled) user was served by, from the
    /// end of the warm-up.
    pub(crate) cohorts: Option<cohort::Cohorts>,
    pub(crate) warmup: SimTime,
}

impl Engine {
    pub fn new(sc: &Scenario, seed: u64) -> Self {
        let mut m = Self::empty(sc, seed);
        // Initial pods, ready at t = 0.
        for (vi, v) in sc.versions().iter().enumerate() {
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
        let faults: Vec<(SimTime, Fault)> = sc.faults.iter().map(|f| (SimTime::from_secs_f64(f.at_s), Fault::from_spec(f))).collect();
        m.start(0, &faults, false);
        m
    }

    /// The engine of `sc` with no pod, nothing scheduled and its clock at 0.
    fn empty(sc: &Scenario, seed: u64) -> Self {
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
        Engine {
            k: Kernel::new(),
            duration,
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
            cohorts: sc
                .uses_metric(crate::scenario::Metric::MixedUsers)
                .then(|| cohort::Cohorts::new(sc.traffic.users.unwrap_or(cohort::SAMPLE as u32))),
            warmup: SimTime::from_secs(sc.warmup_s),
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
            log: EventLog::new(10_000),
            faults: Vec::new(),
            machine_faults: Vec::new(),
            incident_at_s: None,
            last_cause: None,
        }
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

    /// The kernel's next event up to `limit`, or `None` (then the clock moves to `limit`).
    pub(crate) fn next_until(&mut self, limit: SimTime) -> Option<Event> {
        let ev = self.k.next_until(limit);
        if ev.is_none() {
            self.k.advance_to(limit);
        }
        ev
    }

    /// No event is left within the run.
    pub(crate) fn drained(&mut self) -> bool {
        self.k.peek_time().is_none_or(|t| t > self.duration)
    }

    /// Schedules the control plane's next tick (the facade runs it).
    pub(crate) fn schedule_controller(&mut self, at: SimTime) {
        self.k.schedule(at, Event::Controller(0));
    }

    /// Requests in flight (the guard's memory cap).
    pub fn requests_live(&self) -> usize {
        self.reqs.live()
    }

    pub fn pod(&self, id: PodId) -> Option<&Pod> {
        self.pods.get(id.0 as usize)
    }

    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    pub fn events(&self) -> &[crate::event_log::LogEvent] {
        self.log.events()
    }


    /// Machine faults since the last call: the facade hands them to the cluster.
    pub(crate) fn take_machine_faults(&mut self) -> Vec<Fault> {
        std::mem::take(&mut self.machine_faults)
    }

    /// The first incident's second, if one happened.
    pub fn incident_at_s(&self) -> Option<u64> {
        self.incident_at_s
    }


}
