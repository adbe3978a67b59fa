//! The engine-free vocabulary that every part of Anneal speaks, the browser UI included: the
//! task, the label that losses skip, the data columns looked for, and the fine-tuning
//! settings with their one set of defaults and their one `validate()`.
//!
//! Architecture invariant: this module depends on serde and thiserror only, so the UI (which
//! never links burn) compiles it, and `model/`, `data/` and `train/` can all use it without
//! importing each other.

use serde::{Deserialize, Serialize};

pub mod compare;
pub mod rng;
pub mod speed;

pub use compare::{
    CompareProgress, CompareSettings, Comparison, DataAdvantage, LabelCount, StartKind,
    StartScores, Starts,
};

/// Which labels a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// One label per text (sentiment, topic, spam).
    Classify,
    /// One label per word (named entities, BIO tags).
    Ner,
}

impl Task {
    /// What the task is called in sentences.
    pub fn describe(self) -> &'static str {
        match self {
            Task::Classify => "text classification",
            Task::Ner => "named entity recognition",
        }
    }
}

impl std::str::FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "classify" | "classification" => Ok(Task::Classify),
            "ner" | "token" => Ok(Task::Ner),
            other => Err(format!("unknown task \"{other}\" (classify or ner)")),
        }
    }
}

/// What a language model learns to predict when it is pre-trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Masked-language modelling (BERT): hidden tokens from both sides.
    Mlm,
    /// Next-token prediction (causal attention): each token from those before it.
    Clm,
}

impl Objective {
    /// What the objective is called in sentences.
    pub fn describe(self) -> &'static str {
        match self {
            Objective::Mlm => "masked-language modelling",
            Objective::Clm => "next-token prediction",
        }
    }
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mlm" | "masked" => Ok(Objective::Mlm),
            "clm" | "causal" | "next" => Ok(Objective::Clm),
            other => Err(format!("unknown objective \"{other}\" (mlm or clm)")),
        }
    }
}

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

/// The label of a sub-word that the loss and the metrics skip (padding, and every sub-word of
/// a word after its first), as Hugging Face's `-100`.
pub const IGNORE_INDEX: i64 = -100;

/// Header names (or JSONL keys) taken as the text column, in order of preference.
pub const TEXT_COLUMNS: &[&str] = &["text", "sentence", "review", "content", "document"];
/// Header names (or JSONL keys) taken as the label column, in order of preference.
pub const LABEL_COLUMNS: &[&str] = &[
    "label",
    "labels",
    "category",
    "class",
    "sentiment",
    "target",
];

/// Fine-tuning settings: one type for the command line, the browser's Train panel and the
/// worker, with one set of defaults (the README's table says why each is what it is).
///
/// Missing fields take their defaults when read (runs kept by an older version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// Passes over the training data. Default 3.
    pub epochs: usize,
    /// Examples per optimizer step. Default 32, the recipe that matched PyTorch's accuracy
    /// (BENCHMARKS.md).
    pub batch_size: usize,
    /// Peak learning rate of AdamW. Default 1e-4.
    pub lr: f64,
    /// Longest input in tokens, special tokens included; longer ones are cut. Default 128.
    /// Batches are padded only to their longest example, so short texts cost no more.
    pub max_len: usize,
    /// Share of the steps spent warming the learning rate up from 0. Default 0.1.
    pub warmup_ratio: f64,
    /// AdamW's decoupled weight decay. Default 0 (as Hugging Face's Trainer).
    pub weight_decay: f64,
    /// Share of the data held out for validation when no validation file is given.
    /// Default 0.1.
    pub valid_fraction: f64,
    /// Seed of the split, the example order and the new head. Default 42.
    pub seed: u64,
    /// Stop after this many epochs without a better validation score. Default: never.
    pub patience: Option<usize>,
    /// Train on the valid rows of a file with problems instead of refusing it. Default: no,
    /// nothing is left out unless the person says so.
    pub skip_invalid: bool,
    /// What of the model trains: all of it (default), all but frozen parts, or LoRA adapters.
    pub adaptation: Adaptation,
}

/// Which dense layers of every encoder layer get LoRA adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoraTargets {
    /// The attention's query and value projections (the LoRA paper's choice, PEFT's default
    /// for these families).
    #[default]
    QueryValue,
    /// Every dense layer of the encoder: query, key, value, attention output, feed-forward.
    AllLinear,
}

