//! How a Service spreads requests: the balancer's choice of a ready pod, and the router's
//! choice of a version (by weight, by user cohort, or by each version's share of endpoints).

use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancerKind {
    RoundRobin,
    LeastConnections,
    Random,
    PowerOfTwo,
    Weighted,
}

impl BalancerKind {
    pub const NAMES: &'static str = "round_robin, least_connections, random, power_of_two, weighted";
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    /// Each request independently, by version weight (canary).
    Weight,
    /// Each user sticks to a version: the user-id bucket decides (A/B cohort).
    Cohort,
    /// A plain Service: every ready endpoint alike, so a version's share is its share of pods.
    Endpoints,
}
