//! The cluster as a picture beside the charts, drawn from the engine's `ClusterSnapshot` of the
//! shown second: the load balancer with each version's weight, zones, nodes (type, CPU and
//! memory used of allocatable, price), pods inside their nodes coloured by version and shaded
//! by state, Pending pods outside any node, the cache and the database. A dead node is dark.
//! The same facts are listed as text (for screen readers, and as data attributes for tests).
//! The layout follows the canvas's width: zones side by side when they fit, else stacked.
//! At slow speeds (5× or less) requests flow from the balancer to the pods as sampled dots, in
//! proportion to each pod's share; failed ones are drawn as vermillion crosses. Not with
//! `prefers-reduced-motion`.

use crate::i18n::{Lang, S};
use crate::run_loop::{Phase, Run};
use crate::theme::{Palette, SERIES};
use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use simulation::observer::{ClusterSnapshot, NodeStatus, NodeView, PodStatus, PodView};

const PAD: i32 = 8;
const CELL: i32 = 30;
const GAP: i32 = 4;
const ZONE_MIN: i32 = 170;
const NODE_HEAD: i32 = 46;
const DEAD: (u8, u8, u8) = (34, 34, 34);
const RED: (u8, u8, u8) = SERIES[3];
const ORANGE: (u8, u8, u8) = SERIES[1];

fn node_status(s: NodeStatus) -> S {
    match s {
        NodeStatus::Provisioning => S::NodeProvisioning,
        NodeStatus::Ready => S::NodeReady,
        NodeStatus::Draining => S::NodeDraining,
        NodeStatus::Dead => S::NodeDead,
    }
}

fn pod_status(s: PodStatus) -> S {
    match s {
        PodStatus::Pending => S::PodPending,
        PodStatus::Starting => S::PodStarting,
        PodStatus::CrashLoop => S::PodCrashLoop,
        PodStatus::Ready => S::PodReady,
        PodStatus::Unreachable => S::PodUnreachable,
        PodStatus::Terminating => S::PodTerminating,
    }
}

/// The engine's own name for a status (its serde name).
fn snake(s: impl serde::Serialize) -> String {
    // Its JSON without the quotes (serde_json's `Value` would add its code to the wasm).
    serde_json::to_string(&s).ok().and_then(|s| Some(s.strip_prefix('"')?.strip_suffix('"')?.to_string())).unwrap_or_default()
}

/// Pods per row inside a box `w` wide.
fn per_row(w: i32) -> i32 {
    ((w - 2 * PAD + GAP) / (CELL + GAP)).max(1)
}

fn pods_height(n: usize, w: i32) -> i32 {
    let rows = (n as i32 + per_row(w) - 1) / per_row(w);
    rows.max(1) * (CELL + GAP)
}

struct Layout {
    cols: i32,
    zone_w: i32,
}

fn layout(width: i32, zones: usize) -> Layout {
    let cols = ((width - PAD) / (ZONE_MIN + PAD)).clamp(1, zones.max(1) as i32);
    Layout { cols, zone_w: (width - PAD * (cols + 1)) / cols }
}

fn node_height(snap: &ClusterSnapshot, n: usize, w: i32) -> i32 {
    let pods = snap.pods.iter().filter(|p| p.node == Some(n as u16)).count();
    NODE_HEAD + pods_height(pods, w - 2 * PAD) + PAD
}

fn zone_height(snap: &ClusterSnapshot, zone: &str, w: i32) -> i32 {
    let nodes: i32 = (0..snap.nodes.len()).filter(|&n| snap.nodes[n].zone == zone).map(|n| node_height(snap, n, w) + PAD).sum();
    24 + nodes + PAD
}

