//! The Learn area's messages: pre-training settings, progress with probe results, and
//! attention maps. Engine-free views, like the rest of the protocol.

use serde::{Deserialize, Serialize};

use crate::shared::{Architecture, Objective, Vocabulary};

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

/// Settings of a pre-training run in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainSettings {
    /// Masked words or next token.
    pub objective: Objective,
    /// From scratch or from the loaded model.
    pub start: LmStart,
    /// Optimizer steps.
    pub steps: usize,
    /// Blocks per step.
    pub batch_size: usize,
    /// Tokens per block.
    pub seq_len: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Dropout of a new model.
    pub dropout: f64,
    /// Steps between held-out evaluations (and probe runs).
    pub eval_every: usize,
    /// Share of the corpus held out.
    pub heldout_share: f64,
    /// Seed of initialisation, blocks and masks.
    pub seed: u64,
    /// Probes run at every evaluation.
    pub probes: Vec<ProbeSpec>,
    /// Tokens sampled after each next-token probe.
    pub sample_tokens: usize,
    /// How those tokens are drawn.
    #[serde(default)]
    pub sampling: SampleSettings,
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
    /// Why these cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if !(self.temperature >= 0.0 && self.temperature <= 10.0) {
            return Some("the temperature must be between 0 and 10");
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Some("top-p must be above 0 and at most 1");
        }
        None
    }
}

impl PretrainSettings {
    /// The Learn area's defaults for an objective: the tiny masked model with a new
    /// WordPiece vocabulary, or the character-level next-token model.
    pub fn defaults(objective: Objective) -> Self {
        let (architecture, vocabulary, batch_size, seq_len) = match objective {
            Objective::Mlm => (
                Architecture::preset("tiny").expect("preset"),
                Vocabulary::WordPiece { size: 4096 },
                32,
                64,
            ),
            Objective::Clm => (
                Architecture::preset("char").expect("preset"),
                Vocabulary::Char,
                12,
                64,
            ),
        };
        Self {
            objective,
            start: LmStart::Scratch {
                architecture,
                vocabulary,
            },
            steps: 1000,
            batch_size,
            seq_len,
            lr: 1e-3,
            dropout: match objective {
                Objective::Mlm => 0.1,
                Objective::Clm => 0.0,
            },
            eval_every: 50,
            heldout_share: 0.1,
            seed: 42,
            probes: Vec::new(),
            sample_tokens: 40,
            sampling: SampleSettings::default(),
        }
    }
}

impl PretrainSettings {
    /// Why these settings cannot run, in the Learn panel's words (None when they can).
    pub fn problem(&self) -> Option<String> {
        if let LmStart::Scratch {
            architecture,
            vocabulary,
        } = &self.start
        {
            if let Err(e) = architecture.validate() {
                return Some(format!("Model shape: {e}"));
            }
            if self.seq_len > architecture.context {
                return Some(format!(
                    "Block length {} is longer than the context ({})",
                    self.seq_len, architecture.context
                ));
            }
            if let Vocabulary::WordPiece { size } | Vocabulary::Bpe { size } = vocabulary
                && *size < 64
            {
                return Some("Vocabulary size must be at least 64".into());
            }
        }
        if self.steps == 0 || self.batch_size == 0 || self.eval_every == 0 {
            return Some("Steps, batch size and evaluation interval must be at least 1".into());
        }
        if self.seq_len < 4 {
            return Some("Block length must be at least 4 tokens".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr < 1.0) {
            return Some("Learning rate must be between 0 and 1".into());
        }
        if !(0.0..0.5).contains(&self.heldout_share) || !(0.0..1.0).contains(&self.dropout) {
            return Some("Held-out share must be below 0.5 and dropout below 1".into());
        }
        if let Some(p) = self.sampling.problem() {
            return Some(format!("Sampling: {p}"));
        }
        None
    }
}

/// The corpus as the run sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CorpusView {
    /// File name.
    pub name: String,
    /// Characters.
    pub chars: usize,
    /// Training tokens.
    pub train_tokens: usize,
    /// Held-out tokens.
    pub heldout_tokens: usize,
    /// Distinct tokens seen.
    pub distinct: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// ln(vocabulary), nats.
    pub uniform: f64,
    /// Unigram entropy (in sample), nats.
    pub unigram: f64,
    /// Bigram conditional entropy (in sample), nats.
    pub bigram: f64,
    /// The most frequent token.
    pub top_token: String,
    /// Its share: the accuracy of always guessing it.
    pub top_share: f64,
    /// How the corpus's first words split into tokens.
    pub sample_tokens: Vec<String>,
    /// Lines of the file that held no text (JSONL/CSV), as "line N: why".
    pub problems: Vec<String>,
}

