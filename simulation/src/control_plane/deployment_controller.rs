//! The Deployment controller: one sync per tick. A resize of `spec.replicas` (the HPA) while
//! several ReplicaSets are active scales them proportionally; otherwise the strategy acts:
//! RollingUpdate (new RS up to maxSurge, old RSs down to minAvailable) or Recreate.

use super::Store;
use crate::event_log::{EventKind, RolloutHow, ScaleWhy};
use crate::kernel::SimTime;
use crate::kube::deployment::fencepost::max_surge;
use crate::kube::deployment::proportional::{is_scaling_event, scale};
use crate::kube::deployment::recreate::{RecreateAction, rollout_recreate};
use crate::kube::deployment::rolling::{RollingAction, rollout_rolling};
use crate::kube::deployment::{Deployment, DeploymentStrategy, ReplicaSet};
use crate::port::Dataplane;
use crate::scenario::{Scenario, UpdateStrategy};

use super::objects::ms;

#[derive(Clone)]
pub struct DeploymentObject {
    /// `spec.replicas`.
    pub replicas: i32,
    pub strategy: DeploymentStrategy,
    pub min_ready: SimTime,
    /// The ReplicaSet of the current template (the "new RS").
    pub current: Option<usize>,
    /// A rollout is in progress (logged once when it completes).
    pub rolling_out: bool,
    /// A canary or blue/green release owns the ReplicaSets (as Argo's Rollout would).
    pub paused: bool,
}

impl DeploymentObject {
    pub fn new(sc: &Scenario) -> Self {
        let d = &sc.deployment;
        let strategy = match d.strategy {
            UpdateStrategy::Recreate => DeploymentStrategy::Recreate,
            // Validated already; a bad value falls back to the API default.
            UpdateStrategy::RollingUpdate => DeploymentStrategy::RollingUpdate {
                max_surge: d.max_surge.to_kube().ok(),
                max_unavailable: d.max_unavailable.to_kube().ok(),
            },
        };
        DeploymentObject {
            replicas: d.replicas as i32,
            strategy,
            min_ready: SimTime::from_secs_f64(d.min_ready_s),
            current: None,
            rolling_out: false,
            paused: false,
        }
    }

    /// Takes the first owned ReplicaSet as the current one and annotates it.
    pub fn adopt(&mut self, rss: &mut [super::objects::ReplicaSetObject]) {
        self.current = rss.iter().position(|r| r.owned);
        let (desired, max) = (self.replicas, self.replicas.saturating_add(self.max_surge()));
        for rs in rss.iter_mut().filter(|r| r.owned) {
            rs.desired_annotation = Some(desired);
            rs.max_annotation = Some(max);
        }
    }

    fn as_kube(&self, status_replicas: i32) -> Deployment {
        Deployment { replicas: self.replicas, strategy: self.strategy.clone(), status_replicas }
    }

    fn max_surge(&self) -> i32 {
        max_surge(&self.as_kube(0))
    }
}

/// The Deployment controller.
#[derive(Clone)]
pub struct DeploymentController;

impl DeploymentController {
    /// What the Deployment controller reads of ReplicaSet `rs`.
    fn rs_view(&self, store: &Store, rs: usize, now: SimTime) -> ReplicaSet {
        let r = &store.replica_sets[rs];
        let pods = store.pods.iter().filter(|p| p.rs == rs);
        ReplicaSet {
            name: r.name.clone(),
            created: ms(r.created),
            replicas: r.replicas,
            status_replicas: pods.clone().filter(|p| p.active()).count() as i32,
            available: pods.filter(|p| p.available(now, store.deployment.min_ready)).count() as i32,
            desired_annotation: r.desired_annotation,
            max_annotation: r.max_annotation,
        }
    }

    fn set_rs_replicas(&mut self, store: &mut Store, model: &mut dyn Dataplane, rs: usize, replicas: i32, why: ScaleWhy) {
        let d = &store.deployment;
        let (desired, max) = (d.replicas, d.replicas.saturating_add(d.max_surge()));
        let r = &mut store.replica_sets[rs];
        r.desired_annotation = Some(desired);
        r.max_annotation = Some(max);
        if r.replicas != replicas {
            let (name, from) = (r.name.clone(), r.replicas);
            model.log_event(EventKind::DeploymentScaled { replica_set: name, from, to: replicas, why });
            r.replicas = replicas;
        }
    }

