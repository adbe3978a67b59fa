//! "What is it worth?": variants of one fine-tuning recipe at growing label counts, every run
//! scored on the same validation examples — the starts (the loaded checkpoint, random weights
//! of its architecture, that architecture pre-trained on the task's own training texts), the
//! remedies (typo augmentation, FGM), a hyperparameter search's trials. The command line
//! (`anneal compare`, `anneal search`) and the browser worker all run exactly this.
//!
//! Each seed draws one random order of the training examples, and a run with `n` labels takes
//! its first `n`, so the 100 include the 32 and every variant sees the same examples, with
//! the same run seed (head, order, dropout): the variants are paired by seed. Every run
//! trains at least `min_steps` steps and is scored once, after its last epoch (a fixed budget:
//! no picking of the best epoch on the validation examples).

use burn::prelude::*;

use super::pretrain::recipe::{self as pretrain_recipe, LmRecipeError, Start};
use super::pretrain::{LmEvent, PretrainError, pretrain};
use super::recipe::{Plan, load_heads};
use super::{AuxTask, Control, Event, Hook, TrainConfig, TrainData, TrainError, fine_tune_tasks};
use crate::checkpoint::{CheckpointError, ModelFiles, export_lm_safetensors, load_classifier};
use crate::data::augment::Augmenter;
use crate::data::split::Rng;
pub use crate::forward::Probe;
use crate::forward::synonyms::synonyms;
use crate::model::{BertClassifier, BertLm, BertModel, Objective};
use crate::runtime::readback::ReadbackError;
use crate::shared::eda::Synonyms;
use crate::shared::{
    AugmentKind, Augmentation, CompareProgress, CompareSettings, CompareSettingsError, Comparison,
    PretrainSettings, StartKind, TrainSettings, Variant,
};

/// Why a comparison could not run (or go on).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The settings cannot work.
    #[error(transparent)]
    Settings(#[from] CompareSettingsError),
    /// The checkpoint does not fit.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Self-pre-training could not be set up.
    #[error("self-pre-training: {0}")]
    Recipe(#[from] LmRecipeError),
    /// Self-pre-training failed.
    #[error("self-pre-training: {0}")]
    Pretrain(#[from] PretrainError),
    /// A fine-tuning run failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// The robustness test failed.
    #[error("the robustness test: {0}")]
    Probe(String),
}

/// The settings of self-pre-training: masked words on the training texts, the batch and length
/// of fine-tuning (at most 64 tokens a block), a learning rate for weights from scratch; the
/// rest as `anneal pretrain`'s defaults.
pub fn self_pretrain_settings(settings: &CompareSettings) -> PretrainSettings {
    let steps = settings.self_pretrain_steps;
    PretrainSettings {
        steps,
        batch_size: settings.finetune.batch_size,
        seq_len: settings.finetune.max_len.clamp(8, 64),
        lr: 5e-4,
        warmup_ratio: 0.06,
        seed: settings.finetune.seed,
        eval_every: steps.max(1),
        eval_batches: 2,
        ..PretrainSettings::defaults(Objective::Mlm)
    }
}

/// The fine-tuning loop's configuration for a run with `labels` examples of the variant whose
/// settings are `f`: its epochs, or more when they would take fewer than `min_steps` steps.
pub fn run_config(f: &TrainSettings, min_steps: usize, labels: usize, seed: u64) -> TrainConfig {
    let per_epoch = labels.div_ceil(f.batch_size.max(1)).max(1);
    TrainConfig {
        epochs: f.epochs.max(min_steps.div_ceil(per_epoch)),
        batch_size: f.batch_size,
        lr: f.lr,
        warmup_ratio: f.warmup_ratio,
        weight_decay: f.weight_decay,
        seed,
        patience: None,
        adversarial: f.adversarial,
        task_sampling: f.task_sampling,
        evaluate_at_end_only: true,
        ..TrainConfig::default()
    }
}

/// What each run's model is also tested with, besides its score: the robustness test
/// (accuracy under attack) and the counterfactual test (flip rate).
#[derive(Default)]
pub struct Probes<'a> {
    /// Accuracy under attack (`infer::attack::AttackProbe`).
    pub attack: Option<&'a mut dyn Probe>,
    /// The counterfactual flip rate (`infer::counterfactual::CounterfactualProbe`).
    pub counterfactual: Option<&'a mut dyn Probe>,
}

impl Probes<'_> {
    /// The same probes, borrowed for a shorter time (a comparison holds them as long as its
    /// control).
    pub fn reborrow(&mut self) -> Probes<'_> {
        Probes {
            attack: self.attack.as_mut().map(|p| &mut **p as &mut dyn Probe),
            counterfactual: self
                .counterfactual
                .as_mut()
                .map(|p| &mut **p as &mut dyn Probe),
        }
    }
}

