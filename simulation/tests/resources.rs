//! Memory, disk I/O, network bandwidth and staged users at scenario level: each resource is a
//! load that behaves like the thing it models (queueing maths for the disk and the link, the
//! OOM killer and the kubelet's back-off and eviction for memory, Little's law for users).

mod common;

use simulation::event_log::EventKind;
use simulation::report::Report;
use simulation::{Scenario, Simulation};

fn run(src: &str, seed: u64) -> Report {
    let sc = Scenario::from_toml_str(src).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&sc, seed).unwrap().finish()
}

/// One service: `extra` adds or replaces sections.
fn scenario(traffic: &str, service: &str, extra: &str) -> String {
    format!(
        r#"format = 1
id = "resource-test"
chapter = "load"
title = {{ ko = "자원", en = "Resources" }}
duration_s = 300
warmup_s = 20
{traffic}
{service}
{extra}
"#
    )
}

const OPEN_200: &str = "[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 200 }";

#[test]
fn the_disk_is_an_mm1_station_whose_wait_grows_with_utilisation() {
    // Service 1 ms fixed, query latency 1 ms fixed, disk S = 2.5 ms exponential: ρ = 200 × 2.5 ms = 0.5,
    // so the disk's sojourn is S / (1 − ρ) = 5 ms and a response takes 1 + 5 + 1 = 7 ms on average.
    let service = "[service]\nworkers = 64\nservice_time = { kind = \"deterministic\", mean_ms = 1 }\n[deployment]\nreplicas = 2";
    let mean = |iops: f64| {
        let db = format!(
            "[database]\nconnections = 200\nlatency = {{ kind = \"deterministic\", mean_ms = 1 }}\niops = {iops}\nio_per_query = 1"
        );
        let r = run(&scenario(OPEN_200, service, &db), 11);
        (r.summary.latency_ms.mean.unwrap(), r.summary.disk_utilization.unwrap(), r)
    };
    let (at_half, util, r) = mean(400.0);
    assert!((at_half - 7.0).abs() < 0.35, "mean response {at_half} ms, M/M/1 says 7 ms");
    assert!((util - 0.5).abs() < 0.03, "disk utilisation {util}");
    assert!(r.series.iter().all(|s| s.disk_utilization.is_some()), "every second has the disk's utilisation");
    // 250 IOPS: S = 4 ms, ρ = 0.8, sojourn S / (1 − ρ) = 20 ms: the wait grows much faster than the load.
    let (at_eighty, util, _) = mean(250.0);
    assert!((at_eighty - 22.0).abs() < 1.6, "mean response {at_eighty} ms, M/M/1 says 22 ms");
    assert!((util - 0.8).abs() < 0.03, "disk utilisation {util}");
    // Without iops there is no disk, and nothing about it in the report.
    let db = "[database]\nconnections = 200\nlatency = { kind = \"deterministic\", mean_ms = 1 }";
    let r = run(&scenario(OPEN_200, service, db), 11);
    assert_eq!(r.summary.disk_utilization, None);
    assert!((r.summary.latency_ms.mean.unwrap() - 2.0).abs() < 0.05);
}

#[test]
fn a_saturated_disk_is_not_fixed_by_a_bigger_pool() {
    let service = "[service]\nworkers = 16\nqueue_capacity = 50\ntimeout_ms = 1000\nservice_time = { kind = \"deterministic\", mean_ms = 1 }\n[deployment]\nreplicas = 4";
    let with_pool = |connections: u32| {
        let db = format!(
            "[database]\nconnections = {connections}\nlatency = {{ kind = \"deterministic\", mean_ms = 1 }}\niops = 150\nio_per_query = 1"
        );
        run(&scenario(OPEN_200, service, &db), 3)
    };
    for pool in [10, 100] {
        let r = with_pool(pool);
        assert!(r.summary.disk_utilization.unwrap() > 0.98, "pool {pool}: the disk stays saturated");
        assert!(r.summary.availability < 0.9, "pool {pool}: requests fail: {}", r.summary.availability);
    }
}

#[test]
fn the_network_link_is_an_md1_station_per_node() {
    // 250 kB at 1 Gbps = 2 ms per response; one pod without a cluster is its own host: ρ = 0.4,
    // M/D/1 wait = ρ·S / (2(1 − ρ)) = 0.667 ms, so a response takes 1 + 2 + 0.667 ms.
    let service = "[service]\nworkers = 64\nservice_time = { kind = \"deterministic\", mean_ms = 1 }\n[deployment]\nreplicas = 1";
    let net = "[network]\nnode_gbps = 1\nresponse_kb = 250";
    let r = run(&scenario(OPEN_200, service, net), 5);
    let mean = r.summary.latency_ms.mean.unwrap();
    assert!((mean - 3.667).abs() < 0.15, "mean response {mean} ms, M/D/1 says 3.67 ms");
    let util = r.summary.network_utilization.unwrap();
    assert!((util - 0.4).abs() < 0.03, "link utilisation {util}");
    // Two pods, two hosts: each link carries half.
    let two = service.replace("replicas = 1", "replicas = 2");
    let r = run(&scenario(OPEN_200, &two, net), 5);
    assert!(r.summary.network_utilization.unwrap() < 0.27, "busiest of two links: {}", r.summary.network_utilization.unwrap());
}