/// The height the picture needs at `width` (CSS pixels).
fn height(snap: &ClusterSnapshot, width: i32) -> i32 {
    let head = 58;
    let body = if snap.nodes.is_empty() {
        24 + pods_height(snap.pods.len(), width - 2 * PAD) + PAD
    } else {
        let l = layout(width, snap.zones.len());
        let mut rows = 0;
        for chunk in snap.zones.chunks(l.cols as usize) {
            rows += chunk.iter().map(|z| zone_height(snap, z, l.zone_w)).max().unwrap_or(0) + PAD;
        }
        rows
    };
    let pending = snap.pods.iter().filter(|p| p.status == PodStatus::Pending).count();
    let pending_h = if pending > 0 { 24 + pods_height(pending, width - 2 * PAD) + PAD } else { 0 };
    let deps = if snap.cache_hit_ratio.is_some() || snap.database.is_some() { 56 } else { 0 };
    head + body + pending_h + deps + PAD
}

type Area = DrawingArea<CanvasBackend, plotters::coord::Shift>;

struct Painter<'a> {
    root: &'a Area,
    p: &'a Palette,
    s: f64,
    lang: Lang,
    /// Where each ready pod was drawn (centre, CSS px) and its share: the flow's targets.
    targets: std::cell::RefCell<Vec<(f64, f64, f64)>>,
}

/// Where requests flow: from the balancer to the pods (CSS px).
#[derive(Clone, Default)]
struct Geometry {
    balancer: (f64, f64),
    targets: Vec<(f64, f64, f64)>,
}

