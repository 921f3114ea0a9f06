//! The causal event log: what happened, when (simulated time), and what caused it, so a grade
//! can say "pod-2 killed at 01:02 → queue full → p99 broke 300 ms at 01:12". Events are data
//! (a kind with its facts); `wording` puts them in words, in Korean and English.

use crate::kernel::SimTime;
use crate::kube::hpa::controller::ReconcileReason;
use crate::scenario::{ReleaseStrategy, TagPolicy};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    /// Simulated time in seconds (µs precision).
    pub t: f64,
    pub kind: EventKind,
    /// Index of the earlier event that caused this one.
    pub cause: Option<usize>,
}

/// How a serving pod ended.
#[derive(Clone, Debug, PartialEq)]
pub enum PodEnd {
    /// Finished its work after a graceful stop.
    Terminated,
    /// Killed at once (a fault, its node NotReady).
    Killed,
    /// The kernel's OOM killer: memory in use over the container's limit, MiB.
    OomKilled { used_mi: f64, limit_mi: f64 },
    /// Never served: no room for it on any node at the start.
    NoRoom,
}

/// What a node fault aimed at.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeTarget {
    Zone(String),
    Node(String),
    AnyNode,
}

/// Why the Deployment controller resized a ReplicaSet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ScaleWhy {
    Proportional,
    RollingSurge,
    ReplicasChanged,
    RollingDown,
    RecreateStop,
    RecreateStart,
}

/// The Deployment's strategy as a rollout starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RolloutHow {
    Recreate,
    RollingUpdate { max_surge: i32, max_unavailable: i32 },
}

/// CPU the HPA acted on: the mean over the ready pods with a sample, in % of the request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CpuUse {
    pub percent: i64,
    pub pods: i64,
}

/// Why a container died (the kubelet restarts it after its back-off).
#[derive(Clone, Debug, PartialEq)]
pub enum CrashWhy {
    /// Exit code 1 as it started.
    OnStart,
    /// Over its memory limit with requests in flight, MiB.
    OomInFlight { used_mi: f64, limit_mi: f64 },
    /// Over its limit from a leak, after serving `served` requests.
    OomLeak { used_mi: f64, limit_mi: f64, served: u64 },
}

/// One failed measurement of a release's analysis.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum AnalysisMiss {
    /// Error rate over its maximum (fractions).
    ErrorRate { rate: f64, max: f64 },
    /// The p99 over its maximum, ms.
    P99 { ms: f64, max_ms: f64 },
}

/// Why a release was aborted.
#[derive(Clone, Debug, PartialEq)]
pub enum AbortWhy {
    GreenDeadline,
    RolloutDeadline,
    ByHand,
    Analysis { failures: usize, allowed: i32, misses: Vec<AnalysisMiss> },
}

