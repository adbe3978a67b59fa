//! Train panel: hyperparameters with plain explanations, start/pause/resume/cancel, progress
//! with ETA, the live loss curve, validation scores per epoch, and past runs.

use leptos::prelude::*;

use crate::protocol::{Backend, Setting, ToWorker, TrainSettings, setting_label, setting_message};
use crate::ui::components::{LossChart, Panel, Tip};
use crate::ui::state::{Progress, RunStatus, Store, human_seconds};
use crate::ui::worker::send;

/// The model's position table, once a model is loaded: the longest maximum length.
fn positions(store: Store) -> Option<usize> {
    store.model.get().map(|m| m.max_positions)
}

/// A number input bound to one setting. `set` only parses; whether the value is in range is
/// [`TrainSettings::validate`]'s to say, the same check the worker and the command line make.
#[component]
fn SettingField(
    setting: Setting,
    text: &'static str,
    testid: &'static str,
    step: &'static str,
    get: fn(&TrainSettings) -> String,
    set: fn(&mut TrainSettings, &str) -> bool,
) -> impl IntoView {
    let store = expect_context::<Store>();
    let error = RwSignal::new(None::<String>);
    let term = setting_label(setting);
    view! {
        <label class="setting">
            <Tip term=term text=text />
            <input type="number" step=step data-testid=testid class:invalid=move || error.get().is_some()
                prop:value=move || get(&store.settings.get())
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let mut next = store.settings.get_untracked();
                    let problem = if set(&mut next, value.trim()) {
                        next.validate(positions(store)).err().filter(|e| e.setting() == setting).map(|e| setting_message(&e))
                    } else {
                        Some(format!("{term} must be a number"))
                    };
                    if problem.is_none() { store.settings.set(next) }
                    error.set(problem);
                } />
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
        </label>
    }
}

/// The train panel.
#[component]
pub fn TrainPanel() -> impl IntoView {
    let store = expect_context::<Store>();
    let running = move || matches!(store.status.get(), RunStatus::Running | RunStatus::Paused);
    let settings_error = move || {
        store
            .settings
            .get()
            .validate(positions(store))
            .err()
            .map(|e| setting_message(&e))
    };
    let can_start = move || {
        !running()
            && store.model.get().is_some()
            && store.data.get().is_some_and(|d| d.error.is_none())
            && settings_error().is_none()
    };
    let start = move |_| {
        store.status.set(RunStatus::Running);
        store
            .status_message
            .set("preparing the data and compiling GPU kernels…".into());
        store.losses.set(Vec::new());
        store.epochs.set(Vec::new());
        store.progress.set(Progress::default());
        store.result.set(None);
        send(&ToWorker::Train {
            settings: store.settings.get_untracked(),
        });
    };
    view! {
        <Panel id="train" number=3 title="Fine-tune" purpose="Adjust every weight of the model a little, many times, so that it gets your examples right.">
            {move || store.backend.get().filter(|b| b.kind == Backend::Cpu).map(|b| view! {
                <p class="warn" role="note">
                    {format!("Running on the CPU: {}. ", b.fallback_reason.unwrap_or_default())}
                    "Training is much slower here: keep 1–2 layers (Model panel) and a maximum length of 32 to finish in minutes."
                </p>
            })}
            {move || store.backend.get().filter(|b| b.kind == Backend::WebGpu && b.is_fallback_adapter).map(|_| view! {
                <p class="warn" role="note">
                    "This browser's WebGPU adapter is a software emulation (no GPU acceleration): a full model can take hours per epoch. "
                    <a href="?backend=cpu">"Use the CPU backend"</a>
                    " (faster here), or keep 1–2 layers and a maximum length of 32."
                </p>
            })}
            <div class="settings">
                <SettingField setting=Setting::Epochs testid="train-epochs" step="1" text="Passes over all training examples. More can fit better, or start memorising."
                    get={|s| s.epochs.to_string()} set={|s, v| v.parse().map(|x| s.epochs = x).is_ok()} />
                <SettingField setting=Setting::BatchSize testid="train-batch-size" step="1" text="Examples per step. Larger is smoother and faster per example but needs more memory."
                    get={|s| s.batch_size.to_string()} set={|s, v| v.parse().map(|x| s.batch_size = x).is_ok()} />
                <SettingField setting=Setting::LearningRate testid="train-lr" step="0.00001" text="How big each weight update is. Too high and the loss jumps around; too low and it barely moves. 2e-5 to 1e-4 suits fine-tuning."
                    get={|s| s.lr.to_string()} set={|s, v| v.parse().map(|x| s.lr = x).is_ok()} />
                <SettingField setting=Setting::MaxLen testid="train-max-len" step="8" text="Longest input in tokens (word pieces); longer texts are cut. Batches are padded only to their longest text, so a short text costs no more."
                    get={|s| s.max_len.to_string()} set={|s, v| v.parse().map(|x| s.max_len = x).is_ok()} />
                <SettingField setting=Setting::Warmup testid="train-warmup" step="0.05" text="Share of steps over which the learning rate rises from 0, which keeps the first updates from wrecking the pre-trained weights."
                    get={|s| s.warmup_ratio.to_string()} set={|s, v| v.parse().map(|x| s.warmup_ratio = x).is_ok()} />
                <SettingField setting=Setting::WeightDecay testid="train-weight-decay" step="0.01" text="Pulls weights slightly towards zero each step, a guard against memorising."
                    get={|s| s.weight_decay.to_string()} set={|s, v| v.parse().map(|x| s.weight_decay = x).is_ok()} />
                <label class="setting">
                    <Tip term="Seed" text="Fixes the validation split and the example order, so a run can be repeated." />
                    <input type="number" step="1" data-testid="train-seed" prop:value=move || store.settings.get().seed.to_string()
                        on:change=move |ev| { if let Ok(x) = event_target_value(&ev).trim().parse() { store.settings.update(|s| s.seed = x) } } />
                </label>
            </div>
            <div class="row">
                <button class="primary" data-testid="train-start" disabled=move || !can_start() on:click=start>"Start training"</button>
                <button data-testid="train-pause" disabled=move || !running()
                    on:click=move |_| send(if store.status.get_untracked() == RunStatus::Paused { &ToWorker::Resume } else { &ToWorker::Pause })>
                    {move || if store.status.get() == RunStatus::Paused { "Resume" } else { "Pause" }}
                </button>
                <button data-testid="train-cancel" disabled=move || !running() on:click=move |_| send(&ToWorker::Cancel)>"Cancel"</button>
                <span>"Status: " <b data-testid="train-status" role="status">{move || store.status.get().word()}</b></span>
            </div>
            {move || (!can_start() && !running()).then(|| view! {
                <p class="hint">{match (store.model.get().is_some(), store.data.get().is_some_and(|d| d.error.is_none()), settings_error()) {
                    (false, _, _) => "Load a model to start.".to_string(),
                    (_, false, _) => "Add data to start.".to_string(),
                    (_, _, Some(e)) => e,
                    _ => String::new(),
                }}</p>
            })}
            <p class="status">{move || store.status_message.get()}</p>
            <ProgressView />
            <LossChart points=store.losses />
            <EpochTable />
            <PastRuns />
        </Panel>
    }
}

