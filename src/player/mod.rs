//! The scenario player: story, objectives, knobs, controls, live charts, event log, grade and
//! follow-up questions. The sandbox is the same player with every knob and no objectives.

mod axis;
pub mod charts;
pub mod cluster_view;
pub mod controls;
mod cues;
mod event_log;
pub mod export;
mod hotkeys;
mod knobs;
pub mod objectives;
mod questions;
mod release;
mod scrubber;
mod zoom;

pub use charts::Charts;
pub use controls::Controls;
pub use knobs::KnobsPanel;

use crate::content::{self, Entry};
use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Run};
use crate::url_state::View;
use leptos::prelude::*;
use simulation::scenario::knobs::current_text;
use simulation::scenario::knobs::sandbox::Group;
use simulation::scenario::{Knob, Text};

/// The knobs of one configuration: definitions, the scenario's own values, the current values.
#[derive(Copy, Clone)]
pub struct KnobSet {
    pub knobs: StoredValue<Vec<Knob>>,
    /// Each knob's group in the sandbox (the engine's), none for a scenario's own knobs.
    pub groups: StoredValue<Vec<Option<Group>>>,
    pub defaults: StoredValue<Vec<String>>,
    pub values: RwSignal<Vec<String>>,
    /// Each knob's choices as the learner reads them (the engine's `Scenario::choice_text`).
    pub choice_labels: StoredValue<Vec<Vec<Text>>>,
}

impl KnobSet {
    /// Starts from the scenario's values, then the link's overrides: each checked with the
    /// engine's own range logic (clamped with a notice, or refused with a notice).
    pub fn new(
        entry: &Entry,
        listed: Vec<(Option<Group>, Knob)>,
        from_url: &[(String, String)],
        lang: Lang,
        notify: impl Fn(S, String),
    ) -> KnobSet {
        let (groups, knobs): (Vec<Option<Group>>, Vec<Knob>) = listed.into_iter().unzip();
        // The value as written in the file, else the engine's default (the engine decides).
        let doc = entry.document().ok();
        let defaults: Vec<String> = match &entry.parsed {
            Ok(sc) => knobs.iter().map(|k| current_text(sc, doc.as_ref(), &k.path).unwrap_or_default()).collect(),
            Err(_) => vec![String::new(); knobs.len()],
        };
        let mut values = defaults.clone();
        for (path, raw) in from_url {
            let Some(i) = knobs.iter().position(|k| &k.path == path) else {
                notify(S::NoticeKnobRejected, format!("{path} = {raw}"));
                continue;
            };
            match accept(&knobs[i], raw, lang) {
                Ok((v, None)) => values[i] = v,
                Ok((v, Some(msg))) => {
                    notify(S::NoticeKnobClamped, msg);
                    values[i] = v;
                }
                Err(msg) => notify(S::NoticeKnobRejected, msg),
            }
        }
        let choice_labels = knobs
            .iter()
            .map(|k| {
                let label = |c: &String| match &entry.parsed {
                    Ok(sc) => sc.choice_text(&k.path, c),
                    Err(_) => Text { ko: c.clone(), en: c.clone() },
                };
                k.choices.iter().map(label).collect()
            })
            .collect();
        KnobSet {
            knobs: StoredValue::new(knobs),
            groups: StoredValue::new(groups),
            defaults: StoredValue::new(defaults),
            values: RwSignal::new(values),
            choice_labels: StoredValue::new(choice_labels),
        }
    }

    /// `(path, value)` for every knob that differs from the scenario.
    pub fn overrides(&self) -> Vec<(String, String)> {
        let values = self.values.get();
        self.knobs.with_value(|ks| {
            self.defaults.with_value(|ds| {
                ks.iter().zip(ds).zip(values).filter(|((_, d), v)| *d != v).map(|((k, _), v)| (k.path.clone(), v)).collect()
            })
        })
    }

    pub fn set(&self, i: usize, raw: String) {
        self.values.update(|v| {
            if let Some(slot) = v.get_mut(i) {
                *slot = raw;
            }
        });
    }
}

/// Checks one value for a knob with the engine's `Knob::accept` (range, rounding, choices):
/// the value to use and the engine's notice, or why not, in the learner's language.
pub fn accept(knob: &Knob, raw: &str, l: Lang) -> Result<(String, Option<String>), String> {
    match knob.accept(raw) {
        Ok((v, notice)) => Ok((v, notice.map(|n| l.pick(&n.message_ko, &n.message).to_string()))),
        Err(why) => Err(l.pick(&why.ko, &why.en).to_string()),
    }
}

