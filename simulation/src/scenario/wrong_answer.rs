//! `[[wrong_answers]]`: the mistaken ideas a learner is likely to try, as knob settings on top of
//! the reference solution (so each fails for its own reason), the objectives each must fail and
//! the hint that explains why. The content test runs every one; the grade shows a wrong answer's
//! hint on those objectives when the learner's run matches it. Each setting is checked here
//! against its knob; that they apply together is checked by running them (the content test),
//! not on every load, which the app does at every run.

use super::condition::{self, Condition};
use super::knobs::show;
use super::validate::push;
use super::{Issue, Knob, Scenario, Text};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrongAnswer {
    pub id: String,
    pub label: Text,
    /// Knob paths and the values of this idea: `set = { "hpa.min_replicas" = 7 }` (nested
    /// tables are read as dotted paths too).
    #[serde(deserialize_with = "super::document::table")]
    pub set: toml::Table,
    /// Objective ids this idea must fail.
    pub fails: Vec<String>,
    pub hint: Text,
    /// When the hint shows in a learner's grade; omitted: when every knob of `set` has its value.
    #[serde(default, deserialize_with = "condition::one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

impl WrongAnswer {
    /// `set` as (dotted path, value) pairs, in path order.
    pub fn settings(&self) -> Vec<(String, toml::Value)> {
        fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
            for (k, v) in t {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                match v {
                    toml::Value::Table(inner) => walk(&path, inner, out),
                    other => out.push((path, other.clone())),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.set, &mut out);
        out
    }

    /// The overrides that run this idea: every knob at its reference value, then `set`.
    pub fn overrides(&self, knobs: &[Knob]) -> Vec<(String, String)> {
        let reference = knobs.iter().map(|k| (k.path.clone(), show(&k.reference)));
        reference.chain(self.settings().into_iter().map(|(p, v)| (p, show(&v)))).collect()
    }
}

pub(super) fn validate(sc: &Scenario, issues: &mut Vec<Issue>) {
    for (i, w) in sc.wrong_answers.iter().enumerate() {
        let p = format!("wrong_answers.{i}");
        if w.id.trim().is_empty() {
            push(issues, format!("{p}.id"), "must not be empty");
        }
        if sc.wrong_answers[..i].iter().any(|o| o.id == w.id) {
            push(issues, format!("{p}.id"), format!("\"{}\" is used twice; wrong answer ids must be unique", w.id));
        }
        let settings = w.settings();
        if settings.is_empty() {
            push(issues, format!("{p}.set"), "needs at least one knob path and value");
        }
        for (path, v) in &settings {
            match sc.knobs.iter().find(|k| k.path == *path) {
                None => {
                    let known: Vec<&str> = sc.knobs.iter().map(|k| k.path.as_str()).collect();
                    push(issues, format!("{p}.set.{path}"), format!("not a knob of this scenario; knobs: {}", known.join(", ")));
                }
                Some(k) => {
                    if let Err(e) = k.check(v) {
                        push(issues, format!("{p}.set.{path}"), e);
                    }
                }
            }
        }
        if w.fails.is_empty() {
            push(issues, format!("{p}.fails"), "name at least one objective id this idea must fail");
        }
        for (j, id) in w.fails.iter().enumerate() {
            if !sc.objectives.iter().any(|o| o.id == *id) {
                let ids: Vec<&str> = sc.objectives.iter().map(|o| o.id.as_str()).collect();
                push(issues, format!("{p}.fails.{j}"), format!("\"{id}\" is not an objective id; known: {}", ids.join(", ")));
            }
        }
        condition::validate(&w.when, &format!("{p}.when"), &sc.knobs, issues);
    }
}
