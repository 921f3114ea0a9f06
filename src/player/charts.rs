//! Live charts drawn with plotters on canvas: traffic, latency (percentile selector), pods and
//! nodes, CPU utilization, cost, and traffic share per version during a release. Okabe–Ito colours plus a
//! distinct dash style per series; HTML legends; a vertical mark at the chosen event's time.

use crate::i18n::{Lang, S};
use crate::run_loop::{Engine, Run};
use crate::theme::{Palette, SERIES, css};
use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use simulation::report::SecondSample;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Traffic,
    Latency,
    Pods,
    Cpu,
    Cost,
    Versions,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    fn css(self) -> &'static str {
        match self {
            Dash::Solid => "solid",
            Dash::Dashed => "dashed",
            Dash::Dotted => "dotted",
        }
    }
}

const STYLES: [Dash; 3] = [Dash::Solid, Dash::Dashed, Dash::Dotted];
const PERCENTILES: [&str; 4] = ["p50", "p90", "p95", "p99"];

struct Line {
    label: String,
    color: (u8, u8, u8),
    dash: Dash,
    points: Vec<(f64, f64)>,
}

/// The series one chart shows (labels in `lang`), at most ~`width` points each.
fn lines(kind: Kind, series: &[SecondSample], pct: usize, lang: Lang, width: usize) -> Vec<Line> {
    let stride = (series.len() / width.max(1)).max(1);
    let pick = |f: &dyn Fn(&SecondSample) -> Option<f64>| -> Vec<(f64, f64)> {
        series.iter().step_by(stride).filter_map(|s| f(s).map(|v| (s.t as f64, v))).collect()
    };
    let line =
        |i: usize, label: String, points: Vec<(f64, f64)>| Line { label, color: SERIES[i % SERIES.len()], dash: STYLES[i % 3], points };
    match kind {
        Kind::Traffic => vec![
            line(0, S::SeriesOffered.t(lang).into(), pick(&|s| Some(s.offered_rps))),
            line(1, S::SeriesCompleted.t(lang).into(), pick(&|s| Some(s.completed_rps))),
            line(2, S::SeriesFailed.t(lang).into(), pick(&|s| Some(s.failed_rps))),
        ],
        Kind::Latency => {
            let f: &dyn Fn(&SecondSample) -> Option<f64> = match pct {
                0 => &|s| s.p50_ms,
                1 => &|s| s.p90_ms,
                2 => &|s| s.p95_ms,
                _ => &|s| s.p99_ms,
            };
            vec![line(3, PERCENTILES[pct.min(3)].into(), pick(f))]
        }
        Kind::Pods => vec![
            line(0, S::SeriesDesired.t(lang).into(), pick(&|s| Some(s.cluster.pods_desired as f64))),
            line(1, S::SeriesReady.t(lang).into(), pick(&|s| Some(s.ready_pods as f64))),
            line(2, S::SeriesPending.t(lang).into(), pick(&|s| Some(s.cluster.pods_pending as f64))),
            line(4, S::SeriesNodes.t(lang).into(), pick(&|s| Some(s.cluster.nodes as f64))),
        ],
        Kind::Cpu => vec![line(1, S::SeriesCpu.t(lang).into(), pick(&|s| Some(s.utilization * 100.0)))],
        Kind::Cost => vec![line(0, S::SeriesCost.t(lang).into(), pick(&|s| Some(s.cluster.cost_per_hour)))],
        Kind::Versions => {
            let names: Vec<String> = series.last().map(|s| s.versions.iter().map(|v| v.version.clone()).collect()).unwrap_or_default();
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let pts = pick(&|s| s.versions.get(i).map(|v| v.share * 100.0));
                    line(i, name.clone(), pts)
                })
                .collect()
        }
    }
}

fn y_unit(kind: Kind) -> &'static str {
    match kind {
        Kind::Traffic => "req/s",
        Kind::Latency => "ms",
        Kind::Pods => "",
        Kind::Cost => "$/h",
        Kind::Cpu | Kind::Versions => "%",
    }
}

fn title(kind: Kind) -> S {
    match kind {
        Kind::Traffic => S::ChartTraffic,
        Kind::Latency => S::ChartLatency,
        Kind::Pods => S::ChartPods,
        Kind::Cpu => S::ChartCpu,
        Kind::Cost => S::ChartCost,
        Kind::Versions => S::ChartVersions,
    }
}

