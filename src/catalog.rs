//! The catalog: every embedded scenario, grouped by the lecture's chapters, with this learner's
//! status (not tried, failed, passed, best result).

use crate::chapters::{CHAPTERS, chapter_label};
use crate::content::{self, Card};
use crate::i18n::S;
use crate::progress::Status;
use crate::url_state::View;
use leptos::prelude::*;
use simulation::scenario::Chapter;

/// Used by `build.rs` (through `#[path]`) and checked here.
#[cfg(test)]
mod excerpt;

/// The chapter id a scenario's chapter serialises to (`"autoscaling"`), whatever variants the
/// engine adds later.
pub fn chapter_id(c: Chapter) -> &'static str {
    // Its JSON without the quotes (serde_json's `Value` would add its code to the wasm).
    let name = serde_json::to_string(&c).ok().and_then(|s| Some(s.strip_prefix('"')?.strip_suffix('"')?.to_string())).unwrap_or_default();
    CHAPTERS.iter().copied().find(|id| *id == name).unwrap_or("testing")
}

fn card_chapter(card: &Card) -> &'static str {
    CHAPTERS.iter().copied().find(|id| *id == card.chapter).unwrap_or("testing")
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    // A file the engine refused at build time has no card and is listed with its errors.
    let broken: Vec<_> = content::refused().collect();
    let chapters = CHAPTERS
        .iter()
        .filter_map(|ch| {
            let cards: Vec<&'static Card> = content::cards().filter(|c| card_chapter(c) == *ch).collect();
            (!cards.is_empty()).then(|| {
                view! {
                    <section class="chapter" data-chapter=*ch>
                        <h2>{move || chapter_label(ch).t(lang.get())}</h2>
                        <ul class="cards">
                            {cards.into_iter().map(|c| view! { <ScenarioCard card=c /> }).collect_view()}
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
fn ScenarioCard(card: &'static Card) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let id = card.id.to_string();
    let title = &card.title;
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
                    {move || lang.get().pick(title.ko, title.en)}
                </a>
            </h3>
            {card.excerpt.as_ref().map(|s| view! { <p class="excerpt">{move || lang.get().pick(s.ko, s.en)}</p> })}
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
}

#[cfg(test)]
mod tests {
    use super::excerpt::first_sentence;
    use crate::content;

    #[test]
    fn first_sentence_keeps_decimals_and_drops_markup() {
        assert_eq!(first_sentence("The objective is **99.9 % availability**. That allows…"), "The objective is 99.9 % availability.");
        assert_eq!(first_sentence("목표는 **가용성 99.9 %**입니다. 1년이면"), "목표는 가용성 99.9 %입니다.");
        assert_eq!(first_sentence("One line\nnext"), "One line");
        assert_eq!(first_sentence("No stop at all"), "No stop at all");
        assert_eq!(first_sentence("Ends with a stop."), "Ends with a stop.");
    }

    /// The cards `build.rs` wrote say what the engine reads in each file: one card per scenario.
    #[test]
    fn every_card_matches_its_parsed_scenario() {
        let parsed: Vec<_> = content::all().iter().filter_map(|e| e.parsed.as_ref().ok().map(|s| (e.file, s))).collect();
        assert_eq!(content::SCENARIO_CARDS.len(), parsed.len(), "one card per scenario");
        for (file, sc) in parsed {
            let card = content::SCENARIO_CARDS.iter().find(|c| c.file == file).unwrap_or_else(|| panic!("{file}: no card"));
            assert_eq!(card.id, sc.id, "{file}");
            assert_eq!(super::card_chapter(card), super::chapter_id(sc.chapter), "{file}");
            assert_eq!((card.title.ko, card.title.en), (sc.title.ko.as_str(), sc.title.en.as_str()), "{file}");
            let excerpt = sc.story.as_ref().map(|s| (first_sentence(&s.ko), first_sentence(&s.en)));
            assert_eq!(card.excerpt.as_ref().map(|e| (e.ko.to_string(), e.en.to_string())), excerpt, "{file}");
        }
    }
}