#[component]
pub fn PlayerPage(id: String, sandbox: bool) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let Some(file) = content::file_of(&id, sandbox) else {
        ctx.notify(format!("{} ({id})", S::NoticeUnknownScenario.t(lang.get_untracked())));
        return view! {
            <div class="page">
                <p><a href=ctx.href(View::Catalog) on:click=move |ev| { ev.prevent_default(); ctx.navigate(View::Catalog) }>{move || S::BackToCatalog.t(lang.get())}</a></p>
            </div>
        }
        .into_any();
    };
    content::with_scenario(file, move |entry| view! { <Player entry=entry sandbox=sandbox /> }.into_any()).into_any()
}

#[component]
fn Player(entry: &'static Entry, sandbox: bool) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let Ok(scenario) = &entry.parsed else { return ().into_any() };
    let url = ctx.url.get_untracked();
    let knobs = KnobSet::new(entry, content::knobs_for(entry, sandbox), &url.knobs, lang.get_untracked(), |what, m| {
        ctx.notify(format!("{}: {m}", what.t(lang.get_untracked())))
    });
    let seed = RwSignal::new(url.seed.unwrap_or(scenario.seed));
    let run = Run::new();
    let marker = RwSignal::new(None::<f64>);
    let build_error = RwSignal::new(None::<simulation::scenario::Text>);
    let own_release = RwSignal::new(scenario.release.is_some());
    // The scenario as built with the knobs: a zoom re-runs it to the minute it replays.
    let built_scenario = StoredValue::new_local(None::<simulation::Scenario>);
    let zoom = zoom::Zoom::new();
    let flow_run = scenario.engine == Some(simulation::scenario::EngineKind::Flow);
    let sc_id = scenario.id.clone();
    // The link's live actions are replayed by the first run only; a reset starts clean.
    let replay = StoredValue::new(url.actions.clone());
    // The same actions are the presenter's rehearsed cues.
    let link_cues = url.actions.clone();

    // Any change of knobs or seed: rebuild the scenario through the engine and start afresh.
    Effect::new(move |_| {
        let overrides = knobs.overrides();
        let seed = seed.get();
        let built = knobs.knobs.with_value(|ks| content::build(entry, ks, &overrides));
        let actions = replay.try_update_value(std::mem::take).unwrap_or_default();
        match &built {
            Ok(sc) => {
                build_error.set(None);
                own_release.set(sc.release.is_some());
                run.replay(Some(sc), seed, actions);
                built_scenario.set_value(Some(sc.clone()));
            }
            Err(e) => {
                build_error.set(Some(e.clone()));
                run.reset(None, seed);
                built_scenario.set_value(None);
            }
        }
        marker.set(None);
        ctx.url.update(|u| {
            u.knobs = overrides;
            u.seed = Some(seed);
        });
    });

    // Live actions go into the link as they happen.
    Effect::new(move |_| {
        let actions = run.actions.get();
        if ctx.url.with_untracked(|u| u.actions != actions) {
            ctx.url.update(|u| u.actions = actions);
        }
    });

    // A live action from the link that the engine refused: a notice, the run goes on.
    Effect::new(move |_| {
        if let Some(why) = run.refused.get() {
            controls::refusal_notice(ctx, crate::run_loop::Refused::Engine(why));
        }
    });

    // A finished, graded run goes into progress (not in the sandbox: it has no objectives).
    Effect::new(move |_| {
        if sandbox || run.phase.get() != Phase::Finished {
            return;
        }
        if let Some(grades) = run.grades() {
            let met = grades.iter().filter(|g| g.passed).count() as u32;
            ctx.record(&sc_id, met, grades.len() as u32);
        }
    });

    // A replay belongs to the minute it came from: a run that starts again closes it.
    Effect::new(move |_| {
        if matches!(run.phase.get(), Phase::Ready | Phase::Running) {
            zoom.close();
        }
    });

    hotkeys::use_player_shortcuts(run, Signal::derive(move || zoom.at.get().is_some()));
    let shows = move |section: &'static str| ctx.url.with(|u| u.shows(section));
    let title = scenario.title.clone();
    let story = scenario.story.clone();
    let objectives_list = scenario.objectives.clone();
    let questions_list = scenario.questions.clone();
    let presenter = move || ctx.url.with(|u| u.presenter);
    let embedded = move || ctx.url.with(|u| u.embed);
    let flash = flash_on_live_action(run);
    let has_versions = scenario.versions.len() > 1;
    let version_names: Vec<String> = scenario.versions.iter().map(|v| v.name.clone()).collect();
    let parts = charts::Parts { database: scenario.database.is_some(), cache: scenario.cache.is_some() };
    let cluster = scenario.cluster.is_some();
    let export_charts = charts::kinds(has_versions, cluster, parts);
    let (export_title, export_objectives) = (scenario.title.clone(), scenario.objectives.clone());
    view! {
        <div class="page player" class:sandbox=sandbox data-testid="player" data-scenario=scenario.id.clone()>
            <header class="player-head">
                <h1 id="scenario-title">
                    {sandbox.then(|| view! { <span class="kicker">{move || S::NavSandbox.t(lang.get())}" · "</span> })}
                    {move || lang.get().pick(&title.ko, &title.en).to_string()}
                </h1>
                // An embed never navigates its frame away: no base switch, share box or compare
                // link; one link opens the same run in the full app instead.
                <Show when=move || !embedded() fallback=|| view! { <OpenInApp /> }>
                    {sandbox.then(|| view! { <SandboxBase current=entry /> })}
                    <crate::share::CopyLink />
                </Show>
            </header>
            {(!sandbox).then(|| view! {
                <Show when=move || shows("story")>
                    // Collapsible; folded in presenter mode so the charts stay above the fold.
                    {story.clone().map(|s| view! {
                        <details class="story" prop:open=move || !presenter()>
                            <summary><h2 id="story-h">{move || S::Story.t(lang.get())}</h2></summary>
                            <div id="story">{move || crate::rich_text::paragraphs(lang.get().pick(&s.ko, &s.en))}</div>
                        </details>
                    })}
                </Show>
            })}
            {move || build_error.get().map(|e| view! { <p class="error" role="alert" data-testid="build-error">{move || lang.get().pick(&e.ko, &e.en).to_string()}</p> })}
            {move || run.error.get().map(|e| view! { <p class="error" role="alert">{move || lang.get().pick(&e.ko, &e.en).to_string()}</p> })}
            <div class="player-grid">
                <div class="side">
                    {(!link_cues.is_empty()).then(|| {
                        let list = link_cues.clone();
                        view! { <Show when=presenter><cues::CueList run=run cues=list.clone() /></Show> }
                    })}
                    {(!sandbox).then(|| {
                        let list = objectives_list.clone();
                        view! { <Show when=move || shows("objectives")><objectives::Objectives objectives=list.clone() run=run /></Show> }
                    })}
                    <objectives::FlowOutsideNote run=run />
                    <Show when=move || shows("knobs")>
                        <KnobsPanel set=knobs disabled=Signal::derive(move || run.phase.get() == Phase::Running) prefix="knob" />
                    </Show>
                </div>
                <div class="main-col">
                    <Show when=move || shows("controls")>
                        <Controls run=run seed=seed />
                        <Show when=move || presenter() || sandbox><controls::FaultButtons run=run rollback=has_versions /></Show>
                    </Show>
                    <Show when=move || shows("grade") && !sandbox && run.phase.get() == Phase::Finished>
                        <p class="to-grade"><button type="button" id="go-to-grade" on:click=move |_| go_to_grade()>{move || S::GoToGrade.t(lang.get())}" ↓"</button></p>
                    </Show>
                    {has_versions.then(|| view! {
                        <Show when=move || shows("controls")>
                            <release::ReleasePanel run=run versions=version_names.clone() own_release=own_release.into() />
                        </Show>
                    })}
                    <scrubber::Scrubber run=run marker=marker />
                    <div class="live" class:flash=move || flash.get()>
                        // The cluster view and gauges: first in the presenter's screen, beside the charts.
                        <Show when=move || shows("charts")>
                            <div class="scene cluster-slot" data-slot="cluster-view">
                                <Show when=move || zoom.at.get().is_none() fallback=move || view! { <zoom::ZoomReplay zoom=zoom /> }>
                                    {flow_run.then(|| view! { <zoom::ZoomButton run=run marker=marker zoom=zoom scenario=built_scenario seed=seed /> })}
                                    <cluster_view::ClusterView run=run marker=marker />
                                    <scrubber::Gauges run=run marker=marker />
                                </Show>
                            </div>
                        </Show>
                        <Show when=move || shows("charts")><Charts run=run marker=marker versions=has_versions cluster=cluster parts=parts /></Show>
                        <Show when=move || shows("log")><event_log::EventLog run=run marker=marker /></Show>
                    </div>
                    <Summary run=run />
                    <export::Export run=run title=export_title objectives=export_objectives charts=export_charts
                        overrides=Signal::derive(move || knobs.overrides()) />
                </div>
            </div>
            {(!sandbox).then(|| {
                let (list, objs) = (questions_list.clone(), objectives_list.clone());
                view! {
                    <Show when=move || shows("grade") && run.phase.get() == Phase::Finished>
                        <objectives::GradePanel objectives=objs.clone() run=run />
                        <questions::Questions questions=list.clone() />
                    </Show>
                }
            })}
        </div>
    }
    .into_any()
}