struct DrawArgs<'a> {
    kind: Kind,
    duration: f64,
    marker: Option<f64>,
    /// Simulated seconds of the live actions (faults, releases, rollbacks), and the run's clock.
    live: Vec<f64>,
    now: f64,
    pct: usize,
    lang: Lang,
    palette: &'a Palette,
}

/// Sizes the canvas's bitmap to its box on screen (times the pixel ratio), so text stays
/// readable on a phone and sharp on a projector; returns the scale for fonts and lines.
fn fit(canvas: &web_sys::HtmlCanvasElement) -> f64 {
    let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).clamp(1.0, 3.0);
    let css_w = canvas.client_width();
    if css_w > 0 {
        let w = (css_w as f64 * dpr).round() as u32;
        let h = ((css_w as f64 * 0.42).clamp(170.0, 280.0) * dpr).round() as u32;
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
    }
    dpr
}

/// Draws one chart; returns how many live actions it marked.
fn draw(canvas: web_sys::HtmlCanvasElement, series: &[SecondSample], a: &DrawArgs) -> Result<usize, Box<dyn std::error::Error>> {
    let scale = fit(&canvas);
    let width = canvas.width() as usize;
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?.into_drawing_area();
    let p = a.palette;
    let rgb = |c: (u8, u8, u8)| RGBColor(c.0, c.1, c.2);
    root.fill(&rgb(p.background))?;
    let lines = lines(a.kind, series, a.pct, a.lang, width);
    let y_max = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(0.0f64, f64::max);
    let y_max = match a.kind {
        Kind::Cpu | Kind::Versions => 100.0f64.max(y_max),
        _ => (y_max * 1.15).max(1.0),
    };
    let x_max = a.duration.max(1.0);
    let px = |v: u32| (v as f64 * scale).round() as u32;
    let font = ("sans-serif", px(p.font)).into_font().color(&rgb(p.text));
    let mut chart = ChartBuilder::on(&root)
        .margin(px(8))
        .margin_right(px(22))
        .x_label_area_size(px(p.font * 3))
        .y_label_area_size(px(p.font * 3 + 12))
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    let unit = y_unit(a.kind);
    chart
        .configure_mesh()
        .light_line_style(rgb(p.background))
        .bold_line_style(rgb(p.grid))
        .axis_style(rgb(p.text))
        .label_style(font.clone())
        .axis_desc_style(font)
        .x_desc(S::AxisTime.t(a.lang))
        .y_desc(unit)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|v| crate::player::controls::mmss(*v))
        .y_label_formatter(&|v| {
            if *v >= 1000.0 {
                format!("{:.0}k", v / 1000.0)
            } else if *v >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .draw()?;
    for l in &lines {
        let style = ShapeStyle { color: rgb(l.color).to_rgba(), filled: false, stroke_width: px(p.line_width) };
        match l.dash {
            Dash::Solid => {
                chart.draw_series(LineSeries::new(l.points.iter().copied(), style))?;
            }
            Dash::Dashed => {
                chart.draw_series(DashedLineSeries::new(l.points.iter().copied(), px(8), px(5), style))?;
            }
            Dash::Dotted => {
                chart.draw_series(DashedLineSeries::new(l.points.iter().copied(), px(2), px(4), style))?;
            }
        }
    }
    // Each live action: a dashed vertical line in its own colour, on every chart.
    let live = ShapeStyle { color: rgb(crate::theme::LIVE_ACTION).to_rgba(), filled: false, stroke_width: px(p.line_width) };
    // Only actions already reached (a link's replayed actions are known from the start).
    let reached: Vec<f64> = a.live.iter().copied().filter(|t| *t <= a.now).collect();
    for t in &reached {
        chart.draw_series(DashedLineSeries::new([(*t, 0.0), (*t, y_max)], px(6), px(4), live))?;
    }
    if let Some(t) = a.marker {
        let style = ShapeStyle { color: rgb(p.marker).to_rgba(), filled: false, stroke_width: px(p.line_width) };
        chart.draw_series(std::iter::once(PathElement::new(vec![(t, 0.0), (t, y_max)], style)))?;
    }
    root.present()?;
    Ok(reached.len())
}

#[component]
pub fn Charts(
    run: Run,
    marker: RwSignal<Option<f64>>,
    #[prop(optional)] versions: bool,
    #[prop(optional)] prefix: &'static str,
) -> impl IntoView {
    let pct = RwSignal::new(3usize);
    let lang = crate::use_lang();
    let mut kinds = vec![Kind::Traffic, Kind::Latency, Kind::Pods, Kind::Cpu, Kind::Cost];
    if versions {
        kinds.push(Kind::Versions);
    }
    view! {
        <section class="charts" aria-label=move || S::Charts.t(lang.get())>
            {kinds.into_iter().map(|k| view! { <Chart kind=k run=run marker=marker pct=pct prefix=prefix /> }).collect_view()}
        </section>
    }
}

#[component]
fn Chart(kind: Kind, run: Run, marker: RwSignal<Option<f64>>, pct: RwSignal<usize>, prefix: &'static str) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let theme = ctx.theme;
    let canvas = NodeRef::<Canvas>::new();
    let id = format!("{prefix}chart-{}", format!("{kind:?}").to_lowercase());
    let draw_now = move |e: &Engine| {
        if let Some(c) = canvas.get_untracked() {
            let palette = theme.get_untracked().palette();
            let live: Vec<f64> = run.actions.with_untracked(|a| a.iter().map(|a| a.at_us as f64 / 1e6).collect());
            let now = run.sim_time.get_untracked().max(e.series().last().map(|s| s.t as f64 + 1.0).unwrap_or(0.0));
            let args = DrawArgs {
                kind,
                duration: run.duration.get_untracked(),
                marker: marker.get_untracked(),
                live,
                now,
                pct: pct.get_untracked(),
                lang: lang.get_untracked(),
                palette: &palette,
            };
            if let Ok(marks) = draw(c.clone(), e.series(), &args) {
                let _ = c.set_attribute("data-live-marks", &marks.to_string());
            }
        }
    };
    let slot = run.add_chart(Box::new(draw_now));
    on_cleanup(move || run.remove_chart(slot));
    // Redraw at once when what is shown changes; while running, the run loop redraws in turn.
    Effect::new(move |_| {
        run.redraw.track();
        run.actions.track();
        marker.track();
        theme.track();
        lang.track();
        if kind == Kind::Latency {
            pct.track();
        }
        if canvas.get().is_some() {
            run.draw_chart(slot);
        }
    });
    let legend = move || {
        let l = lang.get();
        let dummy: Vec<SecondSample> = vec![];
        let names: Vec<(String, (u8, u8, u8), Dash)> = match kind {
            Kind::Versions => run.summary.with(|s| {
                s.as_ref()
                    .map(|s| {
                        s.versions.iter().enumerate().map(|(i, v)| (v.version.clone(), SERIES[i % SERIES.len()], STYLES[i % 3])).collect()
                    })
                    .unwrap_or_default()
            }),
            _ => lines(kind, &dummy, pct.get(), l, 1).into_iter().map(|x| (x.label, x.color, x.dash)).collect(),
        };
        names
            .into_iter()
            .map(|(n, c, d)| view! { <li><span class="swatch" style=format!("border-top: 3px {} {}", d.css(), css(c))></span>{n}</li> })
            .collect_view()
    };
    view! {
        <figure class="chart" data-kind=format!("{kind:?}").to_lowercase()>
            <figcaption>
                <span class="chart-title">{move || title(kind).t(lang.get())}</span>
                {(kind == Kind::Latency).then(|| view! {
                    <label class="pct">
                        <span class="sr-only">{move || S::Percentile.t(lang.get())}</span>
                        <select id=format!("{prefix}percentile") prop:value=move || pct.get().to_string()
                            on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { pct.set(v) } }>
                            {PERCENTILES.iter().enumerate().map(|(i, n)| view! { <option value=i.to_string()>{*n}</option> }).collect_view()}
                        </select>
                    </label>
                })}
            </figcaption>
            <canvas id=id node_ref=canvas width="640" height="240" role="img" aria-label=move || title(kind).t(lang.get())></canvas>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}
