//! "What is pre-training worth?": the same fine-tuning recipe at growing label counts from three
//! starts (the loaded checkpoint, random weights of its architecture, and that architecture
//! pre-trained on the task's own training texts), every run scored on the same validation
//! examples. The command line and the browser worker both run exactly this.
//!
//! Each seed draws one random order of the training examples, and a run with `n` labels takes
//! its first `n`, so the 100 include the 32 and every start sees the same examples. Every run
//! trains at least `min_steps` steps and is scored once, after its last epoch (a fixed budget:
//! no picking of the best epoch on the validation examples).

use burn::prelude::*;

use super::lm_recipe::{self, LmRecipeError, Start};
use super::pretrain::{LmEvent, PretrainConfig, PretrainError, pretrain};
use super::recipe::Plan;
use super::{Control, Event, Hook, TrainConfig, TrainData, TrainError, evaluate, fine_tune_with};
use crate::checkpoint::{CheckpointError, ModelFiles, export_lm_safetensors, load_classifier};
use crate::data::split::Rng;
use crate::model::{BertClassifier, BertLm, BertModel, Objective};
use crate::runtime::readback::ReadbackError;
use crate::shared::{CompareProgress, CompareSettings, Comparison, StartKind};

/// Why a comparison could not run (or go on).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The settings cannot work.
    #[error("{0}")]
    Settings(String),
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
}

/// The settings of self-pre-training: masked words on the training texts, the batch and length
/// of fine-tuning (at most 64 tokens a block), a learning rate for weights from scratch.
pub fn self_pretrain_config(settings: &CompareSettings) -> PretrainConfig {
    PretrainConfig {
        steps: settings.self_pretrain_steps,
        batch_size: settings.finetune.batch_size,
        seq_len: settings.finetune.max_len.clamp(8, 64),
        lr: 5e-4,
        warmup_ratio: 0.06,
        seed: settings.finetune.seed,
        eval_every: settings.self_pretrain_steps.max(1),
        eval_batches: 2,
        ..PretrainConfig::default()
    }
}

/// The fine-tuning loop's configuration for a run with `labels` examples: the settings' epochs,
/// or more when they would take fewer than `min_steps` steps.
pub fn run_config(settings: &CompareSettings, labels: usize, seed: u64) -> TrainConfig {
    let f = &settings.finetune;
    let per_epoch = labels.div_ceil(f.batch_size.max(1)).max(1);
    TrainConfig {
        epochs: f.epochs.max(settings.min_steps.div_ceil(per_epoch)),
        batch_size: f.batch_size,
        lr: f.lr,
        warmup_ratio: f.warmup_ratio,
        weight_decay: f.weight_decay,
        seed,
        patience: None,
        evaluate_at_end_only: true,
        ..TrainConfig::default()
    }
}

