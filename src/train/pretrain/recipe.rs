//! The pre-training recipe, assembled once for the command line and the browser worker:
//! corpus text + a start (a loaded checkpoint, or a new architecture) + a vocabulary →
//! tokenizer, token streams, the special ids the loop needs, and the model on a device.

use burn::prelude::*;

use super::Specials;
use crate::checkpoint::folder::TokenizerFiles;
use crate::checkpoint::{CheckpointError, LoadReport, ModelFiles, load_lm};
use crate::data::corpus::{Corpus, Framing, tokenize_corpus};
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::data::vocab::train_vocabulary;
use crate::model::{BertConfig, BertLm, BertModel, Objective};
use crate::shared::{Architecture, Vocabulary};

/// Where the model's weights come from.
pub enum Start<'a> {
    /// Continue pre-training a checkpoint (its tokenizer, its weights; a new head if it has
    /// none).
    Checkpoint(&'a ModelFiles),
    /// A checkpoint's architecture and tokenizer with random weights (seeded by the caller on
    /// the device): pre-training it from scratch, as self-pre-training does.
    Reinitialised(&'a ModelFiles),
    /// Random initialisation of a new architecture, seeded by the caller on the device.
    Scratch {
        /// Layers, width, heads, context.
        architecture: Architecture,
        /// The vocabulary; [`Vocabulary::Model`] takes `tokenizer_of`'s.
        vocabulary: Vocabulary,
        /// A model whose tokenizer [`Vocabulary::Model`] uses.
        tokenizer_of: Option<&'a ModelFiles>,
        /// Dropout of the new model.
        dropout: f64,
    },
}

impl Start<'_> {
    /// The tokenizer's files for an export of a model pre-trained from this start (`plan` made
    /// from it): the checkpoint's own files where its tokenizer is used, else the plan's new
    /// vocabulary's.
    pub fn tokenizer_files(&self, plan: &LmPlan) -> Result<TokenizerFiles, String> {
        match self {
            Start::Checkpoint(files) | Start::Reinitialised(files) => files.tokenizer_files(),
            Start::Scratch {
                vocabulary: Vocabulary::Model,
                tokenizer_of: Some(files),
                ..
            } => files.tokenizer_files(),
            Start::Scratch { .. } => TokenizerFiles::of(&plan.tokenizer),
        }
    }
}

/// Why the recipe cannot be assembled.
#[derive(Debug, thiserror::Error)]
pub enum LmRecipeError {
    /// Training the vocabulary or tokenizing the corpus failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The checkpoint does not fit.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The architecture or vocabulary cannot work.
    #[error("{0}")]
    Invalid(String),
}

/// Everything a pre-training run needs.
pub struct LmPlan {
    /// The tokenizer (trained, or the model's).
    pub tokenizer: TextTokenizer,
    /// The corpus as ids.
    pub corpus: Corpus,
    /// Framing, mask and padding ids.
    pub specials: Specials,
    /// The model's config (as exported).
    pub config: BertConfig,
}

/// Tokenizes the corpus for `start` and `objective`.
pub fn plan(
    text: &str,
    start: &Start,
    objective: Objective,
    heldout_share: f64,
) -> Result<LmPlan, LmRecipeError> {
    let (tokenizer, config) = match start {
        Start::Checkpoint(files) | Start::Reinitialised(files) => {
            (files.tokenizer.clone(), files.config.clone())
        }
        Start::Scratch {
            architecture,
            vocabulary,
            tokenizer_of,
            dropout,
        } => {
            architecture.validate().map_err(LmRecipeError::Invalid)?;
            let tokenizer = match (vocabulary, tokenizer_of) {
                (Vocabulary::Model, Some(files)) => files.tokenizer.clone(),
                (Vocabulary::Model, None) => {
                    return Err(LmRecipeError::Invalid(
                        "the model's vocabulary was asked for but no model is loaded".into(),
                    ));
                }
                (kind, _) => {
                    // Lines with their line breaks: a character vocabulary must hold "\n".
                    let lines: Vec<&str> = text.split_inclusive('\n').collect();
                    train_vocabulary(*kind, &lines)?
                }
            };
            let config = scratch_config(
                architecture,
                tokenizer.vocab_size(),
                tokenizer.pad_id(),
                *dropout,
            );
            (tokenizer, config)
        }
    };
    let corpus = tokenize_corpus(text, &tokenizer, heldout_share)?;
    let specials = Specials {
        framing: Framing::new(&tokenizer, objective),
        mask_id: tokenizer.mask_id(),
        pad_id: tokenizer.pad_id(),
        special_ids: tokenizer.special_ids(),
        vocab_size: config.vocab_size,
    };
    if objective == Objective::Mlm && specials.mask_id.is_none() {
        return Err(LmRecipeError::Invalid(
            "this tokenizer has no mask token ([MASK] or <mask>): use next-token prediction, \
             or a new vocabulary"
                .into(),
        ));
    }
    Ok(LmPlan {
        tokenizer,
        corpus,
        specials,
        config,
    })
}

/// A BERT config for a new architecture (intermediate width 4x, GELU, BERT's defaults).
pub fn scratch_config(
    a: &Architecture,
    vocab_size: usize,
    pad_id: u32,
    dropout: f64,
) -> BertConfig {
    let mut c = BertConfig::tiny(vocab_size);
    c.hidden_size = a.hidden;
    c.num_hidden_layers = a.layers;
    c.num_attention_heads = a.heads;
    c.intermediate_size = 4 * a.hidden;
    c.max_position_embeddings = a.context;
    c.hidden_dropout_prob = dropout;
    c.attention_probs_dropout_prob = dropout;
    c.pad_token_id = pad_id as usize;
    c
}

/// The model for a plan on `device` (seed the device first for a reproducible start).
pub fn load(
    plan: &LmPlan,
    start: &Start,
    objective: Objective,
    device: &Device,
) -> Result<(BertLm, LoadReport), LmRecipeError> {
    let mut config = plan.config.clone();
    config.is_decoder = objective == Objective::Clm;
    Ok(match start {
        Start::Checkpoint(files) => load_lm(&config, &files.weights, objective, device)?,
        Start::Scratch { .. } | Start::Reinitialised(_) => {
            let bert = BertModel::init(&config, false, device);
            (BertLm::new(bert, &config, objective), LoadReport::default())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_vocabulary_covers_every_character_line_breaks_included() {
        let text = "To be, or not to be:\nthat is the question.\n".repeat(20);
        let start = Start::Scratch {
            architecture: Architecture::preset("char").unwrap(),
            vocabulary: Vocabulary::Char,
            tokenizer_of: None,
            dropout: 0.0,
        };
        let plan = plan(&text, &start, Objective::Clm, 0.1).unwrap();
        let unk = plan.tokenizer.token_id("[UNK]").unwrap();
        let all: Vec<u32> = plan
            .corpus
            .train
            .iter()
            .chain(&plan.corpus.heldout)
            .copied()
            .collect();
        assert_eq!(all.len(), text.chars().count());
        assert!(!all.contains(&unk));
        assert_eq!(plan.tokenizer.decode(&all), text);
        assert_eq!(
            plan.config.vocab_size,
            5 + 18,
            "{:?}",
            plan.config.vocab_size
        );
    }
}
