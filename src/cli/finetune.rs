//! `anneal finetune`: fine-tune a pre-trained model and save it in Hugging Face's layout.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::model_dir::ModelDir;
use super::shell::{
    DataArgs, data_error, pick_device, read_data, report_skipped, say_above, write, write_folder,
};
use crate::checkpoint::aux::{AuxHeadInfo, aux_head_files};
use crate::checkpoint::write::{Trained, folder_files};
use crate::model::{BertClassifier, BertConfig, Head};
use crate::runtime::DeviceChoice;
use crate::shared::{
    Adaptation, Adversarial, AdversarialKind, Augmentation, BestBy, Diagnosis, LoraSettings,
    LoraTargets, Setting, TaskSampling, TrainSettings, diagnose,
};
use crate::train::pretrain::RunToEnd;
use crate::train::recipe::{self, Plan, RecipeError};
use crate::train::{AuxTask, Evaluation, Event, Outcome, epoch_losses, fine_tune_tasks};

#[derive(Args, Debug, Clone)]
pub struct FinetuneArgs {
    #[command(flatten)]
    pub(super) tune: TuneArgs,
    /// Output folder for the fine-tuned model.
    #[arg(long)]
    out: PathBuf,
    /// With --lora-rank: also write the adapters (and the head) as a PEFT adapter in
    /// OUT/adapter, which Python `peft` loads onto the base model.
    #[arg(long, requires = "lora_rank")]
    peft_adapter: bool,
}

