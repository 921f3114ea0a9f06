//! The sandbox's knobs: every value of a system the engine lets a learner turn, grouped as the
//! lecture draws the system (traffic, pods, rollout, nodes, HPA, Cluster Autoscaler, cache,
//! database, network, release), with the ranges validation enforces (`scenario::limits`). The
//! app renders this list; it holds no path, range or label of its own.

use super::super::validate::limits::*;
use super::*;

/// Where a knob sits in the system.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Traffic,
    Pods,
    Rollout,
    Nodes,
    Hpa,
    ClusterAutoscaler,
    Cache,
    Database,
    Network,
    Release,
}

impl Group {
    /// As the page and the tests name it.
    pub fn id(self) -> &'static str {
        match self {
            Group::Traffic => "traffic",
            Group::Pods => "pods",
            Group::Rollout => "rollout",
            Group::Nodes => "nodes",
            Group::Hpa => "hpa",
            Group::ClusterAutoscaler => "cluster_autoscaler",
            Group::Cache => "cache",
            Group::Database => "database",
            Group::Network => "network",
            Group::Release => "release",
        }
    }

    pub fn text(self) -> Text {
        let (en, ko) = match self {
            Group::Traffic => ("Traffic", "트래픽"),
            Group::Pods => ("Pods and the load balancer", "파드와 로드 밸런서"),
            Group::Rollout => ("Pod lifecycle and rollout", "파드 수명 주기와 롤아웃"),
            Group::Nodes => ("Nodes", "노드"),
            Group::Hpa => ("Horizontal Pod Autoscaler", "HPA(수평 파드 오토스케일러)"),
            Group::ClusterAutoscaler => ("Cluster Autoscaler", "클러스터 오토스케일러"),
            Group::Cache => ("Cache", "캐시"),
            Group::Database => ("Database", "데이터베이스"),
            Group::Network => ("Network", "네트워크"),
            Group::Release => ("Versions and release", "버전과 릴리스"),
        };
        Text { ko: ko.into(), en: en.into() }
    }

    /// The group of a path no definition below names (a scenario's own knob).
    fn of_path(path: &str) -> Group {
        let head = path.split('.').next().unwrap_or("");
        match head {
            "traffic" | "duration_s" => Group::Traffic,
            "deployment" if path.contains("replicas") || path.contains("memory") => Group::Pods,
            "deployment" => Group::Rollout,
            "cluster" => Group::Nodes,
            "hpa" => Group::Hpa,
            "cluster_autoscaler" => Group::ClusterAutoscaler,
            "cache" => Group::Cache,
            "database" => Group::Database,
            "network" => Group::Network,
            "release" | "versions" | "pipeline" => Group::Release,
            _ => Group::Pods,
        }
    }
}

/// One knob of the sandbox and its group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SandboxKnob {
    pub group: Group,
    pub knob: Knob,
}

/// How a definition reads its value: a number in [min, max] (whole or not), or a choice.
enum Range {
    Int(f64, f64),
    Num(f64, f64, f64),
    Choice(Vec<String>),
}

struct Def {
    group: Group,
    path: String,
    en: String,
    ko: String,
    range: Range,
    unit: Option<&'static str>,
}

fn def(
    group: Group,
    path: impl Into<String>,
    en: impl Into<String>,
    ko: impl Into<String>,
    range: Range,
    unit: Option<&'static str>,
) -> Def {
    Def { group, path: path.into(), en: en.into(), ko: ko.into(), range, unit }
}

fn choices(list: &[&str]) -> Range {
    Range::Choice(list.iter().map(|s| s.to_string()).collect())
}

/// Every knob this scenario's system has, in group order: the engine's definitions whose path
/// exists in it (defaults included), then the scenario's own knobs no definition covers. Each
/// starts from the scenario's value (its `reference` here: the sandbox has no solution).
pub fn sandbox_knobs(sc: &Scenario) -> Vec<SandboxKnob> {
    let mut out: Vec<SandboxKnob> = Vec::new();
    for d in definitions(sc) {
        let now = if d.path == RELEASE_ENABLED {
            sc.release.as_ref().map(|_| "true".to_string())
        } else {
            typed_value(sc, &d.path).map(|v| value_text(&v))
        };
        let Some(reference) = now else { continue };
        let (kind, min, max, step, choices) = match d.range {
            Range::Int(lo, hi) => (KnobKind::Integer, Some(lo), Some(hi), None, vec![]),
            Range::Num(lo, hi, step) => (KnobKind::Number, Some(lo), Some(hi), Some(step), vec![]),
            Range::Choice(c) => (KnobKind::Choice, None, None, None, c),
        };
        let reference = match kind {
            KnobKind::Choice => toml::Value::String(reference),
            _ => crate::scenario::read_f64(&reference).map(toml::Value::Float).unwrap_or(toml::Value::String(reference)),
        };
        let knob = Knob {
            path: d.path,
            label: Text { ko: d.ko, en: d.en },
            kind,
            min,
            max,
            step,
            unit: d.unit.map(str::to_string),
            choices,
            reference,
        };
        out.push(SandboxKnob { group: d.group, knob });
    }
    for k in &sc.knobs {
        if !out.iter().any(|o| o.knob.path == k.path) {
            out.push(SandboxKnob { group: Group::of_path(&k.path), knob: k.clone() });
        }
    }
    // Stable: definitions keep their order inside a group.
    crate::kube::stable_sorted(out, &|a, b| (a.group as u8).cmp(&(b.group as u8)))
}

