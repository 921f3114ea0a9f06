//! The page's link, shown and copyable (the URL state is the whole state: see `url_state`), and
//! from a player the link to compare two configurations of its scenario.

use crate::i18n::S;
use crate::url_state::View;
use leptos::prelude::*;

/// The page's current link, shown and copyable; plus the compare link from a player.
#[component]
pub fn CopyLink() -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let copied = RwSignal::new(false);
    let link = move || {
        let q = ctx.url.with(crate::url_state::encode);
        let w = web_sys::window();
        let origin = w.as_ref().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let path = w.as_ref().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
        format!("{origin}{path}{q}")
    };
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let p = w.navigator().clipboard().write_text(&link());
            leptos::task::spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(p).await.is_ok());
            });
        }
    };
    let compare_target = move || {
        ctx.url.with(|u| match &u.view {
            View::Play(id) => Some(View::Compare(id.clone())),
            _ => None,
        })
    };
    view! {
        <div class="share">
            <label>
                <span class="sr-only">{move || S::ShareLink.t(lang.get())}</span>
                <input id="share-url" type="text" readonly prop:value=link on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select() }
                } />
            </label>
            <button type="button" id="copy-link" on:click=copy>
                {move || if copied.get() { S::LinkCopied.t(lang.get()) } else { S::CopyLink.t(lang.get()) }}
            </button>
            {move || compare_target().map(|v| {
                let href = ctx.href(v.clone());
                view! { <a id="open-compare" href=href on:click=move |ev| { ev.prevent_default(); ctx.navigate(v.clone()) }>{S::NavCompare.t(lang.get())}</a> }
            })}
        </div>
    }
}
