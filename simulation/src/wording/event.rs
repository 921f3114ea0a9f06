//! Every event of the causal log in words, English and Korean.

use super::particle::{Particle::*, with};
use super::say;
use crate::event_log::{
    AbortWhy, AnalysisMiss, CpuUse, CrashWhy, EventKind, FailCause, LogEvent, NodeTarget, PodEnd, RolloutHow, ScaleWhy,
};
use crate::kube::hpa::behavior::LimitReason;
use crate::kube::hpa::controller::ReconcileReason;
use crate::scenario::thousands;
use crate::scenario::{TagPolicy, Text};
use serde::{Serialize, Serializer};

/// The tag a log line's `kind` is shown under, in both languages (an unknown kind is its own tag).
pub fn tag_text(kind: &str) -> Text {
    const KINDS: &[(&str, &str, &str)] = &[
        ("start", "시작", "start"),
        ("fault", "장애", "fault"),
        ("fault_end", "장애 끝", "fault over"),
        ("traffic", "트래픽", "traffic"),
        ("hpa", "HPA", "HPA"),
        ("deployment", "디플로이먼트", "Deployment"),
        ("replicaset", "레플리카셋", "ReplicaSet"),
        ("node", "노드", "node"),
        ("kubelet", "kubelet", "kubelet"),
        ("scheduler", "스케줄러", "scheduler"),
        ("cluster_autoscaler", "클러스터 오토스케일러", "Cluster Autoscaler"),
        ("release", "릴리스", "release"),
        ("pod_terminating", "파드 종료 중", "pod terminating"),
        ("pod_killed", "파드 강제 종료", "pod killed"),
        ("pod_gone", "파드 사라짐", "pod gone"),
        ("pod_pending", "파드 대기", "pod pending"),
        ("rejected", "거절", "rejected"),
        ("timed_out", "타임아웃", "timed out"),
        ("error", "오류", "error"),
        ("no_endpoint", "엔드포인트 없음", "no endpoint"),
        ("pipeline", "파이프라인", "pipeline"),
        ("eviction", "축출", "eviction"),
    ];
    match KINDS.iter().find(|(k, ..)| *k == kind) {
        Some((_, ko, en)) => say(*en, *ko),
        None => say(kind, kind),
    }
}

fn fail_noun(c: FailCause) -> (&'static str, &'static str) {
    match c {
        FailCause::Rejected => ("rejected: a pod's queue is full", "건 거절: 파드의 대기열이 가득 참"),
        FailCause::TimedOut => ("timing out", "건 타임아웃"),
        FailCause::Error => ("failing with errors", "건 오류로 실패"),
        FailCause::PodKilled => ("lost with a killed pod", "건 종료된 파드와 함께 유실"),
        FailCause::NoEndpoint => ("failing: no ready endpoint (503)", "건 실패: 준비된 엔드포인트 없음 (503)"),
    }
}

/// "1 pod", "3 pods" (and any other noun whose plural takes an s).
fn count_of(n: impl Into<i64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {noun}") } else { format!("{} {noun}s", thousands(n)) }
}

fn scale_why(w: ScaleWhy) -> (&'static str, &'static str) {
    match w {
        ScaleWhy::Proportional => ("proportional scaling of a resize during a rollout", "롤아웃 중 크기 변경: 비례 조정"),
        ScaleWhy::RollingSurge => ("rolling update: new pods within maxSurge", "롤링 업데이트: maxSurge 안에서 새 파드 추가"),
        ScaleWhy::ReplicasChanged => ("replicas changed", "레플리카 수 변경"),
        ScaleWhy::RollingDown => ("rolling update: old pods down to minAvailable", "롤링 업데이트: minAvailable까지 이전 파드 축소"),
        ScaleWhy::RecreateStop => ("recreate: stop every old pod first", "재생성: 이전 파드를 먼저 모두 중지"),
        ScaleWhy::RecreateStart => ("recreate: old pods gone, start the new ones", "재생성: 이전 파드가 모두 사라져 새 파드 시작"),
    }
}

