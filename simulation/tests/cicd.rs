//! CI/CD as a simulation: the pipeline's stages and test draw, and Kubernetes' image pull
//! semantics (a mutable `latest` follows the registry at every container start, a commit SHA
//! does not); and the objectives that grade it (per version, release, recovery).

use simulation::event_log::EventKind;
use simulation::grade::Unmeasured;
use simulation::report::{PipelineOutcome, ReleaseOutcome, Report};
use simulation::scenario::ReleaseStrategy;
use simulation::{Scenario, Simulation};

const CICD: &str = include_str!("../../content/scenarios/cicd-image-tags.toml");

fn run(overrides: &[(&str, &str)]) -> Report {
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sc = Scenario::from_toml_with_overrides(CICD, &overrides).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, sc.seed).unwrap().finish()
}

/// The scenario with its text edited (fields that are not knobs).
fn run_edited(edit: impl Fn(String) -> String, overrides: &[(&str, &str)]) -> Report {
    let src = edit(CICD.to_string());
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sc = Scenario::from_toml_with_overrides(&src, &overrides).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, sc.seed).unwrap().finish()
}

fn v1_errors_between(r: &Report, from: u64, to: u64) -> u64 {
    r.series.iter().filter(|s| s.t >= from && s.t < to).map(|s| s.versions[0].failed).sum()
}

#[test]
fn stages_run_in_order_and_the_deploy_ships_a_release() {
    let r = run(&[("pipeline.order", "test_then_push"), ("pipeline.tag", "commit_sha")]);
    let p = r.summary.pipeline.clone().unwrap();
    // Merged at 60: build 60 s, test 120 s, push 20 s, then deploy.
    assert_eq!((p.pushed_at_s, p.deployed_at_s), (Some(260.0), Some(260.0)));
    assert_eq!(p.caught, Some(false), "this seed's draw misses the bug (60 % coverage)");
    let rel = r.summary.release.unwrap();
    assert_eq!((rel.started_at_s, rel.outcome), (260.0, ReleaseOutcome::RolledBack));
    let push_first = run(&[("pipeline.order", "push_then_test")]).summary.pipeline.unwrap();
    assert_eq!((push_first.pushed_at_s, push_first.deployed_at_s), (Some(140.0), Some(260.0)));
}

#[test]
fn a_pod_restarted_after_a_push_of_latest_silently_runs_the_new_build() {
    // Pushed at 140 before its tests; a pod is killed at 200 and its replacement pulls latest.
    let r = run(&[]);
    let drift = r
        .events
        .iter()
        .find(|e| matches!(&e.kind, EventKind::ImageDrift { app, template, runs, .. } if app == "web" && template == "v1" && runs == "v2"))
        .expect("a container drifted");
    assert!(drift.t > 200.0 && drift.t < 260.0, "the replacement of the pod killed at 200 s: {drift:?}");
    assert!(v1_errors_between(&r, 215, 260) > 0, "'v1' fails requests before any deploy: it runs v2's code");
    // The same with a SHA: the replacement runs v1, nothing fails before the deploy.
    let sha = run(&[("pipeline.tag", "commit_sha")]);
    assert_eq!(v1_errors_between(&sha, 201, 260), 0, "(the kill at 200 s loses its in-flight requests in either case)");
    assert_eq!(sha.summary.pipeline.unwrap().drifted_containers, 0);
}

#[test]
fn a_rollback_to_latest_rolls_back_nothing_and_a_sha_rollback_is_exact() {
    let latest = run(&[("pipeline.order", "test_then_push")]);
    let back = latest.summary.release.as_ref().unwrap().rolled_back_at_s.unwrap() as u64;
    let late = |r: &Report| {
        r.series[(back + 60) as usize..].iter().map(|s| s.error_rate).sum::<f64>() / (r.series.len() as u64 - back - 60) as f64
    };
    assert!(late(&latest) > 0.2, "after the rollback the v1 pods run v2's build: error rate {}", late(&latest));
    assert!(latest.summary.recovery.as_ref().unwrap().seconds.is_none(), "never recovered");
    let sha = run(&[("pipeline.order", "test_then_push"), ("pipeline.tag", "commit_sha")]);
    assert!(late(&sha) < 0.001, "a SHA rollback runs v1 again: {}", late(&sha));
    let rec = sha.summary.recovery.unwrap();
    assert!(rec.seconds.is_some_and(|s| s < 120.0), "{rec:?}");
}

