//! Pre-training: masked-language modelling or next-token prediction on a corpus, in the same
//! flat loop style as fine-tuning. Each step draws `batch_size` blocks at random offsets of
//! the training stream (as nanoGPT), frames them (`[CLS] … [SEP]` or `[CLS] …`), masks them
//! (BERT's recipe) or shifts them (next token), and takes one AdamW step with clipping and
//! the linear warm-up/decay schedule. Every `eval_every` steps, and at steps 0 and the last,
//! the held-out tail is scored with the same masks each time; the best model by held-out
//! loss is kept.

pub mod recipe;

use burn::optim::GradientsParams;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::control::Control;
use super::schedule;
use super::step::{Hook, clip_global_norm, optimizer};
use crate::data::corpus::{Corpus, Framing};
use crate::data::masking::mask;
use crate::data::split::Rng;
use crate::model::{BatchTensors, BertLm, Objective};
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::PretrainSettings;

/// The global gradient-norm clip, as fine-tuning's (`clip_grad_norm_` at 1.0).
pub const MAX_GRAD_NORM: f64 = 1.0;

/// Held-out scores.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct LmScores {
    /// Mean cross-entropy per predicted token, nats.
    pub loss: f64,
    /// exp(loss).
    pub perplexity: f64,
    /// Share of predicted tokens whose most likely token is right (masked-token accuracy for
    /// MLM, next-token accuracy for CLM).
    pub accuracy: f64,
    /// Tokens predicted.
    pub predicted: usize,
}

/// What the loop reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LmEvent {
    /// Training begins.
    Started {
        /// Steps in the run.
        total_steps: usize,
        /// Tokens in the training stream.
        train_tokens: usize,
        /// Tokens in the held-out tail.
        heldout_tokens: usize,
    },
    /// One optimizer step was taken.
    Step {
        /// Steps done (1-based).
        step: usize,
        /// Steps in the run.
        total_steps: usize,
        /// Loss of this step's batch.
        loss: f64,
        /// Learning rate of the update.
        lr: f64,
        /// Input tokens per second of training (evaluations excluded).
        tokens_per_s: f64,
        /// Seconds this step took.
        step_s: f64,
        /// Estimated seconds left.
        eta_s: f64,
    },
    /// The held-out tail was scored.
    Evaluated {
        /// Steps done when scored (0: before training).
        step: usize,
        /// The scores.
        scores: LmScores,
        /// Whether this is the best held-out loss so far (that model is kept).
        best: bool,
    },
    /// Training ended before its last step.
    Stopped {
        /// Why, in words.
        reason: String,
    },
}

/// What the loop returns.
#[derive(Debug)]
pub struct LmOutcome {
    /// The kept model (best held-out loss), on the inference device.
    pub model: BertLm,
    /// Steps taken.
    pub steps: usize,
    /// Step of the kept model.
    pub best_step: usize,
    /// Mean training loss over the last (up to) 50 steps.
    pub train_loss: f64,
    /// Held-out scores of the kept model.
    pub heldout: Option<LmScores>,
    /// Input tokens per second of training (evaluations excluded).
    pub tokens_per_s: f64,
    /// Why training stopped early, if it did.
    pub stopped: Option<String>,
}

/// Why the loop could not run.
#[derive(Debug, thiserror::Error)]
pub enum PretrainError {
    /// The device failed (lost GPU, out of memory).
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// Too little text.
    #[error("the corpus has {0} training tokens; it needs at least 2")]
    TooShort(usize),
    /// Masked-LM without a mask token.
    #[error("the vocabulary has no mask token ([MASK] or <mask>), which masked-LM needs")]
    NoMaskToken,
}

/// The token ids the loop needs besides the corpus.
#[derive(Debug, Clone)]
pub struct Specials {
    /// How blocks become inputs.
    pub framing: Framing,
    /// `[MASK]` (masked-LM only).
    pub mask_id: Option<u32>,
    /// Padding.
    pub pad_id: u32,
    /// Ids never masked.
    pub special_ids: Vec<u32>,
    /// Vocabulary size (random replacements).
    pub vocab_size: usize,
}

/// One batch on the device: inputs and the rows to predict.
pub struct LmBatch {
    /// Inputs.
    pub tensors: BatchTensors,
    /// Flattened indices (`row * seq + column`) of the predicted tokens.
    pub positions: Tensor<1, Int>,
    /// What should be predicted there.
    pub targets: Tensor<1, Int>,
    /// Number of predicted tokens.
    pub predicted: usize,
}

