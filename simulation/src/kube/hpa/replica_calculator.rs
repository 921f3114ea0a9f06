//! `replica_calculator.go` and `metrics/utilization.go`: one metric → a
//! replica proposal. Integer truncation and float64 use follow upstream.


use super::{CPU_INITIALIZATION_PERIOD, INITIAL_READINESS_DELAY, Tolerances};
use crate::kube::name_map::NameMap;
use crate::kube::{KubeResult, PodPhase, ResourceName, TimeMs, sat_i32};

/// Requests of one container, in milli-units (`Quantity::MilliValue`).
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerRequests {
    pub name: String,
    pub cpu_m: Option<i64>,
    pub memory_m: Option<i64>,
}

impl ContainerRequests {
    fn request(&self, resource: ResourceName) -> Option<i64> {
        match resource {
            ResourceName::Cpu => self.cpu_m,
            ResourceName::Memory => self.memory_m,
        }
    }
}

/// The pod's `Ready` condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadyCondition {
    pub ready: bool,
    pub last_transition: TimeMs,
}

/// A pod matched by the target's selector, as the HPA sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaPod {
    pub name: String,
    pub phase: PodPhase,
    /// Has a deletionTimestamp.
    pub deleting: bool,
    pub start_time: Option<TimeMs>,
    pub ready_condition: Option<ReadyCondition>,
    pub containers: Vec<ContainerRequests>,
}

impl HpaPod {
    /// `podutil.IsPodReady`.
    pub fn is_ready(&self) -> bool {
        self.ready_condition.is_some_and(|c| c.ready)
    }
}

/// One pod sample from the metrics API: value over `[timestamp - window, timestamp]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSample {
    pub pod: String,
    pub value_m: i64,
    pub timestamp: TimeMs,
    pub window: TimeMs,
}

/// `--horizontal-pod-autoscaler-cpu-initialization-period` and
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadinessTiming {
    pub cpu_initialization_period: TimeMs,
    pub delay_of_initial_readiness_status: TimeMs,
}

impl Default for ReadinessTiming {
    fn default() -> Self {
        ReadinessTiming { cpu_initialization_period: CPU_INITIALIZATION_PERIOD, delay_of_initial_readiness_status: INITIAL_READINESS_DELAY }
    }
}

/// Controller settings the calculator reads.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct CalculatorConfig {
    pub tolerances: Tolerances,
    pub timing: ReadinessTiming,
}

/// The group a pod falls in for one metric (`groupPods`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodGroup {
    Ready,
    Unready,
    Missing,
    Ignored,
}

/// `groupPods` for one pod. `resource` is `None` for non-resource metrics
/// (Pods metric): only CPU checks readiness.
pub fn classify_pod(
    pod: &HpaPod,
    sample: Option<&PodSample>,
    resource: Option<ResourceName>,
    timing: &ReadinessTiming,
    now: TimeMs,
) -> PodGroup {
    if pod.deleting || pod.phase == PodPhase::Failed {
        return PodGroup::Ignored;
    }
    if pod.phase == PodPhase::Pending {
        return PodGroup::Unready;
    }
    let Some(sample) = sample else {
        return PodGroup::Missing;
    };
    if resource == Some(ResourceName::Cpu) {
        let unready = match (pod.ready_condition, pod.start_time) {
            (Some(cond), Some(start)) => {
                if start + timing.cpu_initialization_period > now {
                    // Warm-up: unready, or the sample window still overlaps pre-ready CPU.
                    !cond.ready || sample.timestamp < cond.last_transition + sample.window
                } else {
                    // Later: only a pod that never became ready is dropped.
                    !cond.ready && start + timing.delay_of_initial_readiness_status > cond.last_transition
                }
            }
            _ => true,
        };
        if unready {
            return PodGroup::Unready;
        }
    }
    PodGroup::Ready
}

/// `groupPods`: one group per pod, aligned with `pods`.
pub fn group_pods(
    pods: &[HpaPod],
    samples: &[PodSample],
    resource: Option<ResourceName>,
    timing: &ReadinessTiming,
    now: TimeMs,
) -> Vec<PodGroup> {
    let by_pod = sample_map(samples);
    pods.iter().map(|p| classify_pod(p, by_pod.get(p.name.as_str()).copied(), resource, timing, now)).collect()
}

fn sample_map(samples: &[PodSample]) -> NameMap<'_, &PodSample> {
    samples.iter().map(|s| (s.pod.as_str(), s)).collect()
}

