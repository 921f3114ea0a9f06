//! Knobs: the values a learner turns. One module for the runner, the app and the tests: the value
//! at a path of a scenario document and its text, accepting or clamping a value with a reason
//! (ko and en), the words of every choice, the scheduled release's switch (`release.enabled`),
//! the typed release a learner ships live, and the sandbox's whole list of knobs (`sandbox`).

pub mod sandbox;
mod typed;

pub(crate) use typed::typed_value;

use super::*;
use super::{BalancerKind, RoutingMode};
use crate::traffic::Preset;
use crate::scenario::particle::{Particle::{Object, Toward}, with};

// ---- a value at a path -----------------------------------------------------------------------

/// The value at a dotted path (numeric segments index lists), if there is one.
pub fn value_at<'a>(doc: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(doc, |node, seg| match node {
        toml::Value::Table(t) => t.get(seg),
        toml::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A knob's value as a control shows it and as `--set` (or a link) passes it: strings bare.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// A TOML value as the author would write it (strings quoted), for messages and exact overrides.
pub(crate) fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        other => value_text(other),
    }
}

/// A knob's value in this scenario as its control shows it: as the file writes it (`written`,
/// the parsed source), else the engine's default (from the typed scenario), and for the
/// release switch whether the scenario has a release.
pub fn current_text(sc: &Scenario, written: Option<&toml::Value>, path: &str) -> Option<String> {
    if path == RELEASE_ENABLED {
        return sc.release.is_some().then(|| "true".to_string());
    }
    if let Some(v) = written.and_then(|d| value_at(d, path)) {
        return Some(value_text(v));
    }
    typed_value(sc, path).map(|v| value_text(&v))
}

// ---- accept, clamp, check ----------------------------------------------------------------------

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
            "s" => "초",
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
                    format!("{ko} = {asked}: 정수만 쓸 수 있어 {} 반올림했습니다", with(&used, Toward)),
                )
            } else {
                let range = self.range_words();
                (
                    format!("{label} = {asked} is outside {}; using {used}", range.en),
                    format!("{ko} = {asked}: 허용 범위 {} 벗어나 {} 씁니다", with(&range.ko, Object), with(&used, Object)),
                )
            };
            Notice { path: self.path.clone(), requested: value, applied: v, message, message_ko }
        });
        (v, notice)
    }

    /// The allowed range in words, English and Korean: `1 to 30 %`, `1~30 %` (units in the
    /// reader's language); empty for a choice.
    pub fn range_words(&self) -> Text {
        let unit = self.unit_text();
        let (u_en, u_ko) = (unit_suffix(&unit.en), unit_suffix(&unit.ko));
        let (lo, hi) = (self.min.map(number_text), self.max.map(number_text));
        let (en, ko) = match (lo, hi) {
            _ if self.kind == KnobKind::Choice => (String::new(), String::new()),
            (Some(lo), Some(hi)) => (format!("{lo} to {hi}{u_en}"), format!("{lo}~{hi}{u_ko}")),
            (Some(lo), None) => (format!("at least {lo}{u_en}"), format!("{lo}{u_ko} 이상")),
            (None, Some(hi)) => (format!("at most {hi}{u_en}"), format!("{hi}{u_ko} 이하")),
            (None, None) => (String::new(), String::new()),
        };
        Text { ko, en }
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
            KnobKind::Integer | KnobKind::Number => match super::read_f64(raw.trim()).ok_or(()) {
                Ok(v) if v.is_finite() => {
                    let (applied, notice) = self.clamp(v);
                    Ok((self.number_control_text(applied), notice))
                }
                _ => Err(Text {
                    en: format!("{label} = {raw:?} is not a number; keeping the current value"),
                    ko: format!("{ko} = {raw:?}: 숫자가 아니라 지금 값을 그대로 둡니다"),
                }),
            },
        }
    }

    /// A number as the knob's control shows it (integers without a decimal point).
    fn number_control_text(&self, v: f64) -> String {
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

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() { String::new() } else { format!(" {unit}") }
}

// ---- choices in words --------------------------------------------------------------------------

