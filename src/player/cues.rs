//! The presenter's cue list: the rehearsed live actions of the link (`act=`, with their
//! simulated times), shown in order with the next one highlighted. `N` (or the button) goes to
//! the next cue: the run advances (paused) to the cue's exact time, where the action hits, so
//! the presenter can talk over that moment and press Space to go on. A cue the run will not
//! replay by itself (after a reset the link's actions are not replayed) is fired live there.

use super::controls::{FAULTS, mmss};
use crate::actions::{Action, TimedAction};
use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Run};
use leptos::prelude::*;
use simulation::SimTime;

/// Simulated time is shown through an f64 of seconds: a cue within 1 ms of it counts as reached.
const SLACK_US: u64 = 1_000;

fn cue_text(a: &Action, l: Lang) -> String {
    match a {
        Action::Fault(i) => FAULTS.get(*i).map(|(s, key)| format!("[{key}] {}", s.t(l))).unwrap_or_default(),
        Action::Release(r) => format!("{} {}", S::Release.t(l), r.version),
        Action::Rollback => format!("[B] {}", S::Rollback.t(l)),
    }
}

#[component]
pub fn CueList(run: Run, cues: Vec<TimedAction>) -> impl IntoView {
    let lang = crate::use_lang();
    let cues = StoredValue::new(cues);
    let now_us = move || (run.sim_time() * 1e6) as u64;
    // The cue being sought (its index).
    let seeking = RwSignal::new(None::<usize>);
    let next = move || {
        let t = now_us();
        cues.with_value(|c| c.iter().position(|a| a.at_us > t + SLACK_US))
    };
    let go = move || {
        let Some(i) = next() else { return };
        if run.phase.get_untracked() == Phase::Finished {
            return;
        }
        seeking.set(Some(i));
        if let Some(at) = cues.with_value(|c| c.get(i).map(|c| c.at_us)) {
            run.seek(SimTime(at));
        }
    };
    Effect::new(move |_| {
        let t = now_us();
        let Some(i) = seeking.get() else { return };
        let Some(cue) = cues.with_value(|c| c.get(i).cloned()) else { return };
        if t + SLACK_US < cue.at_us {
            return;
        }
        seeking.set(None);
        // Not replayed by the run (after a reset): fire it now, at its rehearsed time.
        if !run.actions.with_untracked(|a| a.iter().any(|x| x.at_us == cue.at_us && x.action == cue.action)) {
            let _ = run.act(cue.action.clone());
        }
    });
    view! {
        <section class="cues" aria-labelledby="cues-h" data-testid="cues">
            <h2 id="cues-h">{move || S::Cues.t(lang.get())}</h2>
            {move || cues.with_value(Vec::is_empty).then(|| view! { <p class="empty">{move || S::CueNone.t(lang.get())}</p> })}
            <ol>
                {cues.get_value().into_iter().enumerate().map(|(i, cue)| {
                    let state = move || {
                        if cue.at_us <= now_us() + SLACK_US { "done" } else if next() == Some(i) { "next" } else { "later" }
                    };
                    let action = cue.action.clone();
                    view! {
                        <li class=move || format!("cue {}", state()) data-state=state aria-current=move || (state() == "next").then_some("step")>
                            <time>{mmss(cue.at_us as f64 / 1e6)}</time>" "{move || cue_text(&action, lang.get())}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <button type="button" id="cue-next" aria-keyshortcuts="N" on:click=move |_| go()
                disabled=move || next().is_none() || run.phase.get() == Phase::Finished>
                <kbd>"N"</kbd>" "{move || S::CueNext.t(lang.get())}
            </button>
        </section>
    }
}
