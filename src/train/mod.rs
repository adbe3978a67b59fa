//! Fine-tuning (and, in [`pretrain`], pre-training): a flat, hand-written loop on an autodiff device, evaluation, and metrics.
//!
//! The loop is `async` so the browser worker can drive it between awaits; the command line
//! blocks on it. Progress leaves only as [`Event`]s. Each step reads the loss back once (a
//! sync point) to report it and to stop on a NaN or infinite loss.

pub mod compare;
pub mod control;
pub mod eval;
pub mod flat;
pub mod metrics;
pub mod parallel;
pub mod prepare;
pub mod pretrain;
pub mod recipe;
pub mod schedule;
pub mod speed;
pub mod squad;
pub mod step;

use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use crate::data::batch::{Batch, collate};
use crate::data::features::Features;
use crate::data::split::Rng;
use crate::forward::to_tensors;
use crate::model::BertClassifier;
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::{Adversarial, BestBy, EpochLoss, StepStats};
pub use control::Control;
pub use eval::{Evaluation, evaluate, evaluate_predicting, evaluate_qa, validate, validate_qa};
pub use step::{
    Hook, adversarial_point, fgm_perturbation, gradients, optimizer, perturbed, project, train_step,
};

/// Hyperparameters of a fine-tuning run. The defaults suit MiniLM-sized models on
/// sentence-level data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set. Default 3.
    pub epochs: usize,
    /// Examples per step. Default 32.
    pub batch_size: usize,
    /// Peak learning rate of AdamW. Default 1e-4.
    pub lr: f64,
    /// Share of the steps spent warming the learning rate up from 0. Default 0.1.
    pub warmup_ratio: f64,
    /// AdamW's decoupled weight decay. Default 0 (as Hugging Face's Trainer).
    pub weight_decay: f64,
    /// Gradients are scaled so that their global L2 norm is at most this. Default 1.0.
    pub max_grad_norm: f64,
    /// Seed of the epoch order (and of dropout where the backend allows). Default 42.
    pub seed: u64,
    /// Stop after this many epochs without a better validation score (or loss). Default:
    /// never.
    pub patience: Option<usize>,
    /// Also measure the validation loss every this many steps. Default: never (each epoch's
    /// only).
    #[serde(default)]
    pub eval_every: Option<usize>,
    /// What picks the kept epoch and what patience waits on. Default: the score.
    #[serde(default)]
    pub best_by: BestBy,
    /// Adversarial training (FGM or PGD). Default: none.
    #[serde(default)]
    pub adversarial: Option<Adversarial>,
    /// Evaluate only after the last epoch and keep that model, instead of after every epoch
    /// keeping the best (the comparison's fixed budget). Default false.
    #[serde(default)]
    pub evaluate_at_end_only: bool,
    /// Multi-task training: how the steps are shared between the tasks.
    #[serde(default)]
    pub task_sampling: crate::shared::TaskSampling,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 3,
            batch_size: 32,
            lr: 1e-4,
            warmup_ratio: 0.1,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
            seed: 42,
            patience: None,
            eval_every: None,
            best_by: BestBy::Score,
            adversarial: None,
            evaluate_at_end_only: false,
            task_sampling: crate::shared::TaskSampling::Proportional,
        }
    }
}