impl Scenario {
    /// A knob's choice as the learner reads it: a node type with its vCPU, memory and price, a
    /// strategy, balancer, routing mode, preset or traffic model by what it does, a switch as
    /// yes/no or on/off; anything else as written.
    pub fn choice_text(&self, path: &str, value: &str) -> Text {
        let text = |en: &str, ko: &str| Text { ko: ko.into(), en: en.into() };
        let as_enum = |v: &str| toml::Value::String(v.to_string());
        if path.ends_with("node_type")
            && let Some(t) = self.cluster.as_ref().and_then(|c| c.node_type(value))
        {
            let vcpu = number_text(f64::from(t.cpu_m) / 1000.0);
            let gib = number_text(f64::from(t.memory_mi) / 1024.0);
            return Text {
                en: format!("{value}: {vcpu} vCPU, {gib} GiB, ${:.2}/h", t.price_per_hour),
                ko: format!("{value}: vCPU {vcpu}개, 메모리 {gib} GiB, 시간당 ${:.2}", t.price_per_hour),
            };
        }
        if path == RELEASE_ENABLED {
            return match value {
                "true" => text("on: the scenario ships it at its time", "켬: 시나리오가 정한 때에 릴리스"),
                _ => text("off: ship one live instead", "끔: 직접 라이브 릴리스"),
            };
        }
        if path.ends_with("strategy")
            && let Ok(s) = as_enum(value).try_into::<ReleaseStrategy>()
        {
            return text(s.name(), s.name_ko());
        }
        if path.starts_with("pipeline.roles.")
            && let Ok(r) = as_enum(value).try_into::<super::permissions::Role>()
        {
            let (en, ko) = r.describe();
            return Text { en: format!("{value}: {en}"), ko: format!("{value}: {ko}") };
        }
        if path.ends_with("balancer")
            && let Ok(b) = as_enum(value).try_into::<BalancerKind>()
        {
            return match b {
                BalancerKind::RoundRobin => text("round robin: each pod in turn", "라운드 로빈: 파드마다 차례로"),
                BalancerKind::LeastConnections => {
                    text("least connections: the pod with the fewest requests in flight", "최소 연결: 처리 중인 요청이 가장 적은 파드")
                }
                BalancerKind::Random => text("random: any pod", "무작위: 아무 파드나"),
                BalancerKind::PowerOfTwo => {
                    text("power of two choices: the less busy of two random pods", "두 개 중 선택: 무작위 두 파드 중 덜 바쁜 쪽")
                }
                BalancerKind::Weighted => text("weighted: by each pod's weight", "가중치: 파드별 가중치대로"),
            };
        }
        if path.ends_with("routing")
            && let Ok(r) = as_enum(value).try_into::<RoutingMode>()
        {
            return match r {
                RoutingMode::Weight => text("by weight: each request by version weight", "가중치: 요청마다 버전 가중치대로"),
                RoutingMode::Cohort => text("by user: each user keeps one version", "사용자별: 한 사용자는 한 버전에"),
                RoutingMode::Endpoints => text("by pods: a version's share is its share of pods", "파드 수대로: 버전 몫은 파드 수의 비율"),
            };
        }
        if path.ends_with("preset")
            && let Ok(p) = as_enum(value).try_into::<Preset>()
        {
            return match p {
                Preset::Smoke => text("smoke test: a handful of requests", "스모크 테스트: 요청 몇 개"),
                Preset::Average => text("average load", "평균 부하"),
                Preset::Stress => text("stress: well above the average", "스트레스: 평균보다 훨씬 높게"),
                Preset::Spike => text("spike: a sudden surge", "스파이크: 갑작스러운 급증"),
                Preset::Soak => text("soak: average load for long", "소크: 평균 부하를 오래"),
                Preset::Breakpoint => text("breakpoint: rising until it breaks", "브레이크포인트: 무너질 때까지 증가"),
            };
        }
        if path.ends_with("model") {
            match value {
                "open" => return text("open: requests arrive at a rate", "개방형: 요청이 일정한 비율로 도착"),
                "closed" => return text("closed: users wait for each answer", "폐쇄형: 사용자가 응답을 기다렸다 다시 요청"),
                _ => {}
            }
        }
        match value {
            "true" => text("yes", "예"),
            "false" => text("no", "아니요"),
            "on" => text("on", "켬"),
            "off" => text("off", "끔"),
            other => text(other, other),
        }
    }
}

/// A number as a person writes it: no `.0` on whole numbers, thousands separated.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { super::thousands(v as i64) } else { format!("{v}") }
}

fn fmt_num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "any".into())
}

// ---- the scheduled release's switch ------------------------------------------------------------

/// `release.enabled = false` (in a file, `--set` or a knob): the scenario without its scheduled
/// release, so a release can be shipped live instead. Read before typing; never in `ReleaseSpec`.
pub const RELEASE_ENABLED: &str = "release.enabled";

/// Whether a knob does nothing while the scheduled release is switched off (the release's own).
pub fn belongs_to_release(path: &str) -> bool {
    path != RELEASE_ENABLED && (path == "release" || path.starts_with("release."))
}

/// Takes `release.enabled` out of the document; `false` removes the release (see [`without_release`]).
pub(crate) fn apply_release_switch(doc: &mut toml::Value) -> Result<(), ScenarioError> {
    let Some(toml::Value::Table(release)) = doc.get_mut("release") else { return Ok(()) };
    match release.remove("enabled") {
        None | Some(toml::Value::Boolean(true)) => Ok(()),
        Some(toml::Value::Boolean(false)) => {
            without_release(doc);
            Ok(())
        }
        Some(other) => Err(ScenarioError::one(RELEASE_ENABLED, format!("expects true or false, got {}", show(&other)))),
    }
}

