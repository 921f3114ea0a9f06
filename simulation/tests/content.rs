//! Every scenario in `content/scenarios/` (data-driven: a new file is checked with no code change):
//! it parses, its starting configuration fails at least one objective (there is something to
//! learn), its reference solution passes them all, it runs inside its event budget, and every
//! text it shows has both Korean and English.

mod common;

use common::{content_scenarios, reference_overrides};
use simulation::budget::Estimate;
use simulation::scenario::Text;
use simulation::{Scenario, Simulation};

/// A run's cost in the browser is its events: ~5 M events/s in wasm keeps this under 4 s.
const EVENT_BUDGET: u64 = 20_000_000;

fn texts(sc: &Scenario) -> Vec<(String, &Text)> {
    let mut all = vec![("title".to_string(), &sc.title)];
    all.extend(sc.story.iter().map(|t| ("story".to_string(), t)));
    all.extend(sc.knobs.iter().map(|k| (format!("knob {}", k.path), &k.label)));
    all.extend(sc.objectives.iter().map(|o| (format!("objective {}", o.id), &o.label)));
    all.extend(sc.hints.iter().map(|h| (format!("hint for {}", h.objective), &h.text)));
    for (i, q) in sc.questions.iter().enumerate() {
        all.push((format!("question {i}"), &q.question));
        all.push((format!("answer {i}"), &q.answer));
    }
    all
}

#[test]
fn every_scenario_teaches_something_and_its_reference_passes() {
    let mut report = Vec::new();
    let files = content_scenarios();
    assert!(files.len() >= 4, "the catalog has at least four scenarios");
    for (file, src) in files {
        let sc = Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{file} does not parse:\n{e}"));
        for (what, t) in texts(&sc) {
            assert!(!t.ko.trim().is_empty() && !t.en.trim().is_empty(), "{file}: {what} lacks a Korean or English text");
        }
        assert!(!sc.objectives.is_empty() && !sc.knobs.is_empty(), "{file}: needs knobs and objectives");
        assert!(!sc.questions.is_empty(), "{file}: needs follow-up questions");
        for o in &sc.objectives {
            assert!(sc.hints.iter().any(|h| h.objective == o.id), "{file}: objective {} has no hint", o.id);
        }

        let start = Simulation::new(&sc, sc.seed).unwrap().finish();
        let failed: Vec<&str> = start.objectives.iter().filter(|g| !g.passed).map(|g| g.id.as_str()).collect();
        assert!(!failed.is_empty(), "{file}: the starting configuration already passes every objective");
        for g in start.objectives.iter().filter(|g| !g.passed) {
            assert!(g.reason.is_some() && !g.hints.is_empty(), "{file}: failed objective {} explains itself", g.id);
        }

        let reference = Scenario::from_toml_with_overrides(&src, &reference_overrides(&sc))
            .unwrap_or_else(|e| panic!("{file}: the reference solution does not apply:\n{e}"));
        let solved = Simulation::new(&reference, reference.seed).unwrap().finish();
        for g in &solved.objectives {
            assert!(g.passed, "{file}: the reference fails objective {}: {}", g.id, g.reason.clone().unwrap_or_default());
        }
        // The work estimate (what the budget refuses on) bounds the real run.
        let estimates = [Estimate::of(&sc).work, Estimate::of(&reference).work];
        for (r, estimate) in [&start, &solved].into_iter().zip(estimates) {
            assert!(r.events_processed <= EVENT_BUDGET, "{file}: {} events, over the budget of {EVENT_BUDGET}", r.events_processed);
            assert!(r.events_processed <= estimate, "{file}: {} events, over the estimate of {estimate}", r.events_processed);
        }
        report.push(format!(
            "{file}: start fails {failed:?} ({} events, estimated {}), reference passes ({} events, estimated {})",
            start.events_processed, estimates[0], solved.events_processed, estimates[1]
        ));
    }
    println!("{}", report.join("\n"));
}
