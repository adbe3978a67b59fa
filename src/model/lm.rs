//! An encoder as a language model: the encoder and its head, equal to Hugging Face
//! `BertForMaskedLM` (bidirectional, masked tokens) and `BertLMHeadModel` with `is_decoder`
//! (causal attention, next tokens), and to the other families' `*ForMaskedLM` /
//! `*ForCausalLM`. All share one head: dense (to the embedding width) → activation →
//! LayerNorm → the word-embedding table transposed (tied, as `tie_word_embeddings`) + a bias.
//!
//! The loss takes the rows to predict as positions: only the ~15% masked tokens of a batch go
//! through the head (its vocabulary-wide matmul is most of a tiny model's compute). The
//! mean over those rows is exactly the loss Hugging Face computes over every row with the
//! others labelled -100.

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::activation::{gelu, gelu_tanh};
use super::bert::BertModel;
use super::config::{Activation, BertConfig, Family};
use super::encoder::dense;
use super::heads::{BatchTensors, cross_entropy};
use crate::shared::Objective;

impl Objective {
    /// The Hugging Face class that loads this objective's checkpoints of `family`.
    pub fn architecture(self, family: Family) -> String {
        match (self, family) {
            (Objective::Mlm, f) => format!("{}ForMaskedLM", f.class_prefix()),
            (Objective::Clm, Family::Bert) => "BertLMHeadModel".into(),
            (Objective::Clm, f) => format!("{}ForCausalLM", f.class_prefix()),
        }
    }
}

impl Family {
    /// Whether transformers has a class for the family's language model with `objective`
    /// (DistilBERT has no causal one).
    pub fn has_lm(self, objective: Objective) -> bool {
        objective == Objective::Mlm || self != Family::DistilBert
    }
}

/// The encoder and its language-model head.
#[derive(Module, Debug)]
pub struct BertLm {
    /// The encoder, without a pooler; causal exactly for [`Objective::Clm`].
    pub bert: BertModel,
    /// `cls.predictions.transform.dense`.
    pub transform: Linear,
    /// `cls.predictions.transform.LayerNorm`.
    pub transform_norm: LayerNorm,
    /// `cls.predictions.bias`: one per vocabulary entry.
    pub bias: Param<Tensor<1>>,
    /// Activation of the transform (`hidden_act`).
    #[module(skip)]
    pub activation: Activation,
}

impl BertLm {
    /// A new head over `bert`, initialised as Hugging Face does (normal dense, unit LayerNorm,
    /// zero bias). The encoder's attention is made causal for [`Objective::Clm`].
    pub fn new(mut bert: BertModel, config: &BertConfig, objective: Objective) -> Self {
        let device = bert.embeddings.word_embeddings.weight.val().device();
        bert.pooler = None;
        bert.causal = objective == Objective::Clm;
        let (h, width) = (config.hidden_size, config.embedding_width());
        let family = config.family();
        // RobertaLMHead and ElectraGeneratorPredictions apply GELU whatever `hidden_act` says;
        // DistilBERT's DistilBertForMaskedLM eps is fixed at 1e-12 (as its config here).
        let activation = match family {
            Family::Roberta | Family::XlmRoberta | Family::Electra => Activation::Gelu,
            Family::Bert | Family::DistilBert => config.activation().expect("validated config"),
        };
        Self {
            bert,
            transform: dense(h, width, config.initializer_range, &device),
            transform_norm: LayerNormConfig::new(width)
                .with_epsilon(config.layer_norm_eps)
                .init(&device),
            bias: Param::from_tensor(Tensor::zeros([config.vocab_size], &device)),
            activation,
        }
    }

    /// The objective the model is trained for.
    pub fn objective(&self) -> Objective {
        if self.bert.causal {
            Objective::Clm
        } else {
            Objective::Mlm
        }
    }

    /// Rows of the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.bias.val().dims()[0]
    }

    /// Hidden states of every token, `[batch * seq, hidden]`.
    pub fn hidden(&self, batch: &BatchTensors) -> Tensor<2> {
        let out = self.bert.forward(
            batch.input_ids.clone(),
            batch.attention_mask.clone(),
            batch.token_type_ids.clone(),
            false,
        );
        let [b, s, h] = out.last_hidden_state.dims();
        out.last_hidden_state.reshape([b * s, h])
    }

    /// Vocabulary logits for hidden-state rows.
    ///
    /// # Shapes
    /// - `hidden`: `[rows, hidden]`; output `[rows, vocab]`
    pub fn logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        let h = self.transform.forward(hidden);
        let h = match self.activation {
            Activation::Gelu => gelu(h),
            Activation::GeluTanh => gelu_tanh(h),
            Activation::Relu => relu(h),
        };
        let h = self.transform_norm.forward(h);
        let table = self.bert.embeddings.word_embeddings.weight.val(); // [vocab, hidden]
        h.matmul(table.transpose()) + self.bias.val().unsqueeze::<2>() // [rows, vocab]
    }

    /// Logits at some positions of the flattened batch (`row * seq + column`).
    ///
    /// # Shapes
    /// - `positions`: `[rows]`; output `[rows, vocab]`
    pub fn logits_at(&self, batch: &BatchTensors, positions: Tensor<1, Int>) -> Tensor<2> {
        self.logits(self.hidden(batch).select(0, positions))
    }

    /// Mean cross-entropy of `targets` at `positions`, and the logits there.
    ///
    /// # Shapes
    /// - `positions`, `targets`: `[rows]`; output `[1]` and `[rows, vocab]`
    pub fn loss(
        &self,
        batch: &BatchTensors,
        positions: Tensor<1, Int>,
        targets: Tensor<1, Int>,
    ) -> (Tensor<1>, Tensor<2>) {
        let logits = self.logits_at(batch, positions);
        (cross_entropy(logits.clone(), targets), logits)
    }
}

/// The rows a transformers language model scores, from its `labels` (`[batch][seq]`, -100 where
/// nothing is scored) as `BertLm::loss` takes them: flat positions `batch * seq + t` and their
/// targets. A masked model scores each labelled position; a causal model (`BertLMHeadModel`)
/// shifts, scoring position t by the label at t + 1.
pub fn hf_label_rows(labels: &[Vec<i64>], objective: Objective) -> (Vec<i64>, Vec<i64>) {
    let (mut positions, mut targets) = (Vec::new(), Vec::new());
    for (r, row) in labels.iter().enumerate() {
        for t in 0..row.len() {
            let target = match objective {
                Objective::Mlm => row[t],
                Objective::Clm => row
                    .get(t + 1)
                    .copied()
                    .unwrap_or(crate::shared::IGNORE_INDEX),
            };
            if target != crate::shared::IGNORE_INDEX {
                positions.push((r * row.len() + t) as i64);
                targets.push(target);
            }
        }
    }
    (positions, targets)
}