/// "87 % on 4 ready pods", or unknown without a sample.
fn cpu_use(c: Option<CpuUse>) -> Text {
    match c {
        None => say("unknown", "알 수 없음"),
        Some(CpuUse { percent, pods }) => {
            say(format!("{percent} % on {}", count_of(pods, "ready pod")), format!("준비된 파드 {pods}개 평균 {percent} %"))
        }
    }
}

fn crash_why(w: &CrashWhy) -> Text {
    match *w {
        CrashWhy::OnStart => say("crashed on start (exit code 1)", "시작하자마자 종료됨 (exit code 1)"),
        CrashWhy::OomInFlight { used_mi: used, limit_mi: limit } => say(
            format!("OOMKilled (memory {used:.0} MiB > limit {limit:.0} MiB with requests in flight)"),
            format!("OOMKilled (처리 중인 요청으로 메모리 {used:.0} MiB > 한도 {limit:.0} MiB)"),
        ),
        CrashWhy::OomLeak { used_mi: used, limit_mi: limit, served } => say(
            format!("OOMKilled (memory {used:.0} MiB > limit {limit:.0} MiB after {})", count_of(served as i64, "request")),
            format!("OOMKilled (요청 {}건 처리 후 메모리 {used:.0} MiB > 한도 {limit:.0} MiB)", thousands(served as i64)),
        ),
    }
}

fn misses(m: &[AnalysisMiss]) -> Text {
    let each: Vec<Text> = m
        .iter()
        .map(|m| match *m {
            AnalysisMiss::ErrorRate { rate, max } => {
                let (e, m) = (rate * 100.0, max * 100.0);
                say(format!("error rate {e:.1} % > {m:.1} %"), format!("에러율 {e:.1} % > {m:.1} %"))
            }
            AnalysisMiss::P99 { ms: v, max_ms: max } => {
                let r = format!("p99 {v:.0} ms > {max:.0} ms");
                say(r.clone(), r)
            }
        })
        .collect();
    let en: Vec<&str> = each.iter().map(|t| t.en.as_str()).collect();
    let ko: Vec<&str> = each.iter().map(|t| t.ko.as_str()).collect();
    say(en.join(", "), ko.join(", "))
}

fn abort_why(w: &AbortWhy) -> Text {
    match w {
        AbortWhy::GreenDeadline => {
            say("green did not become available before the progress deadline", "진행 기한 안에 그린이 준비되지 않음")
        }
        AbortWhy::RolloutDeadline => {
            say("the rollout did not complete before the progress deadline", "진행 기한 안에 롤아웃이 끝나지 않음")
        }
        AbortWhy::ByHand => say("rollback requested by hand", "수동 롤백 요청"),
        AbortWhy::Analysis { failures, allowed, misses: m } => {
            let Text { en, ko } = misses(m);
            say(format!("analysis failed {failures}/{allowed}: {en}"), format!("분석 실패 {failures}/{allowed}: {ko}"))
        }
    }
}

/// Kubernetes' scheduler message ("0/3 nodes available: insufficient cpu") in Korean.
fn unschedulable_ko(why: &str) -> String {
    why.replace(" nodes available: ", "개 노드 중 자리 있는 노드 없음: ")
        .replace("insufficient cpu", "CPU 부족")
        .replace("insufficient memory", "메모리 부족")
        .replace("too many pods", "파드 수 한도")
}

