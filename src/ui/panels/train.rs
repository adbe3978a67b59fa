//! Train panel: hyperparameters with plain explanations, start/pause/resume/cancel, progress
//! with ETA, the live loss curve, validation scores per epoch, and past runs.

use leptos::prelude::*;

use crate::protocol::{Adaptation, LoraSettings, LoraTargets};
use crate::protocol::{
    Adversarial, AdversarialKind, AugmentKind, Augmentation, Backend, BestBy, Setting, Task,
    TaskSampling, ToWorker, TrainSettings, Verdict, setting_label, setting_message,
};
use crate::shared::CdaSwap;
use crate::shared::augment::typos;
use crate::shared::counterfactual::{Swaps, swap_each};
use crate::shared::eda::{Synonyms, eda, paper_defaults};
use crate::shared::mentions::{Lexicon, replace_mentions, replace_tokens};
use crate::shared::rng::Rng;
use crate::ui::components::{LossAxes, LossChart, LossScale, Panel, Tip};
use crate::ui::format::human_seconds;
use crate::ui::state::{DataArea, DeviceArea, EpochRow, ModelArea, RunArea};
use crate::ui::worker::send;

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
    let (run, model) = (expect_context::<RunArea>(), expect_context::<ModelArea>());
    let data = expect_context::<DataArea>();
    let error = RwSignal::new(None::<String>);
    let term = setting_label(setting);
    view! {
        <label class="setting">
            <Tip term=term text=text />
            <input type="number" step=step data-testid=testid class:invalid=move || error.get().is_some()
                prop:value=move || get(&run.settings.get())
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let mut next = run.settings.get_untracked();
                    let problem = if set(&mut next, value.trim()) {
                        next.validate_for(data.task(), model.positions()).err().filter(|e| e.setting() == setting).map(|e| setting_message(&e))
                    } else {
                        Some(format!("{term} must be a number"))
                    };
                    if problem.is_none() { run.settings.set(next) }
                    error.set(problem);
                } />
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
        </label>
    }
}

/// The train panel.
#[component]
pub fn TrainPanel() -> impl IntoView {
    let (run, model, data) = (
        expect_context::<RunArea>(),
        expect_context::<ModelArea>(),
        expect_context::<DataArea>(),
    );
    let settings_error = move || {
        let positions = model.positions();
        run.settings.with(|s| {
            s.validate_for(data.task(), positions)
                .err()
                .map(|e| setting_message(&e))
        })
    };
    let missing = move || {
        if model.model.with(Option::is_none) {
            Some("Load a model to start.".to_string())
        } else if !data.usable() {
            Some("Add data to start.".to_string())
        } else {
            settings_error()
        }
    };
    let can_start = move || !run.running() && missing().is_none();
    // Pausing or paused: the button resumes (a pause not yet taken is called off).
    let paused = move || run.status.get().held();
    view! {
        <Panel id="train" number=3 title="Fine-tune" purpose="Adjust every weight of the model a little, many times, so that it gets your examples right.">
            <SlowDeviceWarning />
            <SettingFields />
            <div class="row">
                <button class="primary" data-testid="train-start" disabled=move || !can_start()
                    on:click=move |_| send(&ToWorker::Train { settings: run.start() })>"Start training"</button>
                <button data-testid="train-pause" disabled=move || !run.running()
                    on:click=move |_| send(if paused() { &ToWorker::Resume } else { &ToWorker::Pause })>
                    {move || if paused() { "Resume" } else { "Pause" }}
                </button>
                <button data-testid="train-cancel" disabled=move || !run.running() on:click=move |_| send(&ToWorker::Cancel)>"Cancel"</button>
                <span>"Status: " <b data-testid="train-status" role="status">{move || run.status.get().word()}</b></span>
            </div>
            {move || (!run.running()).then(missing).flatten().map(|why| view! { <p class="hint">{why}</p> })}
            <p class="status">{move || run.message.get()}</p>
            <ProgressView />
            <LossChart points=run.losses valid=run.valid_points />
            <EpochChart />
            <FitDiagnosis />
            <EpochTable />
            <AuxEpochTable />
            <PastRuns />
        </Panel>
    }
}

