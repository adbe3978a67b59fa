//! BERT's encoder: a stack of post-LayerNorm transformer layers.
//!
//! Mirrors `BertSelfAttention`, `BertSelfOutput`, `BertIntermediate`, `BertOutput` and
//! `BertLayer` in Hugging Face `transformers/models/bert/modeling_bert.py` (eager attention).
//! Attention is written out rather than fused so that dropout applies to the attention
//! probabilities during training, as in PyTorch, and so the probabilities can be shown.

use burn::module::Param;
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};

use super::activation::{gelu, gelu_tanh};
use super::config::{Activation, BertConfig};
use super::dropout::Dropout;
use super::lora::{Lora, with_lora};

/// A dense layer initialised as Hugging Face does: normal(0, std) weights, zero bias.
pub(crate) fn dense(d_in: usize, d_out: usize, std: f64, device: &Device) -> Linear {
    LinearConfig::new(d_in, d_out)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device)
        .map_bias_to_zero()
}

trait ZeroBias {
    fn map_bias_to_zero(self) -> Self;
}

impl ZeroBias for Linear {
    fn map_bias_to_zero(mut self) -> Self {
        // A new parameter, not `Param::map`: a mapped value from `zeros_like` records no
        // gradient, so a new head's bias would never train.
        self.bias = self.bias.map(|b| Param::from_tensor(b.val().zeros_like()));
        self
    }
}

/// Multi-head self-attention with its output projection and residual LayerNorm.
#[derive(Module, Debug)]
pub struct BertAttention {
    /// `attention.self.query`.
    pub query: Linear,
    /// `attention.self.key`.
    pub key: Linear,
    /// `attention.self.value`.
    pub value: Linear,
    /// `attention.output.dense`.
    pub output: Linear,
    /// `attention.output.LayerNorm`.
    pub layer_norm: LayerNorm,
    /// Dropout on the attention probabilities.
    pub attention_dropout: Dropout,
    /// Dropout on the projected output.
    pub dropout: Dropout,
    /// Number of heads.
    pub num_heads: usize,
    /// LoRA adapters of `query`, `key`, `value`, `output` ([`super::lora`]); none by default.
    pub lora_query: Option<Lora>,
    /// See `lora_query`.
    pub lora_key: Option<Lora>,
    /// See `lora_query`.
    pub lora_value: Option<Lora>,
    /// See `lora_query`.
    pub lora_output: Option<Lora>,
}

impl BertAttention {
    fn init(c: &BertConfig, device: &Device) -> Self {
        let h = c.hidden_size;
        let std = c.initializer_range;
        Self {
            query: dense(h, h, std, device),
            key: dense(h, h, std, device),
            value: dense(h, h, std, device),
            output: dense(h, h, std, device),
            layer_norm: LayerNormConfig::new(h)
                .with_epsilon(c.layer_norm_eps)
                .init(device),
            attention_dropout: Dropout::new(c.attention_probs_dropout_prob),
            dropout: Dropout::new(c.hidden_dropout_prob),
            num_heads: c.num_attention_heads,
            lora_query: None,
            lora_key: None,
            lora_value: None,
            lora_output: None,
        }
    }

    /// # Shapes
    /// - `x`: `[batch, seq, hidden]`
    /// - `mask_bias`: `[batch, 1, 1, seq]`, 0 where attended and a large negative number at padding
    /// - output: `[batch, seq, hidden]` and the probabilities `[batch, heads, seq, seq]`
    pub fn forward(&self, x: Tensor<3>, mask_bias: Tensor<4>) -> (Tensor<3>, Tensor<4>) {
        let [batch, seq, hidden] = x.dims();
        let head_dim = hidden / self.num_heads;
        let heads = |t: Tensor<3>| {
            t.reshape([batch, seq, self.num_heads, head_dim])
                .swap_dims(1, 2) // [batch, heads, seq, head_dim]
        };
        // `1 / √head_dim` scales the queries before the product rather than the scores after
        // it (PyTorch's `scaled_dot_product_attention` also scales first): seq / head_dim times
        // fewer multiplications (4 for MiniLM at 128 tokens).
        let scale = (head_dim as f64).sqrt().recip();
        let q = heads(with_lora(&self.query, &self.lora_query, x.clone()).mul_scalar(scale));
        let k = heads(with_lora(&self.key, &self.lora_key, x.clone()));
        let v = heads(with_lora(&self.value, &self.lora_value, x.clone()));

        let scores = q.matmul(k.swap_dims(2, 3)); // [batch, heads, seq, seq]
        let probs = softmax(scores + mask_bias, 3);
        let context = self.attention_dropout.forward(probs.clone()).matmul(v); // [batch, heads, seq, head_dim]
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);

