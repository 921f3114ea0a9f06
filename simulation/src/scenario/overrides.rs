//! Knob overrides: `path=value` applied to the TOML document before deserialisation, so the
//! runner's `--set`, the app's sliders and the knobs' reference values share one mechanism.

use super::*;

/// What the app shows when it had to move a value into the knob's range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notice {
    pub path: String,
    pub requested: f64,
    pub applied: f64,
    pub message: String,
}

impl Knob {
    /// Clamps into [min, max] (and to a whole number for integer knobs), with a notice if moved.
    pub fn clamp(&self, value: f64) -> (f64, Option<Notice>) {
        let lo = self.min.unwrap_or(f64::NEG_INFINITY);
        let hi = self.max.unwrap_or(f64::INFINITY);
        let mut v = if value.is_nan() { lo.max(0.0).min(hi) } else { value.clamp(lo, hi) };
        if self.kind == KnobKind::Integer {
            v = libm::round(v);
        }
        let notice = (v != value).then(|| Notice {
            path: self.path.clone(),
            requested: value,
            applied: v,
            message: format!("{} = {value} is outside {lo}..{hi}; using {v}", self.path),
        });
        (v, notice)
    }

    fn range_text(&self) -> String {
        let unit = self.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        match self.kind {
            KnobKind::Choice => format!("one of {}", self.choices.join(", ")),
            _ => format!("{} to {}{unit}", fmt_num(self.min), fmt_num(self.max)),
        }
    }

    /// Checks a new value against the knob's kind and range.
    pub fn check(&self, value: &toml::Value) -> Result<(), String> {
        let num = value.as_float().or(value.as_integer().map(|x| x as f64));
        match self.kind {
            // Choices are written as strings; a boolean field's choices are "true" and "false".
            KnobKind::Choice => match value.as_str().map(str::to_string).or(value.as_bool().map(|b| b.to_string())) {
                Some(s) if self.choices.contains(&s) => Ok(()),
                _ => Err(format!("{} is not allowed; allowed: {}", show(value), self.range_text())),
            },
            KnobKind::Integer | KnobKind::Number => {
                let Some(v) = num else {
                    return Err(format!("{} is not a number; allowed: {}", show(value), self.range_text()));
                };
                if self.kind == KnobKind::Integer && v.fract() != 0.0 {
                    return Err(format!("{} is not a whole number; allowed: {}", show(value), self.range_text()));
                }
                let (_, moved) = self.clamp(v);
                match moved {
                    Some(_) => Err(format!("{} is out of range; allowed: {}", show(value), self.range_text())),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A TOML value as the author would write it.
pub(crate) fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn fmt_num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "any".into())
}

/// Reads a command-line value: TOML syntax if it parses (`6`, `0.5`, `"x"`, `true`), else a bare string.
fn parse_raw(raw: &str) -> toml::Value {
    format!("v = {raw}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v")).unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// The value at a dotted path (numeric segments index lists), if there is one.
pub fn lookup<'a>(doc: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(doc, |node, seg| match node {
        toml::Value::Table(t) => t.get(seg),
        toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Sets `path` (dotted; numeric segments index lists) to `raw` in `doc`, checking the type of
/// the value it replaces and the declared knob's range.
pub fn apply_override(doc: &mut toml::Value, path: &str, raw: &str, knobs: &[Knob]) -> Result<(), ScenarioError> {
    let err = |m: String| ScenarioError::one(path, m);
    let segments: Vec<&str> = path.split('.').collect();
    if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(err("not a valid path; use dotted keys like deployment.replicas or versions.1.weight".into()));
    }
    let mut value = parse_raw(raw);
    if let Some(k) = knobs.iter().find(|k| k.path == path) {
        k.check(&value).map_err(err)?;
    }
    let (last, parents) = segments.split_last().ok_or_else(|| err("empty path".into()))?;
    let mut node = &mut *doc;
    for (depth, seg) in parents.iter().enumerate() {
        let here = segments[..=depth].join(".");
        node = match node {
            toml::Value::Table(t) => t.get_mut(*seg).ok_or_else(|| ScenarioError::one(&here, "no such section in this scenario"))?,
            toml::Value::Array(a) => {
                let i: usize = seg.parse().map_err(|_| ScenarioError::one(&here, "is a list; use a number to pick an entry"))?;
                let n = a.len();
                a.get_mut(i).ok_or_else(|| ScenarioError::one(&here, format!("index {i} is past the end (the list has {n})")))?
            }
            other => return Err(ScenarioError::one(&here, format!("is {}, not a section", type_name(other)))),
        };
    }
    let slot: &mut toml::Value = match node {
        toml::Value::Table(t) => {
            if !t.contains_key(*last) {
                t.insert(last.to_string(), value);
                return Ok(());
            }
            t.get_mut(*last).ok_or_else(|| err("missing".into()))?
        }
        toml::Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| err("the parent is a list; use a number".into()))?;
            let n = a.len();
            a.get_mut(i).ok_or_else(|| err(format!("index {i} is past the end (the list has {n})")))?
        }
        other => return Err(err(format!("the parent is {}, not a section", type_name(other)))),
    };
    // Keep the document's type: integers may go where numbers are, whole numbers where integers are.
    value = match (&*slot, value) {
        (toml::Value::Float(_), toml::Value::Integer(i)) => toml::Value::Float(i as f64),
        (toml::Value::Integer(_), toml::Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9e15 => toml::Value::Integer(f as i64),
        (old, new) if std::mem::discriminant(old) == std::mem::discriminant(&new) => new,
        (toml::Value::Table(_), _) => return Err(err("is a section; set one of its fields instead".into())),
        (old, new) => return Err(err(format!("expects {} (like {}), got {}", type_name(old), show(old), type_name(&new)))),
    };
    *slot = value;
    Ok(())
}
