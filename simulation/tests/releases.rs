//! Releases (issue 5): the same bad release (30 % errors), the same seed, every strategy; then
//! a good release under every strategy, canary weights without a router, and a memory leak.

mod common;

use simulation::event_log::{AbortWhy, EventKind};
use simulation::report::{ReleaseOutcome, Report};
use simulation::{Scenario, Simulation};

const RELEASE: &str = include_str!("scenarios/control_plane/release.toml");

fn run(overrides: &[(&str, &str)]) -> Report {
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sc = Scenario::from_toml_with_overrides(RELEASE, &overrides).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, sc.seed).unwrap().finish()
}

fn bad(strategy: &str) -> Report {
    run(&[("release.strategy", strategy)])
}

fn v2_share(r: &Report, t: u64) -> f64 {
    r.series[t as usize].versions[1].share
}

#[test]
fn recreate_has_a_window_with_no_ready_pod() {
    let r = bad("recreate");
    assert!(r.series.iter().any(|s| s.t > 60 && s.ready_pods == 0), "downtime between old and new");
    assert!(r.summary.no_endpoint > 0, "requests in that window fail with 503");
}

#[test]
fn rolling_exposes_a_growing_share_until_rollback() {
    let r = bad("rolling_update");
    let rel = r.summary.release.clone().unwrap();
    assert_eq!(rel.outcome, ReleaseOutcome::RolledBack);
    let back = rel.rolled_back_at_s.unwrap() as u64;
    // A plain Service spreads requests over ready pods: v2's share of them only grows.
    let pods: Vec<u32> = (61..back).map(|t| r.series[t as usize].versions[1].ready_pods).collect();
    assert!(pods.windows(2).all(|w| w[1] >= w[0]), "v2's ready pods only grow until the rollback: {pods:?}");
    let first = r.series.iter().find(|s| s.t > 60 && s.versions[1].ready_pods > 0).unwrap().t;
    let early = v2_share(&r, first);
    let late = v2_share(&r, back - 1);
    assert!(early > 0.1 && early < 0.5 && late > 0.9, "exposure grows from {early} to {late}");
    assert!(v2_share(&r, back + 40) < 0.01, "after the rollback nobody is");
}

#[test]
fn blue_green_fails_everything_after_the_switch_and_recovers_at_the_switch_back() {
    let r = bad("blue_green");
    let switch = r.events.iter().find(|e| matches!(e.kind, EventKind::GreenSwitched { .. })).unwrap().t as u64;
    let back = r.summary.release.as_ref().unwrap().rolled_back_at_s.unwrap() as u64;
    assert!(back > switch);
    for t in switch + 1..back {
        let s = &r.series[t as usize];
        assert!(v2_share(&r, t) > 0.99, "all traffic on green at {t}");
        assert!((0.2..0.4).contains(&s.error_rate), "about 30 % fail at {t}: {}", s.error_rate);
    }
    for t in back + 1..back + 10 {
        assert_eq!(r.series[t as usize].failed_rps, 0.0, "blue takes the traffic back at once ({t})");
    }
}

#[test]
fn canary_aborts_at_the_first_analysis_and_its_blast_radius_is_ten_times_smaller() {
    let canary = bad("canary");
    let rolling = bad("rolling_update");
    let c = canary.summary.release.clone().unwrap();
    assert_eq!(c.outcome, ReleaseOutcome::RolledBack);
    let weighted = canary.events.iter().find(|e| matches!(e.kind, EventKind::CanaryStep { weight: 10, .. })).unwrap().t;
    assert_eq!(c.rolled_back_at_s.unwrap(), weighted + 30.0, "the first analysis interval after the step");
    let r = rolling.summary.release.clone().unwrap();
    assert!(c.blast_radius > 0);
    assert!(c.blast_radius * 10 <= r.blast_radius, "canary {} vs rolling {}", c.blast_radius, r.blast_radius);
}

#[test]
fn an_ab_test_exposes_only_its_cohort() {
    let r = bad("ab_test");
    let exposed: Vec<f64> = (65..85).map(|t| v2_share(&r, t)).collect();
    assert!(exposed.iter().all(|&s| s < 0.3), "{exposed:?}");
    let mean = exposed.iter().sum::<f64>() / exposed.len() as f64;
    assert!((0.12..0.28).contains(&mean), "about the 20 % cohort: {mean}");
}

#[test]
fn a_good_release_completes_under_every_strategy_without_failures_of_its_own() {
    for strategy in ["rolling_update", "recreate", "blue_green", "canary", "ab_test"] {
        let r = run(&[("release.strategy", strategy), ("versions.1.error_rate", "0")]);
        let rel = r.summary.release.clone().unwrap();
        assert_eq!(rel.blast_radius, 0, "{strategy}: no request failed on v2");
        assert!(rel.exposed > 0, "{strategy}: v2 served");
        if strategy != "ab_test" {
            assert_eq!(rel.outcome, ReleaseOutcome::Completed, "{strategy}");
            assert!(v2_share(&r, 299) > 0.99, "{strategy}: v2 serves everything at the end");
        }
        if strategy != "recreate" {
            assert_eq!(r.summary.failed, 0, "{strategy}: no request failed at all");
        }
    }
}

