//! What the panels show, as the worker sends it: the backend, a model, the browser's kept
//! models, a data file's summary, validation reports and examples, predictions; and the
//! browser's names for the settings.

use serde::{Deserialize, Serialize};

use crate::shared::{CompareSettingsError, Scores, Setting, SettingsError, Task};

/// The browser's name for a setting: its field's label (Train or Data panel), for messages.
pub fn setting_label(setting: Setting) -> &'static str {
    match setting {
        Setting::Epochs => "Epochs",
        Setting::BatchSize => "Batch size",
        Setting::LearningRate => "Learning rate",
        Setting::MaxLen => "Max length",
        Setting::DocStride => "Doc stride",
        Setting::Warmup => "Warm-up",
        Setting::WeightDecay => "Weight decay",
        Setting::ValidFraction => "Validation share",
        Setting::Patience => "Patience",
        Setting::EvalEvery => "Validation every",
        Setting::FreezeLayers => "Frozen layers",
        Setting::LoraRank => "LoRA rank",
        Setting::LoraAlpha => "LoRA alpha",
        Setting::LoraDropout => "LoRA dropout",
        Setting::Augment => "Augmentation",
        Setting::Adversarial => "Adversarial training",
        Setting::AdversarialAlpha => "PGD step size",
        Setting::AdversarialSteps => "PGD steps",
    }
}

/// A comparison setting's error in the browser's words, with the Worth panel's labels.
pub fn compare_setting_message(e: &CompareSettingsError) -> String {
    let label = match e {
        CompareSettingsError::Sizes => "Label counts",
        CompareSettingsError::Seeds(_) => "Seeds",
        CompareSettingsError::MinSteps(_) => "Least steps per run",
        CompareSettingsError::Remedies => "Augmentation and adversarial training (Train panel)",
        CompareSettingsError::Variants
        | CompareSettingsError::Duplicate(_)
        | CompareSettingsError::Variant { .. } => "The variants",
        CompareSettingsError::SelfPretrainSteps => "The variants",
    };
    format!("{label} {e}")
}

/// A setting error in the browser's words: "Batch size must be at least 1".
pub fn setting_message(e: &SettingsError) -> String {
    format!("{} {e}", setting_label(e.setting()))
}

/// Which of burn's backends the worker runs on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-wgpu on the browser's WebGPU.
    WebGpu,
    /// burn's Flex on the CPU, in WebAssembly.
    #[default]
    Cpu,
}

/// The backend the worker runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// Which backend.
    pub kind: Backend,
    /// The adapter's vendor/architecture/description, or the CPU backend's name.
    pub adapter: String,
    /// Why the CPU runs instead of WebGPU, when it does.
    pub fallback_reason: Option<String>,
    /// A software adapter (SwiftShader): correct but slow.
    pub is_fallback_adapter: bool,
    /// Whether the adapter offers `shader-f16`.
    pub shader_f16: bool,
    /// The adapter's largest buffer, in bytes.
    pub max_buffer_size: u64,
    /// The adapter's largest storage binding, in bytes.
    pub max_storage_binding: u64,
}

/// How much memory the worker holds, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerMemory {
    /// The worker's WebAssembly memory (the CPU backend's tensors live here). It never
    /// shrinks: the peak since the worker started.
    pub wasm_bytes: u64,
    /// GPU memory the device's pools hold reserved (WebGPU only).
    pub device_reserved_bytes: Option<u64>,
}

/// A loaded model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// A short name.
    pub name: String,
    /// Where it came from.
    pub source: String,
    /// Encoder layers kept.
    pub layers: usize,
    /// Encoder layers in the checkpoint.
    pub total_layers: usize,
    /// Hidden size.
    pub hidden: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward size.
    pub intermediate: usize,
    /// Vocabulary size.
    pub vocab: usize,
    /// Longest input the position table allows.
    pub max_positions: usize,
    /// Parameters of the kept encoder.
    pub parameters: u64,
    /// The task of a fine-tuned checkpoint (`None` for a base model).
    pub task: Option<Task>,
    /// Its labels, for a fine-tuned checkpoint.
    pub labels: Vec<String>,
    /// Facts worth showing (initialised head, dropped layers).
    pub notes: Vec<String>,
}

