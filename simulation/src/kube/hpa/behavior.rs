//! Normalization of a raw proposal (`horizontal.go`): stabilization windows,
//! scaling policies with period accounting, scale-event storage, and the
//! legacy path for HPAs without `spec.behavior`.

use super::{DOWNSCALE_STABILIZATION, SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM};
use crate::kube::{SECOND, TimeMs, sat_i32};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingPolicyType {
    Pods,
    Percent,
}

/// `HPAScalingPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub policy_type: ScalingPolicyType,
    pub value: i32,
    pub period_seconds: i32,
}

/// `ScalingPolicySelect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

/// `HPAScalingRules` as written by the user (`None` = unset, defaulted).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ScalingRules {
    pub stabilization_window_seconds: Option<i32>,
    pub select_policy: Option<SelectPolicy>,
    pub policies: Option<Vec<ScalingPolicy>>,
    /// v1.33+ per-direction tolerance; `None` = controller flag.
    pub tolerance: Option<f64>,
}

/// `HorizontalPodAutoscalerBehavior`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Behavior {
    pub scale_up: Option<ScalingRules>,
    pub scale_down: Option<ScalingRules>,
}

/// Scaling rules with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedRules {
    pub stabilization_window_seconds: i32,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
    pub tolerance: Option<f64>,
}

impl ResolvedRules {
    pub fn stabilization_window(&self) -> TimeMs {
        TimeMs::from(self.stabilization_window_seconds) * SECOND
    }

    /// `getLongestPolicyPeriod`.
    pub fn longest_policy_period_seconds(&self) -> i32 {
        self.policies.iter().map(|p| p.period_seconds).max().unwrap_or(0)
    }
}

/// Default scale-up policies (`GenerateHPAScaleUpRules`): 4 pods or 100 % per 15 s.
pub fn default_scale_up_policies() -> Vec<ScalingPolicy> {
    vec![
        ScalingPolicy { policy_type: ScalingPolicyType::Pods, value: 4, period_seconds: 15 },
        ScalingPolicy { policy_type: ScalingPolicyType::Percent, value: 100, period_seconds: 15 },
    ]
}

/// Default scale-down policies (`GenerateHPAScaleDownRules`): 100 % per 15 s.
pub fn default_scale_down_policies() -> Vec<ScalingPolicy> {
    vec![ScalingPolicy { policy_type: ScalingPolicyType::Percent, value: 100, period_seconds: 15 }]
}

/// Default scale-up stabilization window (s).
pub const DEFAULT_SCALE_UP_STABILIZATION_SECONDS: i32 = 0;

/// `SetDefaults_HorizontalPodAutoscalerBehavior` plus
/// `maybeInitScaleDownStabilizationWindow` (unset scale-down window takes the
/// controller flag). A user-given policy list replaces the default list.
pub fn resolve_behavior(behavior: &Behavior, downscale_stabilization: TimeMs) -> (ResolvedRules, ResolvedRules) {
    let resolve = |rules: Option<&ScalingRules>, window: i32, policies: fn() -> Vec<ScalingPolicy>| {
        let r = rules.cloned().unwrap_or_default();
        ResolvedRules {
            stabilization_window_seconds: r.stabilization_window_seconds.unwrap_or(window),
            select_policy: r.select_policy.unwrap_or(SelectPolicy::Max),
            policies: r.policies.unwrap_or_else(policies),
            tolerance: r.tolerance,
        }
    };
    let down_window = sat_i32(downscale_stabilization / SECOND);
    (
        resolve(behavior.scale_up.as_ref(), DEFAULT_SCALE_UP_STABILIZATION_SECONDS, default_scale_up_policies),
        resolve(behavior.scale_down.as_ref(), down_window, default_scale_down_policies),
    )
}

/// One stored raw proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampedRecommendation {
    pub recommendation: i32,
    pub timestamp: TimeMs,
}

/// One stored scale event (`timestampedScaleEvent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampedScaleEvent {
    pub replica_change: i32,
    pub timestamp: TimeMs,
    pub outdated: bool,
}

/// Why the normalized value is what it is (condition reasons of `AbleToScale`/`ScalingLimited`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitReason {
    DesiredWithinRange,
    ScaleUpLimit,
    TooManyReplicas,
    ScaleDownLimit,
    TooFewReplicas,
}

impl LimitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitReason::DesiredWithinRange => "DesiredWithinRange",
            LimitReason::ScaleUpLimit => "ScaleUpLimit",
            LimitReason::TooManyReplicas => "TooManyReplicas",
            LimitReason::ScaleDownLimit => "ScaleDownLimit",
            LimitReason::TooFewReplicas => "TooFewReplicas",
        }
    }
}

