//! The `simulate` binary: output shape, determinism, and clean errors on bad input.

use std::process::Command;

const BASIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/basic.toml");

fn simulate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_simulate")).args(args).output().expect("runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn json_has_summary_series_and_events() {
    let (code, out, err) = simulate(&["run", BASIC, "--seed", "5", "--set", "deployment.replicas=6"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["summary"];
    for k in ["offered", "completed", "failed", "rejected", "timed_out", "utilization", "availability"] {
        assert!(s[k].is_number(), "summary.{k}");
    }
    for h in ["latency_ms", "queue_wait_ms"] {
        for k in ["mean", "p50", "p90", "p95", "p99", "p999"] {
            assert!(s[h][k].is_number(), "summary.{h}.{k}");
        }
    }
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 120);
    for k in ["t", "offered_rps", "completed_rps", "failed_rps", "p50_ms", "p99_ms"] {
        assert!(series[3][k].is_number(), "series.{k}");
    }
    assert_eq!(series[3]["t"], 3);
    let ev = &v["events"][0];
    assert!(ev["t"].is_number() && ev["kind"].is_string() && ev["message"].is_string());
    // The knob override took effect: 6 pods.
    assert_eq!(series[3]["pods"], 6);
}

#[test]
fn output_is_byte_identical_per_seed() {
    let a = simulate(&["run", BASIC, "--seed", "9", "--format", "csv"]).1;
    let b = simulate(&["run", BASIC, "--seed", "9", "--format", "csv"]).1;
    let c = simulate(&["run", BASIC, "--seed", "10", "--format", "csv"]).1;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.starts_with("t,offered_rps,completed_rps,failed_rps"));
    assert_eq!(a.lines().count(), 121);
}