/// The scenario without its scheduled release: the first version serves everything (a weight
/// each is then required: 100 for the first, 0 for the others unless the scenario gives them);
/// the knobs on the release go with it, and so do the hints and wrong answers that speak of them
/// (validation checks that they name a knob).
pub fn without_release(doc: &mut toml::Value) {
    let toml::Value::Table(t) = doc else { return };
    t.remove("release");
    let on_release = |p: &str| p == RELEASE_ENABLED || belongs_to_release(p);
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
    // Objectives that measure the release measure nothing without it (unless a pipeline ships one).
    let mut gone: Vec<String> = vec![];
    if !t.contains_key("pipeline")
        && let Some(toml::Value::Array(objectives)) = t.get_mut("objectives")
    {
        objectives.retain(|o| {
            let of_release = o.get("metric").and_then(toml::Value::as_str).is_some_and(|m| m == "blast_radius" || m == "time_to_detect_s");
            if of_release {
                gone.extend(o.get("id").and_then(toml::Value::as_str).map(str::to_string));
            }
            !of_release
        });
    }
    let names_gone = |v: Option<&toml::Value>| v.and_then(toml::Value::as_str).is_some_and(|id| gone.iter().any(|g| g == id));
    if let Some(toml::Value::Array(hints)) = t.get_mut("hints") {
        hints.retain(|h| !conditions_on_release(h) && !names_gone(h.get("objective")));
    }
    if let Some(toml::Value::Array(wrong)) = t.get_mut("wrong_answers") {
        for w in wrong.iter_mut() {
            if let Some(toml::Value::Array(fails)) = w.get_mut("fails") {
                fails.retain(|f| !names_gone(Some(f)));
            }
        }
        wrong.retain(|w| {
            let mut settings = vec![];
            if let Some(toml::Value::Table(set)) = w.get("set") {
                flatten("", set, &mut settings);
            }
            let fails_something = w.get("fails").and_then(toml::Value::as_array).is_none_or(|f| !f.is_empty());
            !settings.iter().any(|p| on_release(p)) && !conditions_on_release(w) && fails_something
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

/// The dotted paths of a (nested) table's leaves.
fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in t {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => flatten(&path, inner, out),
            _ => out.push(path),
        }
    }
}

// ---- a release shipped live --------------------------------------------------------------------

/// A release as a learner chooses it live: the version, the strategy, a canary's first weight
/// (%, default 10; later steps double it up to 100, a minute apart) or an A/B test's cohort
/// (default 50 %), and an analysis that aborts past an error rate (every 30 s).
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseChoice {
    pub version: String,
    pub strategy: ReleaseStrategy,
    pub first_weight: Option<u32>,
    pub max_error_rate: Option<f64>,
}

impl ReleaseChoice {
    /// The engine's release for this choice, or why it cannot be one (both languages). Whether
    /// the version exists is checked when it ships (`Simulation::release`).
    pub fn spec(&self) -> Result<ReleaseSpec, Text> {
        if let Some(w) = self.first_weight.filter(|w| !(1..=100).contains(w)) {
            return Err(Text {
                en: format!("first weight {w} % is out of range; allowed 1 to 100 %"),
                ko: format!("첫 가중치 {w} %: 허용 범위 1~100 %를 벗어났습니다"),
            });
        }
        if let Some(e) = self.max_error_rate.filter(|e| !(0.0..=1.0).contains(e)) {
            return Err(Text {
                en: format!("error rate limit {e} is out of range; allowed 0 to 1 (a share, 0.01 = 1 %)"),
                ko: format!("에러율 한도 {e}: 허용 범위 0~1(비율, 0.01 = 1 %)을 벗어났습니다"),
            });
        }
        if self.strategy == ReleaseStrategy::AbTest && self.first_weight == Some(100) {
            return Err(Text {
                en: "an A/B test's cohort is 1 to 99 % of users".into(),
                ko: "A/B 테스트의 대상은 사용자의 1~99 %입니다".into(),
            });
        }
        let analysis = self.max_error_rate.map(|e| AnalysisSpec {
            interval_s: 30.0,
            max_error_rate: Some(e),
            max_p99_ms: None,
            failure_limit: 0,
            min_requests: release::default_min_requests(),
        });
        let mut spec = ReleaseSpec::deploy(&self.version, 0.0, self.strategy, analysis);
        match self.strategy {
            ReleaseStrategy::Canary => {
                let mut w = self.first_weight.unwrap_or(10);
                loop {
                    spec.steps.push(release::CanaryStep { set_weight: Some(w), pause_s: None });
                    spec.steps.push(release::CanaryStep { set_weight: None, pause_s: Some(60.0) });
                    if w >= 100 {
                        break;
                    }
                    w = (w * 2).min(100);
                }
            }
            ReleaseStrategy::AbTest => spec.cohort_percent = Some(self.first_weight.unwrap_or(50)),
            _ => {}
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests;
