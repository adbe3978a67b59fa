//! How much memory a run will need, shown before it starts (Model panel), and whether it fits
//! what the device can hold: a run that would not is stopped before its first step, with the
//! settings that would fit (the worker's Train handler; the Model panel warns as well).

use std::fmt;

use super::views::{Backend, BackendInfo, ModelInfo};
use crate::shared::{Adaptation, LoraSettings, LoraTargets, layer_parameters};

/// Parameters that train under `a` (they alone get gradients and AdamW's two moments), of an
/// encoder of `model.parameters` (its pooler included). The head (up to `h x h` plus a few
/// labels) trains in every case.
pub fn trainable_parameters(model: &ModelInfo, a: &Adaptation) -> u64 {
    let (h, ff, layers) = (
        model.hidden as u64,
        model.intermediate as u64,
        model.layers as u64,
    );
    let per_layer = layer_parameters(h as usize, ff as usize) as u64;
    let head = h * h + 4 * h;
    if let Some(l) = a.lora {
        let r = l.rank as u64;
        let per_layer = match l.targets {
            LoraTargets::QueryValue => 2 * r * (h + h),
            LoraTargets::AllLinear => 4 * r * (h + h) + 2 * r * (h + ff),
        };
        return layers * per_layer + head;
    }
    // The encoder's count includes the pooler, and the classifier is a few thousand more.
    let body = model.parameters.saturating_sub(layers * per_layer + head);
    let frozen_embeddings = if a.freeze_embeddings { body } else { 0 };
    let frozen_layers = (a.freeze_layers as u64).min(layers) * per_layer;
    model
        .parameters
        .saturating_sub(frozen_embeddings + frozen_layers)
}

/// Bytes of GPU memory training needs, roughly: the weights (f32), for each trained parameter
/// its gradient and AdamW's two moments, plus the activations autodiff keeps for the backward
/// pass. Layers below everything that trains keep none (nothing flows back into them), but
/// their forward pass holds one layer's activations at a time.
pub fn training_memory_bytes(model: &ModelInfo, batch: usize, seq: usize, a: &Adaptation) -> u64 {
    let (b, s, h) = (batch as u64, seq as u64, model.hidden as u64);
    let (heads, ff) = (model.heads as u64, model.intermediate as u64);
    // Per layer: ~10 hidden-sized tensors (projections, residuals, norms, dropout masks),
    // 2 feed-forward-sized ones, and 3 attention score tensors (scores, softmax, dropout).
    let per_layer = b * s * (10 * h + 2 * ff) + 3 * b * heads * s * s;
    let (kept_layers, embeddings) = if a.lora.is_none() && a.freeze_embeddings {
        let frozen = a.freeze_layers.min(model.layers);
        ((model.layers - frozen + usize::from(frozen > 0)) as u64, 0)
    } else {
        (model.layers as u64, 4 * b * s * h)
    };
    let states = model.parameters + 3 * trainable_parameters(model, a);
    4 * (states + per_layer * kept_layers + embeddings)
}

/// What a device can hold, as far as the browser says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceLimits {
    /// The largest single tensor, in bytes: on WebGPU every tensor is one buffer and one
    /// storage binding.
    pub largest_tensor: Option<u64>,
    /// All the memory a run may use, in bytes: WebAssembly's 4 GiB address space on the
    /// browser's CPU path. WebGPU does not say how much memory a GPU has.
    pub memory: Option<u64>,
}

/// WebAssembly (wasm32) can address 4 GiB, the worker's code and data included.
pub const WASM_MEMORY: u64 = 4 << 30;

/// The CPU path's peak over [`training_memory_bytes`]: temporaries of the backward pass, the
/// allocator's slack, the code, the model's files. Measured in the browser's worker (MiniLM
/// at 16 x 128: full fine-tuning 1,367 MB against an estimate of 942, LoRA 984 against 673,
/// frozen embeddings and 3 layers 814 against 533: 1.45-1.53; BENCHMARKS.md).
const CPU_PEAK_OVER_ESTIMATE: f64 = 1.6;

impl DeviceLimits {
    /// The limits of the backend the worker runs on.
    pub fn of(backend: &BackendInfo) -> Self {
        match backend.kind {
            Backend::WebGpu => {
                let limit = backend.max_storage_binding.min(backend.max_buffer_size);
                Self {
                    largest_tensor: (limit > 0).then_some(limit),
                    memory: None,
                }
            }
            Backend::Cpu => Self {
                largest_tensor: None,
                memory: Some(WASM_MEMORY),
            },
        }
    }
}

