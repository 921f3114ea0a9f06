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
        let dist = crate::dist::build(&crate::dist::Options { release: true })?;
        let e2e = crate::root().join("tests/e2e");
        if !e2e.join("node_modules/playwright-core").exists() {
            crate::run_command(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&e2e))?;
        }
        // Through the project's own server: the tests see its compression and cache headers.
        let base = crate::serve::spawn(dist.clone())?;
        crate::run_command(Command::new("node").arg(e2e.join("run.mjs")).env("DIST_DIR", &dist).env("APP_URL", base))?;
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

/// Runs wasm-bindgen tests of the app crate in headless Chromium; cargo runs each test wasm
/// through this very binary acting as wasm-bindgen-test-runner.
fn browser_test(extra: &[&str]) -> Result<()> {
    let me = std::env::current_exe()?;
    let mut args = vec!["test", "-p", "scale-dojo", "--target", "wasm32-unknown-unknown", "--locked"];
    args.extend_from_slice(extra);
    crate::run_command(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(&args)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", format!("{} wasm-bindgen-test-runner", me.display())),
    )
}

/// `cargo xtask bench`: the criterion benchmark natively, then the same run in Chromium (release).
pub fn bench() -> Result<()> {
    crate::cargo(&["bench", "-p", "simulation", "--bench", "engine"])?;
    browser_test(&["--release", "--test", "browser_speed", "--", "--nocapture"])
}
