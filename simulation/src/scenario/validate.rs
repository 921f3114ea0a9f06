//! Semantic checks after deserialisation: one function per section, each pushing issues with
//! the field path, what is wrong and what is allowed.

pub(super) use super::shape::build_shape;
use super::*;

pub(super) type Issues = Vec<Issue>;

pub(super) fn push(issues: &mut Issues, path: impl Into<String>, message: impl Into<String>) {
    issues.push(Issue { path: path.into(), message: message.into(), message_ko: None });
}

/// The documented ranges (docs/scenario-format.md): they keep every sum and product of the
/// engine's integer clock and counters in range, and every run's work estimable (`budget`).
pub mod limits {
    /// Longest run, and the bound of every time inside it (seconds): one week.
    pub const MAX_SPAN_S: f64 = 604_800.0;
    /// Any delay or latency in milliseconds: one hour.
    pub const MAX_DELAY_MS: f64 = 3_600_000.0;
    /// Any controller pause or delay in seconds: one day.
    pub const MAX_PAUSE_S: f64 = 86_400.0;
    /// Requests per second of any traffic rate.
    pub const MAX_RPS: f64 = 1_000_000.0;
    /// A traffic spike's or slow dependency's multiplier, alone or stacked with others.
    pub const MAX_MULTIPLIER: f64 = 1000.0;
    /// Pods of one version, or of the Deployment.
    pub const MAX_REPLICAS: u64 = 10_000;
    /// Nodes in the whole cluster (every node group at its maximum).
    pub const MAX_NODES: u64 = 5000;
    /// A percentage of pods (maxSurge, maxUnavailable, HPA percent policies).
    pub const MAX_PERCENT: u64 = 1000;
    /// Entries of a list section (versions, faults, steps, knobs, node types and groups...).
    pub const MAX_VERSIONS: usize = 10;
    pub const MAX_LIST: usize = 100;
    pub const MAX_FAULTS: usize = 1000;
    /// Knob bounds and steps.
    pub const MAX_KNOB_ABS: f64 = 1e12;
    /// Concurrent requests one pod serves; waiting places per pod.
    pub const MAX_WORKERS: u64 = 10_000;
    pub const MAX_QUEUE: u64 = 1_000_000;
    /// Concurrent users of a closed model.
    pub const MAX_USERS: u64 = 1_000_000;
    /// A version's traffic weight.
    pub const MAX_WEIGHT: u64 = 10_000;
    /// CPU per worker, millicores.
    pub const MAX_CPU_PER_WORKER_M: u64 = 100_000;
    /// Memory of a pod (request, limit, baseline), MiB: 1 TiB.
    pub const MAX_MEMORY_MI: u64 = 1_048_576;
    /// A pod's or node's lifecycle delays (start-up, grace, probe delay, provisioning) and the
    /// HPA's windows, seconds: one hour.
    pub const MAX_LIFECYCLE_S: f64 = 3600.0;
    /// A readiness probe's period, seconds.
    pub const MAX_PROBE_PERIOD_S: f64 = 300.0;
    /// The HPA's sync period and metric resolution, the Cluster Autoscaler's scan, seconds.
    pub const MAX_CONTROLLER_PERIOD_S: f64 = 600.0;
    /// Nodes of one node group (start, min, max); the HPA's replicas.
    pub const MAX_GROUP_NODES: u64 = 1000;
    pub const MAX_HPA_REPLICAS: u64 = 1000;
    /// The cache's hit latency, ms.
    pub const MAX_CACHE_HIT_MS: f64 = 60_000.0;
    /// The database: connections in the pool, disk operations per second, I/O per query.
    pub const MAX_CONNECTIONS: u64 = 100_000;
    pub const MAX_IOPS: f64 = 10_000_000.0;
    pub const IO_PER_QUERY: (f64, f64) = (0.01, 10_000.0);
    /// A node's network link, Gbit/s; a response, kB.
    pub const LINK_GBPS: (f64, f64) = (0.001, 400.0);
    pub const RESPONSE_KB: (f64, f64) = (0.01, 1_000_000.0);
}

