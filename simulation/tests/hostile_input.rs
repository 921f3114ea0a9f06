//! The reproducers of hostile input: each one is refused before the run starts (by validation,
//! naming the field and its range, or by the work budget, naming the field that drives it), or
//! stops within a bounded number of events with the cause named. No wall-clock assertion.

use simulation::budget::{DEFAULT_BUDGET, EVENTS_PER_INSTANT, Estimate};
use simulation::kernel::SimTime;
use simulation::{Fault, Scenario, ScenarioError, Simulation};

const BASIC: &str = include_str!("scenarios/basic.toml");

fn with(sets: &[(&str, &str)]) -> Result<Scenario, ScenarioError> {
    let sets: Vec<(String, String)> = sets.iter().map(|(p, v)| (p.to_string(), v.to_string())).collect();
    Scenario::from_toml_with_overrides(BASIC, &sets)
}

/// A scenario text with `find` replaced by `put`.
fn edited(find: &str, put: &str) -> Result<Scenario, ScenarioError> {
    assert!(BASIC.contains(find), "{find}");
    Scenario::from_toml_str(&BASIC.replace(find, put))
}

fn rejected_at(r: Result<Scenario, ScenarioError>, path: &str, allowed: &str) {
    let e = r.expect_err("must be rejected");
    assert!(e.issues.iter().any(|i| i.path == path && i.message.contains(allowed)), "want {path}: …{allowed}…, got:\n{e}");
}

const CLOSED: &str = "[traffic]\nmodel = \"closed\"\nusers = 50\nthink_time_ms = 0\n";

fn closed_without_queue() -> Scenario {
    let src = BASIC
        .replace("[traffic]\nmodel = \"open\"\nshape = { kind = \"constant\", rps = 140 }\n", CLOSED)
        .replace("workers = 4\n", "workers = 4\nqueue_capacity = 0\n");
    // No pod at all for the first seconds: every request is answered at once (no endpoint).
    Scenario::from_toml_str(&src.replace("replicas = 4\n", "replicas = 0\n")).unwrap()
}

#[test]
fn a_closed_model_with_zero_think_time_and_no_queue_is_refused_before_it_runs() {
    let sc = closed_without_queue();
    let e = Simulation::new(&sc, 1).err().expect("refused by the budget");
    assert_eq!(e.issues[0].path, "traffic.think_time_ms");
    assert!(e.to_string().contains("unbounded") && e.to_string().contains("above 0"), "{e}");
    assert!(e.text().ko.contains("0보다 크게"), "the learner reads it in Korean too: {}", e.text().ko);
    // A think time above 0 but tiny is bounded, and over the budget.
    let mut tiny = sc.clone();
    tiny.traffic.think_time_ms = Some(1e-6);
    let e = Simulation::new(&tiny, 1).err().expect("refused by the budget");
    assert!(e.to_string().contains("over the budget") && e.text().ko.contains("한도"), "{e}");
}

#[test]
fn a_zero_time_loop_past_the_estimate_stops_within_a_bounded_number_of_events() {
    // Even with an unlimited budget, the per-instant cap names the loop's cause.
    let sc = closed_without_queue();
    let mut sim = Simulation::with_budget(&sc, 1, u64::MAX).expect("an unlimited budget accepts it");
    while !sim.step(10_000) {}
    let e = sim.error().expect("stopped by the per-instant cap");
    assert_eq!(e.issues[0].path, "traffic.think_time_ms");
    assert!(e.to_string().contains("zero-time loop"), "{e}");
    assert!(sim.events_processed() <= EVENTS_PER_INSTANT + 4 * 50 + 4 * 50 + 10_000, "{}", sim.events_processed());
    assert!(sim.now() < SimTime::from_secs(1));
}

#[test]
fn huge_rates_spikes_and_replicas_are_out_of_range() {
    rejected_at(edited("rps = 140", "rps = 1e300"), "traffic.shape.rps", "allowed 0 to 1000000");
    rejected_at(edited("rps = 140", "rps = nan"), "traffic.shape.rps", "allowed 0 to 1000000");
    let spike = "\n[[faults]]\nat_s = 10\nkind = \"traffic_spike\"\nmultiplier = 1e20\nduration_s = 10\n";
    rejected_at(Scenario::from_toml_str(&format!("{BASIC}{spike}")), "faults.0.multiplier", "up to 1000");
    let zero = spike.replace("1e20", "0");
    rejected_at(Scenario::from_toml_str(&format!("{BASIC}{zero}")), "faults.0.multiplier", "more than 0");
    // Ten overlapping spikes of x10 multiply to 10^10.
    let stacked = spike.replace("1e20", "10").repeat(10);
    rejected_at(Scenario::from_toml_str(&format!("{BASIC}{stacked}")), "faults.3.at_s", "at most x1000");
    let versions = "\n[[versions]]\nname = \"v1\"\nreplicas = 4294967295\n";
    rejected_at(Scenario::from_toml_str(&format!("{BASIC}{versions}")), "versions.0.replicas", "allowed 0 to 10000");
}