/// The sandbox's choice of starting system.
#[component]
fn SandboxBase(current: &'static Entry) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let current_id = current.id();
    view! {
        <label class="sandbox-base">
            <span>{move || S::SandboxBase.t(lang.get())}</span>
            <select id="sandbox-base" prop:value=current_id.clone()
                on:change=move |ev| ctx.navigate(View::Sandbox(Some(event_target_value(&ev))))>
                {content::cards().map(|c| {
                    let (id, t) = (c.id, &c.title);
                    view! { <option value=id selected=id == current_id>{move || lang.get().pick(t.ko, t.en)}</option> }
                }).collect_view()}
            </select>
        </label>
        <p class="intro">{move || S::SandboxIntro.t(lang.get())}</p>
    }
}

use simulation::report::thousands;

/// The whole-run numbers (live while running, final at the end).
#[component]
pub fn Summary(run: Run) -> impl IntoView {
    let lang = crate::use_lang();
    view! {
        <dl class="summary" data-testid="summary">
            {move || run.summary().map(|s| {
                let l = lang.get();
                let p99 = s.latency_ms.p99.map(|v| format!("{v:.1} ms")).unwrap_or_else(|| "–".into());
                view! {
                    <div><dt>{S::Availability.t(l)}</dt><dd data-testid="sum-availability">{format!("{:.3} %", s.availability * 100.0)}</dd></div>
                    <div><dt>"p99"</dt><dd data-testid="sum-p99">{p99}</dd></div>
                    <div><dt>{S::SeriesCompleted.t(l)}</dt><dd data-testid="sum-completed">{thousands(s.completed as i64)}</dd></div>
                    <div><dt>{S::SeriesFailed.t(l)}</dt><dd data-testid="sum-failed">{thousands(s.failed as i64)}</dd></div>
                    <div><dt>{S::ChartCost.t(l)}</dt><dd data-testid="sum-cost">{format!("{:.2}", s.cost_per_hour)}</dd></div>
                }
            })}
        </dl>
        // For reproducing a run (and the tests), not for learners: folded away.
        {move || run.digest().map(|d| view! {
            <details class="run-details">
                <summary>{move || S::RunDetails.t(lang.get())}</summary>
                <p>{move || S::Digest.t(lang.get())}": "<code data-testid="digest">{d.clone()}</code></p>
            </details>
        })}
    }
}

