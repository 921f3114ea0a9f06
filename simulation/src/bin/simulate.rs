//! Headless runner: `simulate run SCENARIO.toml [--seed N] [--set path=value]... [--budget EVENTS] [--engine request|flow] [--format json|csv] [--out FILE]`.
//! Bad input prints `error: <message>` and exits 2; it never panics on user input.

use simulation::budget::DEFAULT_BUDGET;
use simulation::simulation::EngineKind;
use simulation::{Scenario, Simulation};
use std::process::ExitCode;

const USAGE: &str = "usage: simulate run SCENARIO.toml [--seed N] [--set path=value]... [--budget EVENTS] [--engine request|flow] [--format json|csv] [--out FILE]";

struct Args {
    file: String,
    seed: Option<u64>,
    sets: Vec<(String, String)>,
    budget: u64,
    /// `None`: the scenario's own engine.
    engine: Option<EngineKind>,
    csv: bool,
    out: Option<String>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    match it.next().as_deref() {
        Some("run") => {}
        Some("--help") | Some("-h") | None => return Err(USAGE.into()),
        Some(other) => return Err(format!("unknown command `{other}`\n{USAGE}")),
    }
    let mut args = Args { file: String::new(), seed: None, sets: vec![], budget: DEFAULT_BUDGET, engine: None, csv: false, out: None };
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--seed" => {
                let v = value("--seed")?;
                args.seed = Some(v.parse().map_err(|_| format!("--seed: `{v}` is not a whole number from 0 to 18446744073709551615"))?);
            }
            "--set" => {
                let v = value("--set")?;
                let (p, x) =
                    v.split_once('=').ok_or_else(|| format!("--set: `{v}` should look like path=value, e.g. deployment.replicas=6"))?;
                args.sets.push((p.trim().to_string(), x.trim().to_string()));
            }
            "--budget" => {
                let v = value("--budget")?;
                args.budget = v.replace('_', "").parse::<u64>().ok().filter(|&b| b > 0).ok_or_else(|| {
                    format!("--budget: `{v}` is not a whole number of events from 1 to 18446744073709551615 (default {DEFAULT_BUDGET})")
                })?;
            }
            "--engine" => match value("--engine")?.as_str() {
                "request" => args.engine = Some(EngineKind::Request),
                "flow" => args.engine = Some(EngineKind::Flow),
                other => return Err(format!("--engine: `{other}` is not an engine; use request or flow")),
            },
            "--format" => match value("--format")?.as_str() {
                "json" => args.csv = false,
                "csv" => args.csv = true,
                other => return Err(format!("--format: `{other}` is not supported; use json or csv")),
            },
            "--out" => args.out = Some(value("--out")?),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`\n{USAGE}")),
            s if args.file.is_empty() => args.file = s.to_string(),
            s => return Err(format!("unexpected argument `{s}` (one scenario file per run)\n{USAGE}")),
        }
    }
    if args.file.is_empty() {
        return Err(format!("no scenario file given\n{USAGE}"));
    }
    Ok(args)
}

fn run(args: Args) -> Result<(), String> {
    let bytes = std::fs::read(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file))?;
    let src = utf8(&bytes).map_err(|e| format!("{}: {e}", args.file))?;
    let scenario = Scenario::from_toml_with_overrides(src, &args.sets).map_err(|e| format!("{}: {e}", args.file))?;
    let seed = args.seed.unwrap_or(scenario.seed);
    // The scenario's own engine may fall back to request level outside the flow engine's
    // region; an engine asked for by name runs as asked (marked approximate there).
    let sim = match args.engine {
        None => Simulation::with_budget(&scenario, seed, args.budget),
        Some(engine) => Simulation::with_engine(&scenario, seed, args.budget, engine),
    }
    .map_err(|e| format!("{}: {e}", args.file))?;
    let report = sim.try_finish().map_err(|e| format!("{}: {e}", args.file))?;
    let mut text = if args.csv { report.to_csv() } else { report.to_json() };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match args.out {
        Some(path) => std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}")),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes()).map_err(|e| format!("cannot write output: {e}"))
        }
    }
}

/// The file as text, or where its first byte that is not UTF-8 is (line, and byte in the line).
fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        format!("line {line}, byte {column}: the file is not valid UTF-8 (byte 0x{:02x}); save it as UTF-8", bytes[at])
    })
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