/// What happened, with its facts.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// The run started with `pods` ready pods of `workers` workers each.
    Start {
        pods: usize,
        workers: u32,
    },
    PodTerminating {
        pod: String,
        grace_s: f64,
    },
    PodEnded {
        pod: String,
        end: PodEnd,
    },
    /// A kind of failure started, `count` of them in its first second.
    FailureOnset {
        cause: FailCause,
        count: u64,
    },
    /// Fault: kill a pod (`None`: there was no live pod).
    FaultKillPod {
        pod: Option<String>,
    },
    FaultTrafficSpike {
        multiplier: f64,
        duration_s: f64,
    },
    FaultSlowDatabase {
        factor: f64,
        duration_s: f64,
    },
    FaultCacheFlush,
    TrafficSpikeOver,
    DatabaseNormal,
    /// A node fault that found no running node.
    NodeFaultMissed {
        target: NodeTarget,
    },
    /// A node died (`zone`: the lost zone that took it); its pods stay endpoints for now.
    NodeDown {
        node: String,
        zone: Option<String>,
        pods: Vec<String>,
    },
    NodeJoined {
        node: String,
    },
    NodeNotReady {
        node: String,
        grace_s: f64,
        eviction_s: f64,
    },
    NodeEvicting {
        node: String,
        pods: Vec<String>,
    },
    NodeRemoved {
        node: String,
    },
    DeploymentScaled {
        replica_set: String,
        from: i32,
        to: i32,
        why: ScaleWhy,
    },
    DeploymentComplete {
        replica_set: String,
        available: i32,
    },
    DeploymentRollingOut {
        replica_set: String,
        how: RolloutHow,
    },
    ReplicaSetCreating {
        replica_set: String,
        have: usize,
        want: i32,
        pods: Vec<String>,
    },
    ReplicaSetDeleting {
        replica_set: String,
        have: usize,
        want: i32,
        pods: Vec<String>,
    },
    /// The scheduler found no node (`why`: Kubernetes' "0/3 nodes available: …").
    PodsPending {
        pods: Vec<String>,
        why: String,
        cpu_m: i64,
        memory_mi: i64,
    },
    HpaScaled {
        reason: ReconcileReason,
        cpu: Option<CpuUse>,
        target: i32,
        from: i32,
        to: i32,
    },
    HpaAtMax {
        cpu: Option<CpuUse>,
        target: i32,
        max: i32,
    },
    PodsReady {
        pods: Vec<String>,
    },
    ContainerCrashed {
        pod: String,
        why: CrashWhy,
        restarts: u32,
        backoff_s: i64,
    },
    /// A container pulled a mutable tag and runs `runs`, not its template's `template`.
    ImageDrift {
        pod: String,
        app: String,
        template: String,
        runs: String,
    },
    Evicted {
        node: String,
        available_mi: f64,
        threshold_mi: f64,
        pod: String,
        usage_mi: f64,
        request_mi: f64,
    },
    NodesAdded {
        unschedulable: usize,
        count: i32,
        node_type: String,
        group: String,
        nodes: Vec<String>,
        ready_in_s: f64,
    },
    NodeDraining {
        node: String,
        unneeded_s: i64,
        threshold_percent: f64,
        pods: usize,
    },
    PipelineMerged {
        version: String,
    },
    PipelineCaught {
        pushed: bool,
    },
    PipelinePassed {
        missed_bug: bool,
    },
    PipelinePushed {
        app: String,
        version: String,
        tag: TagPolicy,
    },
    /// A stage's role lacks the action it needs (AccessDenied): the pipeline stops, nothing ships.
    PipelineDenied {
        stage: crate::scenario::permissions::Stage,
        role: &'static str,
        action: &'static str,
    },
    ReleaseShipping {
        version: String,
        strategy: ReleaseStrategy,
    },
    ReleaseRefused {
        version: String,
    },
    ReleaseCancelled {
        version: String,
    },
    ReleaseAborting {
        why: AbortWhy,
    },
    ReleaseComplete {
        version: String,
        strategy: ReleaseStrategy,
    },
    NothingToRollBack,
    AlreadyRolledBack,
    /// Rolled back to `to` at `at`: at once by traffic (`instant`) or by a rollout undo.
    RolledBack {
        to: String,
        instant: bool,
        at: SimTime,
    },
    GreenStarting {
        version: String,
    },
    GreenSwitched {
        version: String,
    },
    CanaryStep {
        step: usize,
        weight: u32,
    },
    CanaryPromoting {
        version: String,
    },
    AbCohort {
        version: String,
        percent: u32,
    },
    AnalysisMissed {
        failures: usize,
        allowed: i32,
        misses: Vec<AnalysisMiss>,
    },
}

