//! Where the flow engine is the reference, from the scenario alone: the reasons a scenario lies
//! outside the region the validation matrix measured (`docs/flow-engine.md`, "The map of
//! validity"; `tests/flow_validation.rs` ties each rule to the matrix's verdicts). Pure: typed
//! reasons with their facts, no words (`wording::flow_outside`).
//!
//! What a static check cannot see is the run's dynamics: pods short while the HPA and the
//! Cluster Autoscaler catch up, plateaus on the HPA's tolerance band. Those stay in the doc.

use crate::queueing::Station;
use crate::rng::Dist;
use crate::scenario::{BalancerKind, DistKind, DistSpec, EngineKind, FaultKind, Scenario, TrafficModel};
use serde::Serialize;

/// Why a scenario lies outside the measured valid region, with the facts the rule read.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OutsideFlow {
    /// Power of two choices: pooled like least connections, which is optimistic (mean −7 % to −47 %).
    PowerOfTwo,
    /// Least connections over pods with few workers: join-the-shortest-queue is not one shared queue.
    FewWorkersPooled { workers_per_pod: u32 },
    /// Service less variable than exponential (deterministic) where requests wait: Allen–Cunneen's
    /// factor on an exponential wait tail overestimates the waits. `waiting`: Erlang C's
    /// probability of waiting at one pod at `rho`.
    LowVariabilityServiceWithWaiting { scv: f64, workers_per_pod: u32, rho: f64, waiting: f64 },
    /// A heavy-tailed service on few workers per pod: the wait's shape is wrong.
    HeavyTailFewWorkers { scv: f64, workers_per_pod: u32, rho: f64 },
    /// A log-normal service with a heavier tail (σ) than any the matrix measured.
    TailBeyondMeasured { sigma: f64 },
    /// The peak's load over the most pods the scenario can have is near or over capacity.
    NearCapacity { rho: f64 },
    /// A bounded queue that turns away a measurable share of requests (M/M/c/K at `rho`).
    QueueTurnsAway { queue_capacity: u32, rho: f64, share: f64 },
    /// A client timeout that a measurable share of responses passes (M/M/c at `rho`, or the
    /// service's own tail, whichever is larger).
    TimeoutsFire { timeout_ms: f64, rho: f64, share: f64 },
}

/// How a run asked for on the flow engine went when the scenario lies outside the region.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowOutside {
    /// `Request`: the run fell back to the request engine and is exact. `Flow`: it ran on the
    /// flow engine (too big for the request engine, or asked for explicitly) and is approximate.
    pub ran_on: EngineKind,
    pub reasons: Vec<OutsideFlow>,
}

/// Steady load measured valid up to here (ρ 0.95 with exponential service at every pod shape).
pub const MAX_RHO: f64 = 0.95;
/// Less variable service is valid while Erlang C's waiting probability stays below this
/// (valid points up to 0.059, outside from 0.174).
pub const MAX_WAITING_LOW_VARIABILITY: f64 = 0.1;
/// Least connections measured valid from 4 workers per pod (1 is outside).
pub const MIN_WORKERS_POOLED: u32 = 4;
/// Heavy tails measured valid from 4 workers per pod up to ρ 0.8, from 8 (and 16, 64) at every load.
pub const MIN_WORKERS_HEAVY_TAIL: u32 = 4;
pub const MIN_WORKERS_HEAVY_TAIL_HIGH_LOAD: u32 = 8;
pub const HIGH_LOAD_HEAVY_TAIL: f64 = 0.8;
/// The heaviest tail measured: log-normal σ = 1 (squared coefficient of variation 1.72).
pub const MAX_SIGMA: f64 = 1.0;
/// Rejections or timeouts above this share of requests (0.01 %) are where the failed-requests
/// tolerance's absolute allowance ends: the matrix measured their share off by 10 % to 54 %.
pub const MAX_FAILING_SHARE: f64 = 1e-4;
/// Float slack on the measured bounds (a matrix point's rates are written to 3 decimals).
const SLACK: f64 = 1e-3;

