//! Releases: the new version goes out with the scenario's strategy, Argo Rollouts' semantics
//! for canary and blue/green. For those two the rollout controller owns both ReplicaSets (the
//! Deployment is paused, as Argo's Rollout replaces it); rolling update and recreate go through
//! the Deployment controller. An optional background analysis measures the new version every
//! interval and aborts the release when it fails (`kube::analysis`).

use super::Store;
use super::status::{ReleaseOutcome, ReleaseSummary};
use crate::event_log::{AbortWhy, AnalysisMiss, EventKind};
use crate::kernel::SimTime;
use crate::kube::analysis::{AnalysisPhase, Comparison, Condition, MetricLimits, classify_measurement, metric_phase, run_phase};
use crate::kube::canary::{basic_canary_replica_counts, traffic_routed_canary_replicas};
use crate::kube::deployment::DeploymentStrategy;
use crate::kube::deployment::fencepost::max_surge;
use crate::port::RoutingMode;
use crate::port::{Dataplane, Metrics, VersionWindow};
use crate::scenario::{ReleaseSpec, ReleaseStrategy};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Waiting,
    /// Canary: executing step `i`; `since` is when the step began (for pauses).
    Step {
        i: usize,
        since: SimTime,
    },
    /// Blue/green: green is coming up; switch once it is available (plus auto_promote_s).
    GreenStarting {
        available_at: Option<SimTime>,
    },
    /// Traffic is on the new version; the old pods go after the scale-down delay.
    Switched {
        at: SimTime,
    },
    /// Rolling update, recreate, A/B: the release runs; analysis may still abort it.
    Running,
    Done,
    Aborted,
}

#[derive(Clone)]
pub struct Rollout {
    spec: ReleaseSpec,
    stage: Stage,
    old: u16,
    new: u16,
    old_rs: Option<usize>,
    new_rs: Option<usize>,
    weight: u32,
    measurements: [Vec<AnalysisPhase>; 2],
    next_analysis: Option<SimTime>,
    summary: ReleaseSummary,
    /// The status has been published (from the release's start, or its cancellation).
    published: bool,
}

