//! Browser tests (wasm-bindgen-test in headless Chromium): `cargo xtask test wasm`.
#![cfg(target_arch = "wasm32")]

use simulation::Simulation;
use wasm_bindgen_test::*;

// Every scenario's document and the glossary (the app fetches them; here there is no server).
include!(concat!(env!("OUT_DIR"), "/documents.rs"));

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
async fn app_mounts_with_the_catalog() {
    leptos::mount::mount_to_body(scale_dojo::App);
    // Wait on the condition, not a fixed time: a busy machine may take a while to render.
    let card = || document().query_selector("[data-testid=scenario-card]").unwrap().is_some();
    for _ in 0..3000 {
        if card() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    assert!(card(), "the catalog lists scenarios");
    assert!(document().get_element_by_id("lang").is_some());
}

/// Slicing does not change a run: the player advances in small chunks of simulated time; one
/// `run_until` gives the same series and log. (The e2e tests compare whole runs in the browser
/// with the native runner's digests.)
#[wasm_bindgen_test]
fn browser_runs_are_slice_independent() {
    use simulation::SimTime;
    use simulation::scenario::{Scenario, document_from_json};
    for (file, json) in DOCUMENTS.iter().filter(|(path, _)| path.starts_with("scenarios/")) {
        let sc = &document_from_json(json).and_then(|doc| Scenario::from_document(doc)).expect("scenario parses");
        let end = (sc.duration_s as f64).min(30.0);
        let mut whole = Simulation::new(sc, sc.seed).unwrap();
        whole.run_until(SimTime::from_secs_f64(end));
        let mut sliced = Simulation::new(sc, sc.seed).unwrap();
        let mut t = 0.0;
        while t < end {
            t = (t + 0.1f64).min(end);
            sliced.run_until(SimTime::from_secs_f64(t));
        }
        let json = |s: &Simulation| serde_json::to_string(&(s.series(), s.events(), s.summary())).unwrap();
        assert_eq!(json(&sliced), json(&whole), "{file}: sliced run differs");
    }
}

#[wasm_bindgen_test]
fn the_panic_panel_offers_a_way_back() {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    scale_dojo::panic_panel::show_in(&host, scale_dojo::i18n::Lang::En, "boom");
    let panel = document().get_element_by_id("error-panel").expect("panel shown");
    assert!(panel.text_content().unwrap().contains("boom"));
    assert!(document().get_element_by_id("error-back").is_some());
    assert!(document().get_element_by_id("error-reload").is_some());
}
