//! The scenarios, as `build.rs` wrote them: each file's catalog card, and its document as JSON
//! (read from `content/scenarios/*.toml` with the engine's parser) or the engine's error — a file
//! the engine refuses is listed with its errors, never dropped silently. The documents are not in
//! the wasm: `cargo xtask dist` puts each in `dist/scenarios/` under a content-hashed name, and
//! one is fetched when its scenario opens, then typed by the engine once. Native builds (the
//! tests) embed them instead.

use crate::i18n::S;
use leptos::prelude::*;
use simulation::Scenario;
use simulation::scenario::knobs::sandbox::{Group, sandbox_knobs};
use simulation::scenario::{Document, Knob, Text, document_from_json};

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));
#[cfg(not(target_arch = "wasm32"))]
include!(concat!(env!("OUT_DIR"), "/documents.rs"));

/// A scenario's card, written by `build.rs` from its file (`SCENARIO_CARDS`): the catalog shows
/// at once, without fetching or typing any scenario (a slow phone's first visit).
pub struct Card {
    pub file: &'static str,
    pub id: &'static str,
    /// As written in the file (`"autoscaling"`); an unknown one files under testing, like `catalog::chapter_id`.
    pub chapter: &'static str,
    pub title: CardText,
    /// The story's first sentence (`catalog/excerpt.rs`), `None` without a story.
    pub excerpt: Option<CardText>,
}

/// A text of two string literals (what `build.rs` writes).
pub struct CardText {
    pub ko: &'static str,
    pub en: &'static str,
}

pub struct Entry {
    pub file: &'static str,
    /// The file's document as JSON.
    source: &'static str,
    pub parsed: Result<Scenario, String>,
}

impl Entry {
    fn new(file: &'static str, source: &'static str) -> Entry {
        let mut entry = Entry { file, source, parsed: Err(String::new()) };
        entry.parsed = entry.document().and_then(|doc| Scenario::from_document_with_overrides(doc, &[]).map_err(|e| e.to_string()));
        entry
    }

    pub fn id(&self) -> String {
        match &self.parsed {
            Ok(s) => s.id.clone(),
            Err(_) => self.file.trim_end_matches(".toml").to_string(),
        }
    }

    /// The file's values as written (before overrides and the engine's defaults).
    pub fn document(&self) -> Result<Document, String> {
        document_from_json(self.source).map_err(|e| e.to_string())
    }
}

/// The files the engine refused at build time, with its errors.
pub fn refused() -> impl Iterator<Item = (&'static str, &'static str)> {
    SCENARIO_FILES.iter().filter_map(|&(file, document)| document.err().map(|why| (file, why)))
}

/// The cards of the scenarios the engine accepts, in file order.
pub fn cards() -> impl Iterator<Item = &'static Card> {
    SCENARIO_CARDS.iter().filter(|c| SCENARIO_FILES.iter().any(|&(file, document)| file == c.file && document.is_ok()))
}

/// The file of the scenario with this id (the sandbox's first scenario for an empty one).
pub fn file_of(id: &str, sandbox: bool) -> Option<&'static str> {
    cards().find(|c| c.id == id || (id.is_empty() && sandbox)).map(|c| c.file)
}

fn document_path(file: &str) -> Option<&'static str> {
    SCENARIO_FILES.iter().find(|&&(f, _)| f == file).and_then(|&(_, document)| document.ok())
}

thread_local! {
    /// Every scenario typed so far: each document is fetched and typed once per page.
    static LOADED: std::cell::RefCell<Vec<&'static Entry>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The scenario of `file` if it is loaded already.
pub fn loaded(file: &str) -> Option<&'static Entry> {
    LOADED.with_borrow(|l| l.iter().copied().find(|e| e.file == file))
}

/// Fetches and types the scenario of `file` (once); why not, in English (a network or engine
/// message: the page puts it under its own words in the learner's language).
pub async fn load(file: &'static str) -> Result<&'static Entry, String> {
    if let Some(entry) = loaded(file) {
        return Ok(entry);
    }
    let path = document_path(file).ok_or_else(|| format!("{file}: no document"))?;
    let json = fetch_text(path).await.map_err(|why| format!("{path}: {why}"))?;
    let entry = Entry::new(file, Box::leak(json.into_boxed_str()));
    entry.parsed.as_ref().map_err(|why| format!("{file}: {why}"))?;
    let entry: &'static Entry = Box::leak(Box::new(entry));
    LOADED.with_borrow_mut(|l| l.push(entry));
    Ok(entry)
}

/// The text of a file below dist/, fetched (native builds: embedded by `build.rs`).
#[cfg(target_arch = "wasm32")]
pub async fn fetch_text(path: &str) -> Result<String, String> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    fn words(v: JsValue) -> String {
        v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| v.as_string()).unwrap_or_else(|| format!("{v:?}"))
    }
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(path)).await.map_err(words)?.dyn_into().map_err(words)?;
    if !response.ok() {
        return Err(format!("HTTP {} {}", response.status(), response.status_text()));
    }
    let text = JsFuture::from(response.text().map_err(words)?).await.map_err(words)?;
    text.as_string().ok_or_else(|| "the response is not text".to_string())
}

