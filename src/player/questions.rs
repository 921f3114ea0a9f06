//! The scenario's follow-up interview questions, each with its explanation behind a toggle.

use crate::i18n::S;
use leptos::prelude::*;
use simulation::scenario::Question;

#[component]
pub fn Questions(questions: Vec<Question>) -> impl IntoView {
    let lang = crate::use_lang();
    (!questions.is_empty()).then(|| {
        view! {
            <section class="questions" aria-labelledby="questions-h" data-testid="questions">
                <h2 id="questions-h">{move || S::Questions.t(lang.get())}</h2>
                <ol>
                    {questions.into_iter().map(|q| view! {
                        <li>
                            <p class="q">{move || crate::rich_text::inline(lang.get().pick(&q.question.ko, &q.question.en))}</p>
                            <details>
                                <summary>{move || S::ShowAnswer.t(lang.get())}</summary>
                                <div class="a">{move || crate::rich_text::paragraphs(lang.get().pick(&q.answer.ko, &q.answer.en))}</div>
                            </details>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        }
    })
}