/// The definitions for this scenario (per node group and per version where the path has one).
fn definitions(sc: &Scenario) -> Vec<Def> {
    use Group::*;
    use Range::*;
    let span = sc.duration_s as f64;
    let closed = sc.traffic.model == TrafficModel::Closed;
    // A closed model's shape counts users, an open one's requests per second.
    let (rate_unit, rate_max) = if closed { ("users", MAX_USERS as f64) } else { ("rps", MAX_RPS) };
    let mut d = vec![
        def(Traffic, "duration_s", "Run length", "실행 시간", Int(sc.warmup_s as f64 + 1.0, MAX_SPAN_S), Some("s")),
        def(Traffic, "traffic.users", "Users", "사용자 수", Int(1.0, MAX_USERS as f64), Some("users")),
        def(
            Traffic,
            "traffic.think_time_ms",
            "Think time between requests",
            "요청 사이 생각 시간",
            Num(0.0, MAX_DELAY_MS, 1.0),
            Some("ms"),
        ),
        def(
            Traffic,
            "traffic.preset",
            "Load-test preset",
            "부하 테스트 프리셋",
            choices(&["smoke", "average", "stress", "spike", "soak", "breakpoint"]),
            None,
        ),
        def(Traffic, "traffic.base_rps", "Expected load", "예상 부하", Num(1.0, MAX_RPS / 10.0, 1.0), Some("rps")),
    ];
    let rates = [
        ("rps", "Rate", "비율"),
        ("from_rps", "Rate at the start", "시작 비율"),
        ("to_rps", "Rate at the end", "끝 비율"),
        ("base_rps", "Base rate", "기본 비율"),
        ("peak_rps", "Peak rate", "최고 비율"),
        ("min_rps", "Lowest rate", "최저 비율"),
        ("max_rps", "Highest rate", "가장 높은 비율"),
        ("start_rps", "Rate before the first stage", "첫 단계 전 비율"),
    ];
    for (field, en, ko) in rates {
        d.push(def(Traffic, format!("traffic.shape.{field}"), en, ko, Num(0.0, rate_max, 1.0), Some(rate_unit)));
    }
    let times = [
        ("at_s", "When the change comes", "변화 시각"),
        ("start_s", "Ramp start", "증가 시작"),
        ("duration_s", "How long it lasts", "지속 시간"),
        ("ramp_s", "Ramp-up time", "증가 시간"),
        ("hold_s", "Time at the peak", "최고점 유지 시간"),
        ("decay_s", "Decay time", "감소 시간"),
        ("peak_at_s", "Time of the daily peak", "하루 최고점 시각"),
        ("period_s", "Length of a cycle", "주기 길이"),
    ];
    for (field, en, ko) in times {
        let hi = if field == "period_s" { MAX_SPAN_S } else { span };
        d.push(def(Traffic, format!("traffic.shape.{field}"), en, ko, Num(0.0, hi, 1.0), Some("s")));
    }
    d.extend([
        def(Pods, "deployment.replicas", "Replicas", "레플리카 수", Int(0.0, MAX_REPLICAS as f64), Some("pods")),
        def(Pods, "service.workers", "Workers per pod", "파드당 워커", Int(1.0, MAX_WORKERS as f64), Some("workers")),
        def(Pods, "service.queue_capacity", "Queue places per pod", "파드당 대기열 자리", Int(0.0, MAX_QUEUE as f64), Some("requests")),
        def(Pods, "service.timeout_ms", "Client timeout", "클라이언트 타임아웃", Num(1.0, MAX_DELAY_MS, 1.0), Some("ms")),
        def(Pods, "service.service_time.mean_ms", "Mean service time", "평균 처리 시간", Num(0.1, MAX_DELAY_MS, 0.1), Some("ms")),
        def(
            Pods,
            "service.balancer",
            "Load balancer",
            "로드 밸런서",
            choices(&["round_robin", "least_connections", "random", "power_of_two", "weighted"]),
            None,
        ),
        def(Pods, "service.cpu_per_worker_m", "CPU per worker", "워커당 CPU", Int(0.0, MAX_CPU_PER_WORKER_M as f64), Some("m")),
        def(
            Pods,
            "deployment.memory_request_mi",
            "Memory request per pod",
            "파드당 메모리 요청",
            Int(0.0, MAX_MEMORY_MI as f64),
            Some("MiB"),
        ),
        def(Pods, "deployment.memory_limit_mi", "Memory limit per pod", "파드당 메모리 한도", Int(1.0, MAX_MEMORY_MI as f64), Some("MiB")),
        def(Rollout, "deployment.strategy", "Update strategy", "업데이트 전략", choices(&["rolling_update", "recreate"]), None),
        def(Rollout, "deployment.startup_s", "Start-up time", "시작 시간", Num(0.0, MAX_LIFECYCLE_S, 1.0), Some("s")),
        def(
            Rollout,
            "deployment.readiness_period_s",
            "Readiness probe period",
            "준비성 프로브 주기",
            Num(1.0, MAX_PROBE_PERIOD_S, 1.0),
            Some("s"),
        ),
        def(
            Rollout,
            "deployment.min_ready_s",
            "Ready this long before available",
            "가용으로 치기 전 준비 시간",
            Num(0.0, MAX_LIFECYCLE_S, 1.0),
            Some("s"),
        ),
        def(
            Rollout,
            "deployment.termination_grace_s",
            "Termination grace period",
            "종료 유예 시간",
            Num(0.0, MAX_LIFECYCLE_S, 1.0),
            Some("s"),
        ),
    ]);
    let types: Vec<String> = sc.cluster.iter().flat_map(|c| c.node_types.iter().map(|t| t.name.clone())).collect();
    for (i, g) in sc.cluster.iter().flat_map(|c| c.node_groups.iter()).enumerate() {
        let p = format!("cluster.node_groups.{i}");
        let n = &g.name;
        let nodes = Int(0.0, MAX_GROUP_NODES as f64);
        d.extend([
            def(Nodes, format!("{p}.node_type"), format!("{n}: node type"), format!("{n}: 노드 타입"), Choice(types.clone()), None),
            def(Nodes, format!("{p}.nodes"), format!("{n}: nodes at the start"), format!("{n}: 시작 노드 수"), nodes, Some("nodes")),
            def(
                Nodes,
                format!("{p}.min"),
                format!("{n}: fewest nodes"),
                format!("{n}: 최소 노드 수"),
                Int(0.0, MAX_GROUP_NODES as f64),
                Some("nodes"),
            ),
            def(
                Nodes,
                format!("{p}.max"),
                format!("{n}: most nodes"),
                format!("{n}: 최대 노드 수"),
                Int(0.0, MAX_GROUP_NODES as f64),
                Some("nodes"),
            ),
            def(
                Nodes,
                format!("{p}.provision_s"),
                format!("{n}: time to a new node"),
                format!("{n}: 새 노드까지 걸리는 시간"),
                Num(0.0, MAX_LIFECYCLE_S, 1.0),
                Some("s"),
            ),
        ]);
    }
    let pct = MAX_PERCENT as f64;
    d.extend([
        def(
            Nodes,
            "cluster.node_monitor_grace_s",
            "Node monitor grace period",
            "노드 모니터 유예 시간",
            Num(0.0, MAX_LIFECYCLE_S, 1.0),
            Some("s"),
        ),
        def(
            Nodes,
            "cluster.pod_eviction_s",
            "Pod eviction after NotReady",
            "NotReady 후 파드 축출까지",
            Num(0.0, MAX_PAUSE_S, 1.0),
            Some("s"),
        ),
        def(Hpa, "hpa.min_replicas", "HPA minimum replicas", "HPA 최소 레플리카", Int(1.0, MAX_HPA_REPLICAS as f64), Some("pods")),
        def(Hpa, "hpa.max_replicas", "HPA maximum replicas", "HPA 최대 레플리카", Int(1.0, MAX_HPA_REPLICAS as f64), Some("pods")),
        def(Hpa, "hpa.target_cpu_percent", "HPA target CPU", "HPA 목표 CPU", Int(1.0, pct), Some("%")),
        def(Hpa, "hpa.sync_period_s", "HPA sync period", "HPA 동기화 주기", Num(1.0, MAX_CONTROLLER_PERIOD_S, 1.0), Some("s")),
        def(Hpa, "hpa.tolerance", "HPA tolerance", "HPA 허용 오차", Num(0.0, 1.0, 0.01), None),
        def(
            Hpa,
            "hpa.downscale_stabilization_s",
            "HPA scale-down stabilization",
            "HPA 축소 안정화 시간",
            Num(0.0, MAX_LIFECYCLE_S, 1.0),
            Some("s"),
        ),
        def(
            ClusterAutoscaler,
            "cluster_autoscaler.enabled",
            "Cluster Autoscaler on",
            "클러스터 오토스케일러 사용",
            choices(&["true", "false"]),
            None,
        ),
        def(
            ClusterAutoscaler,
            "cluster_autoscaler.scan_interval_s",
            "Scan interval",
            "검사 주기",
            Num(1.0, MAX_CONTROLLER_PERIOD_S, 1.0),
            Some("s"),
        ),
        def(
            ClusterAutoscaler,
            "cluster_autoscaler.scale_down_utilization_threshold",
            "Scale-down below this use",
            "이 사용률 아래면 축소",
            Num(0.0, 1.0, 0.01),
            None,
        ),
        def(
            ClusterAutoscaler,
            "cluster_autoscaler.scale_down_unneeded_s",
            "Unneeded this long before removal",
            "제거 전 불필요 시간",
            Num(0.0, MAX_PAUSE_S, 1.0),
            Some("s"),
        ),
        def(Cache, "cache.hit_ratio", "Cache hit ratio", "캐시 적중률", Num(0.0, 1.0, 0.01), None),
        def(Cache, "cache.hit_latency_ms", "Cache hit latency", "캐시 적중 지연", Num(0.0, MAX_CACHE_HIT_MS, 0.1), Some("ms")),
        def(Cache, "cache.refill_s", "Refill time after a flush", "비운 뒤 다시 채우는 시간", Num(0.0, MAX_PAUSE_S, 1.0), Some("s")),
        def(
            Database,
            "database.connections",
            "Connection pool size",
            "커넥션 풀 크기",
            Int(1.0, MAX_CONNECTIONS as f64),
            Some("connections"),
        ),
        def(Database, "database.latency.mean_ms", "Mean query time", "평균 쿼리 시간", Num(0.1, MAX_DELAY_MS, 0.1), Some("ms")),
        def(Database, "database.iops", "Disk IOPS", "디스크 IOPS", Num(1.0, MAX_IOPS, 1.0), None),
        def(Database, "database.io_per_query", "Disk I/O per query", "쿼리당 디스크 I/O", Num(IO_PER_QUERY.0, IO_PER_QUERY.1, 0.01), None),
        def(Network, "network.node_gbps", "Node link bandwidth", "노드 링크 대역폭", Num(LINK_GBPS.0, LINK_GBPS.1, 0.001), Some("Gbps")),
        def(Network, "network.response_kb", "Response size", "응답 크기", Num(RESPONSE_KB.0, RESPONSE_KB.1, 0.01), Some("kB")),
        def(Release, RELEASE_ENABLED, "The scenario's scheduled release", "시나리오의 예약된 릴리스", choices(&["true", "false"]), None),
        def(
            Release,
            "release.strategy",
            "Release strategy",
            "릴리스 전략",
            choices(&["rolling_update", "recreate", "blue_green", "canary", "ab_test"]),
            None,
        ),
        def(Release, "release.at_s", "Release time", "릴리스 시각", Num(0.0, (span - 1.0).max(0.0), 1.0), Some("s")),
        def(
            Release,
            "release.analysis.max_error_rate",
            "Analysis: abort above this error rate",
            "분석: 이 에러율을 넘으면 중단",
            Num(0.0, 1.0, 0.001),
            None,
        ),
    ]);
    for (i, v) in sc.versions.iter().enumerate() {
        let (p, n) = (format!("versions.{i}"), &v.name);
        if i > 0 {
            d.push(def(Release, format!("{p}.error_rate"), format!("{n}: error rate"), format!("{n}: 에러율"), Num(0.0, 1.0, 0.01), None));
            d.push(def(
                Release,
                format!("{p}.extra_latency_ms"),
                format!("{n}: extra latency"),
                format!("{n}: 추가 지연"),
                Num(0.0, MAX_DELAY_MS, 1.0),
                Some("ms"),
            ));
        }
        d.push(def(
            Release,
            format!("{p}.weight"),
            format!("{n}: traffic weight"),
            format!("{n}: 트래픽 가중치"),
            Int(0.0, MAX_WEIGHT as f64),
            None,
        ));
    }
    d
}