/// Result for a Utilization target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceReplicas {
    pub replicas: i32,
    /// `trunc(100 x sum(sample) / sum(request))` over ready pods.
    pub utilization_pct: i32,
    /// `trunc(sum(sample) / count)`.
    pub raw_average_m: i64,
}

/// Result for Value / AverageValue targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainReplicas {
    pub replicas: i32,
    /// The value shown in status (per-pod value for AverageValue targets).
    pub usage_m: i64,
}

/// Samples after grouping: name → value (pods not in the list keep their
/// samples, as upstream's map does). Names are borrowed from the pods and
/// samples: a sync allocates no strings.
struct Grouped<'a> {
    metrics: NameMap<'a, i64>,
    ready_count: i64,
    unready: Vec<&'a str>,
    missing: Vec<&'a str>,
}

fn group_and_filter<'a>(
    pods: &'a [HpaPod],
    samples: &'a [PodSample],
    resource: Option<ResourceName>,
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<Grouped<'a>> {
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let groups = group_pods(pods, samples, resource, &cfg.timing, now);
    let mut metrics: NameMap<'_, i64> = samples.iter().map(|s| (s.pod.as_str(), s.value_m)).collect();
    let mut g = Grouped { metrics: NameMap::with_capacity(0), ready_count: 0, unready: vec![], missing: vec![] };
    for (pod, group) in pods.iter().zip(groups) {
        match group {
            PodGroup::Ready => g.ready_count += 1,
            PodGroup::Missing => g.missing.push(&pod.name),
            PodGroup::Unready => {
                metrics.remove(pod.name.as_str());
                g.unready.push(&pod.name);
            }
            PodGroup::Ignored => {
                metrics.remove(pod.name.as_str());
            }
        }
    }
    if metrics.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    g.metrics = metrics;
    Ok(g)
}

/// `calculatePodRequests`: per pod, the sum over counted containers (all, or
/// the named one). A counted container without a request is an error.
pub fn calculate_pod_requests<'a>(pods: &'a [HpaPod], container: Option<&str>, resource: ResourceName) -> KubeResult<NameMap<'a, i64>> {
    let mut requests = NameMap::with_capacity(pods.len());
    for pod in pods {
        let mut sum = 0i64;
        for c in pod.containers.iter().filter(|c| container.is_none_or(|n| n == c.name)) {
            match c.request(resource) {
                Some(r) => sum = sum.saturating_add(r),
                None => {
                    return Err(format!("missing request for {} in container {} of Pod {}", resource.as_str(), c.name, pod.name));
                }
            }
        }
        requests.insert(pod.name.as_str(), sum);
    }
    Ok(requests)
}

/// `GetResourceUtilizationRatio`: samples without a matching request are
/// extraneous and skipped. Returns (ratio, utilization %, raw average).
pub fn resource_utilization_ratio(
    metrics: &NameMap<'_, i64>,
    requests: &NameMap<'_, i64>,
    target_utilization: i32,
) -> KubeResult<(f64, i32, i64)> {
    let (mut metrics_total, mut requests_total, mut entries) = (0i128, 0i128, 0i128);
    for (pod, value) in metrics.iter() {
        if let Some(req) = requests.get(pod) {
            metrics_total += *value as i128;
            requests_total += *req as i128;
            entries += 1;
        }
    }
    if requests_total == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let utilization = sat_i32((metrics_total * 100 / requests_total).clamp(i64::MIN as i128, i64::MAX as i128) as i64);
    let raw_average = (metrics_total / entries) as i64;
    Ok((utilization as f64 / target_utilization as f64, utilization, raw_average))
}

/// `GetMetricUsageRatio`: average over every sample (pods not in the list included).
pub fn metric_usage_ratio(metrics: &NameMap<'_, i64>, target_usage: i64) -> (f64, i64) {
    let total: i128 = metrics.values().map(|v| *v as i128).sum();
    let usage = if metrics.is_empty() { 0 } else { (total / metrics.len() as i128) as i64 };
    (usage as f64 / target_usage as f64, usage)
}

fn ceil_to_i32(x: f64) -> i32 {
    // `int32(math.Ceil(x))`; Rust's cast saturates instead of wrapping.
    x.ceil() as i32
}

fn positive_target(target: i64) -> KubeResult<()> {
    if target <= 0 {
        return Err(format!("invalid metric target {target}: must be positive"));
    }
    Ok(())
}

