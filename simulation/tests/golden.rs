//! `Report::digest()` is a contract: this pins it for every scenario file we hold (the catalog at
//! its start and at its reference, and every test scenario) at three seeds. A refactor must leave
//! every line as it is; a deliberate change of results regenerates the file with
//! `BLESS=1 cargo test -p simulation --release --test golden`, and its commit says why.

mod common;

use common::{content_scenarios, reference_overrides, root, toml_files};
use simulation::{Scenario, Simulation};
use std::collections::BTreeMap;

const SEEDS: [u64; 3] = [1, 7, 42];

/// (label, scenario) for every run the file pins.
fn runs() -> Vec<(String, Scenario)> {
    let mut runs = Vec::new();
    for (file, src) in content_scenarios() {
        let start = Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{file}: {e}"));
        let reference = Scenario::from_toml_with_overrides(&src, &reference_overrides(&start)).unwrap_or_else(|e| panic!("{file}: {e}"));
        runs.push((format!("content/scenarios/{file} start"), start));
        runs.push((format!("content/scenarios/{file} reference"), reference));
    }
    let tests = root().join("simulation/tests/scenarios");
    for (path, src) in toml_files(&tests) {
        let name = path.strip_prefix(root()).unwrap_or(&path).to_string_lossy().replace("../", "");
        let sc = Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{name}: {e}"));
        runs.push((name, sc));
    }
    runs
}

fn digests() -> BTreeMap<String, String> {
    let jobs: Vec<(String, Scenario, u64)> =
        runs().into_iter().flat_map(|(label, sc)| SEEDS.map(|seed| (format!("{label} seed={seed}"), sc.clone(), seed))).collect();
    // Two workers: the runs are independent and the machine has two cores.
    let (left, right) = jobs.split_at(jobs.len() / 2);
    let run = |part: &[(String, Scenario, u64)]| -> Vec<(String, String)> {
        part.iter().map(|(key, sc, seed)| (key.clone(), Simulation::new(sc, *seed).unwrap().finish().digest())).collect()
    };
    std::thread::scope(|s| {
        let a = s.spawn(|| run(left));
        let b = s.spawn(|| run(right));
        a.join().unwrap().into_iter().chain(b.join().unwrap()).collect()
    })
}

#[test]
fn every_digest_is_as_pinned() {
    let file = root().join("simulation/tests/golden/digests.txt");
    let now = digests();
    let text: String = now.iter().map(|(k, d)| format!("{k} {d}\n")).collect();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&file, text).unwrap();
        println!("wrote {} digests to {}", now.len(), file.display());
        return;
    }
    let pinned: BTreeMap<String, String> = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", file.display()))
        .lines()
        .filter_map(|l| l.rsplit_once(' ').map(|(k, d)| (k.to_string(), d.to_string())))
        .collect();
    let mut problems = Vec::new();
    for (k, d) in &now {
        match pinned.get(k) {
            None => problems.push(format!("new, not pinned: {k}")),
            Some(p) if p != d => problems.push(format!("changed: {k}: pinned {p}, now {d}")),
            _ => {}
        }
    }
    problems.extend(pinned.keys().filter(|k| !now.contains_key(*k)).map(|k| format!("pinned but gone: {k}")));
    assert!(
        problems.is_empty(),
        "{} of {} digests differ from {}:\n{}\nIf the change of results is deliberate: BLESS=1 cargo test -p simulation --release --test golden, and say why in the commit.",
        problems.len(),
        now.len(),
        file.display(),
        problems.join("\n")
    );
}