/// Passes the caller's pause/cancel through and remembers a cancel.
struct Watch<'a> {
    inner: &'a mut dyn Control,
    cancelled: bool,
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
/// an autodiff `device`. Returns the scores so far and, when it ended early (cancelled), why.
pub async fn compare(
    files: &ModelFiles,
    plan: &Plan,
    settings: &CompareSettings,
    keep_layers: Option<usize>,
    device: &Device,
    on_event: &mut dyn FnMut(CompareProgress),
    control: &mut dyn Control,
) -> Result<(Comparison, Option<String>), CompareError> {
    if let Some(problem) = settings.problem() {
        return Err(CompareError::Settings(problem));
    }
    let data = &plan.data;
    let sizes = settings.resolved_sizes(data.train.len());
    let starts = settings.starts();
    let runs = starts.len() * sizes.len() * settings.seeds;
    let mut comparison = Comparison::new(sizes.clone(), plan.task, data.valid.len());
    on_event(CompareProgress::Planned {
        runs,
        sizes: sizes.clone(),
        starts: starts.clone(),
        valid_examples: data.valid.len(),
        metric: comparison.metric.clone(),
    });
    let mut control = Watch {
        inner: control,
        cancelled: false,
    };
    let cancelled = || Some("stopped by request".to_string());

    let self_weights = if starts.contains(&StartKind::SelfPretrained) {
        let weights = self_pretrain(
            files,
            plan,
            settings,
            keep_layers,
            device,
            on_event,
            &mut control,
        )
        .await?;
        if control.cancelled {
            return Ok((comparison, cancelled()));
        }
        Some(weights)
    } else {
        None
    };
    let config = crate::checkpoint::truncate_layers(&files.config, keep_layers)?;
    let (base_seed, n_labels) = (settings.finetune.seed, data.labels.len());

    // One copy of the validation examples for every run; only the training subset changes.
    let mut subset = TrainData {
        train: Vec::new(),
        valid: data.valid.clone(),
        labels: data.labels.clone(),
        pad_id: data.pad_id,
    };
    let mut run = 0;
    for (size_at, &size) in sizes.iter().enumerate() {
        for seed in 0..settings.seeds {
            let mut order: Vec<usize> = (0..data.train.len()).collect();
            Rng::new(base_seed.wrapping_add(seed as u64)).shuffle(&mut order);
            subset.train = order[..size]
                .iter()
                .map(|&i| data.train[i].clone())
                .collect();
            for &start in &starts {
                run += 1;
                let run_seed = base_seed.wrapping_add(1000 * (seed as u64 + 1) + size_at as u64);
                device.seed(run_seed);
                let model = match start {
                    StartKind::Pretrained => {
                        load_classifier(
                            &files.config,
                            &files.weights,
                            plan.task,
                            n_labels,
                            keep_layers,
                            device,
                        )?
                        .0
                    }
                    StartKind::Scratch => {
                        let bert = BertModel::init(&config, true, device);
                        BertClassifier::new(bert, &config, plan.task, n_labels, device)
                    }
                    StartKind::SelfPretrained => {
                        let weights = self_weights.as_deref().unwrap_or_default();
                        load_classifier(&config, weights, plan.task, n_labels, None, device)?.0
                    }
                };
                let mut forward = |event: Event| {
                    if let Event::Step(s) = event {
                        on_event(CompareProgress::Step {
                            run,
                            start,
                            size,
                            seed,
                            step: s.step,
                            total_steps: s.total_steps,
                        });
                    }
                };
                let outcome = fine_tune_with(
                    model,
                    &subset,
                    &run_config(settings, size, run_seed),
                    &mut forward,
                    &mut control,
                )
                .await?;
                if control.cancelled {
                    return Ok((comparison, cancelled()));
                }
                // A run that diverged keeps its last good weights, scored like any other.
                let evaluation = match outcome.evaluation {
                    Some(e) => e,
                    None => {
                        evaluate(
                            &outcome.model,
                            &data.valid,
                            &data.labels,
                            settings.finetune.batch_size,
                            data.pad_id,
                        )
                        .await?
                    }
                };
                let score = evaluation.headline();
                comparison.record(start, size, score);
                on_event(CompareProgress::Scored {
                    run,
                    start,
                    size,
                    seed,
                    score,
                });
            }
        }
    }
    Ok((comparison, None))
}

/// Pre-trains the checkpoint's architecture from random weights on the plan's training texts
/// (masked words; labels unused) and returns its weights as a `BertForMaskedLM` file.
async fn self_pretrain(
    files: &ModelFiles,
    plan: &Plan,
    settings: &CompareSettings,
    keep_layers: Option<usize>,
    device: &Device,
    on_event: &mut dyn FnMut(CompareProgress),
    control: &mut Watch<'_>,
) -> Result<Vec<u8>, CompareError> {
    let text = plan.train_texts.join("\n");
    let start = Start::Reinitialised(files);
    let mut lm_plan = lm_recipe::plan(&text, &start, Objective::Mlm, 0.05)?;
    lm_plan.config = crate::checkpoint::truncate_layers(&lm_plan.config, keep_layers)?;
    device.seed(settings.finetune.seed);
    let (model, _) = lm_recipe::load(&lm_plan, &start, Objective::Mlm, device)?;
    let config = self_pretrain_config(settings);
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
        &config,
        &mut forward,
        control,
    )
    .await?;
    Ok(export_lm_safetensors(&outcome.model).await?)
}
