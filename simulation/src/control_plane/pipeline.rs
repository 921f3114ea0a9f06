//! The CI/CD pipeline: build → test → push → deploy (or push before test), one stage after
//! another on the control plane's clock. The test stage catches a bad change with the
//! scenario's probability (one draw from the `pipeline/test` stream); a caught change stops the
//! pipeline, but an image already pushed under a mutable tag stays in the registry. The deploy
//! stage ships the image as a release through the rollout controller.

use super::ControlPlane;
use super::registry::Registry;
use crate::event_log::say;
use crate::kernel::SimTime;
use crate::report::PipelineSummary;
use crate::rng::RngStream;
use crate::scenario::permissions::Stage as RoleStage;
use crate::scenario::{PipelineSpec, StageOrder, TagPolicy};
use crate::simulation::Model;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    Waiting,
    Build {
        until: SimTime,
    },
    Test {
        until: SimTime,
    },
    Push {
        until: SimTime,
    },
    Deploy,
    Stopped,
    /// A stage's role was refused (AccessDenied): the pipeline stopped there.
    Denied(RoleStage),
    Done,
}

pub struct Pipeline {
    spec: PipelineSpec,
    version: u16,
    bad: bool,
    stage: Stage,
    tested: bool,
    pushed: bool,
    rng: RngStream,
    summary: PipelineSummary,
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
                tag: match spec.tag {
                    TagPolicy::Latest => "latest".into(),
                    TagPolicy::CommitSha => "commit_sha".into(),
                },
                outcome: "waiting".into(),
                bad_change: bad,
                committed_at_s: spec.commit_at_s,
                excess_permissions: spec.roles.map(|r| r.excess()),
                ..PipelineSummary::default()
            },
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

    pub fn sync(&mut self, cp: &mut ControlPlane, registry: &mut Registry, model: &mut Model, now: SimTime) {
        // Stages of zero seconds pass within one tick.
        loop {
            let before = self.stage;
            match before {
                Stage::Waiting if now >= SimTime::from_secs_f64(self.spec.commit_at_s) => {
                    let v = &self.spec.version;
                    model.log_event(
                        "pipeline",
                        say(
                            format!("pipeline: change merged ({v}), building the image"),
                            format!("파이프라인: 변경 병합({v}), 이미지 빌드 시작"),
                        ),
                    );
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
                        let (en, ko) = if self.pushed {
                            (" (the image is already in the registry)", " (이미지는 이미 레지스트리에 있습니다)")
                        } else {
                            (": nothing pushed, nothing deployed", ": 푸시도 배포도 하지 않습니다")
                        };
                        model.log_event(
                            "pipeline",
                            say(
                                format!("pipeline: tests caught the bad change; pipeline stopped{en}"),
                                format!("파이프라인: 테스트가 잘못된 변경을 잡아 중단{ko}"),
                            ),
                        );
                        self.stage = Stage::Stopped;
                    } else {
                        let (en, ko) = if self.bad { (" (they missed the bug)", " (버그를 놓쳤습니다)") } else { ("", "") };
                        model.log_event("pipeline", say(format!("pipeline: tests passed{en}"), format!("파이프라인: 테스트 통과{ko}")));
                        self.stage = self.next(now);
                    }
                }
                Stage::Push { until } if now >= until && self.refused(RoleStage::Push, model) => {
                    self.stage = Stage::Denied(RoleStage::Push);
                }
                Stage::Push { until } if now >= until => {
                    self.pushed = true;
                    registry.push(now, self.version);
                    self.summary.pushed_at_s = Some(now.as_secs_f64());
                    let (app, v) = (&cp.app, &self.spec.version);
                    let (en, ko) = match self.spec.tag {
                        TagPolicy::Latest => {
                            model.mark_incident();
                            (
                                format!("pipeline: pushed {app}:latest (now {v}); any container that starts from now on pulls it"),
                                format!("파이프라인: {app}:latest 푸시 (이제 {v}); 지금부터 시작하는 컨테이너는 모두 이 이미지를 받습니다"),
                            )
                        }
                        TagPolicy::CommitSha => (format!("pipeline: pushed {app}:{v}-sha"), format!("파이프라인: {app}:{v}-sha 푸시")),
                    };
                    model.log_event("pipeline", say(en, ko));
                    self.stage = self.next(now);
                }
                Stage::Deploy if self.refused(RoleStage::Deploy, model) => self.stage = Stage::Denied(RoleStage::Deploy),
                Stage::Deploy => {
                    self.summary.deployed_at_s = Some(now.as_secs_f64());
                    cp.ship(model, self.spec.release(now.as_secs_f64()), now);
                    self.stage = Stage::Done;
                }
                _ => {}
            }
            if self.stage == before {
                break;
            }
        }
        self.summary.outcome = match self.stage {
            Stage::Waiting => "waiting",
            Stage::Build { .. } => "build",
            Stage::Test { .. } => "test",
            Stage::Push { .. } => "push",
            Stage::Deploy | Stage::Done => "deployed",
            Stage::Stopped => "stopped_at_test",
            Stage::Denied(RoleStage::Push) => "denied_at_push",
            Stage::Denied(_) => "denied_at_deploy",
        }
        .into();
        self.summary.drifted_containers = registry.drifted;
        model.set_pipeline(self.summary.clone());
    }

    /// Whether `stage`'s role lacks what it needs (logged, with the action refused).
    fn refused(&mut self, stage: RoleStage, model: &mut Model) -> bool {
        let Some((role, action)) = self.spec.roles.and_then(|r| r.denied(stage).map(|a| (r.of(stage), a))) else { return false };
        let (en, ko) = match stage {
            RoleStage::Push => ("push", "푸시"),
            _ => ("deploy", "배포"),
        };
        let (a, r) = (action.name(), role.name());
        self.summary.denied = Some(format!("{en}: {a}"));
        model.log_event(
            "pipeline",
            say(
                format!(
                    "pipeline: {en} stage refused (AccessDenied): its role `{r}` does not allow {a}; pipeline stopped, nothing shipped"
                ),
                format!("파이프라인: {ko} 단계 거부(AccessDenied): 역할 `{r}`에 필요한 권한({a})이 없습니다; 파이프라인 중단, 배포 안 됨"),
            ),
        );
        true
    }
}
