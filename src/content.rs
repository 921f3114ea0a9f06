//! The scenarios embedded at build time (`build.rs` lists `content/scenarios/*.toml`), parsed
//! once by the engine's own parser. A file that does not parse is listed with its errors, never
//! dropped silently.

use simulation::Scenario;
use simulation::scenario::{Knob, apply_override, parse_document};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

pub struct Entry {
    pub file: &'static str,
    pub src: &'static str,
    pub parsed: Result<Scenario, String>,
}

impl Entry {
    pub fn id(&self) -> String {
        match &self.parsed {
            Ok(s) => s.id.clone(),
            Err(_) => self.file.trim_end_matches(".toml").to_string(),
        }
    }
}

pub fn all() -> &'static [Entry] {
    static ALL: OnceLock<Vec<Entry>> = OnceLock::new();
    ALL.get_or_init(|| {
        SCENARIO_FILES
            .iter()
            .map(|(file, src)| Entry { file, src, parsed: Scenario::from_toml_str(src).map_err(|e| e.to_string()) })
            .collect()
    })
}

pub fn find(id: &str) -> Option<&'static Entry> {
    all().iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.id == id))
}

/// Every knob any scenario declares, first declaration of each path wins: the sandbox offers
/// those whose path exists in its base system.
pub fn all_knobs() -> Vec<Knob> {
    let mut out: Vec<Knob> = Vec::new();
    for s in all().iter().filter_map(|e| e.parsed.as_ref().ok()) {
        for k in &s.knobs {
            if !out.iter().any(|o| o.path == k.path) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// The value at a dotted path of a TOML document (`versions.1.weight`).
pub fn value_at<'a>(doc: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(doc, |node, seg| match node {
        toml::Value::Table(t) => t.get(seg),
        toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A knob's value as the text a control shows.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// The knobs a player shows for a scenario: its own, or in the sandbox every knob that applies
/// to its system (objectives are not shown there).
pub fn knobs_for(entry: &Entry, sandbox: bool) -> Vec<Knob> {
    let Ok(sc) = &entry.parsed else { return vec![] };
    if !sandbox {
        return sc.knobs.clone();
    }
    // Paths that exist in this system, defaults included.
    let Ok(full) = toml::Value::try_from(sc) else { return vec![] };
    all_knobs().into_iter().filter(|k| value_at(&full, &k.path).is_some()).collect()
}

/// Builds the scenario with the learner's overrides, checked by the engine against `knobs`.
pub fn build(entry: &Entry, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, String> {
    let mut doc = parse_document(entry.src).map_err(|e| e.to_string())?;
    for (path, raw) in overrides {
        apply_override(&mut doc, path, raw, knobs).map_err(|e| e.to_string())?;
    }
    Scenario::from_document(doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chapters::CHAPTERS;

    #[test]
    fn every_scenario_parses_and_is_in_a_known_chapter() {
        for e in all() {
            let sc = e.parsed.as_ref().unwrap_or_else(|err| panic!("{}: {err}", e.file));
            let chapter = crate::catalog::chapter_id(sc.chapter);
            assert!(CHAPTERS.contains(&chapter), "{}: chapter {chapter}", e.file);
        }
    }

    #[test]
    fn every_scenario_text_exists_in_both_languages() {
        fn check(file: &str, what: &str, t: &simulation::scenario::Text) {
            assert!(!t.ko.trim().is_empty(), "{file}: {what} has no Korean text");
            assert!(!t.en.trim().is_empty(), "{file}: {what} has no English text");
        }
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let f = e.file;
            check(f, "title", &sc.title);
            let story = sc.story.as_ref().unwrap_or_else(|| panic!("{f}: no story"));
            check(f, "story", story);
            for k in &sc.knobs {
                check(f, &format!("knob {}", k.path), &k.label);
            }
            for o in &sc.objectives {
                check(f, &format!("objective {}", o.id), &o.label);
            }
            for h in &sc.hints {
                check(f, &format!("hint for {}", h.objective), &h.text);
            }
            for (i, q) in sc.questions.iter().enumerate() {
                check(f, &format!("question {i}"), &q.question);
                check(f, &format!("answer {i}"), &q.answer);
            }
        }
    }

    #[test]
    fn reference_knobs_build_through_the_app_path() {
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let overrides: Vec<(String, String)> = sc.knobs.iter().map(|k| (k.path.clone(), value_text(&k.reference))).collect();
            build(e, &sc.knobs, &overrides).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        }
    }

    #[test]
    fn sandbox_offers_the_scenarios_own_knobs_at_least() {
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let sandbox = knobs_for(e, true);
            for k in &sc.knobs {
                assert!(sandbox.iter().any(|s| s.path == k.path), "{}: {} missing in the sandbox", e.file, k.path);
            }
        }
    }

    #[test]
    fn value_at_walks_tables_and_lists() {
        let doc = parse_document("a = { b = [1, { c = 2 }] }").unwrap();
        assert_eq!(value_at(&doc, "a.b.1.c"), Some(&toml::Value::Integer(2)));
        assert_eq!(value_at(&doc, "a.x"), None);
    }
}
