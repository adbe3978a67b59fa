//! Predict panel: predictions as you type (debounced), and batch prediction of a file with
//! results to download as CSV or JSONL; for a question-answering model, a passage to keep and
//! questions about it, the answer marked in the passage with the next best spans.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::protocol::{EntitySpan, PredictionView, SpanView, Task, ToWorker};
use crate::ui::components::{Bar, Panel, passage};
use crate::ui::download;
use crate::ui::state::{ModelArea, PredictArea, RunArea, can_predict, tuned_task};
use crate::ui::worker::{send, send_with};

/// The text split into plain and entity pieces, by character offsets.
fn highlight(text: &str, entities: &[EntitySpan]) -> impl IntoView {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut at = 0;
    for EntitySpan {
        start,
        end,
        label,
        score,
    } in entities
    {
        let (start, end) = ((*start).min(chars.len()), (*end).min(chars.len()));
        if start < at {
            continue;
        }
        pieces
            .push(view! { <span>{chars[at..start].iter().collect::<String>()}</span> }.into_any());
        let label_class = format!(
            "entity entity-{}",
            label
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        );
        pieces.push(
            view! {
                <mark class=label_class title=format!("{label}, {:.0}% sure", score * 100.0)>
                    {chars[start..end].iter().collect::<String>()}
                    <small>{format!(" {label} {:.0}%", score * 100.0)}</small>
                </mark>
            }
            .into_any(),
        );
        at = end;
    }
    pieces.push(view! { <span>{chars[at..].iter().collect::<String>()}</span> }.into_any());
    pieces
}

/// An answer marked in its passage, its score, and the next best spans.
fn answer_view(context: String, answer: SpanView, next: Vec<SpanView>) -> impl IntoView {
    let none = answer.text.is_empty();
    view! {
        <p data-testid="qa-answer" class="answer">
            {if none { "No answer in the passage".to_string() } else { format!("“{}”", answer.text) }}
            <small>{format!("  {:.0}% of the best spans' weight", answer.score * 100.0)}</small>
        </p>
        <p class="passage" data-testid="qa-passage">{passage(&context, &[(answer.start, answer.end, "answer")])}</p>
        {(!next.is_empty()).then(|| view! {
            <p class="hint">"Next best: "{next.into_iter().map(|s| format!("“{}” {:.0}%", s.text, s.score * 100.0)).collect::<Vec<_>>().join(" · ")}</p>
        })}
    }
}

/// The predict panel.
#[component]
pub fn PredictPanel() -> impl IntoView {
    let area = expect_context::<PredictArea>();
    let (model, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let text = RwSignal::new(String::new());
    let context = RwSignal::new(String::new());
    let latest = StoredValue::new(0u64);
    let qa = move || tuned_task(model, run) == Some(Task::Qa);
    // Asks once typing pauses: the text (a question, with the passage kept beside it).
    let ask = move || {
        let id = latest.get_value() + 1;
        latest.set_value(id);
        set_timeout(
            move || {
                let (value, passage) = (text.get_untracked(), context.get_untracked());
                let context = qa().then_some(passage);
                let ready = !value.trim().is_empty()
                    && context.as_ref().is_none_or(|c| !c.trim().is_empty());
                if latest.get_value() == id && ready {
                    send(&ToWorker::Predict {
                        id,
                        text: value,
                        context,
                    });
                }
            },
            Duration::from_millis(250),
        );
    };
    let on_input = move |ev: leptos::ev::Event| {
        text.set(event_target_value(&ev));
        ask();
    };
    let ready = move || can_predict(model, run);
    view! {
        <Panel id="predict" number=5 title="Try it" purpose="Type a text and see what the fine-tuned model says, as you type.">
            {move || (!ready()).then(|| view! { <p class="empty">"Fine-tune a model (or import one in Export) to try it here."</p> })}
            {move || qa().then(|| view! {
                <textarea data-testid="predict-context" rows="6" spellcheck="false" class="wide" placeholder="Paste a passage, then ask questions about it below…"
                    aria-label="passage" prop:value=move || context.get()
                    on:input=move |ev| { context.set(event_target_value(&ev)); ask(); }></textarea>
            })}
            <textarea data-testid="predict-input" rows="3" spellcheck="false" class="wide"
                placeholder=move || if qa() { "Ask a question about the passage…" } else { "Type a sentence…" }
                aria-label="text to predict" prop:value=move || text.get() on:input=on_input></textarea>
            <div data-testid="predict-output" class="prediction" aria-live="polite">
                {move || area.prediction.get().map(|(_, view)| match view {
                    PredictionView::Classify { scores } => scores
                        .into_iter()
                        .map(|(label, p)| view! { <Bar label=label value=p /> })
                        .collect_view()
                        .into_any(),
                    PredictionView::Ner { text, entities } => view! {
                        <p class="highlighted">{highlight(&text, &entities)}</p>
                        {entities.is_empty().then(|| view! { <p class="hint">"No entities found."</p> })}
                    }.into_any(),
                    PredictionView::Qa { context, answer, next } => answer_view(context, answer, next).into_any(),
                })}
            </div>
            <p class="status">{move || area.message.get()}</p>
            <FilePrediction qa=Signal::derive(qa) />
        </Panel>
    }
}

/// A whole file predicted (or its questions answered), with the results to download.
#[component]
fn FilePrediction(qa: Signal<bool>) -> impl IntoView {
    let area = expect_context::<PredictArea>();
    view! {
            <h3>"Predict a whole file"</h3>
            <div class="row">
                <label class="file-button">
                    "Choose a file of texts…"
                    <input type="file" data-testid="predict-file-input" accept=".csv,.tsv,.jsonl,.json,.txt"
                        on:change=move |ev| {
                            let input: HtmlInputElement = event_target(&ev);
                            if let Some(file) = download::files(input.files()).into_iter().next() {
                                area.message.set(format!("predicting {}…", file.name()));
                                spawn_local(async move {
                                    match download::read(&file).await {
                                        Ok(bytes) => send_with(&ToWorker::PredictFile { name: file.name() }, vec![bytes]),
                                        Err(e) => area.message.set(e),
                                    }
                                });
                            }
                            input.set_value("");
                        } />
                </label>
                {move || area.batch.get().map(|(_, csv, jsonl)| view! {
                    <button on:click=move |_| download::save("predictions.csv", "text/csv", csv.as_bytes())>"Download CSV"</button>
                    <button on:click=move |_| download::save("predictions.jsonl", "application/jsonl", jsonl.as_bytes())>"Download JSONL"</button>
                })}
            </div>
            <p class="hint">{move || if qa.get() {
                "Question answering: SQuAD JSON, or JSONL/CSV/TSV with question and context columns (and id); one answer per question."
            } else {
                "CSV/TSV: the text, sentence or first column; JSONL: the \"text\" field; anything else: one text per line."
            }}</p>
    }
}
