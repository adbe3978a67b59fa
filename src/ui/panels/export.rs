//! Export panel: the fine-tuned model as a Hugging Face folder in a zip, and importing one.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::model::load_files;
use crate::protocol::{Task, ToWorker};
use crate::ui::components::Panel;
use crate::ui::download;
use crate::ui::state::{ExportArea, ModelArea, RunArea, can_predict, tuned_task};
use crate::ui::worker::send;

/// The export panel.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let area = expect_context::<ExportArea>();
    let (model, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let ready = move || can_predict(model, run);
    // The class that loads the model in transformers, by its task.
    let class = move || match tuned_task(model, run) {
        Some(Task::Ner) => "AutoModelForTokenClassification",
        Some(Task::Qa) => "AutoModelForQuestionAnswering",
        _ => "AutoModelForSequenceClassification",
    };
    view! {
        <Panel id="export" number=6 title="Export" purpose="Take the model home: a zip of config.json, model.safetensors and the tokenizer files (tokenizer.json, tokenizer_config.json and the base model's others), the same files a command-line export holds, that Python transformers loads as is.">
            <div class="row">
                <button class="primary" data-testid="export-model" disabled=move || !ready()
                    on:click=move |_| { area.message.set("exporting…".into()); send(&ToWorker::Export); }>
                    "Download the fine-tuned model (.zip)"
                </button>
                <label class="file-button">
                    "Import an exported model…"
                    <input type="file" accept=".zip" data-testid="import-model-input"
                        on:change=move |ev| {
                            let input: HtmlInputElement = event_target(&ev);
                            load_files(model, download::files(input.files()), None);
                            input.set_value("");
                        } />
                </label>
            </div>
            <p class="status" role="status">{move || area.message.get()}</p>
            <pre class="code" data-testid="export-python">{move || format!("from transformers import {0}, AutoTokenizer
model = {0}.from_pretrained(\"path/to/unzipped-folder\")
tokenizer = AutoTokenizer.from_pretrained(\"path/to/unzipped-folder\")", class())}</pre>
            <p class="hint">"Classifiers load with AutoModelForSequenceClassification, NER models with AutoModelForTokenClassification, question answering with AutoModelForQuestionAnswering. Fine-tuned models are also kept in this browser (Model panel)."</p>
        </Panel>
    }
}
