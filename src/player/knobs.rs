//! The knobs panel, generated from the scenario's knob definitions (in the sandbox, the engine's
//! whole list, in its groups): a slider plus a number field for a bounded number, a number field
//! otherwise, a select for a choice. The range and its words are the knob's; input is read by the
//! engine's `Knob::accept`.

use super::{KnobSet, accept};
use crate::i18n::{Lang, S};
use leptos::prelude::*;
use simulation::scenario::knobs::sandbox::Group;
use simulation::scenario::knobs::{RELEASE_ENABLED, belongs_to_release, value_text};
use simulation::scenario::{Knob, KnobKind};

pub fn knob_dom_id(prefix: &str, path: &str) -> String {
    format!("{prefix}-{}", path.replace('.', "-"))
}

#[component]
pub fn KnobsPanel(set: KnobSet, disabled: Signal<bool>, prefix: &'static str) -> impl IntoView {
    let lang = crate::use_lang();
    // With the scheduled release switched off, the release's own knobs do nothing: hide them.
    let switch = set.knobs.with_value(|ks| ks.iter().position(|k| k.path == RELEASE_ENABLED));
    let release_off = Signal::derive(move || switch.is_some_and(|s| set.values.with(|v| v.get(s).is_some_and(|x| x == "false"))));
    let row = move |(i, k): (usize, Knob)| {
        let of_release = belongs_to_release(&k.path);
        let hidden = Signal::derive(move || of_release && release_off.get());
        view! { <KnobRow set=set i=i knob=k disabled=disabled hidden=hidden prefix=prefix /> }
    };
    // Consecutive knobs of one group share a fieldset with the group's name.
    type GroupRun = (Option<Group>, Vec<(usize, Knob)>);
    let mut runs: Vec<GroupRun> = vec![];
    let groups = set.groups.get_value();
    for (i, k) in set.knobs.get_value().into_iter().enumerate() {
        let g = groups.get(i).copied().flatten();
        match runs.last_mut() {
            Some((last, list)) if *last == g => list.push((i, k)),
            _ => runs.push((g, vec![(i, k)])),
        }
    }
    let rows = runs
        .into_iter()
        .map(|(g, list)| match g {
            None => list.into_iter().map(row).collect_view().into_any(),
            Some(g) => {
                let title = g.text();
                view! {
                    <fieldset class="knob-group" data-group=g.id()>
                        <legend>{move || lang.get().pick(&title.ko, &title.en).to_string()}</legend>
                        {list.into_iter().map(row).collect_view()}
                    </fieldset>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <section class="knobs" aria-labelledby=format!("{prefix}-h") data-testid="knobs">
            <h2 id=format!("{prefix}-h")>{move || S::Knobs.t(lang.get())}</h2>
            {rows}
        </section>
    }
}

#[component]
fn KnobRow(set: KnobSet, i: usize, knob: Knob, disabled: Signal<bool>, hidden: Signal<bool>, prefix: &'static str) -> impl IntoView {
    let lang = crate::use_lang();
    let id = knob_dom_id(prefix, &knob.path);
    let value = move || set.values.with(|v| v.get(i).cloned().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let k = StoredValue::new(knob.clone());
    let commit = move |raw: String| match accept(&k.get_value(), &raw, lang.get_untracked()) {
        Ok((v, notice)) => {
            error.set(notice);
            set.set(i, v);
        }
        Err(e) => error.set(Some(e)),
    };
    let label = knob.label.clone();
    let unit_text = knob.unit_text();
    let labels = set.choice_labels.with_value(|c| c.get(i).cloned().unwrap_or_default());
    let choice_words = {
        let labels = labels.clone();
        move |l: Lang| labels.iter().map(|t| l.pick(&t.ko, &t.en)).collect::<Vec<_>>().join(" · ")
    };
    let range = knob.range_words();
    let hint_id = format!("{id}-range");
    let is_choice = knob.kind == KnobKind::Choice;
    let step = knob.step.map(|s| s.to_string()).unwrap_or_else(|| if knob.kind == KnobKind::Integer { "1".into() } else { "any".into() });
    let control = match knob.kind {
        KnobKind::Choice => view! {
            <select id=id.clone() prop:value=value disabled=disabled aria-describedby=hint_id.clone()
                on:change=move |ev| commit(event_target_value(&ev))>
                {knob.choices.iter().zip(labels).map(|(c, t)| view! {
                    <option value=c.clone()>{move || lang.get().pick(&t.ko, &t.en).to_string()}</option>
                }).collect_view()}
            </select>
        }
        .into_any(),
        _ => {
            let bounded = knob.min.is_some() && knob.max.is_some();
            let (min, max) = (knob.min.map(|v| v.to_string()), knob.max.map(|v| v.to_string()));
            let slider = bounded.then(|| {
                view! {
                    <input type="range" id=format!("{id}-slider") min=min.clone() max=max.clone() step=step.clone()
                        prop:value=value disabled=disabled aria-labelledby=format!("{id}-label")
                        aria-valuetext=move || format!("{} {}", value(), k.with_value(|k| { let u = k.unit_text(); lang.get().pick(&u.ko, &u.en).to_string() }))
                        on:input=move |ev| commit(event_target_value(&ev)) />
                }
            });
            view! {
                {slider}
                <input type="number" id=id.clone() class="knob-number" min=min max=max step=step prop:value=value disabled=disabled
                    inputmode="decimal" aria-describedby=hint_id.clone() on:change=move |ev| commit(event_target_value(&ev)) />
                <span class="unit">{move || lang.get().pick(&unit_text.ko, &unit_text.en).to_string()}</span>
            }
            .into_any()
        }
    };
    view! {
        <div class="knob" hidden=hidden data-path=knob.path.clone() data-kind=format!("{:?}", knob.kind).to_ascii_lowercase() data-reference=value_text(&knob.reference)>
            <label for=id.clone() id=format!("{id}-label")>{move || lang.get().pick(&label.ko, &label.en).to_string()}</label>
            <div class="knob-control">{control}</div>
            <small id=hint_id class="range">{move || {
                let l = lang.get();
                if is_choice { format!("{}: {}", S::Choices.t(l), choice_words(l)) } else { format!("{}: {}", S::Reference.t(l), l.pick(&range.ko, &range.en)) }
            }}</small>
            {move || error.get().map(|e| view! { <small class="knob-error" role="status">{e}</small> })}
        </div>
    }
}
