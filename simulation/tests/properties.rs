//! Little's law on random scenarios, determinism, and the facade's slicing.

use proptest::prelude::*;
use simulation::event_log::FailCause;
use simulation::event_log::{EventKind, PodEnd};
use simulation::scenario::Scenario;
use simulation::{Fault, SimTime, Simulation};

#[allow(clippy::too_many_arguments)]
fn random_scenario(
    rps: f64,
    workers: u32,
    replicas: u32,
    queue: Option<u32>,
    timeout_ms: u32,
    balancer: &str,
    cache: bool,
    db: bool,
    two_versions: bool,
) -> Scenario {
    // Traffic stops at 20 s; the 10 s after it drain everything (the timeout is at most 2 s).
    let mut s = format!(
        r#"format = 1
id = "prop"
chapter = "load"
title = {{ ko = "p", en = "p" }}
duration_s = 30
seed = 1
[traffic]
model = "open"
shape = {{ kind = "step", from_rps = {rps}, to_rps = 0, at_s = 20 }}
[service]
workers = {workers}
timeout_ms = {timeout_ms}
balancer = "{balancer}"
service_time = {{ kind = "log_normal", mean_ms = 40, sigma = 0.8 }}
{q}
[deployment]
replicas = {replicas}
"#,
        q = queue.map(|q| format!("queue_capacity = {q}")).unwrap_or_default()
    );
    if cache {
        s.push_str("[cache]\nhit_ratio = 0.5\nhit_latency_ms = 3\n");
    }
    if db {
        s.push_str("[database]\nconnections = 3\nlatency = { kind = \"exponential\", mean_ms = 15 }\n");
    }
    if two_versions {
        s.push_str("[[versions]]\nname = \"v1\"\nweight = 80\n[[versions]]\nname = \"v2\"\nweight = 20\nreplicas = 1\nerror_rate = 0.1\n");
    }
    s.push_str("[[faults]]\nat_s = 8\nkind = \"kill_pod\"\npod = 0\n");
    Scenario::from_toml_str(&s).unwrap_or_else(|e| panic!("{e}\n{s}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 24 } else { 64 }, ..ProptestConfig::default() })]

    /// L = λW over the run: time-average requests in the system equals the arrival rate times
    /// the mean time in the system, counted over every answered request (failures included).
    #[test]
    fn littles_law_holds(
        rps in 5.0f64..400.0,
        workers in 1u32..5,
        replicas in 1u32..4,
        queue in proptest::option::of(0u32..20),
        timeout_ms in 100u32..2000,
        balancer in prop::sample::select(vec!["round_robin", "least_connections", "random", "power_of_two", "weighted"]),
        cache in any::<bool>(),
        db in any::<bool>(),
        two_versions in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let sc = random_scenario(rps, workers, replicas, queue, timeout_ms, balancer, cache, db, two_versions);
        let r = Simulation::new(&sc, seed).unwrap().finish();
        let s = &r.summary;
        prop_assert_eq!(s.offered, s.completed + s.failed, "every request answered once");
        if s.offered > 0 {
            let lambda = s.offered as f64 / s.measured_s;
            let w_s = s.mean_response_ms.unwrap() / 1e3;
            let l = s.mean_in_system;
            prop_assert!((l - lambda * w_s).abs() <= 1e-9 * l.max(1.0), "L = {l}, λW = {}", lambda * w_s);
        }
        prop_assert!(s.utilization <= 1.0 + 1e-12);
        prop_assert!(s.availability >= 0.0 && s.availability <= 1.0);
    }
}

fn basic() -> Scenario {
    Scenario::from_toml_str(include_str!("scenarios/basic.toml")).unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_run() {
    let sc = basic();
    let a = Simulation::new(&sc, 7).unwrap().finish();
    let b = Simulation::new(&sc, 7).unwrap().finish();
    let c = Simulation::new(&sc, 8).unwrap().finish();
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.to_csv(), b.to_csv());
    assert_eq!(a.digest(), b.digest());
    assert_ne!(a.digest(), c.digest());
    assert_ne!(a.summary.offered, 0);
}

#[test]
fn the_digest_in_pieces_is_the_hash_of_the_json() {
    let whole = Simulation::new(&basic(), 7).unwrap().finish();
    let mut bare = whole.clone();
    (bare.series, bare.events, bare.objectives) = (vec![], vec![], vec![]);
    for r in [&whole, &bare] {
        let json = format!("{:016x}", simulation::rng::fnv1a64(r.to_json().as_bytes()));
        assert_eq!(r.digest(), json);
        let mut d = simulation::report::Digesting::default();
        let mut steps = 0;
        let piecewise = loop {
            steps += 1;
            if let Some(x) = d.step(r, 3) {
                break x;
            }
        };
        assert_eq!(piecewise, json);
        assert!(r.series.is_empty() || steps > r.series.len() / 3);
    }
}

#[test]
fn slicing_does_not_change_the_run() {
    let sc = basic();
    let whole = Simulation::new(&sc, 3).unwrap().finish();
    let mut sliced = Simulation::new(&sc, 3).unwrap();
    let mut slices = 0;
    while !sliced.step(777) {
        slices += 1;
        // Mid-run reads work and never disturb the run.
        let _ = sliced.summary();
        assert!(sliced.series().len() as u64 <= sliced.now().whole_secs() + 1);
    }
    assert!(slices > 10);
    assert!(sliced.is_finished());
    assert_eq!(sliced.finish().to_json(), whole.to_json());
    let mut by_time = Simulation::new(&sc, 3).unwrap();
    by_time.run_until(SimTime::from_secs(30));
    assert_eq!(by_time.series().len(), 30);
    assert_eq!(by_time.finish().digest(), whole.digest());
}

#[test]
fn killing_every_pod_gives_no_endpoint_and_pod_killed() {
    let sc = basic();
    let mut sim = Simulation::new(&sc, 1).unwrap();
    sim.run_until(SimTime::from_secs(20));
    for _ in 0..4 {
        sim.inject(Fault::KillPod(None)).expect("a pod kill is always accepted");
    }
    let r = sim.finish();
    assert!(r.summary.pod_killed > 0, "in-flight requests fail with pod_killed");
    assert!(r.summary.no_endpoint > 0, "then the service has no ready endpoint");
    assert!(r.events.iter().any(|e| matches!(e.kind, EventKind::FailureOnset { cause: FailCause::NoEndpoint, .. })));
    assert!(r.series[25].no_endpoint > 0 && r.series[25].completed_rps == 0.0);
    assert!(r.objectives[0].breach.is_some() && r.objectives[0].reason().is_some());
}

#[test]
fn graceful_termination_finishes_in_flight_work() {
    let sc = basic();
    let mut sim = Simulation::new(&sc, 1).unwrap();
    sim.run_until(SimTime::from_secs(20));
    let pod = sim.dataplane().expect("a request-level run").pods()[0].id;
    sim.dataplane_mut().start_termination(pod);
    let r = sim.finish();
    assert_eq!(r.summary.pod_killed, 0);
    assert!(r.events.iter().any(|e| matches!(e.kind, EventKind::PodEnded { end: PodEnd::Terminated, .. })));
    // Self-healing: the ReplicaSet notices the missing pod and a replacement becomes ready.
    assert!(r.events.iter().any(|e| matches!(e.kind, EventKind::ReplicaSetCreating { have: 3, want: 4, .. })));
    assert_eq!(r.series.last().unwrap().ready_pods, 4);
}

#[test]
fn canary_weights_and_cohorts_split_traffic_per_version() {
    let src = include_str!("scenarios/basic.toml").replace(
        "[deployment]",
        "[[versions]]\nname = \"v1\"\nweight = 90\n[[versions]]\nname = \"v2\"\nweight = 10\nreplicas = 1\nerror_rate = 0.5\n\n[deployment]",
    );
    let sc = Scenario::from_toml_str(&src).unwrap();
    let r = Simulation::new(&sc, 2).unwrap().finish();
    let v = &r.summary.versions;
    let share = v[1].offered as f64 / (v[0].offered + v[1].offered) as f64;
    assert!((0.08..0.12).contains(&share), "{share}");
    assert!(v[1].errors > 0 && v[0].errors == 0);
    let cohort = Scenario::from_toml_str(&src.replace("workers = 4", "workers = 4\nrouting = \"cohort\"")).unwrap();
    let r = Simulation::new(&cohort, 2).unwrap().finish();
    assert!(r.summary.versions[1].offered > 0);
}

#[test]
fn closed_model_offers_n_over_w_plus_z() {
    let src = include_str!("scenarios/basic.toml")
        .replace("shape = { kind = \"constant\", rps = 140 }", "users = 200\nthink_time_ms = 1900")
        .replace("model = \"open\"", "model = \"closed\"");
    let sc = Scenario::from_toml_str(&src).unwrap();
    let s = Simulation::new(&sc, 4).unwrap().finish().summary;
    let w = s.mean_response_ms.unwrap() / 1e3;
    let expected = 200.0 / (w + 1.9);
    assert!((s.offered_rps - expected).abs() / expected < 0.05, "{} vs {expected}", s.offered_rps);
}

#[test]
fn a_constant_spend_rate_averages_back_to_itself_exactly() {
    // 18 pods × $0.05 must grade as $0.90, not 0.9000000000000006, against a "≤ $0.90" budget.
    let src = include_str!("scenarios/basic.toml").replace("[deployment]", "[deployment]\npod_cost_per_hour = 0.05");
    let sc = Scenario::from_toml_with_overrides(&src, &[("deployment.replicas".into(), "18".into())]).unwrap();
    let r = Simulation::new(&sc, 1).unwrap().finish();
    assert_eq!(r.summary.cost_per_hour, 0.9);
    assert!((r.summary.cost - 0.9 * r.summary.measured_s / 3600.0).abs() < 1e-12);
}
