//! The CI/CD pipeline: build → test → push → deploy (or push before test), one stage after
//! another on the control plane's clock. The test stage catches a bad change with the
//! scenario's probability (one draw from the `pipeline/test` stream); a caught change stops the
//! pipeline, but an image already pushed under a mutable tag stays in the registry. The deploy
//! stage ships the image as a release through the rollout controller.

use super::Store;
use super::status::{PipelineOutcome, PipelineSummary};
use crate::event_log::EventKind;
use crate::kernel::SimTime;
use crate::port::Dataplane;
use crate::rng::RngStream;
use crate::scenario::permissions::Stage as RoleStage;
use crate::scenario::{PipelineSpec, ReleaseSpec, StageOrder, TagPolicy};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Waiting,
    Build { until: SimTime },
    Test { until: SimTime },
    Push { until: SimTime },
    /// A stage's role was refused (AccessDenied): the pipeline stopped there.
    Denied(RoleStage),
    Deploy,
    Stopped,
    Done,
}

#[derive(Clone)]
pub struct Pipeline {
    spec: PipelineSpec,
    version: u16,
    bad: bool,
    stage: Stage,
    tested: bool,
    pushed: bool,
    rng: RngStream,
    summary: PipelineSummary,
    /// Synced at least once: its status is published.
    published: bool,
}

impl Pipeline {
    pub fn new(spec: &PipelineSpec, version: u16, bad: bool, seed: u64) -> Self {
        Pipeline {
            spec: spec.clone(),
            version,
            bad,
            stage: Stage::Waiting,
            tested: false,
            pushed: false,
            rng: RngStream::new(seed, "pipeline/test"),
            summary: PipelineSummary {
                version: spec.version.clone(),
                tag: spec.tag,
                outcome: PipelineOutcome::Waiting,
                bad_change: bad,
                caught: None,
                pushed_at_s: None,
                deployed_at_s: None,
                drifted_containers: 0,
                committed_at_s: spec.commit_at_s,
                denied: None,
                excess_permissions: spec.roles.map(|r| r.excess()),
            },
            published: false,
        }
    }

    fn after(now: SimTime, secs: f64) -> SimTime {
        now.saturating_add(SimTime::from_secs_f64(secs))
    }

    /// The stage after build, test or push, by the pipeline's order.
    fn next(&self, now: SimTime) -> Stage {
        match (self.tested, self.pushed, self.spec.order) {
            (false, false, StageOrder::TestThenPush) | (false, true, _) => Stage::Test { until: Self::after(now, self.spec.test_s) },
            (_, false, _) => Stage::Push { until: Self::after(now, self.spec.push_s) },
            (true, true, _) => Stage::Deploy,
        }
    }

    /// One step of the pipeline; at its deploy stage, the release it ships.
    pub fn sync(&mut self, store: &mut Store, model: &mut dyn Dataplane, now: SimTime) -> Option<ReleaseSpec> {
        let mut ship = None;
        // Stages of zero seconds pass within one tick.
        loop {
            let before = self.stage;
            match before {
                Stage::Waiting if now >= SimTime::from_secs_f64(self.spec.commit_at_s) => {
                    let v = &self.spec.version;
                    model.log_event(EventKind::PipelineMerged { version: v.clone() });
                    self.stage = Stage::Build { until: Self::after(now, self.spec.build_s) };
                }
                Stage::Build { until } if now >= until => self.stage = self.next(now),
                Stage::Test { until } if now >= until => {
                    self.tested = true;
                    // One draw whatever the change, so the stream does not depend on it.
                    let roll = self.rng.uniform();
                    let caught = self.bad && roll < self.spec.test_catch_probability;
                    self.summary.caught = Some(caught);
                    if caught {
                        model.log_event(EventKind::PipelineCaught { pushed: self.pushed });
                        self.stage = Stage::Stopped;
                    } else {
                        model.log_event(EventKind::PipelinePassed { missed_bug: self.bad });
                        self.stage = self.next(now);
                    }
                }
                Stage::Push { until } if now >= until && self.refused(RoleStage::Push, model) => {
                    self.stage = Stage::Denied(RoleStage::Push);
                }
                Stage::Push { until } if now >= until => {
                    self.pushed = true;
                    if let Some(r) = store.registry.as_mut() {
                        r.push(now, self.version);
                    }
                    self.summary.pushed_at_s = Some(now.as_secs_f64());
                    let (app, v) = (&store.template.app, &self.spec.version);
                    if self.spec.tag == TagPolicy::Latest {
                        model.mark_incident();
                    }
                    model.log_event(EventKind::PipelinePushed { app: app.clone(), version: v.clone(), tag: self.spec.tag });
                    self.stage = self.next(now);
                }
                Stage::Deploy if self.refused(RoleStage::Deploy, model) => self.stage = Stage::Denied(RoleStage::Deploy),
                Stage::Deploy => {
                    self.summary.deployed_at_s = Some(now.as_secs_f64());
                    ship = Some(self.spec.release(now.as_secs_f64()));
                    self.stage = Stage::Done;
                }
                _ => {}
            }
            if self.stage == before {
                break;
            }
        }
        self.summary.outcome = match self.stage {
            Stage::Waiting => PipelineOutcome::Waiting,
            Stage::Build { .. } => PipelineOutcome::Build,
            Stage::Test { .. } => PipelineOutcome::Test,
            Stage::Push { .. } => PipelineOutcome::Push,
            Stage::Deploy | Stage::Done => PipelineOutcome::Deployed,
            Stage::Stopped => PipelineOutcome::StoppedAtTest,
            Stage::Denied(RoleStage::Push) => PipelineOutcome::DeniedAtPush,
            Stage::Denied(_) => PipelineOutcome::DeniedAtDeploy,
        };
        self.summary.drifted_containers = store.registry.as_ref().map_or(0, |r| r.drifted);
        self.published = true;
        ship
    }

    /// Whether `stage`'s role lacks what it needs (logged, with the action refused).
    fn refused(&mut self, stage: RoleStage, model: &mut dyn Dataplane) -> bool {
        let Some((role, action)) = self.spec.roles.and_then(|r| r.denied(stage).map(|a| (r.of(stage), a))) else { return false };
        let en = if stage == RoleStage::Push { "push" } else { "deploy" };
        self.summary.denied = Some(format!("{en}: {}", action.name()));
        model.log_event(EventKind::PipelineDenied { stage, role: role.name(), action: action.name() });
        true
    }

    /// The pipeline's status, once it has run.
    pub fn status(&self) -> Option<&PipelineSummary> {
        self.published.then_some(&self.summary)
    }
}
