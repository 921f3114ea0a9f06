//! Calibration against exact queueing results (tests/data/queueing.json, a copy of the shared
//! reference). Data-driven: every case in the JSON is checked; its scenario file in
//! tests/scenarios/queueing/ must exist and describe the same queue.
//!
//! Method: independent replications with different seeds, each with a warm-up discarded.
//! Means (Wq, W, Lq, utilization, P_block) must fall inside simultaneous 95 % confidence
//! intervals (Student t, Bonferroni over all checks, so the whole family has 95 % coverage);
//! response-time quantiles p50/p90/p99 must be within 5 % of the exact ones in release builds.
//! Debug builds run about 100 times fewer customers and check the quantiles within 25 %.

use serde_json::Value;
use simulation::scenario::{Scenario, apply_override, parse_document};
use simulation::{Simulation, Summary};

/// One time unit of queueing.json in milliseconds (the scenarios use 10 ms).
const UNIT_MS: f64 = 10.0;
const RELEASE: bool = !cfg!(debug_assertions);

struct Case {
    name: String,
    c: u32,
    k: Option<u32>,
    rho: f64,
    lam: f64,
    mu: f64,
    json: Value,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/queueing.json")).expect("queueing.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name").to_string(),
            c: c["c"].as_u64().expect("c") as u32,
            k: c["K"].as_u64().map(|k| k as u32),
            rho: c["rho"].as_f64().expect("rho"),
            lam: c["lam"].as_f64().expect("lam"),
            mu: c["mu"].as_f64().expect("mu"),
            json: c.clone(),
        })
        .collect()
}

/// Normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
fn norm_quantile(p: f64) -> f64 {
    let a = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383_577_518_672_69e2,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
    let c = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    } else {
        -norm_quantile(1.0 - p)
    }
}

/// Student t quantile by the Cornish–Fisher expansion around the normal (good to ~1e-3 for
/// df >= 7 at the levels used here).
fn t_quantile(p: f64, df: f64) -> f64 {
    let z = norm_quantile(p);
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * df.powi(4))
}

#[test]
fn t_quantiles_match_tables() {
    assert!((t_quantile(0.975, 9.0) - 2.262).abs() < 2e-3);
    assert!((t_quantile(0.975, 19.0) - 2.093).abs() < 2e-3);
    assert!((t_quantile(0.9995, 19.0) - 3.883).abs() < 2e-2);
    assert!((norm_quantile(0.975) - 1.959964).abs() < 1e-5);
}