#[test]
fn tests_that_catch_the_change_stop_the_pipeline_but_not_an_image_already_pushed_as_latest() {
    let catch_all = |s: String| s.replace("test_catch_probability = 0.6", "test_catch_probability = 1.0");
    let safe = run_edited(catch_all, &[("pipeline.order", "test_then_push")]);
    let p = safe.summary.pipeline.unwrap();
    assert_eq!((p.outcome, p.caught, p.pushed_at_s), (PipelineOutcome::StoppedAtTest, Some(true), None));
    assert!(safe.summary.release.is_none() && safe.summary.errors == 0, "nothing shipped, nothing failed");
    let early_push = run_edited(catch_all, &[("pipeline.order", "push_then_test")]);
    let p = early_push.summary.pipeline.unwrap();
    assert_eq!((p.outcome, p.pushed_at_s), (PipelineOutcome::StoppedAtTest, Some(140.0)));
    assert!(early_push.summary.release.is_none());
    assert!(early_push.summary.errors > 0, "the replaced pods pulled the untested latest anyway");
}

#[test]
fn the_test_draw_is_seeded_and_a_good_change_always_passes() {
    let good = |s: String| s.replace("error_rate = 0.3", "error_rate = 0.0");
    let r = run_edited(good, &[]);
    let p = r.summary.pipeline.unwrap();
    assert!(!p.bad_change && p.caught == Some(false) && p.deployed_at_s.is_some());
    assert_eq!(r.summary.release.unwrap().outcome, ReleaseOutcome::Completed);
    // Over seeds the tests catch about 60 % of runs of the bad change.
    let sc = Scenario::from_toml_str(CICD).unwrap();
    let caught = (0..40u64)
        .filter(|&seed| {
            let mut sc = sc.clone();
            sc.duration_s = 300;
            Simulation::new(&sc, seed).unwrap().finish().summary.pipeline.unwrap().caught == Some(true)
        })
        .count();
    assert!((16..=32).contains(&caught), "{caught} of 40 caught");
}

#[test]
fn objectives_measure_a_version_the_release_and_recovery() {
    let edit = |s: String| {
        s.replace(
            "[[objectives]]\nid = \"failed\"",
            "[[objectives]]\nid = \"v2-errors\"\nmetric = \"version_error_rate\"\nversion = \"v2\"\ncomparison = \"<=\"\nvalue = 0.01\nlabel = { ko = \"v2\", en = \"v2\" }\n\n\
             [[objectives]]\nid = \"v2-failed\"\nmetric = \"version_failed_requests\"\nversion = \"v2\"\ncomparison = \"<=\"\nvalue = 0\nlabel = { ko = \"v2\", en = \"v2\" }\n\n\
             [[objectives]]\nid = \"blast\"\nmetric = \"blast_radius\"\ncomparison = \"<=\"\nvalue = 10000\nlabel = { ko = \"b\", en = \"b\" }\n\n\
             [[objectives]]\nid = \"detect\"\nmetric = \"time_to_detect_s\"\ncomparison = \"<=\"\nvalue = 20\nlabel = { ko = \"d\", en = \"d\" }\n\n\
             [[objectives]]\nid = \"failed\"",
        )
    };
    let r = run_edited(edit, &[("pipeline.tag", "commit_sha")]);
    let g = |id: &str| r.objectives.iter().find(|g| g.id == id).unwrap().clone();
    let v2 = &r.summary.versions[1];
    let rate = v2.failed as f64 / (v2.completed + v2.failed) as f64;
    assert!((0.25..0.35).contains(&rate));
    assert_eq!(g("v2-errors").measured, Some(rate));
    assert!(!g("v2-errors").passed);
    assert_eq!(g("v2-failed").measured, Some(v2.failed as f64));
    assert!(g("v2-failed").breach.is_some(), "a failed total says when it broke");
    let rel = r.summary.release.clone().unwrap();
    assert_eq!(g("blast").measured, Some(rel.blast_radius as f64));
    assert_eq!(g("detect").measured, rel.time_to_detect_s);
    assert!(g("detect").passed);
    let rec = r.summary.recovery.clone().unwrap();
    assert_eq!(g("recovery").measured, rec.seconds);
    // Recovered from the first incident (the pod kill at 200 s) once every later second is 99 % good.
    assert_eq!(rec.incident_at_s, Some(200));
    let last_bad =
        r.series.iter().filter(|s| s.t >= 200 && s.availability < 0.99 && s.completed_rps + s.failed_rps > 0.0).map(|s| s.t).max();
    assert_eq!(rec.last_bad_s, last_bad);
    assert_eq!(rec.seconds, last_bad.map(|b| (b + 1 - 200) as f64));
}

