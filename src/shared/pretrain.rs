//! Pre-training settings: one type for `anneal pretrain`, the browser's Learn panel and the
//! worker, one set of defaults ([`PretrainSettings::defaults`], per objective), and one
//! [`PretrainSettings::validate`] whose typed error names the setting, so that each shell
//! words it in its own terms (a flag, a field). The loop (`train::pretrain::pretrain`) takes
//! them as they are.

use serde::{Deserialize, Serialize};

use super::architecture::{Architecture, Vocabulary};

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

/// Where a pre-training run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum LmStart {
    /// Random weights of a new architecture.
    Scratch {
        /// Layers, width, heads, context.
        architecture: Architecture,
        /// Characters, a trained WordPiece/BPE, or the loaded model's tokenizer.
        vocabulary: Vocabulary,
    },
    /// The loaded model, pre-trained further on the corpus (a new head if it has none).
    Loaded,
}

/// A probe the person wrote: a text with the mask token (masked models) or a beginning to
/// continue (next-token models), and optionally the word they expect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// The text.
    pub text: String,
    /// The word expected at the (first) mask, or next.
    pub expect: Option<String>,
}

impl ProbeSpec {
    /// Probes from lines of `text | expected word` (the expected word optional). A text that
    /// ends with ":" keeps a line break after it, as a speaker's name in a play.
    pub fn parse_lines(lines: &str) -> Vec<ProbeSpec> {
        lines
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (text, expect) = match l.rsplit_once('|') {
                    Some((t, e)) => (t.trim_end().to_string(), Some(e.trim().to_string())),
                    None => (l.trim_end().to_string(), None),
                };
                let text = if text.ends_with(':') {
                    text + "\n"
                } else {
                    text
                };
                ProbeSpec {
                    text,
                    expect: expect.filter(|e| !e.is_empty()),
                }
            })
            .collect()
    }
}

/// How a next-token model's continuation is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleSettings {
    /// Divides the logits: below 1 sharper, above 1 flatter; 0 always takes the most likely.
    pub temperature: f64,
    /// Draw only from the `top_k` most likely tokens (0: all).
    pub top_k: usize,
    /// Draw only from the most likely tokens whose probabilities add up to `top_p` (1: all).
    pub top_p: f64,
}

impl Default for SampleSettings {
    fn default() -> Self {
        Self {
            temperature: 0.8,
            top_k: 0,
            top_p: 1.0,
        }
    }
}