fn scenario_path(name: &str) -> String {
    format!("{}/tests/scenarios/queueing/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

/// The case's queue as a scenario: one pod with c workers, queue K − c, Poisson arrivals,
/// exponential service (what the files in tests/scenarios/queueing/ hold).
fn generated(case: &Case) -> String {
    let queue = case.k.map(|k| format!("queue_capacity = {}\n", k - case.c)).unwrap_or_default();
    format!(
        "format = 1\nid = \"{}\"\nchapter = \"load\"\ntitle = {{ ko = \"보정\", en = \"Calibration\" }}\nduration_s = 100\nseed = 1\n\n\
         [traffic]\nmodel = \"open\"\nshape = {{ kind = \"constant\", rps = {} }}\n\n\
         [service]\nworkers = {}\n{queue}service_time = {{ kind = \"exponential\", mean_ms = {} }}\n\n[deployment]\nreplicas = 1\n",
        case.name,
        case.lam * 1000.0 / UNIT_MS,
        case.c,
        UNIT_MS / case.mu
    )
}

/// The scenario for a case, from its file (or generated from the JSON for a case that has no
/// file yet), with the run length set through overrides.
fn load_case(case: &Case, duration_s: u64, warmup_s: u64) -> Scenario {
    let src = std::fs::read_to_string(scenario_path(&case.name)).unwrap_or_else(|_| generated(case));
    let mut doc = parse_document(&src).expect("parses");
    apply_override(&mut doc, "duration_s", &duration_s.to_string(), &[]).expect("duration");
    apply_override(&mut doc, "warmup_s", &warmup_s.to_string(), &[]).expect("warmup");
    Scenario::from_document(doc).expect("valid scenario")
}

#[test]
fn generated_scenarios_equal_the_files() {
    for case in cases() {
        let file = load_case(&case, 100, 10);
        let mut doc = parse_document(&generated(&case)).expect("parses");
        apply_override(&mut doc, "duration_s", "100", &[]).expect("duration");
        apply_override(&mut doc, "warmup_s", "10", &[]).expect("warmup");
        let made = Scenario::from_document(doc).expect("valid");
        assert_eq!(
            (&file.service, &file.deployment.replicas, file.shape()),
            (&made.service, &made.deployment.replicas, made.shape()),
            "{}",
            case.name
        );
    }
}

#[test]
fn scenario_files_match_the_json_cases() {
    for case in cases() {
        let sc = load_case(&case, 100, 10);
        let ctx = &case.name;
        assert_eq!(sc.service.workers, case.c, "{ctx}: workers");
        assert_eq!(sc.deployment.replicas, 1, "{ctx}: one pod");
        assert_eq!(sc.service.queue_capacity, case.k.map(|k| k - case.c), "{ctx}: queue capacity = K - c");
        assert!(sc.cache.is_none() && sc.database.is_none() && sc.service.timeout_ms.is_none(), "{ctx}: plain queue");
        let st = &sc.service.service_time;
        assert_eq!(st.kind, simulation::scenario::DistKind::Exponential, "{ctx}: exponential service");
        assert!((st.mean_ms - UNIT_MS / case.mu).abs() < 1e-9, "{ctx}: mean service");
        match sc.shape() {
            simulation::traffic::Shape::Constant { rps } => {
                assert!((rps - case.lam * 1000.0 / UNIT_MS).abs() < 1e-6, "{ctx}: arrival rate {rps}")
            }
            other => panic!("{ctx}: Poisson arrivals need a constant shape, got {other:?}"),
        }
    }
}

/// Customers to simulate per case: more near saturation (variance grows like 1/(1-ρ)^2).
fn customers(case: &Case) -> f64 {
    let rho = if case.rho >= 1.0 { 0.8 } else { case.rho };
    let base = if RELEASE { 1e5 } else { 1.5e3 };
    let cap = if RELEASE { 1.6e7 } else { 1.5e5 };
    (base / ((1.0 - rho) * (1.0 - rho))).min(cap)
}

struct Rep {
    wq: f64,
    w: f64,
    lq: f64,
    util: f64,
    p_block: f64,
    w_q: [f64; 3],
}

fn replicate(case: &Case, reps: u64) -> Vec<Rep> {
    let rate_per_s = case.lam * 1000.0 / UNIT_MS;
    let per_rep = customers(case) / reps as f64;
    let duration = (per_rep / rate_per_s).ceil().max(50.0);
    let warmup = (duration * 0.05).ceil().max(5.0);
    let sc = load_case(case, (duration + warmup) as u64, warmup as u64);
    // Seeds differ per case too, so the cases' errors are independent of each other.
    let base_seed = simulation::rng::fnv1a64(case.name.as_bytes());
    (0..reps)
        .map(|r| {
            let s: Summary = Simulation::new(&sc, base_seed.wrapping_add(r)).expect("builds").finish().summary;
            let to_units = |ms: Option<f64>| ms.expect("measured") / UNIT_MS;
            Rep {
                wq: to_units(s.queue_wait_ms.mean),
                w: to_units(s.latency_ms.mean),
                lq: s.mean_queue,
                util: s.utilization,
                p_block: s.rejected as f64 / s.offered as f64,
                w_q: [to_units(s.latency_ms.p50), to_units(s.latency_ms.p90), to_units(s.latency_ms.p99)],
            }
        })
        .collect()
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

#[test]
fn matches_exact_queueing_values() {
    let cases = cases();
    let reps: u64 = if RELEASE { 30 } else { 8 };
    // Bonferroni: 5 interval checks per case, family coverage 95 %.
    let m = (cases.len() * 5) as f64;
    let df = (reps - 1) as f64;
    let t_family = t_quantile(1.0 - 0.025 / m, df);
    let t_single = t_quantile(0.975, df);
    let q_tol = if RELEASE { 0.05 } else { 0.25 };

    // Two worker threads (the machine has two cores) pulling cases from a shared counter.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Vec<Rep>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (cases, next) = (&cases, &next);
                s.spawn(move || {
                    let mut out = vec![];
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= cases.len() {
                            return out;
                        }
                        out.push((i, replicate(&cases[i], reps)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|h| h.join().expect("replications")).collect()
    });
    results.sort_by_key(|r| r.0);

    let mut failures = vec![];
    let (mut inside_single, mut checks) = (0, 0);
    for (i, reps) in results {
        let case = &cases[i];
        let exact = |k: &str| case.json[k].as_f64();
        let metrics: [(&str, Option<f64>, Vec<f64>); 5] = [
            ("Wq", exact("Wq"), reps.iter().map(|r| r.wq).collect()),
            ("W", exact("W"), reps.iter().map(|r| r.w).collect()),
            ("Lq", exact("Lq"), reps.iter().map(|r| r.lq).collect()),
            ("utilization", exact("utilization"), reps.iter().map(|r| r.util).collect()),
            ("P_block", exact("p_block").or(Some(0.0)), reps.iter().map(|r| r.p_block).collect()),
        ];
        for (name, want, xs) in metrics {
            let Some(want) = want else { continue };
            let (mean, sd) = mean_sd(&xs);
            let se = sd / (xs.len() as f64).sqrt();
            let half = t_family * se;
            checks += 1;
            if (mean - want).abs() <= t_single * se {
                inside_single += 1;
            }
            let ok = (mean - want).abs() <= half || (want == 0.0 && mean == 0.0);
            println!(
                "{:<22} {name:<11} exact {want:>10.5}  sim {mean:>10.5} ± {:.5} (95% CI ± {:.5}) {}",
                case.name,
                half,
                t_single * se,
                if ok { "ok" } else { "OUTSIDE" }
            );
            if !ok {
                failures.push(format!("{} {name}: exact {want}, simulated {mean} ± {half}", case.name));
            }
        }
        if let Some(wq) = case.json.get("W_quantiles") {
            for (k, idx) in [("p50", 0), ("p90", 1), ("p99", 2)] {
                let want = wq[k].as_f64().expect("quantile");
                let got = reps.iter().map(|r| r.w_q[idx]).sum::<f64>() / reps.len() as f64;
                let rel = (got - want).abs() / want;
                println!("{:<22} W {k:<9} exact {want:>10.5}  sim {got:>10.5}  ({:+.2} %)", case.name, (got - want) / want * 100.0);
                if rel > q_tol {
                    failures.push(format!("{} W {k}: exact {want}, simulated {got} ({:.1} % off)", case.name, rel * 100.0));
                }
            }
        }
    }
    println!("{inside_single} of {checks} means inside their individual 95 % interval");
    assert!(failures.is_empty(), "calibration failures:\n{}", failures.join("\n"));
}
