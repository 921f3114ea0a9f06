//! Seeded, bounded fuzzing of the scenario format and of short runs: structure-aware mutations
//! of every content scenario (numbers at the edges of their types, wrong types, huge strings,
//! deleted and duplicated entries) and of `--set` overrides, with live faults at edge values
//! halfway through some runs. For every case: no panic; a rejection names a field path; an
//! accepted scenario is either refused by the work budget (naming the field) or runs a bounded
//! number of events without passing its estimate (or, after a live spike, its budget).
//!
//! Deterministic: the mutator draws from the engine's named seeded streams, so a failing case
//! reproduces from its number. `FUZZ_CASES=N` (or `cargo xtask fuzz N`) runs more cases.

mod common;

use common::{content_scenarios, root, toml_files};
use simulation::budget::Estimate;
use simulation::port::PodId;
use simulation::rng::RngStream;
use simulation::simulation::EngineKind;
use simulation::{Fault, Scenario, ScenarioError, SimTime, Simulation};
use std::panic::{AssertUnwindSafe, catch_unwind};
use toml::Value;

/// Cases in the normal test command.
const CASES: u64 = 5000;
/// Work budget for a fuzz run: anything larger is refused before it starts.
const BUDGET: u64 = 5_000_000;
/// Events a fuzz run may take before the harness stops it (keeps every case short).
const RUN_EVENTS: u64 = 50_000;

/// The catalog and every test scenario: the seeds of the mutations.
fn sources() -> Vec<(String, String)> {
    let mut all = content_scenarios();
    all.extend(toml_files(&root().join("simulation/tests/scenarios")).into_iter().map(|(p, text)| (p.display().to_string(), text)));
    assert!(all.len() >= 7);
    all
}

/// Numbers at the edges: zero, negative, not a number, infinite, huge, at the 32- and 64-bit limits.
const NUMBERS: &[f64] = &[
    0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
    1e20,
    2147483648.0,
    4294967295.0,
    9.223372036854776e18,
    1e-300,
    0.5,
    1e6,
];
const INTEGERS: &[i64] = &[0, -1, 1, 2147483647, 2147483648, 4294967295, 4294967296, i64::MAX, i64::MIN, 10_000, 1_000_000];
/// Raw `--set` values, as a user would type them.
const RAWS: &[&str] = &[
    "0",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e300",
    "1e20",
    "2147483648",
    "4294967295",
    "9223372036854775808",
    "0.0001",
    "\"x\"",
    "true",
    "[1, 2]",
    "{ a = 1 }",
    "",
    "1_000_000",
    "25%",
    "\"1000000%\"",
];

