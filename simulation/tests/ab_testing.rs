//! A/B testing as the engine grades it: cohorts by user id stay sticky while routing per request
//! mixes a user's versions (`mixed_users`), and two versions' failure rates are compared by a
//! two-proportion z-test only once each has a minimum sample (`ab_confidence`).

use simulation::grade::two_proportion_confidence;
use simulation::report::Report;
use simulation::{Scenario, Simulation};

const AB: &str = include_str!("../../content/scenarios/ab-test-cohorts.toml");

fn run(overrides: &[(&str, &str)]) -> Report {
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sc = Scenario::from_toml_with_overrides(AB, &overrides).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, sc.seed).unwrap().finish()
}

fn grade<'a>(r: &'a Report, id: &str) -> &'a simulation::grade::Grade {
    r.objectives.iter().find(|g| g.id == id).unwrap()
}

#[test]
fn cohorts_by_user_id_are_sticky_and_routing_per_request_mixes_users() {
    let cohort = run(&[("release.strategy", "ab_test"), ("duration_s", "300")]);
    let per_request = run(&[("release.strategy", "canary"), ("duration_s", "300")]);
    // Both send about a fifth of the traffic to v2.
    for r in [&cohort, &per_request] {
        let v = &r.summary.versions;
        let share = v[1].offered as f64 / (v[0].offered + v[1].offered) as f64;
        assert!((0.15..0.25).contains(&share), "{share}");
    }
    assert_eq!(cohort.summary.mixed_users, Some(0.0));
    // 5,000 users, ~11 requests each after the warm-up, 20 % per request: 1 − 0.8¹¹ − 0.2¹¹ ≈ 91 %.
    let mixed = per_request.summary.mixed_users.unwrap();
    assert!(mixed > 0.8, "{mixed}");
    assert_eq!(grade(&per_request, "consistent").measured, Some(mixed));
    assert!(!grade(&per_request, "consistent").passed && grade(&cohort, "consistent").passed);
}

#[test]
fn the_comparison_waits_for_its_minimum_sample_then_is_a_z_test() {
    let long = run(&[("release.strategy", "ab_test"), ("duration_s", "600")]);
    let (a, b) = (&long.summary.versions[0], &long.summary.versions[1]);
    assert!(b.completed + b.failed >= 20_000);
    let want = two_proportion_confidence(a.failed, a.completed + a.failed, b.failed, b.completed + b.failed);
    let g = grade(&long, "significant");
    assert_eq!(g.measured, Some(want));
    assert!(g.passed && want > 0.95, "{want}");

    // Too short: v2 has under 20,000 answered requests, so there is no verdict, and the reason says why.
    let short = run(&[("release.strategy", "ab_test"), ("duration_s", "180")]);
    let b = &short.summary.versions[1];
    let g = grade(&short, "significant");
    assert_eq!(g.measured, None);
    assert!(!g.passed);
    let short_sample = simulation::grade::Unmeasured::ShortSample { version: "v2".into(), answered: b.completed + b.failed, min: 20_000 };
    assert_eq!(g.unmeasured, Some(short_sample));
    let n = simulation::report::thousands((b.completed + b.failed) as i64);
    assert!(g.reason().unwrap().ko.contains(&format!("v2의 응답 {n}건")));
}

#[test]
fn ab_objectives_name_what_they_need() {
    let objective = "metric = \"ab_confidence\"\nversion = \"v2\"\nbaseline = \"v1\"\nmin_requests = 20000";
    assert!(AB.contains(objective));
    let bad = [
        ("baseline = \"v1\"", "baseline = \"v2\"", "objectives.1.baseline", "another version"),
        ("baseline = \"v1\"", "baseline = \"v9\"", "objectives.1.baseline", "not a version"),
        ("min_requests = 20000", "min_requests = 0", "objectives.1.min_requests", "out of range"),
        ("metric = \"ab_confidence\"\nversion = \"v2\"\n", "metric = \"ab_confidence\"\n", "objectives.1.version", "required"),
        ("metric = \"ab_confidence\"", "metric = \"version_error_rate\"", "objectives.1.baseline", "only used by metric ab_confidence"),
        ("metric = \"ab_confidence\"", "metric = \"version_error_rate\"", "objectives.1.min_requests", "only used by metric ab_confidence"),
    ];
    for (from, to, path, words) in bad {
        let e = Scenario::from_toml_str(&AB.replacen(from, to, 1)).unwrap_err();
        assert!(e.issues.iter().any(|i| i.path == path && i.message.contains(words)), "{to}: expected {path} ({words}), got {e}");
    }
    // One version: nobody can be served by two.
    let one = "format = 1\nid = \"x\"\nchapter = \"deployment\"\ntitle = { ko = \"x\", en = \"x\" }\nduration_s = 10\n\
               [traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 1 }\n[service]\nworkers = 1\n\
               service_time = { kind = \"exponential\", mean_ms = 10 }\n[[objectives]]\nid = \"m\"\nmetric = \"mixed_users\"\n\
               comparison = \"<=\"\nvalue = 0.01\nlabel = { ko = \"m\", en = \"m\" }\n";
    let e = Scenario::from_toml_str(one).unwrap_err();
    assert!(e.issues.iter().any(|i| i.path == "objectives.0.metric" && i.message.contains("two [[versions]]")), "{e}");
}