use limits::*;

/// A number as the author would read it: 1e300 rather than three hundred digits.
pub(crate) fn show_num(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 { v.to_string() } else { format!("{v:?}") }
}

/// A number in [lo, hi]: finite (no NaN, no infinity).
pub(super) fn check_range(issues: &mut Issues, path: &str, v: f64, lo: f64, hi: f64) {
    if !v.is_finite() || v < lo || v > hi {
        push(issues, path, format!("{} is out of range; allowed {lo} to {hi}", show_num(v)));
    }
}

/// A number in (0, hi]: a duration, mean or multiplier that must not be zero.
pub(super) fn check_positive_to(issues: &mut Issues, path: &str, v: f64, hi: f64) {
    if !v.is_finite() || v <= 0.0 || v > hi {
        push(issues, path, format!("{} is out of range; allowed more than 0 up to {hi}", show_num(v)));
    }
}

/// A whole number in [lo, hi].
pub(super) fn check_count(issues: &mut Issues, path: &str, v: u64, lo: u64, hi: u64) {
    if v < lo || v > hi {
        push(issues, path, format!("{v} is out of range; allowed {lo} to {hi}"));
    }
}

/// A list of at most `max` entries.
pub(super) fn check_len(issues: &mut Issues, path: &str, len: usize, max: usize) {
    if len > max {
        push(issues, path, format!("{len} entries; allowed at most {max}"));
    }
}

pub(super) fn validate(sc: &Scenario) -> Result<(), ScenarioError> {
    let mut issues = Issues::new();
    validate_top(sc, &mut issues);
    validate_traffic(sc, &mut issues);
    validate_service(&sc.service, &mut issues);
    validate_versions(sc, &mut issues);
    validate_deployment(&sc.deployment, &mut issues);
    if let Some(c) = &sc.cache {
        validate_cache(c, &mut issues);
    }
    if let Some(d) = &sc.database {
        validate_database(d, &mut issues);
    }
    if let Some(n) = &sc.network {
        check_range(&mut issues, "network.node_gbps", n.node_gbps, LINK_GBPS.0, LINK_GBPS.1);
        check_range(&mut issues, "network.response_kb", n.response_kb, RESPONSE_KB.0, RESPONSE_KB.1);
    }
    validate_faults(sc, &mut issues);
    cluster::validate(sc, &mut issues);
    release::validate(sc, &mut issues);
    pipeline::validate(sc, &mut issues);
    validate_knobs(&sc.knobs, &mut issues);
    validate_objectives(sc, &mut issues);
    wrong_answer::validate(sc, &mut issues);
    if issues.is_empty() { Ok(()) } else { Err(ScenarioError { issues }) }
}

fn validate_top(sc: &Scenario, issues: &mut Issues) {
    if sc.format != FORMAT_VERSION {
        push(issues, "format", format!("version {} is not supported; this engine reads format = {FORMAT_VERSION}", sc.format));
    }
    if sc.id.trim().is_empty() {
        push(issues, "id", "must not be empty");
    }
    if sc.duration_s == 0 || sc.duration_s > 7 * 24 * 3600 {
        push(issues, "duration_s", format!("{} is out of range; allowed 1 to 604800 seconds", sc.duration_s));
    }
    if sc.warmup_s >= sc.duration_s {
        push(issues, "warmup_s", format!("{} must be shorter than duration_s ({})", sc.warmup_s, sc.duration_s));
    }
    if let Some(l) = sc.sli_latency_ms {
        check_positive_to(issues, "sli_latency_ms", l, MAX_DELAY_MS);
    }
}

