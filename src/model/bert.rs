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

#[cfg(test)]
mod tests {
    use super::*;

    fn model(causal: bool) -> BertModel {
        let mut config = BertConfig::tiny(20);
        config.is_decoder = causal;
        Device::flex().seed(5);
        BertModel::init(&config, true, &Device::flex())
    }

    fn ints(rows: &[&[i64]]) -> Tensor<2, Int> {
        let seq = rows[0].len();
        let flat: Vec<i64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), seq]), &Device::flex())
    }

    fn run(m: &BertModel, ids: &[&[i64]], mask: &[&[i64]]) -> BertOutput {
        let types = vec![vec![0i64; ids[0].len()]; ids.len()];
        let types: Vec<&[i64]> = types.iter().map(Vec::as_slice).collect();
        m.forward(ints(ids), ints(mask), ints(&types), true)
    }

    fn flat<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn shapes_of_the_states_the_pooler_and_the_attentions() {
        let out = run(
            &model(false),
            &[&[2, 5, 6, 3], &[2, 7, 3, 0]],
            &[&[1; 4], &[1, 1, 1, 0]],
        );
        assert_eq!(out.last_hidden_state.dims(), [2, 4, 32]);
        assert_eq!(out.pooled.unwrap().dims(), [2, 32]);
        assert_eq!(out.attentions.len(), 2);
        for a in out.attentions {
            assert_eq!(a.dims(), [2, 4, 4, 4]);
            for row in flat(a.sum_dim(3)) {
                assert!(
                    (row - 1.0).abs() < 1e-5,
                    "a row of probabilities sums to {row}"
                );
            }
        }
    }

    /// Padding gets no attention, so the real tokens' states are those of the text alone.
    #[test]
    fn padding_is_not_attended_and_changes_no_real_token() {
        let m = model(false);
        let alone = run(&m, &[&[2, 7, 3]], &[&[1, 1, 1]]);
        let padded = run(&m, &[&[2, 7, 3, 0, 0]], &[&[1, 1, 1, 0, 0]]);
        let alone_states = flat(alone.last_hidden_state);
        let padded_states = flat(padded.last_hidden_state.slice([0..1, 0..3]));
        let diff = largest_difference(&alone_states, &padded_states);
        assert!(diff < 1e-5, "largest difference {diff}");
        for a in padded.attentions {
            let to_padding = flat(a.slice([0..1, 0..4, 0..5, 3..5]));
            assert!(to_padding.iter().all(|&p| p == 0.0), "{to_padding:?}");
        }
    }

    /// With causal attention, nothing above the diagonal is attended, and a later token
    /// changes no earlier state.
    #[test]
    fn a_causal_model_never_looks_ahead() {
        let m = model(true);
        let a = run(&m, &[&[2, 7, 8, 9]], &[&[1; 4]]);
        let b = run(&m, &[&[2, 7, 8, 4]], &[&[1; 4]]);
        let early = |o: &BertOutput| flat(o.last_hidden_state.clone().slice([0..1, 0..3]));
        assert!(largest_difference(&early(&a), &early(&b)) < 1e-5);
        let last = |o: &BertOutput| flat(o.last_hidden_state.clone().slice([0..1, 3..4]));
        assert!(
            largest_difference(&last(&a), &last(&b)) > 1e-3,
            "the last token changed"
        );
        for probs in a.attentions {
            let p = flat(probs); // [1, heads, 4, 4]
            for (i, v) in p.iter().enumerate() {
                let (query, key) = ((i / 4) % 4, i % 4);
                if key > query {
                    assert_eq!(*v, 0.0, "query {query} attends to later key {key}");
                }
            }
        }
        // Not causal: the first token does see the last.
        let m = model(false);
        let a = run(&m, &[&[2, 7, 8, 9]], &[&[1; 4]]);
        let b = run(&m, &[&[2, 7, 8, 4]], &[&[1; 4]]);
        assert!(largest_difference(&early(&a), &early(&b)) > 1e-4);
    }

    #[test]
    fn mean_pooling_skips_padding_and_has_unit_length() {
        let hidden = Tensor::<3>::from_data(
            TensorData::new(vec![3.0f32, 0.0, 1.0, 0.0, 100.0, 100.0], [1, 3, 2]),
            &Device::flex(),
        );
        let pooled = flat(mean_pool_normalized(hidden, ints(&[&[1, 1, 0]])));
        // mean of (3, 0) and (1, 0) is (2, 0); the padded (100, 100) is left out.
        assert!(
            largest_difference(&pooled, &[1.0, 0.0]) < 1e-6,
            "{pooled:?}"
        );
    }
}
