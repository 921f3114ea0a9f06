//! The catalog: every embedded scenario, grouped by the lecture's chapters, with this learner's
//! status (not tried, failed, passed, best result).

use crate::chapters::{CHAPTERS, chapter_label};
use crate::content;
use crate::i18n::S;
use crate::progress::Status;
use crate::url_state::View;
use leptos::prelude::*;
use simulation::scenario::Chapter;

/// The chapter id a scenario's chapter serialises to (`"autoscaling"`), whatever variants the
/// engine adds later.
pub fn chapter_id(c: Chapter) -> &'static str {
    let name = serde_json::to_value(c).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    CHAPTERS.iter().copied().find(|id| *id == name).unwrap_or("testing")
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let broken: Vec<_> = content::all().iter().filter_map(|e| e.parsed.as_ref().err().map(|err| (e.file, err.clone()))).collect();
    let chapters = CHAPTERS
        .iter()
        .filter_map(|ch| {
            let entries: Vec<_> = content::all().iter().filter(|e| e.parsed.as_ref().is_ok_and(|s| chapter_id(s.chapter) == *ch)).collect();
            (!entries.is_empty()).then(|| {
                view! {
                    <section class="chapter" data-chapter=*ch>
                        <h2>{move || chapter_label(ch).t(lang.get())}</h2>
                        <ul class="cards">
                            {entries.into_iter().map(|e| view! { <ScenarioCard entry=e /> }).collect_view()}
                        </ul>
                    </section>
                }
            })
        })
        .collect_view();
    view! {
        <div class="page catalog">
            <h1>{move || S::NavCatalog.t(lang.get())}</h1>
            <p class="tagline">{move || S::Tagline.t(lang.get())}</p>
            <div class="chapters">{chapters}</div>
            {(!broken.is_empty()).then(|| view! {
                <section class="broken" role="alert">
                    <h2>{move || S::ScenarioInvalid.t(lang.get())}</h2>
                    {broken.into_iter().map(|(f, err)| view! { <p><code>{f}</code>": "{err}</p> }).collect_view()}
                </section>
            })}
        </div>
    }
}

#[component]
fn ScenarioCard(entry: &'static content::Entry) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let Ok(sc) = &entry.parsed else { return ().into_any() };
    let id = sc.id.clone();
    let title = sc.title.clone();
    let story = sc.story.clone();
    let status = {
        let id = id.clone();
        move || ctx.progress.with(|s| (s.progress.status(&id), s.progress.scenarios.get(&id).cloned()))
    };
    let view_to = View::Play(id.clone());
    let href = {
        let v = view_to.clone();
        move || {
            lang.track();
            ctx.href(v.clone())
        }
    };
    view! {
        <li class="card" data-testid="scenario-card" data-scenario=id.clone()>
            <h3>
                <a href=href on:click=move |ev| { ev.prevent_default(); ctx.navigate(view_to.clone()) } data-testid="open-scenario">
                    {move || lang.get().pick(&title.ko, &title.en).to_string()}
                </a>
            </h3>
            {story.map(|s| view! { <p class="excerpt">{move || first_sentence(lang.get().pick(&s.ko, &s.en))}</p> })}
            {
                let compare = View::Compare(id.clone());
                let href = { let v = compare.clone(); move || { lang.track(); ctx.href(v.clone()) } };
                view! { <p class="card-compare"><a href=href data-testid="open-compare" on:click=move |ev| { ev.prevent_default(); ctx.navigate(compare.clone()) }>{move || S::CompareTwo.t(lang.get())}</a></p> }
            }
            <p class="status" data-testid="scenario-status">
                {move || {
                    let l = lang.get();
                    let (st, entry) = status();
                    let (class, label) = match st {
                        Status::NotTried => ("badge not-tried", S::StatusNotTried),
                        Status::Failed => ("badge failed", S::StatusFailed),
                        Status::Passed => ("badge passed", S::StatusPassed),
                    };
                    let best = entry.map(|e| format!("{}: {}/{} {} · {} {}", S::Best.t(l), e.best_met, e.total, S::ObjectivesPassedOf.t(l), e.runs, S::Runs.t(l)));
                    view! { <span class=class data-status=format!("{st:?}")>{label.t(l)}</span> {best.map(|b| view! { <span class="best">{b}</span> })} }
                }}
            </p>
        </li>
    }
    .into_any()
}

/// The story's first sentence: up to a full stop followed by a space or the end (so "99.9 %"
/// does not end it), or a line break.
fn first_sentence(s: &str) -> String {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let end = chars
        .iter()
        .enumerate()
        .find(|(k, (_, c))| *c == '\n' || *c == '。' || (*c == '.' && chars.get(k + 1).is_none_or(|(_, n)| n.is_whitespace())))
        .map(|(_, (i, c))| i + c.len_utf8())
        .unwrap_or(s.len());
    s[..end].trim().replace("**", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_keeps_decimals_and_drops_markup() {
        assert_eq!(first_sentence("The objective is **99.9 % availability**. That allows…"), "The objective is 99.9 % availability.");
        assert_eq!(first_sentence("목표는 **가용성 99.9 %**입니다. 1년이면"), "목표는 가용성 99.9 %입니다.");
        assert_eq!(first_sentence("One line\nnext"), "One line");
        assert_eq!(first_sentence("No stop at all"), "No stop at all");
        assert_eq!(first_sentence("Ends with a stop."), "Ends with a stop.");
    }
}