/// Passes the caller's pause/cancel through and remembers a cancel; holds the probes.
struct Watch<'a> {
    inner: &'a mut dyn Control,
    cancelled: bool,
    probes: Probes<'a>,
}

impl Watch<'_> {
    fn ask(&mut self) -> Hook<'_, bool> {
        Box::pin(async move {
            let go = self.inner.proceed().await;
            self.cancelled |= !go;
            go
        })
    }
}

impl Control for Watch<'_> {
    fn proceed(&mut self) -> Hook<'_, bool> {
        self.ask()
    }
}

impl Control<BertLm> for Watch<'_> {
    fn proceed(&mut self) -> Hook<'_, bool> {
        self.ask()
    }
}

/// Runs the comparison for a fine-tuning `plan` of `files` (`keep_layers` as fine-tuning's) on
/// an autodiff `device`, each run's model also tested by `probes`. Returns the
/// scores so far and, when it ended early (cancelled), why.
#[allow(clippy::too_many_arguments)]
pub async fn compare<'a>(
    files: &ModelFiles,
    plan: &Plan,
    settings: &CompareSettings,
    keep_layers: Option<usize>,
    device: &Device,
    on_event: &mut dyn FnMut(CompareProgress),
    control: &'a mut dyn Control,
    probes: Probes<'a>,
) -> Result<(Comparison, Option<String>), CompareError> {
    check_variants(settings, plan)?;
    let data = &plan.data;
    let sizes = settings.resolved_sizes(data.train.len());
    let variants = &settings.variants;
    let runs = variants.len() * sizes.len() * settings.seeds;
    let mut comparison =
        Comparison::new(sizes.clone(), variants.clone(), plan.task, data.valid.len());
    on_event(CompareProgress::Planned {
        runs,
        sizes: sizes.clone(),
        variants: variants.clone(),
        valid_examples: data.valid.len(),
        metric: comparison.metric.clone(),
        notes: plan.notes.clone(),
    });
    let mut control = Watch {
        inner: control,
        cancelled: false,
        probes,
    };
    let cancelled = || Some("stopped by request".to_string());

    let mut shared = Shared {
        files,
        plan,
        settings,
        keep_layers,
        self_weights: None,
        synonyms: eda_synonyms(files, plan, variants, device).await?,
        device,
    };
    if settings.starts().contains(&StartKind::SelfPretrained) {
        shared.self_weights = Some(self_pretrain(&shared, on_event, &mut control).await?);
        if control.cancelled {
            return Ok((comparison, cancelled()));
        }
    }
    let mut run = 0;
    for (size_at, &size) in sizes.iter().enumerate() {
        for seed in 0..settings.seeds {
            let subset = shared.subset(size, seed);
            for variant in variants {
                run += 1;
                let at = shared.at(run, variant, size_at, seed);
                let Some(ran) = shared.run(&at, &subset, on_event, &mut control).await? else {
                    return Ok((comparison, cancelled()));
                };
                comparison.record(&variant.name, size, ran.score);
                if let Some(a) = ran.attacked {
                    comparison.record_attacked(&variant.name, size, a);
                }
                if let Some(f) = ran.flip_rate {
                    comparison.record_flip_rate(&variant.name, size, f);
                }
                on_event(at.scored(&ran));
            }
        }
    }
    Ok((comparison, None))
}

/// Whether every variant can run on `plan`: its settings valid for the task, its auxiliary
/// tasks read, no augmentation a comparison cannot draw.
fn check_variants(settings: &CompareSettings, plan: &Plan) -> Result<(), CompareError> {
    settings.validate()?;
    for v in &settings.variants {
        if v.changes
            .augment
            .is_some_and(|a| a.kind == AugmentKind::Mlm)
            && plan.contextual.is_empty()
        {
            return Err(CompareSettingsError::Variant {
                name: v.name.clone(),
                message: "contextual (mlm) augmentation needs its copies drawn from a masked language model before the comparison (recipe::draw_contextual with compare::contextual_for's settings)".into(),
            }
            .into());
        }
        if v.changes.augment.is_some_and(|a| a.needs_names()) && plan.names.is_none() {
            return Err(CompareSettingsError::Variant {
                name: v.name.clone(),
                message: "counterfactual augmentation of names needs the first-name lists (recipe::give_names)".into(),
            }
            .into());
        }
        if let Some(missing) = v
            .changes
            .aux
            .iter()
            .find(|n| plan.aux.iter().all(|a| &a.name != *n))
        {
            return Err(CompareSettingsError::Variant {
                name: v.name.clone(),
                message: format!("the auxiliary task {missing} was not read"),
            }
            .into());
        }
        let changed = v.changes.apply(&settings.finetune);
        if let Err(e) = changed.validate_for(Some(plan.task), None) {
            return Err(CompareSettingsError::Variant {
                name: v.name.clone(),
                message: format!("{} {e}", e.setting().describe()),
            }
            .into());
        }
    }
    Ok(())
}

