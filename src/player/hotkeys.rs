//! The player's keys: Space play/pause, → step, R reset; in presenter mode 1–5 faults, B roll
//! back, N the next cue (listed in the `?` dialog, `crate::shortcuts`).

use super::controls::{FAULTS, live};
use crate::actions::Action;
use crate::run_loop::Run;
use crate::shortcuts::typing;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The player's keys (removed when the player goes away); none while a zoomed minute replays
/// (it has keys of its own).
pub fn use_player_shortcuts(run: Run, zoomed: Signal<bool>) {
    let ctx = crate::use_ctx();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if typing(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || zoomed.get_untracked() {
            return;
        }
        match ev.key().as_str() {
            " " => {
                // Space on a focused button is the button's own click.
                if ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlButtonElement>().ok()).is_some() {
                    return;
                }
                ev.prevent_default();
                run.toggle();
            }
            "ArrowRight" => {
                ev.prevent_default();
                run.step();
            }
            "r" | "R" => {
                let button = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("reset"));
                if let Some(b) = button.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                    b.click();
                }
            }
            "b" | "B" if ctx.url.with_untracked(|u| u.presenter) => live(ctx, run, Action::Rollback),
            "n" | "N" if ctx.url.with_untracked(|u| u.presenter) => {
                let button = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("cue-next"));
                if let Some(b) = button.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                    b.click();
                }
            }
            k if ctx.url.with_untracked(|u| u.presenter) => {
                if let Some(i) = FAULTS.iter().position(|(_, key)| *key == k) {
                    live(ctx, run, Action::Fault(i));
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}
