//! Zooming into a minute of a flow-level run: the run re-run to the start of the minute shown
//! (with its live actions) and continued request by request by the engine
//! (`Simulation::zoom`), played in its own cluster view with the request dots, its own clock
//! and gauges, at 1× (or 2×, 5×); Esc or a button goes back to the flow run.

use super::cluster_view::ClusterView;
use super::controls::mmss;
use super::scrubber::Gauges;
use crate::i18n::S;
use crate::run_loop::{Phase, Run, ZoomBuild};
use leptos::prelude::*;
use simulation::scenario::Text;
use simulation::{Scenario, SimTime, Simulation};

/// How long a replay lasts (the run's end cuts it shorter).
const MINUTE: SimTime = SimTime::from_secs(60);
/// Wall time per frame for re-running the run to the minute.
const SLICE_MS: f64 = 8.0;
/// The replay's speeds: those at which the cluster view draws requests.
const SPEEDS: &[u32] = &[1, 2, 5];

/// The zoom's state, shared by its button and its replay.
#[derive(Copy, Clone)]
pub struct Zoom {
    /// The replay being built (re-running to its minute), then built, taken by the replay view.
    building: StoredValue<Option<ZoomBuild>, LocalStorage>,
    built: StoredValue<Option<Simulation>, LocalStorage>,
    /// The minute being built, while it is.
    busy: RwSignal<Option<u64>>,
    /// The minute being replayed (its first second), while one is open.
    pub at: RwSignal<Option<u64>>,
    error: RwSignal<Option<Text>>,
}

impl Default for Zoom {
    fn default() -> Self {
        Zoom::new()
    }
}

