//! How much memory a run will need, shown before it starts (Model panel).

use super::views::ModelInfo;

/// Bytes of GPU memory training needs, roughly: weights, gradients and AdamW's two moments
/// (4 copies of f32 parameters) plus the activations autodiff keeps for the backward pass.
pub fn training_memory_bytes(model: &ModelInfo, batch: usize, seq: usize) -> u64 {
    let (b, s, h) = (batch as u64, seq as u64, model.hidden as u64);
    let (heads, ff) = (model.heads as u64, model.intermediate as u64);
    // Per layer: ~10 hidden-sized tensors (projections, residuals, norms, dropout masks),
    // 2 feed-forward-sized ones, and 3 attention score tensors (scores, softmax, dropout).
    let per_layer = b * s * (10 * h + 2 * ff) + 3 * b * heads * s * s;
    let embeddings = 4 * b * s * h;
    4 * (4 * model.parameters + per_layer * model.layers as u64 + embeddings)
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
        let small = training_memory_bytes(&minilm, 16, 64);
        assert!(small > 4 * 4 * 22_700_000);
        assert!(training_memory_bytes(&minilm, 32, 64) > small);
        assert!(training_memory_bytes(&minilm, 16, 128) > small);
        // MiniLM at 16 x 64 needs a few hundred MB, not GBs.
        assert!(small < 1_000_000_000, "{small}");
    }
}
