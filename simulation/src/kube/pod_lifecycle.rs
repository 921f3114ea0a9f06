//! Kubelet pod lifecycle: probe thresholds (`prober/worker.go`), crash-loop
//! back-off (`flowcontrol/backoff.go`), termination grace.

use super::{SECOND, TimeMs};

/// `SetDefaults_Probe`.
pub const DEFAULT_PERIOD_SECONDS: i32 = 10;
pub const DEFAULT_TIMEOUT_SECONDS: i32 = 1;
pub const DEFAULT_SUCCESS_THRESHOLD: i32 = 1;
pub const DEFAULT_FAILURE_THRESHOLD: i32 = 3;
/// Crash-loop back-off: initial and cap (`kubelet.go`).
pub const BACKOFF_INITIAL: TimeMs = 10 * SECOND;
pub const BACKOFF_MAX: TimeMs = 300 * SECOND;
/// `terminationGracePeriodSeconds` default.
pub const DEFAULT_TERMINATION_GRACE: TimeMs = 30 * SECOND;
/// `minimumGracePeriodInSeconds` (kuberuntime_container.go).
pub const MINIMUM_GRACE_PERIOD: TimeMs = 2 * SECOND;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeResult {
    Success,
    Failure,
    Unknown,
}

/// A probe's timing and thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeSpec {
    pub initial_delay_seconds: i32,
    pub period_seconds: i32,
    pub timeout_seconds: i32,
    pub success_threshold: i32,
    pub failure_threshold: i32,
}

impl Default for ProbeSpec {
    fn default() -> Self {
        ProbeSpec {
            initial_delay_seconds: 0,
            period_seconds: DEFAULT_PERIOD_SECONDS,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            success_threshold: DEFAULT_SUCCESS_THRESHOLD,
            failure_threshold: DEFAULT_FAILURE_THRESHOLD,
        }
    }
}

/// The published result before any probe ran: not ready, alive, not started.
pub fn initial_result(kind: ProbeKind) -> ProbeResult {
    match kind {
        ProbeKind::Readiness => ProbeResult::Failure,
        ProbeKind::Liveness => ProbeResult::Success,
        ProbeKind::Startup => ProbeResult::Unknown,
    }
}

/// `doProbe` gating: nothing before `initialDelaySeconds`; liveness and
/// readiness wait for the startup probe; startup stops once started.
pub fn should_probe(kind: ProbeKind, spec: &ProbeSpec, since_container_start: TimeMs, started: bool) -> bool {
    if since_container_start / SECOND < i64::from(spec.initial_delay_seconds) {
        return false;
    }
    if started { kind != ProbeKind::Startup } else { kind == ProbeKind::Startup }
}

/// One probe worker's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeWorker {
    pub kind: ProbeKind,
    pub published: ProbeResult,
    pub last_result: ProbeResult,
    pub result_run: i32,
    /// Liveness/startup failed: hold until a new container starts.
    pub on_hold: bool,
}

impl ProbeWorker {
    pub fn new(kind: ProbeKind) -> Self {
        ProbeWorker { kind, published: initial_result(kind), last_result: ProbeResult::Unknown, result_run: 0, on_hold: false }
    }
}

/// Outcome of one probe: the new worker and whether to kill the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeStep {
    pub worker: ProbeWorker,
    pub kill_container: bool,
}

/// `worker.doProbe` after the probe ran: the result is published only after
/// `failureThreshold` consecutive failures or `successThreshold` successes.
pub fn probe_step(w: &ProbeWorker, spec: &ProbeSpec, result: ProbeResult) -> ProbeStep {
    let mut w = *w;
    if w.on_hold {
        return ProbeStep { worker: w, kill_container: false };
    }
    if w.last_result == result {
        w.result_run += 1;
    } else {
        w.last_result = result;
        w.result_run = 1;
    }
    let below = (result == ProbeResult::Failure && w.result_run < spec.failure_threshold)
        || (result == ProbeResult::Success && w.result_run < spec.success_threshold);
    if below {
        return ProbeStep { worker: w, kill_container: false };
    }
    w.published = result;
    let kill = result == ProbeResult::Failure && matches!(w.kind, ProbeKind::Liveness | ProbeKind::Startup);
    if kill {
        w.on_hold = true;
        w.result_run = 0;
    }
    ProbeStep { worker: w, kill_container: kill }
}