/// The model, the data and the fine-tuning options: what `finetune` and `compare` share.
#[derive(Args, Debug, Clone)]
pub struct TuneArgs {
    /// Pre-trained model folder (config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[arg(long)]
    model: PathBuf,
    /// Training data: CSV, TSV, JSONL or CoNLL.
    #[arg(long)]
    train: PathBuf,
    /// Validation data; without it 10% of the training data is held out.
    #[arg(long)]
    valid: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Passes over the training data.
    #[arg(long, default_value_t = DEFAULTS.epochs)]
    epochs: usize,
    /// Examples per optimizer step.
    #[arg(long, default_value_t = DEFAULTS.batch_size)]
    batch_size: usize,
    /// Peak learning rate (linear warm-up over 10% of the steps, then linear decay).
    /// [default: 1e-4; 2e-3 with --lora-rank]
    #[arg(long)]
    lr: Option<f64>,
    /// Longest input in tokens; longer examples are cut (and counted); question answering cuts
    /// long passages into windows of this length. [default: 128, or the model's position table
    /// when that is shorter]
    #[arg(long)]
    max_len: Option<usize>,
    /// Question answering: tokens each window of a long passage shares with the one before
    /// (`run_qa.py`'s doc stride). [default: a third of --max-len]
    #[arg(long)]
    doc_stride: Option<usize>,
    /// Keep only the first N encoder layers (faster, smaller).
    #[arg(long)]
    pub(super) layers: Option<usize>,
    /// Seed of the split, the order of examples and the new head.
    #[arg(long, default_value_t = DEFAULTS.seed)]
    pub(super) seed: u64,
    /// Stop after this many epochs without a better validation score (or loss: --best-by).
    #[arg(long)]
    patience: Option<usize>,
    /// Also measure the validation loss every N steps (beside every epoch's).
    #[arg(long)]
    eval_every: Option<usize>,
    /// What picks the kept epoch and what --patience waits on: score (the validation score)
    /// or loss (the validation loss).
    #[arg(long, default_value = "score")]
    best_by: BestBy,
    /// Augment the training examples afresh each epoch: KIND[:COPIES[:RATE]], COPIES augmented
    /// copies of each example (default 1), RATE the share changed. KIND: typos (text
    /// classification: character noise in a share of the words), eda (text classification:
    /// EDA's synonym replacement, insertion, swap or deletion per copy, RATE its alpha; the
    /// synonyms are the model's nearest whole-word tokens, which can be antonyms; default 4
    /// copies at 0.1, the paper's 16 at 0.05 up to 500 examples), tokens or mentions (entity
    /// recognition: words, or whole mentions, replaced by others of the same tag or type from
    /// the training set), or cda (either task: each example with gendered words also trained
    /// with them swapped, he/she, his/her, man/woman..., the label kept; one copy, no COPIES;
    /// cda:names swaps first names for names of the other gender instead, cda:both both).
    /// The validation examples are never augmented.
    #[arg(long)]
    augment: Option<Augmentation>,
    /// The masked language model `--augment mlm` fills words with: a folder with an MLM head
    /// (`anneal pretrain`'s output, or a `*ForMaskedLM` checkpoint). [default: --model]
    #[arg(long)]
    mlm_model: Option<PathBuf>,
    /// The folder with first_names_female.txt and first_names_male.txt, for counterfactual
    /// augmentation of names (--augment cda:names or cda:both).
    #[arg(long, default_value = super::counterfactual::NAMES_DIR)]
    pub(super) names_dir: PathBuf,
    /// Share of a text's words (or a sentence's mentions) an augmented copy changes — EDA's
    /// alpha; the same as KIND:COPIES:RATE. [default: 0.1]
    #[arg(long, requires = "augment", visible_alias = "eda-alpha")]
    augment_rate: Option<f64>,
    /// An auxiliary task (multi-task learning): another labelled file (classification or
    /// entities, read as --train is, its own 10% held out), trained with the same encoder and
    /// a head of its own, each step one task's batch; repeat for more. Only the main task's
    /// model is saved; the auxiliary tasks' scores are reported per epoch.
    #[arg(long)]
    aux: Vec<PathBuf>,
    /// How steps are shared between the tasks: proportional (to their examples), uniform, or
    /// temperature:T[:CAP] (p ∝ n^(1/T), n capped at CAP).
    #[arg(long, default_value = "proportional")]
    task_sampling: TaskSampling,
    /// Adversarial training: fgm (each step also trains on the batch with the word embeddings
    /// pushed along the loss gradient by --adv-epsilon; about twice a step's work) or pgd
    /// (--adv-steps pushes of --adv-alpha, kept within --adv-epsilon; about steps + 1 times).
    #[arg(long)]
    adversarial: Option<AdversarialKind>,
    /// The perturbation's norm (FGM's push; PGD's ball).
    #[arg(long, default_value_t = 1.0, requires = "adversarial")]
    adv_epsilon: f64,
    /// PGD: the norm of each step.
    #[arg(long, default_value_t = 0.3, requires = "adversarial")]
    adv_alpha: f64,
    /// PGD: steps (each a forward and backward pass more).
    #[arg(long, default_value_t = 3, requires = "adversarial")]
    adv_steps: usize,
    /// AdamW weight decay.
    #[arg(long, default_value_t = DEFAULTS.weight_decay)]
    weight_decay: f64,
    /// Share of the training data held out for validation when --valid is not given.
    #[arg(long, default_value_t = DEFAULTS.valid_fraction)]
    valid_fraction: f64,
    /// auto (a real GPU if present), cpu, or gpu.
    #[arg(long, default_value = "auto")]
    pub(super) device: DeviceChoice,
    /// Keep the valid rows of a malformed file instead of refusing it.
    #[arg(long)]
    skip_invalid: bool,
    #[command(flatten)]
    adapt: AdaptArgs,
}

/// What trains: the flags `finetune`, `compare` and `bench` share.
#[derive(Args, Debug, Clone)]
pub(super) struct AdaptArgs {
    /// Freeze the embedding tables: no gradients or optimiser state for them (the biggest
    /// single tensor of most models; saves memory, little accuracy).
    #[arg(long)]
    freeze_embeddings: bool,
    /// Freeze the lowest N encoder layers: they keep their pre-trained weights, and their
    /// gradients and optimiser state are never held.
    #[arg(long, default_value_t = 0)]
    freeze_layers: usize,
    /// Train LoRA adapters of rank R instead of the encoder's weights (the encoder frozen, the
    /// head trained fully): a few percent of the parameters train; the export merges them.
    #[arg(long)]
    lora_rank: Option<usize>,
    /// LoRA's alpha: the update is scaled by alpha / rank.
    #[arg(long, default_value_t = LoraSettings::DEFAULT.alpha, requires = "lora_rank")]
    lora_alpha: f64,
    /// Dropout on the LoRA update's input.
    #[arg(long, default_value_t = LoraSettings::DEFAULT.dropout, requires = "lora_rank")]
    lora_dropout: f64,
    /// Layers given adapters: query-value (the attention's query and value) or all-linear
    /// (every dense layer of the encoder).
    #[arg(long, default_value = "query-value", requires = "lora_rank")]
    lora_targets: LoraTargets,
}