impl Zoom {
    pub fn new() -> Zoom {
        Zoom {
            building: StoredValue::new_local(None),
            built: StoredValue::new_local(None),
            busy: RwSignal::new(None),
            at: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    pub fn close(&self) {
        self.at.set(None);
        self.busy.set(None);
        self.building.set_value(None);
        self.built.set_value(None);
    }

    /// One frame of building: the replay opens once the run stands at its minute.
    fn pump(self) {
        let Some(Some(step)) = self.building.try_update_value(|b| b.as_mut().and_then(|b| b.advance(SLICE_MS))) else {
            if self.building.try_with_value(Option::is_some) == Some(true) {
                request_animation_frame(move || self.pump());
            }
            return;
        };
        self.building.set_value(None);
        let at = self.busy.get_untracked();
        self.busy.set(None);
        match step {
            Ok(sim) => {
                self.built.set_value(Some(sim));
                self.at.set(at);
            }
            Err(e) => self.error.set(Some(e)),
        }
    }
}

/// The first second of the minute that holds second `t` of a run `duration` long.
pub fn minute_of(t: f64, duration: f64) -> u64 {
    let t = t.min(duration - 1.0).max(0.0) as u64;
    t - t % 60
}

/// The button under a paused, finished or scrubbed flow-level run, with the engine's reason
/// when a replay cannot be built.
#[component]
pub fn ZoomButton(run: Run, marker: RwSignal<Option<f64>>, zoom: Zoom, scenario: StoredValue<Option<Scenario>, LocalStorage>, seed: RwSignal<u64>) -> impl IntoView {
    let lang = crate::use_lang();
    let shown = move || {
        run.track();
        marker.get().or_else(|| (run.phase.get() == Phase::Paused).then(|| run.sim_time())).or_else(|| run.last_second())
    };
    let minute = move || shown().map(|t| minute_of(t, run.duration()));
    let can = move || matches!(run.phase.get(), Phase::Paused | Phase::Finished) && minute().is_some();
    let open = move |_| {
        let Some(at) = minute() else { return };
        let actions = run.actions.get_untracked();
        let build = scenario.with_value(|sc| sc.as_ref().map(|sc| ZoomBuild::new(sc, seed.get_untracked(), &actions, SimTime::from_secs(at), MINUTE)));
        zoom.error.set(None);
        match build {
            Some(Ok(b)) => {
                zoom.building.set_value(Some(b));
                zoom.busy.set(Some(at));
                request_animation_frame(move || zoom.pump());
            }
            Some(Err(e)) => zoom.error.set(Some(e)),
            None => {}
        }
    };
    view! {
        <Show when=can>
            <p class="zoom-open">
                <button type="button" id="zoom-open" on:click=open disabled=move || zoom.busy.get().is_some()
                    aria-busy=move || zoom.busy.get().is_some().to_string()>
                    {move || S::ZoomMinute.t(lang.get())}" "
                    {move || minute().map(|m| format!("({}–{})", mmss(m as f64), mmss(m as f64 + 60.0)))}
                </button>
            </p>
        </Show>
        {move || zoom.error.get().map(|e| view! { <p class="error" role="alert" data-testid="zoom-error">{move || lang.get().pick(&e.ko, &e.en).to_string()}</p> })}
    }
}

/// The replay: its clock and counters, play/pause and speed, the way back, and the cluster view
/// and gauges of the request-level minute.
#[component]
pub fn ZoomReplay(zoom: Zoom) -> impl IntoView {
    let lang = crate::use_lang();
    let replay = Run::new();
    if let Some(sim) = zoom.built.try_update_value(Option::take).flatten() {
        replay.load(sim);
        replay.speed.set(1);
        replay.play();
    }
    let marker = RwSignal::new(None::<f64>);
    let back = move || zoom.close();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if crate::shortcuts::typing(&ev) {
            return;
        }
        match ev.key().as_str() {
            "Escape" => back(),
            " " if ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlButtonElement>(t).ok()).is_none() => {
                ev.prevent_default();
                replay.toggle();
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    let counts = move || replay.summary().map(|s| (s.completed, s.failed)).unwrap_or_default();
    view! {
        <section class="zoom" aria-labelledby="zoom-h" data-testid="zoom">
            <h2 id="zoom-h">{move || S::ZoomTitle.t(lang.get())}</h2>
            <p class="clock">
                <span class="sr-only">{move || S::SimTime.t(lang.get())}" "</span>
                <span id="zoom-time" data-t=move || replay.sim_time().to_string()>{move || mmss(replay.sim_time())}</span>
                " / "{move || mmss(replay.duration())}
            </p>
            <dl class="zoom-counts">
                <div><dt>{move || S::ZoomAnswered.t(lang.get())}</dt><dd id="zoom-answered">{move || counts().0.to_string()}</dd></div>
                <div><dt>{move || S::ZoomFailed.t(lang.get())}</dt><dd id="zoom-failed">{move || counts().1.to_string()}</dd></div>
            </dl>
            <div class="buttons">
                <button type="button" id="zoom-play" class="primary" on:click=move |_| replay.toggle()
                    disabled=move || replay.phase.get() == Phase::Finished>
                    {move || if replay.phase.get() == Phase::Running { S::Pause.t(lang.get()) } else { S::Play.t(lang.get()) }}
                </button>
                {SPEEDS.iter().map(|&s| view! {
                    <button type="button" class="zoom-speed" aria-pressed=move || (replay.speed.get() == s).to_string()
                        on:click=move |_| replay.speed.set(s)>{format!("{s}×")}</button>
                }).collect_view()}
                <button type="button" id="zoom-back" aria-keyshortcuts="Escape" on:click=move |_| back()>
                    {move || S::ZoomBack.t(lang.get())}" (Esc)"
                </button>
            </div>
            <ClusterView run=replay marker=marker />
            <Gauges run=replay marker=marker />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::minute_of;

    #[test]
    fn the_minute_shown_is_the_one_that_holds_the_second() {
        assert_eq!(minute_of(0.0, 3_600.0), 0);
        assert_eq!(minute_of(961.0, 3_600.0), 960);
        assert_eq!(minute_of(3_600.0, 3_600.0), 3_540, "a finished run replays its last minute");
        assert_eq!(minute_of(50_430.0, 86_400.0), 50_400);
    }
}
