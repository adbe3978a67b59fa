//! Predict panel: predictions as you type (debounced), and batch prediction of a file with
//! results to download as CSV or JSONL.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::protocol::{EntitySpan, PredictionView, ToWorker};
use crate::ui::components::{Bar, Panel};
use crate::ui::download;
use crate::ui::state::{ModelArea, PredictArea, RunArea, can_predict};
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

/// The predict panel.
#[component]
pub fn PredictPanel() -> impl IntoView {
    let area = expect_context::<PredictArea>();
    let (model, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let text = RwSignal::new(String::new());
    let latest = StoredValue::new(0u64);
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        let id = latest.get_value() + 1;
        latest.set_value(id);
        set_timeout(
            move || {
                if latest.get_value() == id && !value.trim().is_empty() {
                    send(&ToWorker::Predict { id, text: value });
                }
            },
            Duration::from_millis(250),
        );
    };
    let ready = move || can_predict(model, run);
    view! {
        <Panel id="predict" number=5 title="Try it" purpose="Type a text and see what the fine-tuned model says, as you type.">
            {move || (!ready()).then(|| view! { <p class="empty">"Fine-tune a model (or import one in Export) to try it here."</p> })}
            <textarea data-testid="predict-input" rows="3" spellcheck="false" class="wide" placeholder="Type a sentence…"
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
                })}
            </div>
            <p class="status">{move || area.message.get()}</p>
            <h3>"Predict a whole file"</h3>
            <div class="row">
                <label class="file-button">
                    "Choose a file of texts…"
                    <input type="file" data-testid="predict-file-input" accept=".csv,.tsv,.jsonl,.txt"
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
            <p class="hint">"CSV/TSV: the text, sentence or first column; JSONL: the \"text\" field; anything else: one text per line."</p>
        </Panel>
    }
}