fn validate_dist(d: &DistSpec, path: &str, issues: &mut Issues) {
    check_positive_to(issues, &format!("{path}.mean_ms"), d.mean_ms, MAX_DELAY_MS);
    match (d.kind, d.sigma) {
        (DistKind::LogNormal, Some(s)) => check_range(issues, &format!("{path}.sigma"), s, 0.0, 5.0),
        (DistKind::LogNormal, None) => {}
        (_, Some(_)) => push(issues, format!("{path}.sigma"), "only used by kind = \"log_normal\""),
        (_, None) => {}
    }
}

fn validate_traffic(sc: &Scenario, issues: &mut Issues) {
    let t = &sc.traffic;
    if t.base_rps.is_some() && t.preset.is_none() {
        push(issues, "traffic.base_rps", "only used with `preset`");
    }
    match t.model {
        TrafficModel::Open => {
            if let Err(mut e) = build_shape(sc) {
                issues.append(&mut e);
            }
            if t.think_time_ms.is_some() {
                push(issues, "traffic.think_time_ms", "only used by model = \"closed\"");
            }
            if let Some(u) = t.users {
                check_count(issues, "traffic.users", u.into(), 1, 100_000_000);
            }
        }
        TrafficModel::Closed => {
            if t.preset.is_some() {
                push(issues, "traffic.preset", "a closed model takes `users` (a fixed count) or `shape` (users over time), not a preset");
            }
            match (&t.shape, t.users) {
                (Some(_), Some(_)) => push(
                    issues,
                    "traffic.users",
                    "give either `users` (a fixed count) or `shape` (users over time, like a load-test script), not both",
                ),
                (Some(_), None) => match build_shape(sc) {
                    Ok(shape) => {
                        let most = shape.max_rate_in(0.0, sc.duration_s as f64);
                        if most > 1_000_000.0 {
                            push(issues, "traffic.shape", format!("reaches {most} users; allowed at most 1000000"));
                        }
                    }
                    Err(mut e) => issues.append(&mut e),
                },
                (None, Some(u)) if (1..=MAX_USERS).contains(&u.into()) => {}
                (None, Some(u)) => push(issues, "traffic.users", format!("{u} is out of range; allowed 1 to {MAX_USERS}")),
                (None, None) => push(
                    issues,
                    "traffic.users",
                    "required for model = \"closed\": the number of concurrent users (or a `shape` of users over time)",
                ),
            }
            match t.think_time_ms {
                Some(z) => check_range(issues, "traffic.think_time_ms", z, 0.0, MAX_DELAY_MS),
                None => push(
                    issues,
                    "traffic.think_time_ms",
                    "required for model = \"closed\": mean pause between a response and the next request",
                ),
            }
        }
    }
}

fn validate_service(s: &ServiceSpec, issues: &mut Issues) {
    check_count(issues, "service.workers", s.workers.into(), 1, MAX_WORKERS);
    if let Some(q) = s.queue_capacity {
        check_count(issues, "service.queue_capacity", q.into(), 0, MAX_QUEUE);
    }
    if let Some(t) = s.timeout_ms {
        check_positive_to(issues, "service.timeout_ms", t, MAX_DELAY_MS);
    }
    validate_dist(&s.service_time, "service.service_time", issues);
    check_count(issues, "service.cpu_per_worker_m", s.cpu_per_worker_m.into(), 0, MAX_CPU_PER_WORKER_M);
    match s.cpu_request_m {
        Some(c) => check_count(issues, "service.cpu_request_m", c.into(), 1, 1_000_000),
        None if s.cpu_request() == 0 => push(issues, "service.cpu_request_m", "must be at least 1 millicore"),
        None => {}
    }
}