/// Every reason `sc` lies outside the measured valid region; empty inside it.
pub fn outside(sc: &Scenario) -> Vec<OutsideFlow> {
    let mut out = Vec::new();
    let workers = sc.service.workers;
    match sc.service.balancer {
        BalancerKind::PowerOfTwo => out.push(OutsideFlow::PowerOfTwo),
        BalancerKind::LeastConnections if workers < MIN_WORKERS_POOLED => {
            out.push(OutsideFlow::FewWorkersPooled { workers_per_pod: workers })
        }
        _ => {}
    }
    let (rate, pods) = (peak_rate(sc), most_pods(sc));
    let heaviest = heaviest_share(sc);
    for spec in service_times(sc) {
        let (dist, scv) = (spec.build(), spec.build().scv());
        // The load one pod carries at the peak (the heaviest pod under weights), each service
        // time as if every request had it. A lower bound at the peak: the most pods the
        // scenario can have (the HPA's ceiling, as many as its nodes hold), as if the
        // autoscalers had caught up; while they catch up, the load is higher (dynamics, not seen here).
        let capacity = f64::from(pods) * f64::from(workers) / (dist.mean_us() / 1e6);
        let rho = if capacity > 0.0 { (rate / capacity * heaviest).min(1e6) } else { 1e6 };
        for r in rules(sc, &dist, scv, spec, rho) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// The rules of the service shape, the load, the queue and the timeout at one service time.
fn rules(sc: &Scenario, dist: &Dist, scv: f64, spec: &DistSpec, rho: f64) -> Vec<OutsideFlow> {
    let mut out = Vec::new();
    let c = sc.service.workers.max(1);
    let mean_ms = dist.mean_us() / 1e3;
    let station = |capacity: Option<u32>| Station {
        servers: c,
        capacity: capacity.map(|q| c.saturating_add(q)),
        arrival_rate: rho * f64::from(c) / mean_ms,
        service_rate: 1.0 / mean_ms,
    };
    if scv < 1.0 - SLACK {
        let waiting = station(None).solve().map_or(1.0, |s| s.p_wait);
        if waiting > MAX_WAITING_LOW_VARIABILITY {
            out.push(OutsideFlow::LowVariabilityServiceWithWaiting { scv, workers_per_pod: c, rho, waiting });
        }
    }
    if scv > 1.0 + SLACK && (c < MIN_WORKERS_HEAVY_TAIL || (c < MIN_WORKERS_HEAVY_TAIL_HIGH_LOAD && rho > HIGH_LOAD_HEAVY_TAIL + SLACK)) {
        out.push(OutsideFlow::HeavyTailFewWorkers { scv, workers_per_pod: c, rho });
    }
    if spec.kind == DistKind::LogNormal && let Some(sigma) = spec.sigma.filter(|s| *s > MAX_SIGMA + SLACK) {
        out.push(OutsideFlow::TailBeyondMeasured { sigma });
    }
    if rho > MAX_RHO + SLACK {
        out.push(OutsideFlow::NearCapacity { rho });
    }
    let queue = sc.service.queue_capacity;
    let solved = station(queue).solve().ok();
    if let Some(q) = queue {
        let share = solved.as_ref().map_or(1.0, |s| s.p_block);
        if share > MAX_FAILING_SHARE {
            out.push(OutsideFlow::QueueTurnsAway { queue_capacity: q, rho, share });
        }
    }
    if let Some(t) = sc.service.timeout_ms {
        // Exponential service at the station (optimistic for heavy tails: their own tail too).
        let queued = solved.as_ref().map_or(1.0, |s| s.response_survival(t));
        let share = queued.max(dist.survival_us(t * 1e3));
        if share > MAX_FAILING_SHARE {
            out.push(OutsideFlow::TimeoutsFire { timeout_ms: t, rho, share });
        }
    }
    out
}

/// The service times requests may have: the service's and each version's own.
fn service_times(sc: &Scenario) -> Vec<&DistSpec> {
    let mut specs = vec![&sc.service.service_time];
    for v in &sc.versions {
        if let Some(s) = &v.service_time
            && !specs.contains(&s)
        {
            specs.push(s);
        }
    }
    specs
}

/// The highest arrival rate of the run, requests/s: the open model's shape with the traffic
/// spikes in force; the closed model's most users over think plus service time.
pub fn peak_rate(sc: &Scenario) -> f64 {
    match sc.traffic.model {
        TrafficModel::Closed => {
            let (users, _) = crate::budget::closed_users(sc);
            let cycle_s = (sc.traffic.think_time_ms.unwrap_or(0.0) + sc.service.service_time.build().mean_us() / 1e3) / 1e3;
            if cycle_s > 0.0 { users / cycle_s } else { f64::INFINITY }
        }
        TrafficModel::Open => {
            let shape = sc.shape();
            let spikes: Vec<(f64, f64, f64)> = sc
                .faults
                .iter()
                .filter(|f| f.kind == FaultKind::TrafficSpike)
                .map(|f| (f.at_s, f.at_s + f.duration_s.unwrap_or(0.0), f.multiplier.unwrap_or(1.0).max(1.0)))
                .collect();
            // Between the spikes' edges the multiplier is constant: the shape's bound over each piece.
            let d = sc.duration_s as f64;
            let mut edges: Vec<f64> = spikes.iter().flat_map(|s| [s.0, s.1]).filter(|t| *t > 0.0 && *t < d).collect();
            edges.extend([0.0, d]);
            // The engine's one compiled sort (std's would be one more copy in the wasm).
            let edges = crate::kube::stable_sorted(edges, &|a: &f64, b: &f64| a.total_cmp(b));
            let max = crate::scenario::limits::MAX_MULTIPLIER;
            edges
                .windows(2)
                .map(|w| {
                    let m: f64 = spikes.iter().filter(|(a, b, _)| *a < w[1] && *b > w[0]).map(|x| x.2).product();
                    shape.max_rate_in(w[0], w[1]) * m.min(max)
                })
                .fold(0.0, f64::max)
        }
    }
}

/// The most pods that serve at the peak: the HPA's ceiling (or the starting replicas), as
/// many as the node groups can hold at their largest.
pub fn most_pods(sc: &Scenario) -> u32 {
    let start: u32 = sc.versions().iter().map(|v| v.replicas.unwrap_or(0)).sum::<u32>().max(sc.deployment.replicas);
    // The HPA keeps the Deployment within its ceiling, whatever it starts with.
    let wanted = sc.hpa.as_ref().map_or(start, |h| h.max_replicas);
    let Some(cluster) = &sc.cluster else { return wanted };
    let autoscaled = sc.cluster_autoscaler.as_ref().is_some_and(|ca| ca.enabled);
    let (cpu, memory) = (sc.service.cpu_request().max(1), sc.deployment.memory_request_mi.max(1));
    let room: u32 = cluster
        .node_groups
        .iter()
        .map(|g| {
            let per_node = cluster.node_types.iter().find(|t| t.name == g.node_type).map_or(0, |t| (t.cpu_m / cpu).min(t.memory_mi / memory).min(t.max_pods));
            let nodes = if autoscaled { g.max.unwrap_or(g.nodes).max(g.nodes) } else { g.nodes };
            per_node.saturating_mul(nodes)
        })
        .fold(0u32, u32::saturating_add);
    wanted.min(room)
}

/// The heaviest pod's share over an even share: the weighted balancer's largest weight over
/// the mean weight of the starting pods (1 for every other balancer).
fn heaviest_share(sc: &Scenario) -> f64 {
    let w = &sc.deployment.pod_weights;
    if sc.service.balancer != BalancerKind::Weighted || w.is_empty() {
        return 1.0;
    }
    let n = sc.deployment.replicas.max(1) as usize;
    let weights: Vec<f64> = (0..n).map(|i| f64::from(w.get(i).copied().unwrap_or(1))).collect();
    let total: f64 = weights.iter().sum();
    if total > 0.0 { weights.iter().copied().fold(0.0, f64::max) * n as f64 / total } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::OutsideFlow::*;
    use super::*;

    /// A scenario of `pods` pods of `workers` workers at load `rho` (exponential 100 ms service,
    /// round robin), with `service` and `extra` lines in its `[service]` table and after it.
    fn at(rho: f64, workers: u32, pods: u32, service: &str, extra: &str) -> Scenario {
        let rps = rho * f64::from(workers * pods) / 0.1;
        let exp = if service.contains("service_time") { "" } else { "service_time = { kind = \"exponential\", mean_ms = 100 }" };
        let text = format!(
            "format = 1\nid = \"v\"\nchapter = \"load\"\ntitle = {{ ko = \"v\", en = \"v\" }}\nduration_s = 60\n\
             [traffic]\nmodel = \"open\"\nshape = {{ kind = \"constant\", rps = {rps} }}\n\
             [service]\nworkers = {workers}\n{exp}\n{service}\n\
             [deployment]\nreplicas = {pods}\n{extra}"
        );
        Scenario::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn kinds(sc: &Scenario) -> Vec<&'static str> {
        outside(sc)
            .iter()
            .map(|r| match r {
                PowerOfTwo => "power_of_two",
                FewWorkersPooled { .. } => "few_workers_pooled",
                LowVariabilityServiceWithWaiting { .. } => "low_variability",
                HeavyTailFewWorkers { .. } => "heavy_tail",
                TailBeyondMeasured { .. } => "tail_beyond",
                NearCapacity { .. } => "near_capacity",
                QueueTurnsAway { .. } => "queue",
                TimeoutsFire { .. } => "timeouts",
            })
            .collect()
    }

    const DET: &str = "service_time = { kind = \"deterministic\", mean_ms = 100 }";
    const LOGN1: &str = "service_time = { kind = \"log_normal\", mean_ms = 100, sigma = 1.0 }";

    #[test]
    fn each_rule_flags_its_own_configuration() {
        let hpa = "[hpa]\nmax_replicas = 40\n";
        let cases: &[(&str, Scenario, &[&str])] = &[
            ("the base point", at(0.8, 4, 10, "", ""), &[]),
            ("exponential, one worker, ρ 0.95", at(0.95, 1, 2, "", ""), &[]),
            ("power of two", at(0.8, 4, 10, "balancer = \"power_of_two\"", ""), &["power_of_two"]),
            ("least connections on 1 worker", at(0.8, 1, 20, "balancer = \"least_connections\"", ""), &["few_workers_pooled"]),
            ("least connections on 4 workers", at(0.8, 4, 10, "balancer = \"least_connections\"", ""), &[]),
            ("deterministic where requests wait", at(0.8, 16, 10, DET, ""), &["low_variability"]),
            ("deterministic where waiting is rare", at(0.8, 64, 2, DET, ""), &[]),
            ("heavy tail, 1 worker", at(0.5, 1, 2, LOGN1, ""), &["heavy_tail"]),
            ("heavy tail, 4 workers at ρ 0.95", at(0.95, 4, 10, LOGN1, ""), &["heavy_tail"]),
            ("heavy tail, 8 workers at ρ 0.95", at(0.95, 8, 100, LOGN1, ""), &[]),
            ("a heavier tail than measured", at(0.5, 16, 10, "service_time = { kind = \"log_normal\", mean_ms = 100, sigma = 1.5 }", ""), &["tail_beyond"]),
            ("overload", at(1.1, 4, 10, "", ""), &["near_capacity"]),
            ("overload into a bounded queue", at(1.1, 4, 10, "queue_capacity = 20", ""), &["near_capacity", "queue"]),
            ("a short queue and timeout", at(0.8, 4, 10, "queue_capacity = 5\ntimeout_ms = 300", ""), &["queue", "timeouts"]),
            ("a long queue and timeout", at(0.5, 8, 10, "queue_capacity = 50\ntimeout_ms = 3000", ""), &[]),
            ("overload the HPA's ceiling absorbs", at(1.3, 4, 10, "", hpa), &[]),
        ];
        for (what, sc, want) in cases {
            assert_eq!(kinds(sc), *want, "{what}: {:?}", outside(sc));
        }
    }

    #[test]
    fn the_load_is_the_peak_over_the_most_pods_the_nodes_hold() {
        let sc = at(1.0, 4, 10, "", "[hpa]\nmax_replicas = 40\n");
        assert_eq!(most_pods(&sc), 40);
        // Nodes of 2 pods (4 workers × 100 m each), at most 5 of them: 10 pods, ρ 1.
        let nodes = "[hpa]\nmax_replicas = 40\n[cluster]\nnode_types = [{ name = \"n\", cpu_m = 800, memory_mi = 65536, price_per_hour = 0.1 }]\n\
                     [[cluster.node_groups]]\nname = \"g\"\nnode_type = \"n\"\nnodes = 5\nmin = 5\nmax = 5\n";
        let sc = at(1.0, 4, 10, "", nodes);
        assert_eq!(most_pods(&sc), 10);
        assert!(matches!(outside(&sc)[..], [NearCapacity { rho }] if (rho - 1.0).abs() < 1e-9), "{:?}", outside(&sc));
        // Weighted: the heaviest pod (twice the weight of four others) carries 2 × 5/6 of an even share.
        let sc = at(0.5, 4, 5, "balancer = \"weighted\"", "pod_weights = [2]");
        assert!((heaviest_share(&sc) - 10.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn the_open_peak_counts_the_spikes_in_force() {
        let spike = |at: f64, x: f64| format!("[[faults]]\nat_s = {at}\nkind = \"traffic_spike\"\nmultiplier = {x}\nduration_s = 10\n");
        let sc = at(0.5, 4, 10, "", &format!("{}{}", spike(10.0, 2.0), spike(15.0, 1.5)));
        assert!((peak_rate(&sc) - 200.0 * 3.0).abs() < 1e-9, "{}", peak_rate(&sc));
    }

    #[test]
    fn a_closed_model_sends_its_users_over_think_plus_service_time() {
        let mut sc = at(0.5, 4, 10, "", "");
        sc.traffic.model = TrafficModel::Closed;
        sc.traffic.shape = None;
        sc.traffic.users = Some(990);
        sc.traffic.think_time_ms = Some(9900.0);
        assert!((peak_rate(&sc) - 99.0).abs() < 1e-9, "{}", peak_rate(&sc));
    }
}
