//! Faults, scheduled by a scenario's `[[faults]]` or injected live: on the request path (a pod,
//! the traffic, the database, the cache) or on machines (a node, a zone), which the cluster handles.

use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::port::PodId;
use crate::scenario::{FaultKind, FaultSpec};

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
    pub fn from_spec(f: &FaultSpec) -> Fault {
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

    /// The log entry of a fault on the request path, naming the pod it kills (if one lives);
    /// `None` for a machine fault, which the control plane logs with what it hit.
    pub fn event(&self, pod: Option<String>) -> Option<EventKind> {
        Some(match self {
            Fault::KillPod(_) => EventKind::FaultKillPod { pod },
            Fault::TrafficSpike { multiplier, duration } => EventKind::FaultTrafficSpike { multiplier: *multiplier, duration_s: duration.as_secs_f64() },
            Fault::SlowDependency { factor, duration } => EventKind::FaultSlowDatabase { factor: *factor, duration_s: duration.as_secs_f64() },
            Fault::CacheFlush => EventKind::FaultCacheFlush,
            Fault::KillNode(_) | Fault::LoseZone(_) => return None,
        })
    }
}

impl Fault {
    /// A machine fault: the cluster's node lifecycle handles it, not the request path.
    pub fn on_machines(&self) -> bool {
        matches!(self, Fault::KillNode(_) | Fault::LoseZone(_))
    }
}
