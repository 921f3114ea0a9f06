//! The port between the cluster and a dataplane: exactly what kube-proxy, the kubelet and
//! metrics-server see of the serving side. Controllers drive a `&mut dyn Dataplane` and never
//! name the engine behind it, so a request-level engine (`dataplane::Engine`) and a flow-level
//! one can serve the same control plane.

use crate::event_log::EventKind;
use crate::kernel::SimTime;
pub use crate::scenario::RoutingMode;
use serde::Serialize;

/// A serving pod in the dataplane (its process: the container the kubelet started).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PodId(pub u32);

/// How a serving pod's process ended, as its kubelet learns it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ProcessEnd {
    /// Drained after termination, killed, or never known.
    Exited,
    /// The kernel's OOM killer ended it: memory in use and the limit it passed, MiB.
    OomKilled { used_mi: f64, limit_mi: Option<f64> },
}

/// A serving pod's memory as the kubelet reads it (cAdvisor).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct MemoryReading {
    /// The process still runs (not ended).
    pub live: bool,
    pub used_mi: f64,
    pub limit_mi: Option<f64>,
    /// The build it runs leaks memory with every request it serves.
    pub leaking: bool,
    pub over_limit: bool,
    pub served: u64,
}

/// What the request path offers the control plane.
pub trait Dataplane {
    fn now(&self) -> SimTime;
    /// Version names, in scenario order (their index is a pod's `version`).
    fn version_names(&self) -> Vec<String>;

    // kubelet: the pod's process.
    /// Starts a serving pod of `version`; not ready (no endpoint) yet.
    fn add_pod(&mut self, version: u16) -> PodId;
    /// Its node (index): responses leave through that node's link.
    fn place_pod(&mut self, id: PodId, node: usize);
    /// The build its container runs (a mutable tag resolved at start).
    fn set_pod_image(&mut self, id: PodId, image: u16);
    /// The name the API gave it (`web-v1-3`), for the log.
    fn rename_pod(&mut self, id: PodId, name: String);
    /// Graceful stop: out of the endpoints, drains its work, killed after the grace period.
    fn start_termination(&mut self, id: PodId);
    /// Abrupt death: its queued and in-flight requests fail.
    fn kill_pod(&mut self, id: PodId);
    /// The kubelet saw its memory over the limit: the container is OOM-killed.
    fn oom_kill(&mut self, id: PodId);
    /// Its node died: it answers nothing but stays an endpoint until removed.
    fn make_unreachable(&mut self, id: PodId);
    /// A pod the scenario started with that found no room on any node.
    fn discard_pod(&mut self, id: PodId);
    /// The version a serving pod was created for.
    fn pod_version(&self, id: PodId) -> Option<u16>;
    /// `None` while it runs.
    fn process_ended(&self, id: PodId) -> Option<ProcessEnd>;
    fn pod_memory(&self, id: PodId) -> Option<MemoryReading>;
    /// The eviction manager evicted a pod (counted with the second's OOM kills).
    fn record_eviction(&mut self);

    // kube-proxy: endpoints and routing.
    /// Puts a running pod into (or out of) its version's endpoints.
    fn set_ready(&mut self, id: PodId, ready: bool);
    /// Traffic shares per version (canary steps, blue/green switch).
    fn set_version_weights(&mut self, weights: &[u32]);
    fn set_routing_mode(&mut self, mode: RoutingMode);
    /// The weight the router means for each version now.
    fn version_weights(&self) -> Vec<u32>;

    // metrics-server.
    /// CPU used over the last closed second, millicores.
    fn pod_cpu_millicores(&self, id: PodId) -> Option<f64>;

    // The causal log and the recovery clock, shared by both sides.
    /// Appends to the causal log, citing the latest cause; returns the entry's index.
    fn log_event(&mut self, kind: EventKind) -> Option<usize>;
    /// A release or an image push disturbs the service: the recovery clock starts (first one only).
    fn mark_incident(&mut self);
}

/// One version's requests over a span of whole seconds, as a metrics backend (Prometheus)
/// answers a release analysis.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct VersionWindow {
    pub offered: u64,
    pub failed: u64,
    /// The worst per-second p99 in the span, ms.
    pub worst_p99_ms: Option<f64>,
}

/// The metrics backend the release analysis queries.
pub trait Metrics {
    /// Version `version`'s requests in the seconds from `from_s` on.
    fn version_since(&self, version: u16, from_s: u64) -> VersionWindow;
}
