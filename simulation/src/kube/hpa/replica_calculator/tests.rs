//! Table tests of the replica calculator.

use super::*;
use crate::kube::SECOND;

fn pod(name: &str, phase: PodPhase, ready: bool, request: Option<i64>) -> HpaPod {
    HpaPod {
        name: name.into(),
        phase,
        deleting: false,
        start_time: Some(-3600 * SECOND),
        // Never-ready pods changed condition at start; ready ones too (long ago).
        ready_condition: Some(ReadyCondition { ready, last_transition: -3600 * SECOND }),
        containers: vec![ContainerRequests { name: "app".into(), cpu_m: request, memory_m: request }],
    }
}

fn samples(values: &[(&str, i64)]) -> Vec<PodSample> {
    values.iter().map(|(p, v)| PodSample { pod: (*p).into(), value_m: *v, timestamp: 0, window: 60 * SECOND }).collect()
}

fn running(n: usize, request: i64) -> Vec<HpaPod> {
    (0..n).map(|i| pod(&format!("p{i}"), PodPhase::Running, true, Some(request))).collect()
}

#[test]
fn classify_follows_upstream_order() {
    let t = ReadinessTiming::default();
    let s = PodSample { pod: "a".into(), value_m: 1, timestamp: 0, window: 30 * SECOND };
    let mut p = pod("a", PodPhase::Running, true, Some(1));
    assert_eq!(classify_pod(&p, Some(&s), Some(ResourceName::Cpu), &t, 0), PodGroup::Ready);
    assert_eq!(classify_pod(&p, None, Some(ResourceName::Cpu), &t, 0), PodGroup::Missing);
    p.phase = PodPhase::Pending;
    assert_eq!(classify_pod(&p, None, None, &t, 0), PodGroup::Unready);
    p.deleting = true;
    assert_eq!(classify_pod(&p, Some(&s), None, &t, 0), PodGroup::Ignored);
    // Warm-up: ready 10 s ago, sample window 30 s still covers pre-ready time.
    let warm = HpaPod {
        phase: PodPhase::Running,
        deleting: false,
        start_time: Some(-60 * SECOND),
        ready_condition: Some(ReadyCondition { ready: true, last_transition: -10 * SECOND }),
        ..p.clone()
    };
    assert_eq!(classify_pod(&warm, Some(&s), Some(ResourceName::Cpu), &t, 0), PodGroup::Unready);
    // Non-CPU never checks readiness.
    assert_eq!(classify_pod(&warm, Some(&s), Some(ResourceName::Memory), &t, 0), PodGroup::Ready);
    // After warm-up: was ready (went unready 100 s after start) → counts.
    let was_ready = HpaPod {
        start_time: Some(-1000 * SECOND),
        ready_condition: Some(ReadyCondition { ready: false, last_transition: -900 * SECOND }),
        ..warm.clone()
    };
    assert_eq!(classify_pod(&was_ready, Some(&s), Some(ResourceName::Cpu), &t, 0), PodGroup::Ready);
    let never_ready = HpaPod { ready_condition: Some(ReadyCondition { ready: false, last_transition: -995 * SECOND }), ..was_ready };
    assert_eq!(classify_pod(&never_ready, Some(&s), Some(ResourceName::Cpu), &t, 0), PodGroup::Unready);
}

#[test]
fn utilization_table() {
    let cfg = CalculatorConfig::default();
    struct Case {
        name: &'static str,
        current: i32,
        pods: Vec<HpaPod>,
        samples: Vec<PodSample>,
        target: i32,
        want: KubeResult<(i32, i32, i64)>,
    }
    let mut unready = running(3, 1000);
    unready[0].ready_condition = Some(ReadyCondition { ready: false, last_transition: -3600 * SECOND });
    let cases = vec![
        Case {
            name: "fast path scale up",
            current: 3,
            pods: running(3, 1000),
            samples: samples(&[("p0", 300), ("p1", 500), ("p2", 700)]),
            target: 30,
            want: Ok((5, 50, 500)),
        },
        Case {
            name: "within tolerance keeps current",
            current: 3,
            pods: running(3, 1000),
            samples: samples(&[("p0", 310), ("p1", 310), ("p2", 310)]),
            target: 30,
            want: Ok((3, 31, 310)),
        },
        Case {
            name: "missing pods scale down (reference worked example)",
            current: 4,
            pods: running(4, 2000),
            samples: samples(&[("p0", 800), ("p1", 190)]),
            target: 100,
            want: Ok((3, 24, 495)),
        },
        Case {
            name: "unready pod counts as 0 on scale up",
            current: 3,
            pods: unready,
            samples: samples(&[("p0", 100), ("p1", 2000), ("p2", 2000)]),
            target: 100,
            // 200 % on ready pods; with the unready pod at 0: 133 % → ceil(1.33 x 3).
            want: Ok((4, 200, 2000)),
        },
        Case {
            name: "missing request errors",
            current: 1,
            pods: vec![pod("p0", PodPhase::Running, true, None)],
            samples: samples(&[("p0", 400)]),
            target: 100,
            want: Err("missing request for cpu in container app of Pod p0".into()),
        },
        Case {
            name: "no samples at all",
            current: 1,
            pods: running(1, 100),
            samples: vec![],
            target: 100,
            want: Err("unable to get metrics for resource cpu: no metrics returned from resource metrics API".into()),
        },
    ];
    for c in cases {
        let got = get_resource_replicas(c.current, c.target, ResourceName::Cpu, None, &c.pods, &c.samples, &cfg, 0)
            .map(|r| (r.replicas, r.utilization_pct, r.raw_average_m));
        assert_eq!(got, c.want, "{}", c.name);
    }
}

#[test]
fn pods_metric_truncates_average_and_uses_unready_samples() {
    let cfg = CalculatorConfig::default();
    let mut pods = running(3, 0);
    pods[0].ready_condition = None; // not ready: irrelevant for the Pods metric
    let got = get_metric_replicas(3, 15000, &pods, &samples(&[("p0", 20000), ("p1", 10000), ("p2", 65000)]), &cfg, 0);
    // 95000 / 3 = 31666 (truncated), ratio 2.11 → ceil(2.11 x 3) = 7.
    assert_eq!(got, Ok(PlainReplicas { replicas: 7, usage_m: 31666 }));
}

#[test]
fn object_and_external_targets() {
    let tol = Tolerances::default();
    let mut pods = running(3, 0);
    pods[2].ready_condition = Some(ReadyCondition { ready: false, last_transition: 0 });
    // Value: ceil(ratio x ready pods) = ceil(2 x 2).
    assert_eq!(get_object_metric_replicas(3, 10000, 20000, &pods, &tol).map(|r| r.replicas), Ok(4));
    // Scale from zero ignores tolerance: ceil(1.05) = 2.
    assert_eq!(get_object_metric_replicas(0, 10000, 10500, &[], &tol).map(|r| r.replicas), Ok(2));
    // No pods at all with current > 0 is an error.
    assert!(get_object_metric_replicas(3, 10000, 20000, &[], &tol).is_err());
    // AverageValue: ceil(8600 / 2150) = 4; status shows ceil(8600/3) = 2867.
    assert_eq!(get_external_per_pod_metric_replicas(3, 2150, &[8600], &tol), Ok(PlainReplicas { replicas: 4, usage_m: 2867 }));
    assert_eq!(get_external_metric_replicas(3, 100, &[30, 40], &pods, &tol).map(|r| r.replicas), Ok(2));
    assert!(get_external_metric_replicas(3, 100, &[], &pods, &tol).is_err());
    assert!(get_per_pod_value_replicas(3, 0, 100, &tol).is_err());
}
