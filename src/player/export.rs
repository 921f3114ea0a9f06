//! Taking a run away: the report as JSON and CSV (byte for byte what the `simulate` runner
//! prints for the same scenario, knobs and seed), each chart and the cluster view as PNG, and a
//! short Markdown report (objectives, grade, the engine's reasons) for a study note.

use super::charts::{self, Kind};
use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Run};
use leptos::prelude::*;
use simulation::wording::fmt_value;
use simulation::report::Report;
use simulation::scenario::{Objective, Text};
use wasm_bindgen::JsCast;

/// The runner's output: `Report::to_json` / `to_csv` with its final newline.
pub fn runner_text(report: &Report, csv: bool) -> String {
    let mut text = if csv { report.to_csv() } else { report.to_json() };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A short report of the run in Markdown, in the learner's language.
pub fn markdown(
    report: &Report,
    digest: &str,
    title: &Text,
    objectives: &[Objective],
    overrides: &[(String, String)],
    lang: Lang,
) -> String {
    let mut out = format!("## {}\n\n", lang.pick(&title.ko, &title.en));
    out.push_str(&format!("- {}: `{}` · {}: {}\n", S::Scenario.t(lang), report.scenario, S::Seed.t(lang), report.seed));
    if !overrides.is_empty() {
        let knobs: Vec<String> = overrides.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
        out.push_str(&format!("- {}: {}\n", S::Knobs.t(lang), knobs.join(", ")));
    }
    let s = &report.summary;
    let p99 = s.latency_ms.p99.map(|v| format!("{v:.1} ms")).unwrap_or_else(|| "–".into());
    out.push_str(&format!(
        "- {}: {:.3} % · p99 {p99} · {}: {} · {}: ${:.2}/h\n",
        S::Availability.t(lang),
        s.availability * 100.0,
        S::SeriesFailed.t(lang),
        s.failed,
        S::ChartCost.t(lang),
        s.cost_per_hour
    ));
    out.push_str(&format!("- digest: `{digest}`\n\n"));
    if report.objectives.is_empty() {
        return out;
    }
    let met = report.objectives.iter().filter(|g| g.passed).count();
    out.push_str(&format!("**{}: {met}/{}**\n\n", S::Grade.t(lang), report.objectives.len()));
    out.push_str(&format!("| | {} | {} | {} |\n|---|---|---|---|\n", S::Objectives.t(lang), S::Target.t(lang), S::Measured.t(lang)));
    for g in &report.objectives {
        let label = objectives
            .iter()
            .find(|o| o.id == g.id)
            .map(|o| lang.pick(&o.label.ko, &o.label.en).to_string())
            .unwrap_or_else(|| g.id.clone());
        let measured = g.measured.map(|v| fmt_value(g.metric, v)).unwrap_or_else(|| "–".into());
        let mark = if g.passed { "✓" } else { "✗" };
        out.push_str(&format!("| {mark} | {label} | {} {} | {measured} |\n", g.comparison, fmt_value(g.metric, g.target)));
    }
    let reasons: Vec<String> = report
        .objectives
        .iter()
        .filter_map(|g| {
            let r = g.reason().map(|t| lang.pick(&t.ko, &t.en).to_string())?;
            Some(format!("- **{}**: {r}", g.id))
        })
        .collect();
    if !reasons.is_empty() {
        out.push_str(&format!("\n{}:\n\n{}\n", S::Why.t(lang), reasons.join("\n")));
    }
    out
}

/// Starts a download of `href` (a data or blob URL) as `name`.
fn download(name: &str, href: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let a = doc.create_element("a").ok()?;
    a.set_attribute("href", href).ok()?;
    a.set_attribute("download", name).ok()?;
    a.dyn_into::<web_sys::HtmlElement>().ok()?.click();
    Some(())
}

/// Downloads `text` as a file of type `mime`.
fn download_text(name: &str, text: &str, mime: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    download(name, &url);
    // The click has started the download; the URL can go once the browser has read it.
    let _ = gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Some(())
}

#[component]
pub fn Export(
    run: Run,
    title: Text,
    objectives: Vec<Objective>,
    charts: Vec<Kind>,
    overrides: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let lang = crate::use_lang();
    let name = move |ext: &str| run.with_report(|r| format!("{}-seed{}.{ext}", r.scenario, r.seed)).unwrap_or_else(|| format!("run.{ext}"));
    let (title, objectives) = (StoredValue::new(title), StoredValue::new(objectives));
    // Written when asked for (it is not free: the run's whole report).
    let report_md = move || {
        let (l, o, d) = (lang.get_untracked(), overrides.get_untracked(), untrack(|| run.digest()).unwrap_or_default());
        run.with_report(|r| title.with_value(|t| objectives.with_value(|os| markdown(r, &d, t, os, &o, l)))).unwrap_or_default()
    };
    let shown = RwSignal::new(String::new());
    let save = move |csv: bool| {
        if let Some(text) = run.with_report(|r| runner_text(r, csv)) {
            download_text(&name(if csv { "csv" } else { "json" }), &text, if csv { "text/csv" } else { "application/json" });
        }
    };
    view! {
        <Show when=move || run.phase.get() == Phase::Finished && run.with_grades(|g| g.is_some())>
            <section class="export" aria-labelledby="export-h" data-testid="export">
                <h2 id="export-h">{move || S::Export.t(lang.get())}</h2>
                <div class="buttons">
                    <button type="button" id="export-json" on:click=move |_| save(false)>"JSON"</button>
                    <button type="button" id="export-csv" on:click=move |_| save(true)>"CSV"</button>
                    <button type="button" id="export-md" on:click=move |_| { download_text(&name("md"), &report_md(), "text/markdown"); }>
                        {move || S::ExportReport.t(lang.get())}
                    </button>
                    <button type="button" id="export-png-cluster" on:click=move |_| {
                        if let Some(url) = super::cluster_view::png() { download(&name("cluster.png"), &url); }
                    }>{move || format!("PNG: {}", S::ClusterView.t(lang.get()))}</button>
                    {charts.iter().map(|&k| view! {
                        <button type="button" id=format!("export-png-{}", k.id()) data-kind=k.id() on:click=move |_| {
                            if let Some(url) = charts::png_of("", k) { download(&name(&format!("{}.png", k.id())), &url); }
                        }>{move || format!("PNG: {}", charts::title(k).t(lang.get()))}</button>
                    }).collect_view()}
                </div>
                <details on:toggle=move |_| shown.set(report_md())>
                    <summary>{move || S::ExportReport.t(lang.get())}</summary>
                    <textarea id="export-report" readonly rows="12" prop:value=move || shown.get()></textarea>
                </details>
            </section>
        </Show>
    }
}