#[component]
fn ProgressView() -> impl IntoView {
    let store = expect_context::<Store>();
    view! {
        {move || {
            let p = store.progress.get();
            let fraction = if p.total == 0 { 0.0 } else { p.last.step as f64 / p.total as f64 };
            view! {
                <div class="progress">
                    <progress data-testid="train-progress" max="1" value=fraction.to_string()
                        aria-label="training progress"></progress>
                    <span>{format!("{:.0}% · step {} of {} · epoch {}", fraction * 100.0, p.last.step, p.total, p.last.epoch)}</span>
                    <span>{format!(" · ETA {}", human_seconds(p.last.eta_s))}</span>
                    <span>{format!(" · {:.1} examples/s · {:.2} s/step · lr {:.2e}", p.last.examples_per_s, p.last.step_s, p.last.lr)}</span>
                </div>
                <ul class="notes">{p.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
            }
        }}
    }
}

#[component]
fn EpochTable() -> impl IntoView {
    let store = expect_context::<Store>();
    move || {
        let epochs = store.epochs.get();
        (!epochs.is_empty()).then(|| view! {
            <table class="epochs">
                <thead><tr><th>"Epoch"</th><th>"Training loss"</th>
                    <th><Tip term="Validation score" text="Macro-F1 for classification, entity F1 for NER, on the held-out examples. The best epoch's model is kept." /></th>
                    <th></th></tr></thead>
                <tbody>{epochs.into_iter().map(|(e, loss, report, best)| view! {
                    <tr><td>{e}</td><td>{format!("{loss:.4}")}</td><td>{format!("{:.4}", report.score())}</td><td>{if best { "best so far" } else { "" }}</td></tr>
                }).collect_view()}</tbody>
            </table>
        })
    }
}

#[component]
fn PastRuns() -> impl IntoView {
    let store = expect_context::<Store>();
    view! {
        <details class="runs">
            <summary>{move || format!("Past runs ({})", store.runs.get().len())}</summary>
            {move || {
                let runs = store.runs.get();
                if runs.is_empty() {
                    return view! { <p class="empty">"Finished runs are kept here, with their settings and scores, across reloads."</p> }.into_any();
                }
                view! {
                    <table>
                        <thead><tr><th>"When"</th><th>"Model"</th><th>"Data"</th><th>"Settings"</th><th>"Score by epoch"</th><th>"Outcome"</th><th></th></tr></thead>
                        <tbody>{runs.into_iter().enumerate().map(|(i, r)| view! {
                            <tr>
                                <td>{r.started.clone()}</td><td>{r.model.clone()}</td><td>{r.data.clone()}</td>
                                <td>{format!("{} epochs, batch {}, lr {:.0e}, len {}", r.settings.epochs, r.settings.batch_size, r.settings.lr, r.settings.max_len)}</td>
                                <td>{r.epochs.iter().map(|(_, _, s)| format!("{s:.3}")).collect::<Vec<_>>().join(" → ")}</td>
                                <td>{r.outcome.clone()}</td>
                                <td><button class="danger" on:click=move |_| { store.runs.update(|v| { v.remove(i); }); store.save_runs(); }>"Forget"</button></td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </details>
    }
}
