//! Which fine-tuning setting is out of range, and why: the typed error of
//! `TrainSettings::validate` and `Adaptation::validate`, with no shell's words in it.

/// The shortest maximum length: `[CLS]`, `[SEP]` and a few words.
pub const MIN_MAX_LEN: usize = 8;

/// Which setting an error is about, so that each shell names it in its own terms (a flag on
/// the command line, a field in the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// [`crate::shared::TrainSettings::epochs`].
    Epochs,
    /// [`crate::shared::TrainSettings::batch_size`].
    BatchSize,
    /// [`crate::shared::TrainSettings::lr`].
    LearningRate,
    /// [`crate::shared::TrainSettings::max_len`].
    MaxLen,
    /// [`crate::shared::TrainSettings::doc_stride`].
    DocStride,
    /// [`crate::shared::TrainSettings::warmup_ratio`].
    Warmup,
    /// [`crate::shared::TrainSettings::weight_decay`].
    WeightDecay,
    /// [`crate::shared::TrainSettings::valid_fraction`].
    ValidFraction,
    /// [`crate::shared::TrainSettings::patience`].
    Patience,
    /// [`crate::shared::TrainSettings::eval_every`].
    EvalEvery,
    /// [`crate::shared::Adaptation::freeze_layers`].
    FreezeLayers,
    /// [`crate::shared::LoraSettings::rank`].
    LoraRank,
    /// [`crate::shared::LoraSettings::alpha`].
    LoraAlpha,
    /// [`crate::shared::LoraSettings::dropout`].
    LoraDropout,
    /// [`crate::shared::TrainSettings::augment`].
    Augment,
    /// [`crate::shared::TrainSettings::adversarial`].
    Adversarial,
    /// PGD's step size ([`crate::shared::Adversarial::alpha`]).
    AdversarialAlpha,
    /// PGD's steps ([`crate::shared::Adversarial::steps`]).
    AdversarialSteps,
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
    /// Not below half the maximum length (windows would barely advance).
    #[error("must be below half the maximum length ({max_len} tokens), found {asked}")]
    DocStride {
        /// What was asked.
        asked: usize,
        /// The maximum length.
        max_len: usize,
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
    /// Validation every zero steps.
    #[error("must be at least 1 step (or left empty: every epoch)")]
    EvalEvery,
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
    /// No copies, too many, or a share of words outside `(0, 1]`.
    #[error(
        "needs 1 to {max} copies and a share of words above 0 and at most 1, found {copies} copies and {rate}",
        max = super::augment::Augmentation::MAX_COPIES
    )]
    AugmentRange {
        /// Copies asked.
        copies: usize,
        /// Share of words asked.
        rate: f64,
    },
    /// Asked for a task it does not augment.
    #[error("{kind} is for {for_task}, not {task}")]
    AugmentTask {
        /// The augmentation asked.
        kind: &'static str,
        /// The task it augments.
        for_task: &'static str,
        /// The data's task.
        task: &'static str,
    },
    /// Zero, negative, infinite or NaN.
    #[error("epsilon must be a number above 0, found {0}")]
    AdversarialEpsilon(f64),
    /// PGD's step size: zero, negative, infinite or NaN.
    #[error("must be a number above 0, found {0}")]
    AdversarialAlpha(f64),
    /// PGD's steps: none or too many.
    #[error("must be between 1 and {max}, found {asked}")]
    AdversarialSteps {
        /// Steps asked.
        asked: usize,
        /// The most allowed.
        max: usize,
    },
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
            Setting::DocStride => "the doc stride",
            Setting::Warmup => "the warm-up share",
            Setting::WeightDecay => "the weight decay",
            Setting::ValidFraction => "the validation share",
            Setting::Patience => "the patience",
            Setting::EvalEvery => "the validation interval",
            Setting::FreezeLayers => "the number of frozen layers",
            Setting::LoraRank => "the LoRA rank",
            Setting::LoraAlpha => "the LoRA alpha",
            Setting::LoraDropout => "the LoRA dropout",
            Setting::Augment => "the augmentation",
            Setting::Adversarial => "the adversarial training",
            Setting::AdversarialAlpha => "PGD's step size",
            Setting::AdversarialSteps => "PGD's number of steps",
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
            SettingsError::DocStride { .. } => Setting::DocStride,
            SettingsError::Warmup(_) => Setting::Warmup,
            SettingsError::WeightDecay(_) => Setting::WeightDecay,
            SettingsError::ValidFraction(_) => Setting::ValidFraction,
            SettingsError::Patience => Setting::Patience,
            SettingsError::EvalEvery => Setting::EvalEvery,
            SettingsError::FreezeLayers { .. } => Setting::FreezeLayers,
            SettingsError::LoraRank | SettingsError::LoraWithFreezing => Setting::LoraRank,
            SettingsError::LoraAlpha(_) => Setting::LoraAlpha,
            SettingsError::LoraDropout(_) => Setting::LoraDropout,
            SettingsError::AugmentRange { .. } | SettingsError::AugmentTask { .. } => {
                Setting::Augment
            }
            SettingsError::AdversarialEpsilon(_) => Setting::Adversarial,
            SettingsError::AdversarialAlpha(_) => Setting::AdversarialAlpha,
            SettingsError::AdversarialSteps { .. } => Setting::AdversarialSteps,
        }
    }
}