impl std::str::FromStr for LoraTargets {
    type Err = String;
    /// `query-value` or `all-linear`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "query-value" | "qv" => Ok(LoraTargets::QueryValue),
            "all-linear" | "all" => Ok(LoraTargets::AllLinear),
            _ => Err(format!(
                "unknown LoRA targets \"{s}\" (query-value or all-linear)"
            )),
        }
    }
}

/// LoRA's settings, under PEFT's names (`r`, `lora_alpha`, `lora_dropout`, `target_modules`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoraSettings {
    /// Rank of the update. Default 8.
    pub rank: usize,
    /// The update is scaled by `alpha / rank`. Default 16.
    pub alpha: f64,
    /// Dropout on the update's input. Default 0.1.
    pub dropout: f64,
    /// The adapted layers. Default query and value.
    pub targets: LoraTargets,
}

impl LoraSettings {
    /// The learning rate LoRA runs start from when none is chosen: adapters start at zero and
    /// need larger steps than full fine-tuning's 1e-4 (MiniLM on the sentiment sample: 1e-4
    /// and 5e-4 under-fit in 3 epochs, 2e-3 came within a point of full fine-tuning;
    /// BENCHMARKS.md).
    pub const LR: f64 = 2e-3;

    /// PEFT's usual recipe for these encoders.
    pub const DEFAULT: LoraSettings = LoraSettings {
        rank: 8,
        alpha: 16.0,
        dropout: 0.1,
        targets: LoraTargets::QueryValue,
    };
}

impl Default for LoraSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What of the model trains. Frozen parameters get no gradients and no optimiser state;
/// with LoRA the whole encoder is frozen and only the adapters and the head train.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Adaptation {
    /// Freeze the embedding tables and their LayerNorm.
    pub freeze_embeddings: bool,
    /// Freeze the lowest this many encoder layers.
    pub freeze_layers: usize,
    /// Train LoRA adapters instead of the encoder's weights.
    pub lora: Option<LoraSettings>,
}

impl Adaptation {
    /// Full fine-tuning: nothing frozen, no adapters.
    pub const FULL: Adaptation = Adaptation {
        freeze_embeddings: false,
        freeze_layers: 0,
        lora: None,
    };

    /// Whether every parameter trains.
    pub fn is_full(&self) -> bool {
        !self.freeze_embeddings && self.freeze_layers == 0 && self.lora.is_none()
    }

    /// Checks the settings against a model of `layers` encoder layers (`None` before a model
    /// is loaded, when the layer count is not checked).
    pub fn validate(&self, layers: Option<usize>) -> Result<(), SettingsError> {
        if let Some(layers) = layers
            && self.freeze_layers > layers
        {
            return Err(SettingsError::FreezeLayers {
                asked: self.freeze_layers,
                layers,
            });
        }
        if let Some(l) = self.lora {
            if l.rank == 0 {
                return Err(SettingsError::LoraRank);
            }
            if !(l.alpha.is_finite() && l.alpha > 0.0) {
                return Err(SettingsError::LoraAlpha(l.alpha));
            }
            if !(l.dropout.is_finite() && (0.0..1.0).contains(&l.dropout)) {
                return Err(SettingsError::LoraDropout(l.dropout));
            }
            if self.freeze_embeddings || self.freeze_layers > 0 {
                return Err(SettingsError::LoraWithFreezing);
            }
        }
        Ok(())
    }
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TrainSettings {
    /// The defaults, as a constant (for clap's `default_value_t`).
    pub const DEFAULT: TrainSettings = TrainSettings {
        epochs: 3,
        batch_size: 32,
        lr: 1e-4,
        max_len: 128,
        warmup_ratio: 0.1,
        weight_decay: 0.0,
        valid_fraction: 0.1,
        seed: 42,
        patience: None,
        skip_invalid: false,
        adaptation: Adaptation::FULL,
    };
}

/// One optimizer step as the training loop reports it: the engine's `train::Event::Step`, the
/// worker's `TrainUpdate::Step`, the UI's progress and the CLI's progress bar all carry this
/// one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// Steps done so far (1-based).
    pub step: usize,
    /// Steps in the run.
    pub total_steps: usize,
    /// Current epoch (1-based).
    pub epoch: usize,
    /// Mean loss of this step's batch.
    pub loss: f64,
    /// Learning rate used for this step.
    pub lr: f64,
    /// Training throughput since the start.
    pub examples_per_s: f64,
    /// Seconds this step took.
    pub step_s: f64,
    /// Estimated seconds left, evaluation excluded.
    pub eta_s: f64,
}

