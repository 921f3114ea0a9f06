//! Drives the engine from `requestAnimationFrame` in slices bounded by wall time, so the page
//! never freezes, and redraws the charts one at a time within the frame's budget.
//!
//! The app may read wall time (here, and only here); the engine only knows simulated time.

use crate::actions::{self, Action, TimedAction};
use leptos::prelude::*;
use simulation::observer::ClusterSnapshot;
use simulation::event_log::LogEvent;
use simulation::grade::Grade;
use simulation::report::{Digesting, Report, SecondSample, Summary};
use simulation::scenario::Text;
use simulation::{Scenario, SimTime, Simulation};
use std::collections::VecDeque;

/// Wall-time budget of one simulation slice, per frame.
const SLICE_MS: f64 = 6.0;
/// Extra wall time a frame at the end of a run may spend on charts or the digest.
const DRAW_MS: f64 = 5.0;
/// While running, one chart is redrawn per frame at most, each at most this often (wall time):
/// a redrawn canvas is also copied for the compositor in the frame's task, the dearest part of
/// it on a busy machine.
const CHART_MS: f64 = 200.0;
/// How often the (throttled) status, objectives and event log update while running.
const UPDATE_MS: f64 = 250.0;
/// Lines the event log grows by at most per publish while running (the rest follow), and per
/// frame at the end of a run.
const LOG_ROWS: usize = 8;
const LOG_ROWS_AT_END: usize = 32;
/// The engine's turns per `step` call at full speed: a few hundred take about a millisecond,
/// so the slice ends close to its budget.
const STEP_TURNS: u64 = 250;
/// Simulated time advanced per `run_until` call when a speed is set.
const CHUNK_S: f64 = 0.1;

pub const SPEEDS: &[u32] = &[1, 2, 5, 10, 30, 60, 120, 0];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Ready,
    Running,
    Paused,
    Finished,
}

/// What the charts and the log read: the live simulation or the finished report.
#[derive(Default)]
pub struct Engine {
    sim: Option<Simulation>,
    report: Option<Report>,
    /// Actions from a link, not yet reached, in time order.
    pending: VecDeque<TimedAction>,
    /// The cluster at the end of every closed second (`series()[i]` ↔ `[i]`), for looking back.
    snapshots: Vec<ClusterSnapshot>,
    /// What the page shows, as of the last (throttled) publish: the simulated time and the
    /// whole-run summary; the run's length; the digest and whether the grade is revealed, once
    /// the staged end of the run has reached them.
    shown: Shown,
    /// The cluster at t = 0, shown until the first second closes.
    preview: Option<ClusterSnapshot>,
}

#[derive(Default)]
struct Shown {
    t: f64,
    duration: f64,
    summary: Option<Summary>,
    digest: Option<String>,
    graded: bool,
    /// How many of the log's events the page shows (the log is appended in steps).
    log_rows: usize,
}

/// Applies one live action to the engine; a refused release gives the engine's reason.
fn apply(sim: &mut Simulation, action: &Action) -> Result<(), Text> {
    match action {
        Action::Fault(i) => match actions::fault(*i) {
            Some(f) => sim.inject(f).map_err(|e| e.text()),
            None => Ok(()),
        },
        Action::Release(r) => sim.release(r.spec()?).map_err(|e| e.text()),
        Action::Rollback => {
            sim.rollback();
            Ok(())
        }
    }
}

impl Engine {
    /// `Simulation::run_until`, stopping at each pending action's time to apply it.
    fn run_until(&mut self, t: SimTime) -> Option<Text> {
        let sim = self.sim.as_mut()?;
        let mut error = None;
        while let Some(a) = self.pending.front().filter(|a| a.at_us <= t.0) {
            sim.run_until(SimTime(a.at_us));
            if let Err(e) = apply(sim, &a.action) {
                error = Some(e);
            }
            self.pending.pop_front();
        }
        sim.run_until(t);
        error
    }

    /// Moves the engine's kept snapshots here.
    fn collect(&mut self) {
        if let Some(sim) = self.sim.as_mut() {
            self.snapshots.extend(sim.take_snapshots());
        }
    }

    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref()
    }

    pub fn series(&self) -> &[SecondSample] {
        match (&self.sim, &self.report) {
            (Some(s), _) => s.series(),
            (None, Some(r)) => &r.series,
            _ => &[],
        }
    }
}

