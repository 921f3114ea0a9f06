//! The traffic shape a scenario's `[traffic]` fields describe, checked field by field: which
//! fields each kind needs, which it may take with a default, and their ranges.

use super::validate::limits::*;
use super::validate::{Issues, check_len, check_positive_to, check_range, push};
use super::*;

/// Which shape fields each kind needs, and which it may take with a default.
fn shape_fields(kind: ShapeKind) -> (&'static [&'static str], &'static [(&'static str, f64)]) {
    match kind {
        ShapeKind::Constant => (&["rps"], &[]),
        ShapeKind::Ramp => (&["from_rps", "to_rps", "duration_s"], &[("start_s", 0.0)]),
        ShapeKind::Step => (&["from_rps", "to_rps", "at_s"], &[]),
        ShapeKind::Spike => (&["base_rps", "peak_rps", "at_s", "duration_s"], &[]),
        ShapeKind::FlashSale => (&["base_rps", "peak_rps", "at_s"], &[("ramp_s", 10.0), ("hold_s", 60.0), ("decay_s", 120.0)]),
        ShapeKind::DailyCycle => (&["min_rps", "max_rps"], &[("period_s", 86_400.0), ("peak_at_s", 50_400.0)]),
        ShapeKind::Staged => (&["stages"], &[("start_rps", 0.0)]),
    }
}

fn shape_values(s: &ShapeSpec) -> [(&'static str, Option<f64>); 16] {
    [
        ("rps", s.rps),
        ("from_rps", s.from_rps),
        ("to_rps", s.to_rps),
        ("start_s", s.start_s),
        ("duration_s", s.duration_s),
        ("at_s", s.at_s),
        ("base_rps", s.base_rps),
        ("peak_rps", s.peak_rps),
        ("ramp_s", s.ramp_s),
        ("hold_s", s.hold_s),
        ("decay_s", s.decay_s),
        ("min_rps", s.min_rps),
        ("max_rps", s.max_rps),
        ("period_s", s.period_s),
        ("peak_at_s", s.peak_at_s),
        ("start_rps", s.start_rps),
    ]
}

/// Builds the runtime shape, or says which field is missing, extra or out of range.
fn shape_from_spec(s: &ShapeSpec, issues: &mut Issues) -> Option<Shape> {
    let path = "traffic.shape";
    let Some(kind) = s.kind else {
        push(issues, format!("{path}.kind"), "required; one of constant, ramp, step, spike, flash_sale, daily_cycle, staged");
        return None;
    };
    let (required, optional) = shape_fields(kind);
    let values = shape_values(s);
    let kind_name = format!("{kind:?}");
    let allowed: Vec<&str> = required.iter().copied().chain(optional.iter().map(|o| o.0)).collect();
    let mut ok = true;
    for (name, v) in values.iter() {
        if v.is_some() && !allowed.contains(name) {
            push(issues, format!("{path}.{name}"), format!("not used by kind {kind_name}; it takes: {}", allowed.join(", ")));
            ok = false;
        }
        if let Some(x) = v {
            let hi = if *name == "rps" || name.ends_with("_rps") { MAX_RPS } else { MAX_SPAN_S };
            let before = issues.len();
            check_range(issues, &format!("{path}.{name}"), *x, 0.0, hi);
            ok &= issues.len() == before;
        }
    }
    if s.stages.is_some() && kind != ShapeKind::Staged {
        push(issues, format!("{path}.stages"), format!("only used by kind staged, not {kind_name}"));
        ok = false;
    }
    for name in required.iter().filter(|n| **n != "stages") {
        if values.iter().any(|(n, v)| n == name && v.is_none()) {
            push(issues, format!("{path}.{name}"), format!("required for kind {kind_name} (it takes: {})", allowed.join(", ")));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let get = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
            .or_else(|| optional.iter().find(|o| o.0 == name).map(|o| o.1))
            .unwrap_or(0.0)
    };
    Some(match kind {
        ShapeKind::Constant => Shape::Constant { rps: get("rps") },
        ShapeKind::Ramp => {
            Shape::Ramp { from_rps: get("from_rps"), to_rps: get("to_rps"), start_s: get("start_s"), duration_s: get("duration_s") }
        }
        ShapeKind::Step => Shape::Step { from_rps: get("from_rps"), to_rps: get("to_rps"), at_s: get("at_s") },
        ShapeKind::Spike => {
            Shape::Spike { base_rps: get("base_rps"), peak_rps: get("peak_rps"), at_s: get("at_s"), duration_s: get("duration_s") }
        }
        ShapeKind::FlashSale => Shape::FlashSale {
            base_rps: get("base_rps"),
            peak_rps: get("peak_rps"),
            at_s: get("at_s"),
            ramp_s: get("ramp_s"),
            hold_s: get("hold_s"),
            decay_s: get("decay_s"),
        },
        ShapeKind::DailyCycle => {
            let period = get("period_s");
            if period <= 0.0 {
                push(issues, format!("{path}.period_s"), "must be positive");
                return None;
            }
            Shape::DailyCycle { min_rps: get("min_rps"), max_rps: get("max_rps"), period_s: period, peak_at_s: get("peak_at_s") }
        }
        ShapeKind::Staged => {
            let stages = s.stages.clone().unwrap_or_default();
            if stages.is_empty() {
                push(issues, format!("{path}.stages"), "required for kind Staged: a list of { target_rps, duration_s }");
                return None;
            }
            check_len(issues, &format!("{path}.stages"), stages.len(), MAX_LIST);
            for (i, st) in stages.iter().enumerate() {
                check_range(issues, &format!("{path}.stages.{i}.target_rps"), st.target_rps, 0.0, MAX_RPS);
                check_positive_to(issues, &format!("{path}.stages.{i}.duration_s"), st.duration_s, MAX_SPAN_S);
            }
            Shape::Staged { start_rps: get("start_rps"), stages }
        }
    })
}

pub(super) fn build_shape(sc: &Scenario) -> Result<Shape, Issues> {
    let mut issues = Issues::new();
    let t = &sc.traffic;
    let shape = match (&t.shape, t.preset) {
        (Some(_), Some(_)) => {
            push(&mut issues, "traffic", "give either `shape` or `preset`, not both");
            None
        }
        (Some(s), None) => shape_from_spec(s, &mut issues),
        (None, Some(p)) => match t.base_rps {
            // Presets go up to ten times the base (breakpoint).
            Some(b) if b.is_finite() && b > 0.0 && b <= MAX_RPS / 10.0 => Some(p.shape(b, sc.duration_s as f64)),
            Some(b) => {
                push(&mut issues, "traffic.base_rps", format!("{b} is out of range; allowed more than 0 up to {}", MAX_RPS / 10.0));
                None
            }
            None => {
                push(&mut issues, "traffic.base_rps", "required with a preset: the expected load in requests per second");
                None
            }
        },
        (None, None) if t.model == TrafficModel::Closed => Some(Shape::Constant { rps: 0.0 }),
        (None, None) => {
            push(
                &mut issues,
                "traffic",
                format!("an open model needs `shape = {{ kind = ..., ... }}` or `preset` (one of {})", Preset::NAMES),
            );
            None
        }
    };
    match shape {
        Some(s) if issues.is_empty() => Ok(s),
        _ => Err(issues),
    }
}