/// What the loop reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Training begins.
    Started {
        /// Optimizer steps in the whole run.
        total_steps: usize,
        /// Steps per epoch.
        steps_per_epoch: usize,
        /// Training examples.
        train_examples: usize,
        /// Validation examples.
        valid_examples: usize,
    },
    /// One optimizer step was taken.
    Step(StepStats),
    /// An epoch ended and the model was evaluated.
    Evaluated {
        /// The epoch (1-based).
        epoch: usize,
        /// Mean training loss over the epoch.
        train_loss: f64,
        /// Validation loss after the epoch (`eval::label_loss`, `eval::span_loss`).
        #[serde(default)]
        valid_loss: f64,
        /// Validation metrics.
        evaluation: Evaluation,
        /// Whether this is the best epoch so far (it is kept).
        best: bool,
        /// Seconds the epoch's steps took (evaluation aside).
        #[serde(default)]
        epoch_s: f64,
    },
    /// The validation loss between epochs (every `eval_every` steps).
    Validated {
        /// Steps done.
        step: usize,
        /// The epoch it falls in (1-based).
        epoch: usize,
        /// The validation loss now (`eval::label_loss`, `eval::span_loss`).
        valid_loss: f64,
    },
    /// An auxiliary task of a multi-task run, evaluated after an epoch (before the main
    /// task's [`Event::Evaluated`]).
    AuxEvaluated {
        /// The epoch (1-based).
        epoch: usize,
        /// The task's number (1 the first auxiliary task).
        task: usize,
        /// Its name (its file).
        name: String,
        /// Mean training loss of its steps in the epoch.
        train_loss: f64,
        /// Its validation loss.
        valid_loss: f64,
        /// Its validation metrics.
        evaluation: Evaluation,
    },
    /// Training ended before its last epoch.
    Stopped {
        /// Why, in words.
        reason: String,
    },
}

/// The training and validation loss of each evaluated epoch in `events`, in order.
pub fn epoch_losses(events: &[Event]) -> Vec<EpochLoss> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Evaluated {
                epoch,
                train_loss,
                valid_loss,
                ..
            } => Some(EpochLoss {
                epoch: *epoch,
                train: *train_loss,
                valid: *valid_loss,
            }),
            _ => None,
        })
        .collect()
}

/// What the loop returns.
#[derive(Debug)]
pub struct Outcome {
    /// The kept model, on the inference device: the best epoch's, or the last good weights.
    pub model: BertClassifier,
    /// The epoch the model comes from (0 if training stopped before the first evaluation).
    pub best_epoch: usize,
    /// Evaluation of the kept model, if one was made.
    pub evaluation: Option<Evaluation>,
    /// Why training stopped early, if it did.
    pub stopped: Option<String>,
}

/// Training data after tokenization.
#[derive(Debug, Clone)]
pub struct TrainData {
    /// Training examples.
    pub train: Vec<Features>,
    /// Validation examples.
    pub valid: Vec<Features>,
    /// Label names in class order.
    pub labels: Vec<String>,
    /// Padding token id.
    pub pad_id: u32,
    /// Question answering: the validation questions, where each of `valid`'s windows sits,
    /// and how answers are read.
    pub qa: Option<crate::data::qa::Questions>,
    /// Augmented copies of the training examples, made afresh each epoch; none by default.
    pub augment: Option<crate::data::augment::Augmenter>,
}

impl TrainData {
    /// Examples an epoch trains on: the training set and its augmented copies.
    pub fn epoch_examples(&self) -> usize {
        self.train.len() + self.augment.as_ref().map_or(0, |a| a.extra())
    }

    /// Scores `model` on the validation data, whatever its task, and its validation loss.
    pub async fn evaluate(
        &self,
        model: &BertClassifier,
        batch_size: usize,
    ) -> Result<(Evaluation, f64), ReadbackError> {
        match &self.qa {
            Some(questions) => {
                let (report, _, loss) =
                    validate_qa(model, &self.valid, questions, batch_size, self.pad_id).await?;
                Ok((Evaluation::Qa(report), loss))
            }
            None => validate(model, &self.valid, &self.labels, batch_size, self.pad_id).await,
        }
    }
}

/// Why the loop could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The device failed (lost GPU, out of memory).
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// Nothing to train on.
    #[error("no training examples")]
    Empty,
    /// An augmented text could not be encoded.
    #[error("augmenting the training examples failed: {0}")]
    Augment(String),
}