/// Shared tail of `GetResourceReplicas` / `calcPlainMetricReplicas`: fast path,
/// fill-ins, direction guards. `ratio_of` recomputes the ratio after fill-ins.
fn replicas_from_grouped(
    g: &mut Grouped<'_>,
    current_replicas: i32,
    usage_ratio: f64,
    tol: &Tolerances,
    missing_fill_on_scale_down: &dyn Fn(&str) -> i64,
    ratio_of: &dyn Fn(&NameMap<'_, i64>) -> KubeResult<f64>,
) -> KubeResult<i32> {
    let scale_up_with_unready = !g.unready.is_empty() && usage_ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if tol.is_within(usage_ratio) {
            return Ok(current_replicas);
        }
        // Fast path multiplies by the ready pods with samples, not by current.
        return Ok(ceil_to_i32(usage_ratio * g.ready_count as f64));
    }
    // Scale-down: missing pods count as busy; scale-up: as idle; ratio 1: no fill-in.
    if usage_ratio < 1.0 {
        for &pod in &g.missing {
            g.metrics.insert(pod, missing_fill_on_scale_down(pod));
        }
    } else if usage_ratio > 1.0 {
        for &pod in &g.missing {
            g.metrics.insert(pod, 0);
        }
    }
    if scale_up_with_unready {
        for &pod in &g.unready {
            g.metrics.insert(pod, 0);
        }
    }
    let new_ratio = ratio_of(&g.metrics)?;
    if tol.is_within(new_ratio) || (usage_ratio < 1.0 && new_ratio > 1.0) || (usage_ratio > 1.0 && new_ratio < 1.0) {
        return Ok(current_replicas);
    }
    let new_replicas = ceil_to_i32(new_ratio * g.metrics.len() as f64);
    if (new_ratio < 1.0 && new_replicas > current_replicas) || (new_ratio > 1.0 && new_replicas < current_replicas) {
        return Ok(current_replicas);
    }
    Ok(new_replicas)
}