/// A zoom being built: the run of a scenario and seed re-run to the minute with its live
/// actions, in slices of wall time (a flow-level day's first fourteen hours take most of a
/// second), then zoomed by the engine (`Simulation::zoom`) into a request-level replay.
pub struct ZoomBuild {
    sim: Simulation,
    pending: VecDeque<TimedAction>,
    at: SimTime,
    length: SimTime,
}

impl ZoomBuild {
    pub fn new(scenario: &Scenario, seed: u64, actions: &[TimedAction], at: SimTime, length: SimTime) -> Result<ZoomBuild, Text> {
        let sim = Simulation::new(scenario, seed).map_err(|e| e.text())?;
        Ok(ZoomBuild { sim, pending: actions.iter().cloned().collect(), at, length })
    }

    /// Runs on for about `budget_ms` of wall time; the replay (or the engine's reason) once the
    /// run stands at the minute.
    pub fn advance(&mut self, budget_ms: f64) -> Option<Result<Simulation, Text>> {
        self.advance_by(budget_ms, now_ms)
    }

    /// `advance` on the clock `now` (ms).
    fn advance_by(&mut self, budget_ms: f64, now: impl Fn() -> f64) -> Option<Result<Simulation, Text>> {
        let t0 = now();
        loop {
            let next = SimTime::from_secs(self.sim.now().whole_secs() + 60).min(self.at);
            while let Some(a) = self.pending.front().filter(|a| a.at_us <= next.0) {
                self.sim.run_until(SimTime(a.at_us));
                // One the engine refused was refused in the run too: it went on without it.
                let _ = apply(&mut self.sim, &a.action);
                self.pending.pop_front();
            }
            self.sim.run_until(next);
            if self.sim.now() >= self.at || self.sim.is_finished() {
                return Some(self.sim.zoom(self.length).map_err(|e| e.text()));
            }
            if now() - t0 >= budget_ms {
                return None;
            }
        }
    }
}

/// Why a live action was not taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Refused {
    /// The run already has [`actions::MAX_ACTIONS`].
    Cap,
    /// The engine's reason.
    Engine(Text),
}

type DrawFn = Box<dyn FnMut(&Engine)>;

/// The end of a run is spread over frames so that no task grows past the budget: grade, then
/// each chart, then the summary and log, then the digest (a long run's over several frames),
/// then the grade panel.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Finishing {
    Grade,
    Charts(usize),
    Publish,
    Digest(Digesting),
    Reveal,
}

struct Loop {
    running: bool,
    finishing: Option<Finishing>,
    last_ts: Option<f64>,
    last_update: f64,
    /// The last frame was the throttled publish's.
    published_last: bool,
    next_chart: usize,
    /// Closed seconds each chart showed when the run loop last drew it, and when (wall time).
    drawn: Vec<(usize, f64)>,
    charts: Vec<Option<DrawFn>>,
    alive: bool,
}

#[derive(Copy, Clone)]
pub struct Run {
    engine: StoredValue<Engine, LocalStorage>,
    state: StoredValue<Loop, LocalStorage>,
    pub phase: RwSignal<Phase>,
    /// 0 = as fast as the budget allows; otherwise simulated seconds per real second.
    pub speed: RwSignal<u32>,
    /// Bumped at each publish: everything read from the engine (time, summary, events, grade,
    /// digest) is derived from it through the methods below, never copied into signals.
    published: RwSignal<u64>,
    /// Bumped when every chart should redraw now (reset, step, finish).
    pub redraw: RwSignal<u64>,
    pub error: RwSignal<Option<Text>>,
    /// The engine's reason when a live action from a link could not be applied (a notice).
    pub refused: RwSignal<Option<Text>>,
    /// Every live action of this run (replayed from a link or done now), in time order.
    pub actions: RwSignal<Vec<TimedAction>>,
}

/// `StoredValue::try_update_value` with a default once the value is gone (page left).
trait WithValueMut<T> {
    fn with_value_mut<U: Default>(&self, f: impl FnOnce(&mut T) -> U) -> U;
}

impl<T: 'static> WithValueMut<T> for StoredValue<T, LocalStorage> {
    fn with_value_mut<U: Default>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        self.try_update_value(f).unwrap_or_default()
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

impl Default for Run {
    fn default() -> Self {
        Run::new()
    }
}

