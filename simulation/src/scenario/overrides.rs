//! Knob overrides: `path=value` applied to the TOML document before deserialisation, so the
//! runner's `--set`, the app's sliders and the knobs' reference values share one mechanism.

use super::knobs::show;
use super::*;

/// Reads a command-line value: TOML syntax if it parses (`6`, `0.5`, `"x"`, `true`), else a bare
/// string. Without a TOML parser (the browser's build) as JSON, which reads every value a knob's
/// control writes as TOML does (a test holds it).
fn parse_raw(raw: &str) -> toml::Value {
    #[cfg(feature = "toml-text")]
    let value = format!("v = {raw}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v"));
    #[cfg(not(feature = "toml-text"))]
    let value = read_json(raw);
    value.unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

#[cfg_attr(all(feature = "toml-text", not(test)), allow(dead_code))]
fn read_json(raw: &str) -> Option<toml::Value> {
    document_from_json(raw).ok()
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

/// Sets `path` (dotted; numeric segments index lists) to `raw` in `doc`, checking the type of
/// the value it replaces and the declared knob's range.
pub fn apply_override(doc: &mut toml::Value, path: &str, raw: &str, knobs: &[Knob]) -> Result<(), ScenarioError> {
    let err = |m: String| ScenarioError::one(path, m);
    let segments: Vec<&str> = path.split('.').collect();
    if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(err("not a valid path; use dotted keys like deployment.replicas or versions.1.weight".into()));
    }
    let mut value = parse_raw(raw);
    let knob = knobs.iter().find(|k| k.path == path);
    if let Some(k) = knob {
        k.check(&value).map_err(err)?;
    }
    let number_knob = knob.is_some_and(|k| k.kind == KnobKind::Number);
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
        // A number knob's field the file wrote whole (`refill_s = 60`) takes a fraction.
        (toml::Value::Integer(_), toml::Value::Float(f)) if number_knob => toml::Value::Float(f),
        (old, new) if std::mem::discriminant(old) == std::mem::discriminant(&new) => new,
        (toml::Value::Table(_), _) => return Err(err("is a section; set one of its fields instead".into())),
        (old, new) => return Err(err(format!("expects {} (like {}), got {}", type_name(old), show(old), type_name(&new)))),
    };
    *slot = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The browser reads override values as JSON: the same value as TOML for everything a knob's
    /// control writes (numbers as `Knob::accept` writes them, choices, switches, every reference).
    #[test]
    fn json_reads_knob_values_as_toml_does() {
        let toml_read = |raw: &str| format!("v = {raw}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v"));
        let mut values: Vec<String> =
            ["6", "0", "-3", "0.5", "12.25", "1e3", "0.0001", "true", "false", "rolling_update", "m5.large", "", " 7 ", "\"x\""]
                .map(String::from)
                .to_vec();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../content/scenarios");
        for f in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
            let sc = Scenario::from_toml_str(&std::fs::read_to_string(f.path()).unwrap()).unwrap();
            values.extend(sc.knobs.iter().map(|k| knobs::value_text(&k.reference)));
            values.extend(knobs::sandbox::sandbox_knobs(&sc).iter().map(|k| knobs::value_text(&k.knob.reference)));
        }
        for raw in &values {
            let bare = || toml::Value::String(raw.clone());
            assert_eq!(read_json(raw).unwrap_or_else(bare), toml_read(raw).unwrap_or_else(bare), "{raw:?}");
        }
    }
}
