//! Live charts drawn with plotters on canvas: traffic, latency (percentile selector), pods,
//! nodes, CPU, database and cache, cost, and traffic share per version during a release.
//! Okabe–Ito colours plus a distinct dash style per series; failures drawn last (on top); HTML
//! legends; our own ticks (whole numbers for counts, mm:ss at round steps, no repeated label);
//! a cursor at the chosen second; the values at the hovered or chosen second under each chart.

use super::axis;
use crate::i18n::{Lang, S};
use crate::run_loop::{Engine, Run};
use crate::theme::{Palette, SERIES, css};
use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use simulation::report::SecondSample;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Traffic,
    Latency,
    Pods,
    Nodes,
    Cpu,
    Data,
    Cost,
    Versions,
}

impl Kind {
    pub fn id(self) -> String {
        format!("{self:?}").to_ascii_lowercase()
    }
    /// Counts: whole-number ticks.
    fn counts(self) -> bool {
        matches!(self, Kind::Pods | Kind::Nodes)
    }
    /// Percentages: the axis always reaches 100 % (a limit is visible as the top).
    fn percent(self) -> bool {
        matches!(self, Kind::Cpu | Kind::Data | Kind::Versions)
    }
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
// Okabe–Ito by meaning: blue, orange, bluish green, vermillion, reddish purple, sky blue.
const BLUE: usize = 0;
const ORANGE: usize = 1;
const GREEN: usize = 2;
const RED: usize = 3;
const SKY: usize = 5;

pub struct Line {
    pub label: String,
    pub color: (u8, u8, u8),
    pub dash: Dash,
    pub points: Vec<(f64, f64)>,
}

/// What a chart shows: which optional parts the scenario has.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    pub database: bool,
    pub cache: bool,
}

/// The series one chart shows (labels in `lang`), at most ~`width` points each, in drawing
/// order: failures last, so they are on top.
fn lines(kind: Kind, series: &[SecondSample], pct: usize, lang: Lang, width: usize, parts: Parts) -> Vec<Line> {
    let stride = (series.len() / width.max(1)).max(1);
    let pick = |f: &dyn Fn(&SecondSample) -> Option<f64>| -> Vec<(f64, f64)> {
        series.iter().step_by(stride).filter_map(|s| f(s).map(|v| (s.t as f64, v))).collect()
    };
    let line =
        |c: usize, dash: Dash, label: S, points: Vec<(f64, f64)>| Line { label: label.t(lang).into(), color: SERIES[c], dash, points };
    match kind {
        Kind::Traffic => vec![
            line(BLUE, Dash::Dashed, S::SeriesOffered, pick(&|s| Some(s.offered_rps))),
            line(GREEN, Dash::Solid, S::SeriesCompleted, pick(&|s| Some(s.completed_rps))),
            line(RED, Dash::Solid, S::SeriesFailed, pick(&|s| Some(s.failed_rps))),
        ],
        Kind::Latency => {
            let f: &dyn Fn(&SecondSample) -> Option<f64> = match pct {
                0 => &|s| s.p50_ms,
                1 => &|s| s.p90_ms,
                2 => &|s| s.p95_ms,
                _ => &|s| s.p99_ms,
            };
            let mut v = vec![Line { label: PERCENTILES[pct.min(3)].into(), color: SERIES[BLUE], dash: Dash::Solid, points: pick(f) }];
            if parts.database {
                v.push(line(ORANGE, Dash::Dashed, S::SeriesDbWait, pick(&|s| s.db_wait_p99_ms)));
            }
            v
        }
        Kind::Pods => vec![
            line(BLUE, Dash::Dashed, S::SeriesDesired, pick(&|s| Some(s.cluster.pods_desired as f64))),
            line(GREEN, Dash::Solid, S::SeriesReady, pick(&|s| Some(s.ready_pods as f64))),
            line(ORANGE, Dash::Dotted, S::SeriesPending, pick(&|s| Some(s.cluster.pods_pending as f64))),
            line(RED, Dash::Solid, S::SeriesNotReadyPods, pick(&|s| Some(s.cluster.pods_not_ready as f64))),
        ],
        Kind::Nodes => vec![
            line(BLUE, Dash::Dashed, S::SeriesNodes, pick(&|s| Some(s.cluster.nodes as f64))),
            line(GREEN, Dash::Solid, S::SeriesNodesReady, pick(&|s| Some(s.cluster.nodes_ready as f64))),
            line(RED, Dash::Solid, S::SeriesNodesNotReady, pick(&|s| Some(s.cluster.nodes_not_ready as f64))),
        ],
        Kind::Cpu => vec![
            line(ORANGE, Dash::Dashed, S::SeriesOccupancy, pick(&|s| Some(s.utilization * 100.0))),
            line(BLUE, Dash::Solid, S::SeriesCpuLive, pick(&|s| Some(s.cpu_utilization * 100.0))),
        ],
        Kind::Data => {
            let mut v = vec![];
            if parts.cache {
                v.push(line(SKY, Dash::Dashed, S::SeriesCacheHit, pick(&|s| s.cache_hit_ratio.map(|r| r * 100.0))));
            }
            if parts.database {
                v.push(line(RED, Dash::Solid, S::SeriesDbPool, pick(&|s| s.db_utilization.map(|r| r * 100.0))));
            }
            v
        }
        Kind::Cost => vec![line(BLUE, Dash::Solid, S::SeriesCost, pick(&|s| Some(s.cluster.cost_per_hour)))],
        Kind::Versions => {
            let names: Vec<String> = series.last().map(|s| s.versions.iter().map(|v| v.version.clone()).collect()).unwrap_or_default();
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let pts = pick(&|s| s.versions.get(i).map(|v| v.share * 100.0));
                    Line { label: name.clone(), color: SERIES[i % SERIES.len()], dash: STYLES[i % 3], points: pts }
                })
                .collect()
        }
    }
}