        let out = self
            .dropout
            .forward(with_lora(&self.output, &self.lora_output, context));
        (self.layer_norm.forward(out + x), probs)
    }
}

/// One transformer layer: attention, then the feed-forward block, each with a residual.
#[derive(Module, Debug)]
pub struct BertLayer {
    /// Self-attention block.
    pub attention: BertAttention,
    /// `intermediate.dense`: hidden → intermediate.
    pub intermediate: Linear,
    /// `output.dense`: intermediate → hidden.
    pub output: Linear,
    /// `output.LayerNorm`.
    pub layer_norm: LayerNorm,
    /// Dropout after the feed-forward block.
    pub dropout: Dropout,
    /// Feed-forward activation.
    #[module(skip)]
    pub activation: Activation,
    /// LoRA adapters of `intermediate` and `output` ([`super::lora`]); none by default.
    pub lora_intermediate: Option<Lora>,
    /// See `lora_intermediate`.
    pub lora_output: Option<Lora>,
}

impl BertLayer {
    /// Random weights as Hugging Face initialises them.
    pub fn init(c: &BertConfig, device: &Device) -> Self {
        let std = c.initializer_range;
        Self {
            attention: BertAttention::init(c, device),
            intermediate: dense(c.hidden_size, c.intermediate_size, std, device),
            output: dense(c.intermediate_size, c.hidden_size, std, device),
            layer_norm: LayerNormConfig::new(c.hidden_size)
                .with_epsilon(c.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(c.hidden_dropout_prob),
            activation: c.activation().expect("validated config"),
            lora_intermediate: None,
            lora_output: None,
        }
    }

    /// The feed-forward block's activation, applied to `intermediate`'s output.
    pub fn activate<const D: usize>(&self, h: Tensor<D>) -> Tensor<D> {
        match self.activation {
            Activation::Gelu => gelu(h),
            Activation::GeluTanh => gelu_tanh(h),
            Activation::Relu => relu(h),
        }
    }

    /// # Shapes
    /// - `x`: `[batch, seq, hidden]`, `mask_bias`: `[batch, 1, 1, seq]`
    /// - output: `[batch, seq, hidden]` and attention probabilities `[batch, heads, seq, seq]`
    pub fn forward(&self, x: Tensor<3>, mask_bias: Tensor<4>) -> (Tensor<3>, Tensor<4>) {
        let (x, probs) = self.attention.forward(x, mask_bias);
        let h = with_lora(&self.intermediate, &self.lora_intermediate, x.clone());
        let h = self.activate(h);
        let h = self
            .dropout
            .forward(with_lora(&self.output, &self.lora_output, h));
        (self.layer_norm.forward(h + x), probs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attention_keeps_the_shape_and_a_masked_key_gets_nothing() {
        let config = BertConfig::tiny(20);
        let device = Device::flex();
        device.seed(9);
        let layer = BertLayer::init(&config, &device);
        let x = Tensor::<3>::random(
            [2, 5, 32],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        // Key 4 of the second text is padding.
        let mut bias = vec![0.0f32; 10];
        bias[9] = -1e30;
        let bias =
            Tensor::<2>::from_data(TensorData::new(bias, [2, 5]), &device).reshape([2, 1, 1, 5]);
        let (out, probs) = layer.forward(x, bias);
        assert_eq!(out.dims(), [2, 5, 32]);
        assert_eq!(probs.dims(), [2, 4, 5, 5]);
        let p = probs.into_data().try_to_vec::<f32>().unwrap();
        for (i, v) in p.iter().enumerate() {
            let (text, key) = (i / (4 * 5 * 5), i % 5);
            if text == 1 && key == 4 {
                assert_eq!(*v, 0.0);
            } else {
                assert!(*v > 0.0, "text {text} key {key}: {v}");
            }
        }
    }
}
