//! Model panel: the default model, local files or folder, a URL, a Hub id, saved models.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::protocol::{
    DeviceLimits, ModelOrigin, SpeedCase, ToWorker, check_fit, trainable_parameters,
    training_memory_bytes,
};
use crate::ui::components::{Panel, Tip};
use crate::ui::download;
use crate::ui::format::human_bytes;
use crate::ui::state::{DeviceArea, ModelArea, RunArea, SpeedArea};
use crate::ui::worker::{send, send_with};

/// Sends picked files (or a zip export) to the worker as a model.
pub fn load_files(area: ModelArea, files: Vec<web_sys::File>, keep_layers: Option<usize>) {
    if files.is_empty() {
        return;
    }
    area.loading("reading your files…");
    spawn_local(async move {
        let mut names = Vec::new();
        let mut bytes = Vec::new();
        for file in files {
            match download::read(&file).await {
                Ok(b) => {
                    // A folder pick gives "folder/file"; the worker names the model by it.
                    let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
                        .ok()
                        .and_then(|v| v.as_string())
                        .filter(|p| !p.is_empty());
                    names.push(relative.unwrap_or_else(|| file.name()));
                    bytes.push(b);
                }
                Err(e) => {
                    area.busy.set(false);
                    area.status.set(e);
                    return;
                }
            }
        }
        area.status.set("loading the model…".into());
        send_with(
            &ToWorker::LoadModel {
                origin: ModelOrigin::Files { names },
                keep_layers,
            },
            bytes,
        );
    });
}

fn default_hub() -> String {
    crate::ui::address::query("hub").unwrap_or_else(|| "https://huggingface.co".into())
}

/// The model panel.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let area = expect_context::<ModelArea>();
    let keep_layers = RwSignal::new(String::new());
    let layers = move || {
        keep_layers
            .get()
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
    };
    let load = Callback::new(move |origin: ModelOrigin| {
        area.loading("loading…");
        send(&ToWorker::LoadModel {
            origin,
            keep_layers: layers(),
        });
    });
    let on_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        load_files(area, download::files(input.files()), layers());
        input.set_value("");
    };
    view! {
        <Panel id="model" number=1 title="Model" purpose="Start from a pre-trained encoder: it already knows the language; fine-tuning teaches it your task.">
            <div class="row">
                <button data-testid="model-default" disabled=move || area.busy.get()
                    on:click=move |_| load.run(ModelOrigin::Default)>
                    "Use all-MiniLM-L6-v2 (default, 90 MB)"
                </button>
                <label class="file-button">
                    "Open model files…"
                    <input type="file" multiple data-testid="model-file-input"
                        accept=".json,.safetensors,.txt,.zip" on:change=on_files />
                </label>
                <label class="file-button">
                    "Open a model folder…"
                    <input type="file" prop:webkitdirectory=true on:change=on_files />
                </label>
                <label>
                    <Tip term="Keep layers" text="Use only the first N transformer layers: faster and lighter, usually a little less accurate. Empty keeps all." />
                    <input type="number" min="1" class="narrow" placeholder="all"
                        prop:value=move || keep_layers.get()
                        on:input=move |ev| keep_layers.set(event_target_value(&ev)) />
                </label>
            </div>
            <RemoteSources load=load />
            <p class="status" data-testid="model-status" role="status">{move || area.status.get()}</p>
            {move || area.download.get().map(|(file, loaded, total)| view! {
                <div class="download">
                    <span>{format!("{file}: {}{}", human_bytes(loaded), total.map(|t| format!(" of {}", human_bytes(t))).unwrap_or_default())}</span>
                    <progress max=total.unwrap_or(0).max(loaded).to_string() value=loaded.to_string()></progress>
                </div>
            })}
            <ModelFacts />
            <SpeedTest />
            <SavedModels />
        </Panel>
    }
}

