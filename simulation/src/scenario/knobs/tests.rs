//! Knob logic, table-tested.

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
    let sc = Scenario::from_toml_str(include_str!("../../../../content/scenarios/flash-sale-scale-out.toml")).unwrap();
    let t = sc.choice_text("cluster.node_groups.0.node_type", "large");
    assert_eq!(t.en, "large: 8 vCPU, 32 GiB, $0.40/h");
    assert_eq!(t.ko, "large: vCPU 8개, 메모리 32 GiB, 시간당 $0.40");
    assert_eq!(sc.choice_text("release.strategy", "rolling_update").ko, "롤링 업데이트");
    assert_eq!(sc.choice_text("release.traffic_router", "false").en, "no");
    assert_eq!(sc.choice_text("service.balancer", "round_robin").en, "round robin: each pod in turn");
    assert_eq!(sc.choice_text("service.balancer", "least_connections").ko, "최소 연결: 처리 중인 요청이 가장 적은 파드");
    assert_eq!(sc.choice_text("deployment.strategy", "recreate").en, "recreate");
    assert_eq!(sc.choice_text("service.name", "web").en, "web");
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

fn catalog() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/scenarios");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("content/scenarios")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

fn with(src: &str, knobs: &[Knob], sets: &[(&str, &str)]) -> Result<Scenario, ScenarioError> {
    let mut doc = parse_document(src)?;
    for (p, v) in sets {
        apply_override(&mut doc, p, v, knobs)?;
    }
    Scenario::from_document(doc)
}

#[test]
fn value_at_walks_tables_and_lists_and_value_text_is_what_set_takes() {
    let doc = parse_document("a = { b = [1, { c = 2.5, s = \"x\", t = true }] }").unwrap();
    assert_eq!(value_at(&doc, "a.b.1.c"), Some(&toml::Value::Float(2.5)));
    assert_eq!(value_at(&doc, "a.x"), None);
    assert_eq!(value_at(&doc, "a.b.9"), None);
    let texts: Vec<String> = ["a.b.0", "a.b.1.c", "a.b.1.s", "a.b.1.t"].iter().map(|p| value_text(value_at(&doc, p).unwrap())).collect();
    assert_eq!(texts, ["1", "2.5", "x", "true"]);
    assert_eq!(show(value_at(&doc, "a.b.1.s").unwrap()), "\"x\"");
}

#[test]
fn release_enabled_false_is_the_scenario_without_its_release_and_its_knobs() {
    let src = include_str!("../../../../content/scenarios/bad-release-canary.toml");
    let sc = Scenario::from_toml_str(src).unwrap();
    assert!(sc.release.is_some() && sc.knobs.iter().any(|k| belongs_to_release(&k.path)));
    let off = Scenario::from_toml_with_overrides(src, &[(RELEASE_ENABLED.into(), "false".into())]).unwrap();
    assert!(off.release.is_none());
    assert!(!off.knobs.iter().any(|k| belongs_to_release(&k.path)), "the release's knobs go with it");
    assert_eq!(off.versions[0].weight, Some(100), "the first version serves everything");
    assert!(off.versions[1..].iter().all(|v| v.weight.is_some()));
    // Its own knob values may still be set: they go with the release, no error.
    let strategy = sc.knobs.iter().find(|k| k.path == "release.strategy").map(|k| k.choices[0].clone());
    if let Some(s) = strategy {
        let sets = [(RELEASE_ENABLED.to_string(), "false".to_string()), ("release.strategy".to_string(), s)];
        assert!(Scenario::from_toml_with_overrides(src, &sets).unwrap().release.is_none());
    }
    let on = Scenario::from_toml_with_overrides(src, &[(RELEASE_ENABLED.into(), "true".into())]).unwrap();
    assert_eq!(on, sc, "on is the scenario as written");
    let bad = Scenario::from_toml_with_overrides(src, &[(RELEASE_ENABLED.into(), "maybe".into())]).unwrap_err();
    assert_eq!(bad.issues[0].path, RELEASE_ENABLED);
    // A scenario without a release has no switch to turn.
    let plain = include_str!("../../../../content/scenarios/flash-sale-scale-out.toml");
    let e = Scenario::from_toml_with_overrides(plain, &[(RELEASE_ENABLED.into(), "false".into())]).unwrap_err();
    assert_eq!(e.issues[0].path, "release");
}

