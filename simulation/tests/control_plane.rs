//! Scenario-level behaviour of the Kubernetes control plane (issue 4): what a learner sees must
//! be what the real controllers would do.

use simulation::event_log::{CrashWhy, EventKind};
use simulation::report::{ReleaseOutcome, Report};
use simulation::{Scenario, Simulation};

const CLUSTER: &str = include_str!("scenarios/control_plane/cluster.toml");
const HPA: &str = include_str!("scenarios/control_plane/hpa.toml");
const RELEASE: &str = include_str!("scenarios/control_plane/release.toml");

fn run(src: &str, overrides: &[(&str, &str)]) -> Report {
    let overrides: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sc = Scenario::from_toml_with_overrides(src, &overrides).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, sc.seed).unwrap().finish()
}

/// The events that `pick` finds something in, with their times.
fn events<T>(r: &Report, pick: impl Fn(&EventKind) -> Option<T>) -> Vec<(f64, T)> {
    r.events.iter().filter_map(|e| pick(&e.kind).map(|x| (e.t, x))).collect()
}

/// The HPA's changes: (time, from, to).
fn hpa_changes(r: &Report) -> Vec<(f64, f64, f64)> {
    events(r, |k| match k {
        EventKind::HpaScaled { from, to, .. } => Some((*from as f64, *to as f64)),
        _ => None,
    })
    .into_iter()
    .map(|(t, (from, to))| (t, from, to))
    .collect()
}

#[test]
fn rolling_update_of_ten_stays_within_surge_and_unavailable() {
    // 10 replicas, maxSurge 25 % (3, rounded up) and maxUnavailable 25 % (2, rounded down).
    let r = run(RELEASE, &[("versions.1.error_rate", "0"), ("release.strategy", "rolling_update")]);
    let during: Vec<_> = r.series.iter().filter(|s| s.t >= 60).collect();
    let most = during.iter().map(|s| s.cluster.pods_total).max().unwrap();
    let least_ready = during.iter().map(|s| s.ready_pods).min().unwrap();
    assert!(most <= 13, "pods never exceed replicas + maxSurge: saw {most}");
    assert_eq!(most, 13, "the rollout does use its surge");
    assert!(least_ready >= 8, "available pods never drop below replicas - maxUnavailable: saw {least_ready}");
    let rel = r.summary.release.as_ref().unwrap();
    assert_eq!(rel.outcome, ReleaseOutcome::Completed);
    assert_eq!(r.series.last().unwrap().versions[1].ready_pods, 10);
    assert_eq!(r.summary.failed, 0, "a good rolling update loses no request");
}

#[test]
fn hpa_follows_a_load_step_to_the_replica_formula_and_respects_policies() {
    // No node limit: only the HPA decides. 400 rps × 40 ms = 16 busy workers × 125m = 2000m of
    // CPU; at a 50 % target of 500m requests that is ceil(2000 / 250) = 8 replicas.
    let r = run(HPA, &[]);
    let changes = hpa_changes(&r);
    assert!(!changes.is_empty(), "the HPA acted");
    // Scale-up policy: at most 2 pods added in any 30 s period.
    for (i, &(t, _, _)) in changes.iter().enumerate() {
        let added: f64 = changes[..=i].iter().filter(|c| t - c.0 < 30.0).map(|c| (c.2 - c.1).max(0.0)).sum();
        assert!(added <= 2.0, "more than 2 pods added in the 30 s before {t}: {changes:?}");
    }
    // The first reaction waits for metrics: the step is at 60 s, samples every 15 s.
    assert!(changes[0].0 >= 60.0 && changes[0].0 <= 90.0, "first HPA change at {}", changes[0].0);
    // Converged to the formula (within the 10 % tolerance band) by the end.
    let last = r.series.last().unwrap().cluster.pods_desired as f64;
    assert!((7.0..=9.0).contains(&last), "desired replicas {last}, expected about 8: {changes:?}");
    // The formula wants about 8 from the first sample on, so the policy is what paces it: +2, +2.
    assert_eq!((changes[0].1, changes[0].2), (3.0, 5.0), "{changes:?}");
    assert_eq!((changes[1].1, changes[1].2), (5.0, 7.0), "{changes:?}");
    assert_eq!(changes[1].0 - changes[0].0, 30.0, "the next +2 waits for the 30 s period: {changes:?}");
}

#[test]
fn hpa_scale_down_waits_for_the_stabilization_window() {
    let src = CLUSTER.replace(
        "shape = { kind = \"step\", from_rps = 100, to_rps = 400, at_s = 60 }",
        "shape = { kind = \"step\", from_rps = 400, to_rps = 50, at_s = 120 }",
    );
    let src = src.replace("\nreplicas = 3\n", "\nreplicas = 9\n").replace("nodes = 3\n", "nodes = 4\n");
    let src = src.replace("target_cpu_percent = 50", "target_cpu_percent = 50\nscale_down = { stabilization_s = 180 }");
    let r = run(&src, &[]);
    let downs: Vec<(f64, f64, f64)> = hpa_changes(&r).into_iter().filter(|(_, from, to)| to < from).collect();
    assert!(!downs.is_empty(), "the HPA scaled down after the load dropped");
    // The load drops at 120 s; the recommendations of the last 180 s hold the replicas up.
    assert!(downs[0].0 >= 120.0 + 180.0 - 15.0, "scaled down at {} before the window ran out: {downs:?}", downs[0].0);
}