/// What contextual (MLM) augmentation the comparison's variants want drawn before it runs
/// (once, for the training texts its runs use: each run takes its subset's): their
/// augmentation and the most epochs any of their runs takes, and those texts (the union of
/// every seed's subset at the largest label count, as indices of the training examples);
/// `None` when no variant is contextual. Variants that mask different shares of the words are
/// refused (one draw serves them all).
#[allow(clippy::type_complexity)]
pub fn contextual_for(
    settings: &CompareSettings,
    train_examples: usize,
) -> Result<Option<((Augmentation, usize), Vec<usize>)>, CompareSettingsError> {
    let mut wanted: Option<(Augmentation, usize)> = None;
    for v in &settings.variants {
        let run = v.changes.apply(&settings.finetune);
        let Some(a) = run.augment.filter(|a| a.kind == AugmentKind::Mlm) else {
            continue;
        };
        let epochs = settings
            .resolved_sizes(train_examples)
            .iter()
            .map(|&n| run_config(&run, settings.min_steps, n, 0).epochs)
            .max()
            .unwrap_or(run.epochs);
        wanted = match wanted {
            None => Some((a, epochs)),
            Some((w, _)) if w.rate != a.rate => {
                return Err(CompareSettingsError::Variant {
                    name: v.name.clone(),
                    message: format!(
                        "masks {:.0}% of the words where another contextual variant masks {:.0}%: one comparison draws one set of copies, so give them the same rate",
                        100.0 * a.rate,
                        100.0 * w.rate
                    ),
                });
            }
            Some((w, e)) => Some((
                Augmentation {
                    copies: w.copies.max(a.copies),
                    ..w
                },
                e.max(epochs),
            )),
        };
    }
    let largest = settings
        .resolved_sizes(train_examples)
        .last()
        .copied()
        .unwrap_or(train_examples);
    let used: std::collections::BTreeSet<usize> = (0..settings.seeds)
        .flat_map(|seed| {
            let seed = settings.finetune.seed.wrapping_add(seed as u64);
            nested_subset(train_examples, largest, seed)
        })
        .collect();
    Ok(wanted.map(|w| (w, used.into_iter().collect())))
}

/// Trains one run of a comparison again — `variant` at the `size_at`-th label count with seed
/// number `seed` — and returns its model and score: the same subset, run seed and settings, so
/// the same run (a search keeps its winner this way, holding one model at a time). The
/// variant must not start from self-pre-training.
#[allow(clippy::too_many_arguments)]
pub async fn rerun(
    files: &ModelFiles,
    plan: &Plan,
    settings: &CompareSettings,
    keep_layers: Option<usize>,
    variant: &Variant,
    (size_at, seed): (usize, usize),
    device: &Device,
    control: &mut dyn Control,
) -> Result<Option<(f64, BertClassifier)>, CompareError> {
    let shared = Shared {
        files,
        plan,
        settings,
        keep_layers,
        self_weights: None,
        synonyms: eda_synonyms(files, plan, std::slice::from_ref(variant), device).await?,
        device,
    };
    let size = settings.resolved_sizes(plan.data.train.len())[size_at];
    let subset = shared.subset(size, seed);
    let at = shared.at(1, variant, size_at, seed);
    let mut control = Watch {
        inner: control,
        cancelled: false,
        probes: Probes::default(),
    };
    let ran = shared.run(&at, &subset, &mut |_| {}, &mut control).await?;
    Ok(ran.map(|r| (r.score, r.model)))
}