impl SampleSettings {
    /// Checks the temperature and top-p (also for a probe asked on its own).
    pub fn validate(&self) -> Result<(), PretrainSettingsError> {
        if !(self.temperature >= 0.0 && self.temperature <= 10.0) {
            return Err(PretrainSettingsError::Temperature(self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(PretrainSettingsError::TopP(self.top_p));
        }
        Ok(())
    }
}

/// Settings of a pre-training run.
///
/// Missing fields take the masked model's defaults when read (settings of an older version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PretrainSettings {
    /// Masked words or next token.
    pub objective: Objective,
    /// From scratch (a shape and a vocabulary) or from the loaded model.
    pub start: LmStart,
    /// Optimizer steps. Default 1,000.
    pub steps: usize,
    /// Blocks per step. Default 32 (masked), 12 (next token, characters).
    pub batch_size: usize,
    /// Tokens per block, special tokens included; at most the model's context. Default 64.
    pub seq_len: usize,
    /// Peak learning rate of AdamW. Default 1e-3 (small models from scratch).
    pub lr: f64,
    /// Share of the steps spent warming the learning rate up from 0. Default 0.05.
    pub warmup_ratio: f64,
    /// AdamW's decoupled weight decay. Default 0.01 (BERT's).
    pub weight_decay: f64,
    /// Dropout of a new model. Default 0.1 (masked), 0 (next token).
    pub dropout: f64,
    /// Steps between held-out evaluations (and probe runs). Default 50.
    pub eval_every: usize,
    /// Most held-out batches per evaluation. Default 8.
    pub eval_batches: usize,
    /// Share of the corpus (its end) held out for evaluation. Default 0.1.
    pub heldout_share: f64,
    /// Seed of initialisation, block offsets and masks. Default 42.
    pub seed: u64,
    /// Probes run at every evaluation. Default none.
    pub probes: Vec<ProbeSpec>,
    /// Tokens sampled after each next-token probe. Default 40.
    pub sample_tokens: usize,
    /// How those tokens are drawn.
    pub sampling: SampleSettings,
}

impl Default for PretrainSettings {
    fn default() -> Self {
        Self::defaults(Objective::Mlm)
    }
}

impl PretrainSettings {
    /// The one set of defaults, for an objective: a tiny masked model (2 x 128) with a new
    /// WordPiece vocabulary, or the character-level next-token model (4 x 128, context 64).
    pub fn defaults(objective: Objective) -> Self {
        let (preset, vocabulary, batch_size, dropout) = match objective {
            Objective::Mlm => ("tiny", Vocabulary::WordPiece { size: 4096 }, 32, 0.1),
            Objective::Clm => ("char", Vocabulary::Char, 12, 0.0),
        };
        Self {
            objective,
            start: LmStart::Scratch {
                architecture: Architecture::preset(preset).expect("a named preset"),
                vocabulary,
            },
            steps: 1000,
            batch_size,
            seq_len: 64,
            lr: 1e-3,
            warmup_ratio: 0.05,
            weight_decay: 0.01,
            dropout,
            eval_every: 50,
            eval_batches: 8,
            heldout_share: 0.1,
            seed: 42,
            probes: Vec::new(),
            sample_tokens: 40,
            sampling: SampleSettings::default(),
        }
    }

    /// Checks every setting; `context` is the model's position table where it is known (a
    /// loaded model's, once read), and a new model's is its architecture's.
    pub fn validate(&self, context: Option<usize>) -> Result<(), PretrainSettingsError> {
        use PretrainSettingsError as E;
        let unit = |x: f64| x.is_finite() && (0.0..1.0).contains(&x);
        let mut context = context;
        if let LmStart::Scratch {
            architecture,
            vocabulary,
        } = &self.start
        {
            architecture.validate().map_err(E::Architecture)?;
            context = Some(context.map_or(architecture.context, |c| c.min(architecture.context)));
            if let Vocabulary::WordPiece { size } | Vocabulary::Bpe { size } = vocabulary
                && *size < MIN_VOCABULARY
            {
                return Err(E::VocabularySize(*size));
            }
        }
        if self.steps == 0 {
            return Err(E::Steps);
        }
        if self.batch_size == 0 {
            return Err(E::BatchSize);
        }
        if self.seq_len < MIN_SEQ_LEN || context.is_some_and(|c| self.seq_len > c) {
            return Err(E::SeqLen {
                asked: self.seq_len,
                context: context.unwrap_or(usize::MAX),
            });
        }
        if !(unit(self.lr) && self.lr > 0.0) {
            return Err(E::LearningRate(self.lr));
        }
        if !unit(self.warmup_ratio) {
            return Err(E::Warmup(self.warmup_ratio));
        }
        if !unit(self.weight_decay) {
            return Err(E::WeightDecay(self.weight_decay));
        }
        if !unit(self.dropout) {
            return Err(E::Dropout(self.dropout));
        }
        if self.eval_every == 0 {
            return Err(E::EvalEvery);
        }
        if self.eval_batches == 0 {
            return Err(E::EvalBatches);
        }
        if !(self.heldout_share.is_finite() && (0.0..0.5).contains(&self.heldout_share)) {
            return Err(E::Heldout(self.heldout_share));
        }
        self.sampling.validate()
    }
}

/// The shortest block: `[CLS]`, `[SEP]` and two tokens.
pub const MIN_SEQ_LEN: usize = 4;
/// The smallest vocabulary trained on a corpus (the special tokens take five).
pub const MIN_VOCABULARY: usize = 64;

/// Which pre-training setting an error is about, so that each shell names it in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PretrainSetting {
    /// [`Architecture`]'s layers, width, heads and context.
    Architecture,
    /// [`Vocabulary`]'s size.
    VocabularySize,
    /// [`PretrainSettings::steps`].
    Steps,
    /// [`PretrainSettings::batch_size`].
    BatchSize,
    /// [`PretrainSettings::seq_len`].
    SeqLen,
    /// [`PretrainSettings::lr`].
    LearningRate,
    /// [`PretrainSettings::warmup_ratio`].
    Warmup,
    /// [`PretrainSettings::weight_decay`].
    WeightDecay,
    /// [`PretrainSettings::dropout`].
    Dropout,
    /// [`PretrainSettings::eval_every`].
    EvalEvery,
    /// [`PretrainSettings::eval_batches`].
    EvalBatches,
    /// [`PretrainSettings::heldout_share`].
    Heldout,
    /// [`SampleSettings::temperature`].
    Temperature,
    /// [`SampleSettings::top_p`].
    TopP,
}