/// One candidate token and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenScore {
    /// The token as the vocabulary writes it.
    pub token: String,
    /// Its probability (or, for word neighbours, its cosine similarity).
    pub score: f32,
}

/// Where the expected word ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedRank {
    /// The token looked for.
    pub token: String,
    /// 1 = most likely.
    pub rank: usize,
    /// Its probability.
    pub score: f32,
}

/// A probe's answer at one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The probe's text.
    pub text: String,
    /// The top candidates at the (first) mask, or for the next token.
    pub top: Vec<TokenScore>,
    /// The expected word's rank, when one was named.
    pub expected: Option<ExpectedRank>,
    /// A sampled continuation (next-token models).
    pub generated: Option<String>,
    /// Why the probe could not run (no mask in the text), instead of an answer.
    pub error: Option<String>,
}

/// Progress of a pre-training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LmUpdate {
    /// The run starts.
    Started {
        /// Steps in all.
        total_steps: usize,
        /// Parameters of the model.
        parameters: u64,
        /// Layers, width, heads of the model.
        architecture: Architecture,
        /// The corpus.
        corpus: CorpusView,
        /// Notes (a new head, the tokenizer's origin).
        notes: Vec<String>,
    },
    /// A step was taken.
    Step {
        /// Steps done.
        step: usize,
        /// Steps in all.
        total_steps: usize,
        /// This step's loss.
        loss: f64,
        /// Tokens per second of training.
        tokens_per_s: f64,
        /// Seconds left.
        eta_s: f64,
    },
    /// The held-out tail was scored and the probes run.
    Evaluated {
        /// Steps done (0: before training).
        step: usize,
        /// Mean loss per predicted token, nats.
        loss: f64,
        /// exp(loss).
        perplexity: f64,
        /// Share of predicted tokens right.
        accuracy: f64,
        /// Best so far (kept).
        best: bool,
        /// Each probe's answer.
        probes: Vec<ProbeResult>,
    },
}

/// How a pre-training run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmResult {
    /// Steps taken.
    pub steps: usize,
    /// Step of the kept model.
    pub best_step: usize,
    /// Its held-out loss.
    pub heldout_loss: Option<f64>,
    /// Its held-out accuracy.
    pub heldout_accuracy: Option<f64>,
    /// Why it stopped early.
    pub stopped: Option<String>,
    /// The key it is kept under in the browser (loadable to fine-tune).
    pub saved_as: Option<String>,
    /// Why keeping it failed.
    pub save_error: Option<String>,
}

/// Which model's attention to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionOf {
    /// The model pre-trained in this tab.
    Pretrained,
    /// The model loaded in the Model panel (or fine-tuned from it).
    Loaded,
}

/// Attention probabilities for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionView {
    /// Which model.
    pub of: AttentionOf,
    /// Its name.
    pub model: String,
    /// The tokens.
    pub tokens: Vec<String>,
    /// Whether the maps are causal (empty above the diagonal).
    pub causal: bool,
    /// `[layer][head][query][key]`.
    pub maps: Vec<Vec<Vec<Vec<f32>>>>,
}

