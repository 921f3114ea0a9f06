//! The station maths of `simulation::queueing` against every exact case of queueing.json (a case
//! added to the file is checked with no code change): every value the case gives, to 1e-9.

use serde_json::Value;
use simulation::queueing::{Station, quantile};

#[test]
fn every_exact_case_is_reproduced_by_the_formulas() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/queueing.json")).expect("queueing.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let station = Station {
            servers: case["c"].as_u64().unwrap_or_else(|| panic!("{name}: c")) as u32,
            capacity: case["K"].as_u64().map(|k| k as u32),
            arrival_rate: case["lam"].as_f64().unwrap_or_else(|| panic!("{name}: lam")),
            service_rate: case["mu"].as_f64().unwrap_or_else(|| panic!("{name}: mu")),
        };
        let s = station.solve().unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let mut check = |key: &str, got: f64| {
            if let Some(want) = case[key].as_f64() {
                let tol = 1e-9 * want.abs().max(1e-9);
                assert!((got - want).abs() <= tol, "{name}: {key} = {got}, exact {want}");
                checked += 1;
            }
        };
        check("p0", s.p0);
        check("p_block", s.p_block);
        check("lambda_eff", s.throughput);
        check("utilization", s.utilization);
        check(if station.capacity.is_some() { "p_wait_admitted" } else { "p_wait" }, s.p_wait);
        check("Wq", s.wq);
        check("W", s.w);
        check("Lq", s.lq);
        check("L", s.l);
        for (key, survival) in
            [("Wq_quantiles", &(|t| s.wait_survival(t)) as &dyn Fn(f64) -> f64), ("W_quantiles", &|t| s.response_survival(t))]
        {
            let Some(qs) = case[key].as_object() else { continue };
            for (label, want) in qs {
                let q = label.trim_start_matches('p').replace('_', ".").parse::<f64>().unwrap_or_else(|_| panic!("{name}: {key}.{label}"))
                    / 100.0;
                let want = want.as_f64().unwrap();
                let got = quantile(q, survival);
                assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{name}: {key}.{label} = {got}, exact {want}");
                checked += 1;
            }
        }
    }
    println!("queueing formulas: {checked} values of {} cases reproduced", cases.len());
}
