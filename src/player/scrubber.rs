//! Looking back: a paused or finished run can be scrubbed to any second (a range input, so
//! arrows, Page Up/Down, Home and End work). The chosen second is the charts' cursor, and the
//! gauges and the cluster view show that second. Gauges show the engine's series as it is.

use super::controls::mmss;
use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Run};
use leptos::prelude::*;
use simulation::report::SecondSample;

/// The second a key moves the cursor to (charts' keyboard use), or `None` for other keys.
pub fn key_to_second(key: &str, shift: bool, current: Option<f64>, last: Option<f64>) -> Option<f64> {
    let last = last?;
    let at = current.unwrap_or(last);
    let step = if shift { 10.0 } else { 1.0 };
    let t = match key {
        "ArrowLeft" | "ArrowDown" => at - step,
        "ArrowRight" | "ArrowUp" => at + step,
        "PageDown" => at - 10.0,
        "PageUp" => at + 10.0,
        "Home" => 0.0,
        "End" => last,
        _ => return None,
    };
    Some(t.clamp(0.0, last).floor())
}

#[component]
pub fn Scrubber(run: Run, marker: RwSignal<Option<f64>>) -> impl IntoView {
    let lang = crate::use_lang();
    let last = move || {
        run.track();
        run.redraw.track();
        run.last_second()
    };
    let can = move || matches!(run.phase.get(), Phase::Paused | Phase::Finished) && last().is_some();
    view! {
        <Show when=can>
            <div class="scrubber" data-testid="scrubber">
                <label for="scrub">{move || S::ScrubTo.t(lang.get())}</label>
                <input id="scrub" type="range" min="0" step="1" max=move || last().unwrap_or(0.0).to_string()
                    prop:value=move || marker.get().or_else(last).unwrap_or(0.0).to_string()
                    aria-valuetext=move || mmss(marker.get().or_else(last).unwrap_or(0.0))
                    on:input=move |ev| { if let Some(v) = simulation::scenario::read_f64(&event_target_value(&ev)) { marker.set(Some(v)) } } />
                <output for="scrub" id="scrub-time">{move || mmss(marker.get().or_else(last).unwrap_or(0.0))}</output>
                <button type="button" id="scrub-live" on:click=move |_| marker.set(None) disabled=move || marker.get().is_none()>
                    {move || S::ScrubLatest.t(lang.get())}
                </button>
            </div>
        </Show>
    }
}

/// One gauge: its label, the raw value (as the engine's series holds it), and how it reads.
fn gauges(s: &SecondSample, l: Lang) -> Vec<(&'static str, S, Option<f64>, String)> {
    let pct = |v: f64| format!("{:.1} %", v * 100.0);
    let n = |v: u32| (v as f64, v.to_string());
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| (v, v.map(f).unwrap_or_else(|| "–".into()));
    let mut out = vec![];
    let mut push = |key: &'static str, label: S, (v, text): (Option<f64>, String)| out.push((key, label, v, text));
    let c = &s.cluster;
    push("offered_rps", S::SeriesOffered, (Some(s.offered_rps), format!("{:.0} {}", s.offered_rps, S::UnitRps.t(l))));
    push("failed_rps", S::SeriesFailed, (Some(s.failed_rps), format!("{:.0} {}", s.failed_rps, S::UnitRps.t(l))));
    push("p99_ms", S::GaugeP99, opt(s.p99_ms, &|v| format!("{v:.1} ms")));
    for (key, label, v) in [
        ("pods_desired", S::SeriesDesired, c.pods_desired),
        ("ready_pods", S::SeriesReady, s.ready_pods),
        ("pods_pending", S::SeriesPending, c.pods_pending),
        ("pods_not_ready", S::SeriesNotReadyPods, c.pods_not_ready),
    ] {
        let (v, t) = n(v);
        push(key, label, (Some(v), t));
    }
    if c.nodes > 0 {
        for (key, label, v) in [
            ("nodes", S::SeriesNodes, c.nodes),
            ("nodes_ready", S::SeriesNodesReady, c.nodes_ready),
            ("nodes_not_ready", S::SeriesNodesNotReady, c.nodes_not_ready),
        ] {
            let (v, t) = n(v);
            push(key, label, (Some(v), t));
        }
    }
    push("cpu_utilization", S::SeriesCpuLive, (Some(s.cpu_utilization), pct(s.cpu_utilization)));
    push("utilization", S::SeriesOccupancy, (Some(s.utilization), pct(s.utilization)));
    if s.db_utilization.is_some() {
        push("db_utilization", S::SeriesDbPool, opt(s.db_utilization, &pct));
        push("db_wait_p99_ms", S::SeriesDbWait, opt(s.db_wait_p99_ms, &|v| format!("{v:.1} ms")));
    }
    if s.cache_hit_ratio.is_some() {
        push("cache_hit_ratio", S::SeriesCacheHit, opt(s.cache_hit_ratio, &pct));
    }
    push("cost_per_hour", S::ChartCost, (Some(c.cost_per_hour), format!("${:.2}/h", c.cost_per_hour)));
    out
}

/// The gauges at the scrubbed second, or at the latest closed second.
#[component]
pub fn Gauges(run: Run, marker: RwSignal<Option<f64>>) -> impl IntoView {
    let lang = crate::use_lang();
    let sample = move || {
        run.track();
        run.redraw.track();
        match marker.get() {
            Some(t) => run.sample_at(t),
            None => run.last_second().and_then(|t| run.sample_at(t)),
        }
    };
    view! {
        <section class="gauges" aria-labelledby="gauges-h" data-testid="gauges">
            <h2 id="gauges-h">{move || S::Gauges.t(lang.get())}" "
                <span class="gauges-at" data-testid="gauges-at" data-t=move || sample().map(|s| s.t.to_string()).unwrap_or_default()>
                    {move || sample().map(|s| format!("{}–{}", mmss(s.t as f64), mmss(s.t as f64 + 1.0))).unwrap_or_default()}
                </span>
            </h2>
            <dl>
                {move || {
                    let l = lang.get();
                    sample().map(|s| gauges(&s, l).into_iter().map(|(key, label, v, text)| view! {
                        <div data-gauge=key data-value=v.map(|v| v.to_string()).unwrap_or_default()>
                            <dt>{label.t(l)}</dt><dd>{text}</dd>
                        </div>
                    }).collect_view())
                }}
            </dl>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_move_within_the_run() {
        assert_eq!(key_to_second("ArrowLeft", false, Some(10.0), Some(59.0)), Some(9.0));
        assert_eq!(key_to_second("ArrowRight", true, Some(55.0), Some(59.0)), Some(59.0));
        assert_eq!(key_to_second("Home", false, Some(10.0), Some(59.0)), Some(0.0));
        assert_eq!(key_to_second("End", false, None, Some(59.0)), Some(59.0));
        assert_eq!(key_to_second("ArrowLeft", false, None, Some(59.0)), Some(58.0));
        assert_eq!(key_to_second("ArrowLeft", false, Some(0.0), Some(59.0)), Some(0.0));
        assert_eq!(key_to_second("a", false, Some(3.0), Some(59.0)), None);
        assert_eq!(key_to_second("Home", false, None, None), None);
    }
}
