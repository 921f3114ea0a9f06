//! Scale Dojo's browser app (Leptos, client-side rendering). It holds no model logic:
//! everything it shows comes from the `simulation` crate; the app formats and draws.

use leptos::prelude::*;

pub mod actions;
pub mod catalog;
pub mod chapters;
pub mod compare;
pub mod content;
pub mod export;
#[cfg(test)]
mod fuzz_input;
pub mod glossary;
pub mod i18n;
pub mod panic_panel;
pub mod player;
pub mod progress;
pub mod rich_text;
pub mod run_loop;
pub mod shortcuts;
pub mod theme;
pub mod url_state;

use i18n::{Lang, S};
use progress::{LocalStore, NoStore, Problem, Saved, Store};
use url_state::{UrlState, View};

/// The few app-wide contexts: language, the URL state (view, scenario, knobs, seed), progress,
/// notices and theme.
#[derive(Copy, Clone)]
pub struct AppCtx {
    pub lang: RwSignal<Lang>,
    pub url: RwSignal<UrlState>,
    pub progress: RwSignal<Saved>,
    pub notices: RwSignal<Vec<(u64, String)>>,
    pub theme: Signal<theme::Theme>,
}

impl AppCtx {
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
        url_state::encode(&UrlState { view, lang: Some(self.lang.get_untracked()), presenter: u.presenter, ..Default::default() })
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

pub fn use_lang() -> RwSignal<Lang> {
    use_ctx().lang
}

/// Runs `f` on local storage, or on [`NoStore`] when the browser blocks it.
fn with_store<R>(f: impl FnOnce(&mut dyn Store) -> R) -> R {
    match web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        Some(s) => f(&mut LocalStore(s)),
        None => f(&mut NoStore),
    }
}

fn browser_lang() -> Lang {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return Lang::En };
    let langs: Vec<String> = nav.languages().iter().filter_map(|v| v.as_string()).collect();
    if langs.is_empty() {
        return Lang::from_preferences(nav.language().as_deref());
    }
    Lang::from_preferences(langs.iter().map(String::as_str))
}

fn location_search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// Mounts the app on the page's body and installs the panic hook.
pub fn start() {
    panic_panel::install(browser_lang());
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let (state, url_notices) = url_state::decode(&location_search());
    let lang = RwSignal::new(state.lang.unwrap_or_else(browser_lang));
    panic_panel::install(lang.get_untracked());
    let url = RwSignal::new(state);
    let presenter_now = Signal::derive(move || url.with(|u| u.presenter));
    let scheme = Signal::derive(move || url.with(|u| u.theme));
    let (saved, progress_problems) = with_store(Saved::open);
    let ctx = AppCtx {
        lang,
        url,
        progress: RwSignal::new(saved),
        notices: RwSignal::new(vec![]),
        theme: theme::system_theme(presenter_now, scheme),
    };
    provide_context(ctx);
    for notice in url_notices {
        leptos::logging::log!("URL state: {notice:?}");
        ctx.notify(notice.text(lang.get_untracked()));
    }
    ctx.progress_notices(progress_problems);
    // Another tab saved progress: take its results in (the merge rule is `Progress::merge`).
    let _ = window_event_listener(leptos::ev::storage, move |ev| {
        if ev.key().as_deref() == Some(progress::STORAGE_KEY) {
            let problems = ctx.progress.try_update(|s| s.merge_stored(ev.new_value().as_deref())).unwrap_or_default();
            ctx.progress_notices(problems);
        }
    });

    // Keep the address bar in step: a new entry when the view changes, a replace otherwise.
    let last_view = StoredValue::new(url.get_untracked().view);
    Effect::new(move |_| {
        let l = lang.get();
        let query = url.with(|u| url_state::encode(&UrlState { lang: Some(l), ..u.clone() }));
        let view = url.with(|u| u.view.clone());
        let Some(w) = web_sys::window() else { return };
        let Ok(history) = w.history() else { return };
        let path = w.location().pathname().unwrap_or_default();
        let target = format!("{path}{query}");
        if w.location().search().ok().as_deref() == Some(query.as_str()) {
            return;
        }
        if last_view.get_value() != view {
            last_view.set_value(view);
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
        } else {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
        }
    });
    let _ = window_event_listener(leptos::ev::popstate, move |_| {
        let (state, _) = url_state::decode(&location_search());
        last_view.set_value(state.view.clone());
        if let Some(l) = state.lang {
            lang.set(l);
        }
        url.set(state);
    });
    Effect::new(move |_| {
        let l = lang.get();
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", l.code());
        }
    });
    Effect::new(move |_| {
        let t = ctx.theme.get();
        let u = url.with(|u| (u.presenter, u.embed, u.theme));
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("data-theme", if t == theme::Theme::Projector { "projector" } else { "system" });
            let _ = html.set_attribute("data-embed", if u.1 { "1" } else { "0" });
            let _ = html.set_attribute("data-scheme", u.2.code());
        }
    });

    let view_key = Memo::new(move |_| url.with(|u| u.view.clone()));
    let page = move || match view_key.get() {
        View::Catalog => catalog::CatalogPage().into_any(),
        View::Glossary => glossary::GlossaryPage().into_any(),
        View::Play(id) => player::PlayerPage(player::PlayerPageProps { id, sandbox: false }).into_any(),
        View::Sandbox(id) => player::PlayerPage(player::PlayerPageProps { id: id.unwrap_or_default(), sandbox: true }).into_any(),
        View::Compare(id) => compare::ComparePage(compare::ComparePageProps { id }).into_any(),
    };
    let embed = move || url.with(|u| u.embed);
    shortcuts::provide_help();
    view! {
        <a class="skip" href="#main">{move || S::SkipToContent.t(lang.get())}</a>
        <Show when=move || !embed()>
            <Header />
        </Show>
        <Notices />
        <main id="main" tabindex="-1">{page}</main>
        <shortcuts::ShortcutHelp />
    }
}

