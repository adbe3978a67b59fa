//! What a model pre-trained from scratch is: its shape (the named presets and their
//! parameter count) and its vocabulary.

use serde::{Deserialize, Serialize};

/// The shape of a model pre-trained from scratch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    /// Encoder layers.
    pub layers: usize,
    /// Width of the hidden states.
    pub hidden: usize,
    /// Attention heads per layer (divides `hidden`).
    pub heads: usize,
    /// Longest input, in tokens (rows of the position table).
    pub context: usize,
}

impl Architecture {
    /// The named starting points: `tiny` (2 x 128, 2 heads), `small` (4 x 256, 4 heads) and
    /// `char` (4 x 128, 4 heads, context 64: the character-level next-token demo).
    pub const PRESETS: [(&'static str, Architecture); 3] = [
        (
            "tiny",
            Architecture {
                layers: 2,
                hidden: 128,
                heads: 2,
                context: 128,
            },
        ),
        (
            "small",
            Architecture {
                layers: 4,
                hidden: 256,
                heads: 4,
                context: 128,
            },
        ),
        (
            "char",
            Architecture {
                layers: 4,
                hidden: 128,
                heads: 4,
                context: 64,
            },
        ),
    ];

    /// A preset by name.
    pub fn preset(name: &str) -> Option<Architecture> {
        Self::PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// Why it cannot be built, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.layers == 0 || self.hidden == 0 || self.heads == 0 || self.context < 2 {
            return Err(
                "layers, width and heads must be at least 1, and the context at least 2".into(),
            );
        }
        if !self.hidden.is_multiple_of(self.heads) {
            return Err(format!(
                "the width {} is not a multiple of the {} heads",
                self.hidden, self.heads
            ));
        }
        Ok(())
    }

    /// Parameters of the model with its language-model head (decoder tied to the embeddings),
    /// for a vocabulary of `vocab` tokens: as `sum(p.numel() for p in model.parameters())`.
    pub fn parameters(&self, vocab: usize) -> usize {
        let (h, i) = (self.hidden, 4 * self.hidden);
        let embeddings = (vocab + self.context + 2) * h + 2 * h;
        let head = h * h + h + 2 * h + vocab;
        embeddings + self.layers * layer_parameters(h, i) + head
    }
}

/// Parameters of one encoder layer of width `h` and feed-forward width `ff`: four `h x h`
/// projections, the two feed-forward matrices, their biases and two LayerNorms.
pub fn layer_parameters(h: usize, ff: usize) -> usize {
    4 * (h * h + h) + (h * ff + ff) + (ff * h + h) + 4 * h
}

/// The vocabulary of a language model pre-trained from scratch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Vocabulary {
    /// The loaded model's tokenizer, as is.
    Model,
    /// One token per character of the corpus.
    Char,
    /// A WordPiece vocabulary (BERT's kind) of about `size` tokens, trained on the corpus.
    WordPiece {
        /// Tokens to aim for, special tokens included.
        size: usize,
    },
    /// A byte-level BPE vocabulary (GPT-2's kind) of about `size` tokens, trained on the corpus.
    Bpe {
        /// Tokens to aim for, special tokens included.
        size: usize,
    },
}

impl std::str::FromStr for Vocabulary {
    type Err = String;
    /// `model`, `char`, `wordpiece:SIZE` or `bpe:SIZE`.
    fn from_str(s: &str) -> Result<Self, String> {
        let size = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("\"{s}\": the size after the colon must be a whole number"))
        };
        match s.split_once(':') {
            None if s == "model" => Ok(Vocabulary::Model),
            None if s == "char" || s == "chars" => Ok(Vocabulary::Char),
            Some(("wordpiece", v)) => Ok(Vocabulary::WordPiece { size: size(v)? }),
            Some(("bpe", v)) => Ok(Vocabulary::Bpe { size: size(v)? }),
            _ => Err(format!(
                "unknown tokenizer \"{s}\" (model, char, wordpiece:SIZE or bpe:SIZE)"
            )),
        }
    }
}