/// One log line in English and Korean.
pub fn event_text(kind: &EventKind) -> Text {
    use EventKind::*;
    match kind {
        Start { pods: n, workers: w } => {
            say(format!("{} ready, {w} workers each", count_of(*n as i64, "pod")), format!("파드 {n}개 준비, 파드마다 워커 {w}개"))
        }
        PodTerminating { pod: name, grace_s: grace } => {
            say(format!("{name} terminating (grace {grace}s)"), format!("{name} 종료 중 (유예 {grace}초)"))
        }
        PodEnded { pod, end } => {
            let (en, ko) = match *end {
                PodEnd::Terminated => ("terminated".to_string(), "종료됨".to_string()),
                PodEnd::Killed => ("killed".to_string(), "강제 종료됨".to_string()),
                PodEnd::NoRoom => ("has no room on any node: Pending".to_string(), "어느 노드에도 자리가 없어 Pending".to_string()),
                PodEnd::OomKilled { used_mi: used, limit_mi: limit } => (
                    format!("OOMKilled: memory {used:.0} MiB over its limit {limit:.0} MiB"),
                    format!("OOMKilled: 메모리 {used:.0} MiB가 한도 {limit:.0} MiB를 넘음"),
                ),
            };
            say(format!("{pod} {en}"), format!("{pod} {ko}"))
        }
        FailureOnset { cause, count } => {
            let (en, ko) = fail_noun(*cause);
            say(format!("{} {en}", count_of(*count as i64, "request")), format!("{}{ko}", thousands(*count as i64)))
        }
        FaultKillPod { pod: Some(pod) } => say(format!("fault: kill {pod}"), format!("장애: {pod} 강제 종료")),
        FaultKillPod { pod: None } => say("fault: kill pod (no live pod to kill)", "장애: 파드 종료 (종료할 파드 없음)"),
        FaultTrafficSpike { multiplier, duration_s: d } => {
            say(format!("fault: traffic x{multiplier} for {d}s"), format!("장애: 트래픽 {multiplier}배, {d}초 동안"))
        }
        FaultSlowDatabase { factor, duration_s: d } => {
            say(format!("fault: database {factor}x slower for {d}s"), format!("장애: 데이터베이스 {factor}배 느려짐, {d}초 동안"))
        }
        FaultCacheFlush => say("fault: cache flushed", "장애: 캐시 비움"),
        TrafficSpikeOver => say("traffic spike over", "트래픽 급증 종료"),
        DatabaseNormal => say("database back to normal speed", "데이터베이스 속도 정상화"),
        NodeFaultMissed { target } => {
            let (what, what_ko) = match target {
                NodeTarget::Zone(z) => (format!("zone {z}"), format!("영역 {z}")),
                NodeTarget::Node(n) => (format!("node {n}"), format!("노드 {n}")),
                NodeTarget::AnyNode => ("a node".to_string(), "노드 한 대".to_string()),
            };
            say(format!("fault: lose {what}: no running node matches"), format!("장애: {what_ko}: 해당하는 실행 중인 노드가 없습니다"))
        }
        NodeDown { node, zone, pods } => {
            let (cause, cause_ko) = match zone {
                Some(z) => (format!(" (zone {z} lost)"), format!(" (영역 {z} 손실)")),
                None => (String::new(), String::new()),
            };
            let (count, list) = (pods.len(), pods.join(", "));
            say(
                match count {
                    1 => format!(
                        "fault: node {node} is down{cause}; its pod stops answering but stays an endpoint until the node is marked NotReady: {list}"
                    ),
                    _ => format!(
                        "fault: node {node} is down{cause}; its {count} pods stop answering but stay endpoints until the node is marked NotReady: {list}"
                    ),
                },
                format!(
                    "장애: 노드 {node} 다운{cause_ko}; 파드 {count}개가 응답하지 않지만 노드가 NotReady가 될 때까지 엔드포인트에 남습니다: {list}"
                ),
            )
        }
        NodeJoined { node: name } => say(
            format!("node {name} joined the cluster and is Ready"),
            format!("노드 {} 클러스터에 합류해 Ready 상태입니다", with(name, Subject)),
        ),
        NodeNotReady { node: name, grace_s: g, eviction_s: e } => say(
            format!("node controller: {name} NotReady (no heartbeat for {g} s); its pods leave the endpoints, and are evicted after {e} s"),
            format!("노드 컨트롤러: {name} NotReady ({g}초 동안 하트비트 없음); 그 위 파드는 엔드포인트에서 빠지고 {e}초 뒤 축출됩니다"),
        ),
        NodeEvicting { node, pods } => {
            let (count, list) = (pods.len(), pods.join(", "));
            say(
                format!("node controller: evicting {} from {node}: {list}", count_of(count as i64, "pod")),
                format!("노드 컨트롤러: {node}에서 파드 {count}개 축출: {list}"),
            )
        }
        NodeRemoved { node: name } => say(
            format!("cluster-autoscaler: node {name} drained and deleted"),
            format!("클러스터 오토스케일러: 노드 {} 비우고 삭제했습니다", with(name, Object)),
        ),
        DeploymentScaled { replica_set: name, from, to: replicas, why } => {
            let (en, ko) = scale_why(*why);
            say(
                format!("Deployment: scaled ReplicaSet {name} from {from} to {replicas} ({en})"),
                format!("디플로이먼트: 레플리카셋 {} {from}개 → {replicas}개로 조정 ({ko})", with(name, Object)),
            )
        }
        DeploymentComplete { replica_set: name, available: n } => say(
            format!("Deployment: rollout complete, {name} has {}", count_of(*n, "available pod")),
            format!("디플로이먼트: 롤아웃 완료, {name}의 사용 가능한 파드 {n}개"),
        ),
        DeploymentRollingOut { replica_set: name, how } => {
            let (how, how_ko) = match how {
                RolloutHow::Recreate => {
                    ("Recreate: every old pod stops first".to_string(), "Recreate: 이전 파드를 먼저 모두 중지".to_string())
                }
                RolloutHow::RollingUpdate { max_surge: s, max_unavailable: u } => {
                    let how = format!("RollingUpdate: maxSurge {s}, maxUnavailable {u}");
                    (how.clone(), how)
                }
            };
            say(format!("Deployment: rolling out {name} ({how})"), format!("디플로이먼트: {name} 배포 시작 ({how_ko})"))
        }
        ReplicaSetCreating { replica_set: rs_name, have, want: spec, pods } => {
            let names = pods.join(", ");
            say(
                format!("ReplicaSet {rs_name}: {have} of {spec} pods exist → creating {names}"),
                format!("레플리카셋 {rs_name}: 파드 {have}/{spec}개 → 생성: {names}"),
            )
        }
        ReplicaSetDeleting { replica_set: rs_name, have, want: spec, pods } => {
            let names = pods.join(", ");
            say(
                format!("ReplicaSet {rs_name}: {}, want {spec} → deleting {names}", count_of(*have as i64, "pod")),
                format!("레플리카셋 {rs_name}: 파드 {have}개, 원하는 수 {spec}개 → 삭제: {names}"),
            )
        }
        PodsPending { pods, why, cpu_m: cpu, memory_mi: mem } => {
            let (n, list) = (pods.len(), pods.join(", "));
            let (what, what_ko) = if n == 1 {
                (format!("pod {list} pending"), format!("파드 {list} Pending"))
            } else {
                (format!("{n} pods pending ({list})"), format!("파드 {n}개 Pending ({list})"))
            };
            let why_ko = unschedulable_ko(why);
            say(
                format!("scheduler: {what}: {why} (each requests {cpu}m CPU, {mem} MiB)"),
                format!("스케줄러: {what_ko}: {why_ko} (파드마다 CPU {cpu}m, 메모리 {mem} MiB 요청)"),
            )
        }
        HpaScaled { reason, cpu, target, from, to } => {
            let utilization = cpu_use(*cpu);
            let (why, why_ko) = match reason {
                ReconcileReason::Normalized { proposal, limit, .. } => {
                    let (limited, limited_ko) = match limit {
                        LimitReason::DesiredWithinRange => (String::new(), String::new()),
                        other => (
                            format!(", limited by {} (wanted {proposal})", other.as_str()),
                            format!(", {} 제한 (원하는 값 {proposal})", other.as_str()),
                        ),
                    };
                    (
                        format!("CPU {} of target {target} %{limited}", utilization.en),
                        format!("CPU {}, 목표 {target} %{limited_ko}", utilization.ko),
                    )
                }
                ReconcileReason::AboveMaxReplicas => ("above maxReplicas".into(), "maxReplicas 초과".into()),
                ReconcileReason::BelowMinReplicas => ("below minReplicas".into(), "minReplicas 미만".into()),
                ReconcileReason::ScalingDisabled => ("scaling disabled (0 replicas)".into(), "스케일링 꺼짐 (레플리카 0)".into()),
                ReconcileReason::MetricsUnavailable(why) => {
                    (format!("no usable metrics ({why})"), format!("쓸 수 있는 메트릭 없음 ({why})"))
                }
            };
            say(format!("HPA: {why} → {from} → {to} replicas"), format!("HPA: {why_ko} → 레플리카 {from} → {to}"))
        }
        HpaAtMax { cpu, target, max } => {
            let utilization = cpu_use(*cpu);
            say(
                format!("HPA: CPU {} of target {target} % wants more pods, but maxReplicas is {max}", utilization.en),
                format!("HPA: CPU {}, 목표 {target} % → 파드가 더 필요하지만 maxReplicas가 {max}입니다", utilization.ko),
            )
        }
        PodsReady { pods } => {
            let (n, names) = (pods.len(), pods.join(", "));
            let (what, what_ko) = if n == 1 {
                (format!("pod {names} is ready"), format!("파드 {names} 준비 완료"))
            } else {
                (format!("{n} pods are ready ({names})"), format!("파드 {n}개 준비 완료 ({names})"))
            };
            say(
                format!("kubelet: {what}: readiness probe passed, receiving traffic"),
                format!("kubelet: {what_ko}: 레디니스 프로브 통과, 트래픽 받기 시작"),
            )
        }
        ContainerCrashed { pod: name, why, restarts, backoff_s: b } => {
            let Text { en, ko } = crash_why(why);
            say(
                format!("kubelet: {name} {en}; restart {restarts}, back-off {b} s (CrashLoopBackOff)"),
                format!("kubelet: {name} {ko}; {restarts}번째 재시작, {b}초 대기 (CrashLoopBackOff)"),
            )
        }
        ImageDrift { pod, app, template, runs } => say(
            format!("kubelet: {pod} pulled {app}:latest (imagePullPolicy Always) and runs {runs}, not {template} as its ReplicaSet says"),
            format!(
                "kubelet: {} {app}:latest를 받아(imagePullPolicy Always) 레플리카셋이 말하는 {} 아니라 {} 실행합니다",
                with(pod, Subject),
                with(template, Subject),
                with(runs, Object)
            ),
        ),
        Evicted { node, available_mi: available, threshold_mi: threshold, pod: name, usage_mi: usage, request_mi: request } => say(
            format!(
                "kubelet on {node}: memory pressure (available {available:.0} MiB < {threshold:.0} MiB); evicting {name} (using {usage:.0} MiB, requested {request:.0} MiB)"
            ),
            format!(
                "{node}의 kubelet: 메모리 압박 (가용 {available:.0} MiB < {threshold:.0} MiB); {name} 축출 (사용 {usage:.0} MiB, 요청 {request:.0} MiB)"
            ),
        ),
        NodesAdded { unschedulable: n, count: delta, node_type: ty, group, nodes, ready_in_s: s } => {
            let names = nodes.join(", ");
            say(
                format!(
                    "cluster-autoscaler: {} unschedulable → adding {delta} × {ty} to group {group} ({names}), ready in {s} s",
                    count_of(*n as i64, "pod")
                ),
                format!(
                    "클러스터 오토스케일러: 스케줄할 수 없는 파드 {n}개 → 그룹 {group}에 {ty} 노드 {delta}대 추가 ({names}), {s}초 뒤 준비"
                ),
            )
        }
        NodeDraining { node: name, unneeded_s: t, threshold_percent: pct, pods: n } => say(
            format!(
                "cluster-autoscaler: node {name} unneeded for {t} s (under {pct:.0} % requested) → draining {} and deleting it",
                count_of(*n as i64, "pod")
            ),
            format!(
                "클러스터 오토스케일러: 노드 {} {t}초 동안 불필요 (요청량 {pct:.0} % 미만) → 파드 {n}개를 옮기고 노드 삭제",
                with(name, Subject)
            ),
        ),
        PipelineMerged { version: v } => {
            say(format!("pipeline: change merged ({v}), building the image"), format!("파이프라인: 변경 병합({v}), 이미지 빌드 시작"))
        }
        PipelineCaught { pushed } => {
            let (en, ko) = if *pushed {
                (" (the image is already in the registry)", " (이미지는 이미 레지스트리에 있습니다)")
            } else {
                (": nothing pushed, nothing deployed", ": 푸시도 배포도 하지 않습니다")
            };
            say(
                format!("pipeline: tests caught the bad change; pipeline stopped{en}"),
                format!("파이프라인: 테스트가 잘못된 변경을 잡아 중단{ko}"),
            )
        }
        PipelinePassed { missed_bug } => {
            let (en, ko) = if *missed_bug { (" (they missed the bug)", " (버그를 놓쳤습니다)") } else { ("", "") };
            say(format!("pipeline: tests passed{en}"), format!("파이프라인: 테스트 통과{ko}"))
        }
        PipelinePushed { app, version: v, tag } => match tag {
            TagPolicy::Latest => say(
                format!("pipeline: pushed {app}:latest (now {v}); any container that starts from now on pulls it"),
                format!("파이프라인: {app}:latest 푸시 (이제 {v}); 지금부터 시작하는 컨테이너는 모두 이 이미지를 받습니다"),
            ),
            TagPolicy::CommitSha => say(format!("pipeline: pushed {app}:{v}-sha"), format!("파이프라인: {app}:{v}-sha 푸시")),
        },
        PipelineDenied { stage, role: r, action: a } => {
            let (en, ko) = match stage {
                crate::scenario::permissions::Stage::Push => ("push", "푸시"),
                _ => ("deploy", "배포"),
            };
            say(
                format!("pipeline: {en} stage refused (AccessDenied): its role `{r}` does not allow {a}; pipeline stopped, nothing shipped"),
                format!("파이프라인: {ko} 단계 거부(AccessDenied): 역할 `{r}`에 필요한 권한({a})이 없습니다; 파이프라인 중단, 배포 안 됨"),
            )
        }
        ReleaseShipping { version: v, strategy: st } => {
            say(format!("release: shipping {v}, strategy: {}", st.name()), format!("릴리스: {v} 배포 시작, 전략: {}", st.name_ko()))
        }
        ReleaseRefused { version: v } => say(
            format!("release: {v} not shipped, another release is in progress"),
            format!("릴리스: 다른 릴리스가 진행 중이라 {} 배포하지 않았습니다", with(v, Object)),
        ),
        ReleaseCancelled { version: v } => {
            say(format!("release: {v} cancelled before it started"), format!("릴리스: {} 시작 전에 취소되었습니다", with(v, Subject)))
        }
        ReleaseAborting { why } => {
            let why = abort_why(why);
            say(format!("release: {} → aborting", why.en), format!("릴리스: {} → 중단", why.ko))
        }
        ReleaseComplete { version: v, strategy: st } => say(
            format!("release: {} is complete; {v} serves all traffic", st.name()),
            format!("릴리스: {} 완료, {} 모든 트래픽을 처리", st.name_ko(), with(v, Subject)),
        ),
        NothingToRollBack => say("rollback: no release to roll back", "롤백: 되돌릴 릴리스가 없습니다"),
        AlreadyRolledBack => say("rollback: the release was already rolled back", "롤백: 릴리스는 이미 롤백되었습니다"),
        RolledBack { to: old, instant, at: now } => {
            let (how, how_ko) = if *instant {
                (format!("traffic 100 % to {old}"), format!("트래픽 100 %를 {}", with(old, Toward)))
            } else {
                (format!("rolling back to {old} (rollout undo)"), format!("{} 롤링 롤백 (rollout undo)", with(old, Toward)))
            };
            say(format!("rollback: {how} at {now}"), format!("롤백: {now}에 {how_ko}"))
        }
        GreenStarting { version: v } => say(
            format!("blue/green: starting green ({v}) beside blue at full size"),
            format!("블루/그린: 블루 옆에 그린({v})을 전체 크기로 시작"),
        ),
        GreenSwitched { version: v } => {
            say(format!("blue/green: switched 100 % of traffic to green ({v})"), format!("블루/그린: 트래픽 100 %를 그린({v})으로 전환"))
        }
        CanaryStep { step: k, weight: w } => say(format!("canary step {k}: weight {w} %"), format!("카나리 {k}단계: 가중치 {w} %")),
        CanaryPromoting { version: v } => say(
            format!("canary: all steps passed, promoting {v} to 100 %"),
            format!("카나리: 모든 단계 통과, {} 100 %로 승격", with(v, Object)),
        ),
        AbCohort { version: v, percent: c } => say(
            format!("A/B test: users in the {c} % cohort (by user id) go to {v}"),
            format!("A/B 테스트: 사용자 ID 기준 {c} % 코호트가 {} 사용", with(v, Object)),
        ),
        AnalysisMissed { failures, allowed, misses: m } => {
            let Text { en, ko } = misses(m);
            say(
                format!("analysis: measurement failed ({en}), {failures}/{allowed} allowed"),
                format!("분석: 측정 실패 ({ko}), 허용 {failures}/{allowed}"),
            )
        }
    }
}