/// `GetResourceReplicas`: Resource / ContainerResource with a Utilization target.
#[allow(clippy::too_many_arguments)]
pub fn get_resource_replicas(
    current_replicas: i32,
    target_utilization: i32,
    resource: ResourceName,
    container: Option<&str>,
    pods: &[HpaPod],
    samples: &[PodSample],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<ResourceReplicas> {
    if samples.is_empty() {
        return Err(format!("unable to get metrics for resource {}: no metrics returned from resource metrics API", resource.as_str()));
    }
    if target_utilization <= 0 {
        return Err(format!("invalid target utilization {target_utilization}: must be positive"));
    }
    let mut g = group_and_filter(pods, samples, Some(resource), cfg, now)?;
    let requests = calculate_pod_requests(pods, container, resource)?;
    let (usage_ratio, utilization_pct, raw_average_m) = resource_utilization_ratio(&g.metrics, &requests, target_utilization)?;
    // Missing pods on scale-down use 100 % of request, or the target if above 100 %.
    let fallback = i64::from(target_utilization.max(100));
    let fill = |pod: &str| requests.get(pod).copied().unwrap_or(0).saturating_mul(fallback) / 100;
    let ratio_of = |m: &NameMap<'_, i64>| resource_utilization_ratio(m, &requests, target_utilization).map(|r| r.0);
    let replicas = replicas_from_grouped(&mut g, current_replicas, usage_ratio, &cfg.tolerances, &fill, &ratio_of)?;
    Ok(ResourceReplicas { replicas, utilization_pct, raw_average_m })
}

/// `calcPlainMetricReplicas`: average-value maths over pod samples.
fn calc_plain_metric_replicas(
    current_replicas: i32,
    target_usage: i64,
    resource: Option<ResourceName>,
    pods: &[HpaPod],
    samples: &[PodSample],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<PlainReplicas> {
    positive_target(target_usage)?;
    let mut g = group_and_filter(pods, samples, resource, cfg, now)?;
    let (usage_ratio, usage_m) = metric_usage_ratio(&g.metrics, target_usage);
    // Missing pods on scale-down use exactly the target value.
    let fill = |_: &str| target_usage;
    let ratio_of = |m: &NameMap<'_, i64>| Ok(metric_usage_ratio(m, target_usage).0);
    let replicas = replicas_from_grouped(&mut g, current_replicas, usage_ratio, &cfg.tolerances, &fill, &ratio_of)?;
    Ok(PlainReplicas { replicas, usage_m })
}

/// `GetRawResourceReplicas`: Resource with an AverageValue target (CPU keeps
/// the readiness rule).
#[allow(clippy::too_many_arguments)]
pub fn get_raw_resource_replicas(
    current_replicas: i32,
    target_usage_m: i64,
    resource: ResourceName,
    pods: &[HpaPod],
    samples: &[PodSample],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<PlainReplicas> {
    if samples.is_empty() {
        return Err(format!("unable to get metrics for resource {}: no metrics returned from resource metrics API", resource.as_str()));
    }
    calc_plain_metric_replicas(current_replicas, target_usage_m, Some(resource), pods, samples, cfg, now)
}

/// `GetMetricReplicas`: Pods metric, AverageValue target. Never checks readiness.
pub fn get_metric_replicas(
    current_replicas: i32,
    target_usage_m: i64,
    pods: &[HpaPod],
    samples: &[PodSample],
    cfg: &CalculatorConfig,
    now: TimeMs,
) -> KubeResult<PlainReplicas> {
    if samples.is_empty() {
        return Err("unable to get metric: no metrics returned from custom metrics API".into());
    }
    calc_plain_metric_replicas(current_replicas, target_usage_m, None, pods, samples, cfg, now)
}

/// `getReadyPodsCount`: Running and Ready (deleting pods included).
pub fn ready_pods_count(pods: &[HpaPod]) -> KubeResult<i64> {
    if pods.is_empty() {
        return Err("unable to calculate ready pods: no pods returned by selector while calculating replica count".into());
    }
    Ok(pods.iter().filter(|p| p.phase == PodPhase::Running && p.is_ready()).count() as i64)
}

/// `getUsageRatioReplicaCount`: Value targets of Object and External metrics.
fn usage_ratio_replica_count(current_replicas: i32, usage_ratio: f64, pods: &[HpaPod], tol: &Tolerances) -> KubeResult<i32> {
    if current_replicas != 0 {
        if tol.is_within(usage_ratio) {
            return Ok(current_replicas);
        }
        let ready = ready_pods_count(pods)?;
        Ok(ceil_to_i32(usage_ratio * ready as f64))
    } else {
        // Scale from zero: no tolerance.
        Ok(ceil_to_i32(usage_ratio))
    }
}

/// `GetObjectMetricReplicas` (Object, Value target).
pub fn get_object_metric_replicas(
    current_replicas: i32,
    target_usage_m: i64,
    value_m: i64,
    pods: &[HpaPod],
    tol: &Tolerances,
) -> KubeResult<PlainReplicas> {
    positive_target(target_usage_m)?;
    let ratio = value_m as f64 / target_usage_m as f64;
    let replicas = usage_ratio_replica_count(current_replicas, ratio, pods, tol)?;
    Ok(PlainReplicas { replicas, usage_m: value_m })
}

/// `GetObjectPerPodMetricReplicas` / `GetExternalPerPodMetricReplicas`:
/// AverageValue targets use `scale.status.replicas`.
pub fn get_per_pod_value_replicas(
    status_replicas: i32,
    target_average_m: i64,
    value_m: i64,
    tol: &Tolerances,
) -> KubeResult<PlainReplicas> {
    positive_target(target_average_m)?;
    let usage = value_m as f64;
    let ratio = usage / (target_average_m as f64 * status_replicas as f64);
    let mut replicas = status_replicas;
    if !tol.is_within(ratio) {
        replicas = ceil_to_i32(usage / target_average_m as f64);
    }
    // Status shows ceil(value / statusReplicas); 0 replicas would divide by zero upstream.
    let usage_m = if status_replicas == 0 { value_m } else { (usage / status_replicas as f64).ceil() as i64 };
    Ok(PlainReplicas { replicas, usage_m })
}

fn external_sum(values: &[i64]) -> KubeResult<i64> {
    if values.is_empty() {
        return Err("unable to get external metric: no metrics returned from external metrics API".into());
    }
    Ok(values.iter().fold(0i64, |a, v| a.saturating_add(*v)))
}

/// `GetExternalMetricReplicas` (External, Value target): the sum of all series.
pub fn get_external_metric_replicas(
    current_replicas: i32,
    target_usage_m: i64,
    values_m: &[i64],
    pods: &[HpaPod],
    tol: &Tolerances,
) -> KubeResult<PlainReplicas> {
    let usage = external_sum(values_m)?;
    get_object_metric_replicas(current_replicas, target_usage_m, usage, pods, tol)
}

/// `GetExternalPerPodMetricReplicas` (External, AverageValue target).
pub fn get_external_per_pod_metric_replicas(
    status_replicas: i32,
    target_average_m: i64,
    values_m: &[i64],
    tol: &Tolerances,
) -> KubeResult<PlainReplicas> {
    let usage = external_sum(values_m)?;
    get_per_pod_value_replicas(status_replicas, target_average_m, usage, tol)
}

#[cfg(test)]
mod tests;
