//! Scale Dojo's browser app (Leptos, client-side rendering). It holds no model logic:
//! everything it shows comes from the `simulation` crate; the app formats and draws.

use leptos::prelude::*;

pub mod actions;
pub mod app_state;
pub mod catalog;
pub mod chapters;
pub mod compare;
pub mod content;
#[cfg(test)]
mod fuzz_input;
pub mod glossary;
pub mod i18n;
pub mod panic_panel;
pub mod player;
pub mod progress;
pub mod rich_text;
pub mod run_loop;
pub mod share;
pub mod shortcuts;
pub mod theme;
pub mod url_state;

pub use app_state::{AppCtx, use_ctx, use_lang};

use app_state::with_store;
use i18n::{Lang, S};
use progress::Saved;
use url_state::View;

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
    let (mut state, url_notices) = url_state::decode(&location_search());
    // The language lives in the URL state only (the link's, else the browser's).
    let first_lang = *state.lang.get_or_insert_with(browser_lang);
    panic_panel::install(first_lang);
    let url = RwSignal::new(state);
    let lang = Memo::new(move |_| url.with(|u| u.lang.unwrap_or(first_lang)));
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
        let query = url.with(url_state::encode);
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
        let (mut state, _) = url_state::decode(&location_search());
        last_view.set_value(state.view.clone());
        // A history entry without a language keeps the one in use.
        state.lang = state.lang.or(Some(lang.get_untracked()));
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
                    <select id="lang" on:change=move |ev| { if let Some(l) = Lang::from_code(&event_target_value(&ev)) { ctx.set_lang(l) } }
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
    use std::collections::{BTreeMap, BTreeSet};

    /// Every `src/**/*.rs` but the binary's `main.rs`, as (path below src/, text).
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let rel = p.strip_prefix(base).expect("below src").to_string_lossy().replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&p).expect("utf-8 source")));
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = vec![];
        walk(&src, &src, &mut out);
        out.retain(|(p, _)| p != "main.rs");
        out.sort();
        out
    }

    /// The crate's top-level module a file belongs to (`player/knobs.rs` → `player`); `lib.rs`
    /// is the root, `crate`.
    fn module_of(rel: &str) -> String {
        if rel == "lib.rs" { "crate".into() } else { rel.split('/').next().unwrap_or(rel).trim_end_matches(".rs").to_string() }
    }

    /// The code a module depends on: no comments, no `#[cfg(test)]` module (tests may look anywhere).
    fn code(text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() == "#[cfg(test)]" && lines.get(i + 1).is_some_and(|n| n.trim_start().starts_with("mod tests")) {
                break;
            }
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            out.push_str(line.split(" // ").next().unwrap_or(""));
            out.push('\n');
        }
        out
    }

    /// The first names after each `crate::` (`crate::a::b` → a; `crate::{a, b::c}` → a, b).
    fn crate_paths(code: &str) -> Vec<String> {
        let ident = |s: &str| s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
        let mut out = vec![];
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut start) = (0, 0);
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            out.push(ident(&group[start..j]));
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.push(ident(&group[start..j]));
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                out.push(ident(rest));
            }
        }
        out.retain(|n| !n.is_empty());
        out
    }

    /// Module → the modules it names. A name at the root resolves through the root's `pub use`
    /// to the module that defines it; an item the root defines itself is the root, which
    /// declares and mounts every module (so any module naming it closes a circle).
    fn module_graph(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
        let modules: BTreeSet<String> = files.iter().map(|(p, _)| module_of(p)).filter(|m| m != "crate").collect();
        let mut reexports: BTreeMap<String, String> = BTreeMap::new();
        for (_, text) in files.iter().filter(|(p, _)| p == "lib.rs") {
            for line in code(text).lines() {
                let Some(rest) = line.trim().strip_prefix("pub use ") else { continue };
                let Some((from, names)) = rest.trim_end_matches(';').split_once("::") else { continue };
                for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                    let name = name.split(" as ").last().unwrap_or("").trim();
                    reexports.insert(name.to_string(), from.trim().to_string());
                }
            }
        }
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        graph.insert("crate".into(), modules.clone());
        for (rel, text) in files {
            let from = module_of(rel);
            for name in crate_paths(&code(text)) {
                let to = if modules.contains(&name) { name } else { reexports.get(&name).cloned().unwrap_or_else(|| "crate".into()) };
                if to != from {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
        graph
    }

    /// A circle in the graph, as the modules along it, if there is one.
    fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
        fn visit(
            n: &str,
            g: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| p == n) {
                let mut c = path[i..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            if done.contains(n) {
                return None;
            }
            path.push(n.to_string());
            for next in g.get(n).into_iter().flatten() {
                if let Some(c) = visit(next, g, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            done.insert(n.to_string());
            None
        }
        let mut done = BTreeSet::new();
        graph.keys().find_map(|n| visit(n, graph, &mut vec![], &mut done))
    }

    #[test]
    fn the_circle_finder_finds_circles_and_reads_paths() {
        let g = |edges: &[(&str, &str)]| {
            let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (a, b) in edges {
                m.entry(a.to_string()).or_default().insert(b.to_string());
            }
            m
        };
        assert_eq!(circle(&g(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
        assert_eq!(circle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
        let text =
            "use crate::{i18n::{Lang, S}, run_loop::Run};\n// crate::nope\nlet x = crate::player::charts::kinds(); // crate::also_not\n";
        assert_eq!(crate_paths(&code(text)), ["i18n", "run_loop", "player"]);
        let files = vec![
            ("lib.rs".to_string(), "pub use state::{use_ctx, AppCtx};\npub fn shell() {}\n".to_string()),
            ("state.rs".to_string(), "use crate::i18n::S;\n".to_string()),
            ("i18n.rs".to_string(), "".to_string()),
            ("player/mod.rs".to_string(), "let c = crate::use_ctx();\n".to_string()),
            ("catalog.rs".to_string(), "crate::shell();\n".to_string()),
        ];
        let graph = module_graph(&files);
        assert!(graph["player"].contains("state"), "a root re-export resolves to its module: {graph:?}");
        assert_eq!(circle(&graph), Some(vec!["catalog".into(), "crate".into(), "catalog".into()]), "naming the root closes a circle");
    }

    /// No two modules of the app depend on each other, directly or around a circle; the root
    /// (`lib.rs`) mounts the modules and none names it back.
    #[test]
    fn no_import_circle_between_the_apps_modules() {
        let files = sources();
        assert!(files.len() > 10);
        let graph = module_graph(&files);
        assert!(graph.get("player").is_some_and(|d| d.contains("run_loop")), "the graph is read: {graph:?}");
        if let Some(c) = circle(&graph) {
            panic!("import circle: {}\nthe graph: {graph:#?}", c.join(" → "));
        }
    }

    /// Decoded links and stored progress reach the page only as text nodes and properties: no
    /// source file sets HTML from a string (the one `set_inner_html("")` only empties the page).
    #[test]
    fn no_string_is_ever_rendered_as_html() {
        let files = sources();
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