impl LogEvent {
    /// The line in both languages (the JSON's `message` and `message_ko`).
    pub fn text(&self) -> Text {
        event_text(&self.kind)
    }

    /// The tag the line is shown under: `release`, `hpa`, `pod_killed`, …
    pub fn tag(&self) -> &'static str {
        self.kind.tag()
    }
}

/// The runner's JSON: `t`, `kind` (the tag), `message`, `message_ko` and the cause, worded now.
impl Serialize for LogEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Line<'a> {
            t: f64,
            kind: &'a str,
            message: String,
            message_ko: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            cause: Option<usize>,
        }
        let text = self.text();
        Line { t: self.t, kind: self.tag(), message: text.en, message_ko: text.ko, cause: self.cause }.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::event_text;
    use crate::event_log::{EventKind, PodEnd};
    use crate::kernel::SimTime;
    use crate::event_log::FailCause;

    fn ko(k: EventKind) -> String {
        event_text(&k).ko
    }

    fn en(k: EventKind) -> String {
        event_text(&k).en
    }

    #[test]
    fn korean_particles_follow_the_names_they_attach_to() {
        let v = |s: &str| s.to_string();
        assert_eq!(ko(EventKind::ReleaseCancelled { version: v("web-v2") }), "릴리스: web-v2가 시작 전에 취소되었습니다");
        assert_eq!(ko(EventKind::ReleaseCancelled { version: v("green") }), "릴리스: green이 시작 전에 취소되었습니다");
        assert_eq!(ko(EventKind::CanaryPromoting { version: v("web-v1") }), "카나리: 모든 단계 통과, web-v1을 100 %로 승격");
        assert_eq!(ko(EventKind::CanaryPromoting { version: v("v2") }), "카나리: 모든 단계 통과, v2를 100 %로 승격");
        let back = |to: &str| ko(EventKind::RolledBack { to: v(to), instant: true, at: SimTime::from_secs(75) });
        assert_eq!(back("v1"), "롤백: 01:15에 트래픽 100 %를 v1로");
        assert_eq!(back("v3"), "롤백: 01:15에 트래픽 100 %를 v3으로");
        assert_eq!(ko(EventKind::NodeJoined { node: v("pool-2") }), "노드 pool-2가 클러스터에 합류해 Ready 상태입니다");
        assert_eq!(ko(EventKind::NodeRemoved { node: v("pool-1") }), "클러스터 오토스케일러: 노드 pool-1을 비우고 삭제했습니다");
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(en(EventKind::FailureOnset { cause: FailCause::TimedOut, count: 1 }), "1 request timing out");
        assert_eq!(en(EventKind::FailureOnset { cause: FailCause::TimedOut, count: 12_345 }), "12,345 requests timing out");
        assert_eq!(ko(EventKind::FailureOnset { cause: FailCause::TimedOut, count: 12_345 }), "12,345건 타임아웃");
        assert_eq!(en(EventKind::Start { pods: 1, workers: 4 }), "1 pod ready, 4 workers each");
        assert_eq!(en(EventKind::Start { pods: 3, workers: 4 }), "3 pods ready, 4 workers each");
        let end = EventKind::PodEnded { pod: "web-v1-0".into(), end: PodEnd::Killed };
        assert_eq!((en(end.clone()), ko(end)), ("web-v1-0 killed".to_string(), "web-v1-0 강제 종료됨".to_string()));
    }
}
