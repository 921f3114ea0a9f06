//! Compare: the same scenario and seed, two configurations side by side; and the share link.

use crate::content;
use crate::i18n::S;
use crate::player::{Charts, KnobSet, KnobsPanel, Summary};
use crate::run_loop::{Phase, Run};
use crate::url_state::View;
use leptos::prelude::*;

#[component]
pub fn ComparePage(id: String) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let Some(entry) = content::find(&id) else {
        ctx.notify(format!("{} ({id})", S::NoticeUnknownScenario.t(lang.get_untracked())));
        return ().into_any();
    };
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
                {move || run.grades.get().map(|g| {
                    let met = g.iter().filter(|g| g.passed).count();
                    view! { <p class="verdict">{format!("{}: {met}/{} {}", S::Grade.t(lang.get()), g.len(), S::ObjectivesPassedOf.t(lang.get()))}</p> }
                })}
                <Show when=move || run.grades.with(Option::is_some)>
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
                <CopyLink />
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

/// The page's current link, shown and copyable; plus the compare link from a player.
#[component]
pub fn CopyLink() -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let copied = RwSignal::new(false);
    let link = move || {
        let l = lang.get();
        let q = ctx.url.with(|u| crate::url_state::encode(&crate::url_state::UrlState { lang: Some(l), ..u.clone() }));
        let w = web_sys::window();
        let origin = w.as_ref().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let path = w.as_ref().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
        format!("{origin}{path}{q}")
    };
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let p = w.navigator().clipboard().write_text(&link());
            leptos::task::spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(p).await.is_ok());
            });
        }
    };
    let compare_target = move || {
        ctx.url.with(|u| match &u.view {
            View::Play(id) => Some(View::Compare(id.clone())),
            _ => None,
        })
    };
    view! {
        <div class="share">
            <label>
                <span class="sr-only">{move || S::ShareLink.t(lang.get())}</span>
                <input id="share-url" type="text" readonly prop:value=link on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select() }
                } />
            </label>
            <button type="button" id="copy-link" on:click=copy>
                {move || if copied.get() { S::LinkCopied.t(lang.get()) } else { S::CopyLink.t(lang.get()) }}
            </button>
            {move || compare_target().map(|v| {
                let href = ctx.href(v.clone());
                view! { <a id="open-compare" href=href on:click=move |ev| { ev.prevent_default(); ctx.navigate(v.clone()) }>{S::NavCompare.t(lang.get())}</a> }
            })}
        </div>
    }
}

/// Both sides' objectives in one table once both are graded; rows whose verdicts differ stand out.
#[component]
fn Differences(objectives: Vec<simulation::scenario::Objective>, runs: (Run, Run)) -> impl IntoView {
    let lang = crate::use_lang();
    let rows = move || {
        let l = lang.get();
        let (ga, gb) = (runs.0.grades.get()?, runs.1.grades.get()?);
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
