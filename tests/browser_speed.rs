//! Engine speed in the browser (run by `cargo xtask bench`, never as a pass/fail test): the
//! M/M/16, ρ = 0.9 reference run driven in slices as the app drives it, events per second printed.
#![cfg(target_arch = "wasm32")]

use simulation::{Scenario, Simulation};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

#[wasm_bindgen_test]
fn events_per_second_in_the_browser() {
    let sc = Scenario::from_toml_str(include_str!("../simulation/benches/mm16_rho0.9.toml")).expect("bench scenario");
    // Warm up V8's optimising tier the way the app does: many short slices.
    for round in 0..8 {
        let mut sim = Simulation::new(&sc, 1).expect("builds");
        let start = now_ms();
        let mut slices = 0u32;
        while !sim.step(20_000) {
            slices += 1;
        }
        let ms = now_ms() - start;
        let events = sim.events_processed();
        console_log!(
            "browser speed, round {round}: {events} events in {ms:.0} ms over {slices} slices = {:.2} M events/s",
            events as f64 / ms / 1e3
        );
    }
}
