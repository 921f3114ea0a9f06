//! Scale Dojo's simulation engine. Pure Rust: no browser, no wall clock, no OS entropy.
//!
//! A tiny kernel (`kernel`) with everything else as library code on top: traffic, the request
//! path (router, balancer, pods, cache, database), metrics, the causal log, the scenario format
//! and grading. `Simulation` is the facade the app and the `simulate` runner use.

pub mod balancer;
pub mod budget;
pub mod cache;
pub mod cohort;
pub mod control_plane;
pub mod database;
pub mod disk;
pub mod event_log;
pub mod grade;
pub mod kernel;
pub mod kube;
pub mod link;
pub mod memory;
pub mod metrics;
pub mod pod;
pub mod queueing;
pub mod report;
pub mod request;
pub mod rng;
pub mod scenario;
pub mod simulation;
pub mod station;
pub mod traffic;
pub mod wording;

pub use kernel::SimTime;
pub use report::{Report, SecondSample, Summary};
pub use scenario::{Scenario, ScenarioError};
pub use simulation::{ControlCommand, Controller, Fault, Model, Simulation};
