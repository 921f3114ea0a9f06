//! The whole state of a page in a versioned query string, so a copied link reproduces the run:
//! `?v=1&view=play&s=<scenario>&seed=7&lang=ko&k.deployment.replicas=6&act=30000000,fault,0`.
//! Live actions (`act=`, see [`crate::actions`]) are replayed at their simulated time.
//!
//! Decoding never fails and loses as little as it can: each parameter is checked on its own and
//! a bad one is dropped with a notice naming it; the rest of the link is kept (an embed stays an
//! embed when its `lang=` is wrong). Only a link of another format version falls back whole.
//! Knob values stay raw strings here; the player checks them against the scenario's knobs with
//! the engine's own range logic.

use crate::actions::{self, MAX_ACTIONS, TimedAction};
use crate::i18n::{Lang, S};
use crate::progress::is_scenario_id;
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
    /// The link names a format version this app does not read: nothing of it is used.
    Version(String),
    /// Parameters that could not be used, each dropped on its own: the first few names
    /// (shortened, as the link spells them) and how many more there were.
    Dropped { names: Vec<String>, more: usize },
    /// Live actions that could not be read were skipped (the first one's reason, for the console).
    Action(String),
    /// More live actions than a run takes: the first [`MAX_ACTIONS`] in time order are kept.
    TooManyActions { given: usize },
}

/// How many dropped parameters a notice names; the rest are counted.
const NAMED: usize = 5;
/// How many knob overrides a link may set per configuration (a scenario has far fewer knobs).
const MAX_KNOBS: usize = 100;

impl UrlNotice {
    /// The notice as the learner reads it. Plain text: the app shows it as a text node.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            UrlNotice::Version(_) => S::NoticeUrlVersion.t(lang).to_string(),
            UrlNotice::Dropped { names, more } => {
                let mut list = names.join(", ");
                if *more > 0 {
                    list.push_str(&format!(" (+{more})"));
                }
                format!("{}: {list}", S::NoticeUrlDropped.t(lang))
            }
            UrlNotice::Action(_) => S::NoticeUrlAction.t(lang).to_string(),
            UrlNotice::TooManyActions { given } => {
                S::NoticeTooManyActions.t(lang).replace("{max}", &MAX_ACTIONS.to_string()).replace("{given}", &given.to_string())
            }
        }
    }
}

