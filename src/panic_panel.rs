//! A panic must never leave a dead page. Release builds abort on panic, which kills the wasm
//! instance, so the hook builds the error panel with plain DOM calls before that happens.

use crate::i18n::{Lang, S};

pub fn install(lang: Lang) {
    std::panic::set_hook(Box::new(move |info| {
        console_error_panic_hook::hook(info);
        show(lang, &info.to_string());
    }));
}

/// Replaces the page with the error panel: the message, a link back to the catalog that drops
/// the state, and a reload button.
pub fn show(lang: Lang, message: &str) {
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
    body.set_inner_html("");
    show_in(&body, lang, message);
}

/// Builds the panel inside `parent`.
pub fn show_in(parent: &web_sys::Element, lang: Lang, message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(panel) = doc.create_element("div") else { return };
    panel.set_id("error-panel");
    panel.set_class_name("error-panel");
    let _ = panel.set_attribute("role", "alert");
    let add = |tag: &str, text: &str| -> Option<web_sys::Element> {
        let el = doc.create_element(tag).ok()?;
        el.set_text_content(Some(text));
        panel.append_child(&el).ok()?;
        Some(el)
    };
    add("h1", S::ErrorTitle.t(lang));
    add("pre", message);
    if let Some(a) = add("a", S::BackToCatalog.t(lang)) {
        let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "./".into());
        let _ = a.set_attribute("href", &path);
        a.set_id("error-back");
    }
    if let Some(b) = add("button", S::Reload.t(lang)) {
        b.set_id("error-reload");
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("onclick", "location.reload()");
    }
    let _ = parent.append_child(&panel);
}