pub fn title(kind: Kind) -> S {
    match kind {
        Kind::Traffic => S::ChartTraffic,
        Kind::Latency => S::ChartLatency,
        Kind::Pods => S::ChartPods,
        Kind::Nodes => S::ChartNodes,
        Kind::Cpu => S::ChartCpu,
        Kind::Data => S::ChartData,
        Kind::Cost => S::ChartCost,
        Kind::Versions => S::ChartVersions,
    }
}

/// The largest value the chart must show, before rounding to ticks.
fn data_max(kind: Kind, lines: &[Line]) -> f64 {
    let m = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    if kind.percent() { m.max(100.0) } else { m }
}

/// Both sides of a comparison share their axes: each chart reports its data maximum and draws
/// with the largest; `bump` tells the others to redraw when it grew.
#[derive(Copy, Clone)]
pub struct SharedScale {
    max: StoredValue<Vec<(Kind, &'static str, f64)>, LocalStorage>,
    pub bump: RwSignal<u64>,
}

impl SharedScale {
    pub fn new() -> Self {
        SharedScale { max: StoredValue::new_local(vec![]), bump: RwSignal::new(0) }
    }

    /// Records `own` for this chart and returns the largest of its kind.
    fn share(&self, kind: Kind, prefix: &'static str, own: f64) -> f64 {
        let (before, after) = self
            .max
            .try_update_value(|list| {
                let before = list.iter().filter(|e| e.0 == kind).map(|e| e.2).fold(0.0, f64::max);
                match list.iter_mut().find(|e| e.0 == kind && e.1 == prefix) {
                    Some(e) => e.2 = own,
                    None => list.push((kind, prefix, own)),
                }
                (before, list.iter().filter(|e| e.0 == kind).map(|e| e.2).fold(0.0, f64::max))
            })
            .unwrap_or((own, own));
        if after > before {
            self.bump.update(|n| *n += 1);
        }
        after
    }