/// A parameter's name as a notice shows it: at most 40 characters, no control characters.
fn shown_name(name: &str) -> String {
    let mut out: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    if name.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Sections an embed may show.
pub const UI_SECTIONS: &[&str] = &["story", "objectives", "knobs", "controls", "charts", "log", "grade"];

impl UrlState {
    pub fn shows(&self, section: &str) -> bool {
        !self.embed || self.ui.is_empty() && section != "story" || self.ui.iter().any(|s| s == section)
    }
}

/// Reads `location.search` (with or without the leading `?`).
pub fn decode(query: &str) -> (UrlState, Vec<UrlNotice>) {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut state = UrlState::default();
    let mut notices = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (percent_decode(k), percent_decode(v)) {
            (Ok(k), Ok(v)) => pairs.push((k, v)),
            (Ok(k), Err(_)) => dropped.push(k),
            (Err(_), _) => dropped.push(k.to_string()),
        }
    }
    let ours = |k: &str| {
        matches!(k, "view" | "s" | "seed" | "lang" | "embed" | "present" | "ui" | "act") || k.starts_with("k.") || k.starts_with("b.")
    };
    match pairs.iter().rev().find(|(k, _)| k == "v") {
        // Nothing of ours (`?utm_source=…` on the home page): no notice.
        None if dropped.is_empty() && !pairs.iter().any(|(k, _)| ours(k)) => return (state, notices),
        // No version: read as this one, and say so.
        None => dropped.push("v".into()),
        Some((_, v)) if v.parse::<u32>() != Ok(URL_VERSION) => return (UrlState::default(), vec![UrlNotice::Version(v.clone())]),
        Some(_) => {}
    }
    let mut view = None;
    let mut scenario = None;
    let mut bad_action = None;
    for (k, v) in pairs {
        let ok = match k.as_str() {
            "v" => true,
            "view" => {
                view = Some(v);
                true
            }
            "theme" => Scheme::from_code(&v).map(|t| state.theme = t).is_some(),
            "s" if is_scenario_id(&v) => {
                scenario = Some(v);
                true
            }
            "s" => false,
            "seed" => v.parse().map(|seed| state.seed = Some(seed)).is_ok(),
            "lang" => Lang::from_code(&v).map(|l| state.lang = Some(l)).is_some(),
            "embed" => flag(&v).map(|f| state.embed = f).is_ok(),
            "present" => flag(&v).map(|f| state.presenter = f).is_ok(),
            "ui" => {
                let sections: Vec<&str> = v.split(',').filter(|s| !s.is_empty()).collect();
                state.ui = sections.iter().filter(|s| UI_SECTIONS.contains(s)).map(|s| s.to_string()).collect();
                state.ui.len() == sections.len()
            }
            "act" => {
                match actions::decode(&v) {
                    Ok(a) => state.actions.push(a),
                    Err(why) => bad_action = bad_action.or(Some(why)),
                }
                true
            }
            _ => {
                let (list, path) = if let Some(p) = k.strip_prefix("k.") {
                    (&mut state.knobs, p)
                } else if let Some(p) = k.strip_prefix("b.") {
                    (&mut state.knobs_b, p)
                } else {
                    // Unknown keys are ignored: a later version may add some.
                    continue;
                };
                let fits = !path.is_empty() && path.len() <= 200 && v.len() <= 200 && list.len() < MAX_KNOBS;
                if fits {
                    list.push((path.to_string(), v));
                }
                fits
            }
        };
        if !ok {
            dropped.push(k);
        }
    }
    state.view = match (view.as_deref().unwrap_or("catalog"), scenario) {
        ("catalog", _) => View::Catalog,
        ("glossary", _) => View::Glossary,
        ("sandbox", s) => View::Sandbox(s),
        ("play", Some(s)) => View::Play(s),
        ("compare", Some(s)) => View::Compare(s),
        ("play" | "compare", None) => {
            if !dropped.iter().any(|d| d == "s") {
                dropped.push("s".into());
            }
            View::Catalog
        }
        _ => {
            dropped.push("view".into());
            View::Catalog
        }
    };
    if !dropped.is_empty() {
        let more = dropped.len().saturating_sub(NAMED);
        notices.push(UrlNotice::Dropped { names: dropped.iter().take(NAMED).map(|d| shown_name(d)).collect(), more });
    }
    if let Some(why) = bad_action {
        notices.push(UrlNotice::Action(why));
    }
    // The first MAX_ACTIONS in time order, ties in the link's order: picked one by one (no
    // sort: std's would be one more copy of it in the wasm).
    let mut given = std::mem::take(&mut state.actions);
    if given.len() > MAX_ACTIONS {
        notices.push(UrlNotice::TooManyActions { given: given.len() });
    }
    while let Some(first) = (0..given.len()).min_by_key(|&i| given[i].at_us).filter(|_| state.actions.len() < MAX_ACTIONS) {
        state.actions.push(given.remove(first));
    }
    (state, notices)
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
            assert_eq!(decode(&q), (state, vec![]), "{q}");
        }
        let s = UrlState { knobs: vec![("service.balancer".into(), "least connections & co".into())], ..full() };
        assert_eq!(decode(&encode(&s)).0, s);
    }

    #[test]
    fn empty_query_is_the_catalog_without_notice() {
        assert_eq!(decode(""), (UrlState::default(), vec![]));
        assert_eq!(decode("?"), (UrlState::default(), vec![]));
    }

    fn dropped(names: &[&str]) -> UrlNotice {
        UrlNotice::Dropped { names: names.iter().map(|n| n.to_string()).collect(), more: 0 }
    }

    /// `full()`'s link with one parameter replaced.
    fn with(key: &str, value: &str) -> String {
        let q = encode(&full());
        let mut parts: Vec<String> = q[1..].split('&').filter(|p| !p.starts_with(&format!("{key}="))).map(String::from).collect();
        parts.push(format!("{key}={value}"));
        format!("?{}", parts.join("&"))
    }

    #[test]
    fn a_bad_parameter_is_dropped_alone_with_a_notice_naming_it() {
        let play = full();
        let cases: Vec<(String, &str, UrlState)> = vec![
            (with("seed", "abc"), "seed", UrlState { seed: None, ..play.clone() }),
            (with("lang", "xx"), "lang", UrlState { lang: None, ..play.clone() }),
            (with("lang", "%3Cscript%3E"), "lang", UrlState { lang: None, ..play.clone() }),
            (with("embed", "maybe"), "embed", UrlState { embed: false, ..play.clone() }),
            (with("present", "2"), "present", UrlState { presenter: false, ..play.clone() }),
            (with("s", "..%2Fetc"), "s", UrlState { view: View::Catalog, ..play.clone() }),
            (with("view", "nope"), "view", UrlState { view: View::Catalog, ..play.clone() }),
            (with("ui", "knobs,bogus"), "ui", UrlState { ui: vec!["knobs".into()], ..play.clone() }),
            (with("k.a", "%E0%A4"), "k.a", play.clone()),
            (format!("{}&%ZZ=1", encode(&play)), "%ZZ", play.clone()),
            (with("k.x", &"9".repeat(201)), "k.x", play.clone()),
        ];
        for (q, name, expect) in cases {
            let (state, notices) = decode(&q);
            assert_eq!(state, expect, "{q}");
            assert_eq!(notices, vec![dropped(&[name])], "{q}");
        }
    }

    #[test]
    fn an_embed_with_a_bad_language_stays_an_embed() {
        let (state, notices) = decode("?v=1&view=play&s=hpa-flash-sale&embed=1&ui=controls,charts&lang=xx");
        assert_eq!(state.view, View::Play("hpa-flash-sale".into()));
        assert!(state.embed && state.ui == ["controls", "charts"] && state.lang.is_none());
        assert_eq!(notices, vec![dropped(&["lang"])]);
        assert!(notices[0].text(Lang::En).ends_with(": lang"), "{}", notices[0].text(Lang::En));
    }

    #[test]
    fn a_link_without_version_is_read_as_this_one_with_a_notice() {
        let (state, notices) = decode("?view=play&s=x");
        assert_eq!(state.view, View::Play("x".into()));
        assert_eq!(notices, vec![dropped(&["v"])]);
        // A link with nothing of ours in it is just the home page.
        assert_eq!(decode("?utm_source=blog&fbclid=1"), (UrlState::default(), vec![]));
    }

    #[test]
    fn many_bad_parameters_name_a_few_and_count_the_rest() {
        let q = format!("?v=1&view=glossary{}", (0..12).map(|i| format!("&k.{i}=%ZZ")).collect::<String>());
        let (state, notices) = decode(&q);
        assert_eq!(state.view, View::Glossary);
        assert_eq!(notices, vec![UrlNotice::Dropped { names: (0..5).map(|i| format!("k.{i}")).collect(), more: 7 }]);
        assert!(notices[0].text(Lang::En).contains("(+7)"));
    }

    #[test]
    fn another_version_falls_back_with_a_notice() {
        let (state, notices) = decode("?v=2&view=glossary");
        assert_eq!(state, UrlState::default());
        assert_eq!(notices, vec![UrlNotice::Version("2".into())]);
    }

    #[test]
    fn a_corrupt_action_is_dropped_with_a_notice_and_nothing_else_is_lost() {
        let good = full();
        for bad in ["x", "1,fault,99", "1,release,v2,sideways", "1,explode", "%2C%2C"] {
            let q = format!("{}&act={bad}", encode(&good));
            let (state, notices) = decode(&q);
            assert_eq!(state, good, "{q}");
            assert!(matches!(notices[..], [UrlNotice::Action(_)]), "{q}: {notices:?}");
        }
    }

    #[test]
    fn the_actions_kept_are_the_first_in_time_order_ties_in_link_order() {
        let times = [5, 3, 9, 3, 1, 7, 3, 8, 6, 4, 0, 3];
        let acts: String = times.iter().enumerate().map(|(i, t)| format!("&act={t},fault,{}", i % 3)).collect();
        let (state, _) = decode(&format!("?v=1&view=sandbox{acts}"));
        let mut want: Vec<(u64, usize)> = times.iter().enumerate().map(|(i, &t)| (t, i % 3)).collect();
        want.sort_by_key(|a| a.0);
        want.truncate(MAX_ACTIONS);
        let got: Vec<(u64, String)> = state.actions.iter().map(|a| (a.at_us, format!("{:?}", a.action))).collect();
        let want: Vec<(u64, String)> = want.iter().map(|&(t, f)| (t, format!("{:?}", Action::Fault(f)))).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn live_actions_are_capped_with_a_notice() {
        let q = format!("?v=1&view=sandbox&seed=3{}", "&act=0,fault,2".repeat(10));
        let (state, notices) = decode(&q);
        assert_eq!(state.actions.len(), MAX_ACTIONS);
        assert_eq!(state.seed, Some(3));
        assert_eq!(notices, vec![UrlNotice::TooManyActions { given: 10 }]);
        for lang in Lang::ALL {
            let text = notices[0].text(lang);
            assert!(text.contains(&MAX_ACTIONS.to_string()) && !text.contains('{'), "{text}");
        }
        // The earliest are kept.
        let q = format!("?v=1&view=sandbox{}", (0..20).rev().map(|i| format!("&act={i},rollback")).collect::<String>());
        assert_eq!(decode(&q).0.actions.last().map(|a| a.at_us), Some(MAX_ACTIONS as u64 - 1));
    }

    #[test]
    fn actions_are_replayed_in_time_order() {
        let (state, notices) = decode("?v=1&view=sandbox&act=2000000,rollback&act=1000000,fault,0");
        assert_eq!(notices, vec![]);
        assert_eq!(state.actions.iter().map(|a| a.at_us).collect::<Vec<_>>(), [1_000_000, 2_000_000]);
    }

    #[test]
    fn an_unknown_theme_is_dropped_with_a_notice() {
        assert_eq!(decode("?v=1&theme=light").0.theme, Scheme::Light);
        let (state, notices) = decode("?v=1&theme=purple");
        assert_eq!(state, UrlState::default());
        assert_eq!(notices, vec![UrlNotice::Dropped { names: vec!["theme".into()], more: 0 }]);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let (state, notices) = decode("?v=1&view=glossary&utm_source=blog");
        assert_eq!((state.view, notices), (View::Glossary, vec![]));
    }

    #[test]
    fn embed_sections() {
        let s = UrlState { embed: true, ..Default::default() };
        assert!(s.shows("charts") && !s.shows("story"));
        let s = UrlState { embed: true, ui: vec!["charts".into()], ..Default::default() };
        assert!(s.shows("charts") && !s.shows("knobs"));
        assert!(UrlState::default().shows("story"));
    }

    /// A query of known and unknown keys with hostile values, raw or escaped.
    fn hostile_query(rng: &mut crate::fuzz_input::Rng) -> String {
        use crate::fuzz_input::{MARKUP, text};
        const KEYS: &[&str] =
            &["v", "view", "s", "seed", "lang", "embed", "present", "ui", "act", "k.deployment.replicas", "b.x", "k.", "utm", ""];
        let mut parts = vec![if rng.chance(4) { format!("v={}", text(rng)) } else { "v=1".to_string() }];
        for _ in 0..rng.below(12) {
            let key = if rng.chance(5) { text(rng) } else { rng.pick(KEYS).to_string() };
            let value = match rng.below(4) {
                0 => rng.pick(MARKUP).to_string(),
                1 => percent_encode(&text(rng)),
                2 => format!("{},{},{}", rng.below(100), rng.pick(&["fault", "release", "rollback", "x"]), text(rng)),
                _ => text(rng),
            };
            parts.push(if rng.chance(8) { key } else { format!("{key}={value}") });
        }
        if rng.chance(10) {
            parts.push("act=0,fault,2".repeat(1 + rng.below(30)).replace("2act", "2&act"));
        }
        format!("?{}", parts.join(if rng.chance(30) { "&&" } else { "&" }))
    }

    /// Fuzz: hostile links never panic; whatever is kept is valid (it re-encodes to a link that
    /// reads back the same, without notice); the address bar only ever gets escaped text; and the
    /// notices stay short plain text.
    #[test]
    fn fuzz_hostile_links_decode_to_valid_state_or_a_notice() {
        let mut rng = crate::fuzz_input::Rng::new(0x5CA1E);
        for case in 0..4000 {
            let q = if case % 10 == 9 {
                String::from_utf8_lossy(&crate::fuzz_input::bytes(&mut rng, 200)).into_owned()
            } else {
                hostile_query(&mut rng)
            };
            let (state, notices) = decode(&q);
            let again = encode(&state);
            assert!(again.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~,%=&?".contains(&b)), "case {case}: {again}");
            assert_eq!(decode(&again), (state.clone(), vec![]), "case {case}: {q:?}");
            assert!(state.actions.len() <= MAX_ACTIONS && state.knobs.len() <= MAX_KNOBS, "case {case}");
            for n in &notices {
                for lang in Lang::ALL {
                    let t = n.text(lang);
                    assert!(t.chars().count() < 600 && !t.chars().any(char::is_control), "case {case}: {t:?}");
                }
            }
        }
    }

    #[test]
    fn fuzz_very_long_links_are_read_in_one_pass() {
        let long =
            format!("?v=1&view=glossary&k.a={}&lang={}&{}", "9".repeat(1 << 20), "%3C".repeat(1 << 18), "act=1,rollback&".repeat(50_000));
        let (state, notices) = decode(&long);
        assert_eq!(state.view, View::Glossary);
        assert_eq!(state.actions.len(), MAX_ACTIONS);
        assert!(
            matches!(&notices[..], [UrlNotice::Dropped { names, .. }, UrlNotice::TooManyActions { given: 50_000 }] if names == &["k.a", "lang"]),
            "{notices:?}"
        );
    }

    #[test]
    fn markup_in_any_parameter_is_dropped_or_kept_as_text() {
        for markup in crate::fuzz_input::MARKUP {
            for key in ["view", "s", "seed", "lang", "embed", "present", "ui", "act", "k.a", "b.a", markup] {
                let q = format!("?v=1&view=sandbox&{}={}", percent_encode(key), percent_encode(markup));
                let (state, notices) = decode(&q);
                // Only knob values may carry arbitrary text (the player checks them and shows
                // its verdict as text); every other kept field is from a fixed alphabet.
                let kept = format!("{:?}{:?}{:?}{:?}", state.view, state.lang, state.ui, state.actions);
                assert!(!kept.contains('<') && !kept.contains('>'), "{q}: {kept}");
                assert!(!encode(&state).contains('<'), "{q}");
                let named = notices
                    .iter()
                    .any(|n| matches!(n, UrlNotice::Dropped { names, .. } if names.iter().any(|x| x == key || x == &shown_name(key))));
                let knob = key.starts_with("k.") || key.starts_with("b.");
                assert!(named || knob || key == "act" || key == *markup, "{q}: {notices:?}");
            }
        }
    }
}
