//! Keyboard shortcuts on every page: the `?` dialog listing them and its button. The player's
//! own keys (Space, →, R; in presenter mode 1–5, B, N) are `player::hotkeys`; Esc also leaves a
//! minute's request-level replay (`player::zoom`).
//! Keys typed into a field are the field's.

use crate::i18n::S;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Copy, Clone)]
struct HelpOpen(RwSignal<bool>);

/// The `?` dialog's open state, for the dialog and every button that opens it.
pub fn provide_help() {
    provide_context(HelpOpen(RwSignal::new(false)));
}

/// A visible button for the shortcuts (the `?` key does the same).
#[component]
pub fn HelpButton() -> impl IntoView {
    let lang = crate::use_lang();
    let open = expect_context::<HelpOpen>();
    view! {
        <button type="button" id="shortcuts-open" class="help-btn" aria-keyshortcuts="?" aria-haspopup="dialog"
            title=move || S::Shortcuts.t(lang.get()) on:click=move |_| open.0.set(true)>
            <kbd>"?"</kbd><span class="label">" "{move || S::Shortcuts.t(lang.get())}</span>
        </button>
    }
}

/// Whether a key goes to a field being typed into (then it is the field's, not a shortcut).
pub fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
        let tag = el.tag_name().to_ascii_lowercase();
        matches!(tag.as_str(), "input" | "select" | "textarea") || el.has_attribute("contenteditable")
    })
}

/// The `?` dialog, available on every page.
#[component]
pub fn ShortcutHelp() -> impl IntoView {
    let lang = crate::use_lang();
    let open = expect_context::<HelpOpen>();
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if typing(&ev) {
            return;
        }
        match ev.key().as_str() {
            "?" => open.0.update(|o| *o = !*o),
            "Escape" => open.0.set(false),
            _ => {}
        }
    });
    let rows = [
        ("Space", S::ShortcutPlay),
        ("→", S::ShortcutStep),
        ("R", S::ShortcutReset),
        ("?", S::ShortcutHelp),
        ("1–5", S::ShortcutFaults),
        ("B", S::Rollback),
        ("N", S::ShortcutCue),
        ("Esc", S::ShortcutBack),
    ];
    view! {
        <Show when=move || open.0.get()>
            <div class="dialog-backdrop" on:click=move |_| open.0.set(false)></div>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-h" id="shortcuts">
                <h2 id="shortcuts-h">{move || S::Shortcuts.t(lang.get())}</h2>
                <dl>
                    {rows.into_iter().map(|(k, s)| view! { <div><dt><kbd>{k}</kbd></dt><dd>{move || s.t(lang.get())}</dd></div> }).collect_view()}
                </dl>
                <button type="button" id="shortcuts-close" autofocus on:click=move |_| open.0.set(false)>{move || S::Close.t(lang.get())}</button>
            </div>
        </Show>
    }
}