impl Painter<'_> {
    fn px(&self, v: i32) -> i32 {
        (v as f64 * self.s).round() as i32
    }
    fn rect(&self, x: i32, y: i32, w: i32, h: i32, fill: RGBAColor, stroke: Option<(RGBAColor, u32)>) {
        let (a, b) = ((self.px(x), self.px(y)), (self.px(x + w), self.px(y + h)));
        let _ = self.root.draw(&Rectangle::new([a, b], ShapeStyle { color: fill, filled: true, stroke_width: 0 }));
        if let Some((c, wd)) = stroke {
            let _ = self
                .root
                .draw(&Rectangle::new([a, b], ShapeStyle { color: c, filled: false, stroke_width: (wd as f64 * self.s).round() as u32 }));
        }
    }
    fn text(&self, t: &str, x: i32, y: i32, size: u32, color: (u8, u8, u8), bold: bool) {
        let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
        let font = (FontFamily::SansSerif, (size as f64 * self.s).round() as u32, style).into_font().color(&RGBColor(color.0, color.1, color.2));
        let _ = self.root.draw(&Text::new(t.to_string(), (self.px(x), self.px(y)), font.pos(Pos::new(HPos::Left, VPos::Top))));
    }
    fn centred(&self, t: &str, x: i32, y: i32, size: u32, color: (u8, u8, u8)) {
        let font = (FontFamily::SansSerif, (size as f64 * self.s).round() as u32).into_font().color(&RGBColor(color.0, color.1, color.2));
        let _ = self.root.draw(&Text::new(t.to_string(), (self.px(x), self.px(y)), font.pos(Pos::new(HPos::Center, VPos::Center))));
    }
    fn bar(&self, x: i32, y: i32, w: i32, frac: f64, color: (u8, u8, u8)) {
        let c = |c: (u8, u8, u8), a: f64| RGBColor(c.0, c.1, c.2).mix(a);
        self.rect(x, y, w, 6, c(self.p.grid, 1.0), None);
        let f = frac.clamp(0.0, 1.0);
        self.rect(x, y, ((w as f64) * f).round() as i32, 6, c(if frac >= 0.999 { RED } else { color }, 1.0), None);
    }
    fn box_(&self, x: i32, y: i32, w: i32, h: i32) {
        self.rect(
            x,
            y,
            w,
            h,
            RGBColor(self.p.background.0, self.p.background.1, self.p.background.2).mix(1.0),
            Some((rgb(self.p.grid).mix(1.0), 1)),
        );
    }

    fn pod(&self, pod: &PodView, x: i32, y: i32, max_share: f64) {
        let v = SERIES[pod.version as usize % SERIES.len()];
        let (fill, stroke, label_color) = match pod.status {
            PodStatus::Ready => (rgb(v).mix(1.0), None, (255, 255, 255)),
            PodStatus::Starting => (rgb(v).mix(0.3), Some((rgb(v).mix(1.0), 2)), self.p.text),
            PodStatus::Pending => (rgb(ORANGE).mix(0.12), Some((rgb(ORANGE).mix(1.0), 2)), self.p.text),
            PodStatus::CrashLoop => (rgb(RED).mix(0.2), Some((rgb(RED).mix(1.0), 3)), self.p.text),
            PodStatus::Unreachable => (rgb(DEAD).mix(0.85), Some((rgb(RED).mix(1.0), 1)), (255, 255, 255)),
            PodStatus::Terminating => (rgb(v).mix(0.18), Some((rgb(v).mix(0.5), 1)), self.p.text),
        };
        self.rect(x, y, CELL, CELL, fill, stroke);
        if matches!(pod.status, PodStatus::Ready | PodStatus::Unreachable) {
            self.targets.borrow_mut().push(((x + CELL / 2) as f64, (y + CELL / 2) as f64, pod.share));
        }
        // Its share of the balancer's requests, as a strip along the bottom.
        if max_share > 0.0 && pod.share > 0.0 {
            let w = ((CELL - 4) as f64 * pod.share / max_share).round().max(1.0) as i32;
            self.rect(x + 2, y + CELL - 5, w, 3, rgb(self.p.text).mix(0.8), None);
        }
        let mark = match pod.status {
            PodStatus::Unreachable => "×".to_string(),
            PodStatus::CrashLoop => "!".to_string(),
            _ if pod.queue > 0 => pod.queue.to_string(),
            _ => String::new(),
        };
        if !mark.is_empty() {
            self.centred(&mark, x + CELL / 2, y + CELL / 2 - 2, 11, label_color);
        }
    }

    fn pods(&self, pods: &[&PodView], x: i32, y: i32, w: i32, max_share: f64) {
        let k = per_row(w);
        for (i, pod) in pods.iter().enumerate() {
            let (r, c) = (i as i32 / k, i as i32 % k);
            self.pod(pod, x + PAD + c * (CELL + GAP), y + r * (CELL + GAP), max_share);
        }
    }

    fn node(&self, snap: &ClusterSnapshot, n: usize, x: i32, y: i32, w: i32, max_share: f64) -> i32 {
        let node: &NodeView = &snap.nodes[n];
        let h = node_height(snap, n, w);
        let dead = node.status == NodeStatus::Dead;
        let text = if dead { (230, 230, 230) } else { self.p.text };
        if dead {
            self.rect(x, y, w, h, rgb(DEAD).mix(1.0), Some((rgb(RED).mix(1.0), 2)));
        } else {
            let fill = if node.status == NodeStatus::Provisioning { rgb(self.p.grid).mix(0.5) } else { rgb(self.p.background).mix(1.0) };
            self.rect(x, y, w, h, fill, Some((rgb(self.p.text).mix(0.6), 1)));
        }
        let status = node_status(node.status).t(self.lang);
        self.text(&format!("{} · {}", node.name, status), x + 6, y + 4, 12, text, true);
        self.text(&format!("{} · ${:.2}/h", node.node_type, node.price_per_hour), x + 6, y + 19, 10, text, false);
        let bw = (w - 12 - 8) / 2;
        let cpu = if node.cpu_m > 0 { node.cpu_used_m / node.cpu_m as f64 } else { 0.0 };
        let mem = if node.memory_mi > 0 { node.memory_used_mi / node.memory_mi as f64 } else { 0.0 };
        self.bar(x + 6, y + 34, bw, cpu, SERIES[0]);
        self.bar(x + 6 + bw + 8, y + 34, bw, mem, SERIES[5]);
        let pods: Vec<&PodView> = snap.pods.iter().filter(|p| p.node == Some(n as u16)).collect();
        self.pods(&pods, x, y + NODE_HEAD, w, max_share);
        h
    }
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// The balancer line: each version's weight, and the routing.
fn balancer_line(snap: &ClusterSnapshot) -> String {
    snap.versions.iter().filter(|v| v.weight > 0.0).map(|v| format!("{} {:.0} %", v.name, v.weight * 100.0)).collect::<Vec<_>>().join(" · ")
}