/// Where the device is slow (the CPU, or a software WebGPU adapter), what to do about it.
#[component]
fn SlowDeviceWarning() -> impl IntoView {
    let device = expect_context::<DeviceArea>();
    move || {
        match device.backend.get() {
        Some(b) if b.kind == Backend::Cpu => Some(view! {
            <p class="warn" role="note">
                {format!("Running on the CPU: {}. ", b.fallback_reason.unwrap_or_default())}
                "Training is much slower here: keep 1–2 layers (Model panel) and a maximum length of 32 to finish in minutes."
            </p>
        }.into_any()),
        Some(b) if b.kind == Backend::WebGpu && b.is_fallback_adapter => Some(view! {
            <p class="warn" role="note">
                "This browser's WebGPU adapter is a software emulation (no GPU acceleration): a full model can take hours per epoch. "
                <a href="?backend=cpu">"Use the CPU backend"</a>
                " (faster here), or keep 1–2 layers and a maximum length of 32."
            </p>
        }.into_any()),
        _ => None,
    }
    }
}

/// The settings of the next run, each with its plain explanation.
#[component]
fn SettingFields() -> impl IntoView {
    let (run, data) = (expect_context::<RunArea>(), expect_context::<DataArea>());
    view! {
        <div class="settings">
            <SettingField setting=Setting::Epochs testid="train-epochs" step="1" text="Passes over all training examples. More can fit better, or start memorising."
                get={|s| s.epochs.to_string()} set={|s, v| v.parse().map(|x| s.epochs = x).is_ok()} />
            <SettingField setting=Setting::BatchSize testid="train-batch-size" step="1" text="Examples per step. Larger is smoother and faster per example but needs more memory."
                get={|s| s.batch_size.to_string()} set={|s, v| v.parse().map(|x| s.batch_size = x).is_ok()} />
            <SettingField setting=Setting::LearningRate testid="train-lr" step="0.00001" text="How big each weight update is. Too high and the loss jumps around; too low and it barely moves. 2e-5 to 1e-4 suits fine-tuning."
                get={|s| s.lr.to_string()} set={|s, v| v.parse().map(|x| s.lr = x).is_ok()} />
            <SettingField setting=Setting::MaxLen testid="train-max-len" step="8" text="Longest input in tokens (word pieces); longer texts are cut. Batches are padded only to their longest text, so a short text costs no more."
                get={|s| s.max_len.to_string()} set={|s, v| v.parse().map(|x| s.max_len = x).is_ok()} />
            {move || (data.task() == Some(Task::Qa)).then(|| view! {
                <SettingField setting=Setting::DocStride testid="train-doc-stride" step="8" text="Question answering: a passage longer than the maximum length is read in overlapping windows; this is how many tokens each window shares with the one before, so an answer cut by one window's edge is whole in the next."
                    get={|s| s.stride().to_string()} set={|s, v| v.parse().map(|x| s.doc_stride = Some(x)).is_ok()} />
            })}
            <SettingField setting=Setting::Warmup testid="train-warmup" step="0.05" text="Share of steps over which the learning rate rises from 0, which keeps the first updates from wrecking the pre-trained weights."
                get={|s| s.warmup_ratio.to_string()} set={|s, v| v.parse().map(|x| s.warmup_ratio = x).is_ok()} />
            <SettingField setting=Setting::WeightDecay testid="train-weight-decay" step="0.01" text="Pulls weights slightly towards zero each step, a guard against memorising."
                get={|s| s.weight_decay.to_string()} set={|s, v| v.parse().map(|x| s.weight_decay = x).is_ok()} />
            <SettingField setting=Setting::Patience testid="train-patience" step="1" text="Early stopping: end the run after this many epochs without a better validation score (or loss). Empty: train every epoch. The best epoch is kept either way."
                get={|s| s.patience.map(|p| p.to_string()).unwrap_or_default()}
                set={|s, v| if v.is_empty() { s.patience = None; true } else { v.parse().map(|x| s.patience = Some(x)).is_ok() }} />
            <SettingField setting=Setting::EvalEvery testid="train-eval-every" step="1" text="Also measure the validation loss every this many steps, drawn as dots on the loss chart: a rising validation loss shows overfitting before the epoch ends. Each measurement is a pass over the validation examples. Empty: at the end of each epoch only."
                get={|s| s.eval_every.map(|p| p.to_string()).unwrap_or_default()}
                set={|s, v| if v.is_empty() { s.eval_every = None; true } else { v.parse().map(|x| s.eval_every = Some(x)).is_ok() }} />
            <label class="setting">
                <Tip term="Keep the best" text="Which epoch's model is kept, and what early stopping waits on: the validation score (what you care about) or the validation loss (smoother on a small validation set; what Hugging Face's Trainer keeps by default)." />
                <select data-testid="train-best-by" prop:value=move || run.settings.get().best_by.name()
                    on:change=move |ev| { if let Ok(b) = event_target_value(&ev).parse::<BestBy>() { run.settings.update(|s| s.best_by = b) } }>
                    <option value="score">"validation score"</option>
                    <option value="loss">"validation loss"</option>
                </select>
            </label>
            <label class="setting">
                <Tip term="Seed" text="Fixes the validation split and the example order, so a run can be repeated." />
                <input type="number" step="1" data-testid="train-seed" prop:value=move || run.settings.get().seed.to_string()
                    on:change=move |ev| { if let Ok(x) = event_target_value(&ev).trim().parse() { run.settings.update(|s| s.seed = x) } } />
            </label>
        </div>
        {move || matches!(data.task(), Some(Task::Classify | Task::Ner)).then(|| view! { <AugmentFields /> })}
        {move || (!data.aux.with(Vec::is_empty)).then(|| view! { <TaskSamplingField /> })}
        <AdversarialFields />
        <AdaptationFields />
    }
}