/// Stabilized value and the recommendation history to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stabilized {
    pub replicas: i32,
    pub recommendations: Vec<TimestampedRecommendation>,
}

fn inside(timestamp: TimeMs, window: TimeMs, now: TimeMs) -> bool {
    timestamp > now - window
}

fn older_than(timestamp: TimeMs, window: TimeMs, now: TimeMs) -> bool {
    timestamp < now - window
}

/// Store the raw proposal: overwrite the last reusable record, else append.
fn record(recs: &[TimestampedRecommendation], old_index: Option<usize>, desired: i32, now: TimeMs) -> Vec<TimestampedRecommendation> {
    let mut out = recs.to_vec();
    let rec = TimestampedRecommendation { recommendation: desired, timestamp: now };
    match old_index {
        Some(i) => out[i] = rec,
        None => out.push(rec),
    }
    out
}

/// `stabilizeRecommendation` (legacy path): max over the window, so a higher
/// recent recommendation (including the initial one) blocks scale-down.
pub fn stabilize_recommendation(recs: &[TimestampedRecommendation], prenormalized_desired: i32, window: TimeMs, now: TimeMs) -> Stabilized {
    let mut max_rec = prenormalized_desired;
    let mut old_index = None;
    for (i, r) in recs.iter().enumerate() {
        if older_than(r.timestamp, window, now) {
            old_index = Some(i);
        } else if inside(r.timestamp, window, now) {
            max_rec = max_rec.max(r.recommendation);
        }
    }
    Stabilized { replicas: max_rec, recommendations: record(recs, old_index, prenormalized_desired, now) }
}

/// `stabilizeRecommendationWithBehaviors`: up to the lowest recommendation of
/// the up-window, down to the highest of the down-window, starting at current.
pub fn stabilize_recommendation_with_behaviors(
    recs: &[TimestampedRecommendation],
    current: i32,
    desired: i32,
    up_window: TimeMs,
    down_window: TimeMs,
    now: TimeMs,
) -> Stabilized {
    let (mut up_rec, mut down_rec) = (desired, desired);
    let mut old_index = None;
    for (i, r) in recs.iter().enumerate() {
        if inside(r.timestamp, up_window, now) {
            up_rec = up_rec.min(r.recommendation);
        }
        if inside(r.timestamp, down_window, now) {
            down_rec = down_rec.max(r.recommendation);
        }
        if older_than(r.timestamp, up_window, now) && older_than(r.timestamp, down_window, now) {
            old_index = Some(i);
        }
    }
    let mut rec = current;
    if rec < up_rec {
        rec = up_rec;
    }
    if rec > down_rec {
        rec = down_rec;
    }
    Stabilized { replicas: rec, recommendations: record(recs, old_index, desired, now) }
}

/// `getReplicasChangePerPeriod`: sum of changes of events younger than the period.
pub fn replicas_change_per_period(period_seconds: i32, events: &[TimestampedScaleEvent], now: TimeMs) -> i32 {
    let period = TimeMs::from(period_seconds) * SECOND;
    let sum: i64 = events.iter().filter(|e| inside(e.timestamp, period, now)).map(|e| i64::from(e.replica_change)).sum();
    sat_i32(sum)
}

fn period_start(current: i32, policy: &ScalingPolicy, up: &[TimestampedScaleEvent], down: &[TimestampedScaleEvent], now: TimeMs) -> i64 {
    // Net change in the period: replicas at the period's start.
    i64::from(current) - i64::from(replicas_change_per_period(policy.period_seconds, up, now))
        + i64::from(replicas_change_per_period(policy.period_seconds, down, now))
}

