use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

#[component]
pub fn LineChart(id: &'static str, points: ReadSignal<Vec<(f64, f64)>>) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let data = points.get();
        if let Some(element) = canvas.get() {
            let _ = draw(element, &data);
        }
    });
    view! { <canvas id=id node_ref=canvas width="640" height="320"></canvas> }
}

fn draw(element: web_sys::HtmlCanvasElement, data: &[(f64, f64)]) -> Result<(), Box<dyn std::error::Error>> {
    let root = CanvasBackend::with_canvas_object(element).ok_or("no canvas")?.into_drawing_area();
    root.fill(&WHITE)?;
    if data.is_empty() {
        return Ok(());
    }
    let (min, max) = data.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..data.len() as f64, min..max.max(min + 1.0))?;
    chart.configure_mesh().draw()?;
    chart.draw_series(LineSeries::new(data.iter().copied(), &BLUE))?;
    root.present()?;
    Ok(())
}
