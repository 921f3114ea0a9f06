//! Browser tests (wasm-bindgen-test in headless Chromium): `cargo xtask test wasm`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn app_mounts_and_runs() {
    leptos::mount::mount_to_body(scale_dojo::App);
    let document = web_sys::window().unwrap().document().unwrap();
    let button: web_sys::HtmlElement = wasm_bindgen::JsCast::dyn_into(document.get_element_by_id("run").unwrap()).unwrap();
    button.click();
    gloo_timers::future::TimeoutFuture::new(50).await;
    let status = document.get_element_by_id("status").unwrap().text_content().unwrap();
    assert_eq!(status, "200 points");
}
