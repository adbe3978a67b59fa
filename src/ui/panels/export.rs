//! Export panel: the fine-tuned model as a Hugging Face folder in a zip — with a model card
//! (`README.md`, `shared::card`) composed from what the panels show, if wanted — and importing
//! one.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::model::load_files;
use crate::protocol::{Report, Task, ToWorker};
use crate::shared::card::ModelCard;
use crate::ui::components::Panel;
use crate::ui::download;
use crate::ui::state::{
    CounterfactualArea, DataArea, ExportArea, GroupsArea, ModelArea, RunArea, can_predict,
    tuned_task,
};
use crate::ui::worker::send;

/// The export panel.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let area = expect_context::<ExportArea>();
    let (model, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let ready = move || can_predict(model, run);
    let with_card = RwSignal::new(true);
    let export = move |_| {
        area.message.set("exporting…".into());
        let card = with_card
            .get_untracked()
            .then(|| model_card(model, run))
            .flatten();
        send(&ToWorker::Export { card });
    };
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
                    on:click=export>
                    "Download the fine-tuned model (.zip)"
                </button>
                <label><input type="checkbox" data-testid="export-card" prop:checked=move || with_card.get()
                    on:change=move |ev| with_card.set(event_target_checked(&ev)) />
                    " with a model card (README.md: training, scores, groups, counterfactuals)"</label>
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

/// The card of the last run, from what the panels show: its settings, the data, the
/// validation scores, and the Evaluate panel's groups and counterfactual test if run. `None`
/// before a run has a report (an imported model: its export has no card).
fn model_card(model: ModelArea, run: RunArea) -> Option<String> {
    let result = run.result.get_untracked()?;
    let report = result.report?;
    let (data, groups) = (expect_context::<DataArea>(), expect_context::<GroupsArea>());
    let counterfactual = expect_context::<CounterfactualArea>();
    let info = model.model.get_untracked();
    let summary = data.data.get_untracked();
    let (task, metrics, per_label, labels) = match report {
        Report::Classify {
            accuracy,
            macro_f1,
            weighted_f1,
            per_class,
            labels,
            ..
        } => {
            let metrics = vec![
                ("accuracy".into(), accuracy),
                ("macro-F1".into(), macro_f1),
                ("weighted-F1".into(), weighted_f1),
            ];
            (Task::Classify, metrics, per_class, labels)
        }
        Report::Ner {
            precision,
            recall,
            f1,
            per_type,
            ..
        } => {
            let metrics = vec![
                ("entity precision".into(), precision),
                ("entity recall".into(), recall),
                ("entity F1".into(), f1),
            ];
            let labels = per_type.iter().map(|(t, _)| t.clone()).collect();
            (Task::Ner, metrics, per_type, labels)
        }
        Report::Qa {
            exact_match, f1, ..
        } => (
            Task::Qa,
            vec![("exact match".into(), exact_match), ("F1".into(), f1)],
            Vec::new(),
            Vec::new(),
        ),
    };
    let base = info.as_ref().map(|m| m.name.clone());
    let card = ModelCard {
        name: format!(
            "{}-fine-tuned",
            base.clone().unwrap_or_else(|| "model".into())
        ),
        base_model: info.map(|m| m.source).filter(|s| !s.is_empty()).or(base),
        task,
        labels,
        settings: Some(run.settings.get_untracked()),
        training_data: summary
            .as_ref()
            .map(|d| format!("{}: {} examples", d.file, d.examples)),
        evaluated_on: format!(
            "the {} validation examples held out of {}",
            result.examples.len(),
            summary
                .as_ref()
                .map_or("the data file", |d| d.file.as_str())
        ),
        metrics,
        per_label,
        groups: groups.report.get_untracked().map(|(r, _, _)| r),
        counterfactual: counterfactual.report.get_untracked(),
    };
    Some(card.markdown())
}