/// EDA's synonyms when a variant augments with EDA (else none): the neighbours of the most
/// frequent training words in the loaded checkpoint's input embeddings, found once and given
/// to every EDA run, whatever its start (the remedy is the same edit of the same texts).
async fn eda_synonyms(
    files: &ModelFiles,
    plan: &Plan,
    variants: &[Variant],
    device: &Device,
) -> Result<Synonyms, CompareError> {
    let eda = |v: &Variant| {
        v.changes
            .augment
            .is_some_and(|a| a.kind == AugmentKind::Eda)
    };
    if !variants.iter().any(eda) {
        return Ok(Synonyms::default());
    }
    let labels = plan.data.labels.len();
    let (model, _, _) = load_classifier(
        &files.config,
        &files.weights,
        plan.task,
        labels,
        None,
        device,
    )?;
    let texts = plan.train_texts.iter().map(String::as_str);
    let words = Synonyms::wanted(texts, Synonyms::MAX_WORDS);
    let table = model.bert.embeddings.word_embeddings.weight.val();
    Ok(synonyms(table, &files.tokenizer, &words).await?)
}

/// The first `size` indices of a seeded shuffle of `n`: the subsets of one seed are nested,
/// each label count adding examples to the smaller ones.
fn nested_subset(n: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut order);
    order.truncate(size);
    order
}

/// What every run of a comparison shares.
struct Shared<'a> {
    files: &'a ModelFiles,
    plan: &'a Plan,
    settings: &'a CompareSettings,
    keep_layers: Option<usize>,
    /// The self-pre-trained weights, when that start is compared.
    self_weights: Option<Vec<u8>>,
    /// EDA's synonyms, when a variant augments with EDA.
    synonyms: Synonyms,
    device: &'a Device,
}

/// Which run: its number, variant (and its settings), label count, seed, and the seed of its
/// head and order.
struct RunAt<'a> {
    run: usize,
    variant: &'a Variant,
    settings: TrainSettings,
    size: usize,
    seed: usize,
    run_seed: u64,
}

impl RunAt<'_> {
    /// The run's scores, as progress.
    fn scored(&self, ran: &Ran) -> CompareProgress {
        CompareProgress::Scored {
            run: self.run,
            variant: self.variant.name.clone(),
            size: self.size,
            seed: self.seed,
            score: ran.score,
            attacked: ran.attacked,
            flip_rate: ran.flip_rate,
        }
    }
}

/// A finished run: its score, its probes' scores, its model.
struct Ran {
    score: f64,
    attacked: Option<f64>,
    flip_rate: Option<f64>,
    model: BertClassifier,
}

/// One seed's training subset at one label count: the encoded examples and the examples as
/// read (for augmentation), with the validation examples every run shares.
struct Subset {
    data: TrainData,
    examples: crate::data::Examples,
}

impl Shared<'_> {
    /// The nested subset of `size` training examples for seed number `seed`.
    fn subset(&self, size: usize, seed: usize) -> Subset {
        let data = &self.plan.data;
        let picked = nested_subset(
            data.train.len(),
            size,
            self.settings.finetune.seed.wrapping_add(seed as u64),
        );
        Subset {
            data: TrainData {
                train: picked.iter().map(|&i| data.train[i].clone()).collect(),
                valid: data.valid.clone(),
                labels: data.labels.clone(),
                pad_id: data.pad_id,
                qa: data.qa.clone(),
                augment: None,
            },
            examples: self.plan.train_examples.pick(&picked),
        }
    }

    /// Run number `run`: `variant` at the `size_at`-th label count with seed number `seed`.
    /// The run seed depends on the count and seed only, so every variant shares it.
    fn at<'v>(&self, run: usize, variant: &'v Variant, size_at: usize, seed: usize) -> RunAt<'v> {
        let sizes = self.settings.resolved_sizes(self.plan.data.train.len());
        let base_seed = self.settings.finetune.seed;
        RunAt {
            run,
            variant,
            settings: variant.changes.apply(&self.settings.finetune),
            size: sizes[size_at],
            seed,
            run_seed: base_seed.wrapping_add(1000 * (seed as u64 + 1) + size_at as u64),
        }
    }

    /// One run: its start fine-tuned on `subset` and scored on the validation examples (a run
    /// that diverged keeps its last good weights, scored like any other); `None` once
    /// cancelled.
    async fn run(
        &self,
        at: &RunAt<'_>,
        subset: &Subset,
        on_event: &mut dyn FnMut(CompareProgress),
        control: &mut Watch<'_>,
    ) -> Result<Option<Ran>, CompareError> {
        let (plan, device) = (self.plan, self.device);
        device.seed(at.run_seed);
        let (files, weights) = (self.files, &self.self_weights);
        let start = at.variant.start;
        let model = starting_model(start, files, self.keep_layers, plan, weights, device)?
            .adapted(&at.settings.adaptation);
        let mut data = subset.data.clone();
        data.augment = at.settings.augment.map(|a| {
            let tokenizer = &files.tokenizer;
            let (examples, labels) = (&subset.examples, &data.labels);
            let mut augmenter = Augmenter::new(a, examples, labels, tokenizer, at.settings.max_len)
                .with_synonyms(self.synonyms.clone())
                .with_names(plan.names.as_ref());
            augmenter.set_copies(&plan.contextual);
            augmenter
        });
        let mut forward = |event: Event| {
            if let Event::Step(s) = event {
                on_event(CompareProgress::Step {
                    run: at.run,
                    variant: at.variant.name.clone(),
                    size: at.size,
                    seed: at.seed,
                    step: s.step,
                    total_steps: s.total_steps,
                });
            }
        };
        let min_steps = self.settings.min_steps;
        let config = run_config(&at.settings, min_steps, at.size, at.run_seed);
        let aux: Vec<AuxTask> = plan
            .aux
            .iter()
            .filter(|a| at.variant.changes.aux.contains(&a.name))
            .cloned()
            .collect();
        let heads = load_heads(&aux, files, self.keep_layers, device)?;
        let (outcome, _) =
            fine_tune_tasks(model, &aux, heads, &data, &config, &mut forward, control).await?;
        if control.cancelled {
            return Ok(None);
        }
        let evaluation = match outcome.evaluation {
            Some(e) => e,
            None => {
                let batch = at.settings.batch_size;
                plan.data.evaluate(&outcome.model, batch).await?.0
            }
        };
        let attacked = match control.probes.attack.as_mut() {
            Some(p) => Some(p.score(&outcome.model).await.map_err(CompareError::Probe)?),
            None => None,
        };
        let flip_rate = match control.probes.counterfactual.as_mut() {
            Some(p) => Some(p.score(&outcome.model).await.map_err(CompareError::Probe)?),
            None => None,
        };
        Ok(Some(Ran {
            score: evaluation.headline(),
            attacked,
            flip_rate,
            model: outcome.model,
        }))
    }
}