/// Direction of a scaling decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Shared body of `calculateScaleUpLimitWithScalingRules` and
/// `calculateScaleDownLimitWithBehaviors`: per policy, the limit from the
/// period's start; select Max = most change, Min = least, Disabled = current.
fn policy_limit(
    dir: Direction,
    current: i32,
    up_events: &[TimestampedScaleEvent],
    down_events: &[TimestampedScaleEvent],
    rules: &ResolvedRules,
    now: TimeMs,
) -> i32 {
    if rules.select_policy == SelectPolicy::Disabled {
        return current;
    }
    // Most change is the highest limit going up and the lowest going down.
    let take_max = (rules.select_policy == SelectPolicy::Max) == (dir == Direction::Up);
    let mut result = if take_max { i64::from(i32::MIN) } else { i64::from(i32::MAX) };
    for policy in &rules.policies {
        let start = period_start(current, policy, up_events, down_events, now);
        let value = i64::from(policy.value);
        let proposed = match (dir, policy.policy_type) {
            (Direction::Up, ScalingPolicyType::Pods) => start + value,
            (Direction::Down, ScalingPolicyType::Pods) => start - value,
            // Percent up rounds up, so a small percentage still adds a pod.
            (Direction::Up, ScalingPolicyType::Percent) => (start as f64 * (1.0 + value as f64 / 100.0)).ceil() as i64,
            // Percent down truncates toward zero (float64 as upstream).
            (Direction::Down, ScalingPolicyType::Percent) => (start as f64 * (1.0 - value as f64 / 100.0)) as i64,
        };
        result = if take_max { result.max(proposed) } else { result.min(proposed) };
    }
    sat_i32(result)
}

/// `calculateScaleUpLimitWithScalingRules`.
pub fn scale_up_limit_with_scaling_rules(
    current: i32,
    up_events: &[TimestampedScaleEvent],
    down_events: &[TimestampedScaleEvent],
    rules: &ResolvedRules,
    now: TimeMs,
) -> i32 {
    policy_limit(Direction::Up, current, up_events, down_events, rules, now)
}

/// `calculateScaleDownLimitWithBehaviors`.
pub fn scale_down_limit_with_behaviors(
    current: i32,
    up_events: &[TimestampedScaleEvent],
    down_events: &[TimestampedScaleEvent],
    rules: &ResolvedRules,
    now: TimeMs,
) -> i32 {
    policy_limit(Direction::Down, current, up_events, down_events, rules, now)
}

/// Input of the behavior rate limit (`NormalizationArg`).
#[derive(Clone, Copy, Debug)]
pub struct RateLimitArgs<'a> {
    pub current: i32,
    pub desired: i32,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub scale_up: &'a ResolvedRules,
    pub scale_down: &'a ResolvedRules,
    pub up_events: &'a [TimestampedScaleEvent],
    pub down_events: &'a [TimestampedScaleEvent],
}

/// `convertDesiredReplicasWithBehaviorRate`: limits apply only in the
/// direction of change and never reverse it.
pub fn convert_desired_replicas_with_behavior_rate(a: &RateLimitArgs, now: TimeMs) -> (i32, LimitReason) {
    if a.desired > a.current {
        let limit = scale_up_limit_with_scaling_rules(a.current, a.up_events, a.down_events, a.scale_up, now).max(a.current);
        let (maximum, reason) =
            if a.max_replicas > limit { (limit, LimitReason::ScaleUpLimit) } else { (a.max_replicas, LimitReason::TooManyReplicas) };
        if a.desired > maximum {
            return (maximum, reason);
        }
    } else if a.desired < a.current {
        let limit = scale_down_limit_with_behaviors(a.current, a.up_events, a.down_events, a.scale_down, now).min(a.current);
        let (minimum, reason) =
            if a.min_replicas < limit { (limit, LimitReason::ScaleDownLimit) } else { (a.min_replicas, LimitReason::TooFewReplicas) };
        if a.desired < minimum {
            return (minimum, reason);
        }
    }
    (a.desired, LimitReason::DesiredWithinRange)
}

/// Legacy-path constants (`scaleUpLimitFactor`, `scaleUpLimitMinimum`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LegacyLimits {
    pub scale_up_limit_factor: f64,
    pub scale_up_limit_minimum: f64,
}

impl Default for LegacyLimits {
    fn default() -> Self {
        LegacyLimits { scale_up_limit_factor: SCALE_UP_LIMIT_FACTOR, scale_up_limit_minimum: SCALE_UP_LIMIT_MINIMUM }
    }
}

/// `calculateScaleUpLimit`: `max(factor x current, minimum)`, per reconcile.
pub fn calculate_scale_up_limit(current: i32, limits: &LegacyLimits) -> i32 {
    (limits.scale_up_limit_factor * f64::from(current)).max(limits.scale_up_limit_minimum) as i32
}

/// `convertDesiredReplicasWithRules` (legacy clamp).
pub fn convert_desired_replicas_with_rules(
    current: i32,
    desired: i32,
    min_replicas: i32,
    max_replicas: i32,
    limits: &LegacyLimits,
) -> (i32, LimitReason) {
    let scale_up_limit = calculate_scale_up_limit(current, limits);
    let (maximum, reason) = if max_replicas > scale_up_limit {
        (scale_up_limit, LimitReason::ScaleUpLimit)
    } else {
        (max_replicas, LimitReason::TooManyReplicas)
    };
    if desired < min_replicas {
        (min_replicas, LimitReason::TooFewReplicas)
    } else if desired > maximum {
        (maximum, reason)
    } else {
        (desired, LimitReason::DesiredWithinRange)
    }
}