    /// A new run: forget the maxima.
    pub fn clear(&self) {
        self.max.update_value(|l| l.clear());
    }
}

impl Default for SharedScale {
    fn default() -> Self {
        Self::new()
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
    parts: Parts,
    scale: Option<(SharedScale, &'static str)>,
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

/// Draws the chart; returns the plotting area's x range in bitmap pixels (for hover) and how many
/// live actions it marked.
fn draw(
    canvas: web_sys::HtmlCanvasElement,
    series: &[SecondSample],
    a: &DrawArgs,
) -> Result<((i32, i32), usize), Box<dyn std::error::Error>> {
    let scale = fit(&canvas);
    let width = canvas.width() as usize;
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?.into_drawing_area();
    let p = a.palette;
    let rgb = |c: (u8, u8, u8)| RGBColor(c.0, c.1, c.2);
    root.fill(&rgb(p.background))?;
    let lines = lines(a.kind, series, a.pct, a.lang, width, a.parts);
    let mut top = data_max(a.kind, &lines);
    if let Some((shared, prefix)) = a.scale {
        top = shared.share(a.kind, prefix, top);
    }
    let y = axis::ticks(top * if a.kind.percent() { 1.0 } else { 1.08 }, 5, a.kind.counts());
    let x = axis::time_ticks(a.duration.max(1.0), 6);
    let (y_max, x_max) = (y.top, a.duration.max(1.0));
    let px = |v: u32| (v as f64 * scale).round() as u32;
    let font = (FontFamily::SansSerif, px(p.font)).into_font().color(&rgb(p.text));
    let label_w = y.labels.iter().map(|l| l.1.chars().count() as u32).max().unwrap_or(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(px(8))
        .margin_right(px(22))
        .x_label_area_size(px(p.font * 2))
        .y_label_area_size(px(p.font * label_w * 6 / 10 + 10))
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart.configure_mesh().disable_mesh().x_labels(0).y_labels(0).axis_style(rgb(p.text)).draw()?;
    let grid = ShapeStyle { color: rgb(p.grid).to_rgba(), filled: false, stroke_width: px(1) };
    let right = |pos: Pos| font.pos(pos);
    for (v, text) in &y.labels {
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, *v), (x_max, *v)], grid)))?;
        let (bx, by) = chart.backend_coord(&(0.0, *v));
        root.draw(&Text::new(text.clone(), (bx - px(4) as i32, by), right(Pos::new(HPos::Right, VPos::Center))))?;
    }
    for (t, text) in &x.labels {
        let (bx, by) = chart.backend_coord(&(*t, 0.0));
        root.draw(&Text::new(text.clone(), (bx, by + px(4) as i32), right(Pos::new(HPos::Center, VPos::Top))))?;
    }
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
    let range = chart.plotting_area().get_pixel_range().0;
    root.present()?;
    Ok(((range.start, range.end), reached.len()))
}

/// A value with its unit, as the readout shows it.
fn fmt_value(kind: Kind, v: f64, l: Lang) -> String {
    match kind {
        Kind::Pods | Kind::Nodes => format!("{v:.0}"),
        Kind::Cpu | Kind::Data | Kind::Versions => format!("{v:.1} %"),
        Kind::Latency => format!("{v:.1} ms"),
        Kind::Traffic => format!("{v:.0} {}", S::UnitRps.t(l)),
        Kind::Cost => format!("${v:.2}/h"),
    }
}

/// Which charts a player shows.
pub fn kinds(versions: bool, cluster: bool, parts: Parts) -> Vec<Kind> {
    let mut kinds = vec![Kind::Traffic, Kind::Latency, Kind::Pods];
    if cluster {
        kinds.push(Kind::Nodes);
    }
    kinds.push(Kind::Cpu);
    if parts.database || parts.cache {
        kinds.push(Kind::Data);
    }
    kinds.push(Kind::Cost);
    if versions {
        kinds.push(Kind::Versions);
    }
    kinds
}

#[component]
pub fn Charts(
    run: Run,
    marker: RwSignal<Option<f64>>,
    #[prop(optional)] versions: bool,
    #[prop(optional)] cluster: bool,
    #[prop(optional)] parts: Parts,
    #[prop(optional)] prefix: &'static str,
    #[prop(optional)] scale: Option<SharedScale>,
) -> impl IntoView {
    let pct = RwSignal::new(3usize);
    let lang = crate::use_lang();
    view! {
        <section class="charts" aria-label=move || S::Charts.t(lang.get())>
            {kinds(versions, cluster, parts).into_iter().map(|k| view! { <Chart kind=k run=run marker=marker pct=pct prefix=prefix parts=parts scale=scale /> }).collect_view()}
        </section>
    }
}