/// Per-container back-off entry (`flowcontrol.Backoff`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackoffEntry {
    pub backoff: TimeMs,
    pub last_update: TimeMs,
}

/// `Backoff.Next` (no jitter): 10, 20, 40, … capped at 300 s; reset to the
/// initial delay when the last update is more than `2 x max` (600 s) ago.
pub fn backoff_next(entry: Option<BackoffEntry>, now: TimeMs) -> BackoffEntry {
    let backoff = match entry {
        Some(e) if now - e.last_update <= 2 * BACKOFF_MAX => (e.backoff * 2).min(BACKOFF_MAX),
        _ => BACKOFF_INITIAL,
    };
    BackoffEntry { backoff, last_update: now }
}

/// `killContainer` grace: the preStop hook's time comes out of the grace
/// period, and SIGTERM always gets at least 2 s.
pub fn termination_grace_after_prestop(grace: TimeMs, prestop_elapsed: TimeMs) -> TimeMs {
    (grace - prestop_elapsed).max(MINIMUM_GRACE_PERIOD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProbeResult::*;

    #[test]
    fn readiness_needs_threshold_runs() {
        let spec = ProbeSpec { success_threshold: 2, ..Default::default() };
        let mut w = ProbeWorker::new(ProbeKind::Readiness);
        assert_eq!(w.published, Failure);
        // (observed, published after) — success needs 2 in a row, failure 3.
        for (r, want) in [(Success, Failure), (Success, Success), (Failure, Success), (Failure, Success), (Failure, Failure)] {
            w = probe_step(&w, &spec, r).worker;
            assert_eq!(w.published, want);
        }
    }

    #[test]
    fn liveness_kill_holds_worker() {
        let spec = ProbeSpec::default();
        let mut w = ProbeWorker::new(ProbeKind::Liveness);
        let mut kills = vec![];
        for _ in 0..5 {
            let s = probe_step(&w, &spec, Failure);
            kills.push(s.kill_container);
            w = s.worker;
        }
        assert_eq!(kills, vec![false, false, true, false, false]);
        assert!(w.on_hold);
    }

    #[test]
    fn startup_gates_other_probes() {
        let spec = ProbeSpec { initial_delay_seconds: 5, ..Default::default() };
        assert!(!should_probe(ProbeKind::Startup, &spec, 4 * SECOND, false));
        assert!(should_probe(ProbeKind::Startup, &spec, 5 * SECOND, false));
        assert!(!should_probe(ProbeKind::Liveness, &spec, 60 * SECOND, false));
        assert!(should_probe(ProbeKind::Readiness, &spec, 60 * SECOND, true));
        assert!(!should_probe(ProbeKind::Startup, &spec, 60 * SECOND, true));
    }

    #[test]
    fn crash_loop_curve_and_reset() {
        let (mut e, mut seen, mut now) = (None, vec![], 0);
        for _ in 0..8 {
            let next = backoff_next(e, now);
            seen.push(next.backoff / SECOND);
            now += next.backoff;
            e = Some(next);
        }
        assert_eq!(seen, vec![10, 20, 40, 80, 160, 300, 300, 300]);
        // Reset only when more than 2 x max (600 s) passed since the last update.
        let last = e.map_or(0, |e| e.last_update);
        assert_eq!(backoff_next(e, last + 601 * SECOND).backoff, BACKOFF_INITIAL);
        assert_eq!(backoff_next(e, last + 600 * SECOND).backoff, BACKOFF_MAX);
    }

    #[test]
    fn grace_minimum() {
        assert_eq!(termination_grace_after_prestop(DEFAULT_TERMINATION_GRACE, 10 * SECOND), 20 * SECOND);
        assert_eq!(termination_grace_after_prestop(DEFAULT_TERMINATION_GRACE, 29 * SECOND), 2 * SECOND);
    }
}
