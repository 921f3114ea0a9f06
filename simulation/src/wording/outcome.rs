//! How a release and the CI/CD pipeline ended (or stand), in words.

use super::say;
use crate::control_plane::{PipelineOutcome, ReleaseOutcome};
use crate::scenario::Text;

pub fn release_outcome(o: ReleaseOutcome) -> Text {
    match o {
        ReleaseOutcome::Waiting => say("waiting", "대기 중"),
        ReleaseOutcome::InProgress => say("in progress", "진행 중"),
        ReleaseOutcome::Completed => say("completed", "완료"),
        ReleaseOutcome::RolledBack => say("rolled back", "롤백됨"),
        ReleaseOutcome::Cancelled => say("cancelled before it started", "시작 전에 취소됨"),
    }
}

pub fn pipeline_outcome(o: PipelineOutcome) -> Text {
    match o {
        PipelineOutcome::Waiting => say("waiting for the change", "변경 대기 중"),
        PipelineOutcome::Build => say("building the image", "이미지 빌드 중"),
        PipelineOutcome::Test => say("testing", "테스트 중"),
        PipelineOutcome::Push => say("pushing the image", "이미지 푸시 중"),
        PipelineOutcome::StoppedAtTest => say("stopped: the tests caught the change", "중단: 테스트가 변경을 잡음"),
        PipelineOutcome::Deployed => say("deployed", "배포됨"),
        PipelineOutcome::DeniedAtPush => say("stopped: the push stage was denied", "중단: 푸시 단계 권한 거부"),
        PipelineOutcome::DeniedAtDeploy => say("stopped: the deploy stage was denied", "중단: 배포 단계 권한 거부"),
    }
}