#[test]
fn a_live_release_is_typed_and_checked_in_both_languages() {
    let choice = |strategy, first_weight, max_error_rate| ReleaseChoice { version: "v2".into(), strategy, first_weight, max_error_rate };
    let versions = ["v1".to_string(), "v2".to_string()];
    let canary = choice(ReleaseStrategy::Canary, Some(10), Some(0.05)).spec().unwrap();
    let weights: Vec<u32> = canary.steps.iter().filter_map(|s| s.set_weight).collect();
    assert_eq!(weights, [10, 20, 40, 80, 100]);
    assert_eq!(canary.analysis.as_ref().and_then(|a| a.max_error_rate), Some(0.05));
    assert_eq!(choice(ReleaseStrategy::Canary, None, None).spec().unwrap().steps[0].set_weight, Some(10));
    assert_eq!(choice(ReleaseStrategy::AbTest, None, None).spec().unwrap().cohort_percent, Some(50));
    for s in [
        ReleaseStrategy::RollingUpdate,
        ReleaseStrategy::Recreate,
        ReleaseStrategy::BlueGreen,
        ReleaseStrategy::Canary,
        ReleaseStrategy::AbTest,
    ] {
        for (w, e) in [(None, None), (Some(1), Some(0.0)), (Some(99), Some(1.0))] {
            let spec = choice(s, w, e).spec().unwrap_or_else(|t| panic!("{s:?} {w:?} {e:?}: {}", t.en));
            assert!(spec.check(&versions, 0, 600.0).is_empty(), "{s:?} {w:?} {e:?}");
        }
    }
    for (w, e) in [(Some(0), None), (Some(101), None), (None, Some(1.5)), (None, Some(-0.1)), (None, Some(f64::NAN))] {
        let why = choice(ReleaseStrategy::Canary, w, e).spec().unwrap_err();
        assert!(!why.en.is_empty() && why.ko.chars().any(|c| ('가'..='힣').contains(&c)), "{w:?} {e:?}: {why:?}");
    }
    assert!(choice(ReleaseStrategy::AbTest, Some(100), None).spec().is_err());
}

#[test]
fn the_sandbox_lists_every_part_of_a_system_with_engine_ranges_and_the_scenarios_values() {
    let mut groups = std::collections::BTreeSet::new();
    for (file, src) in catalog() {
        let sc = Scenario::from_toml_str(&src).unwrap_or_else(|e| panic!("{file}: {e}"));
        let list = sandbox::sandbox_knobs(&sc);
        for k in &sc.knobs {
            assert!(list.iter().any(|s| s.knob.path == k.path), "{file}: its own knob {} is in the sandbox", k.path);
        }
        let mut seen = std::collections::HashSet::new();
        for s in &list {
            let k = &s.knob;
            assert!(seen.insert(k.path.clone()), "{file}: {} twice", k.path);
            groups.insert(format!("{:?}", s.group));
            assert!(!k.label.ko.is_empty() && !k.label.en.is_empty() && !s.group.text().ko.is_empty(), "{file}: {}", k.path);
            assert!(
                k.check(&k.reference).is_ok(),
                "{file}: {} starts at {:?}, outside its own range: {:?}",
                k.path,
                k.reference,
                k.check(&k.reference)
            );
            if k.kind != KnobKind::Choice {
                assert!(k.min.is_some() && k.max.is_some(), "{file}: {} has a range", k.path);
            }
        }
        // The parts this system has are all there.
        let has = |p: &str| list.iter().any(|s| s.knob.path == p);
        assert!(has("deployment.replicas") && has("service.workers") && has("service.balancer"), "{file}");
        assert_eq!(has("hpa.max_replicas"), sc.hpa.is_some(), "{file}");
        assert_eq!(has("cache.hit_ratio"), sc.cache.is_some(), "{file}");
        assert_eq!(has("database.connections"), sc.database.is_some(), "{file}");
        assert_eq!(has(RELEASE_ENABLED), sc.release.is_some(), "{file}");
        assert_eq!(has("cluster.node_groups.0.node_type"), sc.cluster.is_some(), "{file}");
        assert_eq!(has("cluster_autoscaler.scan_interval_s"), sc.cluster_autoscaler.is_some(), "{file}");
    }
    for g in ["Traffic", "Pods", "Rollout", "Nodes", "Hpa", "ClusterAutoscaler", "Cache", "Database", "Release"] {
        assert!(groups.contains(g), "some scenario's sandbox shows {g}: {groups:?}");
    }
}