/// Adversarial training: none, FGM with its epsilon, or PGD with its epsilon, step size and
/// steps.
#[component]
fn AdversarialFields() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let kind = move || {
        run.settings
            .with(|s| s.adversarial.map_or("none", |a| a.kind.name()))
    };
    let pgd = move || {
        run.settings.with(|s| {
            s.adversarial
                .is_some_and(|a| a.kind == AdversarialKind::Pgd)
        })
    };
    view! {
        <fieldset class="settings adversarial">
            <legend><Tip term="Adversarial training" text="Every step also trains on the batch with the word embeddings pushed a little in the direction that raises the loss most, so the model learns not to depend on small changes of its input. FGM pushes once (epsilon): about twice the work of a step. PGD pushes several times (steps of alpha, kept within epsilon): about steps + 1 times the work. Its worth, and its effect under attack, are for you to measure." /></legend>
            <select data-testid="train-adversarial" prop:value=kind
                on:change=move |ev| { let v = event_target_value(&ev); run.settings.update(|s| s.adversarial = v.parse::<AdversarialKind>().ok().map(Adversarial::new)) }>
                <option value="none">"None"</option>
                <option value="fgm">"FGM (fast gradient method)"</option>
                <option value="pgd">"PGD (projected gradient descent)"</option>
            </select>
            {move || run.settings.with(|s| s.adversarial.is_some()).then(|| view! {
                <SettingField setting=Setting::Adversarial testid="train-adv-epsilon" step="0.1" text="The size of the push: the norm of the change to the embedding rows the batch uses (PGD: the most it may reach). 1.0 is the usual choice for BERT-sized models."
                    get={|s| s.adversarial.map(|a| a.epsilon).unwrap_or_default().to_string()}
                    set={|s, v| v.parse().map(|x| if let Some(a) = s.adversarial.as_mut() { a.epsilon = x }).is_ok()} />
            })}
            {move || pgd().then(|| view! {
                <SettingField setting=Setting::AdversarialAlpha testid="train-adv-alpha" step="0.05" text="The norm of each of PGD's pushes."
                    get={|s| s.adversarial.map(|a| a.alpha).unwrap_or_default().to_string()}
                    set={|s, v| v.parse().map(|x| if let Some(a) = s.adversarial.as_mut() { a.alpha = x }).is_ok()} />
                <SettingField setting=Setting::AdversarialSteps testid="train-adv-steps" step="1" text="PGD's pushes per step, each a forward and backward pass more."
                    get={|s| s.adversarial.map(|a| a.steps).unwrap_or_default().to_string()}
                    set={|s, v| v.parse().map(|x| if let Some(a) = s.adversarial.as_mut() { a.steps = x }).is_ok()} />
            })}
        </fieldset>
    }
}