/// A model kept in the browser's cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Key to load or delete it.
    pub key: String,
    /// Its name.
    pub name: String,
    /// How it came to be kept.
    pub kind: SavedKind,
    /// Bytes it takes.
    pub bytes: u64,
}

/// How a model came to be kept in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SavedKind {
    /// Fetched from a URL or the Hub, kept as downloaded.
    Downloaded,
    /// A run's best model, kept as soon as it was found.
    FineTuned,
}

impl SavedKind {
    /// The word the Model panel shows.
    pub fn word(self) -> &'static str {
        match self {
            SavedKind::Downloaded => "downloaded",
            SavedKind::FineTuned => "fine-tuned",
        }
    }
}

/// An auxiliary task's file, as the Data panel lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuxSummary {
    /// File name.
    pub name: String,
    /// Its task.
    pub task: Task,
    /// Its usable examples.
    pub examples: usize,
    /// Its labels (classes or tags).
    pub labels: usize,
    /// Rows with problems (left out of training).
    pub problems: usize,
}

/// A parsed data file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File name.
    pub file: String,
    /// The task of its examples (`None` when the file cannot be read at all).
    pub task: Option<Task>,
    /// Valid examples.
    pub examples: usize,
    /// Rows read (sentences for NER), valid or not: `rows - examples` were skipped.
    pub rows: usize,
    /// Rows that run over several lines of the file (quoted fields with line breaks).
    pub multiline: Vec<RowSpan>,
    /// Columns of a CSV/TSV/JSONL file (empty for CoNLL).
    pub columns: Vec<String>,
    /// The first examples.
    pub preview: Vec<PreviewRow>,
    /// Label (or entity type) counts, most frequent first.
    pub labels: Vec<(String, usize)>,
    /// Problems by line.
    pub problems: Vec<LineProblem>,
    /// Notes (tag scheme converted, and the like).
    pub notes: Vec<String>,
    /// Set when the file cannot be used at all.
    pub error: Option<String>,
    /// Question answering: lengths in tokens, for windows at the chosen maximum length.
    #[serde(default)]
    pub qa: Option<QaLengths>,
    /// Columns that can group the examples (for scoring by group), with their groups.
    #[serde(default)]
    pub groups: Vec<crate::shared::groups::GroupColumn>,
}

/// A question-answering file's lengths in tokens (by the loaded model's tokenizer), from which
/// the Data panel counts the windows each question needs at the chosen maximum length and doc
/// stride, as `data::qa::windows` will cut them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QaLengths {
    /// Special tokens a window adds around a question and a passage (`[CLS] q [SEP] p [SEP]`: 3).
    pub added: usize,
    /// Each question's (question tokens, passage tokens), in file order.
    pub lengths: Vec<(usize, usize)>,
    /// Questions without an answer (SQuAD v2).
    pub unanswerable: usize,
    /// Distinct passages.
    pub passages: usize,
}

impl QaLengths {
    /// The windows a question of `q` tokens over a passage of `p` tokens needs, windows of
    /// `max_len` tokens sharing `stride`; `None` when the question leaves no room.
    pub fn windows(&self, (q, p): (usize, usize), max_len: usize, stride: usize) -> Option<usize> {
        if q + p + self.added <= max_len {
            return Some(1);
        }
        let room = max_len.checked_sub(q + self.added)?;
        if room <= stride {
            return None;
        }
        Some(1 + (p - room).div_ceil(room - stride))
    }
}

/// One example of a data file, as the preview shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// Its line.
    pub line: usize,
    /// The text (NER: the words joined by spaces; question answering: the passage).
    pub text: String,
    /// The label (NER: the tags joined by spaces; question answering: the question).
    pub label: String,
    /// Question answering: the gold answers' character spans in `text`.
    #[serde(default)]
    pub spans: Vec<(usize, usize)>,
}

/// What is wrong with one line of a data file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineProblem {
    /// The line.
    pub line: usize,
    /// What is wrong, in words.
    pub message: String,
}

/// A row of a data file that runs over several lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowSpan {
    /// Its first line.
    pub first: usize,
    /// Its last line.
    pub last: usize,
    /// Set when it looks like rows swallowed by a quote that never closes.
    pub warning: Option<String>,
}

