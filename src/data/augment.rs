//! Data augmentation in training: an epoch's augmented copies of the training examples,
//! encoded as they are (never the validation ones). The text edits themselves are engine-free,
//! in `shared/augment.rs`, so the Train panel previews them with the same code.

use crate::data::features::Features;
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::shared::augment::typos;
use crate::shared::rng::Rng;
use crate::shared::{AugmentKind, Augmentation};

/// Makes an epoch's augmented copies of the training examples.
#[derive(Clone)]
pub struct Augmenter {
    /// The settings.
    pub settings: Augmentation,
    /// The training texts, in the order of the training features.
    texts: Vec<String>,
    /// Their label ids.
    labels: Vec<i64>,
    tokenizer: TextTokenizer,
    max_len: usize,
}

impl std::fmt::Debug for Augmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Augmenter")
            .field("settings", &self.settings)
            .field("texts", &self.texts.len())
            .field("max_len", &self.max_len)
            .finish()
    }
}

impl Augmenter {
    /// An augmenter of classification examples: `texts[i]` has the label of `train[i]`.
    pub fn new(
        settings: Augmentation,
        texts: Vec<String>,
        train: &[Features],
        tokenizer: &TextTokenizer,
        max_len: usize,
    ) -> Self {
        Self {
            settings,
            labels: train.iter().map(|f| f.labels[0]).collect(),
            texts,
            tokenizer: tokenizer.clone(),
            max_len,
        }
    }

    /// Examples added to each epoch.
    pub fn extra(&self) -> usize {
        self.texts.len() * self.settings.copies
    }

    /// The augmented texts of one epoch, `copies` per training text in order, drawn from
    /// `seed` (the same seed, the same texts).
    pub fn texts(&self, seed: u64) -> Vec<String> {
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(self.extra());
        for _ in 0..self.settings.copies {
            for t in &self.texts {
                out.push(match self.settings.kind {
                    AugmentKind::Typos => typos(t, self.settings.rate, &mut rng),
                });
            }
        }
        out
    }

    /// The augmented examples of one epoch, encoded as the training ones are.
    pub fn epoch(&self, seed: u64) -> Result<Vec<Features>, TokenizerError> {
        let n = self.texts.len();
        self.texts(seed)
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Ok(Features {
                    ids: self.tokenizer.encode(t, self.max_len)?.ids,
                    labels: vec![self.labels[i % n]],
                    type_ids: Vec::new(),
                })
            })
            .collect()
    }
}
