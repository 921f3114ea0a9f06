//! Objectives ticking live (the engine's `grade::live_tick` on the running summary and the
//! latest second: a latency objective is never on track while requests fail beyond what its
//! percentile allows), and at the end the engine's grade per objective with its reason and hints.

use super::controls::mmss;
use crate::i18n::{Lang, S};
use crate::run_loop::Run;
use leptos::prelude::*;
use simulation::grade::Grade;
use simulation::grade::LiveState;
use simulation::wording::live_tick;
use simulation::scenario::{Metric, Objective};

/// A metric's value as people read it, units in the learner's language.
pub fn fmt_metric(m: Metric, v: f64, l: Lang) -> String {
    match m {
        m if m.is_ratio() => format!("{:.3} %", v * 100.0),
        Metric::LatencyMeanMs | Metric::LatencyP50Ms | Metric::LatencyP90Ms | Metric::LatencyP95Ms | Metric::LatencyP99Ms => {
            format!("{v:.1} ms")
        }
        Metric::ThroughputRps => format!("{v:.1} {}", S::UnitRps.t(l)),
        Metric::CostPerHour => l.pick(&format!("시간당 ${v:.2}"), &format!("${v:.2}/h")).to_string(),
        Metric::VersionLatencyP99Ms => format!("{v:.1} ms"),
        Metric::TimeToDetectS | Metric::RecoveryS => l.pick(&format!("{v:.0}초"), &format!("{v:.0} s")).to_string(),
        Metric::PeakPodMemoryMi => format!("{} MiB", simulation::report::thousands(v.round() as i64)),
        _ => simulation::report::thousands(v.round() as i64),
    }
}

#[component]
pub fn Objectives(objectives: Vec<Objective>, run: Run) -> impl IntoView {
    let lang = crate::use_lang();
    view! {
        <section class="objectives" aria-labelledby="obj-h" data-testid="objectives">
            <h2 id="obj-h">{move || S::Objectives.t(lang.get())}</h2>
            <ul>
                {objectives.into_iter().map(|o| {
                    let id = StoredValue::new(o.id.clone());
                    let objective = StoredValue::new(o.clone());
                    let tick = Memo::new(move |_| {
                        let last = run.last_second().and_then(|t| run.sample_at(t));
                        run.with_summary(|s| s.map(|s| objective.with_value(|o| live_tick(o, s, last.as_ref()))))
                    });
                    let state = move || {
                        if let Some(g) = run.with_grades(|g| g.and_then(|g| id.with_value(|id| g.iter().find(|g| &g.id == id).map(|g| g.passed)))) {
                            return if g { "passed" } else { "failed" };
                        }
                        match tick.with(|t| t.as_ref().map(|t| t.state)) {
                            Some(LiveState::OnTrack) => "on-track",
                            Some(LiveState::OffTrack) => "off-track",
                            _ => "pending",
                        }
                    };
                    let pick = move |f: fn(&simulation::wording::LiveTick) -> &simulation::scenario::Text| {
                        let l = lang.get();
                        tick.with(|t| t.as_ref().map(|t| l.pick(&f(t).ko, &f(t).en).to_string()))
                    };
                    let label = o.label.clone();
                    view! {
                        <li class=move || format!("objective {}", state()) data-testid="objective" data-state=state data-metric=format!("{:?}", o.metric)
                            title=move || pick(|t| &t.measures).unwrap_or_default()>
                            <span class="mark" aria-hidden="true">{move || match state() { "passed" | "on-track" => "✓", "failed" | "off-track" => "✗", _ => "…" }}</span>
                            <span class="label">{move || lang.get().pick(&label.ko, &label.en).to_string()}</span>
                            <span class="value">{move || pick(|t| &t.shown).unwrap_or_else(|| "–".into())}</span>
                            <span class="sr-only">{move || pick(|t| &t.measures).unwrap_or_default()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn GradePanel(objectives: Vec<Objective>, run: Run) -> impl IntoView {
    let lang = crate::use_lang();
    let grades = move || run.grades().unwrap_or_default();
    view! {
        <section class="grade" aria-labelledby="grade-h" data-testid="grade" tabindex="-1">
            <h2 id="grade-h">{move || S::Grade.t(lang.get())}</h2>
            <p class="verdict" data-testid="verdict" data-passed=move || grades().iter().all(|g| g.passed).to_string()>
                {move || if grades().iter().all(|g| g.passed) { S::AllPassed.t(lang.get()) } else { S::SomeFailed.t(lang.get()) }}
            </p>
            <FlowOutsideNote run=run />
            <ul>
                {move || {
                    let l = lang.get();
                    grades().into_iter().map(|g| {
                        let o = objectives.iter().find(|o| o.id == g.id);
                        let label = o.map(|o| l.pick(&o.label.ko, &o.label.en).to_string()).unwrap_or_else(|| g.id.clone());
                        let measured = g.measured.map(|v| fmt_metric(g.metric, v, l)).unwrap_or_else(|| "–".into());
                        let target = fmt_metric(g.metric, g.target, l);
                        let reason = reason_text(l, &g);
                        view! {
                            <li class=if g.passed { "grade-item passed" } else { "grade-item failed" } data-testid="grade-item" data-objective=g.id.clone() data-passed=g.passed.to_string()>
                                <p class="head">
                                    <strong>{if g.passed { "✓ " } else { "✗ " }}{label}</strong>
                                    " — "{if g.passed { S::Passed.t(l) } else { S::Failed.t(l) }}
                                    " · "{S::Measured.t(l)}": "{measured}" ("{g.comparison}" "{target}")"
                                </p>
                                {reason.map(|r| view! {
                                    <p class="reason" data-testid="reason"><span class="why">{S::Why.t(l)}": "</span>{r}</p>
                                })}
                                {(!g.causes.is_empty()).then(|| view! {
                                    <ul class="causes">{g.causes.iter().map(|c| view! { <li><time>{mmss(c.t)}</time>" "{let t = c.text(); l.pick(&t.ko, &t.en).to_string()}</li> }).collect_view()}</ul>
                                })}
                                {g.hints.iter().map(|h| view! { <p class="hint"><span>{S::Hint.t(l)}": "</span>{crate::rich_text::inline(l.pick(&h.ko, &h.en))}</p> }).collect_view()}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}

/// A flow-engine scenario outside the flow engine's measured region: the run went to the
/// request level, or its grade is approximate (the engine's words, in the learner's language).
#[component]
pub fn FlowOutsideNote(run: Run) -> impl IntoView {
    let lang = crate::use_lang();
    move || {
        run.flow_outside().map(|t| {
            let l = lang.get();
            view! { <p class="flow-outside" role="note" data-testid="flow-outside">{l.pick(&t.ko, &t.en).to_string()}</p> }
        })
    }
}

/// The failure's reason in the learner's language, as the engine words it.
fn reason_text(l: Lang, g: &Grade) -> Option<String> {
    g.reason().map(|t| l.pick(&t.ko, &t.en).to_string())
}
