//! Scale Dojo's browser app (Leptos, client-side rendering). It holds no model logic:
//! everything it shows comes from the `simulation` crate.

use leptos::prelude::*;

mod chart;

/// Mounts the app on the page's body and installs the panic hook.
pub fn start() {
    console_error_panic_hook::set_once();
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let (seed, set_seed) = signal(42u64);
    let (points, set_points) = signal(Vec::<(f64, f64)>::new());
    let run = move |_| set_points.set(walk(seed.get_untracked()));
    view! {
        <main>
            <h1>"Scale Dojo"</h1>
            <label>"Seed " <input id="seed" type="number" prop:value=move || seed.get().to_string()
                on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { set_seed.set(v) } } /></label>
            <button id="run" on:click=run>"Run"</button>
            <p id="status">{move || if points.get().is_empty() { "Not run yet".to_string() } else { format!("{} points", points.get().len()) }}</p>
            <chart::LineChart id="chart" points=points />
        </main>
    }
}

// Temporary scaffolding until the engine's facade lands.
fn walk(seed: u64) -> Vec<(f64, f64)> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut y = 0.0;
    (0..200)
        .map(|t| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            y += ((x >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
            (t as f64, y)
        })
        .collect()
}