impl Run {
    pub fn new() -> Run {
        let run = Run {
            engine: StoredValue::new_local(Engine::default()),
            state: StoredValue::new_local(Loop {
                running: false,
                finishing: None,
                last_ts: None,
                last_update: 0.0,
                published_last: false,
                next_chart: 0,
                drawn: vec![],
                charts: vec![],
                alive: true,
            }),
            phase: RwSignal::new(Phase::Ready),
            speed: RwSignal::new(30),
            published: RwSignal::new(0),
            redraw: RwSignal::new(0),
            error: RwSignal::new(None),
            refused: RwSignal::new(None),
            actions: RwSignal::new(vec![]),
        };
        on_cleanup(move || {
            run.state.try_update_value(|s| {
                s.alive = false;
                s.charts.clear();
            });
        });
        run
    }

    /// A fresh run of `scenario` (or none, when it does not build).
    pub fn reset(&self, scenario: Option<&Scenario>, seed: u64) {
        self.replay(scenario, seed, vec![]);
    }

    /// A fresh run that applies `actions` (from a link) when it reaches their times.
    pub fn replay(&self, scenario: Option<&Scenario>, seed: u64, actions: Vec<TimedAction>) {
        let built = scenario.map(|s| {
            Simulation::new(s, seed).map_err(|e| e.text()).map(|mut sim| {
                sim.keep_snapshots();
                sim
            })
        });
        let (sim, err) = match built {
            Some(Ok(sim)) => (Some(sim), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let duration = sim.as_ref().map(|s| s.duration().as_secs_f64()).unwrap_or(0.0);
        let shown = Shown { duration, ..Shown::default() };
        // The system at t = 0 (nodes up, the first pods placed) for the cluster view before the
        // first run, from a second simulation: the run itself starts untouched (a fault clicked
        // before Play still comes before t = 0's events).
        let preview = scenario.and_then(|s| Simulation::new(s, seed).ok()).and_then(|mut p| {
            p.run_until(SimTime::ZERO);
            p.cluster_snapshot()
        });
        self.engine.update_value(|e| {
            *e = Engine { sim, report: None, pending: actions.iter().cloned().collect(), snapshots: vec![], shown, preview }
        });
        self.actions.set(actions);
        self.state.update_value(|s| s.finishing = None);
        self.error.set(err);
        self.phase.set(Phase::Ready);
        self.published.update(|n| *n += 1);
        self.redraw.update(|n| *n += 1);
    }

    /// A run that starts from `sim` as it stands (a zoomed minute), ready to play.
    pub fn load(&self, mut sim: Simulation) {
        sim.keep_snapshots();
        let shown = Shown { t: sim.now().as_secs_f64(), duration: sim.duration().as_secs_f64(), ..Shown::default() };
        let preview = sim.cluster_snapshot();
        self.engine.update_value(|e| *e = Engine { sim: Some(sim), preview, shown, ..Engine::default() });
        self.actions.set(vec![]);
        self.error.set(None);
        self.phase.set(Phase::Ready);
        self.published.update(|n| *n += 1);
        self.redraw.update(|n| *n += 1);
    }

    pub fn has_sim(&self) -> bool {
        self.engine.with_value(|e| e.sim.is_some())
    }

    pub fn play(&self) {
        if !self.has_sim() {
            return;
        }
        self.phase.set(Phase::Running);
        self.start_loop();
    }

    pub fn pause(&self) {
        if self.phase.get_untracked() == Phase::Running {
            self.phase.set(Phase::Paused);
            // The whole log to read while paused (running, it grows in steps).
            self.publish();
        }
    }

    pub fn toggle(&self) {
        match self.phase.get_untracked() {
            Phase::Running => self.pause(),
            Phase::Ready | Phase::Paused => self.play(),
            Phase::Finished => {}
        }
    }

    /// Advances one simulated second (pauses a running run first).
    pub fn step(&self) {
        if self.phase.get_untracked() == Phase::Finished || !self.has_sim() {
            return;
        }
        self.phase.set(Phase::Paused);
        let (finished, error) = self.engine.with_value_mut(|e| {
            let Some(now) = e.sim.as_ref().map(|s| s.now()) else { return (None, None) };
            let error = e.run_until(SimTime::from_secs_f64(now.as_secs_f64() + 1.0));
            (e.sim.as_ref().map(Simulation::is_finished), error)
        });
        if error.is_some() {
            self.refused.set(error);
        }
        if finished == Some(true) {
            self.begin_finish();
            self.phase.set(Phase::Running);
            self.start_loop();
            return;
        }
        self.publish();
        self.redraw.update(|n| *n += 1);
    }

    /// Runs (paused) to simulated time `to` in frame-sized slices, then shows it: the
    /// presenter's "next cue". Pending actions on the way are applied at their times. Pressing
    /// play meanwhile ends the seek.
    pub fn seek(&self, to: SimTime) {
        if self.phase.get_untracked() == Phase::Finished || !self.has_sim() {
            return;
        }
        self.phase.set(Phase::Paused);
        let run = *self;
        request_animation_frame(move || run.seek_frame(to));
    }

    fn seek_frame(self, to: SimTime) {
        if !self.state.try_with_value(|s| s.alive).unwrap_or(false) || self.phase.get_untracked() != Phase::Paused {
            return;
        }
        let t0 = now_ms();
        let (reached, finished, error) = self.engine.with_value_mut(|e| {
            let mut error = None;
            while let Some(now) = e.sim.as_ref().filter(|s| !s.is_finished() && s.now() < to).map(Simulation::now) {
                error = e.run_until(SimTime::from_secs_f64(now.as_secs_f64() + 1.0).min(to)).or(error);
                if now_ms() - t0 >= SLICE_MS {
                    break;
                }
            }
            let sim = e.sim.as_ref();
            (sim.is_none_or(|s| s.now() >= to), sim.is_some_and(Simulation::is_finished), error)
        });
        if error.is_some() {
            self.error.set(error);
        }
        self.publish();
        if finished {
            self.begin_finish();
            self.phase.set(Phase::Running);
            self.start_loop();
        } else if reached {
            self.redraw.update(|n| *n += 1);
        } else {
            request_animation_frame(move || self.seek_frame(to));
        }
    }

    /// Applies a live action now and records it (with the simulated time) for the link.
    /// A refused action (past the cap, or a release the engine refuses) records nothing.
    pub fn act(&self, action: Action) -> Result<(), Refused> {
        if self.actions.with_untracked(Vec::len) >= actions::MAX_ACTIONS {
            return Err(Refused::Cap);
        }
        let at = self.engine.with_value_mut(|e| {
            let sim = e.sim.as_mut()?;
            Some(apply(sim, &action).map(|()| sim.now().0))
        });
        let Some(at_us) = at.transpose().map_err(Refused::Engine)? else { return Ok(()) };
        self.actions.update(|list| {
            let i = list.partition_point(|a| a.at_us <= at_us);
            list.insert(i, TimedAction { at_us, action });
        });
        self.publish();
        Ok(())
    }

    /// Tracks every publish (for views that read the engine themselves).
    pub fn track(&self) {
        self.published.track();
    }

    /// Reads what the page shows of the engine, tracking publishes.
    fn shown<U>(&self, f: impl FnOnce(&Engine) -> U) -> U {
        self.published.track();
        self.engine.with_value(f)
    }

    /// The simulated time shown (seconds).
    pub fn sim_time(&self) -> f64 {
        self.shown(|e| e.shown.t)
    }

    /// The run's length (seconds); 0 without a simulation.
    pub fn duration(&self) -> f64 {
        self.shown(|e| e.shown.duration)
    }

    /// The whole-run numbers as of the last publish (live while running, final at the end).
    pub fn with_summary<U>(&self, f: impl FnOnce(Option<&Summary>) -> U) -> U {
        self.shown(|e| f(e.shown.summary.as_ref()))
    }

    pub fn summary(&self) -> Option<Summary> {
        self.with_summary(|s| s.cloned())
    }

    /// The event log as of the last publish.
    pub fn with_events<U>(&self, f: impl FnOnce(&[LogEvent]) -> U) -> U {
        self.shown(|e| {
            let all = match (&e.sim, &e.report) {
                (Some(s), _) => s.events(),
                (None, Some(r)) => &r.events,
                _ => &[],
            };
            f(&all[..e.shown.log_rows.min(all.len())])
        })
    }

    /// The grade, once the end of the run has revealed it.
    pub fn with_grades<U>(&self, f: impl FnOnce(Option<&[Grade]>) -> U) -> U {
        self.shown(|e| f(e.report.as_ref().filter(|_| e.shown.graded).map(|r| r.objectives.as_slice())))
    }

    pub fn grades(&self) -> Option<Vec<Grade>> {
        self.with_grades(|g| g.map(<[Grade]>::to_vec))
    }

    /// Why this run of a flow-engine scenario ran at request level or is approximate, in the
    /// engine's words (none inside the flow engine's measured region).
    pub fn flow_outside(&self) -> Option<Text> {
        self.shown(|e| {
            let live = e.sim.as_ref().and_then(Simulation::flow_outside);
            live.or_else(|| e.report.as_ref().and_then(|r| r.flow_outside.as_ref())).map(simulation::wording::flow_outside)
        })
    }

    /// The report's digest, once computed at the end of the run.
    pub fn digest(&self) -> Option<String> {
        self.shown(|e| e.shown.digest.clone())
    }

    /// The versions serving in the last simulated second with their traffic share
    /// (`v1 90 %, v2 10 %`).
    pub fn serving(&self) -> String {
        self.engine.with_value(|e| {
            let last = e.series().last();
            let versions = last.map(|s| {
                s.versions.iter().filter(|v| v.share > 0.0).map(|v| format!("{} {:.0} %", v.version, v.share * 100.0)).collect::<Vec<_>>()
            });
            versions.unwrap_or_default().join(", ")
        })
    }

    /// The second `t` of the series (as the runner's `series[t]`).
    pub fn sample_at(&self, t: f64) -> Option<SecondSample> {
        self.engine.with_value(|e| {
            let (series, t) = (e.series(), t.max(0.0) as u64);
            // In time order: where second t sits, without reading a day's run through.
            series.get(t as usize).filter(|s| s.t == t).or_else(|| series.get(series.partition_point(|s| s.t < t)).filter(|s| s.t == t)).cloned()
        })
    }

    /// The last closed second, if any.
    pub fn last_second(&self) -> Option<f64> {
        self.engine.with_value(|e| e.series().last().map(|s| s.t as f64))
    }

    /// The cluster at the end of second `t` (the latest closed second when `None`).
    pub fn snapshot_at(&self, t: Option<f64>) -> Option<ClusterSnapshot> {
        self.engine.with_value_mut(|e| {
            e.collect();
            // Before the first closed second: the cluster as the scenario starts it.
            if e.snapshots.is_empty() {
                return e.preview.clone();
            }
            let i = match t {
                // The latest kept at or before the end of second t (a long run keeps every k-th).
                Some(t) => e.snapshots.partition_point(|s| s.t <= t.max(0.0) + 1.0).saturating_sub(1),
                None => e.snapshots.len().checked_sub(1)?,
            };
            e.snapshots.get(i.min(e.snapshots.len().checked_sub(1)?)).cloned()
        })
    }

    /// Reads the finished run's report.
    pub fn with_report<U>(&self, f: impl FnOnce(&Report) -> U) -> Option<U> {
        self.engine.with_value(|e| e.report().map(f))
    }

    /// Registers a chart's draw function; returns its slot (for [`Run::remove_chart`]).
    pub fn add_chart(&self, f: DrawFn) -> usize {
        self.state.with_value_mut(|s| {
            s.charts.push(Some(f));
            s.charts.len() - 1
        })
    }

    pub fn remove_chart(&self, slot: usize) {
        self.state.try_update_value(|s| {
            if let Some(c) = s.charts.get_mut(slot) {
                *c = None;
            }
        });
    }

    /// Draws one chart now from the current data.
    pub fn draw_chart(&self, slot: usize) {
        let Some(Some(mut f)) = self.state.try_update_value(|s| s.charts.get_mut(slot).and_then(Option::take)) else { return };
        self.engine.with_value(|e| f(e));
        self.state.try_update_value(|s| {
            if let Some(c) = s.charts.get_mut(slot) {
                *c = Some(f);
            }
        });
    }

    fn start_loop(&self) {
        let already = self.state.with_value_mut(|s| std::mem::replace(&mut s.running, true));
        if !already {
            self.state.update_value(|s| s.last_ts = None);
            let run = *self;
            request_animation_frame(move || run.frame());
        }
    }

    fn frame(self) {
        if !self.state.try_with_value(|s| s.alive).unwrap_or(false) {
            return;
        }
        let t0 = now_ms();
        let running = self.phase.get_untracked() == Phase::Running;
        let finishing = self.state.with_value(|s| s.finishing.is_some());
        // Never two in a row: where frames come slowly (a background tab), a slice still runs
        // every other frame.
        let publish = self.state.with_value_mut(|s| {
            s.published_last = running && !finishing && !s.published_last && t0 - s.last_update >= UPDATE_MS;
            s.published_last
        });
        let mut finished = false;
        if running && finishing {
            self.finish_stage(t0);
        } else if publish {
            // A frame of its own: what the publish updates (log, summary, cluster view) is laid
            // out in this task, not on top of a slice and the charts.
            self.publish_with(LOG_ROWS);
        } else if running {
            // Since the last slice (a publish frame in between adds its time to this one).
            let dt = self.state.with_value_mut(|s| {
                let dt = s.last_ts.map(|l| (t0 - l).clamp(0.0, 100.0)).unwrap_or(16.0);
                s.last_ts = Some(t0);
                dt
            });
            let speed = self.speed.get_untracked();
            let (done, error) = self.engine.with_value_mut(|e| {
                let Some(sim) = e.sim.as_ref() else { return (false, None) };
                let end = sim.duration().as_secs_f64();
                let mut error = None;
                if speed == 0 {
                    loop {
                        // A pending action: run to it in one-second chunks, then apply it.
                        let done = match e.pending.front().map(|a| a.at_us) {
                            Some(at) => {
                                let now = e.sim.as_ref().map(|s| s.now()).unwrap_or_default();
                                error = e.run_until(SimTime::from_secs_f64(now.as_secs_f64() + 1.0).min(SimTime(at))).or(error);
                                false
                            }
                            None => e.sim.as_mut().is_none_or(|s| s.step(STEP_TURNS)),
                        };
                        if done || now_ms() - t0 >= SLICE_MS {
                            break;
                        }
                    }
                } else {
                    let target = (sim.now().as_secs_f64() + dt / 1000.0 * speed as f64).min(end);
                    while let Some(sim) =
                        e.sim.as_ref().filter(|s| !s.is_finished() && s.now().as_secs_f64() < target && now_ms() - t0 < SLICE_MS)
                    {
                        let next = (sim.now().as_secs_f64() + CHUNK_S).min(target);
                        error = e.run_until(SimTime::from_secs_f64(next)).or(error);
                        if next >= end {
                            e.sim.as_mut().expect("checked above").step(u64::MAX);
                        }
                    }
                }
                // A run the engine stopped (work budget, zero-time loop) says why.
                let error = error.or_else(|| e.sim.as_ref().and_then(Simulation::error).map(|e| e.text()));
                (e.sim.as_ref().is_some_and(Simulation::is_finished), error)
            });
            if error.is_some() {
                self.refused.set(error);
            }
            finished = done;
        }
        if finished {
            self.begin_finish();
        } else if running && !finishing && !publish {
            self.draw_due(t0);
        }
        let again = self.phase.get_untracked() == Phase::Running;
        self.state.update_value(|s| s.running = again);
        if again {
            request_animation_frame(move || self.frame());
        }
    }

    /// Redraws the next chart in turn with a second closed since it was drawn, if it was not
    /// drawn in the last [`CHART_MS`].
    fn draw_due(&self, t0: f64) {
        let n = self.state.with_value(|s| s.charts.len());
        let closed = self.engine.with_value(|e| e.series().len());
        for _ in 0..n {
            let (slot, stale) = self.state.with_value_mut(|s| {
                let i = s.next_chart % n;
                s.next_chart = i + 1;
                s.drawn.resize(n, (usize::MAX, f64::NEG_INFINITY));
                let (seconds, at) = s.drawn[i];
                let stale = seconds != closed && t0 - at >= CHART_MS;
                if stale {
                    s.drawn[i] = (closed, t0);
                }
                (i, stale)
            });
            if stale {
                self.draw_chart(slot);
                return;
            }
        }
    }

    /// Pushes the view of the run into the signals, with the whole event log.
    fn publish(&self) {
        self.publish_with(usize::MAX);
    }

    /// Pushes the view of the run into the signals, the event log grown by at most `log_rows`
    /// lines (each is a few DOM nodes: a full-speed run logs hundreds a second); true once the
    /// log shows every event.
    fn publish_with(&self, log_rows: usize) -> bool {
        let complete = self.engine.with_value_mut(|e| {
            let (t, summary, logged) = match (&e.sim, &e.report) {
                (Some(s), _) => (s.now().as_secs_f64(), Some(s.summary()), s.events().len()),
                (None, Some(r)) => (r.duration_s, Some(r.summary.clone()), r.events.len()),
                _ => (0.0, None, 0),
            };
            (e.shown.t, e.shown.summary) = (t, summary);
            e.shown.log_rows = logged.min(e.shown.log_rows.saturating_add(log_rows));
            e.shown.log_rows == logged
        });
        self.published.update(|n| *n += 1);
        self.state.update_value(|s| s.last_update = now_ms());
        complete
    }

    /// Starts the staged end of the run, from the next frame on.
    fn begin_finish(&self) {
        self.state.update_value(|s| s.finishing = Some(Finishing::Grade));
    }

    /// One stage of the end of a run per frame (charts as many as the budget allows).
    fn finish_stage(&self, t0: f64) {
        let Some(stage) = self.state.with_value(|s| s.finishing) else { return };
        let next = match stage {
            Finishing::Grade => {
                self.engine.update_value(|e| {
                    e.collect();
                    if let Some(sim) = e.sim.take() {
                        e.report = Some(sim.finish());
                    }
                });
                Some(Finishing::Charts(0))
            }
            Finishing::Charts(mut i) => {
                let n = self.state.with_value(|s| s.charts.len());
                while i < n {
                    self.draw_chart(i);
                    i += 1;
                    if now_ms() - t0 > SLICE_MS + DRAW_MS {
                        break;
                    }
                }
                Some(if i < n { Finishing::Charts(i) } else { Finishing::Publish })
            }
            Finishing::Publish => {
                let complete = self.publish_with(LOG_ROWS_AT_END);
                Some(if complete { Finishing::Digest(Digesting::default()) } else { Finishing::Publish })
            }
            Finishing::Digest(mut digesting) => {
                let digest = self.engine.with_value(|e| {
                    let report = e.report.as_ref()?;
                    loop {
                        // A few dozen series samples or log events a piece: well under a millisecond.
                        if let Some(d) = digesting.step(report, 32) {
                            return Some(d);
                        }
                        if now_ms() - t0 > SLICE_MS + DRAW_MS {
                            return None;
                        }
                    }
                });
                match digest {
                    Some(d) => {
                        self.engine.update_value(|e| e.shown.digest = Some(d));
                        self.published.update(|n| *n += 1);
                        Some(Finishing::Reveal)
                    }
                    None if self.engine.with_value(|e| e.report.is_none()) => Some(Finishing::Reveal),
                    None => Some(Finishing::Digest(digesting)),
                }
            }
            Finishing::Reveal => {
                self.engine.update_value(|e| e.shown.graded = e.report.is_some());
                self.published.update(|n| *n += 1);
                self.phase.set(Phase::Finished);
                None
            }
        };
        self.state.update_value(|s| s.finishing = next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::Action;

    #[test]
    fn a_zoom_is_built_from_the_run_with_its_live_actions() {
        let entry = crate::content::find("flash-sale-100k-users").expect("the flash sale");
        let sc = entry.parsed.as_ref().expect("it parses");
        let (seed, at, kill) = (7, SimTime::from_secs(960), SimTime::from_secs(950));
        let zoom = |actions: &[TimedAction]| {
            let mut build = ZoomBuild::new(sc, seed, actions, at, SimTime::from_secs(30)).unwrap_or_else(|e| panic!("{}", e.en));
            // A clock that stands still: one call runs to the minute.
            build.advance_by(1.0, || 0.0).expect("at the minute").unwrap_or_else(|e| panic!("{}", e.en))
        };
        let replay = zoom(&[TimedAction { at_us: kill.0, action: Action::Fault(0) }]);
        assert_eq!((replay.now(), replay.engine()), (at, simulation::simulation::EngineKind::Request));
        let mut run = Simulation::new(sc, seed).unwrap();
        run.run_until(kill);
        run.inject(crate::actions::fault(0).expect("a pod kill")).unwrap();
        run.run_until(at);
        let direct = run.zoom(SimTime::from_secs(30)).unwrap().finish().digest();
        assert_eq!(replay.finish().digest(), direct, "the replay starts from the run with its live action");
        assert_ne!(zoom(&[]).finish().digest(), direct, "without the action the cluster differs");
    }
}