#[cfg(not(target_arch = "wasm32"))]
pub async fn fetch_text(path: &str) -> Result<String, String> {
    DOCUMENTS.iter().find(|&&(p, _)| p == path).map(|&(_, json)| json.to_string()).ok_or_else(|| "not embedded".to_string())
}

/// `with_loaded` for the scenario of `file`.
pub fn with_scenario(file: &'static str, ready: impl Fn(&'static Entry) -> AnyView + Send + Sync + 'static) -> impl IntoView {
    with_loaded(loaded(file), move || load(file), S::ScenarioLoadFailed, ready)
}

/// `ready` with what `load` gives, at once when it is `cached`; meanwhile "Loading…". A failed
/// fetch says `failed` in the learner's language, with why and a way to try again, and changes
/// nothing else (the link's knobs, seed and actions, and the learner's progress, stay as they are).
pub fn with_loaded<T, F>(
    cached: Option<T>,
    load: impl Fn() -> F + Copy + Send + Sync + 'static,
    failed: S,
    ready: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<T, String>> + 'static,
{
    let lang = crate::use_lang();
    let state = RwSignal::new(cached.map(Ok::<T, String>));
    let fetch = move || {
        state.set(None);
        leptos::task::spawn_local(async move {
            let result = load().await;
            let _ = state.try_set(Some(result));
        });
    };
    if state.with_untracked(Option::is_none) {
        fetch();
    }
    move || match state.get() {
        None => view! { <p class="loading" data-testid="loading">{move || S::Loading.t(lang.get())}</p> }.into_any(),
        Some(Ok(value)) => ready(value),
        Some(Err(why)) => view! {
            <section class="load-failed" role="alert" data-testid="load-failed">
                <p>{move || failed.t(lang.get())}</p>
                <p><code>{why}</code></p>
                <button type="button" on:click=move |_| fetch()>{move || S::TryAgain.t(lang.get())}</button>
            </section>
        }
        .into_any(),
    }
}

/// A load of something embedded, which never waits (native tests).
#[cfg(test)]
pub fn now<T>(load: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(load);
    match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("an embedded file is there at once"),
    }
}

/// The knobs a player shows for a scenario, each with its group: its own (no groups), or in the
/// sandbox the engine's whole list for its system (`knobs::sandbox`; objectives are not shown there).
pub fn knobs_for(entry: &Entry, sandbox: bool) -> Vec<(Option<Group>, Knob)> {
    let Ok(sc) = &entry.parsed else { return vec![] };
    if sandbox {
        sandbox_knobs(sc).into_iter().map(|s| (Some(s.group), s.knob)).collect()
    } else {
        sc.knobs.iter().map(|k| (None, k.clone())).collect()
    }
}

/// Builds the scenario with the learner's overrides, checked by the engine against `knobs`.
pub fn build(entry: &Entry, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, Text> {
    let doc = entry.document().map_err(|e| Text { ko: e.clone(), en: e })?;
    Scenario::from_document_with_knobs(doc, knobs, overrides).map_err(|e| e.text())
}

/// Every scenario the engine accepts, loaded (native: the documents are embedded).
#[cfg(test)]
pub fn all() -> Vec<&'static Entry> {
    let files = SCENARIO_FILES.iter().filter(|(_, document)| document.is_ok());
    files.map(|&(file, _)| now(load(file)).unwrap_or_else(|why| panic!("{why}"))).collect()
}