#[test]
fn pods_on_one_node_share_its_link_and_more_pods_do_not_help() {
    // 300 rps × 500 kB = 1.2 Gbps through a 1 Gbps node: saturated whatever the pod count.
    let traffic = "[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 300 }";
    let cluster = |pods: u32, nodes: u32| {
        format!(
            "[service]\nworkers = 8\ntimeout_ms = 2000\nservice_time = {{ kind = \"exponential\", mean_ms = 10 }}\n[deployment]\nreplicas = {pods}\n\
             [network]\nnode_gbps = 1\nresponse_kb = 500\n[cluster]\nnode_types = [{{ name = \"n\", cpu_m = 16000, memory_mi = 65536, price_per_hour = 0.2 }}]\n\
             [[cluster.node_groups]]\nname = \"w\"\nnode_type = \"n\"\nnodes = {nodes}"
        )
    };
    for pods in [4, 12] {
        let r = run(&scenario(traffic, &cluster(pods, 1), ""), 2);
        assert!(r.summary.network_utilization.unwrap() > 0.99, "{pods} pods on one node");
        assert!(r.summary.timed_out > 10_000, "{pods} pods: late responses time out");
    }
    // Two nodes: two links at 60 % each, nothing times out.
    let r = run(&scenario(traffic, &cluster(4, 2), ""), 2);
    let util = r.summary.network_utilization.unwrap();
    assert!((0.5..0.72).contains(&util), "busiest of two node links: {util}");
    assert_eq!(r.summary.timed_out, 0);
}

const MEMORY_SERVICE: &str = "[service]\nworkers = 4\ntimeout_ms = 5000\nservice_time = { kind = \"exponential\", mean_ms = 100 }";

fn memory(queue: &str, limit: u32, request: u32, cluster: bool) -> String {
    let nodes = if cluster {
        "[cluster]\nnode_types = [{ name = \"n\", cpu_m = 8000, memory_mi = 2048, price_per_hour = 0.1 }]\n[[cluster.node_groups]]\nname = \"w\"\nnode_type = \"n\"\nnodes = 2"
    } else {
        ""
    };
    scenario(
        "[traffic]\nmodel = \"open\"\nshape = { kind = \"spike\", base_rps = 100, peak_rps = 260, at_s = 60, duration_s = 60 }",
        &format!("{MEMORY_SERVICE}\n{queue}"),
        &format!(
            "[deployment]\nreplicas = 6\nstartup_s = 5\nmemory_baseline_mi = 200\nmemory_per_request_mi = 20\nmemory_limit_mi = {limit}\nmemory_request_mi = {request}\n{nodes}"
        ),
    )
}

#[test]
fn requests_in_flight_use_memory_and_past_the_limit_the_container_is_oom_killed_and_backs_off() {
    let r = run(&memory("", 512, 512, false), 9);
    let m = r.summary.memory.clone().expect("memory is modelled");
    assert!(m.oom_kills > 0, "an unbounded queue in a surge passes the limit");
    // The OOM killer acts at the limit: no pod is ever seen far above it.
    assert!(m.peak_pod_mi <= 512.0 + 20.0, "peak {}", m.peak_pod_mi);
    let restarts = common::oom_backoffs(&r);
    assert!(restarts.contains(&10), "first restart after 10 s: {restarts:?}");
    assert!(restarts.contains(&20), "a pod killed again waits 20 s: {restarts:?}");
    assert!(r.summary.pod_killed > 0, "its requests die with it");
    let oom_seconds: u64 = r.series.iter().filter_map(|s| s.memory.as_ref()).map(|m| m.oom_kills).sum();
    assert!(oom_seconds >= m.oom_kills, "the series counts them too");
    // A queue bound of 11 keeps 4 + 11 requests × 20 MiB + 200 MiB = 500 MiB under the limit.
    let bounded = run(&memory("queue_capacity = 11", 512, 512, false), 9);
    let m = bounded.summary.memory.unwrap();
    assert_eq!(m.oom_kills, 0);
    assert!(m.peak_pod_mi <= 500.0 && m.peak_pod_mi >= 400.0, "peak {}", m.peak_pod_mi);
    assert!(bounded.summary.rejected > 0, "the excess is shed instead");
}

