//! `cargo xtask test [native|wasm|e2e]...`: every test, in order of speed. No argument means all three.

use anyhow::{Result, bail};
use std::process::Command;

pub fn run(args: &[String]) -> Result<()> {
    let all = args.is_empty();
    for arg in args {
        if !matches!(arg.as_str(), "native" | "wasm" | "e2e") {
            bail!("test: unknown suite {arg:?} (allowed: native, wasm, e2e)");
        }
    }
    let wants = |suite: &str| all || args.iter().any(|a| a == suite);
    if wants("native") {
        // The engine's calibration runs are long: an optimised profile keeps them to seconds,
        // with overflow checks on (`profile.checked`).
        crate::cargo(&["test", "-p", "simulation", "--profile", "checked", "--locked"])?;
        crate::cargo(&["test", "-p", "scale-dojo", "--lib", "--locked"])?;
    }
    if wants("wasm") {
        browser_test(&["--test", "web"])?;
    }
    if wants("e2e") {
        let dist = crate::dist::build(&crate::dist::Options { release: true, names: false })?;
        // Through the project's own server: the tests see its compression and cache headers.
        let base = crate::serve::spawn(dist.clone())?;
        crate::run_command(Command::new("node").arg(e2e_dir()?.join("run.mjs")).env("DIST_DIR", &dist).env("APP_URL", base))?;
    }
    Ok(())
}

/// `cargo xtask fuzz [N]`: the fuzz test with N cases (default 100,000), overflow checks on.
pub fn fuzz(args: &[String]) -> Result<()> {
    let cases = match args.first() {
        Some(n) => n.parse::<u64>().map_err(|_| anyhow::anyhow!("fuzz: `{n}` is not a number of cases"))?,
        None => 100_000,
    };
    crate::run_command(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "-p", "simulation", "--profile", "checked", "--locked", "--test", "fuzz", "--", "--nocapture"])
            .env("FUZZ_CASES", cases.to_string()),
    )
}

/// `cargo xtask validate-flow [--bless]`: the flow engine against the request engine over the
/// whole validation matrix (simulation/tests/flow_validation.rs), 20 seeds per point; prints the
/// table; `--bless` writes it into docs/flow-engine.md (the map of validity the fast test reads).
/// Then the flow engine's content scenarios against the request engine (3 seeds; minutes).
/// `FLOW_SEEDS` and `FLOW_ONLY` (a substring of point ids) narrow a run.
pub fn validate_flow(args: &[String]) -> Result<()> {
    let bless = match args {
        [] => false,
        [flag] if flag == "--bless" => true,
        _ => bail!("validate-flow: unknown arguments {args:?} (allowed: --bless)"),
    };
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(["test", "-p", "simulation", "--profile", "checked", "--locked", "--test", "flow_validation", "--", "--ignored", "--exact"]);
    command.args(["full_matrix", "flow_scenarios_against_the_request_engine", "--nocapture", "--test-threads", "1"]);
    if bless {
        command.env("BLESS", "1");
    }
    crate::run_command(&mut command)
}

/// `tests/e2e`, with its pinned playwright-core installed.
fn e2e_dir() -> Result<std::path::PathBuf> {
    let e2e = crate::root().join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").exists() {
        crate::run_command(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&e2e))?;
    }
    Ok(e2e)
}

/// Runs wasm-bindgen tests of the app crate in headless Chromium; cargo runs each test wasm
/// through this very binary acting as wasm-bindgen-test-runner.
fn browser_test(extra: &[&str]) -> Result<()> {
    crate::run_command(&mut browser_test_command(extra)?)
}

fn browser_test_command(extra: &[&str]) -> Result<Command> {
    let me = std::env::current_exe()?;
    let mut args = vec!["test", "-p", "scale-dojo", "--target", "wasm32-unknown-unknown", "--locked"];
    args.extend_from_slice(extra);
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(&args).env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", format!("{} wasm-bindgen-test-runner", me.display()));
    // A 24-hour flow run per round is longer than the runner's default 20 s for a whole test.
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        command.env("WASM_BINDGEN_TEST_TIMEOUT", "600");
    }
    Ok(command)
}

/// `cargo xtask bench [--save-baseline]`: figures, never a verdict. The engine natively
/// (criterion) and in Chromium (`tests/browser_speed.rs`), then the page's main-thread task
/// lengths per scenario at full speed and its time to first render (`tests/e2e/bench.mjs`),
/// each next to `bench/baseline.json` with the change in %.
pub fn bench(args: &[String]) -> Result<()> {
    let save = match args {
        [] => false,
        [flag] if flag == "--save-baseline" => true,
        _ => bail!("bench: unknown arguments {args:?} (allowed: --save-baseline)"),
    };
    crate::cargo(&["bench", "-p", "simulation", "--bench", "engine", "--", "--warm-up-time", "1", "--measurement-time", "4"])?;
    let output = browser_test_output(&["--release", "--test", "browser_speed", "--", "--nocapture"])?;
    let browser_eps = browser_events_per_second(&output).unwrap_or(0.0);
    flow_figures(&output)?;
    let dist = crate::dist::build(&crate::dist::Options { release: true, names: false })?;
    crate::run_command(
        Command::new("node")
            .arg(e2e_dir()?.join("bench.mjs"))
            .env("DIST_DIR", &dist)
            .env("BENCH_CRITERION", crate::root().join("target/criterion/mm16_rho0.9"))
            .env("BENCH_BROWSER_EPS", format!("{browser_eps:.0}"))
            .env("BENCH_BASELINE", crate::root().join("bench/baseline.json"))
            .env("BENCH_SAVE", if save { "1" } else { "0" }),
    )
}

