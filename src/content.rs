//! The scenarios embedded at build time (`build.rs` reads `content/scenarios/*.toml` with the
//! engine's parser and embeds each document as JSON), typed and validated once by the engine. A
//! file that does not parse is listed with its errors, never dropped silently.

use simulation::Scenario;
use simulation::scenario::knobs::sandbox::{Group, sandbox_knobs};
use simulation::scenario::{Document, Knob, Text, document_from_json};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

pub struct Entry {
    pub file: &'static str,
    /// The file's document as JSON, or the engine's error when the file does not parse.
    source: Result<&'static str, &'static str>,
    pub parsed: Result<Scenario, String>,
}

impl Entry {
    pub fn id(&self) -> String {
        match &self.parsed {
            Ok(s) => s.id.clone(),
            Err(_) => self.file.trim_end_matches(".toml").to_string(),
        }
    }

    /// The file's values as written (before overrides and the engine's defaults).
    pub fn document(&self) -> Result<Document, String> {
        let json = self.source.map_err(str::to_string)?;
        document_from_json(json).map_err(|e| e.to_string())
    }
}

pub fn all() -> &'static [Entry] {
    static ALL: OnceLock<Vec<Entry>> = OnceLock::new();
    ALL.get_or_init(|| {
        SCENARIO_FILES
            .iter()
            .map(|&(file, source)| {
                let mut entry = Entry { file, source, parsed: Err(String::new()) };
                entry.parsed = entry.document().and_then(|doc| Scenario::from_document_with_overrides(doc, &[]).map_err(|e| e.to_string()));
                entry
            })
            .collect()
    })
}

pub fn find(id: &str) -> Option<&'static Entry> {
    all().iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.id == id))
}

/// The knobs a player shows for a scenario, each with its group: its own (no groups), or in the
/// sandbox the engine's whole list for its system (`knobs::sandbox`; objectives are not shown there).
pub fn knobs_for(entry: &Entry, sandbox: bool) -> Vec<(Option<Group>, Knob)> {
    let Ok(sc) = &entry.parsed else { return vec![] };
    if sandbox {
        sandbox_knobs(sc).into_iter().map(|s| (Some(s.group), s.knob)).collect()
    } else {
        sc.knobs.iter().map(|k| (None, k.clone())).collect()
    }
}

/// Builds the scenario with the learner's overrides, checked by the engine against `knobs`.
pub fn build(entry: &Entry, knobs: &[Knob], overrides: &[(String, String)]) -> Result<Scenario, Text> {
    let doc = entry.document().map_err(|e| Text { ko: e.clone(), en: e })?;
    Scenario::from_document_with_knobs(doc, knobs, overrides).map_err(|e| e.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chapters::CHAPTERS;
    use simulation::scenario::knobs::{RELEASE_ENABLED, value_text};

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
    fn sandbox_offers_the_scenarios_own_knobs_at_least_grouped() {
        for e in all() {
            let Ok(sc) = &e.parsed else { continue };
            let sandbox = knobs_for(e, true);
            assert!(sandbox.iter().all(|(g, _)| g.is_some()), "{}", e.file);
            for k in &sc.knobs {
                assert!(sandbox.iter().any(|(_, s)| s.path == k.path), "{}: {} missing in the sandbox", e.file, k.path);
            }
        }
    }

    #[test]
    fn the_sandbox_can_switch_off_a_scheduled_release_and_make_v2_good() {
        let e = find("bad-release-canary").expect("the canary scenario");
        let knobs: Vec<Knob> = knobs_for(e, true).into_iter().map(|(_, k)| k).collect();
        assert!(knobs.iter().any(|k| k.path == RELEASE_ENABLED) && knobs.iter().any(|k| k.path == "versions.1.error_rate"));
        let over = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let sc = build(e, &knobs, &over(&[(RELEASE_ENABLED, "false"), ("versions.1.error_rate", "0")])).unwrap();
        assert!(sc.release.is_none() && sc.versions[1].error_rate == 0.0);
        assert!(build(e, &knobs, &over(&[(RELEASE_ENABLED, "true")])).unwrap().release.is_some());
        // Scenarios without a release have no switch.
        let one = all().iter().find(|e| e.parsed.as_ref().is_ok_and(|s| s.release.is_none())).unwrap();
        assert!(!knobs_for(one, true).iter().any(|(_, k)| k.path == RELEASE_ENABLED));
    }
}
