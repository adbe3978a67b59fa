//! BERT's input embeddings: word + position + token type, then LayerNorm and dropout.
//!
//! Mirrors `BertEmbeddings` in Hugging Face `transformers/models/bert/modeling_bert.py`.

use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig};
use burn::prelude::*;

use super::config::BertConfig;
use super::dropout::Dropout;

/// The sum of three embedding tables, normalised.
#[derive(Module, Debug)]
pub struct BertEmbeddings {
    /// `[vocab_size, hidden]`.
    pub word_embeddings: Embedding,
    /// `[max_position_embeddings, hidden]`; absolute positions from 0.
    pub position_embeddings: Embedding,
    /// `[type_vocab_size, hidden]`.
    pub token_type_embeddings: Embedding,
    /// Hugging Face calls it `LayerNorm`.
    pub layer_norm: LayerNorm,
    /// `hidden_dropout_prob`.
    pub dropout: Dropout,
}

impl BertEmbeddings {
    /// Random weights as Hugging Face initialises them: normal(0, initializer_range).
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        let table = |rows: usize| {
            EmbeddingConfig::new(rows, config.hidden_size)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: config.initializer_range,
                })
                .init(device)
        };
        Self {
            word_embeddings: table(config.vocab_size),
            position_embeddings: table(config.max_position_embeddings),
            token_type_embeddings: table(config.type_vocab_size),
            layer_norm: LayerNormConfig::new(config.hidden_size)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: Dropout::new(config.hidden_dropout_prob),
        }
    }

    /// # Shapes
    /// - `input_ids`, `token_type_ids`: `[batch, seq]`
    /// - output: `[batch, seq, hidden]`
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [_, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device).unsqueeze::<2>(); // [1, seq]
        let x = self.word_embeddings.forward(input_ids)
            + self.position_embeddings.forward(positions) // [1, seq, hidden], broadcast over batch
            + self.token_type_embeddings.forward(token_type_ids);
        self.dropout.forward(self.layer_norm.forward(x))
    }
}
