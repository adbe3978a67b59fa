//! Train panel: hyperparameters with plain explanations, start/pause/resume/cancel, progress
//! with ETA, the live loss curve, validation scores per epoch, and past runs.

use leptos::prelude::*;

use crate::protocol::{ToWorker, TrainSettings};
use crate::ui::components::{LossChart, Panel, Tip};
use crate::ui::state::{Progress, RunStatus, Store, human_seconds};
use crate::ui::worker::send;

/// A number input bound to one setting.
#[component]
fn Setting(
    term: &'static str,
    text: &'static str,
    testid: &'static str,
    step: &'static str,
    get: fn(&TrainSettings) -> String,
    set: fn(&mut TrainSettings, &str) -> bool,
) -> impl IntoView {
    let store = expect_context::<Store>();
    let invalid = RwSignal::new(false);
    view! {
        <label class="setting">
            <Tip term=term text=text />
            <input type="number" step=step data-testid=testid class:invalid=move || invalid.get()
                prop:value=move || get(&store.settings.get())
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let mut next = store.settings.get_untracked();
                    let ok = set(&mut next, value.trim());
                    invalid.set(!ok);
                    if ok { store.settings.set(next) }
                } />
        </label>
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(v: &str) -> Option<T> {
    v.parse::<T>().ok().filter(|x| *x > T::default())
}

/// The train panel.
#[component]
pub fn TrainPanel() -> impl IntoView {
    let store = expect_context::<Store>();
    let running = move || matches!(store.status.get(), RunStatus::Running | RunStatus::Paused);
    let can_start = move || {
        !running()
            && store.model.get().is_some()
            && store.data.get().is_some_and(|d| d.error.is_none())
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
            {move || store.backend.get().filter(|b| b.kind == "cpu").map(|b| view! {
                <p class="warn" role="note">
                    {format!("Running on the CPU: {}. ", b.fallback_reason.unwrap_or_default())}
                    "Training is much slower here: keep 1–2 layers (Model panel) and a maximum length of 32 to finish in minutes."
                </p>
            })}
            {move || store.backend.get().filter(|b| b.kind == "webgpu" && b.is_fallback_adapter).map(|_| view! {
                <p class="warn" role="note">
                    "This browser's WebGPU adapter is a software emulation (no GPU acceleration): a full model can take hours per epoch. "
                    <a href="?backend=cpu">"Use the CPU backend"</a>
                    " (faster here), or keep 1–2 layers and a maximum length of 32."
                </p>
            })}
            <div class="settings">
                <Setting term="Epochs" testid="train-epochs" step="1" text="Passes over all training examples. More can fit better, or start memorising."
                    get={|s| s.epochs.to_string()} set={|s, v| positive(v).map(|x| s.epochs = x).is_some()} />
                <Setting term="Batch size" testid="train-batch-size" step="1" text="Examples per step. Larger is smoother and faster per example but needs more memory."
                    get={|s| s.batch_size.to_string()} set={|s, v| positive(v).map(|x| s.batch_size = x).is_some()} />
                <Setting term="Learning rate" testid="train-lr" step="0.00001" text="How big each weight update is. Too high and the loss jumps around; too low and it barely moves. 2e-5 to 1e-4 suits fine-tuning."
                    get={|s| s.lr.to_string()} set={|s, v| positive(v).filter(|x: &f64| x.is_finite() && *x < 1.0).map(|x| s.lr = x).is_some()} />
                <Setting term="Max length" testid="train-max-len" step="8" text="Longest input in tokens (word pieces); longer texts are cut. Shorter is faster."
                    get={|s| s.max_len.to_string()} set={|s, v| positive(v).filter(|x: &usize| *x >= 8).map(|x| s.max_len = x).is_some()} />
                <Setting term="Warm-up" testid="train-warmup" step="0.05" text="Share of steps over which the learning rate rises from 0, which keeps the first updates from wrecking the pre-trained weights."
                    get={|s| s.warmup_ratio.to_string()} set={|s, v| v.parse::<f64>().ok().filter(|x| (0.0..1.0).contains(x)).map(|x| s.warmup_ratio = x).is_some()} />
                <Setting term="Weight decay" testid="train-weight-decay" step="0.01" text="Pulls weights slightly towards zero each step, a guard against memorising."
                    get={|s| s.weight_decay.to_string()} set={|s, v| v.parse::<f64>().ok().filter(|x| (0.0..1.0).contains(x)).map(|x| s.weight_decay = x).is_some()} />
                <Setting term="Seed" testid="train-seed" step="1" text="Fixes the validation split and the example order, so a run can be repeated."
                    get={|s| s.seed.to_string()} set={|s, v| v.parse().ok().map(|x| s.seed = x).is_some()} />
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
                <p class="hint">{match (store.model.get().is_some(), store.data.get().is_some_and(|d| d.error.is_none())) {
                    (false, _) => "Load a model to start.",
                    (_, false) => "Add data to start.",
                    _ => "",
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