/// `markScaleEventsOutdated` + `storeScaleEvent` for one direction: events
/// older than the longest policy period are outdated and the last outdated
/// slot is reused. `rules` is `None` for an HPA without behavior: nothing is
/// stored.
pub fn store_scale_event(
    rules: Option<&ResolvedRules>,
    events: &[TimestampedScaleEvent],
    replica_change: i32,
    now: TimeMs,
) -> Vec<TimestampedScaleEvent> {
    let Some(rules) = rules else {
        return events.to_vec();
    };
    let period = TimeMs::from(rules.longest_policy_period_seconds()) * SECOND;
    let mut out = events.to_vec();
    for e in &mut out {
        if older_than(e.timestamp, period, now) {
            e.outdated = true;
        }
    }
    let event = TimestampedScaleEvent { replica_change, timestamp: now, outdated: false };
    match out.iter().rposition(|e| e.outdated) {
        Some(i) => out[i] = event,
        None => out.push(event),
    }
    out
}

/// Default downscale stabilization window in whole seconds.
pub const DEFAULT_DOWNSCALE_STABILIZATION_SECONDS: i32 = (DOWNSCALE_STABILIZATION / SECOND) as i32;

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(list: &[(i32, i64)]) -> Vec<TimestampedRecommendation> {
        list.iter().map(|&(r, age)| TimestampedRecommendation { recommendation: r, timestamp: -age * SECOND }).collect()
    }

    fn events(list: &[(i32, i64)]) -> Vec<TimestampedScaleEvent> {
        list.iter().map(|&(c, age)| TimestampedScaleEvent { replica_change: c, timestamp: -age * SECOND, outdated: false }).collect()
    }

    fn rules(select: SelectPolicy, policies: &[(ScalingPolicyType, i32, i32)]) -> ResolvedRules {
        ResolvedRules {
            stabilization_window_seconds: 0,
            select_policy: select,
            policies: policies.iter().map(|&(t, v, p)| ScalingPolicy { policy_type: t, value: v, period_seconds: p }).collect(),
            tolerance: None,
        }
    }

    #[test]
    fn defaults_fill_unset_fields() {
        let b =
            Behavior { scale_up: Some(ScalingRules { stabilization_window_seconds: Some(30), ..Default::default() }), scale_down: None };
        let (up, down) = resolve_behavior(&b, DOWNSCALE_STABILIZATION);
        assert_eq!(up.stabilization_window_seconds, 30);
        assert_eq!(up.policies, default_scale_up_policies());
        assert_eq!(down.stabilization_window_seconds, 300);
        assert_eq!(down.select_policy, SelectPolicy::Max);
        assert_eq!(down.policies, default_scale_down_policies());
    }

    #[test]
    fn stabilization_table() {
        // (history, current, desired, up window s, down window s) → (replicas, stored values)
        let cases: &[(&[(i32, i64)], i32, i32, i64, i64, i32, &[i32])] = &[
            (&[(4, 120), (5, 60)], 100, 3, 0, 180, 5, &[4, 5, 3]),
            (&[(4, 120), (5, 60)], 1, 7, 300, 0, 4, &[4, 5, 7]),
            (&[(10, 600), (9, 540)], 100, 3, 0, 0, 3, &[10, 3]),
            (&[(2, 6000), (3, 180)], 2, 1, 300, 300, 2, &[1, 3]),
            // Edge: age == window is neither inside nor reusable.
            (&[(9, 60)], 1, 9, 60, 0, 9, &[9, 9]),
        ];
        for (i, &(hist, cur, des, up, down, want, stored)) in cases.iter().enumerate() {
            let s = stabilize_recommendation_with_behaviors(&recs(hist), cur, des, up * SECOND, down * SECOND, 0);
            assert_eq!(s.replicas, want, "case {i}");
            let got: Vec<i32> = s.recommendations.iter().map(|r| r.recommendation).collect();
            assert_eq!(got, stored, "case {i}");
        }
    }

    #[test]
    fn legacy_stabilization_takes_max_and_reuses_old_slot() {
        let s = stabilize_recommendation(&recs(&[(10, 600), (4, 60), (5, 120), (9, 540)]), 3, 300 * SECOND, 0);
        assert_eq!(s.replicas, 5);
        let got: Vec<i32> = s.recommendations.iter().map(|r| r.recommendation).collect();
        assert_eq!(got, vec![10, 4, 5, 3]);
    }

    #[test]
    fn policy_limits_table() {
        use ScalingPolicyType::*;
        let two = [(Pods, 2, 60), (Percent, 50, 60)];
        assert_eq!(scale_up_limit_with_scaling_rules(1, &[], &[], &rules(SelectPolicy::Min, &two), 0), 2);
        assert_eq!(scale_up_limit_with_scaling_rules(1, &[], &[], &rules(SelectPolicy::Max, &two), 0), 3);
        assert_eq!(scale_down_limit_with_behaviors(5, &[], &[], &rules(SelectPolicy::Min, &two), 0), 3);
        assert_eq!(scale_down_limit_with_behaviors(5, &[], &[], &rules(SelectPolicy::Max, &two), 0), 2);
        assert_eq!(scale_up_limit_with_scaling_rules(7, &[], &[], &rules(SelectPolicy::Disabled, &two), 0), 7);
        // Net change: start = 6 - 4 + 2 = 4 → ceil(4 x 4) = 16.
        let r = rules(SelectPolicy::Max, &[(Percent, 300, 300)]);
        assert_eq!(scale_up_limit_with_scaling_rules(6, &events(&[(4, 60)]), &events(&[(2, 60)]), &r, 0), 16);
        // An event aged exactly the period no longer counts (15 s sync vs 15 s period).
        let r = rules(SelectPolicy::Max, &[(Pods, 4, 15)]);
        assert_eq!(scale_up_limit_with_scaling_rules(7, &events(&[(4, 15)]), &[], &r, 0), 11);
        assert_eq!(scale_up_limit_with_scaling_rules(7, &events(&[(4, 14)]), &[], &r, 0), 7);
    }

    #[test]
    fn default_behavior_sustained_spike_is_3_7_14_28() {
        let (up, down) = resolve_behavior(&Behavior::default(), DOWNSCALE_STABILIZATION);
        let (mut current, mut ups, mut seen) = (3, Vec::new(), vec![3]);
        for step in 1..=3 {
            let now = step * 15 * SECOND;
            let args = RateLimitArgs {
                current,
                desired: 1000,
                min_replicas: 1,
                max_replicas: 1000,
                scale_up: &up,
                scale_down: &down,
                up_events: &ups,
                down_events: &[],
            };
            let (next, reason) = convert_desired_replicas_with_behavior_rate(&args, now);
            assert_eq!(reason, LimitReason::ScaleUpLimit);
            ups = store_scale_event(Some(&up), &ups, next - current, now);
            current = next;
            seen.push(current);
        }
        assert_eq!(seen, vec![3, 7, 14, 28]);
    }

    #[test]
    fn legacy_clamp_table() {
        let l8 = LegacyLimits { scale_up_limit_factor: 8.0, ..Default::default() };
        let l2 = LegacyLimits::default();
        let cases = [
            (5, 7, 3, 8, l8, 7, LimitReason::DesiredWithinRange),
            (3, 1, 2, 8, l8, 2, LimitReason::TooFewReplicas),
            (3, 1000, 1, 2000, l8, 24, LimitReason::ScaleUpLimit),
            (3, 1000, 1, 2000, l2, 6, LimitReason::ScaleUpLimit),
            (1, 10, 1, 10, l2, 4, LimitReason::ScaleUpLimit),
            (20, 1000, 1, 10, l2, 10, LimitReason::TooManyReplicas),
        ];
        for (cur, des, min, max, l, want, reason) in cases {
            assert_eq!(convert_desired_replicas_with_rules(cur, des, min, max, &l), (want, reason), "{cur}->{des}");
        }
    }

    #[test]
    fn store_events_reuses_last_outdated_slot() {
        let r = rules(SelectPolicy::Max, &[(ScalingPolicyType::Pods, 10, 60), (ScalingPolicyType::Percent, 100, 30)]);
        let out = store_scale_event(Some(&r), &events(&[(8, 29), (6, 59), (7, 61), (9, 61)]), 5, 0);
        let got: Vec<(i32, bool)> = out.iter().map(|e| (e.replica_change, e.outdated)).collect();
        assert_eq!(got, vec![(8, false), (6, false), (7, true), (5, false)]);
        assert_eq!(store_scale_event(None, &events(&[(7, 61)]), 5, 0), events(&[(7, 61)]));
    }
}