/// A pre-training setting out of its range. The message names no shell's spelling of the
/// setting; the shell prefixes its own (`--seq-len`, "Block length").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PretrainSettingsError {
    /// A shape that cannot be built.
    #[error("{0}")]
    Architecture(String),
    /// A trained vocabulary too small for its special tokens and a few more.
    #[error("must be at least {MIN_VOCABULARY} tokens, found {0}")]
    VocabularySize(usize),
    /// Zero steps.
    #[error("must be at least 1")]
    Steps,
    /// Zero blocks a step.
    #[error("must be at least 1")]
    BatchSize,
    /// Shorter than [`MIN_SEQ_LEN`] or longer than the model's context.
    #[error(
        "must be between {MIN_SEQ_LEN} and {context} tokens (the model's context), found {asked}"
    )]
    SeqLen {
        /// What was asked.
        asked: usize,
        /// The model's context.
        context: usize,
    },
    /// Zero, negative, infinite or NaN, or 1 and above.
    #[error("must be a number above 0 and below 1, found {0}")]
    LearningRate(f64),
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    Warmup(f64),
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    WeightDecay(f64),
    /// Outside `[0, 1)`.
    #[error("must be at least 0 and below 1, found {0}")]
    Dropout(f64),
    /// Zero steps between evaluations.
    #[error("must be at least 1")]
    EvalEvery,
    /// Zero batches an evaluation.
    #[error("must be at least 1")]
    EvalBatches,
    /// Outside `[0, 0.5)`.
    #[error("must be at least 0 and below 0.5, found {0}")]
    Heldout(f64),
    /// Outside `[0, 10]`.
    #[error("must be between 0 and 10, found {0}")]
    Temperature(f64),
    /// Outside `(0, 1]`.
    #[error("must be above 0 and at most 1, found {0}")]
    TopP(f64),
}

impl PretrainSettingsError {
    /// The setting it is about.
    pub fn setting(&self) -> PretrainSetting {
        use PretrainSetting as S;
        match self {
            Self::Architecture(_) => S::Architecture,
            Self::VocabularySize(_) => S::VocabularySize,
            Self::Steps => S::Steps,
            Self::BatchSize => S::BatchSize,
            Self::SeqLen { .. } => S::SeqLen,
            Self::LearningRate(_) => S::LearningRate,
            Self::Warmup(_) => S::Warmup,
            Self::WeightDecay(_) => S::WeightDecay,
            Self::Dropout(_) => S::Dropout,
            Self::EvalEvery => S::EvalEvery,
            Self::EvalBatches => S::EvalBatches,
            Self::Heldout(_) => S::Heldout,
            Self::Temperature(_) => S::Temperature,
            Self::TopP(_) => S::TopP,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut PretrainSettings)) -> Result<(), PretrainSetting> {
        let mut s = PretrainSettings::default();
        change(&mut s);
        s.validate(None).map_err(|e| e.setting())
    }

