//! When a hint applies: a test on one knob the learner can turn, or on a whole-run metric, so a
//! hint never speaks of a value the learner has already changed ("at a 90 % target…" after 60 %).
//! Written `when = { knob = "hpa.target_cpu_percent", above = 70 }`, `when = { metric =
//! "utilization", above = 0.8 }`, `when = { knob = "release.strategy", is = "canary" }`, or a list
//! of them (all must hold). Evaluated by `grade`, which has the run.

use super::validate::push;
use super::typing::reader;
use super::{Issue, Knob, KnobKind, Metric};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A knob's path (one of the scenario's `[[knobs]]`): its value in this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knob: Option<String>,
    /// A whole-run metric (the objectives' names): its measured value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// Holds when the value is strictly greater.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// Holds when the value is strictly smaller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// A choice knob: holds when it is this choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is: Option<String>,
}

impl Condition {
    /// Whether a numeric value satisfies `above` and `below` (both when both are given).
    pub fn in_bounds(&self, v: f64) -> bool {
        self.above.is_none_or(|a| v > a) && self.below.is_none_or(|b| v < b)
    }

    /// Whether a knob's value (as the document holds it) satisfies the condition.
    pub fn holds_for_value(&self, v: &toml::Value) -> bool {
        let num = v.as_float().or(v.as_integer().map(|i| i as f64));
        let text = v.as_str().map(str::to_string).or(v.as_bool().map(|b| b.to_string()));
        match (&self.is, num, text) {
            (Some(want), _, Some(t)) => *want == t && self.above.is_none() && self.below.is_none(),
            (None, Some(x), _) => self.in_bounds(x),
            _ => false,
        }
    }
}

/// `when = { … }` or `when = [{ … }, { … }]`: one condition or a list.
pub(crate) fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Condition>, D::Error> {
    let raw = super::document::value(d)?;
    let read = match raw {
        toml::Value::Table(_) => Condition::deserialize(reader(raw)).map(|c| vec![c]),
        other => Vec::<Condition>::deserialize(reader(other)),
    };
    // Say what is wrong inside the condition.
    read.map_err(|e| {
        serde::de::Error::custom(format!(
            "a condition is {{ knob = \"path\" or metric = \"name\", above = x / below = x / is = \"choice\" }} or a list of them: {}",
            e.to_string().lines().next().unwrap_or("").trim()
        ))
    })
}

/// Checks conditions at `path` (e.g. `hints.2.when`) against the scenario's knobs.
pub(super) fn validate(conditions: &[Condition], path: &str, knobs: &[Knob], issues: &mut Vec<Issue>) {
    for (j, c) in conditions.iter().enumerate() {
        let p = format!("{path}.{j}");
        if c.above.is_none() && c.below.is_none() && c.is.is_none() {
            push(issues, &p, "needs `above`, `below` or `is`");
        }
        for (name, v) in [("above", c.above), ("below", c.below)] {
            if let Some(x) = v
                && !x.is_finite()
            {
                push(issues, format!("{p}.{name}"), format!("{x} must be a finite number"));
            }
        }
        match (&c.knob, c.metric) {
            (Some(_), Some(_)) | (None, None) => {
                push(issues, &p, "give exactly one of `knob` (a knob's path) or `metric` (a whole-run metric)")
            }
            (None, Some(_)) => {
                if c.is.is_some() {
                    push(issues, format!("{p}.is"), "a metric is a number: use `above` or `below`");
                }
            }
            (Some(path_of), None) => match knobs.iter().find(|k| k.path == *path_of) {
                None => {
                    let known: Vec<&str> = knobs.iter().map(|k| k.path.as_str()).collect();
                    push(issues, format!("{p}.knob"), format!("\"{path_of}\" is not a knob of this scenario; knobs: {}", known.join(", ")));
                }
                Some(k) if k.kind == KnobKind::Choice => {
                    if c.above.is_some() || c.below.is_some() {
                        push(issues, &p, format!("`{path_of}` is a choice: use `is` (one of {})", k.choices.join(", ")));
                    }
                    if let Some(want) = &c.is
                        && !k.choices.contains(want)
                    {
                        push(
                            issues,
                            format!("{p}.is"),
                            format!("\"{want}\" is not a choice of `{path_of}`; choices: {}", k.choices.join(", ")),
                        );
                    }
                }
                Some(_) => {
                    if c.is.is_some() {
                        push(issues, format!("{p}.is"), format!("`{path_of}` is a number: use `above` or `below`"));
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_strict_and_both_apply() {
        let c = Condition { above: Some(70.0), below: Some(90.0), ..Default::default() };
        assert!(c.in_bounds(80.0));
        assert!(!c.in_bounds(70.0) && !c.in_bounds(90.0) && !c.in_bounds(95.0));
    }

    #[test]
    fn choice_conditions_compare_strings_and_booleans() {
        let c = Condition { is: Some("canary".into()), ..Default::default() };
        assert!(c.holds_for_value(&toml::Value::String("canary".into())));
        assert!(!c.holds_for_value(&toml::Value::String("blue_green".into())));
        let b = Condition { is: Some("false".into()), ..Default::default() };
        assert!(b.holds_for_value(&toml::Value::Boolean(false)));
        assert!(!b.holds_for_value(&toml::Value::Boolean(true)));
        let n = Condition { above: Some(5.0), ..Default::default() };
        assert!(n.holds_for_value(&toml::Value::Integer(6)) && !n.holds_for_value(&toml::Value::Integer(5)));
        assert!(!n.holds_for_value(&toml::Value::String("6".into())));
    }

    #[test]
    fn one_condition_or_a_list_and_the_error_says_what_is_wrong_inside() {
        let read = |src: &str| one_or_many(reader(src.parse::<toml::Table>().unwrap().remove("when").unwrap()));
        let one = read("when = { knob = \"a.b\", above = 1 }").unwrap();
        assert_eq!(one, vec![Condition { knob: Some("a.b".into()), above: Some(1.0), ..Default::default() }]);
        assert_eq!(read("when = [{ knob = \"a.b\", above = 1 }, { metric = \"utilization\", below = 0.5 }]").unwrap().len(), 2);
        let lead = "a condition is { knob = \"path\" or metric = \"name\", above = x / below = x / is = \"choice\" } or a list of them: ";
        let e = read("when = { metric = \"utilisation\", above = 1 }").unwrap_err().to_string();
        assert!(e.starts_with(lead) && e.contains("unknown variant `utilisation`"), "{e}");
        let e = read("when = [{ knob = \"a.b\", abvoe = 1 }]").unwrap_err().to_string();
        assert!(e.starts_with(lead) && e.contains("unknown field `abvoe`"), "{e}");
        let e = read("when = \"a.b\"").unwrap_err().to_string();
        assert!(e.starts_with(lead) && e.contains("expected a sequence"), "{e}");
    }
}
