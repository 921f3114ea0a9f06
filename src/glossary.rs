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
/// file fails the build), which writes the terms as JSON for `load`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    pub id: &'static str,
    pub chapter: &'static str,
    pub term: Pair,
    pub definition: Pair,
}

thread_local! {
    /// The terms once fetched: once per page.
    static TERMS: std::cell::OnceCell<&'static [Term]> = const { std::cell::OnceCell::new() };
}

/// The glossary's terms if they are loaded already.
pub fn loaded() -> Option<&'static [Term]> {
    TERMS.with(|t| t.get().copied())
}

/// Fetches the terms `build.rs` wrote (once; not in the wasm: only the glossary page needs them).
pub async fn load() -> Result<&'static [Term], String> {
    if let Some(terms) = loaded() {
        return Ok(terms);
    }
    let json = crate::content::fetch_text(GLOSSARY_PATH).await.map_err(|why| format!("{GLOSSARY_PATH}: {why}"))?;
    let rows: Vec<[String; 6]> = serde_json::from_str(&json).map_err(|e| format!("{GLOSSARY_PATH}: {e}"))?;
    let keep = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let terms: Vec<Term> = rows
        .into_iter()
        .map(|[id, chapter, term_ko, term_en, definition_ko, definition_en]| Term {
            id: keep(id),
            chapter: keep(chapter),
            term: Pair { ko: keep(term_ko), en: keep(term_en) },
            definition: Pair { ko: keep(definition_ko), en: keep(definition_en) },
        })
        .collect();
    let terms: &'static [Term] = Box::leak(terms.into_boxed_slice());
    Ok(TERMS.with(|t| *t.get_or_init(|| terms)))
}

/// Unicode lowercase for the search, by the browser's `toLowerCase` (the same mapping, final
/// sigma included): Rust's `to_lowercase` brings its 12 KB case table into the wasm (#12).
fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(s).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    s.to_lowercase()
}

#[component]
pub fn GlossaryPage() -> impl IntoView {
    let lang = crate::use_lang();
    let (query, set_query) = signal(String::new());
    let sections = move |all: &'static [Term]| {
        let lang = lang.get();
        let q = lowercase(&query.get());
        CHAPTERS
            .iter()
            .filter_map(|ch| {
                let items: Vec<Term> = all
                    .iter()
                    .filter(|t| t.chapter == *ch)
                    .filter(|t| q.is_empty() || [t.term.ko, t.term.en, t.definition.ko, t.definition.en].iter().any(|s| lowercase(s).contains(&q)))
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
    let list = move |all: &'static [Term]| (move || sections(all)).into_any();
    view! {
        <div class="page glossary">
            <h1>{move || S::NavGlossary.t(lang.get())}</h1>
            <p>{move || S::GlossaryIntro.t(lang.get())}</p>
            <label class="search">
                <span>{move || S::Search.t(lang.get())}</span>
                <input id="glossary-search" type="search" prop:value=query on:input=move |ev| set_query.set(event_target_value(&ev)) />
            </label>
            {crate::content::with_loaded(loaded(), load, S::GlossaryLoadFailed, list)}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> &'static [Term] {
        crate::content::now(load()).expect("the glossary is embedded")
    }

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