/// A model from a URL or from a Hugging Face Hub (or a mirror), handed to `load`.
#[component]
fn RemoteSources(load: Callback<ModelOrigin>) -> impl IntoView {
    let area = expect_context::<ModelArea>();
    let url = RwSignal::new(String::new());
    let hub = RwSignal::new(default_hub());
    let hub_id = RwSignal::new(String::new());
    let revision = RwSignal::new("main".to_string());
    view! {
        <details>
            <summary>"From a URL or the Hugging Face Hub"</summary>
            <div class="row">
                <input type="url" placeholder="https://…/my-model/ (folder with config.json, model.safetensors, tokenizer.json)"
                    class="wide" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                <button disabled=move || area.busy.get() || url.get().trim().is_empty()
                    on:click=move |_| load.run(ModelOrigin::Url { url: url.get_untracked().trim().to_string() })>"Load URL"</button>
            </div>
            <div class="row">
                <input placeholder="Hub model id, e.g. prajjwal1/bert-tiny" prop:value=move || hub_id.get()
                    on:input=move |ev| hub_id.set(event_target_value(&ev)) />
                <input class="narrow" placeholder="revision" prop:value=move || revision.get()
                    on:input=move |ev| revision.set(event_target_value(&ev)) />
                <input placeholder="hub address" prop:value=move || hub.get()
                    on:input=move |ev| hub.set(event_target_value(&ev)) />
                <button disabled=move || area.busy.get() || hub_id.get().trim().is_empty()
                    on:click=move |_| load.run(ModelOrigin::Hub {
                        hub: hub.get_untracked(),
                        id: hub_id.get_untracked(),
                        revision: revision.get_untracked(),
                    })>"Load from Hub"</button>
            </div>
            <p class="hint">"Downloads are kept in this browser and listed below."</p>
        </details>
    }
}

/// A parameter count as people read it: 22.7 M, 222 k, 850.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.0} k", n as f64 / 1e3),
        _ => format!("{:.1} M", n as f64 / 1e6),
    }
}