impl Rollout {
    pub fn new(spec: &ReleaseSpec, new: u16) -> Self {
        Rollout {
            spec: spec.clone(),
            stage: Stage::Waiting,
            old: 0,
            new,
            old_rs: None,
            new_rs: None,
            weight: 0,
            measurements: [Vec::new(), Vec::new()],
            next_analysis: None,
            summary: ReleaseSummary {
                version: spec.version.clone(),
                strategy: spec.strategy,
                started_at_s: spec.at_s,
                outcome: ReleaseOutcome::Waiting,
                detected_at_s: None,
                rolled_back_at_s: None,
                completed_at_s: None,
                time_to_detect_s: None,
                time_to_rollback_s: None,
                blast_radius: 0,
                exposed: 0,
            },
            published: false,
        }
    }

    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, metrics: &dyn Metrics, now: SimTime) {
        if self.stage == Stage::Waiting {
            if now < SimTime::from_secs_f64(self.spec.at_s) {
                return;
            }
            self.start(store, model, now);
        }
        if self.stage == Stage::Aborted {
            return;
        }
        // Analysis keeps watching after completion: a bad version that finished rolling out is
        // still rolled back when the measurements fail.
        self.analyse(store, model, metrics, now);
        if matches!(self.stage, Stage::Aborted) {
            self.publish();
            return;
        }
        let deadline = SimTime::from_secs_f64(self.spec.at_s + self.spec.progress_deadline_s);
        match self.stage {
            Stage::Step { i, since } => self.canary_step(store, model, now, i, since),
            Stage::GreenStarting { available_at } => {
                let target = store.deployment.replicas;
                self.size(store, self.old_rs, target);
                self.size(store, self.new_rs, target);
                let ready = self.available(store, self.new_rs, now) >= target;
                match (ready, available_at) {
                    (true, None) => self.stage = Stage::GreenStarting { available_at: Some(now) },
                    (true, Some(at)) if now >= at.saturating_add(SimTime::from_secs_f64(self.spec.auto_promote_s)) => {
                        self.route(model, 100);
                        self.stage = Stage::Switched { at: now };
                        model.log_event(EventKind::GreenSwitched { version: self.spec.version.clone() });
                    }
                    (false, _) if now >= deadline => self.abort(store, model, now, AbortWhy::GreenDeadline),
                    _ => {}
                }
            }
            Stage::Switched { at } => {
                let target = store.deployment.replicas;
                self.size(store, self.new_rs, target);
                let delay = SimTime::from_secs_f64(self.spec.scale_down_delay_s);
                if now >= at.saturating_add(delay) {
                    self.size(store, self.old_rs, 0);
                    self.finish(store, model, now);
                } else {
                    self.size(store, self.old_rs, target);
                }
            }
            Stage::Running => match self.spec.strategy {
                ReleaseStrategy::AbTest => {
                    let b = self.cohort_replicas(store.deployment.replicas);
                    self.size(store, self.new_rs, b);
                    self.size(store, self.old_rs, store.deployment.replicas);
                }
                _ => {
                    if !store.deployment.rolling_out && store.deployment.current == self.new_rs {
                        self.finish(store, model, now);
                    } else if now >= deadline && store.deployment.rolling_out {
                        self.abort(store, model, now, AbortWhy::RolloutDeadline);
                    }
                }
            },
            Stage::Waiting | Stage::Done | Stage::Aborted => {}
        }
        self.publish();
    }

    pub fn in_progress(&self) -> bool {
        !matches!(self.stage, Stage::Done | Stage::Aborted)
    }

    /// A rollback by hand: abort what is in progress, or undo a finished release.
    pub fn roll_back(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        match self.stage {
            Stage::Aborted => {
                model.log_event(EventKind::AlreadyRolledBack);
            }
            Stage::Waiting => {
                self.stage = Stage::Aborted;
                self.summary.outcome = ReleaseOutcome::Cancelled;
                model.log_event(EventKind::ReleaseCancelled { version: self.spec.version.clone() });
            }
            _ => self.abort(store, model, now, AbortWhy::ByHand),
        }
        self.publish();
    }

    fn start(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        self.old_rs = store.deployment.current;
        self.old = self.old_rs.map_or(0, |r| store.replica_sets[r].version);
        self.summary.outcome = ReleaseOutcome::InProgress;
        model.mark_incident();
        model.log_event(EventKind::ReleaseShipping { version: self.spec.version.clone(), strategy: self.spec.strategy });
        match self.spec.strategy {
            ReleaseStrategy::RollingUpdate | ReleaseStrategy::Recreate => {
                store.deployment.strategy = match self.spec.strategy {
                    ReleaseStrategy::Recreate => DeploymentStrategy::Recreate,
                    _ => match &store.deployment.strategy {
                        s @ DeploymentStrategy::RollingUpdate { .. } => s.clone(),
                        DeploymentStrategy::Recreate => DeploymentStrategy::default_rolling_update(),
                    },
                };
                model.set_routing_mode(RoutingMode::Endpoints);
                store.rollout_version(model, self.new, now);
                self.new_rs = store.deployment.current;
                self.stage = Stage::Running;
            }
            ReleaseStrategy::BlueGreen | ReleaseStrategy::Canary | ReleaseStrategy::AbTest => {
                store.deployment.paused = true;
                let name = model.version_names().get(self.new as usize).cloned().unwrap_or_default();
                self.new_rs = Some(store.add_replica_set(self.new, &name, 0, false, now));
                self.route(model, 0);
                self.stage = match self.spec.strategy {
                    ReleaseStrategy::BlueGreen => {
                        model.log_event(EventKind::GreenStarting { version: self.spec.version.clone() });
                        Stage::GreenStarting { available_at: None }
                    }
                    ReleaseStrategy::Canary => Stage::Step { i: 0, since: now },
                    _ => {
                        let c = self.spec.cohort_percent.unwrap_or(0);
                        model.set_routing_mode(RoutingMode::Cohort);
                        model.set_version_weights(&self.weights(100 - c, c, model));
                        model.log_event(EventKind::AbCohort { version: self.spec.version.clone(), percent: c });
                        Stage::Running
                    }
                };
            }
        }
        if self.spec.analysis.is_some() {
            self.next_analysis = Some(now.saturating_add(self.interval()));
        }
    }

    fn canary_step(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime, i: usize, since: SimTime) {
        let replicas = store.deployment.replicas;
        let (canary, stable) = if self.spec.traffic_router {
            (traffic_routed_canary_replicas(replicas, self.weight as i32), replicas)
        } else {
            let surge = max_surge(&crate::kube::deployment::Deployment {
                replicas,
                strategy: store.deployment.strategy.clone(),
                status_replicas: replicas,
            });
            basic_canary_replica_counts(replicas, self.weight as i32, surge)
        };
        self.size(store, self.new_rs, canary);
        self.size(store, self.old_rs, stable);
        let Some(step) = self.spec.steps.get(i).cloned() else {
            // Past the last step: promote the canary to stable.
            self.size(store, self.new_rs, replicas);
            if self.available(store, self.new_rs, now) >= replicas {
                self.route(model, 100);
                model.log_event(EventKind::CanaryPromoting { version: self.spec.version.clone() });
                self.stage = Stage::Switched { at: now };
            }
            return;
        };
        let advance = match (step.set_weight, step.pause_s) {
            (Some(w), _) => {
                if self.weight != w {
                    self.weight = w;
                    self.route(model, w);
                    model.log_event(EventKind::CanaryStep { step: i + 1, weight: w });
                }
                // A setWeight step is done when the canary pods for it are available.
                self.available(store, self.new_rs, now) >= canary
            }
            (None, Some(p)) => now >= since.saturating_add(SimTime::from_secs_f64(p)),
            (None, None) => true,
        };
        if advance {
            self.stage = Stage::Step { i: i + 1, since: now };
        }
    }

    /// Sends `w` % of traffic to the new version (by weight with a router; by pods without).
    fn route(&self, model: &mut dyn Dataplane, w: u32) {
        let by_pods = self.spec.strategy == ReleaseStrategy::Canary && !self.spec.traffic_router;
        model.set_routing_mode(if by_pods { RoutingMode::Endpoints } else { RoutingMode::Weight });
        model.set_version_weights(&self.weights(100 - w, w, model));
    }

    fn weights(&self, old: u32, new: u32, model: &dyn Dataplane) -> Vec<u32> {
        let mut w = vec![0; model.version_names().len()];
        if let Some(x) = w.get_mut(self.old as usize) {
            *x = old;
        }
        if let Some(x) = w.get_mut(self.new as usize) {
            *x = new;
        }
        w
    }

    fn cohort_replicas(&self, replicas: i32) -> i32 {
        let c = self.spec.cohort_percent.unwrap_or(0) as i32;
        ((replicas * c + 99) / 100).max(1)
    }

    fn size(&self, store: &mut Store, rs: Option<usize>, replicas: i32) {
        if let Some(r) = rs {
            store.replica_sets[r].replicas = replicas.max(0);
        }
    }

    fn available(&self, store: &Store, rs: Option<usize>, now: SimTime) -> i32 {
        rs.map_or(0, |r| store.pods.iter().filter(|p| p.rs == r && p.available(now, store.deployment.min_ready)).count() as i32)
    }

    fn interval(&self) -> SimTime {
        SimTime::from_secs_f64(self.spec.analysis.as_ref().map_or(30.0, |a| a.interval_s))
    }

    /// One background analysis measurement per interval over the new version's last interval.
    fn analyse(&mut self, store: &mut Store, model: &mut dyn Dataplane, metrics: &dyn Metrics, now: SimTime) {
        let (Some(a), Some(due)) = (self.spec.analysis.clone(), self.next_analysis) else { return };
        if now < due {
            return;
        }
        self.next_analysis = Some(now.saturating_add(self.interval()));
        let from = now.whole_secs().saturating_sub(a.interval_s as u64);
        let VersionWindow { offered, failed, worst_p99_ms: p99 } = metrics.version_since(self.new, from);
        if offered < a.min_requests {
            return;
        }
        let error_rate = failed as f64 / offered as f64;
        let limits = MetricLimits { has_interval: true, failure_limit: a.failure_limit, ..MetricLimits::default() };
        let mut verdicts = Vec::new();
        let mut misses = Vec::new();
        if let Some(max) = a.max_error_rate {
            let m = classify_measurement(Ok(error_rate), None, Some(Condition { op: Comparison::Gt, threshold: max }));
            self.measurements[0].push(m);
            verdicts.push(metric_phase(&limits, &self.measurements[0], false));
            if m == AnalysisPhase::Failed {
                misses.push(AnalysisMiss::ErrorRate { rate: error_rate, max });
            }
        }
        if let (Some(max), Some(v)) = (a.max_p99_ms, p99) {
            let m = classify_measurement(Ok(v), None, Some(Condition { op: Comparison::Gt, threshold: max }));
            self.measurements[1].push(m);
            verdicts.push(metric_phase(&limits, &self.measurements[1], false));
            if m == AnalysisPhase::Failed {
                misses.push(AnalysisMiss::P99 { ms: v, max_ms: max });
            }
        }
        let failures = self.measurements.iter().map(|m| m.iter().filter(|x| **x == AnalysisPhase::Failed).count()).max().unwrap_or(0);
        if !misses.is_empty() && self.summary.detected_at_s.is_none() {
            self.summary.detected_at_s = Some(now.as_secs_f64());
        }
        let allowed = a.failure_limit + 1;
        if run_phase(&verdicts) == AnalysisPhase::Failed {
            self.abort(store, model, now, AbortWhy::Analysis { failures, allowed, misses });
        } else if !misses.is_empty() {
            model.log_event(EventKind::AnalysisMissed { failures, allowed, misses });
        }
    }

    /// Abort: all traffic back to the old version, the new one scaled away (or rolled back).
    fn abort(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime, why: AbortWhy) {
        model.log_event(EventKind::ReleaseAborting { why });
        let finished = self.stage == Stage::Done;
        match self.spec.strategy {
            // A finished release is undone like `kubectl rollout undo`: the old ReplicaSet comes back.
            _ if finished => {
                model.set_routing_mode(RoutingMode::Endpoints);
                store.rollout_version(model, self.old, now);
            }
            ReleaseStrategy::RollingUpdate | ReleaseStrategy::Recreate => store.rollout_version(model, self.old, now),
            _ => {
                model.set_routing_mode(RoutingMode::Weight);
                model.set_version_weights(&self.weights(100, 0, model));
                self.size(store, self.old_rs, store.deployment.replicas);
                self.size(store, self.new_rs, 0);
                store.deployment.paused = false;
            }
        }
        let old = model.version_names().get(self.old as usize).cloned().unwrap_or_default();
        let instant =
            !finished && matches!(self.spec.strategy, ReleaseStrategy::BlueGreen | ReleaseStrategy::Canary | ReleaseStrategy::AbTest);
        model.log_event(EventKind::RolledBack { to: old, instant, at: now });
        self.summary.rolled_back_at_s = Some(now.as_secs_f64());
        self.summary.outcome = ReleaseOutcome::RolledBack;
        store.running_version = self.old;
        self.stage = Stage::Aborted;
    }

    /// The new version is the stable one now: it becomes the Deployment's ReplicaSet.
    fn finish(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        if let Some(r) = self.new_rs {
            store.replica_sets[r].owned = true;
            store.deployment.current = Some(r);
        }
        store.deployment.paused = false;
        self.summary.completed_at_s = Some(now.as_secs_f64());
        self.summary.outcome = ReleaseOutcome::Completed;
        store.running_version = self.new;
        self.stage = Stage::Done;
        model.log_event(EventKind::ReleaseComplete { version: self.spec.version.clone(), strategy: self.spec.strategy });
    }

    fn publish(&mut self) {
        self.published = true;
    }

    /// The release's status and its version, once published.
    pub fn status(&self) -> Option<(&ReleaseSummary, u16)> {
        self.published.then_some((&self.summary, self.new))
    }
}