/// The first rows of the loaded data (text, label), for the augmentation preview.
fn preview_rows(data: DataArea) -> Vec<(String, String)> {
    data.data.with(|d| {
        d.as_ref()
            .map(|d| {
                d.preview
                    .iter()
                    .map(|r| (r.text.clone(), r.label.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Augmentation of the training examples, with a preview of what it does to the first texts.
#[component]
fn AugmentFields() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let data = expect_context::<DataArea>();
    let kind = move || {
        run.settings.with(|s| match s.augment {
            None => "none".to_string(),
            Some(a) if a.kind == AugmentKind::Counterfactual => a.spec(),
            Some(a) => a.kind.name().to_string(),
        })
    };
    let set_kind = move |k: String| {
        run.settings.update(|s| {
            s.augment = k.parse::<Augmentation>().ok();
        })
    };
    let eda = move || {
        run.settings
            .with(|s| s.augment.is_some_and(|a| a.kind == AugmentKind::Eda))
    };
    view! {
        <fieldset class="settings augment">
            <legend><Tip term="Augmentation" text="Adds changed copies of each training example to every epoch, drawn afresh each epoch; the validation examples are never changed. Typos (text classification): a share of the words get one character edit each (swap, delete, insert, a neighbouring key) — the cheap defence against typo attacks. EDA (text classification): each copy gets one of four edits — synonyms replaced, a synonym inserted, words swapped, words deleted — with synonyms taken from the loaded model's own word embeddings. Contextual (text classification): a share of the words masked and refilled by a masked language model. Same-tag words and mentions (entity recognition): a share of the words, or of the entity mentions, replaced by others with the same tag or type from your training set, so every tag stays right. Counterfactual (both tasks): each example with gendered words (he/she, his/her, man/woman…), or with first names, also trained with them swapped (a female name for a male one and back, from the pinned name lists), its label kept — one copy, the same every epoch — so the model cannot lean on them; the Evaluate panel's counterfactual test measures whether it did. Whether it helps on your data is for the Worth panel to measure, not to assume." /></legend>
            <select data-testid="train-augment" prop:value=kind on:change=move |ev| set_kind(event_target_value(&ev))>
                <option value="none">"None"</option>
                {move || augment_options(data.task())}
            </select>
            {move || run.settings.with(|s| s.augment.is_some_and(|a| a.kind != AugmentKind::Counterfactual)).then(|| view! {
                <SettingField setting=Setting::Augment testid="train-augment-copies" step="1" text="Changed copies of each training example per epoch: an epoch has this many times more steps."
                    get={|s| s.augment.map(|a| a.copies).unwrap_or_default().to_string()}
                    set={|s, v| v.parse().map(|x| if let Some(a) = s.augment.as_mut() { a.copies = x }).is_ok()} />
                <SettingField setting=Setting::Augment testid="train-augment-rate" step="0.05" text="Share of a text's words each copy changes (at least one); EDA's alpha."
                    get={|s| s.augment.map(|a| a.rate).unwrap_or_default().to_string()}
                    set={|s, v| v.parse().map(|x| if let Some(a) = s.augment.as_mut() { a.rate = x }).is_ok()} />
            })}
            {move || eda().then(|| view! { <EdaNotes /> })}
            {move || run.settings.with(|s| s.augment.is_some_and(|a| a.kind == AugmentKind::Mlm)).then(|| view! { <MlmNote /> })}
            <AugmentPreview />
        </fieldset>
    }
}

/// What the chosen augmentation makes of the first texts: the same edits (`shared::augment`,
/// `shared::eda`, `shared::counterfactual`) that training draws; EDA's synonyms asked of the
/// worker, from the loaded model, as a run finds them; the first-name lists fetched from
/// beside the app, as the worker fetches them, when names are swapped.
#[component]
fn AugmentPreview() -> impl IntoView {
    let (run, data) = (expect_context::<RunArea>(), expect_context::<DataArea>());
    let model = expect_context::<ModelArea>();
    let augment = move || run.settings.with(|s| s.augment);
    Effect::new(move || {
        let name = model.model.with(|m| m.as_ref().map(|m| m.name.clone()));
        let texts: Vec<String> = preview_rows(data)
            .into_iter()
            .take(3)
            .map(|(t, _)| t)
            .collect();
        if let (true, Some(name)) = (augment().is_some_and(|a| a.kind == AugmentKind::Eda), name) {
            ask_synonyms(run, name, texts);
        }
    });
    let names = LocalResource::new(move || {
        let wanted = augment().is_some_and(|a| a.needs_names());
        async move {
            match wanted {
                true => super::counterfactual::name_swaps().await.ok(),
                false => None,
            }
        }
    });
    let preview = move || {
        let (augment, seed) = (augment()?, run.settings.with(|s| s.seed));
        let synonyms = run
            .synonyms
            .with(|s| s.clone().map(|(s, _)| s).unwrap_or_default());
        let names = names.get().flatten();
        Some(augment_preview(
            augment,
            seed,
            &preview_rows(data),
            &synonyms,
            names.as_ref(),
        ))
    };
    view! {
        {move || preview().filter(|p| !p.is_empty()).map(|rows| view! {
            <ul class="augment-preview" data-testid="augment-preview">
                {rows.into_iter().map(|(before, after)| view! {
                    <li><span class="muted">{before}</span>" → "<span>{after}</span></li>
                }).collect_view()}
            </ul>
        })}
    }
}

/// Asks the worker for EDA's synonyms of `texts`' words in the model `name`, unless they were
/// asked for already (or there are no texts).
fn ask_synonyms(run: RunArea, name: String, texts: Vec<String>) {
    let asked = Some((name, texts.clone()));
    if !texts.is_empty() && run.synonyms_for.get_untracked() != asked {
        run.synonyms_for.set(asked);
        run.synonyms.set(None);
        send(&ToWorker::Synonyms { texts });
    }
}

/// EDA's caveats: where its synonyms come from (and that they can be antonyms), with the
/// preview's, and the paper's settings for a training set of this size.
#[component]
fn EdaNotes() -> impl IntoView {
    let (run, data) = (expect_context::<RunArea>(), expect_context::<DataArea>());
    let train_examples = move || {
        let n = data.data.with(|d| d.as_ref().map_or(0, |d| d.examples));
        let share = run.settings.with(|s| s.valid_fraction);
        ((n as f64) * (1.0 - share)).round() as usize
    };
    let paper = move || paper_defaults(train_examples());
    let use_paper = move |_| {
        let (alpha, copies) = paper();
        run.settings.update(|s| {
            if let Some(a) = s.augment.as_mut() {
                (a.rate, a.copies) = (alpha, copies);
            }
        });
    };
    let found = move || {
        run.synonyms.with(|s| match s {
            None => "Synonyms: looking them up in the loaded model…".to_string(),
            Some((s, wanted)) => {
                let example = s
                    .words
                    .iter()
                    .next()
                    .map(|(w, near)| format!(", e.g. {w} → {}", near.join(", ")))
                    .unwrap_or_default();
                format!(
                    "Synonyms: {} of the {wanted} words of these examples have neighbours in the loaded model's word embeddings{example}. Embedding neighbours can be antonyms (good sits near bad), so a replaced word can flip a label.",
                    s.words.len()
                )
            }
        })
    };
    view! {
        <p class="muted span-all" data-testid="eda-synonyms">{found}</p>
        <p class="muted span-all" data-testid="eda-paper">
            {move || {
                let (alpha, copies) = paper();
                format!("EDA's paper used {copies} copies at alpha {alpha} for about {} training examples. ", train_examples())
            }}
            <button data-testid="eda-paper-apply" on:click=use_paper>"Use them"</button>
        </p>
    }
}

/// The augmentations offered for the loaded data's task.
fn augment_options(task: Option<Task>) -> impl IntoView {
    match task {
        Some(Task::Ner) => view! {
            <option value="tokens">"Same-tag words"</option>
            <option value="mentions">"Same-type mentions"</option>
            <option value="cda">"Counterfactual (gendered words swapped)"</option>
            <option value="cda:names">"Counterfactual (first names swapped)"</option>
            <option value="cda:both">"Counterfactual (names and gendered words swapped)"</option>
        }
        .into_any(),
        _ => view! {
            <option value="typos">"Typos (character noise)"</option>
            <option value="eda">"EDA (synonyms, insertions, swaps, deletions)"</option>
            <option value="mlm">"Contextual (words refilled by a masked language model)"</option>
            <option value="cda">"Counterfactual (gendered words swapped)"</option>
            <option value="cda:names">"Counterfactual (first names swapped)"</option>
            <option value="cda:both">"Counterfactual (names and gendered words swapped)"</option>
        }
        .into_any(),
    }
}

/// What `augment` makes of the first three preview rows (text, label): typos or EDA's edits
/// in the texts, or (entities: words and tags joined by spaces) words or mentions replaced
/// from the preview's own sentences; counterfactual swaps of the first three rows with
/// something to swap (none until the name lists are in, when names are swapped).
fn augment_preview(
    augment: Augmentation,
    seed: u64,
    rows: &[(String, String)],
    synonyms: &Synonyms,
    names: Option<&Swaps>,
) -> Vec<(String, String)> {
    let lists: Vec<Swaps> = match (augment.kind, augment.swap, names) {
        (AugmentKind::Counterfactual, CdaSwap::Gender, _) => vec![Swaps::gender()],
        (AugmentKind::Counterfactual, CdaSwap::Names, Some(n)) => vec![n.clone()],
        (AugmentKind::Counterfactual, CdaSwap::Both, Some(n)) => vec![n.clone(), Swaps::gender()],
        (AugmentKind::Counterfactual, _, None) => return Vec::new(),
        _ => Vec::new(),
    };
    let mut rng = Rng::new(seed);
    let split = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let tagged: Vec<(Vec<String>, Vec<String>)> = rows
        .iter()
        .map(|(t, l)| (split(t), split(l)))
        .filter(|(w, t)| w.len() == t.len())
        .collect();
    let lexicon = Lexicon::of(tagged.iter().map(|(w, t)| (w.as_slice(), t.as_slice())));
    rows.iter()
        .filter_map(|(text, label)| {
            let (w, t) = (split(text), split(label));
            let changed = match augment.kind {
                AugmentKind::Typos => typos(text, augment.rate, &mut rng),
                AugmentKind::Eda => eda(text, augment.rate, synonyms, &mut rng),
                // Drawn by a masked language model when a run starts (the note says so).
                AugmentKind::Mlm => return None,
                AugmentKind::Tokens => {
                    replace_tokens(&w, &t, &lexicon, augment.rate, &mut rng).join(" ")
                }
                AugmentKind::Mentions => replace_mentions(&w, &t, &lexicon, augment.rate, &mut rng)
                    .0
                    .join(" "),
                // Only the examples with something to swap get a copy.
                AugmentKind::Counterfactual => {
                    Some(swap_each(&lists, text))
                        .filter(|s| s.changed > 0)?
                        .text
                }
            };
            Some((text.clone(), changed))
        })
        .take(3)
        .collect()
}

/// Where contextual augmentation's words come from, and its caveat.
#[component]
fn MlmNote() -> impl IntoView {
    view! {
        <p class="hint span-all" data-testid="mlm-note">"Each copy has a share of its words masked and refilled by a masked language model from one of its ten likeliest words, given nothing but the context (Kobayashi 2018). The copies are drawn once when training starts, for every epoch: by the loaded model's own MLM head when its checkpoint has one, else by the model pre-trained with masked words in the Learn panel (7). Like a synonym from the embeddings, a likely word can change the label (\"good\" for \"bad\")."</p>
    }
}

/// What of the model trains: everything, all but frozen parts, or LoRA adapters.
#[component]
fn AdaptationFields() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let mode = move || {
        run.settings.with(
            |s| match (s.adaptation.lora.is_some(), s.adaptation.is_full()) {
                (true, _) => "lora",
                (false, true) => "full",
                (false, false) => "freeze",
            },
        )
    };
    // LoRA starts from its own learning rate, as on the command line, unless one was chosen.
    let set_mode = move |m: String| {
        run.settings.update(|s| {
            s.adaptation = match m.as_str() {
                "lora" => Adaptation {
                    lora: Some(LoraSettings::DEFAULT),
                    ..Adaptation::FULL
                },
                "freeze" => Adaptation {
                    freeze_embeddings: true,
                    ..Adaptation::FULL
                },
                _ => Adaptation::FULL,
            };
            let lora = s.adaptation.lora.is_some();
            if lora && s.lr == TrainSettings::DEFAULT.lr {
                s.lr = LoraSettings::LR;
            } else if !lora && s.lr == LoraSettings::LR {
                s.lr = TrainSettings::DEFAULT.lr;
            }
        })
    };
    view! {
        <fieldset class="settings adaptation">
            <legend><Tip term="What trains" text="Everything: every weight moves (best accuracy, most memory: weights, gradients and two optimiser moments each). Freeze: the embeddings and the lowest layers keep their pre-trained weights and need no gradients or optimiser state. LoRA: the encoder stays frozen and small low-rank adapters learn its change, a few percent of the parameters; the export merges them in." /></legend>
            <select data-testid="train-adaptation" prop:value=mode on:change=move |ev| set_mode(event_target_value(&ev))>
                <option value="full">"Everything (full fine-tuning)"</option>
                <option value="freeze">"Freeze the lower part"</option>
                <option value="lora">"LoRA adapters"</option>
            </select>
            {move || match mode() {
                "freeze" => view! {
                    <label class="setting">
                        <Tip term="Freeze embeddings" text="The word, position and type tables keep their pre-trained values: the largest tensor of most models, so the largest saving." />
                        <input type="checkbox" data-testid="train-freeze-embeddings" prop:checked=move || run.settings.get().adaptation.freeze_embeddings
                            on:change=move |ev| { let on = event_target_checked(&ev); run.settings.update(|s| s.adaptation.freeze_embeddings = on) } />
                    </label>
                    <SettingField setting=Setting::FreezeLayers testid="train-freeze-layers" step="1" text="The lowest layers learn general language features; freezing them saves memory and time with little loss."
                        get={|s| s.adaptation.freeze_layers.to_string()} set={|s, v| v.parse().map(|x| s.adaptation.freeze_layers = x).is_ok()} />
                }.into_any(),
                "lora" => view! {
                    <SettingField setting=Setting::LoraRank testid="train-lora-rank" step="1" text="Width of each adapter's low-rank update. 8 is the usual choice; more can fit better and costs more."
                        get={|s| s.adaptation.lora.map(|l| l.rank).unwrap_or_default().to_string()}
                        set={|s, v| v.parse().map(|x| if let Some(l) = s.adaptation.lora.as_mut() { l.rank = x }).is_ok()} />
                    <SettingField setting=Setting::LoraAlpha testid="train-lora-alpha" step="1" text="The update is scaled by alpha / rank; twice the rank is the usual choice."
                        get={|s| s.adaptation.lora.map(|l| l.alpha).unwrap_or_default().to_string()}
                        set={|s, v| v.parse().map(|x| if let Some(l) = s.adaptation.lora.as_mut() { l.alpha = x }).is_ok()} />
                    <SettingField setting=Setting::LoraDropout testid="train-lora-dropout" step="0.05" text="Dropout on what goes into the adapters, a guard against memorising."
                        get={|s| s.adaptation.lora.map(|l| l.dropout).unwrap_or_default().to_string()}
                        set={|s, v| v.parse().map(|x| if let Some(l) = s.adaptation.lora.as_mut() { l.dropout = x }).is_ok()} />
                    <label class="setting">
                        <Tip term="Adapted layers" text="Query and value: the LoRA paper's choice, the fewest parameters. Every dense layer: more capacity, closer to full fine-tuning." />
                        <select data-testid="train-lora-targets"
                            prop:value=move || if run.settings.get().adaptation.lora.is_some_and(|l| l.targets == LoraTargets::AllLinear) { "all-linear" } else { "query-value" }
                            on:change=move |ev| { if let Ok(t) = event_target_value(&ev).parse::<LoraTargets>() { run.settings.update(|s| if let Some(l) = s.adaptation.lora.as_mut() { l.targets = t }) } }>
                            <option value="query-value">"Query and value"</option>
                            <option value="all-linear">"Every dense layer"</option>
                        </select>
                    </label>
                }.into_any(),
                _ => ().into_any(),
            }}
        </fieldset>
    }
}

#[component]
fn ProgressView() -> impl IntoView {
    let run = expect_context::<RunArea>();
    view! {
        {move || {
            let p = run.progress.get();
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

/// How a multi-task run shares its steps between the main task and the auxiliary ones.
#[component]
fn TaskSamplingField() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let value = move || {
        run.settings.with(|s| match s.task_sampling {
            TaskSampling::Proportional => "proportional",
            TaskSampling::Uniform => "uniform",
            TaskSampling::Temperature { .. } => "temperature:2",
        })
    };
    let set = move |v: String| {
        if let Ok(t) = v.parse::<TaskSampling>() {
            run.settings.update(|s| s.task_sampling = t);
        }
    };
    view! {
        <label class="field">
            <Tip term="Task sampling" text="Each step trains one task on a batch of its own. Proportional: every batch of every task once an epoch, so a large auxiliary task takes most steps. Uniform: as many auxiliary steps as main ones. Temperature 2: between the two (shares ∝ the square root of the examples)." />
            <select data-testid="train-task-sampling" prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                <option value="proportional">"In proportion to the examples"</option>
                <option value="uniform">"Equally"</option>
                <option value="temperature:2">"By temperature 2"</option>
            </select>
        </label>
    }
}

/// The auxiliary tasks' losses and scores per epoch, in a multi-task run.
#[component]
fn AuxEpochTable() -> impl IntoView {
    let run = expect_context::<RunArea>();
    move || {
        let rows = run.aux_epochs.get();
        (!rows.is_empty()).then(|| view! {
            <table class="epochs" data-testid="train-aux-epochs">
                <caption>"Auxiliary tasks"</caption>
                <thead><tr><th>"Epoch"</th><th>"Task"</th><th>"Training loss"</th><th>"Validation loss"</th><th>"Validation score"</th></tr></thead>
                <tbody>{rows.into_iter().map(|r| view! {
                    <tr data-testid="train-aux-epoch"><td>{r.epoch}</td><td>{r.name}</td><td>{format!("{:.4}", r.train_loss)}</td>
                        <td>{format!("{:.4}", r.valid_loss)}</td><td>{format!("{:.4}", r.report.score())}</td></tr>
                }).collect_view()}</tbody>
            </table>
        })
    }
}

#[component]
fn EpochTable() -> impl IntoView {
    let run = expect_context::<RunArea>();
    move || {
        let epochs = run.epochs.get();
        (!epochs.is_empty()).then(|| view! {
            <table class="epochs">
                <thead><tr><th>"Epoch"</th><th>"Training loss"</th>
                    <th><Tip term="Validation loss" text="The same loss on the held-out examples, after the epoch and without dropout. Falling with the training loss: the model is learning what carries over. Rising while it falls: memorising." /></th>
                    <th><Tip term="Gap" text="Validation minus training loss: how much worse the model does on examples it has not trained on." /></th>
                    <th><Tip term="Validation score" text="Macro-F1 for classification, entity F1 for NER, SQuAD F1 for question answering, on the held-out examples." /></th>
                    <th></th></tr></thead>
                <tbody>{epochs.into_iter().map(|r| view! {
                    <tr><td>{r.epoch}</td><td>{format!("{:.4}", r.train_loss)}</td><td data-testid="epoch-valid-loss">{format!("{:.4}", r.valid_loss)}</td>
                        <td>{format!("{:+.4}", r.valid_loss - r.train_loss)}</td><td>{format!("{:.4}", r.report.score())}</td><td>{if r.best { "best so far" } else { "" }}</td></tr>
                }).collect_view()}</tbody>
            </table>
        })
    }
}

/// Training and validation loss per epoch, as SVG: the gap between the lines is what
/// generalises and what does not.
#[component]
fn EpochChart() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let (w, h, pad) = (600.0, 160.0, 30.0);
    let lines = move || {
        let rows = run.epochs.get();
        if rows.len() < 2 {
            return None;
        }
        let losses = rows.iter().flat_map(|r| [r.train_loss, r.valid_loss]);
        let scale = LossScale::fit(losses, rows.len() as f64, (w, h, pad))?;
        let line =
            |pick: fn(&EpochRow) -> f64| scale.line(rows.iter().map(|r| (r.epoch as f64, pick(r))));
        Some((scale, line(|r| r.train_loss), line(|r| r.valid_loss)))
    };
    move || {
        lines().map(|(scale, train, valid)| view! {
            <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label="training and validation loss per epoch" data-testid="epoch-chart">
                <LossAxes scale=scale unit="epoch" />
                <polyline points=train class="loss-smooth"></polyline>
                <polyline points=valid class="loss-valid"></polyline>
                <text x=w - pad y=pad class="tick legend-train" text-anchor="end">"training loss"</text>
                <text x=w - pad y=pad + 14.0 class="tick legend-valid" text-anchor="end">"validation loss"</text>
            </svg>
        })
    }
}

/// What the epochs' losses show so far, in a sentence (`shared::fit::diagnose`).
#[component]
fn FitDiagnosis() -> impl IntoView {
    let run = expect_context::<RunArea>();
    move || {
        let kept = run
            .epochs
            .with(|e| e.iter().rev().find(|r| r.best).map_or(0, |r| r.epoch));
        (!run.epochs.with(Vec::is_empty)).then(|| {
            let d = run.diagnosis(kept);
            let class = match d.verdict {
                Verdict::Overfitting => "diagnosis warn",
                _ => "diagnosis",
            };
            view! { <p class=class data-testid="train-diagnosis" data-verdict=format!("{:?}", d.verdict) role="status">{d.sentence}</p> }
        })
    }
}

#[component]
fn PastRuns() -> impl IntoView {
    let run = expect_context::<RunArea>();
    view! {
        <details class="runs">
            <summary>{move || format!("Past runs ({})", run.runs.with(Vec::len))}</summary>
            {move || {
                let runs = run.runs.get();
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
                                <td><button class="danger" on:click=move |_| run.forget(i)>"Forget"</button></td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </details>
    }
}