#[test]
fn objectives_name_what_they_need() {
    let bad = [
        ("metric = \"recovery_s\"", "metric = \"version_error_rate\"", "objectives.1.version"),
        ("recovery_availability = 0.99", "recovery_availability = 1.5", "objectives.1.recovery_availability"),
        ("metric = \"failed_requests\"", "metric = \"disk_utilization\"", "objectives.0.metric"),
        ("metric = \"failed_requests\"", "metric = \"oom_kills\"", "objectives.0.metric"),
        ("commit_at_s = 60", "commit_at_s = 6000", "pipeline.commit_at_s"),
        ("test_catch_probability = 0.6", "test_catch_probability = 2", "pipeline.test_catch_probability"),
        ("version = \"v2\"\nbuild_s", "version = \"v1\"\nbuild_s", "pipeline.version"),
        ("tag = \"latest\"", "tag = \"newest\"", "pipeline.tag"),
    ];
    for (from, to, path) in bad {
        assert!(CICD.contains(from), "{from}");
        let e = Scenario::from_toml_str(&CICD.replacen(from, to, 1)).unwrap_err();
        assert!(e.issues.iter().any(|i| i.path == path), "{to}: expected an issue at {path}, got {e}");
    }
}

// ---- the pipeline's permissions (IAM per stage) and a CodeDeploy-style canary ----

const IAM: &str = include_str!("../../content/scenarios/pipeline-iam-codedeploy.toml");

fn run_iam(overrides: &[(&str, &str)]) -> Report {
    run_edited(|_| IAM.to_string(), overrides)
}

const LEAST: [(&str, &str); 3] =
    [("pipeline.roles.build", "none"), ("pipeline.roles.push", "registry_push"), ("pipeline.roles.deploy", "deploy")];

#[test]
fn a_stage_whose_role_lacks_its_permission_is_refused_and_nothing_ships() {
    // (push role, deploy role, outcome, pushed, the refusal)
    let cases = [
        ("none", "deploy", PipelineOutcome::DeniedAtPush, false, Some("push: ecr:PutImage")),
        ("deploy", "deploy", PipelineOutcome::DeniedAtPush, false, Some("push: ecr:PutImage")),
        ("registry_push", "none", PipelineOutcome::DeniedAtDeploy, true, Some("deploy: deployments.apps/patch")),
        ("registry_push", "registry_push", PipelineOutcome::DeniedAtDeploy, true, Some("deploy: deployments.apps/patch")),
        ("registry_push", "deploy", PipelineOutcome::Deployed, true, None),
        ("administrator", "cluster_admin", PipelineOutcome::Deployed, true, None),
    ];
    for (push, deploy, outcome, pushed, denied) in cases {
        let r = run_iam(&[("pipeline.roles.push", push), ("pipeline.roles.deploy", deploy)]);
        let p = r.summary.pipeline.clone().unwrap();
        assert_eq!(p.outcome, outcome, "{push}/{deploy}");
        assert_eq!(p.pushed_at_s.is_some(), pushed, "{push}/{deploy}");
        assert_eq!(p.denied.as_deref(), denied, "{push}/{deploy}");
        assert_eq!(r.summary.release.is_some(), denied.is_none(), "{push}/{deploy}: a release only when nothing was refused");
        let refused = r.events.iter().any(|e| matches!(e.kind, EventKind::PipelineDenied { .. }));
        assert_eq!(refused, denied.is_some(), "{push}/{deploy}");
        let lead = r.objectives.iter().find(|g| g.id == "lead_time").unwrap();
        match denied {
            Some(_) => {
                assert_eq!(lead.measured, None);
                assert_eq!(lead.unmeasured, Some(Unmeasured::NeverShipped { outcome, denied: denied.map(String::from) }));
            }
            // Commit at 30 s, then 60 + 120 + 20 s of build, test and push.
            None => assert_eq!(lead.measured, Some(200.0)),
        }
    }
}