#[test]
fn node_memory_pressure_evicts_the_pods_above_their_request() {
    // Limit 2 GiB over a 512 MiB request: the scheduler packs 3 pods on a 2 GiB node, their use
    // grows past it in the surge, and the kubelet evicts.
    let r = run(&memory("", 2048, 512, true), 9);
    let m = r.summary.memory.clone().unwrap();
    assert!(m.evictions > 0, "memory pressure evicts: {m:?}");
    assert!(m.peak_node_utilization.unwrap() > 0.9);
    let (using, requested) = r
        .events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Evicted { usage_mi, request_mi, .. } => Some((usage_mi, request_mi)),
            _ => None,
        })
        .expect("an eviction");
    assert!(using > requested, "the evicted pod used more than it requested: {using} MiB over {requested} MiB");
    // Request = limit: nothing is overcommitted, nothing is evicted (pods that do not fit wait).
    let r = run(&memory("queue_capacity = 11", 512, 512, true), 9);
    assert_eq!(r.summary.memory.unwrap().evictions, 0);
}

#[test]
fn without_memory_settings_nothing_about_memory_is_reported() {
    let r = run(
        &scenario(
            OPEN_200,
            "[service]\nworkers = 8\nservice_time = { kind = \"exponential\", mean_ms = 10 }",
            "[deployment]\nreplicas = 3",
        ),
        1,
    );
    assert!(r.summary.memory.is_none() && r.series.iter().all(|s| s.memory.is_none()));
    assert!(r.summary.network_utilization.is_none() && r.series.iter().all(|s| s.users.is_none()));
}

#[test]
fn staged_users_follow_the_script_and_throughput_follows_littles_law() {
    // Think 1 s, service ~5 ms: throughput = N / (Z + R) ≈ N / 1.005.
    let traffic = "[traffic]\nmodel = \"closed\"\nthink_time_ms = 1000\nshape = { kind = \"staged\", stages = [\n  { target_rps = 400, duration_s = 60 },\n  { target_rps = 400, duration_s = 120 },\n  { target_rps = 100, duration_s = 60 },\n] }";
    let service = "[service]\nworkers = 64\nservice_time = { kind = \"exponential\", mean_ms = 5 }\n[deployment]\nreplicas = 4";
    let r = run(&scenario(traffic, service, ""), 4);
    let users: Vec<u32> = r.series.iter().map(|s| s.users.unwrap()).collect();
    assert_eq!(users[0], 0);
    assert_eq!(users[30], 200, "half-way up the ramp");
    assert!(users[60..180].iter().all(|&u| u == 400), "hold");
    assert_eq!(users[210], 250, "half-way down");
    assert_eq!(users[299], 100, "the last target holds");
    let hold: f64 = r.series[90..180].iter().map(|s| s.completed_rps).sum::<f64>() / 90.0;
    assert!((hold - 400.0 / 1.005).abs() < 12.0, "throughput in the hold {hold}, Little's law says 398");
    let tail: f64 = r.series[260..300].iter().map(|s| s.completed_rps).sum::<f64>() / 40.0;
    assert!((tail - 100.0 / 1.005).abs() < 8.0, "after the ramp down {tail}");
}

#[test]
fn a_closed_model_takes_users_or_a_shape_not_both() {
    let both = scenario(
        "[traffic]\nmodel = \"closed\"\nusers = 10\nthink_time_ms = 100\nshape = { kind = \"constant\", rps = 10 }",
        "[service]\nworkers = 1\nservice_time = { kind = \"exponential\", mean_ms = 5 }",
        "",
    );
    let e = Scenario::from_toml_str(&both).unwrap_err();
    assert!(e.issues.iter().any(|i| i.path == "traffic.users"), "{e}");
    let huge = scenario(
        "[traffic]\nmodel = \"closed\"\nthink_time_ms = 100\nshape = { kind = \"ramp\", from_rps = 0, to_rps = 2000000, duration_s = 60 }",
        "[service]\nworkers = 1\nservice_time = { kind = \"exponential\", mean_ms = 5 }",
        "",
    );
    let e = Scenario::from_toml_str(&huge).unwrap_err();
    assert!(e.issues.iter().any(|i| i.path.starts_with("traffic.shape") && i.message.contains("1000000")), "{e}");
}

#[test]
fn new_settings_are_range_checked_with_their_field_path() {
    let service = "[service]\nworkers = 4\nservice_time = { kind = \"exponential\", mean_ms = 5 }";
    let cases = [
        ("[network]\nnode_gbps = 0\nresponse_kb = 10", "network.node_gbps"),
        ("[network]\nnode_gbps = 1\nresponse_kb = -1", "network.response_kb"),
        ("[database]\nconnections = 5\nlatency = { kind = \"exponential\", mean_ms = 5 }\niops = 0", "database.iops"),
        (
            "[database]\nconnections = 5\nlatency = { kind = \"exponential\", mean_ms = 5 }\niops = 10\nio_per_query = 0",
            "database.io_per_query",
        ),
        ("[deployment]\nmemory_per_request_mi = -2", "deployment.memory_per_request_mi"),
        ("[deployment]\nmemory_limit_mi = 0", "deployment.memory_limit_mi"),
    ];
    for (extra, path) in cases {
        let e = Scenario::from_toml_str(&scenario(OPEN_200, service, extra)).unwrap_err();
        assert!(e.issues.iter().any(|i| i.path == path && i.message.contains("allowed")), "{path}: {e}");
    }
}