impl AdaptArgs {
    /// The adaptation these flags ask for.
    pub(super) fn adaptation(&self) -> Adaptation {
        Adaptation {
            freeze_embeddings: self.freeze_embeddings,
            freeze_layers: self.freeze_layers,
            lora: self.lora_rank.map(|rank| LoraSettings {
                rank,
                alpha: self.lora_alpha,
                dropout: self.lora_dropout,
                targets: self.lora_targets,
            }),
        }
    }
}

/// The one set of defaults ([`TrainSettings::default`]), for clap.
const DEFAULTS: TrainSettings = TrainSettings::DEFAULT;

impl TuneArgs {
    /// The settings these flags ask for, for a model whose position table has `positions`.
    pub(super) fn settings(&self, positions: usize) -> TrainSettings {
        TrainSettings {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr.unwrap_or(match self.adapt.lora_rank {
                Some(_) => LoraSettings::LR,
                None => DEFAULTS.lr,
            }),
            max_len: self.max_len.unwrap_or(DEFAULTS.max_len.min(positions)),
            doc_stride: self.doc_stride,
            weight_decay: self.weight_decay,
            valid_fraction: self.valid_fraction,
            seed: self.seed,
            patience: self.patience,
            eval_every: self.eval_every,
            best_by: self.best_by,
            augment: self.augment.map(|a| Augmentation {
                rate: self.augment_rate.unwrap_or(a.rate),
                ..a
            }),
            adversarial: self.adversarial.map(|kind| Adversarial {
                kind,
                epsilon: self.adv_epsilon,
                alpha: self.adv_alpha,
                steps: self.adv_steps,
            }),
            skip_invalid: self.skip_invalid,
            adaptation: self.adapt.adaptation(),
            task_sampling: self.task_sampling,
            ..TrainSettings::default()
        }
    }
}

/// The flag that sets a setting.
fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Epochs => "--epochs",
        Setting::BatchSize => "--batch-size",
        Setting::LearningRate => "--lr",
        Setting::MaxLen => "--max-len",
        Setting::DocStride => "--doc-stride",
        Setting::Warmup => "the warm-up share",
        Setting::WeightDecay => "--weight-decay",
        Setting::ValidFraction => "--valid-fraction",
        Setting::Patience => "--patience",
        Setting::EvalEvery => "--eval-every",
        Setting::FreezeLayers => "--freeze-layers",
        Setting::LoraRank => "--lora-rank",
        Setting::LoraAlpha => "--lora-alpha",
        Setting::LoraDropout => "--lora-dropout",
        Setting::Augment => "--augment/--augment-rate",
        Setting::Adversarial => "--adv-epsilon",
        Setting::AdversarialAlpha => "--adv-alpha",
        Setting::AdversarialSteps => "--adv-steps",
    }
}

/// A recipe error in the command line's terms.
fn recipe_error(e: &RecipeError) -> String {
    match e {
        RecipeError::Settings(s) => format!("{} {s}", flag(s.setting())),
        RecipeError::Data(d) => data_error(d),
        RecipeError::Prepare(p) => p.to_string(),
    }
}

/// Why `finetune` could not plan a run: the recipe's typed error, or a file that could not be
/// read (already in words).
#[derive(Debug, Clone, PartialEq)]
pub enum PlanFailure {
    /// The recipe refused the settings or the data.
    Recipe(RecipeError),
    /// A file could not be read or parsed.
    Other(String),
}

impl PlanFailure {
    /// The message for the terminal.
    pub fn message(&self) -> String {
        match self {
            PlanFailure::Recipe(e) => recipe_error(e),
            PlanFailure::Other(m) => m.clone(),
        }
    }
}

