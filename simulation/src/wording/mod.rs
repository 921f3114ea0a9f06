//! Every word the engine shows a learner about a run, in Korean and English: log events and
//! their tags, a grade's reason and live ticks, release and pipeline outcomes, why a flow-engine
//! run fell back or is approximate. The engine's state holds data (typed events, `Breach`,
//! outcome enums, `OutsideFlow`); the words are made here, when asked (the app, the runner's JSON).

mod event;
mod objective;
mod outcome;
mod validity;
pub use crate::scenario::particle;

pub use event::{event_text, tag_text};
pub use objective::{LiveTick, fmt_value, grade_reason, live_measures, live_reading, live_tick};
pub use outcome::{pipeline_outcome, release_outcome};
pub use validity::{flow_outside, outside_flow};

use crate::scenario::Text;

/// Words in English and Korean.
fn say(en: impl Into<String>, ko: impl Into<String>) -> Text {
    Text { ko: ko.into(), en: en.into() }
}