fn validate_versions(sc: &Scenario, issues: &mut Issues) {
    let many = sc.versions.len() > 1;
    check_len(issues, "versions", sc.versions.len(), MAX_VERSIONS);
    let pods: u64 = sc.versions().iter().map(|v| u64::from(v.replicas.unwrap_or(0))).sum();
    if pods > MAX_REPLICAS {
        push(issues, "versions", format!("{pods} pods at the start in all; allowed at most {MAX_REPLICAS}"));
    }
    for (i, v) in sc.versions.iter().enumerate() {
        let p = format!("versions.{i}");
        if v.name.trim().is_empty() {
            push(issues, format!("{p}.name"), "must not be empty");
        }
        if sc.versions[..i].iter().any(|o| o.name == v.name) {
            push(issues, format!("{p}.name"), format!("\"{}\" is used twice; version names must be unique", v.name));
        }
        // With a [release], the release controller sets the shares (all to the running version first).
        if many && v.weight.is_none() && sc.release.is_none() && sc.pipeline.is_none() {
            push(
                issues,
                format!("{p}.weight"),
                "required when there are several versions without a [release] (a traffic share, e.g. 90 and 10)",
            );
        }
        if let Some(w) = v.weight {
            check_count(issues, &format!("{p}.weight"), w.into(), 0, MAX_WEIGHT);
        }
        if let Some(r) = v.replicas {
            check_count(issues, &format!("{p}.replicas"), r.into(), 0, MAX_REPLICAS);
        }
        check_range(issues, &format!("{p}.error_rate"), v.error_rate, 0.0, 1.0);
        check_range(issues, &format!("{p}.extra_latency_ms"), v.extra_latency_ms, 0.0, MAX_DELAY_MS);
        check_range(issues, &format!("{p}.memory_leak_mi_per_1k"), v.memory_leak_mi_per_1k, 0.0, 1_000_000.0);
        if let Some(s) = v.startup_s {
            check_range(issues, &format!("{p}.startup_s"), s, 0.0, MAX_LIFECYCLE_S);
        }
        if let Some(d) = &v.service_time {
            validate_dist(d, &format!("{p}.service_time"), issues);
        }
    }
    if many && sc.versions.iter().all(|v| v.weight == Some(0)) {
        push(issues, "versions", "at least one version needs a weight above 0");
    }
}

fn validate_deployment(d: &DeploymentSpec, issues: &mut Issues) {
    check_count(issues, "deployment.replicas", d.replicas.into(), 0, MAX_REPLICAS);
    check_len(issues, "deployment.pod_weights", d.pod_weights.len(), MAX_REPLICAS as usize);
    for (i, w) in d.pod_weights.iter().enumerate() {
        check_count(issues, &format!("deployment.pod_weights.{i}"), (*w).into(), 0, 1000);
    }
    check_count(issues, "deployment.memory_request_mi", d.memory_request_mi.into(), 0, MAX_MEMORY_MI);
    if let Some(m) = d.memory_limit_mi {
        check_count(issues, "deployment.memory_limit_mi", m.into(), 1, MAX_MEMORY_MI);
    }
    check_range(issues, "deployment.pod_cost_per_hour", d.pod_cost_per_hour, 0.0, 1e6);
    check_range(issues, "deployment.termination_grace_s", d.termination_grace_s, 0.0, MAX_LIFECYCLE_S);
    if let Some(b) = d.memory_baseline_mi {
        check_range(issues, "deployment.memory_baseline_mi", b as f64, 0.0, 1_048_576.0);
    }
    check_range(issues, "deployment.memory_per_request_mi", d.memory_per_request_mi, 0.0, 65_536.0);
}

fn validate_cache(c: &CacheSpec, issues: &mut Issues) {
    check_range(issues, "cache.hit_ratio", c.hit_ratio, 0.0, 1.0);
    check_range(issues, "cache.hit_latency_ms", c.hit_latency_ms, 0.0, MAX_CACHE_HIT_MS);
    check_range(issues, "cache.refill_s", c.refill_s, 0.0, MAX_PAUSE_S);
}

fn validate_database(d: &DatabaseSpec, issues: &mut Issues) {
    check_count(issues, "database.connections", d.connections.into(), 1, MAX_CONNECTIONS);
    validate_dist(&d.latency, "database.latency", issues);
    if let Some(iops) = d.iops {
        check_range(issues, "database.iops", iops, 1.0, MAX_IOPS);
    }
    check_range(issues, "database.io_per_query", d.io_per_query, IO_PER_QUERY.0, IO_PER_QUERY.1);
}