impl EventKind {
    /// The tag a line is filed under (the JSON's `kind`; the app's filter and CSS class).
    pub fn tag(&self) -> &'static str {
        use EventKind::*;
        match self {
            Start { .. } => "start",
            PodTerminating { .. } => "pod_terminating",
            PodEnded { end: PodEnd::Terminated, .. } => "pod_gone",
            PodEnded { end: PodEnd::Killed, .. } => "pod_killed",
            PodEnded { end: PodEnd::OomKilled { .. }, .. } => "pod_oom_killed",
            PodEnded { end: PodEnd::NoRoom, .. } => "pod_pending",
            FailureOnset { cause, .. } => cause.name(),
            FaultKillPod { .. } | FaultTrafficSpike { .. } | FaultSlowDatabase { .. } | FaultCacheFlush => "fault",
            NodeFaultMissed { .. } | NodeDown { .. } => "fault",
            TrafficSpikeOver | DatabaseNormal => "fault_end",
            NodeJoined { .. } | NodeNotReady { .. } | NodeEvicting { .. } => "node",
            NodeRemoved { .. } | NodesAdded { .. } | NodeDraining { .. } => "cluster_autoscaler",
            DeploymentScaled { .. } | DeploymentComplete { .. } | DeploymentRollingOut { .. } => "deployment",
            ReplicaSetCreating { .. } | ReplicaSetDeleting { .. } => "replicaset",
            PodsPending { .. } => "scheduler",
            HpaScaled { .. } | HpaAtMax { .. } => "hpa",
            PodsReady { .. } | ContainerCrashed { .. } | ImageDrift { .. } => "kubelet",
            Evicted { .. } => "eviction",
            PipelineMerged { .. } | PipelineCaught { .. } | PipelinePassed { .. } | PipelinePushed { .. } | PipelineDenied { .. } => "pipeline",
            ReleaseShipping { .. }
            | ReleaseRefused { .. }
            | ReleaseCancelled { .. }
            | ReleaseAborting { .. }
            | ReleaseComplete { .. }
            | NothingToRollBack
            | AlreadyRolledBack
            | RolledBack { .. }
            | GreenStarting { .. }
            | GreenSwitched { .. }
            | CanaryStep { .. }
            | CanaryPromoting { .. }
            | AbCohort { .. }
            | AnalysisMissed { .. } => "release",
        }
    }
}

#[derive(Default)]
pub struct EventLog {
    events: Vec<LogEvent>,
    /// Cap so a pathological scenario cannot grow the log without bound.
    limit: usize,
}

impl EventLog {
    pub fn new(limit: usize) -> Self {
        EventLog { events: Vec::new(), limit }
    }

    /// Appends an event and returns its index (to cite as a cause).
    pub fn push(&mut self, t: SimTime, kind: EventKind, cause: Option<usize>) -> Option<usize> {
        if self.events.len() >= self.limit {
            return None;
        }
        self.events.push(LogEvent { t: t.as_secs_f64(), kind, cause });
        Some(self.events.len() - 1)
    }

    pub fn events(&self) -> &[LogEvent] {
        &self.events
    }

    /// The latest event at or before `t` (seconds), to blame a change on.
    pub fn last_before(&self, t: f64) -> Option<usize> {
        self.events.iter().rposition(|e| e.t <= t)
    }
}

/// Why a request did not get a good response. Counted separately in every metric.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailCause {
    /// The pod's queue was full (HTTP 503 from the pod).
    Rejected,
    /// The client's deadline passed before the response.
    TimedOut,
    /// The version's own error rate (HTTP 500).
    Error,
    /// The pod died with the request queued or in service.
    PodKilled,
    /// No ready endpoint in the service (HTTP 503 from the load balancer).
    NoEndpoint,
}

impl FailCause {
    pub const ALL: [FailCause; 5] =
        [FailCause::Rejected, FailCause::TimedOut, FailCause::Error, FailCause::PodKilled, FailCause::NoEndpoint];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            FailCause::Rejected => "rejected",
            FailCause::TimedOut => "timed_out",
            FailCause::Error => "error",
            FailCause::PodKilled => "pod_killed",
            FailCause::NoEndpoint => "no_endpoint",
        }
    }
}