fn draw(canvas: &web_sys::HtmlCanvasElement, snap: &ClusterSnapshot, p: &Palette, lang: Lang) -> Option<Geometry> {
    let s = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).clamp(1.0, 3.0);
    let width = canvas.client_width().max(240);
    let h = height(snap, width);
    let (bw, bh) = ((width as f64 * s).round() as u32, (h as f64 * s).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let root = CanvasBackend::with_canvas_object(canvas.clone())?.into_drawing_area();
    let _ = root.fill(&rgb(p.background));
    let paint = Painter { root: &root, p, s, lang, targets: Default::default() };
    let max_share = snap.pods.iter().map(|p| p.share).fold(0.0, f64::max);
    // The load balancer.
    paint.box_(PAD, PAD, width - 2 * PAD, 42);
    paint.text(S::LoadBalancer.t(lang), PAD + 6, PAD + 4, 12, p.text, true);
    paint.text(&balancer_line(snap), PAD + 6, PAD + 22, 12, p.text, false);
    let mut y = 58;
    if snap.nodes.is_empty() {
        let pods: Vec<&PodView> = snap.pods.iter().filter(|p| p.status != PodStatus::Pending).collect();
        let h = 24 + pods_height(pods.len(), width - 2 * PAD) + PAD;
        paint.box_(PAD, y, width - 2 * PAD, h);
        paint.text(S::Pods.t(lang), PAD + 6, y + 5, 12, p.text, true);
        paint.pods(&pods, PAD, y + 24, width - 2 * PAD, max_share);
        y += h + PAD;
    } else {
        let l = layout(width, snap.zones.len());
        for chunk in snap.zones.chunks(l.cols as usize) {
            let row_h = chunk.iter().map(|z| zone_height(snap, z, l.zone_w)).max().unwrap_or(0);
            for (c, zone) in chunk.iter().enumerate() {
                let x = PAD + c as i32 * (l.zone_w + PAD);
                paint.box_(x, y, l.zone_w, row_h);
                let name = if zone.is_empty() { S::Nodes.t(lang).to_string() } else { format!("{} {zone}", S::Zone.t(lang)) };
                paint.text(&name, x + 6, y + 5, 12, p.text, true);
                let mut ny = y + 24;
                for n in (0..snap.nodes.len()).filter(|&n| &snap.nodes[n].zone == zone) {
                    ny += paint.node(snap, n, x + PAD, ny, l.zone_w - 2 * PAD, max_share) + PAD;
                }
            }
            y += row_h + PAD;
        }
    }
    let pending: Vec<&PodView> = snap.pods.iter().filter(|p| p.status == PodStatus::Pending).collect();
    if !pending.is_empty() {
        let h = 24 + pods_height(pending.len(), width - 2 * PAD) + PAD;
        paint.rect(PAD, y, width - 2 * PAD, h, rgb(ORANGE).mix(0.08), Some((rgb(ORANGE).mix(1.0), 2)));
        paint.text(&format!("{} ({})", S::PodPending.t(lang), pending.len()), PAD + 6, y + 5, 12, p.text, true);
        paint.pods(&pending, PAD, y + 24, width - 2 * PAD, max_share);
        y += h + PAD;
    }
    if snap.cache_hit_ratio.is_some() || snap.database.is_some() {
        let w = (width - 3 * PAD) / 2;
        if let Some(r) = snap.cache_hit_ratio {
            paint.box_(PAD, y, w, 48);
            paint.text(
                &format!("{} · {} {:.0} %", S::Cache.t(lang), S::SeriesCacheHit.t(lang), r * 100.0),
                PAD + 6,
                y + 5,
                12,
                p.text,
                false,
            );
            paint.bar(PAD + 6, y + 28, w - 12, r, SERIES[5]);
        }
        if let Some(db) = &snap.database {
            let x = PAD * 2 + w;
            paint.box_(x, y, w, 48);
            let line = format!("{} · {}/{} · {} {}", S::Database.t(lang), db.in_use, db.connections, S::DbWaiting.t(lang), db.waiting);
            paint.text(&line, x + 6, y + 5, 12, p.text, false);
            paint.bar(x + 6, y + 28, w - 12, db.in_use as f64 / db.connections.max(1) as f64, SERIES[3]);
        }
    }
    root.present().ok()?;
    Some(Geometry { balancer: ((width / 2) as f64, (PAD + 42) as f64), targets: paint.targets.into_inner() })
}