/// One optimizer step on `batch` (adversarially when `adversarial` says so), split with the
/// control's replica when it has one, the batch has two rows and the step is a plain one (an
/// adversarial step needs the whole batch's gradient before its second pass). Returns the
/// model and the loss, read back.
pub(crate) async fn step_with(
    model: BertClassifier,
    optim: &mut ModuleOptimizer,
    batch: &Batch,
    (lr, max_grad_norm): (f64, f64),
    adversarial: Option<Adversarial>,
    control: &mut dyn Control,
) -> Result<(BertClassifier, f64), ReadbackError> {
    if adversarial.is_none()
        && batch.size >= 2
        && let Some(peer) = control.peer()
    {
        let (model, loss, failed) =
            parallel::split_step(model, optim, batch, lr, max_grad_norm, peer).await?;
        if let Some(why) = failed {
            control.peer_failed(why);
        }
        return Ok((model, loss));
    }
    let device = model.classifier.weight.val().device();
    let (tensors, labels) = to_tensors(batch, &device);
    let (model, loss) = train_step(
        model,
        optim,
        &tensors,
        labels,
        (lr, max_grad_norm),
        adversarial,
    );
    Ok((model, read_f32(loss).await?[0] as f64))
}

/// One plain optimizer step on `batch` in this worker alone (an auxiliary task's: a replica
/// holds the main task's head only). Returns the model and the loss, read back.
async fn plain_step(
    model: BertClassifier,
    optim: &mut ModuleOptimizer,
    batch: &Batch,
    lr_clip: (f64, f64),
) -> Result<(BertClassifier, f64), ReadbackError> {
    let device = model.classifier.weight.val().device();
    let (tensors, labels) = to_tensors(batch, &device);
    let (model, loss) = train_step(model, optim, &tensors, labels, lr_clip, None);
    Ok((model, read_f32(loss).await?[0] as f64))
}

struct StopFlag<'a>(&'a mut dyn FnMut() -> bool);

impl Control for StopFlag<'_> {
    fn proceed(&mut self) -> Hook<'_, bool> {
        let stop = (self.0)();
        Box::pin(async move { !stop })
    }
}

/// Fine-tunes `model` (on an autodiff device) and returns the best epoch's model.
///
/// `should_stop` is asked before every step; returning true ends the run, keeping the best
/// model so far.
pub async fn fine_tune(
    model: BertClassifier,
    data: &TrainData,
    config: &TrainConfig,
    on_event: &mut dyn FnMut(Event),
    should_stop: &mut dyn FnMut() -> bool,
) -> Result<Outcome, TrainError> {
    fine_tune_with(model, data, config, on_event, &mut StopFlag(should_stop)).await
}

/// [`fine_tune`] steered by a [`Control`].
pub async fn fine_tune_with(
    model: BertClassifier,
    data: &TrainData,
    config: &TrainConfig,
    on_event: &mut dyn FnMut(Event),
    control: &mut dyn Control,
) -> Result<Outcome, TrainError> {
    let (outcome, _) =
        fine_tune_tasks(model, &[], Vec::new(), data, config, on_event, control).await?;
    Ok(outcome)
}

/// An auxiliary task of a multi-task run: its name (its file) and its encoded examples.
#[derive(Debug, Clone)]
pub struct AuxTask {
    /// Its name, for reports.
    pub name: String,
    /// Its task (classification or entity recognition).
    pub task: crate::shared::Task,
    /// Its training and validation examples and labels.
    pub data: TrainData,
}

/// Where each task is in its epoch: its shuffled order, cut into batches, and the next one.
struct Batches {
    chunks: Vec<Vec<usize>>,
    next: usize,
}

impl Batches {
    /// The next batch, starting the order over when it runs out (a task sampled more often
    /// than its batches go round).
    fn take(&mut self) -> &[usize] {
        let at = self.next % self.chunks.len().max(1);
        self.next += 1;
        self.chunks.get(at).map_or(&[], Vec::as_slice)
    }
}

