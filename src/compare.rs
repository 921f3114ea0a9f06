//! Compare: the same scenario and seed, two configurations side by side; and the share link.

use crate::content;
use crate::i18n::S;
use crate::player::{Charts, KnobSet, KnobsPanel, Summary};
use crate::run_loop::{Phase, Run};
use leptos::prelude::*;

#[component]
pub fn ComparePage(id: String) -> impl IntoView {
    let ctx = crate::use_ctx();
    let Some(file) = content::file_of(&id, false) else {
        ctx.notify(format!("{} ({id})", S::NoticeUnknownScenario.t(ctx.lang.get_untracked())));
        return ().into_any();
    };
    content::with_scenario(file, |entry| view! { <Compare entry=entry /> }.into_any()).into_any()
}

#[component]
fn Compare(entry: &'static content::Entry) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let Ok(sc) = &entry.parsed else { return ().into_any() };
    let url = ctx.url.get_untracked();
    let notify = |what: S, m: String| ctx.notify(format!("{}: {m}", what.t(lang.get_untracked())));
    let a = KnobSet::new(entry, content::knobs_for(entry, false), &url.knobs, lang.get_untracked(), notify);
    let b = KnobSet::new(entry, content::knobs_for(entry, false), &url.knobs_b, lang.get_untracked(), notify);
    let seed = RwSignal::new(url.seed.unwrap_or(sc.seed));
    let (run_a, run_b) = (Run::new(), Run::new());
    // Both columns draw on the same scales.
    let scale = crate::player::charts::SharedScale::new();
    let parts = crate::player::charts::Parts { database: sc.database.is_some(), cache: sc.cache.is_some() };
    let cluster = sc.cluster.is_some();
    for r in [run_a, run_b] {
        r.speed.set(0);
    }
    Effect::new(move |_| {
        let (oa, ob, s) = (a.overrides(), b.overrides(), seed.get());
        scale.clear();
        for (set, run, o) in [(a, run_a, &oa), (b, run_b, &ob)] {
            let built = set.knobs.with_value(|ks| content::build(entry, ks, o)).ok();
            run.reset(built.as_ref(), s);
        }
        ctx.url.update(|u| {
            u.knobs = oa;
            u.knobs_b = ob;
            u.seed = Some(s);
        });
    });
    let title = sc.title.clone();
    let objectives = sc.objectives.clone();
    let diff_objectives = objectives.clone();
    let column = move |set: KnobSet, run: Run, label: S, prefix: &'static str| {
        let objectives = objectives.clone();
        let marker = RwSignal::new(None::<f64>);
        view! {
            <section class="compare-col" data-testid=prefix>
                <h2>{move || label.t(lang.get())}</h2>
                <KnobsPanel set=set disabled=Signal::derive(move || run.phase.get() == Phase::Running) prefix=prefix />
                <Charts run=run marker=marker prefix=prefix scale=scale parts=parts cluster=cluster />
                <Summary run=run />
                {move || run.grades().map(|g| {
                    let met = g.iter().filter(|g| g.passed).count();
                    view! { <p class="verdict">{format!("{}: {met}/{} {}", S::Grade.t(lang.get()), g.len(), S::ObjectivesPassedOf.t(lang.get()))}</p> }
                })}
                <Show when=move || run.with_grades(|g| g.is_some())>
                    <crate::player::objectives::GradePanel objectives=objectives.clone() run=run />
                </Show>
            </section>
        }
    };
    view! {
        <div class="page compare">
            <h1>{move || S::NavCompare.t(lang.get())}" · "{move || lang.get().pick(&title.ko, &title.en).to_string()}</h1>
            <p>{move || S::CompareIntro.t(lang.get())}</p>
            <div class="controls">
                <button type="button" id="run-both" class="primary" on:click=move |_| { run_a.play(); run_b.play(); }>{move || S::RunBoth.t(lang.get())}</button>
                <label class="seed"><span>{move || S::Seed.t(lang.get())}</span>
                    <input id="seed" type="number" min="0" prop:value=move || seed.get().to_string()
                        on:change=move |ev| { if let Ok(v) = event_target_value(&ev).trim().parse::<u64>() { seed.set(v) } } />
                </label>
                <crate::share::CopyLink />
            </div>
            <Differences objectives=diff_objectives runs=(run_a, run_b) />
            <div class="compare-grid">
                {column(a, run_a, S::ConfigA, "a-")}
                {column(b, run_b, S::ConfigB, "b-")}
            </div>
        </div>
    }
    .into_any()
}

/// Both sides' objectives in one table once both are graded; rows whose verdicts differ stand out.
#[component]
fn Differences(objectives: Vec<simulation::scenario::Objective>, runs: (Run, Run)) -> impl IntoView {
    let lang = crate::use_lang();
    let rows = move || {
        let l = lang.get();
        let (ga, gb) = (runs.0.grades()?, runs.1.grades()?);
        let rows = objectives
            .iter()
            .map(|o| {
                let cell = |g: &[simulation::grade::Grade]| {
                    g.iter().find(|g| g.id == o.id).map(|g| {
                        let v = g.measured.map(|v| crate::player::objectives::fmt_metric(g.metric, v, l)).unwrap_or_else(|| "–".into());
                        (g.passed, format!("{} {v}", if g.passed { "✓" } else { "✗" }))
                    })
                };
                let (a, b) = (cell(&ga), cell(&gb));
                let differs = a.as_ref().map(|x| x.0) != b.as_ref().map(|x| x.0);
                view! {
                    <tr class:differs=differs data-objective=o.id.clone() data-differs=differs.to_string()>
                        <th scope="row">{l.pick(&o.label.ko, &o.label.en).to_string()}</th>
                        <td>{a.map(|x| x.1).unwrap_or_default()}</td>
                        <td>{b.map(|x| x.1).unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <table class="differences" data-testid="differences">
                <caption>{S::Differences.t(l)}</caption>
                <thead><tr><th></th><th scope="col">{S::ConfigA.t(l)}</th><th scope="col">{S::ConfigB.t(l)}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        })
    };
    view! { {rows} }
}
