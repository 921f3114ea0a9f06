//! The glossary page: the lecture's terms from `content/glossary.toml`, in both languages.

use crate::chapters::{CHAPTERS, chapter_label};
use crate::i18n::{Lang, S};
use leptos::prelude::*;

include!(concat!(env!("OUT_DIR"), "/glossary.rs"));

/// A text in both languages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub ko: &'static str,
    pub en: &'static str,
}

impl Pair {
    pub fn get(&self, lang: Lang) -> &'static str {
        lang.pick(self.ko, self.en)
    }
}

/// One term, typed from `content/glossary.toml` by `build.rs` (`deny_unknown_fields`; a broken
/// file fails the build).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    pub id: &'static str,
    pub chapter: &'static str,
    pub term: Pair,
    pub definition: Pair,
}

/// The glossary's terms.
pub fn terms() -> &'static [Term] {
    GLOSSARY
}

#[component]
pub fn GlossaryPage() -> impl IntoView {
    let lang = crate::use_lang();
    let (query, set_query) = signal(String::new());
    let all = terms();
    let sections = move || {
        let lang = lang.get();
        let q = query.get().to_lowercase();
        CHAPTERS
            .iter()
            .filter_map(|ch| {
                let items: Vec<Term> = all
                    .iter()
                    .filter(|t| t.chapter == *ch)
                    .filter(|t| q.is_empty() || [t.term.ko, t.term.en, t.definition.ko, t.definition.en].iter().any(|s| s.to_lowercase().contains(&q)))
                    .copied()
                    .collect();
                (!items.is_empty()).then(|| {
                    view! {
                        <section class="glossary-chapter">
                            <h2>{chapter_label(ch).t(lang)}</h2>
                            <dl>
                                {items.into_iter().map(|t| {
                                    let other = match lang { Lang::Ko => t.term.en, Lang::En => t.term.ko };
                                    view! {
                                        <div class="term" id=format!("term-{}", t.id) data-testid="glossary-term">
                                            <dt>{t.term.get(lang).to_string()} <span class="other-lang" lang=match lang { Lang::Ko => "en", Lang::En => "ko" }>{other}</span></dt>
                                            <dd>{t.definition.get(lang).to_string()}</dd>
                                        </div>
                                    }
                                }).collect_view()}
                            </dl>
                        </section>
                    }
                })
            })
            .collect_view()
    };
    view! {
        <div class="page glossary">
            <h1>{move || S::NavGlossary.t(lang.get())}</h1>
            <p>{move || S::GlossaryIntro.t(lang.get())}</p>
            <label class="search">
                <span>{move || S::Search.t(lang.get())}</span>
                <input id="glossary-search" type="search" prop:value=query on:input=move |ev| set_query.set(event_target_value(&ev)) />
            </label>
            {sections}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glossary_has_about_thirty_terms() {
        assert!(terms().len() >= 30, "{} terms", terms().len());
    }

    #[test]
    fn every_term_is_translated_and_in_a_known_chapter() {
        let mut ids = std::collections::HashSet::new();
        for t in terms() {
            assert!(ids.insert(t.id), "duplicate id {}", t.id);
            assert!(CHAPTERS.contains(&t.chapter), "{}: unknown chapter {}", t.id, t.chapter);
            for (what, p) in [("term", &t.term), ("definition", &t.definition)] {
                assert!(!p.ko.trim().is_empty(), "{}: {what} has no Korean", t.id);
                assert!(!p.en.trim().is_empty(), "{}: {what} has no English", t.id);
                assert!(p.ko.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)), "{}: {what}.ko is not Korean", t.id);
            }
        }
    }
}