/// A run's model before fine-tuning: the checkpoint, random weights of its architecture, or
/// that architecture self-pre-trained (`self_weights`), with a new head for the plan's labels.
fn starting_model(
    start: StartKind,
    files: &ModelFiles,
    keep_layers: Option<usize>,
    plan: &Plan,
    self_weights: &Option<Vec<u8>>,
    device: &Device,
) -> Result<BertClassifier, CompareError> {
    let labels = plan.data.labels.len();
    let config = crate::checkpoint::truncate_layers(&files.config, keep_layers)?;
    Ok(match start {
        StartKind::Pretrained => {
            let (config, weights) = (&files.config, &files.weights);
            load_classifier(config, weights, plan.task, labels, keep_layers, device)?.0
        }
        StartKind::Scratch => {
            let bert = BertModel::init(&config, true, device);
            BertClassifier::new(bert, &config, plan.task, labels, device)
        }
        StartKind::SelfPretrained => {
            let weights = self_weights.as_deref().unwrap_or_default();
            load_classifier(&config, weights, plan.task, labels, None, device)?.0
        }
    })
}

/// Pre-trains the checkpoint's architecture from random weights on the plan's training texts
/// (masked words; labels unused) and returns its weights as a `BertForMaskedLM` file.
async fn self_pretrain(
    shared: &Shared<'_>,
    on_event: &mut dyn FnMut(CompareProgress),
    control: &mut Watch<'_>,
) -> Result<Vec<u8>, CompareError> {
    let (files, plan, settings, device) =
        (shared.files, shared.plan, shared.settings, shared.device);
    let keep_layers = shared.keep_layers;
    let text = plan.train_texts.join("\n");
    let start = Start::Reinitialised(files);
    let mut lm_plan = pretrain_recipe::plan(&text, &start, Objective::Mlm, 0.05)?;
    lm_plan.config = crate::checkpoint::truncate_layers(&lm_plan.config, keep_layers)?;
    device.seed(settings.finetune.seed);
    let (model, _) = pretrain_recipe::load(&lm_plan, &start, Objective::Mlm, device)?;
    let pretraining = self_pretrain_settings(settings);
    let mut forward = |event: LmEvent| {
        if let LmEvent::Step {
            step,
            total_steps,
            loss,
            ..
        } = event
        {
            on_event(CompareProgress::SelfPretraining {
                step,
                total_steps,
                loss,
            });
        }
    };
    let outcome = pretrain(
        model,
        &lm_plan.corpus,
        &lm_plan.specials,
        &pretraining,
        &mut forward,
        control,
    )
    .await?;
    Ok(export_lm_safetensors(&outcome.model).await?)
}