/// Validation scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum Report {
    /// Text classification.
    Classify {
        /// Examples scored.
        examples: usize,
        /// Accuracy.
        accuracy: f64,
        /// Macro-F1.
        macro_f1: f64,
        /// Weighted F1.
        weighted_f1: f64,
        /// Per label.
        per_class: Vec<(String, Scores)>,
        /// Label order of the matrix.
        labels: Vec<String>,
        /// `matrix[true][predicted]`.
        matrix: Vec<Vec<usize>>,
    },
    /// Entity recognition.
    Ner {
        /// Sentences scored.
        examples: usize,
        /// Entity precision.
        precision: f64,
        /// Entity recall.
        recall: f64,
        /// Entity F1.
        f1: f64,
        /// Word tag accuracy.
        token_accuracy: f64,
        /// Per entity type.
        per_type: Vec<(String, Scores)>,
    },
    /// Question answering (SQuAD's metrics, 0–100).
    Qa {
        /// Questions scored.
        examples: usize,
        /// Exact match.
        exact_match: f64,
        /// Token F1.
        f1: f64,
        /// (exact match, F1, count) over the questions with an answer (SQuAD v2).
        has_answer: Option<(f64, f64, usize)>,
        /// The same over the questions without one.
        no_answer: Option<(f64, f64, usize)>,
        /// (question type, count, exact match, F1).
        by_type: Vec<(String, usize, f64, f64)>,
    },
}

impl Report {
    /// Macro-F1 (classification), entity F1 (NER), F1 as a share (question answering): what
    /// the best epoch is chosen by.
    pub fn score(&self) -> f64 {
        match self {
            Report::Classify { macro_f1, .. } => *macro_f1,
            Report::Ner { f1, .. } => *f1,
            Report::Qa { f1, .. } => *f1 / 100.0,
        }
    }
}

/// One validation example with the model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidExample {
    /// Line in the data file.
    pub line: usize,
    /// The text (NER: the words joined by spaces).
    pub text: String,
    /// True label (NER: the entities as `text (TYPE)`).
    pub gold: String,
    /// Predicted label (NER: likewise).
    pub predicted: String,
    /// Probability of the prediction (classification; question answering: among the n best).
    pub confidence: f32,
    /// Question answering: the passage and the spans in it.
    #[serde(default)]
    pub qa: Option<QaAnswerView>,
}

/// A question's passage with its gold answers and the model's, for the Evaluate panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaAnswerView {
    /// The passage.
    pub context: String,
    /// The gold answers' character spans.
    pub gold: Vec<(usize, usize)>,
    /// The answer's character span (empty for "no answer").
    pub predicted: (usize, usize),
    /// The answer's F1 against the best gold answer, 0–100.
    pub f1: f64,
}

/// One span of a passage, as the Try-it panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanView {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The passage's characters.
    pub text: String,
    /// Its probability among the n best.
    pub score: f32,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The task the model was fine-tuned for.
    #[serde(default)]
    pub task: Option<Task>,
    /// The epoch whose model was kept (0: none finished).
    pub best_epoch: usize,
    /// Its validation scores.
    pub report: Option<Report>,
    /// Why the run ended early, if it did.
    pub stopped: Option<String>,
    /// Validation examples with predictions, for the confusion matrix and error lists.
    pub examples: Vec<ValidExample>,
    /// Key of the fine-tuned model kept in the browser, if saving worked.
    pub saved_as: Option<String>,
    /// Why it could not be kept, if it could not.
    pub save_error: Option<String>,
}

/// A prediction for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum PredictionView {
    /// Labels with probabilities, most probable first.
    Classify {
        /// (label, probability).
        scores: Vec<(String, f32)>,
    },
    /// Entities in the text.
    Ner {
        /// The text predicted.
        text: String,
        /// Each entity found, in text order.
        entities: Vec<EntitySpan>,
    },
    /// The answer to a question, a span of the passage.
    Qa {
        /// The passage.
        context: String,
        /// The answer (empty text: no answer).
        answer: SpanView,
        /// The next best spans, best first.
        next: Vec<SpanView>,
    },
}

/// An entity found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntitySpan {
    /// Character offset of its start.
    pub start: usize,
    /// Character offset one past its end.
    pub end: usize,
    /// Its type.
    pub label: String,
    /// Mean probability of its tags.
    pub score: f32,
}