fn validate_faults(sc: &Scenario, issues: &mut Issues) {
    check_len(issues, "faults", sc.faults.len(), MAX_FAULTS);
    // Overlapping spikes (or slow-downs) multiply; the product peaks when one of them starts.
    for (i, f) in sc.faults.iter().enumerate() {
        let same = |g: &&FaultSpec| g.kind == f.kind && g.at_s <= f.at_s && f.at_s < g.at_s + g.duration_s.unwrap_or(0.0);
        let x = |g: &FaultSpec| g.multiplier.or(g.factor).unwrap_or(1.0);
        // Each one alone in range (else its own field says so), together over the bound.
        let alone = |g: &FaultSpec| x(g) > 0.0 && x(g) <= MAX_MULTIPLIER;
        if matches!(f.kind, FaultKind::TrafficSpike | FaultKind::SlowDependency) && sc.faults.iter().filter(same).all(alone) {
            let stacked: f64 = sc.faults.iter().filter(same).map(x).product();
            if stacked > MAX_MULTIPLIER {
                push(
                    issues,
                    format!("faults.{i}.at_s"),
                    format!("overlapping faults of this kind multiply to x{} here; allowed at most x{MAX_MULTIPLIER}", show_num(stacked)),
                );
            }
        }
    }
    for (i, f) in sc.faults.iter().enumerate() {
        let p = format!("faults.{i}");
        check_range(issues, &format!("{p}.at_s"), f.at_s, 0.0, sc.duration_s as f64);
        let needs: &[&str] = match f.kind {
            FaultKind::KillPod => &["pod"],
            FaultKind::KillNode => &["node"],
            FaultKind::LoseZone => &["zone"],
            FaultKind::TrafficSpike => &["multiplier", "duration_s"],
            FaultKind::SlowDependency => &["factor", "duration_s"],
            FaultKind::CacheFlush => &[],
        };
        let present = [
            ("pod", f.pod.is_some()),
            ("node", f.node.is_some()),
            ("zone", f.zone.is_some()),
            ("multiplier", f.multiplier.is_some()),
            ("factor", f.factor.is_some()),
            ("duration_s", f.duration_s.is_some()),
        ];
        for (name, is) in present {
            if is && !needs.contains(&name) {
                push(issues, format!("{p}.{name}"), format!("not used by kind {:?}", f.kind));
            }
        }
        match f.kind {
            FaultKind::TrafficSpike | FaultKind::SlowDependency => {
                let (name, v) = if f.kind == FaultKind::TrafficSpike { ("multiplier", f.multiplier) } else { ("factor", f.factor) };
                match v {
                    Some(x) => check_positive_to(issues, &format!("{p}.{name}"), x, MAX_MULTIPLIER),
                    None => push(issues, format!("{p}.{name}"), format!("required for kind {:?}", f.kind)),
                }
                match f.duration_s {
                    Some(d) => check_positive_to(issues, &format!("{p}.duration_s"), d, MAX_SPAN_S),
                    None => push(issues, format!("{p}.duration_s"), format!("required for kind {:?}", f.kind)),
                }
            }
            FaultKind::LoseZone if f.zone.is_none() => push(issues, format!("{p}.zone"), "required for kind LoseZone"),
            FaultKind::KillPod | FaultKind::CacheFlush | FaultKind::KillNode | FaultKind::LoseZone => {}
        }
        if matches!(f.kind, FaultKind::KillNode | FaultKind::LoseZone) && sc.cluster.is_none() {
            push(issues, format!("{p}.kind"), "kill_node and lose_zone need a [cluster] section");
        }
        if f.kind == FaultKind::SlowDependency && sc.database.is_none() {
            push(issues, format!("{p}.kind"), "slow_dependency needs a [database] section");
        }
        if f.kind == FaultKind::CacheFlush && sc.cache.is_none() {
            push(issues, format!("{p}.kind"), "cache_flush needs a [cache] section");
        }
    }
}

