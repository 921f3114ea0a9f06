//! Scale Dojo's simulation engine. Pure Rust: no browser, no wall clock, no OS entropy.
//!
//! Layers, each seeing only those below it (`tests/boundaries.rs` enforces it):
//! the kernel (`kernel`, `rng`) and the pure decision functions (`kube`); the scenario and
//! the causal log; the `port` between cluster and dataplane; the request-level `dataplane`
//! and the `control_plane` (store and controllers, through the port only); the `observer`
//! (per-second samples, summary, cost); `grade`; `report`; and the `Simulation` facade.

pub mod budget;
pub mod control_plane;
pub mod dataplane;
pub mod event_log;
pub mod flow;
pub mod fault;
pub mod grade;
pub mod kernel;
pub mod kube;
pub mod metrics;
pub mod observer;
pub mod port;
pub mod queueing;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod serving;
pub mod simulation;
pub mod traffic;
pub mod wording;

pub use control_plane::ControlCommand;
pub use fault::Fault;
pub use kernel::SimTime;
pub use report::{Report, SecondSample, Summary};
pub use scenario::{Scenario, ScenarioError};
pub use simulation::Simulation;