#[test]
fn every_sandbox_knob_moved_to_an_end_of_its_range_changes_the_system_or_says_why() {
    for (file, src) in catalog() {
        let sc = Scenario::from_toml_str(&src).unwrap();
        let list: Vec<Knob> = sandbox::sandbox_knobs(&sc).into_iter().map(|s| s.knob).collect();
        let written = parse_document(&src).unwrap();
        for k in &list {
            let now = current_text(&sc, Some(&written), &k.path).unwrap_or_else(|| panic!("{file}: {} has a value", k.path));
            let other = match k.kind {
                KnobKind::Choice => k.choices.iter().find(|c| **c != now).cloned(),
                _ => [k.min, k.max].iter().flatten().map(|v| k.accept(&v.to_string()).unwrap().0).find(|v| *v != now),
            };
            let Some(other) = other else { continue };
            match with(&src, &list, &[(&k.path, &other)]) {
                Ok(changed) => assert!(changed != sc, "{file}: {} = {other} (from {now}) changes nothing", k.path),
                Err(e) => {
                    assert!(e.issues.iter().all(|i| !i.path.is_empty() || !i.message.is_empty()), "{file}: {} = {other}: {e}", k.path)
                }
            }
        }
    }
}

#[test]
fn a_number_knob_takes_a_fraction_where_the_file_wrote_a_whole_number_an_integer_field_does_not() {
    let src = include_str!("../../../../content/scenarios/cache-stampede.toml");
    let sc = Scenario::from_toml_str(src).unwrap();
    let list: Vec<Knob> = sandbox::sandbox_knobs(&sc).into_iter().map(|s| s.knob).collect();
    let mut doc = parse_document("[cache]\nrefill_s = 60\n[service]\nworkers = 4\n").unwrap();
    apply_override(&mut doc, "cache.refill_s", "30.5", &list).unwrap();
    assert_eq!(value_at(&doc, "cache.refill_s"), Some(&toml::Value::Float(30.5)));
    let e = apply_override(&mut doc, "service.workers", "1.5", &[]).unwrap_err();
    assert!(e.to_string().contains("expects an integer"), "{e}");
}

/// `typed_value` reads what the whole scenario serialised as a document holds: at every single
/// value of every scenario (defaults included), and nothing at a section, a list or a wrong path.
#[test]
fn typed_value_is_the_serialised_scenarios_value_at_every_path() {
    fn walk(v: &toml::Value, path: String, out: &mut Vec<(String, bool)>) {
        let children: Vec<(String, &toml::Value)> = match v {
            toml::Value::Table(t) => t.iter().map(|(k, v)| (k.clone(), v)).collect(),
            toml::Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
            _ => return out.push((path, true)),
        };
        out.push((path.clone(), false));
        for (k, child) in children {
            walk(child, if path.is_empty() { k } else { format!("{path}.{k}") }, out);
        }
    }
    let mut checked = 0;
    for (file, src) in catalog() {
        let sc = Scenario::from_toml_str(&src).unwrap();
        let full = toml::Value::try_from(&sc).unwrap();
        let mut paths = Vec::new();
        walk(&full, String::new(), &mut paths);
        for (path, single) in paths.into_iter().filter(|(p, _)| !p.is_empty()) {
            let want = if single { value_at(&full, &path).cloned() } else { None };
            assert_eq!(typed_value(&sc, &path), want, "{file}: {path}");
            checked += 1;
        }
        for wrong in ["nope", "deployment.nope", "deployment.replicas.0", "versions.x", "versions.99.weight", ""] {
            assert_eq!(typed_value(&sc, wrong), None, "{file}: {wrong}");
        }
    }
    assert!(checked > 1000, "{checked}");
}
