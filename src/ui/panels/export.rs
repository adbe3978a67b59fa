//! Export panel: the fine-tuned model as a Hugging Face folder in a zip, and importing one.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::model::load_files;
use crate::protocol::ToWorker;
use crate::ui::components::Panel;
use crate::ui::download;
use crate::ui::state::{ExportArea, ModelArea, RunArea, can_predict};
use crate::ui::worker::send;

/// The export panel.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let area = expect_context::<ExportArea>();
    let (model, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let ready = move || can_predict(model, run);
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
            <pre class="code">"from transformers import AutoModelForSequenceClassification, AutoTokenizer
model = AutoModelForSequenceClassification.from_pretrained(\"path/to/unzipped-folder\")
tokenizer = AutoTokenizer.from_pretrained(\"path/to/unzipped-folder\")"</pre>
            <p class="hint">"For NER models use AutoModelForTokenClassification. Fine-tuned models are also kept in this browser (Model panel)."</p>
        </Panel>
    }
}