#[component]
fn Header() -> impl IntoView {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let nav = move |view: View, label: S, id: &'static str| {
        let href = {
            let view = view.clone();
            move || {
                lang.track();
                ctx.href(view.clone())
            }
        };
        let current = {
            let view = view.clone();
            move || {
                let here = ctx.url.with(|u| u.view.clone());
                let same = std::mem::discriminant(&here) == std::mem::discriminant(&view);
                same.then_some("page")
            }
        };
        let target = view.clone();
        view! {
            <a id=id href=href aria-current=current on:click=move |ev| { ev.prevent_default(); ctx.navigate(target.clone()) }>
                {move || label.t(lang.get())}
            </a>
        }
    };
    view! {
        <header class="top">
            <a class="brand" href=move || { lang.track(); ctx.href(View::Catalog) } on:click=move |ev| { ev.prevent_default(); ctx.navigate(View::Catalog) }>
                {move || S::AppTitle.t(lang.get())}
            </a>
            <nav aria-label=move || S::AppTitle.t(lang.get())>
                {nav(View::Catalog, S::NavCatalog, "nav-catalog")}
                {nav(View::Sandbox(None), S::NavSandbox, "nav-sandbox")}
                {nav(View::Glossary, S::NavGlossary, "nav-glossary")}
            </nav>
            <div class="prefs">
                <label class="lang">
                    <span class="sr-only">{move || S::Language.t(lang.get())}</span>
                    <select id="lang" on:change=move |ev| { if let Some(l) = Lang::from_code(&event_target_value(&ev)) { lang.set(l) } }
                        prop:value=move || lang.get().code().to_string()>
                        <option value="ko" lang="ko">"한국어"</option>
                        <option value="en" lang="en">"English"</option>
                    </select>
                </label>
                <label class="presenter-toggle">
                    <input id="presenter" type="checkbox" prop:checked=move || ctx.url.with(|u| u.presenter)
                        on:change=move |ev| { let on = event_target_checked(&ev); ctx.url.update(|u| u.presenter = on) } />
                    <span>{move || S::Presenter.t(lang.get())}</span>
                </label>
            </div>
        </header>
    }
}

#[component]
fn Notices() -> impl IntoView {
    let ctx = use_ctx();
    let lang = ctx.lang;
    view! {
        <div class="notices" role="status" aria-live="polite" data-testid="notices">
            <For each=move || ctx.notices.get() key=|n| n.0 let:n>
                <div class="notice" data-testid="notice">
                    <strong>{move || S::Notice.t(lang.get())}": "</strong>
                    <span>{n.1.clone()}</span>
                    <button type="button" class="dismiss" aria-label=move || S::Dismiss.t(lang.get())
                        on:click=move |_| ctx.notices.update(|v| v.retain(|x| x.0 != n.0))>"×"</button>
                </div>
            </For>
        </div>
    }
}

#[cfg(test)]
mod tests {
    /// Decoded links and stored progress reach the page only as text nodes and properties: no
    /// source file sets HTML from a string (the one `set_inner_html("")` only empties the page).
    #[test]
    fn no_string_is_ever_rendered_as_html() {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push((p.display().to_string(), std::fs::read_to_string(&p).expect("utf-8 source")));
                }
            }
        }
        let mut files = vec![];
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        assert!(files.len() > 10);
        let needle = ["inner", "_html"].concat();
        for (path, src) in files {
            for line in src.lines().filter(|l| l.contains(&needle)) {
                assert!(line.contains(&format!("set_{needle}(\"\")")), "{path}: {line}");
            }
            assert!(!src.contains(&["insert_adjacent", "_html"].concat()), "{path}");
        }
    }
}