/// [`fine_tune_with`] with auxiliary tasks: one shared encoder, `heads[k]` the head of
/// `aux[k]`, each step training one task on a batch of its own (`config.task_sampling` says
/// which); the main task's model is the one kept and scored. Without auxiliary tasks this is
/// the single-task loop, step for step. Returns the auxiliary heads as they were at the kept
/// model's epoch (as they ended when no epoch finished).
pub async fn fine_tune_tasks(
    mut model: BertClassifier,
    aux: &[AuxTask],
    mut heads: Vec<crate::model::Head>,
    data: &TrainData,
    config: &TrainConfig,
    on_event: &mut dyn FnMut(Event),
    control: &mut dyn Control,
) -> Result<(Outcome, Vec<crate::model::Head>), TrainError> {
    if data.train.is_empty() {
        return Err(TrainError::Empty);
    }
    let bs = config.batch_size.max(1);
    let mut batches = vec![data.epoch_examples().div_ceil(bs)];
    batches.extend(aux.iter().map(|a| a.data.train.len().div_ceil(bs)));
    let mut examples = vec![data.epoch_examples()];
    examples.extend(aux.iter().map(|a| a.data.train.len()));
    let steps_per_epoch = config.task_sampling.steps_per_epoch(&batches, &examples);
    let total_steps = steps_per_epoch * config.epochs;
    let warmup = schedule::warmup_steps(total_steps, config.warmup_ratio);
    on_event(Event::Started {
        total_steps,
        steps_per_epoch,
        train_examples: data.train.len(),
        valid_examples: data.valid.len(),
    });

    let mut optim = optimizer(config.weight_decay);
    let mut rng = Rng::new(config.seed);
    // The tasks' own draws, apart from the main task's, so that a run without auxiliary
    // tasks draws exactly what it always did.
    let mut task_rng = Rng::new(config.seed ^ 0x7A5C_5EED_0000_0001);
    // The CPU dropout stream (model/dropout.rs); on GPUs dropout draws from the device's seed.
    crate::model::dropout::seed(config.seed);
    let mut order: Vec<usize> = (0..data.train.len()).collect();
    let mut best: Option<(usize, f64, BertClassifier, Evaluation)> = None;
    let mut best_heads: Option<Vec<crate::model::Head>> = None;
    let mut last_good = model.clone();
    let mut epochs_without_gain = 0;
    let (mut step, mut seen) = (0usize, 0usize);
    let started = Instant::now();
    let mut stopped = None;

    'epochs: for epoch in 1..=config.epochs {
        // Augmented copies, made before the epoch's steps (not inside them); drawn from the
        // run's seed and the epoch, so a seed repeats them.
        let augmented = match &data.augment {
            Some(a) => a
                .epoch(config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .map_err(|e| TrainError::Augment(e.to_string()))?,
            None => Vec::new(),
        };
        if augmented.is_empty() {
            rng.shuffle(&mut order);
        } else {
            order = (0..data.train.len() + augmented.len()).collect();
            rng.shuffle(&mut order);
        }
        let example = |i: usize| match i.checked_sub(data.train.len()) {
            Some(j) => &augmented[j],
            None => &data.train[i],
        };
        let mut cursors: Vec<Batches> = vec![Batches {
            chunks: order.chunks(bs).map(<[usize]>::to_vec).collect(),
            next: 0,
        }];
        for a in aux {
            let mut o: Vec<usize> = (0..a.data.train.len()).collect();
            task_rng.shuffle(&mut o);
            let chunks = o.chunks(bs).map(<[usize]>::to_vec).collect();
            cursors.push(Batches { chunks, next: 0 });
        }
        let tasks = if aux.is_empty() {
            vec![0; batches[0]]
        } else {
            config
                .task_sampling
                .schedule(&batches, &examples, &mut task_rng)
        };
        let epoch_start = Instant::now();
        let mut loss_sums = vec![(0.0, 0usize); 1 + aux.len()];
        for task in tasks {
            if !control.proceed().await {
                stopped = Some("stopped by request".to_string());
                break 'epochs;
            }
            let step_start = Instant::now();
            let chunk = cursors[task].take().to_vec();
            let lr = schedule::learning_rate(step, total_steps, warmup, config.lr);
            let before = model.clone();
            // Sync point: the loss of this step, to report it and catch divergence.
            let loss = if task == 0 {
                let features: Vec<&Features> = chunk.iter().map(|&i| example(i)).collect();
                let batch = collate(&features, data.pad_id, model.task);
                let step = (lr, config.max_grad_norm);
                let (next, loss) =
                    step_with(model, &mut optim, &batch, step, config.adversarial, control).await?;
                model = next;
                loss
            } else {
                let (a, head) = (&aux[task - 1], heads[task - 1].clone());
                let features: Vec<&Features> = chunk.iter().map(|&i| &a.data.train[i]).collect();
                let batch = collate(&features, a.data.pad_id, head.task);
                let (joined, own) = model.swap_head(head);
                let (next, loss) =
                    plain_step(joined, &mut optim, &batch, (lr, config.max_grad_norm)).await?;
                let (main, head) = next.swap_head(own);
                (model, heads[task - 1]) = (main, head);
                loss
            };
            if !loss.is_finite() {
                stopped = Some(format!(
                    "the loss became {loss} at step {} (epoch {epoch}); training stopped and the last \
                     good weights were kept. Try a lower learning rate.",
                    step + 1
                ));
                break 'epochs; // `last_good` is the model of the last finite loss
            }
            last_good = before;
            step += 1;
            seen += chunk.len();
            loss_sums[task].0 += loss;
            loss_sums[task].1 += 1;
            let elapsed = started.elapsed().as_secs_f64();
            on_event(Event::Step(StepStats {
                step,
                total_steps,
                epoch,
                loss,
                lr,
                examples_per_s: seen as f64 / elapsed.max(1e-9),
                step_s: step_start.elapsed().as_secs_f64(),
                eta_s: elapsed / step as f64 * (total_steps - step) as f64,
                task,
            }));
            // Between epochs only: the epoch's own evaluation follows its last step.
            if config.eval_every.is_some_and(|n| step % n == 0) && step % steps_per_epoch != 0 {
                let (_, valid_loss) = data.evaluate(&model.valid(), config.batch_size).await?;
                on_event(Event::Validated {
                    step,
                    epoch,
                    valid_loss,
                });
            }
        }
        let epoch_s = epoch_start.elapsed().as_secs_f64();
        if config.evaluate_at_end_only && epoch < config.epochs {
            continue;
        }
        let (evaluation, valid_loss) = data.evaluate(&model.valid(), config.batch_size).await?;
        for (k, a) in aux.iter().enumerate() {
            let (joined, _) = model.clone().swap_head(heads[k].clone());
            let (evaluation, valid_loss) = a.data.evaluate(&joined.valid(), bs).await?;
            let (sum, n) = loss_sums[k + 1];
            on_event(Event::AuxEvaluated {
                epoch,
                task: k + 1,
                name: a.name.clone(),
                train_loss: sum / n.max(1) as f64,
                valid_loss,
                evaluation,
            });
        }
        let measure = match config.best_by {
            BestBy::Score => evaluation.score(),
            BestBy::Loss => valid_loss,
        };
        let improved = best
            .as_ref()
            .is_none_or(|(_, b, _, _)| config.best_by.better(measure, *b));
        on_event(Event::Evaluated {
            epoch,
            train_loss: loss_sums[0].0 / loss_sums[0].1.max(1) as f64,
            valid_loss,
            evaluation: evaluation.clone(),
            best: improved,
            epoch_s,
        });
        if improved {
            let kept = model.valid();
            if !aux.is_empty() {
                let kept_heads: Vec<crate::model::Head> = heads.iter().map(|h| h.valid()).collect();
                control.best_heads(&kept_heads);
                best_heads = Some(kept_heads);
            }
            control.new_best(epoch, &kept).await;
            best = Some((epoch, measure, kept, evaluation));
            epochs_without_gain = 0;
        } else {
            epochs_without_gain += 1;
            if config.patience.is_some_and(|p| epochs_without_gain >= p) {
                let what = match config.best_by {
                    BestBy::Score => "validation score",
                    BestBy::Loss => "validation loss",
                };
                stopped = Some(format!(
                    "no better {what} for {epochs_without_gain} epochs (early stopping)"
                ));
                break;
            }
        }
    }
    if let Some(reason) = &stopped {
        on_event(Event::Stopped {
            reason: reason.clone(),
        });
    }
    let outcome = match best {
        Some((best_epoch, _, model, evaluation)) => Outcome {
            model,
            best_epoch,
            evaluation: Some(evaluation),
            stopped,
        },
        None => Outcome {
            model: last_good.valid(),
            best_epoch: 0,
            evaluation: None,
            stopped,
        },
    };
    let heads = best_heads.unwrap_or_else(|| heads.iter().map(|h| h.valid()).collect());
    Ok((outcome, heads))
}
