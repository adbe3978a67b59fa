//! Export panel: the fine-tuned model as a Hugging Face folder in a zip, and importing one.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::model::load_files;
use crate::protocol::ToWorker;
use crate::ui::components::Panel;
use crate::ui::download;
use crate::ui::state::Store;
use crate::ui::worker::send;

/// The export panel.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let store = expect_context::<Store>();
    let ready =
        move || store.result.get().is_some() || store.model.get().is_some_and(|m| m.task.is_some());
    view! {
        <Panel id="export" number=6 title="Export" purpose="Take the model home: a zip of config.json, model.safetensors and tokenizer.json that Python transformers loads as is.">
            <div class="row">
                <button class="primary" data-testid="export-model" disabled=move || !ready()
                    on:click=move |_| { store.export_message.set("exporting…".into()); send(&ToWorker::Export); }>
                    "Download the fine-tuned model (.zip)"
                </button>
                <label class="file-button">
                    "Import an exported model…"
                    <input type="file" accept=".zip" data-testid="import-model-input"
                        on:change=move |ev| {
                            let input: HtmlInputElement = event_target(&ev);
                            load_files(store, download::files(input.files()), None);
                            input.set_value("");
                        } />
                </label>
            </div>
            <p class="status" role="status">{move || store.export_message.get()}</p>
            <pre class="code">"from transformers import AutoModelForSequenceClassification, AutoTokenizer
model = AutoModelForSequenceClassification.from_pretrained(\"path/to/unzipped-folder\")
tokenizer = AutoTokenizer.from_pretrained(\"path/to/unzipped-folder\")"</pre>
            <p class="hint">"For NER models use AutoModelForTokenClassification. Fine-tuned models are also kept in this browser (Model panel)."</p>
        </Panel>
    }
}