struct Dot {
    from: (f64, f64),
    to: (f64, f64),
    born: f64,
    failed: bool,
}

/// Milliseconds a dot takes from the balancer to its pod.
const FLIGHT_MS: f64 = 700.0;
/// Dots started per real second at most (each stands for many requests).
const DOTS_PER_S: f64 = 40.0;

fn reduced_motion() -> bool {
    web_sys::window().and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten()).is_some_and(|m| m.matches())
}

/// One frame of the flow: start new dots for `dt` ms of requests, draw the ones in flight.
fn flow_frame(canvas: &web_sys::HtmlCanvasElement, dots: &mut Vec<Dot>, geo: &Geometry, rates: (f64, f64), now: f64, dt: f64) {
    use wasm_bindgen::JsCast;
    let s = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).clamp(1.0, 3.0);
    let (offered, failed) = rates;
    let total: f64 = geo.targets.iter().map(|t| t.2).sum();
    let expected = offered.min(DOTS_PER_S) * dt / 1000.0;
    let mut n = expected.floor() as usize + usize::from(js_sys::Math::random() < expected.fract());
    while n > 0 && total > 0.0 {
        n -= 1;
        let mut pick = js_sys::Math::random() * total;
        let target = geo.targets.iter().find(|t| {
            pick -= t.2;
            pick <= 0.0
        });
        if let Some(t) = target.or(geo.targets.last()) {
            let bad = offered > 0.0 && js_sys::Math::random() < failed / offered;
            dots.push(Dot { from: geo.balancer, to: (t.0, t.1), born: now, failed: bad });
        }
    }
    dots.retain(|d| now - d.born < FLIGHT_MS);
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()) else {
        return;
    };
    ctx.clear_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    for d in dots.iter() {
        let f = ((now - d.born) / FLIGHT_MS).clamp(0.0, 1.0);
        let (x, y) = ((d.from.0 + (d.to.0 - d.from.0) * f) * s, (d.from.1 + (d.to.1 - d.from.1) * f) * s);
        if d.failed {
            let r = 4.0 * s;
            ctx.set_stroke_style_str("rgb(213,94,0)");
            ctx.set_line_width(2.0 * s);
            ctx.begin_path();
            ctx.move_to(x - r, y - r);
            ctx.line_to(x + r, y + r);
            ctx.move_to(x + r, y - r);
            ctx.line_to(x - r, y + r);
            ctx.stroke();
        } else {
            ctx.set_fill_style_str("rgb(0,158,115)");
            ctx.begin_path();
            let _ = ctx.arc(x, y, 3.0 * s, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
    }
}

#[component]
pub fn ClusterView(run: Run, marker: RwSignal<Option<f64>>) -> impl IntoView {
    let ctx = crate::use_ctx();
    let (lang, theme) = (ctx.lang, ctx.theme);
    let canvas = NodeRef::<Canvas>::new();
    let flow = NodeRef::<Canvas>::new();
    let geometry = StoredValue::new_local(Geometry::default());
    let rates = StoredValue::new((0.0f64, 0.0f64));
    // Each start of the flow gets a number; an older loop that sees a newer one stops.
    let generation = StoredValue::new(0u64);
    let snap = Memo::new(move |_| {
        run.track();
        run.redraw.track();
        run.snapshot_at(marker.get())
    });
    // Drawn in a task of its own, after the frame that published the new second; at full
    // speed at most once a second (the picture would only blur, and the frames are the run's).
    let last_draw = StoredValue::new(f64::NEG_INFINITY);
    Effect::new(move |_| {
        let (l, palette, shown) = (lang.get(), theme.get().palette(), snap.get());
        let now = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
        if run.phase.get() == Phase::Running && run.speed.get_untracked() == 0 && now - last_draw.get_value() < 1000.0 {
            return;
        }
        last_draw.set_value(now);
        if let (Some(c), Some(s)) = (canvas.get(), shown) {
            set_timeout(
                move || {
                    if let Some(g) = draw(&c, &s, &palette, l) {
                        geometry.try_set_value(g);
                    }
                },
                std::time::Duration::ZERO,
            );
        }
        if let Some(s) = run.last_second().and_then(|t| run.sample_at(t)) {
            rates.set_value((s.offered_rps, s.failed_rps));
        }
    });
    // The flow runs while the run plays at 5× or slower, live (not scrubbed back).
    let flowing =
        move || run.phase.get() == Phase::Running && (1..=5).contains(&run.speed.get()) && marker.get().is_none() && !reduced_motion();
    Effect::new(move |_| {
        if !flowing() {
            return;
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let go = Signal::derive(move || flowing() && generation.try_get_value() == Some(mine));
        let dots = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Dot>::new()));
        let last = std::rc::Rc::new(std::cell::Cell::new(None::<f64>));
        fn tick(
            flow: NodeRef<Canvas>,
            geometry: StoredValue<Geometry, LocalStorage>,
            rates: StoredValue<(f64, f64)>,
            go: Signal<bool>,
            dots: std::rc::Rc<std::cell::RefCell<Vec<Dot>>>,
            last: std::rc::Rc<std::cell::Cell<Option<f64>>>,
        ) {
            // Gone with its view (a zoomed replay closed): the loop ends.
            let Some(c) = flow.try_get_untracked().flatten() else { return };
            let (w, h) = (c.client_width(), c.client_height());
            let s = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).clamp(1.0, 3.0);
            let (bw, bh) = ((w as f64 * s).round() as u32, (h as f64 * s).round() as u32);
            if c.width() != bw || c.height() != bh {
                c.set_width(bw);
                c.set_height(bh);
            }
            let now = web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
            let dt = last.get().map_or(16.0, |l| (now - l).clamp(0.0, 100.0));
            last.set(Some(now));
            if !go.try_get_untracked().unwrap_or(false) {
                dots.borrow_mut().clear();
                flow_frame(&c, &mut dots.borrow_mut(), &Geometry::default(), (0.0, 0.0), now, dt);
                return;
            }
            let Some(geo) = geometry.try_with_value(|g| g.clone()) else { return };
            flow_frame(&c, &mut dots.borrow_mut(), &geo, rates.try_get_value().unwrap_or_default(), now, dt);
            request_animation_frame(move || tick(flow, geometry, rates, go, dots, last));
        }
        tick(flow, geometry, rates, go, dots, last);
    });
    // The text picture is for reading at leisure: written while the run is not moving.
    let list = move || {
        let l = lang.get();
        if run.phase.get() == Phase::Running {
            return None;
        }
        snap.get().map(|s| {
            let nodes = s
                .nodes
                .iter()
                .map(|n| {
                    let text = format!(
                        "{} ({}, {}): {}, CPU {:.0}/{} m, {} {:.0}/{} MiB, ${:.2}/h",
                        n.name,
                        n.zone,
                        n.node_type,
                        node_status(n.status).t(l),
                        n.cpu_used_m,
                        n.cpu_m,
                        S::Memory.t(l),
                        n.memory_used_mi,
                        n.memory_mi,
                        n.price_per_hour
                    );
                    view! { <li data-node=n.name.clone() data-status=snake(n.status)>{text}</li> }
                })
                .collect_view();
            let pods = s
                .pods
                .iter()
                .map(|p| {
                    let version = s.versions.get(p.version as usize).map(|v| v.name.clone()).unwrap_or_default();
                    let node = p.node.and_then(|n| s.nodes.get(n as usize)).map(|n| n.name.clone()).unwrap_or_default();
                    let text = format!(
                        "{} ({version}) {}{}: {}, {} {}, {:.0} %",
                        p.name,
                        if node.is_empty() { "" } else { "@ " },
                        node,
                        pod_status(p.status).t(l),
                        S::Queue.t(l),
                        p.queue,
                        p.share * 100.0
                    );
                    view! { <li data-pod=p.name.clone() data-status=snake(p.status) data-version=version data-node=node>{text}</li> }
                })
                .collect_view();
            view! {
                <p data-testid="cluster-balancer">{S::LoadBalancer.t(l)}": "{balancer_line(&s)}</p>
                <ul data-testid="cluster-nodes">{nodes}</ul>
                <ul data-testid="cluster-pods">{pods}</ul>
            }
        })
    };
    view! {
        <section class="cluster-view" aria-labelledby="cluster-h" data-testid="cluster-view"
            data-t=move || snap.get().map(|s| s.t.to_string()).unwrap_or_default()>
            <h2 id="cluster-h">{move || S::ClusterView.t(lang.get())}</h2>
            <div class="cluster-stage">
                <canvas id="cluster-canvas" node_ref=canvas width="400" height="300" role="img"
                    aria-label=move || S::ClusterView.t(lang.get()) aria-describedby="cluster-list"></canvas>
                <canvas class="cluster-flow" node_ref=flow aria-hidden="true"></canvas>
            </div>
            <ul class="cluster-legend" aria-hidden="true">
                {move || {
                    let l = lang.get();
                    [
                        ("ready", S::PodReady),
                        ("starting", S::PodStarting),
                        ("pending", S::PodPending),
                        ("unreachable", S::PodUnreachable),
                        ("terminating", S::PodTerminating),
                    ]
                    .into_iter()
                    .map(|(k, s)| view! { <li><span class=format!("pod-key {k}")></span>{s.t(l)}</li> })
                    .collect_view()
                }}
            </ul>
            <div id="cluster-list" class="sr-only">{list}</div>
        </section>
    }
}

/// The cluster view as a PNG data URL (for export).
pub fn png() -> Option<String> {
    use wasm_bindgen::JsCast;
    let el = web_sys::window()?.document()?.get_element_by_id("cluster-canvas")?;
    el.dyn_into::<web_sys::HtmlCanvasElement>().ok()?.to_data_url_with_type("image/png").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_side_by_side_when_they_fit_else_stacked() {
        assert_eq!(layout(1200, 3).cols, 3);
        assert_eq!(layout(360, 3).cols, 1);
        assert_eq!(layout(420, 3).cols, 2);
        assert_eq!(layout(1200, 1).cols, 1);
        assert!(per_row(ZONE_MIN) >= 4);
        assert_eq!(pods_height(0, 200), CELL + GAP);
    }

    #[test]
    fn statuses_are_snake_case() {
        assert_eq!(snake(PodStatus::CrashLoop), "crash_loop");
        assert_eq!(snake(NodeStatus::Dead), "dead");
    }
}
