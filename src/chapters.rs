//! The lecture's chapters, in teaching order (`shared/reference/curriculum.md`), as the ids
//! scenarios (`chapter = "…"`) and glossary terms use.

use crate::i18n::S;

pub const CHAPTERS: &[&str] = &["scaling", "availability", "load", "orchestration", "autoscaling", "deployment", "cicd", "testing"];

pub fn chapter_label(id: &str) -> S {
    match id {
        "scaling" => S::ChapterScaling,
        "availability" => S::ChapterAvailability,
        "load" => S::ChapterLoad,
        "orchestration" => S::ChapterOrchestration,
        "autoscaling" => S::ChapterAutoscaling,
        "deployment" => S::ChapterDeployment,
        "cicd" => S::ChapterCicd,
        _ => S::ChapterTesting,
    }
}
