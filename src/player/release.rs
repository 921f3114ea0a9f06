//! Ship a release live (and roll it back): version, strategy, a canary's first weight and an
//! analysis threshold, then the release's status from the engine's `summary.release`.

use crate::actions::{Action, ReleaseChoice, STRATEGIES, strategy_code, strategy_from_code};
use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Refused, Run};
use leptos::prelude::*;
use simulation::report::{ReleaseOutcome, ReleaseSummary};
use simulation::scenario::ReleaseStrategy;

fn strategy_name(s: ReleaseStrategy, l: Lang) -> &'static str {
    l.pick(s.name_ko(), s.name())
}

fn outcome_text(outcome: ReleaseOutcome, l: Lang) -> String {
    let t = simulation::wording::release_outcome(outcome);
    l.pick(&t.ko, &t.en).to_string()
}

fn secs(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.0} s")).unwrap_or_else(|| "–".into())
}

/// Whether a release is under way (the panel then offers only the rollback).
fn in_progress(r: &ReleaseSummary) -> bool {
    r.outcome.in_progress()
}

/// `versions`: the service's versions; `own_release`: the scenario ships one of its own (the
/// panel then waits until that one is over).
#[component]
pub fn ReleasePanel(run: Run, versions: Vec<String>, own_release: Signal<bool>) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let version = RwSignal::new(versions.get(1).cloned().unwrap_or_default());
    let strategy = RwSignal::new(ReleaseStrategy::Canary);
    let weight = RwSignal::new("10".to_string());
    let max_error = RwSignal::new(String::new());
    let release = move || run.with_summary(|s| s.and_then(|s| s.release.clone()));
    let shipped_live = move || run.actions.with(|a| a.iter().any(|a| matches!(a.action, Action::Release(_))));
    let visible = move || !own_release.get() || shipped_live() || release().is_some_and(|r| !in_progress(&r));
    let finished = move || run.phase.get() == Phase::Finished;
    // The control plane takes a shipped release on its next one-second tick: until the run's
    // clock passes it, a second click must not ship again.
    let shipped_at = RwSignal::new(None::<f64>);
    let awaiting = move || shipped_at.get().is_some_and(|t| run.sim_time() < t + 1.0);
    let ship = move |_| {
        let l = lang.get_untracked();
        let s = strategy.get_untracked();
        let first_weight = matches!(s, ReleaseStrategy::Canary | ReleaseStrategy::AbTest)
            .then(|| weight.get_untracked().trim().parse::<u32>().ok())
            .flatten();
        // A percentage as typed; the engine's `ReleaseChoice::spec` refuses one out of range, with its reason.
        let max_error_rate = simulation::scenario::read_f64(max_error.get_untracked().trim()).map(|p| p / 100.0);
        let choice = ReleaseChoice { version: version.get_untracked(), strategy: s, first_weight, max_error_rate };
        match run.act(Action::Release(choice)) {
            Ok(_) => shipped_at.set(Some(untrack(|| run.sim_time()))),
            Err(Refused::Engine(e)) => ctx.notify(format!("{}: {}", S::NoticeReleaseRefused.t(l), l.pick(&e.ko, &e.en))),
            Err(cap) => super::controls::refusal_notice(ctx, cap),
        }
    };
    let options = versions.clone();
    view! {
        <Show when=visible>
            <section class="release" aria-labelledby="release-h" data-testid="release-panel">
                <h2 id="release-h">{move || S::Release.t(lang.get())}</h2>
                <div class="release-form">
                    <label>
                        <span>{move || S::ReleaseVersion.t(lang.get())}</span>
                        <select id="release-version" prop:value=move || version.get() on:change=move |ev| version.set(event_target_value(&ev))>
                            {options.iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>{move || S::ReleaseStrategyLabel.t(lang.get())}</span>
                        <select id="release-strategy" prop:value=move || strategy_code(strategy.get())
                            on:change=move |ev| { if let Some(s) = strategy_from_code(&event_target_value(&ev)) { strategy.set(s) } }>
                            {STRATEGIES.iter().map(|s| {
                                let s = *s;
                                view! { <option value=strategy_code(s)>{move || strategy_name(s, lang.get())}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || matches!(strategy.get(), ReleaseStrategy::Canary | ReleaseStrategy::AbTest)>
                        <label>
                            <span>{move || S::ReleaseFirstWeight.t(lang.get())}</span>
                            <input id="release-weight" type="number" min="1" max="100" step="1" prop:value=move || weight.get()
                                on:change=move |ev| weight.set(event_target_value(&ev)) />
                            <span class="unit">"%"</span>
                        </label>
                    </Show>
                    <label>
                        <span>{move || S::ReleaseMaxErrorRate.t(lang.get())}</span>
                        <input id="release-max-error" type="number" min="0" max="100" step="any" placeholder="–" prop:value=move || max_error.get()
                            on:change=move |ev| max_error.set(event_target_value(&ev)) />
                        <span class="unit">"%"</span>
                    </label>
                </div>
                <div class="buttons">
                    <button type="button" id="release-ship" class="primary" on:click=ship
                        disabled=move || finished() || awaiting() || release().is_some_and(|r| in_progress(&r))>{move || S::ReleaseShip.t(lang.get())}</button>
                    <Show when=move || release().is_some_and(|r| r.outcome != ReleaseOutcome::RolledBack)>
                        <button type="button" id="release-rollback" disabled=finished
                            on:click=move |_| super::controls::live(ctx, run, Action::Rollback)>{move || S::Rollback.t(lang.get())}</button>
                    </Show>
                </div>
                <ReleaseStatus run=run />
            </section>
        </Show>
    }
}

/// The release's outcome, blast radius and timings, and which versions serve now.
#[component]
fn ReleaseStatus(run: Run) -> impl IntoView {
    let lang = crate::use_lang();
    move || {
        let l = lang.get();
        let serving = run.serving();
        let r = run.with_summary(|s| s.and_then(|s| s.release.clone()))?;
        Some(view! {
            <dl class="release-status" data-testid="release-status" data-outcome=r.outcome.code() >
                <div><dt>{S::ReleaseVersion.t(l)}</dt><dd>{format!("{} · {}", r.version, strategy_name(r.strategy, l))}</dd></div>
                <div><dt>{S::ReleaseOutcome.t(l)}</dt><dd data-testid="release-outcome">{outcome_text(r.outcome, l)}</dd></div>
                <div><dt>{S::BlastRadius.t(l)}</dt><dd data-testid="release-blast">{r.blast_radius}</dd></div>
                <div><dt>{S::Exposed.t(l)}</dt><dd>{r.exposed}</dd></div>
                <div><dt>{S::TimeToDetect.t(l)}</dt><dd data-testid="release-ttd">{secs(r.time_to_detect_s)}</dd></div>
                <div><dt>{S::TimeToRollback.t(l)}</dt><dd data-testid="release-ttr">{secs(r.time_to_rollback_s)}</dd></div>
                <div><dt>{S::ReleaseServing.t(l)}</dt><dd data-testid="release-serving">{serving}</dd></div>
            </dl>
        })
    }
}