#[component]
fn Chart(
    kind: Kind,
    run: Run,
    marker: RwSignal<Option<f64>>,
    pct: RwSignal<usize>,
    prefix: &'static str,
    parts: Parts,
    scale: Option<SharedScale>,
) -> impl IntoView {
    let ctx = crate::use_ctx();
    let lang = ctx.lang;
    let theme = ctx.theme;
    let canvas = NodeRef::<Canvas>::new();
    let id = format!("{prefix}chart-{}", kind.id());
    let plot_x = StoredValue::new((0i32, 1i32));
    let hover = RwSignal::new(None::<f64>);
    let draw_now = move |e: &Engine| {
        if let Some(c) = canvas.get_untracked() {
            let palette = theme.get_untracked().palette();
            let live: Vec<f64> = run.actions.with_untracked(|a| a.iter().map(|a| a.at_us as f64 / 1e6).collect());
            let now = untrack(|| run.sim_time()).max(e.series().last().map(|s| s.t as f64 + 1.0).unwrap_or(0.0));
            let args = DrawArgs {
                kind,
                duration: untrack(|| run.duration()),
                marker: marker.get_untracked(),
                live,
                now,
                pct: pct.get_untracked(),
                lang: lang.get_untracked(),
                palette: &palette,
                parts,
                scale: scale.map(|s| (s, prefix)),
            };
            if let Ok((r, marks)) = draw(c.clone(), e.series(), &args) {
                plot_x.set_value(r);
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
        if let Some(s) = scale {
            s.bump.track();
        }
        if kind == Kind::Latency {
            pct.track();
        }
        if canvas.get().is_some() {
            run.draw_chart(slot);
        }
    });
    let legend = move || {
        let l = lang.get();
        let names: Vec<(String, (u8, u8, u8), Dash)> = match kind {
            Kind::Versions => run.with_summary(|s| {
                s.map(|s| {
                    s.versions.iter().enumerate().map(|(i, v)| (v.version.clone(), SERIES[i % SERIES.len()], STYLES[i % 3])).collect()
                })
                .unwrap_or_default()
            }),
            _ => lines(kind, &[], pct.get(), l, 1, parts).into_iter().map(|x| (x.label, x.color, x.dash)).collect(),
        };
        names
            .into_iter()
            .map(|(n, c, d)| view! { <li><span class="swatch" style=format!("border-top: 3px {} {}", d.css(), css(c))></span>{n}</li> })
            .collect_view()
    };
    // The second under the pointer, from the canvas's plotting area.
    let at_pointer = move |ev: &web_sys::MouseEvent| -> Option<f64> {
        let c = canvas.get_untracked()?;
        let ratio = c.width() as f64 / c.client_width().max(1) as f64;
        let (x0, x1) = plot_x.get_value();
        let f = (ev.offset_x() as f64 * ratio - x0 as f64) / (x1 - x0).max(1) as f64;
        (0.0..=1.0).contains(&f).then(|| (f * untrack(|| run.duration())).floor())
    };
    let readout = move || {
        let t = hover.get().or(marker.get())?;
        run.redraw.track();
        let l = lang.get();
        let sample = run.sample_at(t)?;
        let values = lines(kind, std::slice::from_ref(&sample), pct.get(), l, 1, parts)
            .into_iter()
            .filter_map(|line| line.points.first().map(|p| format!("{} {}", line.label, fmt_value(kind, p.1, l))))
            .collect::<Vec<_>>()
            .join(" · ");
        Some(format!("{} — {values}", super::controls::mmss(sample.t as f64)))
    };
    let keys = move |ev: web_sys::KeyboardEvent| {
        if let Some(t) = super::scrubber::key_to_second(&ev.key(), ev.shift_key(), marker.get_untracked(), run.last_second()) {
            ev.prevent_default();
            marker.set(Some(t));
        }
    };
    view! {
        <figure class="chart" data-kind=kind.id()>
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
            <canvas id=id node_ref=canvas width="640" height="240" role="img" tabindex="0"
                aria-label=move || format!("{} — {}", title(kind).t(lang.get()), S::ChartKeys.t(lang.get()))
                aria-describedby=format!("{prefix}readout-{}", kind.id())
                on:mousemove=move |ev| hover.set(at_pointer(&ev))
                on:mouseleave=move |_| hover.set(None)
                on:keydown=keys></canvas>
            <ul class="legend">{legend}</ul>
            <p class="readout" id=format!("{prefix}readout-{}", kind.id()) data-testid="readout" aria-live="polite">{readout}</p>
        </figure>
    }
}

/// The chart's canvas as a PNG data URL (for export).
pub fn png_of(prefix: &str, kind: Kind) -> Option<String> {
    use wasm_bindgen::JsCast;
    let el = web_sys::window()?.document()?.get_element_by_id(&format!("{prefix}chart-{}", kind.id()))?;
    el.dyn_into::<web_sys::HtmlCanvasElement>().ok()?.to_data_url_with_type("image/png").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_drawn_last_and_counts_are_whole() {
        let t = lines(Kind::Traffic, &[], 3, Lang::En, 1, Parts::default());
        assert_eq!(t.last().map(|l| l.label.as_str()), Some("failed"));
        assert!(Kind::Pods.counts() && Kind::Nodes.counts() && !Kind::Latency.counts());
        let d = lines(Kind::Data, &[], 3, Lang::En, 1, Parts { database: true, cache: true });
        assert_eq!(d.len(), 2);
        assert!(kinds(false, true, Parts { database: true, cache: false }).contains(&Kind::Nodes));
        assert!(!kinds(false, false, Parts::default()).contains(&Kind::Data));
    }
}
