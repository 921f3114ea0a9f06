//! The scenarios embedded at build time (`build.rs` lists `content/scenarios/*.toml`), parsed
//! once by the engine's own parser. A file that does not parse is listed with its errors, never
//! dropped silently.

use simulation::Scenario;
use simulation::scenario::{Knob, Text, apply_override, parse_document};
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

/// The sandbox's own knobs, beyond the scenarios': switch off a scenario's scheduled release
/// (to ship one live instead) and set the second version's error rate.
const SANDBOX_KNOBS: &str = r#"
[[knobs]]
path = "sandbox.scheduled_release"
label = { ko = "시나리오의 예약된 릴리스", en = "The scenario's scheduled release" }
kind = "choice"
choices = ["on", "off"]
reference = "on"

[[knobs]]
path = "versions.1.error_rate"
label = { ko = "두 번째 버전의 에러율", en = "Second version's error rate" }
kind = "number"
min = 0
max = 1
step = 0.01
reference = 0
"#;

/// The scheduled-release switch: not a path into the scenario, handled by [`build`].
pub const SCHEDULED_RELEASE: &str = "sandbox.scheduled_release";

fn sandbox_knobs() -> Vec<Knob> {
    #[derive(serde::Deserialize)]
    struct File {
        knobs: Vec<Knob>,
    }
    // Through `toml::Value`, like the scenarios (`toml::from_str` would add a second copy of
    // the knobs' typing code to the wasm).
    parse_document(SANDBOX_KNOBS).ok().and_then(|d| d.try_into::<File>().ok()).map(|f| f.knobs).unwrap_or_default()
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
    let mut knobs: Vec<Knob> = all_knobs().into_iter().filter(|k| value_at(&full, &k.path).is_some()).collect();
    for k in sandbox_knobs() {
        let applies = if k.path == SCHEDULED_RELEASE { sc.release.is_some() } else { value_at(&full, &k.path).is_some() };
        if applies && !knobs.iter().any(|o| o.path == k.path) {
            knobs.push(k);
        }
    }
    knobs
}

/// Without its scheduled release the first version serves everything (a weight each is then
/// required: 100 for the first, 0 for the others unless the scenario gives them).
fn switch_off_release(doc: &mut toml::Value) {
    let toml::Value::Table(t) = doc else { return };
    t.remove("release");
    // The scenario's knobs on its release go with it, and so do the hints and wrong answers
    // that speak of those knobs (the engine checks that they name a knob).
    let on_release = |p: &str| p == "release" || p.starts_with("release.");
    if let Some(toml::Value::Array(knobs)) = t.get_mut("knobs") {
        knobs.retain(|k| !k.get("path").and_then(toml::Value::as_str).is_some_and(on_release));
    }
    let conditions_on_release = |v: &toml::Value| {
        let when = v.get("when").map(|w| match w {
            toml::Value::Array(list) => list.clone(),
            one => vec![one.clone()],
        });
        when.unwrap_or_default().iter().any(|c| c.get("knob").and_then(toml::Value::as_str).is_some_and(on_release))
    };
    if let Some(toml::Value::Array(hints)) = t.get_mut("hints") {
        hints.retain(|h| !conditions_on_release(h));
    }
    if let Some(toml::Value::Array(wrong)) = t.get_mut("wrong_answers") {
        wrong.retain(|w| {
            let sets_release = w.get("set").and_then(toml::Value::as_table).is_some_and(|s| s.keys().any(|k| on_release(k)));
            !sets_release && !conditions_on_release(w)
        });
    }
    if let Some(toml::Value::Array(versions)) = t.get_mut("versions") {
        for (i, v) in versions.iter_mut().enumerate() {
            if let toml::Value::Table(v) = v {
                v.entry("weight").or_insert(toml::Value::Integer(if i == 0 { 100 } else { 0 }));
            }
        }
    }
}

/// Builds the scenario with the learner's overrides, checked by the engine against `knobs`.
pub fn build(entry: &Entry, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, Text> {
    let mut doc = parse_document(entry.src).map_err(|e| e.text())?;
    let off = overrides.iter().any(|(p, v)| p == SCHEDULED_RELEASE && v == "off");
    for (path, raw) in overrides {
        if path == SCHEDULED_RELEASE || off && path.starts_with("release.") {
            continue;
        }
        apply_override(&mut doc, path, raw, knobs).map_err(|e| e.text())?;
    }
    if off {
        switch_off_release(&mut doc);
    }
    Scenario::from_document(doc).map_err(|e| e.text())
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
        fn check(file: &str, what: &str, t: &Text) {
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
            build(e, &sc.knobs, &overrides).unwrap_or_else(|err| panic!("{}: {}", e.file, err.en));
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
    fn the_sandbox_can_switch_off_a_scheduled_release_and_make_v2_good() {
        let e = find("bad-release-canary").expect("the canary scenario");
        let knobs = knobs_for(e, true);
        assert!(knobs.iter().any(|k| k.path == SCHEDULED_RELEASE) && knobs.iter().any(|k| k.path == "versions.1.error_rate"));
        let over = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let sc = build(e, &knobs, &over(&[(SCHEDULED_RELEASE, "off"), ("versions.1.error_rate", "0")])).unwrap();
        assert!(sc.release.is_none());
        assert!(build(e, &knobs, &over(&[(SCHEDULED_RELEASE, "on")])).unwrap().release.is_some());
        // Scenarios with one version get neither.
        let one = all().iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.versions.len() < 2)).unwrap();
        assert!(!knobs_for(one, true).iter().any(|k| k.path.starts_with("sandbox.")));
    }

    #[test]
    fn value_at_walks_tables_and_lists() {
        let doc = parse_document("a = { b = [1, { c = 2 }] }").unwrap();
        assert_eq!(value_at(&doc, "a.b.1.c"), Some(&toml::Value::Integer(2)));
        assert_eq!(value_at(&doc, "a.x"), None);
    }
}
