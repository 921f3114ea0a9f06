//! Browser tests (wasm-bindgen-test in headless Chromium): `cargo xtask test wasm`.
#![cfg(target_arch = "wasm32")]

use simulation::Simulation;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
async fn app_mounts_with_the_catalog() {
    leptos::mount::mount_to_body(scale_dojo::App);
    gloo_timers::future::TimeoutFuture::new(50).await;
    let cards = document().query_selector_all("[data-testid=scenario-card]").unwrap().length();
    assert_eq!(cards as usize, scale_dojo::content::all().len());
    assert!(document().get_element_by_id("lang").is_some());
}

/// The browser's run equals the native engine's: the same digest however the run is sliced
/// (the player steps in small slices; `finish` runs it in one go).
#[wasm_bindgen_test]
fn browser_runs_are_deterministic_and_slice_independent() {
    for entry in scale_dojo::content::all() {
        let sc = entry.parsed.as_ref().expect("scenario parses");
        let whole = Simulation::new(sc, sc.seed).unwrap().finish().digest();
        let mut sliced = Simulation::new(sc, sc.seed).unwrap();
        while !sliced.step(997) {}
        assert_eq!(sliced.finish().digest(), whole, "{}: sliced run differs", entry.file);
    }
}

#[wasm_bindgen_test]
fn the_panic_panel_offers_a_way_back() {
    scale_dojo::panic_panel::show(scale_dojo::i18n::Lang::En, "boom");
    let panel = document().get_element_by_id("error-panel").expect("panel shown");
    assert!(panel.text_content().unwrap().contains("boom"));
    assert!(document().get_element_by_id("error-back").is_some());
    assert!(document().get_element_by_id("error-reload").is_some());
}
