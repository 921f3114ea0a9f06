//! The whole state of a page in a versioned query string, so a copied link reproduces the run:
//! `?v=1&view=play&s=<scenario>&seed=7&lang=ko&k.deployment.replicas=6&act=30000000,fault,0`.
//! Live actions (`act=`, see [`crate::actions`]) are replayed at their simulated time.
//!
//! Decoding never fails: a corrupt or foreign-version query gives the defaults and a notice.
//! Knob values stay raw strings here; the player checks them against the scenario's knobs with
//! the engine's own range logic.

use crate::actions::{self, TimedAction};
use crate::i18n::Lang;
use crate::theme::Scheme;

pub const URL_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Catalog,
    Play(String),
    /// The sandbox, optionally started from a scenario's system.
    Sandbox(Option<String>),
    Compare(String),
    Glossary,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct UrlState {
    pub view: View,
    pub seed: Option<u64>,
    pub lang: Option<Lang>,
    /// Knob overrides `(dotted path, raw value)`, in the order given.
    pub knobs: Vec<(String, String)>,
    /// The second configuration on the compare page.
    pub knobs_b: Vec<(String, String)>,
    /// `embed=1`: minimal chrome for an iframe.
    pub embed: bool,
    /// `present=1`: projector theme, large type, fault hotkeys.
    pub presenter: bool,
    /// In embed mode, the sections to show (`ui=knobs,controls,charts`); empty = the default set.
    pub ui: Vec<String>,
    /// Live actions to replay, in time order.
    pub actions: Vec<TimedAction>,
    /// `theme=light|dark|auto` (an embed matching its page); an unknown value is ignored.
    pub theme: Scheme,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlNotice {
    /// The query could not be read (the reason is for the console and tests).
    Corrupt(String),
    /// The link names a format version this app does not read.
    Version(String),
    /// An action could not be read: it is dropped, the rest of the link is kept.
    Action(String),
}

/// Sections an embed may show.
pub const UI_SECTIONS: &[&str] = &["story", "objectives", "knobs", "controls", "charts", "log", "grade"];

impl UrlState {
    pub fn shows(&self, section: &str) -> bool {
        !self.embed || self.ui.is_empty() && section != "story" || self.ui.iter().any(|s| s == section)
    }
}

/// Reads `location.search` (with or without the leading `?`).
pub fn decode(query: &str) -> (UrlState, Option<UrlNotice>) {
    match try_decode(query) {
        Ok(decoded) => decoded,
        Err(notice) => (UrlState::default(), Some(notice)),
    }
}

fn try_decode(query: &str) -> Result<(UrlState, Option<UrlNotice>), UrlNotice> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut state = UrlState::default();
    let mut notice = None;
    if query.is_empty() {
        return Ok((state, None));
    }
    let corrupt = |m: String| UrlNotice::Corrupt(m);
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((percent_decode(k).map_err(corrupt)?, percent_decode(v).map_err(corrupt)?));
    }
    match pairs.iter().find(|(k, _)| k == "v") {
        None => return Err(corrupt("no version (v=)".into())),
        Some((_, v)) if v.parse::<u32>() != Ok(URL_VERSION) => return Err(UrlNotice::Version(v.clone())),
        Some(_) => {}
    }
    let mut view = "catalog".to_string();
    let mut scenario = None;
    for (k, v) in pairs {
        match k.as_str() {
            "v" => {}
            "view" => view = v,
            "s" => {
                if v.is_empty() || v.len() > 100 || !v.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
                    return Err(corrupt(format!("bad scenario id {v:?}")));
                }
                scenario = Some(v);
            }
            "seed" => state.seed = Some(v.parse().map_err(|_| corrupt(format!("bad seed {v:?}")))?),
            "lang" => state.lang = Some(Lang::from_code(&v).ok_or_else(|| corrupt(format!("bad language {v:?}")))?),
            "embed" => state.embed = flag(&v).map_err(corrupt)?,
            "present" => state.presenter = flag(&v).map_err(corrupt)?,
            "theme" => state.theme = Scheme::from_code(&v).unwrap_or_default(),
            "ui" => state.ui = v.split(',').filter(|s| UI_SECTIONS.contains(s)).map(String::from).collect(),
            "act" => match actions::decode(&v) {
                Ok(a) => state.actions.push(a),
                Err(why) => notice = Some(UrlNotice::Action(why)),
            },
            _ => {
                let (list, path) = if let Some(p) = k.strip_prefix("k.") {
                    (&mut state.knobs, p)
                } else if let Some(p) = k.strip_prefix("b.") {
                    (&mut state.knobs_b, p)
                } else {
                    // Unknown keys are ignored: a later version may add some.
                    continue;
                };
                if path.is_empty() || path.len() > 200 || v.len() > 200 {
                    return Err(corrupt(format!("bad knob {k:?}")));
                }
                list.push((path.to_string(), v));
            }
        }
    }
    state.view = match (view.as_str(), scenario) {
        ("catalog", _) => View::Catalog,
        ("glossary", _) => View::Glossary,
        ("sandbox", s) => View::Sandbox(s),
        ("play", Some(s)) => View::Play(s),
        ("compare", Some(s)) => View::Compare(s),
        (other, _) => return Err(corrupt(format!("bad view {other:?}"))),
    };
    state.actions.sort_by_key(|a| a.at_us);
    Ok((state, notice))
}

fn flag(v: &str) -> Result<bool, String> {
    match v {
        "1" | "true" | "" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(format!("bad flag {v:?}")),
    }
}