/// Frames, masks or shifts, and pads blocks into a batch on `device`.
pub fn lm_batch(blocks: &[&[u32]], specials: &Specials, rng: &mut Rng, device: &Device) -> LmBatch {
    let framed: Vec<Vec<u32>> = blocks.iter().map(|b| specials.framing.frame(b)).collect();
    let seq = framed.iter().map(Vec::len).max().unwrap_or(1);
    let (mut ids, mut attention) = (Vec::new(), Vec::new());
    let (mut positions, mut targets) = (Vec::new(), Vec::new());
    for (row, input) in framed.iter().enumerate() {
        let input = match (specials.framing.objective, specials.mask_id) {
            (Objective::Mlm, Some(mask_id)) => {
                let m = mask(
                    input,
                    rng,
                    mask_id,
                    specials.vocab_size,
                    &specials.special_ids,
                );
                positions.extend(m.positions.iter().map(|&i| (row * seq + i) as i64));
                targets.extend(m.targets.iter().map(|&t| t as i64));
                m.input_ids
            }
            _ => {
                positions.extend((0..input.len() - 1).map(|i| (row * seq + i) as i64));
                targets.extend(input[1..].iter().map(|&t| t as i64));
                input.clone()
            }
        };
        ids.extend(input.iter().map(|&t| t as i64));
        attention.extend(std::iter::repeat_n(1i64, input.len()));
        ids.extend(std::iter::repeat_n(
            specials.pad_id as i64,
            seq - input.len(),
        ));
        attention.extend(std::iter::repeat_n(0i64, seq - input.len()));
    }
    let shape = [framed.len(), seq];
    let predicted = positions.len();
    let int1 = |v: Vec<i64>| {
        let n = v.len();
        Tensor::<1, Int>::from_data(TensorData::new(v, [n]), device)
    };
    LmBatch {
        tensors: BatchTensors {
            input_ids: Tensor::from_data(TensorData::new(ids, shape), device),
            attention_mask: Tensor::from_data(TensorData::new(attention, shape), device),
            token_type_ids: Tensor::zeros(shape, device),
        },
        positions: int1(positions),
        targets: int1(targets),
        predicted,
    }
}

/// Non-overlapping blocks of the held-out tail, at most `max` of them.
fn heldout_blocks(heldout: &[u32], content: usize, max: usize) -> Vec<&[u32]> {
    heldout
        .chunks(content)
        .filter(|c| c.len() >= 2)
        .take(max)
        .collect()
}

/// Scores `model` on held-out blocks; the masks come from `seed`, so they are the same at
/// every evaluation of a run.
///
/// Sync point: one readback per batch (loss sum and correct count together).
pub async fn score(
    model: &BertLm,
    blocks: &[&[u32]],
    specials: &Specials,
    batch_size: usize,
    seed: u64,
) -> Result<Option<LmScores>, ReadbackError> {
    let device = model.bias.val().device();
    let mut rng = Rng::new(seed);
    let (mut loss_sum, mut correct, mut predicted) = (0.0, 0.0, 0usize);
    for chunk in blocks.chunks(batch_size.max(1)) {
        let batch = lm_batch(chunk, specials, &mut rng, &device);
        if batch.predicted == 0 {
            continue;
        }
        let (loss, logits) = model.loss(&batch.tensors, batch.positions, batch.targets.clone());
        let [rows, _] = logits.dims();
        let right = logits
            .argmax(1)
            .reshape([rows])
            .equal(batch.targets)
            .float()
            .sum();
        let n = batch.predicted as f64;
        let both = Tensor::cat(vec![loss * n, right], 0);
        let v = read_f32(both).await?;
        loss_sum += v[0] as f64;
        correct += v[1] as f64;
        predicted += batch.predicted;
    }
    Ok((predicted > 0).then(|| {
        let loss = loss_sum / predicted as f64;
        LmScores {
            loss,
            perplexity: loss.exp(),
            accuracy: correct / predicted as f64,
            predicted,
        }
    }))
}

