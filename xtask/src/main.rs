//! Project chores, as one binary: `cargo xtask <dist|serve|test|fuzz|validate-flow|bench>`.
//! It links wasm-bindgen-cli as a library, so the bindgen step and the browser test
//! runner always match the app's wasm-bindgen version (one Cargo.lock, no `cargo install`).

mod bench_load;
mod dist;
mod serve;
mod test;

use anyhow::{Result, bail};
use std::path::PathBuf;
use std::process::Command;

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "dist" => dist::build(&dist::Options::from_args(&rest)?).map(|_| ()),
        "serve" => serve::run(&rest),
        "test" => test::run(&rest),
        "fuzz" => test::fuzz(&rest),
        "validate-flow" => test::validate_flow(&rest),
        "bench" if rest.first().is_some_and(|a| a == "load") => bench_load::run(),
        "bench" if rest.first().is_some_and(|a| a == "flow") => test::bench_flow(),
        "bench" => test::bench(&rest).and_then(|_| bench_load::run()),
        // Cargo calls us as the wasm32 test runner (see test.rs): behave as wasm-bindgen-test-runner.
        "wasm-bindgen-test-runner" => wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(
            std::iter::once("wasm-bindgen-test-runner".to_string()).chain(rest),
        ),
        _ => {
            bail!(
                "unknown command {command:?}\nusage: cargo xtask dist [--dev] [--names] | serve [PORT] | test [native|wasm|e2e]... | fuzz [N] | validate-flow [--bless] | bench [load|flow] [--save-baseline]"
            )
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

pub fn cargo(args: &[&str]) -> Result<()> {
    run_command(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args(args))
}

pub fn run_command(command: &mut Command) -> Result<()> {
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    eprintln!("xtask: running {command:?}");
    let status = command.status()?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}