pub(super) fn validate_knobs(knobs: &[Knob], issues: &mut Issues) {
    check_len(issues, "knobs", knobs.len(), MAX_LIST);
    for (i, k) in knobs.iter().enumerate() {
        let p = format!("knobs.{i}");
        for (name, v) in [("min", k.min), ("max", k.max)] {
            if let Some(x) = v {
                check_range(issues, &format!("{p}.{name}"), x, -MAX_KNOB_ABS, MAX_KNOB_ABS);
            }
        }
        if let Some(step) = k.step {
            check_positive_to(issues, &format!("{p}.step"), step, MAX_KNOB_ABS);
        }
        if [k.min, k.max].iter().flatten().any(|x| !x.is_finite()) {
            continue;
        }
        match k.kind {
            KnobKind::Integer | KnobKind::Number => match (k.min, k.max) {
                (Some(lo), Some(hi)) if lo <= hi => {
                    if let Some(v) = k.reference.as_float().or(k.reference.as_integer().map(|x| x as f64)) {
                        check_range(issues, &format!("{p}.reference"), v, lo, hi);
                    } else {
                        push(issues, format!("{p}.reference"), "must be a number for a numeric knob");
                    }
                }
                (Some(lo), Some(hi)) => push(issues, format!("{p}.min"), format!("min {lo} is above max {hi}")),
                _ => push(issues, format!("{p}.min"), "integer and number knobs need both `min` and `max`"),
            },
            KnobKind::Choice => {
                if k.choices.is_empty() {
                    push(issues, format!("{p}.choices"), "a choice knob needs a non-empty list of choices");
                } else if let Err(e) = k.check(&k.reference) {
                    push(issues, format!("{p}.reference"), e);
                }
            }
        }
    }
}

/// Each knob's reference value must apply cleanly to the document (the path exists, the type fits).
// Inline: built where a scenario is read (see `Scenario::from_document`).
#[inline]
pub(super) fn validate_knob_references(sc: &Scenario, doc: &toml::Value) -> Result<(), ScenarioError> {
    let mut issues = Issues::new();
    for (i, k) in sc.knobs.iter().enumerate() {
        let mut d = doc.clone();
        let raw = knobs::show(&k.reference);
        let applied = overrides::apply_override(&mut d, &k.path, &raw, &sc.knobs)
            .and_then(|_| knobs::apply_release_switch(&mut d))
            .and_then(|_| deserialize_at::<Scenario>(d, "").and_then(|s| validate(&s).map(|_| ())));
        if let Err(e) = applied {
            push(&mut issues, format!("knobs.{i}.path"), format!("`{}` = {raw} does not give a valid scenario: {e}", k.path));
        }
    }
    if issues.is_empty() { Ok(()) } else { Err(ScenarioError { issues }) }
}

