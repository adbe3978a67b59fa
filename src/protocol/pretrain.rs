//! Pre-training's messages (the Learn tab's): progress with probe results, and attention maps. Engine-free
//! views, like the rest of the protocol; the settings themselves are `shared::pretrain`'s.

use serde::{Deserialize, Serialize};

use crate::shared::{Architecture, PretrainSetting, PretrainSettingsError};

/// The browser's name for a pre-training setting: its field's label in the Learn panel.
pub fn pretrain_setting_label(setting: PretrainSetting) -> &'static str {
    match setting {
        PretrainSetting::Architecture => "Model shape:",
        PretrainSetting::VocabularySize => "Vocabulary size",
        PretrainSetting::Steps => "Steps",
        PretrainSetting::BatchSize => "Batch",
        PretrainSetting::SeqLen => "Block length",
        PretrainSetting::LearningRate => "Learning rate",
        PretrainSetting::Warmup => "Warm-up",
        PretrainSetting::WeightDecay => "Weight decay",
        PretrainSetting::Dropout => "Dropout",
        PretrainSetting::EvalEvery => "Evaluate every",
        PretrainSetting::EvalBatches => "Evaluation batches",
        PretrainSetting::Heldout => "Held-out share",
        PretrainSetting::Temperature => "Temperature",
        PretrainSetting::TopP => "Top-p",
    }
}

/// A pre-training settings error in the browser's words: "Block length must be between …".
pub fn pretrain_setting_message(e: &PretrainSettingsError) -> String {
    format!("{} {e}", pretrain_setting_label(e.setting()))
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