/// The scenarios graded by the flow engine (issue #13) that the bench times.
const FLOW_HEADLINES: [&str; 2] = ["flash-sale-100k-users", "daily-cycle-24h"];

/// `cargo xtask bench flow`: only the flow engine's figures (the browser test and the native runs).
pub fn bench_flow() -> Result<()> {
    let output = browser_test_output(&["--release", "--test", "browser_speed", "--", "--nocapture"])?;
    flow_figures(&output)
}

/// The headline flow scenarios, start to grade: in Chromium (median of the rounds after V8's
/// warm-up, from `tests/browser_speed.rs`), and natively with the runner (`checked` profile) on
/// the flow engine and on the request engine with a raised budget. Figures, never a verdict.
fn flow_figures(browser_output: &str) -> Result<()> {
    crate::cargo(&["build", "-p", "simulation", "--profile", "checked", "--locked", "--bin", "simulate"])?;
    let simulate = crate::root().join("target/checked/simulate");
    let out = std::env::temp_dir().join("scale-dojo-bench-flow.json");
    let mut rows = vec![];
    for id in FLOW_HEADLINES {
        let file = crate::root().join(format!("content/scenarios/{id}.toml"));
        let timed = |engine: &str| -> Result<(f64, u64)> {
            let start = std::time::Instant::now();
            crate::run_command(
                Command::new(&simulate)
                    .arg("run")
                    .arg(&file)
                    .args(["--engine", engine, "--budget", "100000000000", "--out"])
                    .arg(&out),
            )?;
            let secs = start.elapsed().as_secs_f64();
            let json = std::fs::read_to_string(&out)?;
            let events = json.split("\"events_processed\":").nth(1).and_then(|r| r.split([',', '}']).next()?.trim().parse().ok()).unwrap_or(0);
            Ok((secs, events))
        };
        let (flow_s, _) = timed("flow")?;
        let (request_s, events) = timed("request")?;
        let browser = median_after_warmup(browser_output, &format!("flow headline {id}, round"), " ms (");
        rows.push(format!(
            "{id}: flow in Chromium {} | flow native {:.0} ms | request-level native {:.1} s ({:.0} M events, {:.1} M events/s)",
            browser.map_or("not measured".into(), |ms| format!("{ms:.1} ms")),
            flow_s * 1e3,
            request_s,
            events as f64 / 1e6,
            events as f64 / request_s / 1e6
        ));
    }
    println!("flow engine, start to grade (goal in Chromium: < 100 ms for the 1-hour 100k flash sale, < 500 ms for the 24-hour day):");
    for r in rows {
        println!("  {r}");
    }
    let zoom_built = median_after_warmup(browser_output, "zoom flash-sale 18:00, round", " ms (");
    let zoom_run = median_after_warmup(browser_output, "zoom replay flash-sale 18:00, round", " ms (");
    let ms = |m: Option<f64>| m.map_or("not measured".into(), |m| format!("{m:.1} ms"));
    println!("  zoom into the flash sale's minute 18:00 in Chromium: built in {} | the minute replayed request by request in {}", ms(zoom_built), ms(zoom_run));
    Ok(())
}

/// The median of the figures on lines starting with `prefix` (the value ends at `suffix`), after
/// the first three rounds (V8's warm-up).
fn median_after_warmup(output: &str, prefix: &str, suffix: &str) -> Option<f64> {
    let mut rounds: Vec<f64> = output
        .lines()
        .filter_map(|l| l.split(prefix).nth(1))
        .filter_map(|rest| rest.split(" in ").nth(1)?.split(suffix).next()?.trim().parse::<f64>().ok())
        .skip(3)
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds.get(rounds.len() / 2).copied()
}

/// The median of the browser rounds after V8's warm-up (`… = 12.34 M events/s` lines).
fn browser_events_per_second(output: &str) -> Option<f64> {
    let mut rounds: Vec<f64> =
        output.lines().filter_map(|l| l.split("= ").last()?.strip_suffix(" M events/s")?.trim().parse::<f64>().ok()).skip(3).collect();
    rounds.sort_by(f64::total_cmp);
    rounds.get(rounds.len() / 2).map(|m| m * 1e6)
}

/// [`browser_test`] with its output captured (and echoed).
fn browser_test_output(extra: &[&str]) -> Result<String> {
    let mut command = browser_test_command(extra)?;
    command.current_dir(crate::root()).stderr(std::process::Stdio::inherit());
    eprintln!("xtask: running {command:?}");
    let out = command.output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    if !out.status.success() {
        bail!("{command:?} failed with {}", out.status);
    }
    Ok(text)
}
