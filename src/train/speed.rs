//! The speed test: median times of the encoder's forward pass and of a fine-tuning step on
//! random token ids, for `anneal bench` and the worker's speed test alike (the same code, so
//! the browser's numbers and the terminal's compare).
//!
//! Every timed run ends at a readback (a sync point), so the device's queued work is inside
//! the time, as it is for a person waiting for a prediction or for the next step.

use burn::prelude::*;
use web_time::Instant;

use super::{Control, optimizer, parallel, step_with};
use crate::checkpoint::{CheckpointError, load_classifier, load_encoder};
use crate::data::batch::Batch;
use crate::data::split::Rng;
use crate::forward::to_tensors;
use crate::model::{BertConfig, Task};
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::speed::{SpeedCase, Timing, Workload};
use crate::shared::{Adaptation, Adversarial};

/// Why a case could not be timed.
#[derive(Debug, thiserror::Error)]
pub enum SpeedError {
    /// The case does not fit the model.
    #[error("{0}")]
    Case(String),
    /// The checkpoint did not load.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// `Control::proceed` said stop.
    #[error("the speed test was cancelled")]
    Cancelled,
}

/// A batch of `batch` texts of `seq` random ids (every position attended), seeded.
fn random_batch(batch: usize, seq: usize, vocab: usize) -> Batch {
    let mut rng = Rng::new(0);
    let n = batch * seq;
    // Ids above the special tokens, as real text has.
    let low = 1000.min(vocab / 2);
    Batch {
        size: batch,
        seq,
        input_ids: (0..n)
            .map(|_| (low + rng.below(vocab - low)) as i64)
            .collect(),
        attention_mask: vec![1; n],
        labels: (0..batch).map(|_| rng.below(2) as i64).collect(),
        token_type_ids: Vec::new(),
    }
}

/// Times `case` with the checkpoint `weights` (its first `layers` layers, or all) on `device`
/// (the inference device; steps run on its autodiff twin, frozen or with LoRA adapters as
/// `adaptation` says, adversarially when `adversarial` says so). `control.proceed()` is awaited
/// before every run, so a browser worker answers messages between runs and can cancel.
pub async fn time_case(
    config: &BertConfig,
    weights: &[u8],
    layers: Option<usize>,
    case: SpeedCase,
    (adaptation, adversarial): (&Adaptation, Option<Adversarial>),
    device: &Device,
    control: &mut dyn Control,
) -> Result<Timing, SpeedError> {
    case.check(config.max_len()).map_err(SpeedError::Case)?;
    let batch = random_batch(case.batch, case.seq, config.vocab_size);
    let mut times = Vec::with_capacity(case.runs);
    match case.workload {
        Workload::Forward => {
            let (encoder, _, _) = load_encoder(config, weights, layers, device)?;
            let (tensors, _) = to_tensors(&batch, device);
            for i in 0..case.warmup + case.runs {
                if !control.proceed().await {
                    return Err(SpeedError::Cancelled);
                }
                let start = Instant::now();
                let out = encoder.forward(
                    tensors.input_ids.clone(),
                    tensors.attention_mask.clone(),
                    tensors.token_type_ids.clone(),
                    false,
                );
                // Sync point: the hidden states, as a caller would read them.
                read_f32(out.last_hidden_state).await?;
                if i >= case.warmup {
                    times.push(start.elapsed().as_secs_f64());
                }
            }
        }
        Workload::Step => {
            let device = device.clone().autodiff();
            let (model, kept, _) =
                load_classifier(config, weights, Task::Classify, 2, layers, &device)?;
            let mut model = model.adapted(adaptation);
            if let Some(peer) = control.peer()
                && let Err(why) = parallel::set_up(peer, &model, &kept, adaptation, 1).await
            {
                control.peer_failed(why);
            }
            let mut optim = optimizer(0.0);
            for i in 0..case.warmup + case.runs {
                if !control.proceed().await {
                    return Err(SpeedError::Cancelled);
                }
                let start = Instant::now();
                // Ends at a sync point: the loss, as the training loop reads it every step.
                let (next, _) =
                    step_with(model, &mut optim, &batch, (5e-5, 1.0), adversarial, control).await?;
                model = next;
                if i >= case.warmup {
                    times.push(start.elapsed().as_secs_f64());
                }
            }
        }
    }
    Ok(Timing::of(case, times))
}