/// Precision, recall, F1 and support of one class or entity type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Scores {
    /// Of the predicted, the share that is right.
    pub precision: f64,
    /// Of the true, the share that is found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Number of true instances.
    pub support: usize,
}

/// The shortest maximum length: `[CLS]`, `[SEP]` and a few words.
pub const MIN_MAX_LEN: usize = 8;

/// Which setting an error is about, so that each shell names it in its own terms (a flag on
/// the command line, a field in the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// [`TrainSettings::epochs`].
    Epochs,
    /// [`TrainSettings::batch_size`].
    BatchSize,
    /// [`TrainSettings::lr`].
    LearningRate,
    /// [`TrainSettings::max_len`].
    MaxLen,
    /// [`TrainSettings::warmup_ratio`].
    Warmup,
    /// [`TrainSettings::weight_decay`].
    WeightDecay,
    /// [`TrainSettings::valid_fraction`].
    ValidFraction,
    /// [`TrainSettings::patience`].
    Patience,
    /// [`Adaptation::freeze_layers`].
    FreezeLayers,
    /// [`LoraSettings::rank`].
    LoraRank,
    /// [`LoraSettings::alpha`].
    LoraAlpha,
    /// [`LoraSettings::dropout`].
    LoraDropout,
}

/// A setting out of its range. The message names no shell's spelling of the setting; the
/// shell prefixes its own (`--batch-size`, "Batch size").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// Zero epochs.
    #[error("must be at least 1")]
    Epochs,
    /// A batch of zero examples.
    #[error("must be at least 1")]
    BatchSize,
    /// Zero, negative, infinite or NaN, or so large that every step would wreck the weights.
    #[error("must be a number above 0 and below 1, found {0}")]
    LearningRate(f64),
    /// Shorter than [`MIN_MAX_LEN`] or longer than the model's position table.
    #[error(
        "must be between {MIN_MAX_LEN} and {positions} tokens (the model's position table), found {asked}"
    )]
    MaxLen {
        /// What was asked.
        asked: usize,
        /// The model's `max_position_embeddings`.
        positions: usize,
    },
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    Warmup(f64),
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    WeightDecay(f64),
    /// Outside `(0, 1)`.
    #[error("must be above 0 and below 1, found {0}")]
    ValidFraction(f64),
    /// Zero epochs of patience.
    #[error("must be at least 1")]
    Patience,
    /// More layers frozen than the model has.
    #[error("must be at most {layers}, the model's number of layers, found {asked}")]
    FreezeLayers {
        /// What was asked.
        asked: usize,
        /// The model's layers.
        layers: usize,
    },
    /// A rank of zero.
    #[error("must be at least 1")]
    LoraRank,
    /// Zero, negative, infinite or NaN.
    #[error("must be a number above 0, found {0}")]
    LoraAlpha(f64),
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    LoraDropout(f64),
    /// LoRA freezes the whole encoder already.
    #[error("LoRA freezes the whole encoder already: leave the embeddings and layers unfrozen")]
    LoraWithFreezing,
}

impl Setting {
    /// The setting in words, as a sentence's subject ("the batch size").
    pub fn describe(self) -> &'static str {
        match self {
            Setting::Epochs => "the number of epochs",
            Setting::BatchSize => "the batch size",
            Setting::LearningRate => "the learning rate",
            Setting::MaxLen => "the maximum length",
            Setting::Warmup => "the warm-up share",
            Setting::WeightDecay => "the weight decay",
            Setting::ValidFraction => "the validation share",
            Setting::Patience => "the patience",
            Setting::FreezeLayers => "the number of frozen layers",
            Setting::LoraRank => "the LoRA rank",
            Setting::LoraAlpha => "the LoRA alpha",
            Setting::LoraDropout => "the LoRA dropout",
        }
    }
}

