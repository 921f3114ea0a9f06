//! Knob overrides: `path=value` applied to the TOML document before deserialisation, so the
//! runner's `--set`, the app's sliders and the knobs' reference values share one mechanism.

use super::*;

/// What the app shows when it had to move a value into the knob's range (or round it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notice {
    pub path: String,
    pub requested: f64,
    pub applied: f64,
    /// In English (the runner's), and in Korean for the app.
    pub message: String,
    pub message_ko: String,
}

impl Knob {
    /// The knob's unit as a learner reads it, in both languages (the scenario writes it in English).
    pub fn unit_text(&self) -> Text {
        let en = self.unit.clone().unwrap_or_default();
        let ko = match en.as_str() {
            "pods" => "파드",
            "nodes" => "노드",
            "connections" => "연결",
            "users" => "명",
            "requests" => "요청",
            "workers" => "워커",
            "rps" => "요청/초",
            other => other,
        };
        Text { ko: ko.to_string(), en }
    }

    /// Clamps into [min, max] (and to a whole number for integer knobs), with a notice if moved.
    pub fn clamp(&self, value: f64) -> (f64, Option<Notice>) {
        // Never panics, even on bounds validation would reject (NaN, min above max).
        let lo = self.min.filter(|x| !x.is_nan()).unwrap_or(f64::NEG_INFINITY);
        let hi = self.max.filter(|x| !x.is_nan()).unwrap_or(f64::INFINITY);
        let mut v = if value.is_nan() { lo.max(0.0).min(hi) } else { value.max(lo).min(hi) };
        if self.kind == KnobKind::Integer {
            v = libm::round(v);
        }
        let notice = (v != value).then(|| {
            let (label, ko) = (&self.label.en, &self.label.ko);
            let (asked, used) = (number_text(value), number_text(v));
            // Inside the range, only rounding moved it: say so, not "outside".
            let (message, message_ko) = if value >= lo && value <= hi {
                (
                    format!("{label} = {asked}: a whole number is needed; rounded to {used}"),
                    format!("{ko} = {asked}: 정수만 쓸 수 있어 {used}(으)로 반올림했습니다"),
                )
            } else {
                let (range, range_ko) = self.range_words();
                (
                    format!("{label} = {asked} is outside {range}; using {used}"),
                    format!("{ko} = {asked}: 허용 범위 {range_ko}를 벗어나 {used}을(를) 씁니다"),
                )
            };
            Notice { path: self.path.clone(), requested: value, applied: v, message, message_ko }
        });
        (v, notice)
    }

    /// The allowed range in words, English and Korean: `1 to 30 %`, `1~30 %`.
    fn range_words(&self) -> (String, String) {
        let unit = self.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
        let (lo, hi) = (self.min.map(number_text), self.max.map(number_text));
        match (lo, hi) {
            (Some(lo), Some(hi)) => (format!("{lo} to {hi}{unit}"), format!("{lo}~{hi}{unit}")),
            (Some(lo), None) => (format!("at least {lo}{unit}"), format!("{lo}{unit} 이상")),
            (None, Some(hi)) => (format!("at most {hi}{unit}"), format!("{hi}{unit} 이하")),
            (None, None) => (String::new(), String::new()),
        }
    }

    /// Reads what a learner typed (or a link carried) for this knob: the value to use, as the
    /// control shows it, with a notice if it was moved; or why it cannot be used (both languages).
    pub fn accept(&self, raw: &str) -> Result<(String, Option<Notice>), Text> {
        let (label, ko) = (&self.label.en, &self.label.ko);
        match self.kind {
            KnobKind::Choice if self.choices.iter().any(|c| c == raw) => Ok((raw.to_string(), None)),
            KnobKind::Choice => Err(Text {
                en: format!("{label} = {raw:?} is not one of the choices; keeping the current value"),
                ko: format!("{ko} = {raw:?}: 선택지에 없는 값이라 지금 값을 그대로 둡니다"),
            }),
            KnobKind::Integer | KnobKind::Number => match raw.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    let (applied, notice) = self.clamp(v);
                    Ok((self.value_text(applied), notice))
                }
                _ => Err(Text {
                    en: format!("{label} = {raw:?} is not a number; keeping the current value"),
                    ko: format!("{ko} = {raw:?}: 숫자가 아니라 지금 값을 그대로 둡니다"),
                }),
            },
        }
    }

    /// A value as the knob's control shows it (integers without a decimal point).
    pub fn value_text(&self, v: f64) -> String {
        if self.kind == KnobKind::Integer || v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }
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