/// The largest tensor a training step makes that grows with the batch, in bytes, and what it
/// is: the attention scores (`batch x heads x seq x seq`) or the feed-forward activations
/// (`batch x seq x intermediate`). The weights' largest was checked when the model loaded.
pub fn largest_activation(model: &ModelInfo, batch: usize, seq: usize) -> (&'static str, u64) {
    let (b, s) = (batch as u64, seq as u64);
    let scores = b * model.heads as u64 * s * s;
    let feed_forward = b * s * model.intermediate as u64;
    if scores >= feed_forward {
        ("the attention scores of a batch", 4 * scores)
    } else {
        ("the feed-forward activations of a batch", 4 * feed_forward)
    }
}

/// Why a run would not fit the device, and settings that would.
#[derive(Debug, Clone, PartialEq)]
pub struct DoesNotFit {
    /// What is too large, with both sizes.
    pub reason: String,
    /// Changes that fit, the smallest change first (empty when none does).
    pub would_fit: Vec<String>,
}

impl fmt::Display for DoesNotFit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)?;
        match self.would_fit.as_slice() {
            [] => write!(
                f,
                "; no batch size, length or LoRA setting fits: use a smaller model or another \
                 backend"
            ),
            fits => write!(f, "; this would fit: {}", fits.join("; or ")),
        }
    }
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

/// Why a run of `model` at `batch x seq` training `a` would not fit `limits`, or `None` when
/// it fits.
fn too_large(
    model: &ModelInfo,
    batch: usize,
    seq: usize,
    a: &Adaptation,
    limits: DeviceLimits,
) -> Option<String> {
    if let Some(limit) = limits.largest_tensor {
        let (what, bytes) = largest_activation(model, batch, seq);
        if bytes > limit {
            return Some(format!(
                "{what} at batch {batch} x {seq} tokens would be {}, more than this GPU's \
                 largest buffer ({})",
                gigabytes(bytes),
                gigabytes(limit)
            ));
        }
    }
    if let Some(memory) = limits.memory {
        let peak = training_memory_bytes(model, batch, seq, a) as f64 * CPU_PEAK_OVER_ESTIMATE;
        if peak > memory as f64 {
            return Some(format!(
                "training at batch {batch} x {seq} tokens needs about {} at its peak, more \
                 than the {} WebAssembly can address",
                gigabytes(peak as u64),
                gigabytes(memory)
            ));
        }
    }
    None
}

