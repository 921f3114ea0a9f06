//! `cargo xtask bench` (and `cargo xtask bench load` alone): how long a first visit takes on a
//! slow phone. Builds dist/, serves it with the project's server, and loads the catalog in
//! Chromium on the slow-4G profile with 4× CPU throttling (tests/e2e/bench_load.mjs). Prints
//! figures; asserts nothing (the machine is shared and busy).

use anyhow::Result;
use std::process::Command;

pub fn run() -> Result<()> {
    let dist = crate::dist::build(&crate::dist::Options { release: true, names: false })?;
    let e2e = crate::root().join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").exists() {
        crate::run_command(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&e2e))?;
    }
    let base = crate::serve::spawn(dist)?;
    crate::run_command(Command::new("node").arg(e2e.join("bench_load.mjs")).env("APP_URL", base))
}
