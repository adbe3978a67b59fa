//! The encoder with its optional pooler, equal to Hugging Face `BertModel` (and to
//! `DistilBertModel`, `RobertaModel`, `XLMRobertaModel`, `ElectraModel`: the same layers; the
//! embeddings carry the families' differences, and only BERT has a pooler).

use burn::nn::Linear;
use burn::prelude::*;

use super::activation::tanh;
use super::config::{BertConfig, Family};
use super::embeddings::BertEmbeddings;
use super::encoder::{BertLayer, dense};

/// Added to attention scores at padding positions; exp() of it is exactly 0 in f32.
const MASKED: f64 = -1e30;

/// Embeddings, a stack of encoder layers, and the `[CLS]` pooler.
#[derive(Module, Debug)]
pub struct BertModel {
    /// Input embeddings.
    pub embeddings: BertEmbeddings,
    /// `encoder.layer.{i}`.
    pub layers: Vec<BertLayer>,
    /// `pooler.dense`, followed by tanh; absent in token-classification models.
    pub pooler: Option<Linear>,
    /// Causal attention (`is_decoder`): position i attends to positions 0..=i only.
    #[module(skip)]
    pub causal: bool,
    /// The family, which names the tensors and picks the heads.
    #[module(skip)]
    pub family: Family,
}

/// What one forward pass of the encoder returns.
#[derive(Debug)]
pub struct BertOutput {
    /// `[batch, seq, hidden]`.
    pub last_hidden_state: Tensor<3>,
    /// `[batch, hidden]`: tanh(dense(hidden state of `[CLS]`)); `None` without a pooler.
    pub pooled: Option<Tensor<2>>,
    /// Attention probabilities of every layer, `[batch, heads, seq, seq]` each, when asked for.
    pub attentions: Vec<Tensor<4>>,
}

impl BertModel {
    /// Random weights as Hugging Face initialises them. Only BERT has a pooler, whatever
    /// `with_pooler` asks.
    pub fn init(config: &BertConfig, with_pooler: bool, device: &Device) -> Self {
        let family = config.family();
        Self {
            embeddings: BertEmbeddings::init(config, device),
            layers: (0..config.num_hidden_layers)
                .map(|_| BertLayer::init(config, device))
                .collect(),
            pooler: (with_pooler && family == Family::Bert).then(|| {
                dense(
                    config.hidden_size,
                    config.hidden_size,
                    config.initializer_range,
                    device,
                )
            }),
            causal: config.is_decoder,
            family,
        }
    }

    /// # Shapes
    /// - `input_ids`, `attention_mask` (1 = token, 0 = padding), `token_type_ids`: `[batch, seq]`
    pub fn forward(
        &self,
        input_ids: Tensor<2, Int>,
        attention_mask: Tensor<2, Int>,
        token_type_ids: Tensor<2, Int>,
        keep_attentions: bool,
    ) -> BertOutput {
        let [batch, seq] = input_ids.dims();
        let mask_bias = (attention_mask.float().neg() + 1.0) * MASKED; // [batch, seq]
        let mut mask_bias = mask_bias.reshape([batch, 1, 1, seq]);
        if self.causal {
            mask_bias = mask_bias + causal_bias(seq, &input_ids.device()); // [batch, 1, seq, seq]
        }

        let mut x = self.embeddings.forward(input_ids, token_type_ids);
        let mut attentions = Vec::new();
        for layer in &self.layers {
            let (next, probs) = layer.forward(x, mask_bias.clone());
            x = next;
            if keep_attentions {
                attentions.push(probs);
            }
        }
        let pooled = self.pooler.as_ref().map(|pooler| {
            let [_, _, hidden] = x.dims();
            let cls = x.clone().slice([0..batch, 0..1]).reshape([batch, hidden]);
            tanh(pooler.forward(cls))
        });
        BertOutput {
            last_hidden_state: x,
            pooled,
            attentions,
        }
    }
}

/// `[1, 1, seq, seq]`: 0 on and below the diagonal, [`MASKED`] above it (a query never sees
/// a later key), as the causal mask of Hugging Face's decoders.
fn causal_bias(seq: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..seq * seq)
        .map(|i| {
            if i % seq > i / seq {
                MASKED as f32
            } else {
                0.0
            }
        })
        .collect();
    Tensor::<2>::from_data(TensorData::new(values, [seq, seq]), device).reshape([1, 1, seq, seq])
}

/// Mean of the hidden states over real tokens, L2-normalised: the sentence-transformers recipe.
///
/// # Shapes
/// - `hidden`: `[batch, seq, hidden]`, `attention_mask`: `[batch, seq]`
/// - output: `[batch, hidden]`
pub fn mean_pool_normalized(hidden: Tensor<3>, attention_mask: Tensor<2, Int>) -> Tensor<2> {
    let [batch, seq, width] = hidden.dims();
    let mask = attention_mask.float().reshape([batch, seq, 1]);
    let summed = (hidden * mask.clone()).sum_dim(1).reshape([batch, width]);
    let counts = mask.sum_dim(1).reshape([batch, 1]).clamp_min(1e-9);
    let mean = summed / counts;
    let norm = mean.clone().square().sum_dim(1).sqrt().clamp_min(1e-12); // [batch, 1]
    mean / norm
}