#[component]
fn ModelFacts() -> impl IntoView {
    let (area, run) = (expect_context::<ModelArea>(), expect_context::<RunArea>());
    let device = expect_context::<DeviceArea>();
    move || {
        area.model.get().map(|m| {
            let s = run.settings.get();
            let memory = training_memory_bytes(&m, s.batch_size, s.max_len, &s.adaptation);
            let trainable = trainable_parameters(&m, &s.adaptation);
            // At the maximum length (the worker checks again with the data's longest inputs).
            let fit = device.backend.get().and_then(|b| {
                check_fit(&m, s.batch_size, s.max_len, &s.adaptation, DeviceLimits::of(&b)).err()
            });
            view! {
                <dl class="facts">
                    <dt><Tip term="Layers" text="Transformer blocks stacked on each other; each refines every word's representation using the others." /></dt>
                    <dd>{format!("{} of {}", m.layers, m.total_layers)}</dd>
                    <dt><Tip term="Hidden size" text="Numbers per word inside the model." /></dt><dd>{m.hidden}</dd>
                    <dt>"Attention heads"</dt><dd>{m.heads}</dd>
                    <dt><Tip term="Parameters" text="Learned numbers in the model; full fine-tuning adjusts all of them; the next line says how many train with the Fine-tune panel's choice." /></dt>
                    <dd>{count(m.parameters)}</dd>
                    <dt>"Vocabulary"</dt><dd>{m.vocab}</dd>
                    <dt><Tip term="Trained parameters" text="Parameters that get gradients and optimiser state under the Train panel's choice of what trains (everything, frozen lower part, or LoRA adapters)." /></dt>
                    <dd data-testid="model-trainable">{format!("{} ({:.2}%)", count(trainable), 100.0 * trainable as f64 / m.parameters.max(1) as f64)}</dd>
                    <dt><Tip term="Training memory" text="Rough estimate: weights, plus gradients and AdamW state of the trained parameters, and activations at the chosen batch size and maximum length." /></dt>
                    <dd data-testid="model-memory">{format!("≈ {} at batch {} × {} tokens", human_bytes(memory), s.batch_size, s.max_len)}</dd>
                </dl>
                {fit.map(|e| view! { <p class="warn" data-testid="model-fit">{format!("Inputs this long would not fit this device: {e}.")}</p> })}
                <ul class="notes">{m.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
            }
        })
    }
}

#[component]
fn SavedModels() -> impl IntoView {
    let area = expect_context::<ModelArea>();
    view! {
        <h3>"Saved in this browser"</h3>
        {move || {
            let models = area.saved.get();
            if models.is_empty() {
                return view! { <p class="empty">"Nothing yet: downloaded and fine-tuned models appear here and survive a reload."</p> }.into_any();
            }
            view! {
                <table class="saved">
                    <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Size"</th><th></th></tr></thead>
                    <tbody>
                        {models.into_iter().map(|m| {
                            let (load_key, delete_key) = (m.key.clone(), m.key.clone());
                            view! {
                                <tr>
                                    <td>{m.name.clone()}</td>
                                    <td>{m.kind.word()}</td>
                                    <td>{human_bytes(m.bytes)}</td>
                                    <td>
                                        <button on:click=move |_| {
                                            area.loading("loading…");
                                            send(&ToWorker::LoadModel { origin: ModelOrigin::Saved { key: load_key.clone() }, keep_layers: None });
                                        }>"Load"</button>
                                        <button class="danger" aria-label=format!("Delete {}", m.name)
                                            on:click=move |_| send(&ToWorker::DeleteModel { key: delete_key.clone() })>"Delete"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// Seconds as the table shows them: milliseconds below 1 s.
fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// The speed test: inference and training steps with the loaded model on this device, timed
/// by the worker (the same code as `anneal bench`).
#[component]
fn SpeedTest() -> impl IntoView {
    let (area, model) = (expect_context::<SpeedArea>(), expect_context::<ModelArea>());
    let run = expect_context::<RunArea>();
    let infer_runs = RwSignal::new("20".to_string());
    let step_runs = RwSignal::new("5".to_string());
    let count = |s: RwSignal<String>| s.get().trim().parse::<usize>().ok();
    let can_start = move || {
        model.model.get().is_some()
            && !area.running.get()
            && matches!((count(infer_runs), count(step_runs)), (Some(i), Some(s)) if i + s > 0)
    };
    let start = move |_| {
        let (Some(infer), Some(steps)) = (count(infer_runs), count(step_runs)) else {
            return;
        };
        area.started();
        send(&ToWorker::Speed {
            cases: SpeedCase::standard(infer, steps),
            adaptation: run.settings.get_untracked().adaptation,
        });
    };
    view! {
        <details data-testid="speed">
            <summary>"Speed on this device"</summary>
            <p class="hint">"Times the loaded model on random text: inference (to the last hidden states) and fine-tuning steps (forward, backward, AdamW; training what the Fine-tune panel says: everything, a frozen lower part, or LoRA adapters), each after two untimed warm-up runs. 0 runs leaves that part out."</p>
            <div class="row">
                <label>"Inference runs"
                    <input type="number" min="0" class="narrow" data-testid="speed-infer-runs"
                        prop:value=move || infer_runs.get() on:input=move |ev| infer_runs.set(event_target_value(&ev)) />
                </label>
                <label>"Training steps"
                    <input type="number" min="0" class="narrow" data-testid="speed-step-runs"
                        prop:value=move || step_runs.get() on:input=move |ev| step_runs.set(event_target_value(&ev)) />
                </label>
                <button data-testid="speed-start" disabled=move || !can_start() on:click=start>"Measure"</button>
                <button data-testid="speed-stop" disabled=move || !area.running.get()
                    on:click=move |_| send(&ToWorker::Cancel)>"Stop"</button>
            </div>
            <p class="status" data-testid="speed-status" role="status"
                data-memory=move || area.memory.get().and_then(|m| serde_json::to_string(&m).ok())>
                {move || area.status.get()}</p>
            {move || {
                let timings = area.timings.get();
                (!timings.is_empty()).then(|| {
                    let json = serde_json::to_string(&timings).unwrap_or_default();
                    view! {
                        <table class="speed" data-testid="speed-table" data-timings=json>
                            <thead><tr><th>"What"</th><th>"Median"</th><th>"Fastest"</th><th>"Slowest"</th><th>"Texts/s"</th></tr></thead>
                            <tbody>
                                {timings.into_iter().map(|t| view! {
                                    <tr>
                                        <td>{t.case.describe()}</td>
                                        <td>{seconds(t.median_s)}</td>
                                        <td>{seconds(t.min_s)}</td>
                                        <td>{seconds(t.max_s)}</td>
                                        <td>{format!("{:.1}", t.texts_per_s())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                })
            }}
        </details>
    }
}
