//! Play, pause, step, reset, speed and seed, with the run's clock; and in presenter mode the
//! fault buttons.

use crate::AppCtx;
use crate::actions::{Action, MAX_ACTIONS};
use crate::i18n::S;
use crate::run_loop::{Phase, Refused, Run, SPEEDS};
use leptos::prelude::*;

/// A run's clock: `mm:ss`, and `h:mm:ss` from the first hour on (a day reads 24:00:00, not 1440:00).
pub fn mmss(t: f64) -> String {
    let s = t.max(0.0) as u64;
    if s < 3_600 { format!("{:02}:{:02}", s / 60, s % 60) } else { format!("{}:{:02}:{:02}", s / 3_600, s / 60 % 60, s % 60) }
}

#[component]
pub fn Controls(run: Run, seed: RwSignal<u64>) -> impl IntoView {
    let lang = crate::use_lang();
    let phase = run.phase;
    let reset = move |_| seed.update(|_| {});
    view! {
        <section class="controls" aria-label=move || S::Charts.t(lang.get())>
            <div class="buttons">
                <button type="button" id="play" class="primary" on:click=move |_| run.toggle()
                    disabled=move || phase.get() == Phase::Finished || !run.has_sim() aria-keyshortcuts="Space">
                    {move || if phase.get() == Phase::Running { S::Pause.t(lang.get()) } else { S::Play.t(lang.get()) }}
                </button>
                <button type="button" id="step" on:click=move |_| run.step() aria-keyshortcuts="ArrowRight"
                    disabled=move || phase.get() == Phase::Finished>{move || S::Step.t(lang.get())}</button>
                <button type="button" id="reset" on:click=reset aria-keyshortcuts="R">{move || S::Reset.t(lang.get())}</button>
                <crate::shortcuts::HelpButton />
            </div>
            <label class="speed">
                <span>{move || S::Speed.t(lang.get())}</span>
                <select id="speed" prop:value=move || run.speed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { run.speed.set(v) } }>
                    {SPEEDS.iter().map(|s| {
                        let s = *s;
                        view! { <option value=s.to_string()>{move || if s == 0 { S::SpeedMax.t(lang.get()).to_string() } else { format!("{s}×") }}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="seed">
                <span>{move || S::Seed.t(lang.get())}</span>
                <input id="seed" type="number" min="0" step="1" inputmode="numeric" prop:value=move || seed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).trim().parse::<u64>() { seed.set(v) } } />
            </label>
            <p class="clock" aria-live="off">
                <span class="sr-only">{move || S::SimTime.t(lang.get())}" "</span>
                <span id="sim-time">{move || mmss(run.sim_time())}</span>" / "{move || mmss(run.duration())}
                " · "
                <span id="phase" data-phase=move || format!("{:?}", phase.get()).to_ascii_lowercase()>{move || {
                    let l = lang.get();
                    match phase.get() { Phase::Ready => S::Ready.t(l), Phase::Running => S::Running.t(l), Phase::Paused => S::Paused.t(l), Phase::Finished => S::Finished.t(l) }
                }}</span>
            </p>
        </section>
    }
}

/// The live faults a presenter can throw at the run, with hotkeys 1–5.
pub const FAULTS: &[(S, &str)] =
    &[(S::FaultKillPod, "1"), (S::FaultKillNode, "2"), (S::FaultSpike, "3"), (S::FaultSlowDb, "4"), (S::FaultCacheFlush, "5")];

/// A presenter's key or button: a fault or a rollback, recorded for the link; a refusal (the
/// run's cap on live actions, or the engine's reason) is a notice.
pub fn live(ctx: AppCtx, run: Run, action: Action) {
    if let Err(refused) = run.act(action) {
        refusal_notice(ctx, refused);
    }
}

/// Tells the learner why a live action was not taken.
pub fn refusal_notice(ctx: AppCtx, refused: Refused) {
    let lang = ctx.lang.get_untracked();
    ctx.notify(match refused {
        Refused::Cap => S::NoticeActionCap.t(lang).replace("{max}", &MAX_ACTIONS.to_string()),
        Refused::Engine(why) => format!("{}: {}", S::NoticeActionRefused.t(lang), lang.pick(&why.ko, &why.en)),
    });
}

#[component]
pub fn FaultButtons(run: Run, #[prop(optional)] rollback: bool) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    view! {
        <section class="faults" aria-label=move || S::Faults.t(lang.get())>
            <h2>{move || S::Faults.t(lang.get())}</h2>
            {FAULTS.iter().enumerate().map(|(i, (label, key))| view! {
                <button type="button" id=format!("fault-{i}") aria-keyshortcuts=*key disabled=move || run.phase.get() == Phase::Finished
                    on:click=move |_| live(ctx, run, Action::Fault(i))>
                    <kbd>{*key}</kbd>" "{move || label.t(lang.get())}
                </button>
            }).collect_view()}
        {rollback.then(|| view! {
                <button type="button" id="rollback" aria-keyshortcuts="B" disabled=move || run.phase.get() == Phase::Finished
                    on:click=move |_| live(ctx, run, Action::Rollback)><kbd>"B"</kbd>" "{move || S::Rollback.t(lang.get())}</button>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::mmss;

    #[test]
    fn the_clock_counts_hours_from_the_first_hour() {
        assert_eq!(mmss(-1.0), "00:00");
        assert_eq!(mmss(75.9), "01:15");
        assert_eq!(mmss(3_599.0), "59:59");
        assert_eq!(mmss(3_600.0), "1:00:00");
        assert_eq!(mmss(86_400.0), "24:00:00");
    }
}