/// The model folder and the run's plan, from the flags: what `run` trains, and what a test
/// compares with the worker's plan for the same file and settings.
pub(super) fn plan_for(a: &TuneArgs) -> Result<(ModelDir, Plan), PlanFailure> {
    let dir = ModelDir::open(&a.model).map_err(PlanFailure::Other)?;
    let settings = a.settings(dir.config.max_len());
    // Settings first: a wrong flag is reported before any file is read.
    settings
        .validate(Some(dir.config.max_len()))
        .map_err(|e| PlanFailure::Recipe(e.into()))?;
    let read = |path, task| read_data(path, &a.data.options(task)).map_err(PlanFailure::Other);
    let train = read(&a.train, None)?;
    let task = train.examples.task();
    let valid = match &a.valid {
        Some(p) => Some(read(p, Some(task))?),
        None => None,
    };
    for note in &train.notes {
        eprintln!("{}: {note}", train.file);
    }
    let skipped: Vec<_> = std::iter::once(&train)
        .chain(&valid)
        .map(|p| (p.file.clone(), p.problems.clone()))
        .collect();
    let mut plan = recipe::plan(train, valid, &dir, &settings).map_err(PlanFailure::Recipe)?;
    give_names(a, &mut plan, &[]).map_err(PlanFailure::Other)?;
    for (file, problems) in &skipped {
        report_skipped(file, problems);
    }
    Ok((dir, plan))
}

pub fn run(args: FinetuneArgs) -> Result<(), String> {
    let a = &args.tune;
    let (dir, mut plan) = plan_for(a).map_err(|e| e.message())?;
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let picked = pick_device(a.device)?;
    let device = picked.device.clone().autodiff();
    burn::prelude::Device::seed(&device, a.seed);
    let (model, config, mut notes) = recipe::load(&plan, &dir, a.layers, &device)
        .map_err(|e| format!("{}: {e}", dir.path.display()))?;
    notes.extend(
        pollster::block_on(recipe::find_synonyms(&mut plan, &model, &dir))
            .map_err(|e| e.to_string())?,
    );
    notes.extend(contextual(a, &mut plan, &picked.device)?);
    for note in &notes {
        eprintln!("note: {note}");
    }
    match &plan.data.qa {
        Some(q) => eprintln!(
            "fine-tuning {} layers on {} windows ({} windows of {} questions for validation)",
            config.num_hidden_layers,
            plan.data.train.len(),
            plan.data.valid.len(),
            q.examples.len()
        ),
        None => eprintln!(
            "fine-tuning {} layers on {} examples ({} for validation), {} labels",
            config.num_hidden_layers,
            plan.data.train.len(),
            plan.data.valid.len(),
            plan.data.labels.len()
        ),
    }
    plan.aux = read_aux_tasks(a, &a.aux, &dir)?;
    if let Some(note) = recipe::multitask_note(&plan) {
        eprintln!("{note}");
    }
    let heads =
        recipe::load_heads(&plan.aux, &dir, a.layers, &device).map_err(|e| e.to_string())?;
    if let Some(note) = recipe::restored_heads(&plan.aux, &dir) {
        eprintln!("note: {note}");
    }
    // Counted on the training device, where frozen parameters are marked as such.
    let trainable = model.trainable_parameters();
    let (outcome, history, heads) = train_with_progress(model, &plan, heads)?;
    let fit = diagnose(&epoch_losses(&history), outcome.best_epoch);
    let run = Run {
        plan: &plan,
        config: &config,
        outcome: &outcome,
        history,
        heads: recipe::aux_heads(&plan.aux, heads),
        fit: &fit,
        device: &picked.description,
        trainable,
    };
    save(&args, &dir, run)?;
    match &outcome.evaluation {
        Some(e) => eprintln!("kept epoch {}: {}", outcome.best_epoch, summary(e)),
        None => eprintln!("kept the last good weights (no completed epoch)"),
    }
    eprintln!("{}", fit.sentence);
    eprintln!("saved to {}", args.out.display());
    Ok(())
}

/// Contextual (MLM) augmentation's copies, drawn before training from `--mlm-model` (or the
/// model itself) when the plan asks for them.
fn contextual(
    a: &TuneArgs,
    plan: &mut Plan,
    device: &burn::prelude::Device,
) -> Result<Option<String>, String> {
    let Some(wanted) = recipe::contextual_wanted(plan) else {
        return Ok(None);
    };
    let (lm, tokenizer) = masked_lm(a, device)?;
    pollster::block_on(recipe::draw_contextual(plan, &lm, &tokenizer, wanted, None))
        .map(Some)
        .map_err(|e| format!("--augment mlm: {e}"))
}

