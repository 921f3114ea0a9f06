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

/// The headline scenarios graded by the flow engine (issue #13), start to grade as the app runs
/// them: parse, build, run to the end, grade. Rounds after V8's warm-up are the figure
/// (`cargo xtask bench` prints their median; the goal is < 100 ms and < 500 ms). Async, with a
/// pause between rounds, so the page answers the test runner while a long round is measured.
#[wasm_bindgen_test]
async fn flow_headline_scenarios_start_to_grade() {
    let scenarios = [
        ("flash-sale-100k-users", include_str!("../content/scenarios/flash-sale-100k-users.toml"), 8),
        ("daily-cycle-24h", include_str!("../content/scenarios/daily-cycle-24h.toml"), 6),
    ];
    for (id, src, rounds) in scenarios {
        for round in 0..rounds {
            gloo_timers::future::TimeoutFuture::new(10).await;
            let start = now_ms();
            let sc = Scenario::from_toml_str(src).expect("headline scenario");
            let report = Simulation::new(&sc, sc.seed).expect("builds").finish();
            let ms = now_ms() - start;
            let passed = report.objectives.iter().filter(|g| g.passed).count();
            console_log!("flow headline {id}, round {round}: start to grade in {ms:.1} ms ({passed} of {} objectives met)", report.objectives.len());
        }
    }
}

/// The flash sale's peak minute (18:00) zoomed into a request-level replay, as the app does it:
/// the flow run to the minute, the replay built from it (`Simulation::zoom`), and the replayed
/// minute run through in the app's slices (the app animates it over a real minute; this is its
/// engine cost). Rounds after V8's warm-up are the figures `cargo xtask bench` prints.
#[wasm_bindgen_test]
async fn zoom_into_the_flash_sales_peak_minute() {
    let sc = Scenario::from_toml_str(include_str!("../content/scenarios/flash-sale-100k-users.toml")).expect("headline scenario");
    for round in 0..5 {
        gloo_timers::future::TimeoutFuture::new(10).await;
        let mut flow = Simulation::new(&sc, sc.seed).expect("builds");
        let start = now_ms();
        flow.run_until(simulation::kernel::SimTime::from_secs(18 * 60));
        let reached = now_ms();
        let mut zoom = flow.zoom(simulation::kernel::SimTime::from_secs(60)).expect("the peak minute zooms");
        let built = now_ms();
        while !zoom.step(20_000) {}
        let replayed = now_ms();
        console_log!(
            "zoom flash-sale 18:00, round {round}: built in {:.2} ms (the flow run to the minute {:.1} ms)",
            built - reached,
            reached - start
        );
        console_log!(
            "zoom replay flash-sale 18:00, round {round}: the minute replayed in {:.0} ms ({} events)",
            replayed - built,
            zoom.events_processed()
        );
    }
}
