//! Live actions (a fault injected, a release shipped, a rollback) with the simulated time they
//! happened, so a copied link replays them: the engine is deterministic, so the same seed,
//! knobs and actions at the same simulated times give the same run.
//!
//! In the URL each action is one `act=` value: `<µs>,fault,<i>`, `<µs>,rollback` or
//! `<µs>,release,<version>,<strategy>[,<first weight %>[,<max error rate>]]`.

use simulation::Fault;
use simulation::scenario::ReleaseStrategy;

/// The most live actions one run takes, from a link or from buttons: a lecture needs a handful,
/// and each may stack load on the engine (ten traffic spikes at one instant).
pub const MAX_ACTIONS: usize = 8;

/// A release as the learner chose it in the release panel: the engine's type, which builds
/// (and checks) the full `ReleaseSpec`.
pub use simulation::scenario::knobs::ReleaseChoice;

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Index into the presenter's faults (`controls::FAULTS`).
    Fault(usize),
    Release(ReleaseChoice),
    Rollback,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    /// Simulated time in µs (exact, as the engine's clock).
    pub at_us: u64,
    pub action: Action,
}

pub const STRATEGIES: &[ReleaseStrategy] = &[
    ReleaseStrategy::RollingUpdate,
    ReleaseStrategy::Recreate,
    ReleaseStrategy::BlueGreen,
    ReleaseStrategy::Canary,
    ReleaseStrategy::AbTest,
];

pub fn strategy_code(s: ReleaseStrategy) -> &'static str {
    match s {
        ReleaseStrategy::RollingUpdate => "rolling_update",
        ReleaseStrategy::Recreate => "recreate",
        ReleaseStrategy::BlueGreen => "blue_green",
        ReleaseStrategy::Canary => "canary",
        ReleaseStrategy::AbTest => "ab_test",
    }
}

pub fn strategy_from_code(code: &str) -> Option<ReleaseStrategy> {
    STRATEGIES.iter().copied().find(|s| strategy_code(*s) == code)
}

/// The presenter's live faults, by index (hotkeys 1–5).
pub fn fault(i: usize) -> Option<Fault> {
    let d = simulation::SimTime::from_secs_f64(30.0);
    match i {
        0 => Some(Fault::KillPod(None)),
        1 => Some(Fault::KillNode(None)),
        2 => Some(Fault::TrafficSpike { multiplier: 3.0, duration: d }),
        3 => Some(Fault::SlowDependency { factor: 5.0, duration: d }),
        4 => Some(Fault::CacheFlush),
        _ => None,
    }
}

pub fn encode(a: &TimedAction) -> String {
    match &a.action {
        Action::Fault(i) => format!("{},fault,{i}", a.at_us),
        Action::Rollback => format!("{},rollback", a.at_us),
        Action::Release(r) => {
            let mut s = format!("{},release,{},{}", a.at_us, r.version, strategy_code(r.strategy));
            match (r.first_weight, r.max_error_rate) {
                (None, None) => {}
                (w, e) => {
                    s.push_str(&format!(",{}", w.map(|w| w.to_string()).unwrap_or_default()));
                    if let Some(e) = e {
                        s.push_str(&format!(",{e}"));
                    }
                }
            }
            s
        }
    }
}

/// The inverse of [`encode`]; the error says what was wrong.
pub fn decode(s: &str) -> Result<TimedAction, String> {
    let parts: Vec<&str> = s.split(',').collect();
    let bad = || format!("bad action {s:?}");
    let at_us: u64 = parts.first().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
    let action = match parts.get(1..).unwrap_or_default() {
        ["fault", i] => Action::Fault(i.parse().ok().filter(|i| fault(*i).is_some()).ok_or_else(bad)?),
        ["rollback"] => Action::Rollback,
        ["release", version, strategy, rest @ ..] if rest.len() <= 2 => {
            let valid_name =
                !version.is_empty() && version.len() <= 50 && version.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            let strategy = strategy_from_code(strategy).filter(|_| valid_name).ok_or_else(bad)?;
            let first_weight = match rest.first() {
                None | Some(&"") => None,
                Some(w) => Some(w.parse::<u32>().map_err(|_| bad())?),
            };
            let max_error_rate = match rest.get(1) {
                None => None,
                Some(e) => Some(simulation::scenario::read_f64(e).ok_or_else(bad)?),
            };
            let choice = ReleaseChoice { version: version.to_string(), strategy, first_weight, max_error_rate };
            // The engine's own checks (weights, error rates) decide what a link may carry.
            choice.spec().map_err(|why| format!("{}: {}", bad(), why.en))?;
            Action::Release(choice)
        }
        _ => return Err(bad()),
    };
    Ok(TimedAction { at_us, action })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<TimedAction> {
        let rel = |strategy, first_weight, max_error_rate| {
            Action::Release(ReleaseChoice { version: "v2".into(), strategy, first_weight, max_error_rate })
        };
        vec![
            TimedAction { at_us: 0, action: Action::Fault(0) },
            TimedAction { at_us: 12_345_678, action: Action::Fault(4) },
            TimedAction { at_us: 30_000_000, action: rel(ReleaseStrategy::Canary, Some(10), Some(0.05)) },
            TimedAction { at_us: 30_000_001, action: rel(ReleaseStrategy::Canary, None, Some(0.1)) },
            TimedAction { at_us: 31_000_000, action: rel(ReleaseStrategy::RollingUpdate, None, None) },
            TimedAction { at_us: 32_000_000, action: rel(ReleaseStrategy::AbTest, Some(20), None) },
            TimedAction { at_us: 90_500_000, action: Action::Rollback },
        ]
    }

    #[test]
    fn round_trips() {
        for a in samples() {
            assert_eq!(decode(&encode(&a)), Ok(a.clone()), "{}", encode(&a));
        }
    }

    #[test]
    fn corrupt_actions_are_refused() {
        for s in [
            "",
            "x,fault,0",
            "1,fault,9",
            "1,fault",
            "1,boom",
            "1,rollback,2",
            "1,release,v2",
            "1,release,v2,sideways",
            "1,release,v2,canary,0",
            "1,release,v2,canary,10,2",
            "1,release,v2,canary,10,0.1,7",
            "1,release,,canary",
            "1,release,v 2,canary",
            "-5,rollback",
        ] {
            assert!(decode(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn choices_give_specs_the_engine_accepts() {
        let versions = ["v1".to_string(), "v2".to_string()];
        for a in samples() {
            if let Action::Release(r) = a.action {
                let spec = r.spec().unwrap_or_else(|why| panic!("{r:?}: {}", why.en));
                assert!(spec.check(&versions, 0, 600.0).is_empty(), "{r:?}");
            }
        }
    }
}
