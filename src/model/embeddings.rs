//! An encoder's input embeddings: word + position (+ token type), then LayerNorm and dropout
//! (and, in ELECTRA, a projection up to the hidden width).
//!
//! Mirrors `BertEmbeddings` in Hugging Face `transformers/models/bert/modeling_bert.py`, with
//! the families' differences: DistilBERT has no token types, RoBERTa counts positions from
//! `padding_idx + 1` (`RobertaEmbeddings`), ELECTRA's tables are `embedding_size` wide and
//! `ElectraModel.embeddings_project` maps them to `hidden_size`.

use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;

use super::config::BertConfig;
use super::dropout::Dropout;
use super::encoder::dense;

/// The sum of the embedding tables, normalised.
#[derive(Module, Debug)]
pub struct BertEmbeddings {
    /// `[vocab_size, width]`.
    pub word_embeddings: Embedding,
    /// `[max_position_embeddings, width]`.
    pub position_embeddings: Embedding,
    /// `[type_vocab_size, width]`; `None` in DistilBERT.
    pub token_type_embeddings: Option<Embedding>,
    /// Hugging Face calls it `LayerNorm`.
    pub layer_norm: LayerNorm,
    /// `hidden_dropout_prob`.
    pub dropout: Dropout,
    /// `embeddings_project` (ELECTRA): width → hidden, when the two differ.
    pub project: Option<Linear>,
    /// RoBERTa's `padding_idx`: positions start after it and padding takes its row.
    #[module(skip)]
    pub padding_idx: Option<usize>,
    /// The padding token's id: its row of the word table learns nothing (PyTorch's
    /// `nn.Embedding(padding_idx=pad_token_id)`), nor does RoBERTa's padding position.
    #[module(skip)]
    pub pad_id: usize,
}

/// `x` with no gradient flowing back at the positions where `mask` is set.
///
/// # Shapes
/// - `x`: `[batch, seq, width]`, `mask`: `[batch, seq]`
fn no_gradient_at(x: Tensor<3>, mask: Tensor<2, Bool>) -> Tensor<3> {
    let mask = mask.unsqueeze_dim::<3>(2).expand(x.shape());
    x.clone().mask_where(mask, x.detach())
}

impl BertEmbeddings {
    /// Random weights as Hugging Face initialises them: normal(0, initializer_range).
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        let width = config.embedding_width();
        let family = config.family();
        let table = |rows: usize| {
            EmbeddingConfig::new(rows, width)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: config.initializer_range,
                })
                .init(device)
        };
        Self {
            word_embeddings: table(config.vocab_size),
            position_embeddings: table(config.max_position_embeddings),
            token_type_embeddings: family
                .has_token_types()
                .then(|| table(config.type_vocab_size)),
            layer_norm: LayerNormConfig::new(width)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(config.hidden_dropout_prob),
            project: (width != config.hidden_size)
                .then(|| dense(width, config.hidden_size, config.initializer_range, device)),
            padding_idx: family.offsets_positions().then_some(config.pad_token_id),
            pad_id: config.pad_token_id,
        }
    }

    /// # Shapes
    /// - `input_ids`, `token_type_ids`: `[batch, seq]`
    /// - output: `[batch, seq, hidden]`
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [_, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = match self.padding_idx {
            // [batch, seq]: padding_idx + 1, + 2, ... over real tokens, padding_idx at padding.
            Some(pad) => {
                let real = input_ids.clone().not_equal_elem(pad as i64).int();
                real.clone().cumsum(1) * real + pad as i64
            }
            // [1, seq], broadcast over the batch.
            None => Tensor::<1, Int>::arange(0..seq as i64, &device).unsqueeze::<2>(),
        };
        // Padding's own rows take no gradient, as in PyTorch. It matters where padding's
        // outputs reach the loss: a question-answering softmax runs over every position.
        // (Only while the table trains: no extra work for inference or a frozen table.)
        let pads = self
            .word_embeddings
            .weight
            .val()
            .is_require_grad()
            .then(|| input_ids.clone().equal_elem(self.pad_id as i64));
        let words = self.word_embeddings.forward(input_ids);
        let positions = self.position_embeddings.forward(positions);
        let mut x = match (pads, self.padding_idx) {
            (None, _) => words + positions,
            (Some(pads), Some(_)) => no_gradient_at(words + positions, pads),
            (Some(pads), None) => no_gradient_at(words, pads) + positions,
        };
        // A table of one row (RoBERTa, XLM-R) takes segment 0 whatever the tokenizer says
        // (transformers passes those models no segments).
        match &self.token_type_embeddings {
            Some(types) if types.weight.dims()[0] > 1 => x = x + types.forward(token_type_ids),
            Some(types) => x = x + types.forward(token_type_ids.zeros_like()),
            None => {}
        }
        let x = self.dropout.forward(self.layer_norm.forward(x));
        match &self.project {
            Some(project) => super::lora::as_rows(x, |x| project.forward(x)),
            None => x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(rows: &[&[i64]]) -> Tensor<2, Int> {
        let seq = rows[0].len();
        let flat: Vec<i64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), seq]), &Device::flex())
    }

    fn values(t: Tensor<3>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn embeddings(model_type: &str, pad: usize) -> BertEmbeddings {
        let mut config = BertConfig::tiny(20);
        config.model_type = Some(model_type.into());
        config.pad_token_id = pad;
        Device::flex().seed(3);
        BertEmbeddings::init(&config, &Device::flex())
    }

    #[test]
    fn shapes_and_the_electra_projection() {
        let e = embeddings("bert", 0);
        let x = e.forward(ids(&[&[2, 5, 3], &[2, 3, 0]]), ids(&[&[0; 3], &[0; 3]]));
        assert_eq!(x.dims(), [2, 3, 32]);
        let mut config = BertConfig::tiny(20);
        config.model_type = Some("electra".into());
        config.embedding_size = Some(16);
        let e = BertEmbeddings::init(&config, &Device::flex());
        assert_eq!(e.word_embeddings.weight.dims(), [20, 16]);
        let x = e.forward(ids(&[&[2, 5, 3]]), ids(&[&[0; 3]]));
        assert_eq!(x.dims(), [1, 3, 32]);
    }

    /// RoBERTa numbers positions over real tokens from `padding_idx + 1`, so padding on the left
    /// moves no token's position; BERT's positions are absolute, so it does.
    #[test]
    fn roberta_positions_skip_padding_and_bert_positions_do_not() {
        for (family, pad, same) in [("roberta", 1, true), ("bert", 0, false)] {
            let e = embeddings(family, pad);
            let p = pad as i64;
            let plain = values(e.forward(ids(&[&[7, 8, 9]]), ids(&[&[0; 3]])));
            let padded = values(e.forward(ids(&[&[p, 7, 8, 9]]), ids(&[&[0; 4]])));
            let diff = plain
                .iter()
                .zip(&padded[32..])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert_eq!(diff < 1e-6, same, "{family}: largest difference {diff}");
        }
    }
}