#[test]
fn a_node_failure_reschedules_and_the_cluster_autoscaler_adds_a_node_after_its_delay() {
    // 9 replicas on 3 nodes of 4 slots: losing a node leaves room for only 2 of its 3 pods.
    let src = CLUSTER
        .replace("shape = { kind = \"step\", from_rps = 100, to_rps = 400, at_s = 60 }", "shape = { kind = \"constant\", rps = 300 }")
        .replace("\nreplicas = 3\n", "\nreplicas = 9\n")
        .replace("min_replicas = 3", "min_replicas = 9")
        .replace("max_replicas = 12", "max_replicas = 9")
        + "\n[[faults]]\nat_s = 60\nkind = \"kill_node\"\nnode = \"pool-1\"\n";
    let r = run(&src, &[]);
    let not_ready = events(&r, |k| matches!(k, EventKind::NodeNotReady { node, .. } if node == "pool-1").then_some(()));
    let t_not_ready = not_ready.first().map(|e| e.0).unwrap();
    assert_eq!(t_not_ready, 100.0, "NotReady after the 40 s node-monitor grace period");
    // Until then the dead pods are still endpoints: requests sent there hang until the 2 s timeout.
    let lost: u64 = r.series.iter().filter(|s| (60..102).contains(&s.t)).map(|s| s.timed_out).sum();
    assert!(lost > 0, "the black-hole window before NotReady");
    let after: u64 = r.series.iter().filter(|s| (103..130).contains(&s.t)).map(|s| s.timed_out).sum();
    assert_eq!(after, 0, "once the pods leave the endpoints nothing more is lost");
    let t_evict = events(&r, |k| matches!(k, EventKind::NodeEvicting { .. }).then_some(())).first().map(|e| e.0).unwrap();
    assert_eq!(t_evict, 130.0, "evicted 30 s (the toleration) after NotReady");
    let rs = events(&r, |k| match k {
        EventKind::ReplicaSetCreating { have, want, .. } => Some((*have, *want)),
        _ => None,
    });
    assert!(rs.iter().any(|(t, counts)| *t == 130.0 && *counts == (6, 9)), "{rs:?}");
    let pending = events(&r, |k| match k {
        EventKind::PodsPending { why, .. } => Some(why.clone()),
        _ => None,
    });
    assert!(pending.iter().any(|(t, why)| *t == 130.0 && why.contains("insufficient cpu")), "{pending:?}");
    let ca = events(&r, |k| match k {
        EventKind::NodesAdded { count, node_type, .. } => Some((*count, node_type.clone())),
        _ => None,
    });
    let (t_up, _) = ca.iter().find(|(_, (n, ty))| *n == 1 && ty == "small").unwrap_or_else(|| panic!("{ca:?}"));
    assert!((130.0..=140.0).contains(t_up), "the next scan after the pod went pending: {t_up}");
    let joined = events(&r, |k| matches!(k, EventKind::NodeJoined { .. }).then_some(())).first().map(|e| e.0).unwrap();
    assert_eq!(joined, t_up + 90.0, "the new node is ready after its provisioning delay");
    assert_eq!(r.series.last().unwrap().ready_pods, 9, "every replica runs again");
    assert!(r.series.iter().any(|s| s.t > 130 && s.cluster.pods_pending == 1));
}

#[test]
fn a_crash_looping_pod_backs_off_10_20_40_up_to_300_seconds() {
    let r = run(
        RELEASE,
        &[
            ("versions.1.crash_on_start", "true"),
            ("versions.1.error_rate", "0"),
            ("release.strategy", "rolling_update"),
            ("deployment.replicas", "1"),
            ("duration_s", "1400"),
            ("release.progress_deadline_s", "1300"),
        ],
    );
    let crashes: Vec<(f64, f64)> = events(&r, |k| match k {
        EventKind::ContainerCrashed { why: CrashWhy::OnStart, backoff_s, .. } => Some(*backoff_s as f64),
        _ => None,
    });
    let backoffs: Vec<f64> = crashes.iter().map(|c| c.1).collect();
    assert_eq!(&backoffs[..7], &[10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0], "{crashes:?}");
    // Each restart waits its back-off, then the container runs its 5 s start-up and crashes again.
    for w in crashes.windows(2) {
        assert_eq!(w[1].0 - w[0].0, w[0].1 + 5.0, "{crashes:?}");
    }
    // The old version keeps serving: the new pod never became available.
    assert!(r.series.iter().all(|s| s.ready_pods >= 1));
}
