//! How much memory a run will need, shown before it starts (Model panel).

use super::views::ModelInfo;
use crate::shared::{Adaptation, LoraTargets, layer_parameters};

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
/// pass. Layers below everything that trains keep none (nothing flows back into them).
pub fn training_memory_bytes(model: &ModelInfo, batch: usize, seq: usize, a: &Adaptation) -> u64 {
    let (b, s, h) = (batch as u64, seq as u64, model.hidden as u64);
    let (heads, ff) = (model.heads as u64, model.intermediate as u64);
    // Per layer: ~10 hidden-sized tensors (projections, residuals, norms, dropout masks),
    // 2 feed-forward-sized ones, and 3 attention score tensors (scores, softmax, dropout).
    let per_layer = b * s * (10 * h + 2 * ff) + 3 * b * heads * s * s;
    let (kept_layers, embeddings) = if a.lora.is_none() && a.freeze_embeddings {
        let frozen = a.freeze_layers.min(model.layers);
        ((model.layers - frozen) as u64, 0)
    } else {
        (model.layers as u64, 4 * b * s * h)
    };
    let states = model.parameters + 3 * trainable_parameters(model, a);
    4 * (states + per_layer * kept_layers + embeddings)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // bert-base-uncased: 12 x 768, 109.5 M parameters (transformers' count).
        let base = ModelInfo {
            layers: 12,
            hidden: 768,
            heads: 12,
            intermediate: 3072,
            parameters: 109_482_240,
            ..Default::default()
        };
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