/// Every leaf and table of the document, as paths of keys and list indices.
fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                here.push(k.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(i.to_string());
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut node = v;
    for seg in path {
        node = match node {
            Value::Table(t) => t.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

fn pick<'a, T>(rng: &mut RngStream, xs: &'a [T]) -> &'a T {
    &xs[rng.below(xs.len() as u64) as usize]
}

/// One structure-aware mutation of the document.
fn mutate(doc: &mut Value, rng: &mut RngStream) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let path = pick(rng, &all[1..]).clone();
    let (parent, last) = path.split_at(path.len() - 1);
    let Some(node) = at(doc, &path) else { return };
    let how = rng.below(11);
    match (how, &*node) {
        // Edges of the number's own type (the common case: it gets past the type check).
        (0..=3, Value::Float(_)) => *node = Value::Float(*pick(rng, NUMBERS)),
        (0..=3, Value::Integer(_)) => *node = Value::Integer(*pick(rng, INTEGERS)),
        // A plausible but heavier value: the budget's and the caps' cases.
        (4, Value::Float(x)) => *node = Value::Float(x * *pick(rng, &[0.0, 0.5, 10.0, 100.0, 1e4])),
        (4, Value::Integer(x)) => *node = Value::Integer(x.saturating_mul(*pick(rng, &[0, 2, 10, 100, 10_000]))),
        (5, _) => {
            *node = match rng.below(5) {
                0 => Value::String("x".repeat(100_000)),
                1 => Value::Boolean(true),
                2 => Value::Array(vec![Value::Integer(1)]),
                3 => Value::Table(Default::default()),
                _ => Value::String(String::new()),
            }
        }
        (6, _) => {
            // Delete the entry (a key, or a list element).
            let last = last[0].clone();
            match at(doc, parent) {
                Some(Value::Table(t)) => {
                    t.remove(&last);
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
        (7, _) => {
            // Duplicate a list element (a second [[versions]], [[faults]], stage...).
            if let Some(Value::Array(a)) = at(doc, parent)
                && let Ok(i) = last[0].parse::<usize>()
            {
                let copy = a[i].clone();
                for _ in 0..1 + rng.below(12) {
                    a.push(copy.clone());
                }
            }
        }
        (8, Value::Table(_)) => {
            if let Value::Table(t) = node {
                t.insert("unexpected".into(), Value::Integer(1));
            }
        }
        (8, Value::String(_)) => *node = Value::String("\u{0}<script>\u{202e}한".repeat(1 + rng.below(1000) as usize)),
        (9, Value::Integer(_)) => *node = Value::Float(*pick(rng, NUMBERS)),
        _ => *node = Value::Float(*pick(rng, NUMBERS)),
    }
}

/// Byte-level damage to the text: the TOML parser must say where.
fn damage(src: &str, rng: &mut RngStream) -> String {
    let mut s = src.to_string();
    let cut = |s: &str, rng: &mut RngStream| {
        let mut i = rng.below(s.len() as u64 + 1) as usize;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match rng.below(4) {
        0 => {
            let i = cut(s.as_str(), rng);
            s.truncate(i);
        }
        1 => {
            let i = cut(s.as_str(), rng);
            s.insert_str(i, pick::<&str>(rng, &["[", "]", "=", "\"", "\n[[versions]]\n", "\n[service]\n", "{", "#", "'''"]));
        }
        2 => {
            let lines: Vec<&str> = s.lines().collect();
            let l = rng.below(lines.len() as u64) as usize;
            s = lines.iter().enumerate().flat_map(|(i, x)| if i == l { vec![*x, *x] } else { vec![*x] }).collect::<Vec<_>>().join("\n");
        }
        _ => s = s.repeat(2),
    }
    s
}

/// What happened to one case (for the summary).
#[derive(Default)]
struct Tally {
    rejected: u64,
    refused: u64,
    ran: u64,
    halted: u64,
}

fn check_error(case: u64, what: &str, e: &ScenarioError) {
    assert!(!e.issues.is_empty(), "case {case} ({what}): an error with no issue");
    for i in &e.issues {
        let named = !i.path.is_empty() || i.message.contains("TOML syntax error");
        assert!(named, "case {case} ({what}): a rejection without a field path: {i:?}");
        assert!(!i.message.is_empty(), "case {case} ({what}): an empty message at {}", i.path);
    }
}

/// A live action at edge values, as a presenter's button or a link could send.
fn live_fault(rng: &mut RngStream) -> Fault {
    let (x, duration) = (*pick(rng, NUMBERS), SimTime::from_secs_f64(*pick(rng, NUMBERS)));
    match rng.below(6) {
        0 | 1 => Fault::TrafficSpike { multiplier: x, duration },
        2 => Fault::SlowDependency { factor: x, duration },
        3 => Fault::KillPod(Some(PodId(rng.next_u64() as u32))),
        4 => Fault::KillNode(Some("no-such-node".into())),
        _ => Fault::CacheFlush,
    }
}

/// Runs an accepted scenario for a bounded number of events.
fn run(case: u64, what: &str, sc: &Scenario, rng: &mut RngStream, tally: &mut Tally) {
    // The estimate of the scenario's own engine; the flow engine also refuses what it does not model.
    let (estimate, unmodelled) = match sc.engine.unwrap_or_default() {
        EngineKind::Request => (Estimate::of(sc), false),
        EngineKind::Flow => (Estimate::of_flow(sc, simulation::flow::STEP), simulation::flow::check(sc).is_err()),
    };
    match Simulation::with_budget(sc, sc.seed, BUDGET) {
        Err(e) => {
            assert!(unmodelled || estimate.work > BUDGET, "case {case} ({what}): refused under the budget: {e}");
            check_error(case, what, &e);
            tally.refused += 1;
        }
        Ok(mut sim) => {
            assert!(estimate.work <= BUDGET, "case {case} ({what}): accepted over the budget");
            let mut bound = estimate.work;
            while !sim.step(1_000) && sim.events_processed() < RUN_EVENTS {
                if sim.events_processed() < 2_000 && rng.below(8) == 0 {
                    let fault = live_fault(rng);
                    let spike = matches!(fault, Fault::TrafficSpike { .. });
                    match sim.inject(fault) {
                        Ok(()) if spike => bound = BUDGET,
                        Ok(()) => {}
                        Err(e) => check_error(case, what, &e),
                    }
                }
            }
            let done = sim.events_processed();
            match sim.error() {
                Some(e) => {
                    check_error(case, what, e);
                    tally.halted += 1;
                }
                None => {
                    assert!(done <= bound, "case {case} ({what}): {done} events, over the estimate of {bound}");
                    tally.ran += 1;
                }
            }
        }
    }
}

fn one_case(case: u64, sources: &[(String, String)], tally: &mut Tally) {
    let mut rng = RngStream::new(case, "fuzz");
    let (file, src) = pick(&mut rng, sources);
    let kind = rng.below(10);
    let (what, parsed) = match kind {
        // Document mutations (most cases): one to three at once.
        0..=5 => {
            let mut doc = simulation::scenario::parse_document(src).unwrap();
            let n = 1 + rng.below(3);
            for _ in 0..n {
                mutate(&mut doc, &mut rng);
            }
            (format!("{file}: {n} mutations"), Scenario::from_document(doc))
        }
        // `--set` overrides: a knob's path or any path in the document, a raw value.
        6..=8 => {
            let doc = simulation::scenario::parse_document(src).unwrap();
            let mut all = Vec::new();
            paths(&doc, &mut Vec::new(), &mut all);
            let path = pick(&mut rng, &all[1..]).join(".");
            let raw = pick(&mut rng, RAWS).to_string();
            let what = format!("{file}: --set {path}={raw}");
            (what, Scenario::from_toml_with_overrides(src, &[(path, raw)]))
        }
        _ => (format!("{file}: damaged text"), Scenario::from_toml_str(&damage(src, &mut rng))),
    };
    match parsed {
        Err(e) => {
            check_error(case, &what, &e);
            tally.rejected += 1;
        }
        Ok(sc) => run(case, &what, &sc, &mut rng, tally),
    }
}

#[test]
fn mutated_scenarios_never_panic_and_stay_within_their_budget() {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(CASES);
    let first = std::env::var("FUZZ_FIRST").ok().and_then(|s| s.parse().ok()).unwrap_or(0u64);
    let sources = sources();
    let mut tally = Tally::default();
    for case in first..first + cases {
        let outcome = catch_unwind(AssertUnwindSafe(|| one_case(case, &sources, &mut tally)));
        if let Err(panic) = outcome {
            let msg = panic.downcast_ref::<String>().cloned().or(panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            panic!("case {case} panicked (FUZZ_FIRST={case} FUZZ_CASES=1 reproduces it): {msg}");
        }
    }
    println!(
        "{cases} cases: {} rejected with a field path, {} refused by the budget, {} ran within their estimate, {} stopped by a cap",
        tally.rejected, tally.refused, tally.ran, tally.halted
    );
    // The mutations reach every outcome (a fuzzer that only ever rejects tests nothing).
    assert!(tally.rejected > 0 && tally.ran > 0, "every case ended the same way");
}
