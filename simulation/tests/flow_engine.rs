//! The flow-level engine's own behaviour (its agreement with the request level is
//! `flow_validation.rs`): what it refuses, that it is deterministic, that flows add up, that a
//! dead node and a spike show, and that a day-long run keeps a bounded number of snapshots.

use simulation::event_log::EventKind;
use simulation::simulation::{EngineKind, MAX_SNAPSHOTS};
use simulation::{Fault, Scenario, Simulation};

const NODE_FAILURE: &str = include_str!("../../content/scenarios/node-failure-self-healing.toml");
const BOTTLENECK: &str = include_str!("../../content/scenarios/load-test-bottleneck.toml");

fn scenario(src: &str, sets: &[(&str, &str)]) -> Scenario {
    let sets: Vec<(String, String)> = sets.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    Scenario::from_toml_with_overrides(src, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn flow(sc: &Scenario, seed: u64) -> Simulation {
    Simulation::with_engine(sc, seed, u64::MAX, EngineKind::Flow).unwrap_or_else(|e| panic!("{e}"))
}

const PLAIN: &str = r#"
format = 1
id = "plain"
chapter = "load"
duration_s = 120
title = { ko = "t", en = "t" }
[traffic]
model = "open"
shape = { kind = "constant", rps = 300 }
[service]
workers = 4
timeout_ms = 2000
balancer = "random"
service_time = { kind = "exponential", mean_ms = 100 }
[deployment]
replicas = 10
"#;

#[test]
fn what_it_does_not_model_is_refused_with_the_field() {
    let e = Simulation::with_engine(&scenario(BOTTLENECK, &[]), 1, u64::MAX, EngineKind::Flow).err().expect("a database is refused");
    assert_eq!(e.issues[0].path, "database");
    assert!(e.issues[0].message.contains("request-level") && e.issues[0].message_ko.as_deref().is_some_and(|m| m.contains("engine = \"request\"")));
    // The scenario's own default decides when the caller does not.
    let sc = scenario(PLAIN, &[("engine", "\"flow\"")]);
    assert_eq!(Simulation::new(&sc, 1).unwrap().engine(), EngineKind::Flow);
    assert_eq!(Simulation::new(&scenario(PLAIN, &[]), 1).unwrap().engine(), EngineKind::Request);
}

#[test]
fn flows_add_up_and_the_run_is_deterministic() {
    let sc = scenario(PLAIN, &[]);
    let a = flow(&sc, 1).finish();
    let b = flow(&sc, 1).finish();
    assert_eq!(a.digest(), b.digest());
    let s = &a.summary;
    // 300 req/s for 120 s, all answered: offered = completed + failed, to within the one
    // request that the flows' fractions leave over (here a 10⁻⁸ share that timed out).
    assert_eq!(s.offered, 36_000);
    assert!(s.offered - (s.completed + s.failed) <= 1, "{} offered, {} completed, {} failed", s.offered, s.completed, s.failed);
    // ρ = 0.75 on M/M/4 behind a random balancer: the exact mean response is 150.9 ms.
    let exact = 100.0 + 1000.0 * 0.508_642 / (40.0 - 30.0);
    assert!((s.mean_response_ms.unwrap() / exact - 1.0).abs() < 0.01, "{:?} vs {exact}", s.mean_response_ms);
    assert!((s.utilization - 0.75).abs() < 1e-6);
}

#[test]
fn a_dead_node_and_a_spike_show_in_the_series() {
    let sc = scenario(NODE_FAILURE, &[]);
    let r = flow(&sc, sc.seed).finish();
    let k = r.events.iter().find(|e| matches!(e.kind, EventKind::NodeDown { .. })).map(|e| e.t as usize).expect("a node fault");
    let (before, after) = (&r.series[k - 5], &r.series[k + 3]);
    assert!(after.ready_pods < before.ready_pods, "ready pods {} → {}", before.ready_pods, after.ready_pods);
    assert!(after.cluster.nodes_ready < before.cluster.nodes_ready);
    assert!(r.series[k..k + 30].iter().any(|s| s.failed_rps > 0.0), "requests to the dead node fail");
    // A live spike triples the offered load at once.
    let mut sim = flow(&scenario(PLAIN, &[]), 1);
    sim.run_until(simulation::SimTime::from_secs(30));
    sim.inject(Fault::TrafficSpike { multiplier: 3.0, duration: simulation::SimTime::from_secs(20) }).unwrap();
    let r = sim.finish();
    assert!((r.series[20].offered_rps - 300.0).abs() < 1.0 && (r.series[35].offered_rps - 900.0).abs() < 1.0);
    assert!(r.series[35].rejected + r.series[35].timed_out > 0, "900 req/s is past 400 req/s of capacity");
}

#[test]
fn a_day_keeps_at_most_an_hour_of_snapshots() {
    let sc = scenario(PLAIN, &[("duration_s", "14400")]);
    let mut sim = flow(&sc, 1);
    sim.keep_snapshots();
    sim.run_until(simulation::SimTime::from_secs(14_400));
    let snaps = sim.take_snapshots();
    assert!(snaps.len() as u64 <= MAX_SNAPSHOTS && snaps.len() >= 3_000, "{} snapshots", snaps.len());
    assert!(snaps.windows(2).all(|w| w[0].t < w[1].t));
    assert_eq!(snaps.last().map(|s| s.t), Some(14_400.0));
}

#[test]
fn a_calm_second_is_one_step_and_a_busy_or_turning_one_is_ten() {
    // Kernel turns per second: a tick, the second's close and the steps.
    let work = |shape: &str| flow(&scenario(PLAIN, &[("traffic.shape", shape)]), 1).finish().events_processed;
    let calm = work("{ kind = \"constant\", rps = 200 }"); // ρ = 0.5
    let busy = work("{ kind = \"constant\", rps = 380 }"); // ρ = 0.95
    // (The first second is in 100 ms steps: the control plane's first tick is due at 0.)
    assert!(calm <= 120 * 3 + 10, "{calm} turns for 120 calm seconds");
    assert!(busy >= 120 * 12, "{busy} turns for 120 busy seconds");
    // A change of rate inside a second (at 60.5 s) is met in 100 ms steps; the rest stays calm.
    let turning = work("{ kind = \"step\", from_rps = 200, to_rps = 250, at_s = 60.5 }");
    assert!((calm + 9..calm + 30).contains(&turning), "{turning} turns against {calm}");
}

/// Outside the flow engine's measured region (`flow::validity`), a flow scenario runs at request
/// level when that fits the budget, and is marked approximate when it does not or when the flow
/// engine is asked for by name; inside it nothing is added (so no digest changes).
#[test]
fn outside_its_region_a_flow_scenario_falls_back_or_is_marked_approximate() {
    use simulation::budget::Estimate;
    use simulation::flow::validity::OutsideFlow;
    let sc = scenario(PLAIN, &[("engine", "\"flow\""), ("service.balancer", "\"power_of_two\"")]);
    let sim = Simulation::new(&sc, 1).unwrap();
    assert_eq!(sim.engine(), EngineKind::Request);
    let report = sim.finish();
    let outside = report.flow_outside.as_ref().expect("the fallback is in the report");
    assert_eq!((outside.ran_on, &outside.reasons[..]), (EngineKind::Request, &[OutsideFlow::PowerOfTwo][..]));
    // A budget the flow run fits and the request-level run does not: flow, approximate.
    let budget = Estimate::of_flow(&sc, simulation::flow::STEP).work;
    assert!(budget < Estimate::of(&sc).work);
    let sim = Simulation::with_budget(&sc, 1, budget).unwrap();
    assert_eq!((sim.engine(), sim.flow_outside().map(|o| o.ran_on)), (EngineKind::Flow, Some(EngineKind::Flow)));
    assert_eq!(flow(&sc, 1).flow_outside().map(|o| o.ran_on), Some(EngineKind::Flow), "asked for by name: honoured, marked");
    let inside = flow(&scenario(PLAIN, &[]), 1).finish();
    assert!(inside.flow_outside.is_none() && !inside.to_json().contains("flow_outside"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["flow_outside"]["ran_on"], "request");
    assert!(json["flow_outside"]["message_ko"].as_str().is_some_and(|m| m.contains("요청 수준 엔진")));
    // The digest stays the JSON's hash, the mark included (the runner's output and the app's
    // digest are compared byte for byte).
    assert_eq!(report.digest(), format!("{:016x}", simulation::rng::fnv1a64(report.to_json().as_bytes())));
}