#[test]
fn a_nan_knob_bound_is_an_error_even_when_the_knob_is_set() {
    rejected_at(edited("min = 1\n", "min = nan\n"), "knobs.0.min", "out of range");
    // The override is checked against the knob: with a NaN bound that must not panic.
    let src = BASIC.replace("min = 1\n", "min = nan\n");
    let e = Scenario::from_toml_with_overrides(&src, &[("deployment.replicas".into(), "5".into())]).unwrap_err();
    assert_eq!(e.issues[0].path, "knobs.0.min");
    rejected_at(edited("max = 20\n", "max = inf\n"), "knobs.0.max", "out of range");
    rejected_at(edited("unit = \"pods\"\n", "unit = \"pods\"\nstep = -1\n"), "knobs.0.step", "more than 0");
}

#[test]
fn negative_and_endless_delays_are_errors() {
    let release = "\n[[versions]]\nname = \"v1\"\n[[versions]]\nname = \"v2\"\n\
                   [release]\nat_s = 10\nversion = \"v2\"\nstrategy = \"blue_green\"\n";
    let ok = format!("{BASIC}{release}");
    Scenario::from_toml_str(&ok).expect("the release itself is valid");
    for (field, value, want) in [
        ("auto_promote_s", "-1", "allowed 0 to 86400"),
        ("scale_down_delay_s", "inf", "allowed 0 to 86400"),
        ("progress_deadline_s", "nan", "more than 0 up to 86400"),
    ] {
        rejected_at(Scenario::from_toml_str(&format!("{ok}{field} = {value}\n")), &format!("release.{field}"), want);
    }
    rejected_at(with(&[("sli_latency_ms", "-1")]), "sli_latency_ms", "more than 0");
    rejected_at(edited("mean_ms = 100", "mean_ms = 1e300"), "service.service_time.mean_ms", "up to 3600000");
    rejected_at(edited("replicas = 4\n", "replicas = 4\nstartup_s = 1e300\n"), "deployment.startup_s", "allowed 0 to 3600");
    let hpa = "\n[hpa]\nmax_replicas = 10\nscale_up = { policies = [{ kind = \"pods\", value = 2147483648, period_s = 15 }] }\n";
    rejected_at(Scenario::from_toml_str(&format!("{BASIC}{hpa}")), "hpa.scale_up.policies.0.value", "allowed 1 to 10000");
}

#[test]
fn live_faults_get_the_same_ranges_and_stacking_is_bounded() {
    let sc = with(&[]).unwrap();
    let mut sim = Simulation::new(&sc, 1).unwrap();
    sim.run_until(SimTime::from_secs(5));
    let spike = |m: f64| Fault::TrafficSpike { multiplier: m, duration: SimTime::from_secs(5) };
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e20] {
        let e = sim.inject(spike(bad)).unwrap_err();
        assert_eq!(e.issues[0].path, "fault.multiplier", "{bad}: {e}");
    }
    // The presenter's spike button pressed ten times: accepted until the stack reaches its bound.
    let accepted = (0..10).filter(|_| sim.inject(spike(5.0)).is_ok()).count();
    assert!((1..=4).contains(&accepted), "{accepted} spikes of x5 stacked");
    while !sim.step(100_000) {}
    assert!(sim.error().is_none(), "{:?}", sim.error());
}

#[test]
fn ten_thousand_replicas_on_a_thousand_nodes_are_in_the_estimate() {
    let cluster = "\n[cluster]\nnode_types = [{ name = \"big\", cpu_m = 64000, memory_mi = 262144, price_per_hour = 1 }]\n\
                   node_groups = [{ name = \"g\", node_type = \"big\", nodes = 1000 }]\n";
    let src = format!("{}{cluster}", BASIC.replace("max = 20", "max = 10000"));
    let sc = Scenario::from_toml_with_overrides(&src, &[("deployment.replicas".into(), "10000".into())]).unwrap();
    let e = Estimate::of(&sc);
    // Every pod is tried against every node when it is placed.
    assert!(e.control_plane >= 10_000 * 1000, "{e:?}");
    assert!(e.work <= DEFAULT_BUDGET, "{e:?}");
    // A day of it is over the budget, and says which field drives it.
    let bigger = src.replace("duration_s = 120", "duration_s = 86400");
    let sc = Scenario::from_toml_with_overrides(&bigger, &[("deployment.replicas".into(), "10000".into())]).unwrap();
    let e = Simulation::new(&sc, 1).err().expect("over the budget");
    assert!(["cluster.node_groups", "deployment.replicas"].contains(&e.issues[0].path.as_str()), "{e}");
}