#[test]
fn roles_broader_than_their_stage_run_but_count_as_excess() {
    let g = |r: &Report, id: &str| r.objectives.iter().find(|g| g.id == id).unwrap().clone();
    let least = run_iam(&[LEAST[0], LEAST[1], LEAST[2], ("pipeline.strategy", "canary")]);
    assert_eq!(least.summary.pipeline.clone().unwrap().excess_permissions, Some(0));
    assert!(least.objectives.iter().all(|g| g.passed), "the least-privilege roles with a canary pass");
    let admin = run_iam(&[
        ("pipeline.roles.build", "administrator"),
        ("pipeline.roles.push", "administrator"),
        ("pipeline.roles.deploy", "administrator"),
        ("pipeline.strategy", "canary"),
    ]);
    // Same run (the roles allow every stage), but 5 + 4 + 4 actions held beyond need.
    assert_eq!(admin.summary.pipeline.clone().unwrap().excess_permissions, Some(13));
    assert_eq!(admin.summary.versions[1].failed, least.summary.versions[1].failed);
    assert!(!g(&admin, "least_privilege").passed && g(&admin, "lead_time").passed);
}

#[test]
fn a_codedeploy_canary_sends_ten_percent_first_and_rolls_back_a_bad_build() {
    let canary = run_iam(&[LEAST[0], LEAST[1], LEAST[2], ("pipeline.strategy", "canary")]);
    let rolling = run_iam(&[LEAST[0], LEAST[1], LEAST[2], ("pipeline.strategy", "rolling_update")]);
    let rel = canary.summary.release.clone().unwrap();
    assert_eq!(rel.strategy, ReleaseStrategy::Canary);
    assert_eq!(rel.outcome, ReleaseOutcome::RolledBack);
    // Between the deploy (230 s) and the analysis (260 s): exact weights at the load balancer.
    let share: f64 = (240..258).map(|t| canary.series[t].versions[1].share).sum::<f64>() / 18.0;
    assert!((0.07..0.13).contains(&share), "{share}");
    let (c, r) = (rel.blast_radius, rolling.summary.release.clone().unwrap().blast_radius);
    assert!(c * 5 < r, "canary {c} vs rolling {r}");
}

#[test]
fn pipeline_roles_and_steps_name_what_they_need() {
    let bad = [
        ("push = \"administrator\"", "push = \"superuser\"", "pipeline.roles.push"),
        (
            "strategy = \"rolling_update\"\nanalysis",
            "strategy = \"rolling_update\"\nsteps = [{ set_weight = 10 }]\nanalysis",
            "pipeline.steps",
        ),
        ("strategy = \"rolling_update\"\nanalysis", "strategy = \"canary\"\nsteps = [{ set_weight = 200 }]\nanalysis", "pipeline.steps.0"),
        ("strategy = \"rolling_update\"\nanalysis", "strategy = \"canary\"\nsteps = [{ pause_s = 60 }]\nanalysis", "pipeline.steps"),
        ("roles = { build = \"administrator\", push = \"administrator\", deploy = \"none\" }\n", "", "objectives.1.metric"),
    ];
    for (from, to, path) in bad {
        assert!(IAM.contains(from), "{from}");
        let e = Scenario::from_toml_str(&IAM.replacen(from, to, 1)).unwrap_err();
        assert!(e.issues.iter().any(|i| i.path == path), "{to}: expected an issue at {path}, got {e}");
    }
    // excess_permissions needs pipeline.roles.
    let e = Scenario::from_toml_str(&CICD.replace("metric = \"failed_requests\"", "metric = \"excess_permissions\"")).unwrap_err();
    assert!(e.issues.iter().any(|i| i.path == "objectives.0.metric" && i.message.contains("pipeline.roles")), "{e}");
}