#[cfg(test)]
pub fn find(id: &str) -> Option<&'static Entry> {
    all().into_iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chapters::CHAPTERS;
    use simulation::scenario::knobs::{RELEASE_ENABLED, value_text};

    #[test]
    fn every_scenario_parses_and_is_in_a_known_chapter() {
        for e in all() {
            let sc = e.parsed.as_ref().unwrap_or_else(|err| panic!("{}: {err}", e.file));
            let chapter = crate::catalog::chapter_id(sc.chapter);
            assert!(CHAPTERS.contains(&chapter), "{}: chapter {chapter}", e.file);
        }
    }

    #[test]
    fn every_scenario_text_exists_in_both_languages() {
        fn check(file: &str, what: &str, t: &Text) {
            assert!(!t.ko.trim().is_empty(), "{file}: {what} has no Korean text");
            assert!(!t.en.trim().is_empty(), "{file}: {what} has no English text");
        }
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let f = e.file;
            check(f, "title", &sc.title);
            let story = sc.story.as_ref().unwrap_or_else(|| panic!("{f}: no story"));
            check(f, "story", story);
            for k in &sc.knobs {
                check(f, &format!("knob {}", k.path), &k.label);
            }
            for o in &sc.objectives {
                check(f, &format!("objective {}", o.id), &o.label);
            }
            for h in &sc.hints {
                check(f, &format!("hint for {}", h.objective), &h.text);
            }
            for (i, q) in sc.questions.iter().enumerate() {
                check(f, &format!("question {i}"), &q.question);
                check(f, &format!("answer {i}"), &q.answer);
            }
        }
    }

    #[test]
    fn reference_knobs_build_through_the_app_path() {
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let overrides: Vec<(String, String)> = sc.knobs.iter().map(|k| (k.path.clone(), value_text(&k.reference))).collect();
            build(e, &sc.knobs, &overrides).unwrap_or_else(|err| panic!("{}: {}", e.file, err.en));
        }
    }

    #[test]
    fn sandbox_offers_the_scenarios_own_knobs_at_least_grouped() {
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let sandbox = knobs_for(e, true);
            assert!(sandbox.iter().all(|(g, _)| g.is_some()), "{}", e.file);
            for k in &sc.knobs {
                assert!(sandbox.iter().any(|(_, s)| s.path == k.path), "{}: {} missing in the sandbox", e.file, k.path);
            }
        }
    }

    /// The flash sale with a balancer outside the flow engine's measured region, as a link's
    /// sandbox knob builds it: too big for the request level, so approximate, in the engine's
    /// Korean words; at its reference, nothing to say.
    #[test]
    fn a_flow_scenario_outside_its_region_carries_the_engines_notice() {
        use simulation::simulation::EngineKind;
        let e = find("flash-sale-100k-users").expect("the headline flash sale");
        let knobs: Vec<Knob> = knobs_for(e, true).into_iter().map(|(_, k)| k).collect();
        let sc = build(e, &knobs, &[("service.balancer".to_string(), "power_of_two".to_string())]).unwrap();
        let sim = simulation::Simulation::new(&sc, sc.seed).unwrap();
        let outside = sim.flow_outside().expect("power of two is outside the flow engine's region");
        assert_eq!(outside.ran_on, EngineKind::Flow);
        let words = simulation::wording::flow_outside(outside);
        assert!(words.ko.starts_with("근삿값") && words.ko.contains("두 개 중 선택"), "{}", words.ko);
        let Ok(parsed) = &e.parsed else { panic!("parses") };
        let reference: Vec<(String, String)> = parsed.knobs.iter().map(|k| (k.path.clone(), value_text(&k.reference))).collect();
        let sc = build(e, &parsed.knobs, &reference).unwrap();
        assert!(simulation::Simulation::new(&sc, sc.seed).unwrap().flow_outside().is_none());
    }

    #[test]
    fn the_sandbox_can_switch_off_a_scheduled_release_and_make_v2_good() {
        let e = find("bad-release-canary").expect("the canary scenario");
        let knobs: Vec<Knob> = knobs_for(e, true).into_iter().map(|(_, k)| k).collect();
        assert!(knobs.iter().any(|k| k.path == RELEASE_ENABLED) && knobs.iter().any(|k| k.path == "versions.1.error_rate"));
        let over = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let sc = build(e, &knobs, &over(&[(RELEASE_ENABLED, "false"), ("versions.1.error_rate", "0")])).unwrap();
        assert!(sc.release.is_none() && sc.versions[1].error_rate == 0.0);
        assert!(build(e, &knobs, &over(&[(RELEASE_ENABLED, "true")])).unwrap().release.is_some());
        // Scenarios without a release have no switch.
        let one = all().into_iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.release.is_none())).unwrap();
        assert!(!knobs_for(one, true).iter().any(|(_, k)| k.path == RELEASE_ENABLED));
    }
}