    /// The steady state, decided without building the views: the current ReplicaSet is the only
    /// one and has `spec.replicas`, and no rollout waits to be declared complete. Both strategies
    /// then do nothing (no old ReplicaSet to scale, the new one at size) and proportional scaling
    /// needs two active ReplicaSets.
    fn settled(&self, store: &Store, new: usize) -> bool {
        let d = &store.deployment;
        let only_new = store.replica_sets.iter().enumerate().all(|(r, rs)| !rs.owned || r == new);
        !d.rolling_out && only_new && store.replica_sets[new].replicas == d.replicas
    }

    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) {
        if store.deployment.paused {
            return;
        }
        let Some(new) = store.deployment.current else { return };
        if self.settled(store, new) {
            return;
        }
        let owned: Vec<usize> = (0..store.replica_sets.len()).filter(|&r| store.replica_sets[r].owned).collect();
        let views: Vec<ReplicaSet> = owned.iter().map(|&r| self.rs_view(store, r, now)).collect();
        let status: i32 = views.iter().map(|v| v.status_replicas).sum();
        let d = store.deployment.as_kube(status);
        let new_pos = owned.iter().position(|&r| r == new);
        let active: Vec<usize> = (0..owned.len()).filter(|&i| views[i].replicas > 0).collect();
        let active_views: Vec<ReplicaSet> = active.iter().map(|&i| views[i].clone()).collect();
        // A resize (HPA) while more than one RS is active: proportional scaling.
        if active.len() > 1 && is_scaling_event(&d, &active_views) {
            let new_in_active = new_pos.and_then(|np| active.iter().position(|&i| i == np));
            let sizes = scale(&d, &active_views, new_in_active);
            for (k, &i) in active.iter().enumerate() {
                self.set_rs_replicas(store, model, owned[i], sizes[k], ScaleWhy::Proportional);
            }
            return;
        }
        let Some(np) = new_pos else { return };
        let olds: Vec<usize> = (0..owned.len()).filter(|&i| i != np).collect();
        let old_views: Vec<ReplicaSet> = olds.iter().map(|&i| views[i].clone()).collect();
        match &store.deployment.strategy {
            DeploymentStrategy::RollingUpdate { .. } => match rollout_rolling(&d, &old_views, &views[np]) {
                Ok(RollingAction::ScaleNewReplicaSet(n)) => {
                    let why = if store.deployment.rolling_out { ScaleWhy::RollingSurge } else { ScaleWhy::ReplicasChanged };
                    self.set_rs_replicas(store, model, new, n, why);
                }
                Ok(RollingAction::ScaleDownOldReplicaSets(sized)) => {
                    for (k, &i) in olds.iter().enumerate() {
                        self.set_rs_replicas(store, model, owned[i], sized[k].replicas, ScaleWhy::RollingDown);
                    }
                }
                Ok(RollingAction::None) | Err(_) => {}
            },
            DeploymentStrategy::Recreate => {
                let old_pods = store.pods.iter().filter(|p| !p.gone() && olds.iter().any(|&i| owned[i] == p.rs)).count();
                match rollout_recreate(&d, &old_views, views[np].replicas, old_pods) {
                    RecreateAction::ScaleDownOldReplicaSets(idx) => {
                        for i in idx {
                            self.set_rs_replicas(store, model, owned[olds[i]], 0, ScaleWhy::RecreateStop);
                        }
                    }
                    RecreateAction::ScaleUpNewReplicaSet(n) => self.set_rs_replicas(store, model, new, n, ScaleWhy::RecreateStart),
                    RecreateAction::WaitForOldPods | RecreateAction::None => {}
                }
            }
        }
        if store.deployment.rolling_out {
            let v = self.rs_view(store, new, now);
            let olds_empty = olds.iter().all(|&i| store.replica_sets[owned[i]].replicas == 0 && views[i].status_replicas == 0);
            if olds_empty && v.available >= store.deployment.replicas && v.replicas == store.deployment.replicas {
                store.deployment.rolling_out = false;
                let name = store.replica_sets[new].name.clone();
                let n = v.available;
                model.log_event(EventKind::DeploymentComplete { replica_set: name, available: n });
            }
        }
    }
}

/// What a release does to the Deployment (`kubectl set image`, `kubectl rollout undo`).
impl Store {
    /// Changes the pod template to `version` (a release or a rollback): its ReplicaSet becomes the
    /// current one (an existing one is reused, as `kubectl rollout undo` does).
    pub(crate) fn rollout_version(&mut self, model: &mut dyn Dataplane, version: u16, now: SimTime) {
        let existing = (0..self.replica_sets.len()).find(|&r| self.replica_sets[r].owned && self.replica_sets[r].version == version);
        let rs = match existing {
            Some(r) => r,
            None => {
                let name = model.version_names().get(version as usize).cloned().unwrap_or_else(|| format!("v{version}"));
                self.add_replica_set(version, &name, 0, true, now)
            }
        };
        if self.deployment.current == Some(rs) {
            return;
        }
        self.deployment.current = Some(rs);
        self.deployment.rolling_out = true;
        let d = self.deployment.as_kube(0);
        let how = match &self.deployment.strategy {
            DeploymentStrategy::Recreate => RolloutHow::Recreate,
            DeploymentStrategy::RollingUpdate { .. } => RolloutHow::RollingUpdate {
                max_surge: max_surge(&d),
                max_unavailable: crate::kube::deployment::fencepost::max_unavailable(&d),
            },
        };
        let name = self.replica_sets[rs].name.clone();
        model.log_event(EventKind::DeploymentRollingOut { replica_set: name, how });
    }
}
