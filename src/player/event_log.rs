//! The causal event log beside the charts; choosing an event marks its time on every chart.

use super::controls::mmss;
use crate::i18n::S;
use crate::run_loop::Run;
use leptos::prelude::*;

#[component]
pub fn EventLog(run: Run, marker: RwSignal<Option<f64>>) -> impl IntoView {
    let lang = crate::use_lang();
    let rows = move || run.with_events(|e| e.to_vec()).into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <section class="event-log" aria-labelledby="log-h" data-testid="event-log">
            <h2 id="log-h">{move || S::EventLog.t(lang.get())}</h2>
            <Show when=move || run.with_events(|e| e.is_empty())>
                <p class="empty">{move || S::EventLogEmpty.t(lang.get())}</p>
            </Show>
            <ol>
                <For each=rows key=|(i, _)| *i let:item>
                    {
                        let (_, e) = item;
                        let t = e.t;
                        let simulation::scenario::Text { en, ko } = e.text();
                        let tag = simulation::wording::tag_text(e.tag());
                        // One reactive node per line for its tag and text (a run appends hundreds).
                        let words = move || {
                            let l = lang.get();
                            view! { <span class="kind">{l.pick(&tag.ko, &tag.en).to_string()}</span>" "<span class="msg">{l.pick(&ko, &en).to_string()}</span> }
                        };
                        view! {
                            <li class=format!("ev ev-{}", e.tag())>
                                <button type="button" class="ev-btn" data-testid="event" aria-pressed=move || (marker.get() == Some(t)).to_string()
                                    on:click=move |_| marker.update(|m| *m = if *m == Some(t) { None } else { Some(t) })
                                    title=move || S::EventMarked.t(lang.get())>
                                    <time>{mmss(t)}</time>" "{words}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}