/// Memory, disk and network columns come in the CSV only when the scenario uses them, with the
/// JSON's per-second values, after every column a scenario without them has.
#[test]
fn csv_has_memory_disk_and_network_columns_when_the_scenario_uses_them() {
    let content = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/scenarios/");
    let cases = [
        ("memory-oom-limits.toml", vec!["memory_used_mi", "memory_max_pod_mi", "oom_kills", "evictions", "node_memory_max"]),
        ("disk-io-database.toml", vec!["disk_utilization"]),
        ("network-bandwidth.toml", vec!["network_utilization"]),
    ];
    let (_, basic, _) = simulate(&["run", BASIC, "--format", "csv"]);
    let basic_header: Vec<&str> = basic.lines().next().unwrap().split(',').collect();
    for (file, columns) in cases {
        let path = format!("{content}{file}");
        let (code, csv, err) = simulate(&["run", &path, "--format", "csv"]);
        assert_eq!(code, 0, "{file}: {err}");
        let (_, json, _) = simulate(&["run", &path]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(&header[..41], &basic_header[..41], "{file}: the common columns keep their places");
        for c in ["memory_used_mi", "disk_utilization", "network_utilization"] {
            assert_eq!(header.contains(&c), columns.contains(&c), "{file}: column {c}");
            assert!(!basic_header.contains(&c), "basic.toml uses no {c}");
        }
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let series = v["series"].as_array().unwrap();
        assert_eq!(rows.len(), series.len());
        let json_value = |s: &serde_json::Value, c: &str| -> Option<f64> {
            match c {
                "memory_used_mi" => s["memory"]["used_mi"].as_f64(),
                "memory_max_pod_mi" => s["memory"]["max_pod_mi"].as_f64(),
                "oom_kills" => s["memory"]["oom_kills"].as_f64(),
                "evictions" => s["memory"]["evictions"].as_f64(),
                _ => s[c].as_f64(),
            }
        };
        for c in &columns {
            let i = header.iter().position(|h| h == c).unwrap_or_else(|| panic!("{file}: no column {c}"));
            let mut nonzero = false;
            for (row, s) in rows.iter().zip(series) {
                assert_eq!(row.len(), header.len(), "{file}: a row has every column");
                let cell: Option<f64> = (!row[i].is_empty()).then(|| row[i].parse().unwrap());
                assert_eq!(cell, json_value(s, c), "{file}: {c} at t = {}", s["t"]);
                nonzero |= cell.is_some_and(|x| x > 0.0);
            }
            assert!(nonzero || matches!(*c, "oom_kills" | "evictions" | "node_memory_max"), "{file}: {c} is measured");
        }
    }
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("simulate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let typo = dir.join("typo.toml");
    std::fs::write(&typo, std::fs::read_to_string(BASIC).unwrap().replace("workers = 4", "workerz = 4")).unwrap();
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "format = 1\nid = [").unwrap();
    // A byte that is never UTF-8 (0xFF) in the Korean title, on line 4 after `title = { ko = "`.
    let not_utf8 = dir.join("not_utf8.toml");
    let mut bytes = std::fs::read(BASIC).unwrap();
    let at = bytes.windows(9).position(|w| w == b"ko = \"\xea\xb8\xb0").expect("the Korean title") + 6;
    bytes[at] = 0xFF;
    std::fs::write(&not_utf8, bytes).unwrap();
    let typo = typo.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "/nonexistent.toml"], "cannot read"),
        (vec!["run", not_utf8.to_str().unwrap()], "line 4, byte 17: the file is not valid UTF-8 (byte 0xff)"),
        (vec!["run", BASIC, "--budget", "1000"], "traffic.shape.rps: 140 makes this run too big"),
        (vec!["run", BASIC, "--budget", "0"], "--budget"),
        (vec!["run", BASIC, "--set", "deployment.startup_s=1e300"], "deployment.startup_s: 1e300 is out of range; allowed 0 to 3600"),
        (vec!["run", typo], "service.workerz: unknown field `workerz`, expected one of `name`, `workers`"),
        (vec!["run", broken.to_str().unwrap()], "TOML syntax error"),
        (vec!["run", BASIC, "--set", "deployment.replicas=60"], "deployment.replicas: 60 is out of range; allowed: 1 to 20 pods"),
        (vec!["run", BASIC, "--set", "deployment.replicas=two"], "deployment.replicas: \"two\" is not a number"),
        (vec!["run", BASIC, "--set", "service.balancer=fastest"], "unknown variant `fastest`"),
        (vec!["run", BASIC, "--set", "service.workers=1.5"], "service.workers: expects an integer"),
        (vec!["run", BASIC, "--set", "nope.x=1"], "nope: no such section"),
        (vec!["run", BASIC, "--seed", "-1"], "--seed"),
        (vec!["run", BASIC, "--format", "xml"], "--format"),
        (vec!["run"], "no scenario file"),
        (vec!["fly"], "unknown command"),
    ];
    for (args, want) in cases {
        let (code, out, err) = simulate(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.starts_with("error: ") && err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A flow scenario outside the flow engine's measured region: at request level when it fits the
/// budget, else (or with `--engine flow`) on the flow engine marked approximate, in the JSON.
#[test]
fn a_flow_scenario_outside_its_region_says_how_it_ran() {
    const FLASH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/scenarios/flash-sale-100k-users.toml");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", FLASH, "--set", "service.balancer=power_of_two"];
        args.extend_from_slice(extra);
        let (code, out, err) = simulate(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["flow_outside"].clone()
    };
    let short = run(&["--set", "duration_s=120"]);
    assert_eq!((short["ran_on"].as_str(), short["approximate"].as_bool()), (Some("request"), Some(false)), "{short}");
    assert_eq!(short["reasons"][0]["reason"], "power_of_two");
    let hour = run(&[]);
    assert_eq!((hour["ran_on"].as_str(), hour["approximate"].as_bool()), (Some("flow"), Some(true)), "{hour}");
    let asked = run(&["--set", "duration_s=120", "--engine", "flow"]);
    assert_eq!(asked["ran_on"], "flow");
    assert!(asked["message"].as_str().is_some_and(|m| m.starts_with("Approximate")));
}