/// Gives counterfactual augmentation of names (the run's, or `variants'`) the lists of
/// `--names-dir` (the plan's notes say what it adds); nothing when no augmentation swaps
/// names, or once given.
pub(super) fn give_names(
    a: &TuneArgs,
    plan: &mut Plan,
    variants: &[crate::shared::Variant],
) -> Result<(), String> {
    if recipe::wants_names(a.augment, variants) && plan.names.is_none() {
        let swaps = super::counterfactual::swap_list("names", &a.names_dir)?;
        recipe::give_names(plan, swaps);
    }
    Ok(())
}

/// The masked language model contextual augmentation fills words with: `--mlm-model` (or
/// `--model`), with its tokenizer; a model without an MLM head is refused by name.
pub(super) fn masked_lm(
    a: &TuneArgs,
    device: &burn::prelude::Device,
) -> Result<(crate::model::BertLm, crate::data::tokenizer::TextTokenizer), String> {
    let path = a.mlm_model.as_ref().unwrap_or(&a.model);
    let lm_dir = ModelDir::open(path)?;
    let objective = crate::model::Objective::Mlm;
    let (lm, report) =
        crate::checkpoint::load_lm(&lm_dir.config, &lm_dir.weights, objective, device)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    if !report.initialised.is_empty() {
        return Err(format!(
            "{}: no masked-LM head ({} not in the checkpoint): --augment mlm needs a model with one, given by --mlm-model DIR (anneal pretrain's output, or a *ForMaskedLM folder)",
            path.display(),
            report.initialised.join(", ")
        ));
    }
    Ok((lm, lm_dir.tokenizer.clone()))
}

/// The auxiliary tasks in `paths`, each read as the training file is (its own columns found)
/// and prepared as the main task's data, named by its path; what each holds, said.
pub(super) fn read_aux_tasks(
    a: &TuneArgs,
    paths: &[PathBuf],
    dir: &ModelDir,
) -> Result<Vec<AuxTask>, String> {
    let settings = a.settings(dir.config.max_len());
    let mut tasks = Vec::new();
    for path in paths {
        let parsed = read_data(path, &a.data.options(None))?;
        let name = path.display().to_string();
        let problems = parsed.problems.clone();
        let task = recipe::plan_aux(&name, parsed, dir, &settings)
            .map_err(|e| format!("auxiliary task {name}: {}", recipe_error(&e)))?;
        report_skipped(&name, &problems);
        eprintln!(
            "auxiliary task {name}: {} training and {} validation examples, {} labels",
            task.data.train.len(),
            task.data.valid.len(),
            task.data.labels.len()
        );
        tasks.push(task);
    }
    Ok(tasks)
}

/// Runs the loop with a progress bar (steps, loss, learning rate, throughput) and a line per
/// epoch; returns the outcome, every event but the steps (for `training.json`) and the
/// auxiliary heads at the kept epoch.
fn train_with_progress(
    model: BertClassifier,
    plan: &Plan,
    heads: Vec<Head>,
) -> Result<(Outcome, Vec<Event>, Vec<Head>), String> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps  epoch {prefix}  {msg}  [{elapsed_precise}<{eta_precise}]",
        )
        .expect("a valid template"),
    );
    let say = |line: String| say_above(&bar, line);
    let mut history = Vec::new();
    let mut on_event = |event: Event| {
        match &event {
            Event::Started { total_steps, .. } => bar.set_length(*total_steps as u64),
            Event::Step(s) => {
                bar.set_position(s.step as u64);
                bar.set_prefix(s.epoch.to_string());
                bar.set_message(format!(
                    "loss {:.4}  lr {:.2e}  {:.1} ex/s",
                    s.loss, s.lr, s.examples_per_s
                ));
            }
            Event::Evaluated {
                epoch,
                train_loss,
                valid_loss,
                evaluation,
                best,
                epoch_s,
            } => {
                say(format!(
                    "epoch {epoch} ({epoch_s:.0} s): train loss {train_loss:.4}, validation loss {valid_loss:.4}, {}{}",
                    summary(evaluation),
                    if *best { " (best so far)" } else { "" }
                ));
            }
            Event::Validated {
                step, valid_loss, ..
            } => say(format!("step {step}: validation loss {valid_loss:.4}")),
            Event::Stopped { reason } => say(format!("stopped: {reason}")),
            Event::AuxEvaluated {
                epoch,
                name,
                train_loss,
                valid_loss,
                evaluation,
                ..
            } => say(format!(
                "epoch {epoch}, auxiliary {name}: train loss {train_loss:.4}, validation loss {valid_loss:.4}, {}",
                summary(evaluation)
            )),
        }
        if !matches!(event, Event::Step(_)) {
            history.push(event);
        }
    };
    let (outcome, heads) = pollster::block_on(fine_tune_tasks(
        model,
        &plan.aux,
        heads,
        &plan.data,
        &plan.config,
        &mut on_event,
        &mut RunToEnd,
    ))
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    Ok((outcome, history, heads))
}

