//! The flow engine's state at an instant, handed to another engine (a zoom into a minute):
//! its pods with the requests they hold as expected levels, and the routing.

use super::FlowEngine;
use super::pod::PodState;
use crate::serving::{Handover, PodHandover};

impl FlowEngine {
    /// The serving side now; the facade adds the faults and whether `at` has settled.
    pub fn handover(&self) -> Handover {
        let pods = self
            .pods
            .iter()
            .map(|p| PodHandover {
                id: p.id,
                name: p.name.clone(),
                version: p.version,
                image: p.image,
                weight: p.weight,
                ready: p.ready,
                terminating: p.state == PodState::Terminating,
                gone: p.state == PodState::Gone,
                unreachable: p.unreachable,
                busy: p.busy,
                waiting: p.waiting,
            })
            .collect();
        Handover {
            at: self.k.now(),
            pods,
            weights: self.weights.clone(),
            routing: self.routing,
            faults: Vec::new(),
            settled: true,
            incident_at_s: self.incident_at_s,
        }
    }
}