impl Scenario {
    /// A knob's choice as the learner reads it: a node type with its vCPU, memory and price, a
    /// release strategy by name, a switch as yes/no or on/off; anything else as written.
    pub fn choice_text(&self, path: &str, value: &str) -> Text {
        let text = |en: String, ko: String| Text { ko, en };
        if path.ends_with("node_type")
            && let Some(t) = self.cluster.as_ref().and_then(|c| c.node_type(value))
        {
            let vcpu = number_text(f64::from(t.cpu_m) / 1000.0);
            let gib = number_text(f64::from(t.memory_mi) / 1024.0);
            return text(
                format!("{value}: {vcpu} vCPU, {gib} GiB, ${:.2}/h", t.price_per_hour),
                format!("{value}: vCPU {vcpu}개, 메모리 {gib} GiB, 시간당 ${:.2}", t.price_per_hour),
            );
        }
        if path.ends_with("strategy")
            && let Ok(s) = toml::Value::String(value.to_string()).try_into::<ReleaseStrategy>()
        {
            return text(s.name().into(), s.name_ko().into());
        }
        if path.starts_with("pipeline.roles.")
            && let Ok(r) = toml::Value::String(value.to_string()).try_into::<permissions::Role>()
        {
            let (en, ko) = r.describe();
            return text(format!("{value}: {en}"), format!("{value}: {ko}"));
        }
        match value {
            "true" => text("yes".into(), "예".into()),
            "false" => text("no".into(), "아니요".into()),
            "on" => text("on".into(), "켬".into()),
            "off" => text("off".into(), "끔".into()),
            other => text(other.into(), other.into()),
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

/// A number as a person writes it: no `.0` on whole numbers, thousands separated.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { crate::report::thousands(v as i64) } else { format!("{v}") }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn knob(kind: KnobKind) -> Knob {
        Knob {
            path: "deployment.replicas".into(),
            label: Text { ko: "레플리카 수".into(), en: "Replicas".into() },
            kind,
            min: Some(1.0),
            max: Some(30.0),
            step: None,
            unit: None,
            choices: vec![],
            reference: toml::Value::Integer(4),
        }
    }

    #[test]
    fn choices_read_as_words_node_types_with_their_size_and_price() {
        let sc = Scenario::from_toml_str(include_str!("../../../content/scenarios/flash-sale-scale-out.toml")).unwrap();
        let t = sc.choice_text("cluster.node_groups.0.node_type", "large");
        assert_eq!(t.en, "large: 8 vCPU, 32 GiB, $0.40/h");
        assert_eq!(t.ko, "large: vCPU 8개, 메모리 32 GiB, 시간당 $0.40");
        assert_eq!(sc.choice_text("release.strategy", "rolling_update").ko, "롤링 업데이트");
        assert_eq!(sc.choice_text("release.traffic_router", "false").en, "no");
        assert_eq!(sc.choice_text("service.balancer", "round_robin").en, "round_robin");
    }

    #[test]
    fn rounding_inside_the_range_says_rounded_not_outside() {
        let (v, n) = knob(KnobKind::Integer).clamp(3.5);
        let n = n.expect("a notice");
        assert_eq!(v, 4.0);
        assert!(n.message.contains("rounded to 4") && !n.message.contains("outside"), "{}", n.message);
        assert!(n.message_ko.contains("반올림") && n.message_ko.contains("레플리카 수"), "{}", n.message_ko);
    }

    #[test]
    fn out_of_range_names_the_range_in_both_languages() {
        let (v, n) = knob(KnobKind::Integer).clamp(1999.0);
        let n = n.expect("a notice");
        assert_eq!(v, 30.0);
        assert_eq!(n.message, "Replicas = 1,999 is outside 1 to 30; using 30");
        assert!(n.message_ko.contains("1~30") && n.message_ko.contains("1,999"), "{}", n.message_ko);
        assert_eq!(knob(KnobKind::Integer).clamp(7.0).1, None);
    }

    #[test]
    fn accept_reads_numbers_and_choices_and_refuses_the_rest_in_both_languages() {
        assert_eq!(knob(KnobKind::Integer).accept(" 6 ").unwrap(), ("6".to_string(), None));
        assert_eq!(knob(KnobKind::Number).accept("2.5").unwrap().0, "2.5");
        let (v, n) = knob(KnobKind::Integer).accept("3.5").unwrap();
        assert!(v == "4" && n.is_some());
        for bad in ["abc", "NaN", "inf", ""] {
            let e = knob(KnobKind::Integer).accept(bad).unwrap_err();
            assert!(e.en.contains("not a number") && e.ko.contains("숫자가 아니"), "{bad}: {e:?}");
        }
        let choice = Knob { kind: KnobKind::Choice, choices: vec!["a".into(), "b".into()], ..knob(KnobKind::Choice) };
        assert_eq!(choice.accept("b").unwrap(), ("b".to_string(), None));
        assert!(choice.accept("c").is_err());
    }
}