/// A finished run, as `save` writes it.
struct Run<'a> {
    plan: &'a Plan,
    config: &'a BertConfig,
    outcome: &'a Outcome,
    history: Vec<Event>,
    /// The auxiliary heads at the kept epoch, kept beside the model (multi-task runs).
    heads: Vec<(AuxHeadInfo, Head)>,
    /// What the epochs' losses show.
    fit: &'a Diagnosis,
    device: &'a str,
    /// Parameters that trained, and all of them.
    trainable: (usize, usize),
}

/// Writes the fine-tuned model as a Hugging Face folder, with `training.json` (settings,
/// per-epoch metrics, the kept epoch), and the PEFT adapter if asked.
fn save(args: &FinetuneArgs, dir: &ModelDir, run: Run) -> Result<(), String> {
    let Run {
        plan,
        config,
        outcome,
        history,
        heads,
        fit,
        device,
        trainable: (trainable, all),
    } = run;
    let (a, task, data) = (&args.tune, plan.task, &plan.data);
    let base = a.model.display().to_string();
    let peft = match (args.peft_adapter, &plan.adaptation.lora) {
        (true, Some(lora)) => Some((lora, base.as_str())),
        _ => None,
    };
    let trained = Trained::Classifier {
        model: &outcome.model,
        config,
        labels: &data.labels,
        peft,
    };
    let mut files = pollster::block_on(folder_files(&trained, &dir.tokenizer_files()?))?;
    files.extend(
        pollster::block_on(aux_head_files(&outcome.model, &heads)).map_err(|e| e.to_string())?,
    );
    write_folder(&args.out, &files)?;
    let record = serde_json::json!({
        "base_model": a.model.display().to_string(),
        "train": a.train.display().to_string(),
        "task": task,
        "labels": data.labels,
        "config": plan.config,
        "max_len": plan.max_len,
        "doc_stride": plan.doc_stride,
        "version_2_with_negative": data.qa.as_ref().map(|q| q.reading.unanswerable),
        "layers": config.num_hidden_layers,
        "adaptation": plan.adaptation,
        "trainable_parameters": trainable,
        "parameters": all,
        "device": device,
        "best_epoch": outcome.best_epoch,
        "evaluation": outcome.evaluation,
        "stopped": outcome.stopped,
        "fit": fit,
        "history": history,
        "aux_tasks": heads.iter().map(|(info, _)| info).collect::<Vec<_>>(),
    });
    write(
        &args.out.join("training.json"),
        serde_json::to_string_pretty(&record).expect("json values"),
    )
}

/// One line of validation metrics.
pub fn summary(e: &Evaluation) -> String {
    match e {
        Evaluation::Classify(r) => format!(
            "validation accuracy {:.4}, macro-F1 {:.4}",
            r.accuracy, r.macro_f1
        ),
        Evaluation::Ner(r) => format!(
            "validation entity F1 {:.4} (P {:.4}, R {:.4})",
            r.f1, r.precision, r.recall
        ),
        Evaluation::Qa(r) => format!(
            "validation exact match {:.2}, F1 {:.2} ({} questions)",
            r.exact_match, r.f1, r.examples
        ),
    }
}