/// Checks a fine-tuning run against the device's limits before it starts: `Err` says what is
/// too large and lists settings that fit (a smaller batch; shorter inputs; LoRA at this batch,
/// or at a smaller one larger than the plain run's), the smallest change first.
pub fn check_fit(
    model: &ModelInfo,
    batch: usize,
    seq: usize,
    a: &Adaptation,
    limits: DeviceLimits,
) -> Result<(), DoesNotFit> {
    let Some(reason) = too_large(model, batch, seq, a, limits) else {
        return Ok(());
    };
    let fits = |b: usize, s: usize, a: &Adaptation| too_large(model, b, s, a, limits).is_none();
    // The largest of halvings of `from` (down to `floor`) that fits.
    let halving = |from: usize, floor: usize, ok: &dyn Fn(usize) -> bool| {
        std::iter::successors(Some(from / 2), |&n| (n / 2 >= floor).then_some(n / 2))
            .take_while(|&n| n >= floor)
            .find(|&n| ok(n))
    };
    let mut would_fit = Vec::new();
    let smaller_batch = halving(batch, 1, &|b| fits(b, seq, a));
    if let Some(b) = smaller_batch {
        would_fit.push(format!("batch size {b}"));
    }
    if let Some(s) = halving(seq, crate::shared::MIN_MAX_LEN, &|s| fits(batch, s, a)) {
        would_fit.push(format!("maximum length {s}"));
    }
    if a.lora.is_none() {
        let lora = Adaptation {
            lora: Some(LoraSettings::DEFAULT),
            ..Adaptation::FULL
        };
        if fits(batch, seq, &lora) {
            would_fit.push(format!("LoRA (rank {})", LoraSettings::DEFAULT.rank));
        } else if let Some(b) = halving(batch, 1, &|b| fits(b, seq, &lora))
            && smaller_batch.is_none_or(|plain| b > plain)
        {
            // Only where LoRA allows a larger batch than the plain run does.
            would_fit.push(format!(
                "LoRA (rank {}) at batch size {b}",
                LoraSettings::DEFAULT.rank
            ));
        }
    }
    Err(DoesNotFit { reason, would_fit })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bert-base-uncased: 12 x 768, 109.5 M parameters (transformers' count).
    fn bert_base() -> ModelInfo {
        ModelInfo {
            layers: 12,
            hidden: 768,
            heads: 12,
            intermediate: 3072,
            parameters: 109_482_240,
            ..Default::default()
        }
    }

    #[test]
    fn a_run_too_large_for_the_device_is_refused_with_settings_that_fit() {
        let base = bert_base();
        let full = Adaptation::FULL;
        let cpu = DeviceLimits::of(&BackendInfo::default());
        assert_eq!(cpu.memory, Some(WASM_MEMORY));
        // Fits: a small batch of short texts.
        assert_eq!(check_fit(&base, 8, 64, &full, cpu), Ok(()));
        // Full fine-tuning at 32 x 256 needs far more than 4 GiB in WebAssembly.
        let err = check_fit(&base, 32, 256, &full, cpu).unwrap_err();
        assert!(err.reason.contains("WebAssembly"), "{err}");
        assert!(!err.would_fit.is_empty(), "{err}");
        // Every suggestion is a real fit, and the batch one is the largest halving that fits.
        let b: usize = err.would_fit[0]
            .strip_prefix("batch size ")
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| panic!("{err}"));
        assert!(check_fit(&base, b, 256, &full, cpu).is_ok());
        assert!(check_fit(&base, 2 * b, 256, &full, cpu).is_err());
        assert!(
            err.to_string().contains("this would fit: batch size"),
            "{err}"
        );

        // WebGPU's default binding (128 MiB): scores of 32 x 12 heads x 512² are 400 MB.
        let gpu = DeviceLimits {
            largest_tensor: Some(128 << 20),
            memory: None,
        };
        let err = check_fit(&base, 32, 512, &full, gpu).unwrap_err();
        assert!(err.reason.contains("attention scores"), "{err}");
        // Halving the batch twice (8 x 12 x 512² x 4 = 100 MB) fits; LoRA does not shrink
        // activations, so it would fit only at that batch as well and is not offered.
        assert_eq!(err.would_fit, ["batch size 8", "maximum length 256"]);
        // A limit no setting meets says so.
        let tiny = DeviceLimits {
            largest_tensor: Some(1),
            memory: None,
        };
        let err = check_fit(&base, 1, 16, &full, tiny).unwrap_err();
        assert!(err.would_fit.is_empty() && err.to_string().contains("smaller model"));
        // On the CPU path at 16 x 128, full fine-tuning needs ~5.7 GB at its peak; LoRA keeps
        // no gradients or moments for the encoder (~3.7 GB) and is offered at the same batch.
        let err = check_fit(&base, 16, 128, &full, cpu).unwrap_err();
        assert!(
            err.would_fit.contains(&"LoRA (rank 8)".to_string()),
            "{err}"
        );
        let lora = Adaptation {
            lora: Some(LoraSettings::DEFAULT),
            ..full
        };
        assert_eq!(check_fit(&base, 16, 128, &lora, cpu), Ok(()));
    }

    #[test]
    fn memory_estimate_grows_with_batch_and_length() {
        let minilm = ModelInfo {
            layers: 6,
            hidden: 384,
            heads: 12,
            intermediate: 1536,
            parameters: 22_700_000,
            ..Default::default()
        };
        let full = Adaptation::FULL;
        let small = training_memory_bytes(&minilm, 16, 64, &full);
        assert!(small > 4 * 4 * 22_700_000);
        assert!(training_memory_bytes(&minilm, 32, 64, &full) > small);
        assert!(training_memory_bytes(&minilm, 16, 128, &full) > small);
        // MiniLM at 16 x 64 needs a few hundred MB, not GBs.
        assert!(small < 1_000_000_000, "{small}");
    }

    #[test]
    fn freezing_and_lora_need_less_and_count_what_trains() {
        let base = bert_base();
        let full = Adaptation::FULL;
        let lora = Adaptation {
            lora: Some(crate::shared::LoraSettings::DEFAULT),
            ..full
        };
        let frozen = Adaptation {
            freeze_embeddings: true,
            freeze_layers: 6,
            ..full
        };
        // PEFT's count for r=8 on query and value: 294,912 adapter weights.
        let adapters = trainable_parameters(&base, &lora) - (768 * 768 + 4 * 768);
        assert_eq!(adapters, 294_912);
        assert!(trainable_parameters(&base, &lora) * 100 < 5 * base.parameters);
        let frozen_count = trainable_parameters(&base, &frozen);
        assert!(frozen_count < base.parameters / 2, "{frozen_count}");
        assert_eq!(trainable_parameters(&base, &full), base.parameters);
        let bytes = |a| training_memory_bytes(&base, 16, 128, a);
        // LoRA saves the optimiser state (1.3 GB here) but keeps every layer's activations;
        // freezing the lower half with the embeddings saves both in part.
        let saved = bytes(&full) - bytes(&lora);
        assert!(saved > 1_200_000_000 && saved < 1_400_000_000, "{saved}");
        assert!(bytes(&frozen) < bytes(&full));
    }
}
