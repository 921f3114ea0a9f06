//! Zooming a flow-level run's minute into a request-level replay (`Simulation::zoom`): the
//! start is the run's own state, the minute agrees with the flow run's within issue #13's
//! tolerances, and the same minute always replays the same.

mod common;

use simulation::kernel::SimTime;
use simulation::observer::{ClusterSnapshot, PodStatus, SecondSample};
use simulation::simulation::EngineKind;
use simulation::{Scenario, Simulation};

const FLASH_SALE: &str = include_str!("../../content/scenarios/flash-sale-100k-users.toml");
const DAY: &str = include_str!("../../content/scenarios/daily-cycle-24h.toml");

fn scenario(src: &str, sets: &[(&str, &str)]) -> Scenario {
    let sets: Vec<(String, String)> = sets.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    Scenario::from_toml_with_overrides(src, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn flow_at(sc: &Scenario, t: u64) -> Simulation {
    let mut sim = Simulation::with_engine(sc, sc.seed, u64::MAX, EngineKind::Flow).unwrap_or_else(|e| panic!("{e}"));
    sim.run_until(SimTime::from_secs(t));
    sim
}

#[test]
fn a_zoom_at_the_start_is_the_request_level_run_itself() {
    let sc = scenario(FLASH_SALE, &[]);
    let n = 20;
    let fresh = Simulation::with_engine(&sc, sc.seed, u64::MAX, EngineKind::Flow).unwrap();
    let mut zoom = fresh.zoom(SimTime::from_secs(n)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(zoom.engine(), EngineKind::Request);
    zoom.run_until(SimTime::from_secs(n));
    let mut request = Simulation::with_engine(&sc, sc.seed, u64::MAX, EngineKind::Request).unwrap();
    request.run_until(SimTime::from_secs(n));
    assert_eq!(zoom.series().len(), n as usize);
    assert_eq!(zoom.series(), &request.series()[..n as usize]);
}

/// A pod as the control plane places it: name, node, phase.
type Placed = (String, Option<u16>, PodStatus);

/// What the control plane holds, as a viewer sees it: nodes, pods, weights (not the load).
fn cluster_state(s: &ClusterSnapshot) -> (Vec<String>, Vec<Placed>, Vec<String>) {
    let nodes = s.nodes.iter().map(|n| format!("{} {:?}", n.name, n.status)).collect();
    let pods = s.pods.iter().map(|p| (p.name.clone(), p.node, p.status)).collect();
    let weights = s.versions.iter().map(|v| format!("{} {:.6}", v.name, v.weight)).collect();
    (nodes, pods, weights)
}

/// The minute's throughput (requests/s), availability and p50 (weighted by throughput).
fn minute(series: &[SecondSample]) -> (f64, f64, f64) {
    let done: f64 = series.iter().map(|s| s.completed_rps).sum();
    let answered: f64 = series.iter().map(|s| s.completed_rps + s.failed_rps).sum();
    let good: f64 = series.iter().map(|s| s.availability * (s.completed_rps + s.failed_rps)).sum();
    let p50: f64 = series.iter().map(|s| s.p50_ms.unwrap_or(0.0) * s.completed_rps).sum::<f64>() / done.max(1e-9);
    (done / series.len() as f64, good / answered.max(1e-9), p50)
}

struct Case {
    name: &'static str,
    src: &'static str,
    at_s: u64,
}

/// A minute in the flash sale's climb, one at its plateau, and a minute of the day's peak.
const CASES: &[Case] = &[
    Case { name: "flash sale, climbing", src: FLASH_SALE, at_s: 1_080 },
    Case { name: "flash sale, at the peak", src: FLASH_SALE, at_s: 1_800 },
    Case { name: "day, morning", src: DAY, at_s: 36_000 },
];

#[test]
fn a_zoomed_minute_starts_from_the_runs_state_and_agrees_with_its_minute() {
    for c in CASES {
        // The reference settings: the system keeps up, as the validation's steady points.
        let plain = scenario(c.src, &[]);
        let sets = common::reference_overrides(&plain);
        let sc = Scenario::from_toml_with_overrides(c.src, &sets).unwrap_or_else(|e| panic!("{e}"));
        let mut flow = flow_at(&sc, c.at_s);
        let mut zoom = flow.zoom(SimTime::from_secs(60)).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(
            cluster_state(&zoom.cluster_snapshot().unwrap()),
            cluster_state(&flow.cluster_snapshot().unwrap()),
            "{}: the zoom starts where the run stands",
            c.name
        );
        let end = SimTime::from_secs(c.at_s + 60);
        zoom.run_until(end);
        flow.run_until(end);
        let from = c.at_s as usize;
        let (f, z) = (minute(&flow.series()[from..from + 60]), minute(zoom.series()));
        assert_eq!(zoom.series()[0].t, c.at_s, "{}: the replay's series starts at its minute", c.name);
        let desired = |s: &[SecondSample]| s.iter().map(|x| x.cluster.pods_desired).collect::<Vec<_>>();
        for (a, b) in desired(&flow.series()[from..from + 60]).iter().zip(desired(zoom.series())) {
            assert!(a.abs_diff(b) <= 1, "{}: HPA replicas {a} against {b}", c.name);
        }
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-9);
        println!(
            "{}: throughput {:.1} vs {:.1} req/s ({:+.2} %), availability {:.4} vs {:.4} ({:+.3} pp), p50 {:.2} vs {:.2} ms ({:+.2} %)",
            c.name,
            z.0,
            f.0,
            100.0 * (z.0 - f.0) / f.0,
            z.1,
            f.1,
            100.0 * (z.1 - f.1),
            z.2,
            f.2,
            100.0 * (z.2 - f.2) / f.2
        );
        assert!(rel(z.0, f.0) <= 0.01, "{}: throughput {} against {}", c.name, z.0, f.0);
        assert!((z.1 - f.1).abs() <= 0.002, "{}: availability {} against {}", c.name, z.1, f.1);
        assert!(rel(z.2, f.2) <= 0.05, "{}: p50 {} against {}", c.name, z.2, f.2);
    }
}

#[test]
fn the_same_minute_replays_the_same() {
    let sc = scenario(FLASH_SALE, &[]);
    let flow = flow_at(&sc, 1_200);
    let a = flow.zoom(SimTime::from_secs(30)).unwrap().finish();
    let b = flow.zoom(SimTime::from_secs(30)).unwrap().finish();
    assert_eq!(a.digest(), b.digest());
    let other = flow_at(&sc, 1_200).zoom(SimTime::from_secs(30)).unwrap().finish();
    assert_eq!(a.digest(), other.digest(), "a run re-run to the same second zooms the same");
}

#[test]
fn a_zoom_is_refused_in_words_when_it_cannot_be() {
    let sc = scenario(FLASH_SALE, &[]);
    let mut flow = flow_at(&sc, 0);
    flow.run_until(SimTime(1_500_000));
    let e = flow.zoom(SimTime::from_secs(60)).err().expect("not at a whole second");
    assert_eq!(e.issues[0].path, "zoom");
    assert!(e.issues[0].message_ko.is_some());
    let end = flow_at(&sc, 3_600);
    assert!(end.zoom(SimTime::from_secs(60)).is_err(), "nothing left to replay");
    let request = Simulation::with_engine(&sc, 1, u64::MAX, EngineKind::Request).unwrap();
    assert!(request.zoom(SimTime::from_secs(60)).is_err(), "already request by request");
    // A minute too big for the request level: refused before anything is built, in both languages.
    let huge = scenario(FLASH_SALE, &[("traffic.shape.peak_rps", "1000000"), ("traffic.shape.base_rps", "1000000"), ("traffic.think_time_ms", "1000")]);
    let flow = Simulation::with_engine(&huge, 1, simulation::budget::DEFAULT_BUDGET, EngineKind::Flow).unwrap_or_else(|e| panic!("{e}"));
    let e = flow.zoom(SimTime::from_secs(60)).err().expect("60 M requests in a minute are over the budget");
    assert!(e.issues[0].message.contains("too big to replay") && e.issues[0].message.contains("in 60 s"), "{e}");
    assert!(e.issues[0].message_ko.as_deref().is_some_and(|m| m.contains("60초")), "{e}");
}