    fn architecture(s: &mut PretrainSettings) -> &mut Architecture {
        match &mut s.start {
            LmStart::Scratch { architecture, .. } => architecture,
            LmStart::Loaded => unreachable!("the defaults start from scratch"),
        }
    }

    #[test]
    fn the_defaults_of_each_objective_are_valid() {
        for objective in [Objective::Mlm, Objective::Clm] {
            let s = PretrainSettings::defaults(objective);
            assert_eq!(s.validate(None), Ok(()), "{objective:?}");
            assert_eq!(s.validate(Some(512)), Ok(()), "{objective:?}");
        }
    }

    #[test]
    fn each_setting_out_of_range_names_itself() {
        let cases = [
            (
                with(|s| architecture(s).heads = 3),
                PretrainSetting::Architecture,
            ),
            (
                with(|s| {
                    s.start = LmStart::Scratch {
                        architecture: Architecture::preset("tiny").unwrap(),
                        vocabulary: Vocabulary::Bpe { size: 63 },
                    }
                }),
                PretrainSetting::VocabularySize,
            ),
            (with(|s| s.steps = 0), PretrainSetting::Steps),
            (with(|s| s.batch_size = 0), PretrainSetting::BatchSize),
            (with(|s| s.seq_len = 3), PretrainSetting::SeqLen),
            (with(|s| s.seq_len = 129), PretrainSetting::SeqLen),
            (with(|s| s.lr = 0.0), PretrainSetting::LearningRate),
            (with(|s| s.lr = f64::NAN), PretrainSetting::LearningRate),
            (with(|s| s.warmup_ratio = 1.0), PretrainSetting::Warmup),
            (
                with(|s| s.weight_decay = -0.1),
                PretrainSetting::WeightDecay,
            ),
            (with(|s| s.dropout = 1.0), PretrainSetting::Dropout),
            (with(|s| s.eval_every = 0), PretrainSetting::EvalEvery),
            (with(|s| s.eval_batches = 0), PretrainSetting::EvalBatches),
            (with(|s| s.heldout_share = 0.5), PretrainSetting::Heldout),
            (
                with(|s| s.sampling.temperature = 11.0),
                PretrainSetting::Temperature,
            ),
            (with(|s| s.sampling.top_p = 0.0), PretrainSetting::TopP),
        ];
        for (i, (got, want)) in cases.into_iter().enumerate() {
            assert_eq!(got, Err(want), "case {i}");
        }
    }

    #[test]
    fn a_loaded_model_bounds_the_block_by_its_context() {
        let s = PretrainSettings {
            start: LmStart::Loaded,
            seq_len: 600,
            ..PretrainSettings::default()
        };
        assert_eq!(s.validate(None), Ok(()));
        let err = s.validate(Some(512)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "must be between 4 and 512 tokens (the model's context), found 600"
        );
    }

    #[test]
    fn probe_lines_with_and_without_an_expected_word() {
        let p = ProbeSpec::parse_lines("to be, or not to [MASK] | be\n\nROMEO:\nplain text");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].text, "to be, or not to [MASK]");
        assert_eq!(p[0].expect.as_deref(), Some("be"));
        assert_eq!(p[1].text, "ROMEO:\n");
        assert_eq!(p[2].expect, None);
    }

    #[test]
    fn settings_saved_by_an_older_version_still_read() {
        let mut old = serde_json::to_value(PretrainSettings::defaults(Objective::Clm)).unwrap();
        for field in ["sampling", "warmup_ratio", "weight_decay", "eval_batches"] {
            old.as_object_mut().unwrap().remove(field);
        }
        let read: PretrainSettings = serde_json::from_value(old).unwrap();
        assert_eq!(read, PretrainSettings::defaults(Objective::Clm));
        // The character preset is issue 9's ~0.8 M-parameter recipe.
        let char = Architecture::preset("char").unwrap();
        assert_eq!(char.parameters(82), 829_138);
    }
}