/// What a metric needs from the scenario: a version name, a database, a cache, a disk, …
fn validate_objective_needs(sc: &Scenario, o: &Objective, p: &str, issues: &mut Issues) {
    let names: Vec<String> = sc.versions().into_iter().map(|v| v.name).collect();
    match (&o.version, o.metric.per_version()) {
        (Some(v), true) if names.contains(v) => {}
        (Some(v), true) => push(issues, format!("{p}.version"), format!("\"{v}\" is not a version; known: {}", names.join(", "))),
        (None, true) => push(issues, format!("{p}.version"), format!("required for metric {:?}: which version it measures", o.metric)),
        (Some(_), false) => push(
            issues,
            format!("{p}.version"),
            "only used by the per-version metrics (version_latency_p99_ms, version_error_rate, version_failed_requests, ab_confidence)",
        ),
        (None, false) => {}
    }
    let ab = o.metric == Metric::AbConfidence;
    match &o.baseline {
        Some(_) if !ab => push(issues, format!("{p}.baseline"), "only used by metric ab_confidence"),
        Some(b) if !names.contains(b) => {
            push(issues, format!("{p}.baseline"), format!("\"{b}\" is not a version; known: {}", names.join(", ")))
        }
        _ => {}
    }
    if ab && o.baseline.as_ref().or(names.first()) == o.version.as_ref() {
        push(issues, format!("{p}.baseline"), "the baseline must be another version than `version` (default: the first version)");
    }
    match o.min_requests {
        Some(_) if !ab => push(issues, format!("{p}.min_requests"), "only used by metric ab_confidence"),
        Some(n) => check_count(issues, &format!("{p}.min_requests"), n, 1, 1_000_000_000),
        None => {}
    }
    match (o.recovery_availability, o.metric) {
        (Some(a), Metric::RecoveryS) if !(a > 0.0 && a <= 1.0) => {
            push(issues, format!("{p}.recovery_availability"), format!("{a} is out of range; allowed above 0 up to 1"))
        }
        (Some(_), m) if m != Metric::RecoveryS => push(issues, format!("{p}.recovery_availability"), "only used by metric recovery_s"),
        _ => {}
    }
    let memory = sc.deployment.memory_modelled() || sc.versions().iter().any(|v| v.memory_leak_mi_per_1k > 0.0);
    let missing = match o.metric {
        Metric::BlastRadius | Metric::TimeToDetectS if sc.release.is_none() && sc.pipeline.is_none() => Some("a [release] or a [pipeline]"),
        Metric::DbPoolUtilization if sc.database.is_none() => Some("a [database]"),
        Metric::CacheHitRatio if sc.cache.is_none() => Some("a [cache]"),
        Metric::DiskUtilization if sc.database.as_ref().is_none_or(|d| d.iops.is_none()) => Some("database.iops"),
        Metric::NetworkUtilization if sc.network.is_none() => Some("a [network]"),
        Metric::MixedUsers if names.len() < 2 => Some("two [[versions]]"),
        Metric::LeadTimeS if sc.pipeline.is_none() => Some("a [pipeline]"),
        Metric::ExcessPermissions if sc.pipeline.as_ref().is_none_or(|p| p.roles.is_none()) => Some("pipeline.roles"),
        Metric::OomKills | Metric::Evictions | Metric::PeakPodMemoryMi if !memory => {
            Some("memory in the model (deployment.memory_per_request_mi, memory_baseline_mi or a version's memory leak)")
        }
        _ => None,
    };
    if let Some(what) = missing {
        push(issues, format!("{p}.metric"), format!("{:?} measures nothing without {what}", o.metric));
    }
}

fn validate_objectives(sc: &Scenario, issues: &mut Issues) {
    check_len(issues, "objectives", sc.objectives.len(), MAX_LIST);
    if sc.objectives.iter().filter(|o| o.metric == Metric::RecoveryS).count() > 1 {
        push(issues, "objectives", "at most one recovery_s objective (the run tracks one recovery level)");
    }
    for (i, o) in sc.objectives.iter().enumerate() {
        let p = format!("objectives.{i}");
        if sc.objectives[..i].iter().any(|x| x.id == o.id) {
            push(issues, format!("{p}.id"), format!("\"{}\" is used twice; objective ids must be unique", o.id));
        }
        if !o.value.is_finite() {
            push(issues, format!("{p}.value"), "must be a finite number");
        }
        if o.metric.is_ratio() {
            check_range(issues, &format!("{p}.value"), o.value, 0.0, 1.0);
        }
        validate_objective_needs(sc, o, &p, issues);
    }
    for (i, h) in sc.hints.iter().enumerate() {
        if !sc.objectives.iter().any(|o| o.id == h.objective) {
            let ids: Vec<&str> = sc.objectives.iter().map(|o| o.id.as_str()).collect();
            push(issues, format!("hints.{i}.objective"), format!("\"{}\" is not an objective id; known: {}", h.objective, ids.join(", ")));
        }
        condition::validate(&h.when, &format!("hints.{i}.when"), &sc.knobs, issues);
    }
}
