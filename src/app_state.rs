//! The app's state, one home for each part: the URL state (view, scenario, knobs, seed, language,
//! modes, live actions) is the single source the address bar, every link and the language
//! follow; progress, notices and the theme beside it. Provided once as a context by the root.

use crate::i18n::{Lang, S};
use crate::progress::{LocalStore, NoStore, Problem, Saved, Store};
use crate::theme;
use crate::url_state::{self, UrlState, View};
use leptos::prelude::*;

/// The few app-wide contexts: language, the URL state (view, scenario, knobs, seed), progress,
/// notices and theme.
#[derive(Copy, Clone)]
pub struct AppCtx {
    /// The page's language: read from the URL state, its only home (set with [`AppCtx::set_lang`]).
    pub lang: Memo<Lang>,
    pub url: RwSignal<UrlState>,
    pub progress: RwSignal<Saved>,
    pub notices: RwSignal<Vec<(u64, String)>>,
    pub theme: Signal<theme::Theme>,
}

impl AppCtx {
    /// Changes the language (in the URL state, so every link and the address bar follow).
    pub fn set_lang(&self, lang: Lang) {
        self.url.update(|u| u.lang = Some(lang));
    }

    pub fn notify(&self, text: impl Into<String>) {
        let text = text.into();
        self.notices.update(|n| {
            let id = n.last().map(|l| l.0 + 1).unwrap_or(0);
            n.push((id, text));
        });
    }

    /// Opens a view with fresh state (keeps language and presenter/embed modes).
    pub fn navigate(&self, view: View) {
        self.url.update(|u| {
            *u = UrlState {
                view,
                lang: u.lang,
                presenter: u.presenter,
                embed: u.embed,
                ui: u.ui.clone(),
                theme: u.theme,
                ..Default::default()
            };
        });
        // Like a page load: back to the top, focus on the new content (for screen readers).
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
            if let Some(main) = w.document().and_then(|d| d.get_element_by_id("main")) {
                use wasm_bindgen::JsCast;
                if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }
    }

    /// The link to a view, as a real URL (works with a new tab, a copy, no script).
    pub fn href(&self, view: View) -> String {
        let u = self.url.get_untracked();
        url_state::encode(&UrlState { view, lang: u.lang, presenter: u.presenter, ..Default::default() })
    }

    /// Records a finished, graded run and saves progress (merged with other tabs').
    pub fn record(&self, id: &str, met: u32, total: u32) {
        let problems = self.progress.try_update(|s| with_store(|store| s.record(store, id, met, total))).unwrap_or_default();
        self.progress_notices(problems);
    }

    /// Tells the learner what happened to their saved progress.
    pub fn progress_notices(&self, problems: Vec<Problem>) {
        let lang = self.lang.get_untracked();
        for p in problems {
            leptos::logging::log!("progress: {p:?}");
            self.notify(match p {
                Problem::Salvaged { backup, salvaged } => {
                    S::NoticeProgressSalvaged.t(lang).replace("{key}", &backup).replace("{n}", &salvaged.to_string())
                }
                Problem::NoBackup => S::NoticeProgressNoBackup.t(lang).to_string(),
                Problem::Newer => S::NoticeProgressNewer.t(lang).to_string(),
                Problem::WriteFailed => S::NoticeProgressWriteFailed.t(lang).to_string(),
            });
        }
    }
}

pub fn use_ctx() -> AppCtx {
    expect_context::<AppCtx>()
}

pub fn use_lang() -> Memo<Lang> {
    use_ctx().lang
}

/// Runs `f` on local storage, or on [`NoStore`] when the browser blocks it.
pub fn with_store<R>(f: impl FnOnce(&mut dyn Store) -> R) -> R {
    match web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        Some(s) => f(&mut LocalStore(s)),
        None => f(&mut NoStore),
    }
}