#[test]
fn canary_without_a_router_approximates_the_weight_with_pod_counts() {
    // Argo's basic canary: 10 replicas at 10 % → 1 canary and 9 stable.
    let r = run(&[("release.strategy", "canary"), ("versions.1.error_rate", "0")]);
    let s = &r.series[100];
    assert_eq!((s.versions[1].ready_pods, s.versions[0].ready_pods), (1, 9));
    // 5 replicas at 20/40/60/80 % → 1, 2, 3, 4 canaries.
    let src = RELEASE.replace(
        "steps = [{ set_weight = 10 }, { pause_s = 60 }, { set_weight = 50 }, { pause_s = 60 }]",
        "steps = [{ set_weight = 20 }, { pause_s = 40 }, { set_weight = 40 }, { pause_s = 40 }, { set_weight = 60 }, { pause_s = 40 }, { set_weight = 80 }, { pause_s = 40 }]",
    );
    let sc = Scenario::from_toml_with_overrides(
        &src,
        &[
            ("release.strategy".into(), "canary".into()),
            ("versions.1.error_rate".into(), "0".into()),
            ("deployment.replicas".into(), "5".into()),
        ],
    )
    .unwrap();
    let r = Simulation::new(&sc, 3).unwrap().finish();
    let at = |w: u32| {
        let t = r.events.iter().find(|e| matches!(e.kind, EventKind::CanaryStep { weight, .. } if weight == w)).unwrap().t as usize;
        r.series[t + 35].versions[1].ready_pods
    };
    assert_eq!([at(20), at(40), at(60), at(80)], [1, 2, 3, 4]);
}

#[test]
fn a_leaking_release_is_oom_killed_and_backs_off() {
    let r = run(&[
        ("release.strategy", "rolling_update"),
        ("versions.1.error_rate", "0"),
        ("versions.1.memory_leak_mi_per_1k", "400"),
        ("duration_s", "600"),
    ]);
    let kills = common::oom_backoffs(&r);
    assert!(!kills.is_empty(), "over its 512 MiB limit the pod is killed");
    assert!(kills.contains(&20), "and restarts with a growing back-off: {kills:?}");
    assert!(r.summary.pod_killed > 0, "requests in flight die with it");
}

/// The same service with no scheduled release: the learner ships one live.
fn live() -> Scenario {
    let src = RELEASE
        .replace("[release]", "[unscheduled]")
        .replace("name = \"v1\"", "name = \"v1\"\nweight = 100")
        .replace("name = \"v2\"\nerror_rate = 0.3", "name = \"v2\"\nweight = 0\nerror_rate = 0.3");
    let src = src.split("[unscheduled]").next().unwrap().to_string()
        + &RELEASE[RELEASE.find("[[knobs]]").unwrap()..].replace("path = \"release.strategy\"", "path = \"deployment.strategy\"").replace(
            "choices = [\"rolling_update\", \"recreate\", \"blue_green\", \"canary\", \"ab_test\"]\nreference = \"canary\"",
            "choices = [\"rolling_update\", \"recreate\"]\nreference = \"rolling_update\"",
        );
    Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{e}"))
}

fn spec(strategy: &str) -> simulation::scenario::ReleaseSpec {
    let src = format!(
        "at_s = 0\nversion = \"v2\"\nstrategy = \"{strategy}\"\nsteps = [{{ set_weight = 20 }}, {{ pause_s = 60 }}]\nanalysis = {{ interval_s = 20, max_error_rate = 0.05 }}\n"
    );
    toml::from_str(&src).unwrap()
}

#[test]
fn a_release_shipped_live_is_analysed_and_rolled_back() {
    let sc = live();
    let mut sim = Simulation::new(&sc, 5).unwrap();
    sim.run_until(simulation::SimTime::from_secs(40));
    sim.release(spec("canary")).expect("a valid live release");
    let r = sim.finish();
    let rel = r.summary.release.clone().expect("the live release is reported");
    assert_eq!(rel.started_at_s, 40.0);
    assert_eq!(rel.outcome, ReleaseOutcome::RolledBack);
    assert!(rel.blast_radius > 0 && rel.blast_radius < 1000, "{}", rel.blast_radius);
}

#[test]
fn a_live_release_of_the_running_version_is_refused_with_a_reason() {
    let mut sim = Simulation::new(&live(), 5).unwrap();
    let mut bad = spec("canary");
    bad.version = "v1".into();
    let err = sim.release(bad).unwrap_err().to_string();
    assert!(err.contains("release.version") && err.contains("v2"), "{err}");
}

#[test]
fn a_rollback_by_hand_undoes_a_finished_release() {
    let mut sim = Simulation::new(&live(), 5).unwrap();
    sim.run_until(simulation::SimTime::from_secs(20));
    let mut good = spec("rolling_update");
    good.analysis = None;
    sim.release(good).unwrap();
    sim.run_until(simulation::SimTime::from_secs(120));
    assert!(sim.series().last().unwrap().versions[1].share > 0.99, "v2 took over");
    sim.rollback();
    let r = sim.finish();
    assert!(r.events.iter().any(|e| matches!(e.kind, EventKind::ReleaseAborting { why: AbortWhy::ByHand })));
    assert!(r.series.last().unwrap().versions[0].share > 0.99, "v1 serves again");
    assert_eq!(r.summary.release.unwrap().outcome, ReleaseOutcome::RolledBack);
}