impl SettingsError {
    /// The setting it is about.
    pub fn setting(&self) -> Setting {
        match self {
            SettingsError::Epochs => Setting::Epochs,
            SettingsError::BatchSize => Setting::BatchSize,
            SettingsError::LearningRate(_) => Setting::LearningRate,
            SettingsError::MaxLen { .. } => Setting::MaxLen,
            SettingsError::Warmup(_) => Setting::Warmup,
            SettingsError::WeightDecay(_) => Setting::WeightDecay,
            SettingsError::ValidFraction(_) => Setting::ValidFraction,
            SettingsError::Patience => Setting::Patience,
            SettingsError::FreezeLayers { .. } => Setting::FreezeLayers,
            SettingsError::LoraRank | SettingsError::LoraWithFreezing => Setting::LoraRank,
            SettingsError::LoraAlpha(_) => Setting::LoraAlpha,
            SettingsError::LoraDropout(_) => Setting::LoraDropout,
        }
    }
}

impl TrainSettings {
    /// Checks every setting; `positions` is the model's position table (`None` before a model
    /// is loaded, when only the lower bound of the length is checked).
    pub fn validate(&self, positions: Option<usize>) -> Result<(), SettingsError> {
        let unit = |x: f64| x.is_finite() && (0.0..1.0).contains(&x);
        if self.epochs == 0 {
            return Err(SettingsError::Epochs);
        }
        if self.batch_size == 0 {
            return Err(SettingsError::BatchSize);
        }
        if !(unit(self.lr) && self.lr > 0.0) {
            return Err(SettingsError::LearningRate(self.lr));
        }
        let limit = positions.unwrap_or(usize::MAX);
        if self.max_len < MIN_MAX_LEN || self.max_len > limit {
            return Err(SettingsError::MaxLen {
                asked: self.max_len,
                positions: limit,
            });
        }
        if !unit(self.warmup_ratio) {
            return Err(SettingsError::Warmup(self.warmup_ratio));
        }
        if !unit(self.weight_decay) {
            return Err(SettingsError::WeightDecay(self.weight_decay));
        }
        if !(unit(self.valid_fraction) && self.valid_fraction > 0.0) {
            return Err(SettingsError::ValidFraction(self.valid_fraction));
        }
        if self.patience == Some(0) {
            return Err(SettingsError::Patience);
        }
        self.adaptation.validate(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut TrainSettings)) -> Result<(), SettingsError> {
        let mut s = TrainSettings::default();
        change(&mut s);
        s.validate(Some(512))
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(TrainSettings::default().validate(Some(512)), Ok(()));
        assert_eq!(TrainSettings::default().validate(None), Ok(()));
    }

    #[test]
    fn each_setting_out_of_range_names_itself() {
        let cases: Vec<(Result<(), SettingsError>, Setting)> = vec![
            (with(|s| s.epochs = 0), Setting::Epochs),
            (with(|s| s.batch_size = 0), Setting::BatchSize),
            (with(|s| s.lr = 0.0), Setting::LearningRate),
            (with(|s| s.lr = -1e-4), Setting::LearningRate),
            (with(|s| s.lr = f64::NAN), Setting::LearningRate),
            (with(|s| s.lr = f64::INFINITY), Setting::LearningRate),
            (with(|s| s.max_len = 513), Setting::MaxLen),
            (with(|s| s.max_len = 4), Setting::MaxLen),
            (with(|s| s.warmup_ratio = 1.0), Setting::Warmup),
            (with(|s| s.weight_decay = -0.1), Setting::WeightDecay),
            (with(|s| s.valid_fraction = 0.0), Setting::ValidFraction),
            (with(|s| s.valid_fraction = 1.0), Setting::ValidFraction),
            (
                with(|s| s.valid_fraction = f64::NAN),
                Setting::ValidFraction,
            ),
            (with(|s| s.patience = Some(0)), Setting::Patience),
        ];
        for (result, setting) in cases {
            assert_eq!(result.map_err(|e| e.setting()), Err(setting));
        }
        let err = with(|s| s.max_len = 1000).unwrap_err();
        assert_eq!(
            err.to_string(),
            "must be between 8 and 512 tokens (the model's position table), found 1000"
        );
    }
}