/// How sentence embeddings are drawn in two dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Projection {
    /// Principal components: linear, the axes' share of variance shown.
    Pca,
    /// t-SNE: neighbourhoods kept, distances between clusters not meaningful.
    Tsne,
}

/// Which model an embedding map is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapStage {
    /// The loaded model, before fine-tuning.
    Loaded,
    /// The model fine-tuned in this tab.
    FineTuned,
}

/// One example on an embedding map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoint {
    /// Position.
    pub x: f32,
    /// Position.
    pub y: f32,
    /// Index into [`EmbeddingMap::labels`].
    pub label: usize,
    /// The example's text.
    pub text: String,
    /// Its line in the file.
    pub line: usize,
}

/// Sentence embeddings of labelled examples, projected to two dimensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingMap {
    /// Which model.
    pub stage: MapStage,
    /// Its name.
    pub model: String,
    /// How the points were projected.
    pub projection: Projection,
    /// PCA: the share of variance of each axis.
    pub explained: Option<[f64; 2]>,
    /// Label names, in colour order.
    pub labels: Vec<String>,
    /// The examples.
    pub points: Vec<MapPoint>,
    /// How well the labels separate: accuracy of each point's nearest other point's label,
    /// in the full embedding space (leave-one-out 1-NN by cosine).
    pub neighbour_agreement: f64,
}

/// Which embedding table a word's neighbours come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableOf {
    /// The model pre-trained in this tab, at step 0 (random weights, or the checkpoint's).
    PretrainedAtStart,
    /// The model pre-trained in this tab, as kept.
    Pretrained,
    /// The model loaded in the Model panel.
    Loaded,
}

/// A word's nearest tokens in one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighbourList {
    /// Which table.
    pub of: TableOf,
    /// The model's name.
    pub model: String,
    /// The token looked up (the word, or its first piece); `None` when the vocabulary has
    /// nothing for it.
    pub token: Option<String>,
    /// Whether the word is one token of this vocabulary.
    pub whole_word: bool,
    /// Nearest tokens, closest first, with their cosine similarity.
    pub nearest: Vec<TokenScore>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn default_settings_fit_their_architecture() {
        for o in [Objective::Mlm, Objective::Clm] {
            let s = PretrainSettings::defaults(o);
            let LmStart::Scratch { architecture, .. } = s.start else {
                panic!("defaults start from scratch")
            };
            assert!(architecture.validate().is_ok());
            assert!(s.seq_len <= architecture.context);
        }
        // The character preset is issue 9's ~0.8 M-parameter recipe.
        assert!(
            PretrainSettings::defaults(Objective::Mlm)
                .problem()
                .is_none()
        );
        let mut bad = PretrainSettings::defaults(Objective::Clm);
        bad.seq_len = 65;
        assert!(
            bad.problem().unwrap().contains("context"),
            "{:?}",
            bad.problem()
        );
        bad.seq_len = 64;
        bad.lr = f64::NAN;
        assert!(bad.problem().unwrap().contains("Learning rate"));
        bad.lr = 1e-3;
        bad.sampling.top_p = 0.0;
        assert!(
            bad.problem().unwrap().contains("top-p"),
            "{:?}",
            bad.problem()
        );
        bad.sampling = SampleSettings {
            temperature: f64::NAN,
            ..SampleSettings::default()
        };
        assert!(bad.problem().unwrap().contains("temperature"));
        // Settings saved before sampling existed still read.
        let mut old = serde_json::to_value(PretrainSettings::defaults(Objective::Clm)).unwrap();
        old.as_object_mut().unwrap().remove("sampling");
        let read: PretrainSettings = serde_json::from_value(old).unwrap();
        assert_eq!(read.sampling, SampleSettings::default());
        let char = crate::shared::Architecture::preset("char").unwrap();
        assert_eq!(char.parameters(82), 829_138);
    }
}