/// Writes the query string (with the leading `?`), the inverse of [`decode`].
pub fn encode(state: &UrlState) -> String {
    let mut out = format!("?v={URL_VERSION}");
    let mut push = |k: &str, v: &str| {
        out.push('&');
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    };
    match &state.view {
        View::Catalog => {}
        View::Glossary => push("view", "glossary"),
        View::Play(s) => {
            push("view", "play");
            push("s", s);
        }
        View::Sandbox(s) => {
            push("view", "sandbox");
            if let Some(s) = s {
                push("s", s);
            }
        }
        View::Compare(s) => {
            push("view", "compare");
            push("s", s);
        }
    }
    if let Some(seed) = state.seed {
        push("seed", &seed.to_string());
    }
    if let Some(lang) = state.lang {
        push("lang", lang.code());
    }
    for (p, v) in &state.knobs {
        push(&format!("k.{p}"), v);
    }
    for (p, v) in &state.knobs_b {
        push(&format!("b.{p}"), v);
    }
    if state.embed {
        push("embed", "1");
    }
    if state.presenter {
        push("present", "1");
    }
    if !state.ui.is_empty() {
        push("ui", &state.ui.join(","));
    }
    if state.theme != Scheme::Auto {
        push("theme", state.theme.code());
    }
    for a in &state.actions {
        push("act", &actions::encode(a));
    }
    out
}

pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or_else(|| format!("truncated escape in {s:?}"))?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad escape %{hex}"))?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{Action, ReleaseChoice};
    use simulation::scenario::ReleaseStrategy;

    fn full() -> UrlState {
        UrlState {
            view: View::Play("hpa-flash-sale".into()),
            seed: Some(7),
            lang: Some(Lang::Ko),
            knobs: vec![("deployment.replicas".into(), "6".into()), ("versions.1.weight".into(), "10".into())],
            knobs_b: vec![("deployment.replicas".into(), "2".into())],
            embed: true,
            presenter: false,
            ui: vec!["knobs".into(), "charts".into()],
            actions: vec![
                TimedAction { at_us: 5_000_000, action: Action::Fault(2) },
                TimedAction {
                    at_us: 60_000_000,
                    action: Action::Release(ReleaseChoice {
                        version: "v2".into(),
                        strategy: ReleaseStrategy::Canary,
                        first_weight: Some(10),
                        max_error_rate: Some(0.05),
                    }),
                },
                TimedAction { at_us: 90_123_456, action: Action::Rollback },
            ],
            theme: Scheme::Dark,
        }
    }

    #[test]
    fn round_trips() {
        for state in [UrlState::default(), full(), UrlState { view: View::Sandbox(None), ..Default::default() }] {
            let q = encode(&state);
            assert_eq!(decode(&q), (state, None), "{q}");
        }
        let s = UrlState { knobs: vec![("service.balancer".into(), "least connections & co".into())], ..full() };
        assert_eq!(decode(&encode(&s)).0, s);
    }

    #[test]
    fn empty_query_is_the_catalog_without_notice() {
        assert_eq!(decode(""), (UrlState::default(), None));
        assert_eq!(decode("?"), (UrlState::default(), None));
    }

    #[test]
    fn corrupt_queries_fall_back_with_a_notice() {
        for q in [
            "?v=1&seed=abc",
            "?v=1&view=play",
            "?v=1&s=%ZZ",
            "?view=play&s=x",
            "?v=1&view=nope",
            "?v=1&lang=fr",
            "?v=1&s=../etc",
            "?v=1&embed=maybe",
            "%",
            "?v=1&k.a=%E0%A4",
        ] {
            let (state, notice) = decode(q);
            assert_eq!(state, UrlState::default(), "{q}");
            assert!(matches!(notice, Some(UrlNotice::Corrupt(_))), "{q}: {notice:?}");
        }
    }

    #[test]
    fn another_version_falls_back_with_a_notice() {
        let (state, notice) = decode("?v=2&view=glossary");
        assert_eq!(state, UrlState::default());
        assert_eq!(notice, Some(UrlNotice::Version("2".into())));
    }

    #[test]
    fn a_corrupt_action_is_dropped_with_a_notice_and_nothing_else_is_lost() {
        let good = full();
        for bad in ["x", "1,fault,99", "1,release,v2,sideways", "1,explode", "%2C%2C"] {
            let q = format!("{}&act={bad}", encode(&good));
            let (state, notice) = decode(&q);
            assert_eq!(state, good, "{q}");
            assert!(matches!(notice, Some(UrlNotice::Action(_))), "{q}: {notice:?}");
        }
    }

    #[test]
    fn actions_are_replayed_in_time_order() {
        let (state, notice) = decode("?v=1&view=sandbox&act=2000000,rollback&act=1000000,fault,0");
        assert_eq!(notice, None);
        assert_eq!(state.actions.iter().map(|a| a.at_us).collect::<Vec<_>>(), [1_000_000, 2_000_000]);
    }

    #[test]
    fn an_unknown_theme_is_auto() {
        assert_eq!(decode("?v=1&theme=light").0.theme, Scheme::Light);
        assert_eq!(decode("?v=1&theme=purple"), (UrlState::default(), None));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let (state, notice) = decode("?v=1&view=glossary&utm_source=blog");
        assert_eq!((state.view, notice), (View::Glossary, None));
    }

    #[test]
    fn embed_sections() {
        let s = UrlState { embed: true, ..Default::default() };
        assert!(s.shows("charts") && !s.shows("story"));
        let s = UrlState { embed: true, ui: vec!["charts".into()], ..Default::default() };
        assert!(s.shows("charts") && !s.shows("knobs"));
        assert!(UrlState::default().shows("story"));
    }
}