/// True for a moment after each live action (fault, release, rollback): the live area flashes.
fn flash_on_live_action(run: Run) -> RwSignal<bool> {
    let flash = RwSignal::new(false);
    let seen = StoredValue::new(0usize);
    Effect::new(move |_| {
        let n = run.actions.with(Vec::len);
        let before = seen.get_value();
        seen.set_value(n);
        if n > before && run.phase.get_untracked() != Phase::Ready {
            flash.set(true);
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(1200).await;
                let _ = flash.try_set(false);
            });
        }
    });
    flash
}

/// In an embed: the same scenario, knobs, seed and actions in the full app, in a new tab.
#[component]
fn OpenInApp() -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let href = move || {
        let q = ctx.url.with(|u| crate::url_state::encode(&crate::url_state::UrlState { embed: false, ui: vec![], ..u.clone() }));
        let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
        format!("{path}{q}")
    };
    view! {
        <a class="open-in-app" id="open-in-app" href=href target="_blank" rel="noopener">{move || S::OpenInApp.t(lang.get())}" ↗"</a>
    }
}

/// Scrolls the grade into view and moves the focus there (for keyboards and screen readers).
fn go_to_grade() {
    use wasm_bindgen::JsCast;
    let grade = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector("[data-testid=grade]").ok().flatten());
    if let Some(grade) = grade.and_then(|g| g.dyn_into::<web_sys::HtmlElement>().ok()) {
        grade.scroll_into_view();
        let _ = grade.focus();
    }
}