/// Pre-trains `model` (on an autodiff device) on `corpus`, steered by `control`.
pub async fn pretrain(
    mut model: BertLm,
    corpus: &Corpus,
    specials: &Specials,
    settings: &PretrainSettings,
    on_event: &mut dyn FnMut(LmEvent),
    control: &mut dyn Control<BertLm>,
) -> Result<LmOutcome, PretrainError> {
    if corpus.train.len() < 2 {
        return Err(PretrainError::TooShort(corpus.train.len()));
    }
    if specials.framing.objective == Objective::Mlm && specials.mask_id.is_none() {
        return Err(PretrainError::NoMaskToken);
    }
    let device = model.bias.val().device();
    let content = specials.framing.content(settings.seq_len);
    let heldout = heldout_blocks(
        &corpus.heldout,
        content,
        settings.eval_batches * settings.batch_size.max(1),
    );
    let eval_seed = settings.seed ^ 0x5EED_E7A1;
    let total = settings.steps;
    let warmup = schedule::warmup_steps(total, settings.warmup_ratio);
    on_event(LmEvent::Started {
        total_steps: total,
        train_tokens: corpus.train.len(),
        heldout_tokens: corpus.heldout.len(),
    });

    let mut optim = optimizer(settings.weight_decay);
    let mut rng = Rng::new(settings.seed);
    // The CPU dropout stream (model/dropout.rs); on GPUs dropout draws from the device's seed.
    crate::model::dropout::seed(settings.seed);
    let mut best: Option<(usize, LmScores, BertLm)> = None;
    let mut recent: std::collections::VecDeque<f64> = Default::default();
    let (mut step, mut tokens) = (0usize, 0usize);
    let mut training_s = 0.0; // steps only, evaluations excluded
    let started = Instant::now();
    let mut stopped = None;

    loop {
        let evaluate_now =
            step == 0 || step == total || step.is_multiple_of(settings.eval_every.max(1));
        if evaluate_now && !heldout.is_empty() {
            let valid = model.valid();
            if let Some(scores) =
                score(&valid, &heldout, specials, settings.batch_size, eval_seed).await?
            {
                let improved = best.as_ref().is_none_or(|(_, s, _)| scores.loss < s.loss);
                // Probes first, so that the event can carry what they found.
                control.evaluated(step, &valid).await;
                on_event(LmEvent::Evaluated {
                    step,
                    scores,
                    best: improved,
                });
                if improved {
                    control.new_best(step, &valid).await;
                    best = Some((step, scores, valid));
                }
            }
        }
        if step == total {
            break;
        }
        if !control.proceed().await {
            stopped = Some("stopped by request".to_string());
            break;
        }
        let step_start = Instant::now();
        let span = content.min(corpus.train.len());
        let blocks: Vec<&[u32]> = (0..settings.batch_size.max(1))
            .map(|_| {
                let start = rng.below(corpus.train.len() - span + 1);
                &corpus.train[start..start + span]
            })
            .collect();
        let batch = lm_batch(&blocks, specials, &mut rng, &device);
        let lr = schedule::learning_rate(step, total, warmup, settings.lr);
        let before = model.clone();
        let (loss, _) = model.loss(&batch.tensors, batch.positions, batch.targets);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let grads = clip_global_norm(grads, &model, MAX_GRAD_NORM);
        model = optim.step(lr, model, grads);
        // Sync point: the loss of this step, to report it and catch divergence.
        let loss = read_f32(loss.detach()).await?[0] as f64;
        if !loss.is_finite() {
            stopped = Some(format!(
                "the loss became {loss} at step {}; training stopped and the last good weights \
                 were kept. Try a lower learning rate.",
                step + 1
            ));
            model = before;
            break;
        }
        step += 1;
        training_s += step_start.elapsed().as_secs_f64();
        tokens += batch.tensors.input_ids.dims().iter().product::<usize>();
        recent.push_back(loss);
        if recent.len() > 50 {
            recent.pop_front();
        }
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        on_event(LmEvent::Step {
            step,
            total_steps: total,
            loss,
            lr,
            tokens_per_s: tokens as f64 / training_s.max(1e-9),
            step_s: step_start.elapsed().as_secs_f64(),
            eta_s: elapsed / step as f64 * (total - step) as f64,
        });
    }
    if let Some(reason) = &stopped {
        on_event(LmEvent::Stopped {
            reason: reason.clone(),
        });
    }
    let tokens_per_s = tokens as f64 / training_s.max(1e-9);
    let train_loss = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
    let (model, best_step, heldout) = match best {
        Some((s, scores, m)) => (m, s, Some(scores)),
        None => (model.valid(), step, None),
    };
    Ok(LmOutcome {
        model,
        steps: step,
        best_step,
        train_loss,
        heldout,
        tokens_per_s,
        stopped,
    })
}

/// A [`Control`] that never pauses and keeps nothing: the command line's.
pub struct RunToEnd;

impl Control<BertLm> for RunToEnd {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(async { true })
    }
}

impl Control<crate::model::BertClassifier> for RunToEnd {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(async { true })
    }
}
