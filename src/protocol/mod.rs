//! The typed messages between the UI (`app`) and the Web Worker (`worker`).
//!
//! Both sides compile this module; the UI compiles nothing else of the engine, so these are
//! their own serde types, not the engine's. On the wire a message is a JS array: the message
//! as JSON first, then any byte attachments (files, weights, a zip) as `Uint8Array`s whose
//! buffers are transferred, not copied.

use serde::{Deserialize, Serialize};

/// What the UI asks of the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// The first message: probe WebGPU and start the device (Flex on the CPU when
    /// `prefer_cpu` or when there is no usable adapter).
    Start {
        /// Skip WebGPU even where the browser has it.
        prefer_cpu: bool,
    },
    /// Load a model. `Files` comes with one attachment per name.
    LoadModel {
        /// Where from.
        origin: ModelOrigin,
        /// Keep only the first N encoder layers.
        keep_layers: Option<usize>,
    },
    /// List the models kept in the browser.
    ListModels,
    /// Remove a kept model.
    DeleteModel {
        /// Its key from [`SavedModel::key`].
        key: String,
    },
    /// Parse a labeled data file (one attachment: its bytes).
    ParseData {
        /// File name (the extension picks the format).
        name: String,
        /// Column mapping, when detection is to be overridden.
        columns: ColumnChoice,
    },
    /// Fine-tune the loaded model on the parsed data.
    Train {
        /// Hyperparameters.
        settings: TrainSettings,
    },
    /// Pause before the next step.
    Pause,
    /// Continue a paused run.
    Resume,
    /// End the run, keeping the best model so far.
    Cancel,
    /// Predict one text with the fine-tuned (or imported) model.
    Predict {
        /// Echoed back, so late answers to old texts can be dropped.
        id: u64,
        /// The text.
        text: String,
    },
    /// Predict every text of a file (one attachment).
    PredictFile {
        /// File name.
        name: String,
    },
    /// Export the fine-tuned model as a zip of a Hugging Face folder.
    Export,
}

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum ModelOrigin {
    /// all-MiniLM-L6-v2, served with the app.
    Default,
    /// A folder URL holding config.json, model.safetensors, tokenizer.json (or vocab.txt).
    Url {
        /// The folder's URL.
        url: String,
    },
    /// A Hugging Face Hub model: `{hub}/{id}/resolve/{revision}/{file}`.
    Hub {
        /// The hub's base URL.
        hub: String,
        /// The model id, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
        id: String,
        /// A branch, tag or commit.
        revision: String,
    },
    /// Files the person picked (a `.zip` export is unpacked); one attachment per name.
    Files {
        /// File names, in attachment order.
        names: Vec<String>,
    },
    /// A model kept in the browser.
    Saved {
        /// Its key.
        key: String,
    },
}

/// The columns of a CSV/TSV/JSONL file to read; `None` means detect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnChoice {
    /// The text column.
    pub text: Option<String>,
    /// The label column.
    pub label: Option<String>,
}

/// Fine-tuning settings as the UI shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    /// Passes over the training data.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Longest input in tokens; longer ones are cut.
    pub max_len: usize,
    /// Share of steps spent warming up the learning rate.
    pub warmup_ratio: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of the data held out for validation.
    pub valid_fraction: f64,
    /// Seed of the split and the order.
    pub seed: u64,
    /// Train on the valid rows of a file with problems.
    pub skip_invalid: bool,
}

/// The command line's recipe (learning rate 1e-4, Hugging Face Trainer's warm-up, decay and
/// clipping), which matched PyTorch's accuracy (BENCHMARKS.md), with a batch and length that
/// keep a first run short in a browser.
impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            epochs: 3,
            batch_size: 16,
            lr: 1e-4,
            max_len: 64,
            warmup_ratio: 0.1,
            weight_decay: 0.0,
            valid_fraction: 0.1,
            seed: 42,
            skip_invalid: true,
        }
    }
}

/// What the worker tells the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// The device is up.
    Ready {
        /// Which backend runs, and on what.
        backend: BackendInfo,
    },
    /// Bytes of a model file arrived.
    Download {
        /// The file.
        file: String,
        /// Bytes so far.
        loaded: u64,
        /// Size, when the server says.
        total: Option<u64>,
    },
    /// A model is loaded and ready to fine-tune.
    ModelLoaded {
        /// What it is.
        model: ModelInfo,
    },
    /// The models kept in the browser.
    Models {
        /// Each of them.
        models: Vec<SavedModel>,
    },
    /// A data file was parsed.
    DataParsed {
        /// Its summary.
        data: DataSummary,
    },
    /// Progress of a run.
    Training {
        /// What happened.
        update: TrainUpdate,
    },
    /// A run ended; the model is ready to evaluate, predict with and export.
    Finished {
        /// Its outcome.
        result: RunResult,
    },
    /// The prediction of [`ToWorker::Predict`].
    Prediction {
        /// The request's id.
        id: u64,
        /// Its result.
        result: PredictionView,
    },
    /// Predictions for a whole file, ready to download.
    BatchPredicted {
        /// Texts predicted.
        count: usize,
        /// `text,label,score,...` CSV.
        csv: String,
        /// One JSON object per line.
        jsonl: String,
    },
    /// The zip of [`ToWorker::Export`] (one attachment).
    Exported {
        /// Suggested file name.
        file_name: String,
    },
    /// A request failed; `request` names it (e.g. "load_model").
    Failed {
        /// The request kind.
        request: String,
        /// What went wrong and what to try.
        message: String,
    },
    /// The worker hit an unrecoverable error (a lost device, out of memory) and must restart.
    Fatal {
        /// What happened.
        message: String,
    },
}

/// The backend the worker runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// `webgpu` or `cpu`.
    pub kind: String,
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
    /// `classify` or `ner` for a fine-tuned checkpoint.
    pub task: Option<String>,
    /// Its labels, for a fine-tuned checkpoint.
    pub labels: Vec<String>,
    /// Facts worth showing (initialised head, dropped layers).
    pub notes: Vec<String>,
}

/// Bytes of GPU memory training needs, roughly: weights, gradients and AdamW's two moments
/// (4 copies of f32 parameters) plus the activations autodiff keeps for the backward pass.
pub fn training_memory_bytes(model: &ModelInfo, batch: usize, seq: usize) -> u64 {
    let (b, s, h) = (batch as u64, seq as u64, model.hidden as u64);
    let (heads, ff) = (model.heads as u64, model.intermediate as u64);
    // Per layer: ~10 hidden-sized tensors (projections, residuals, norms, dropout masks),
    // 2 feed-forward-sized ones, and 3 attention score tensors (scores, softmax, dropout).
    let per_layer = b * s * (10 * h + 2 * ff) + 3 * b * heads * s * s;
    let embeddings = 4 * b * s * h;
    4 * (4 * model.parameters + per_layer * model.layers as u64 + embeddings)
}

/// A model kept in the browser's cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Key to load or delete it.
    pub key: String,
    /// Its name.
    pub name: String,
    /// `downloaded` or `fine-tuned`.
    pub kind: String,
    /// Bytes it takes.
    pub bytes: u64,
}

/// A parsed data file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File name.
    pub file: String,
    /// `classify` or `ner`.
    pub task: String,
    /// Valid examples.
    pub examples: usize,
    /// Columns of a CSV/TSV/JSONL file (empty for CoNLL).
    pub columns: Vec<String>,
    /// The first examples: (line, text, label or tags).
    pub preview: Vec<(usize, String, String)>,
    /// Label (or entity type) counts, most frequent first.
    pub labels: Vec<(String, usize)>,
    /// Problems by line.
    pub problems: Vec<(usize, String)>,
    /// Notes (tag scheme converted, and the like).
    pub notes: Vec<String>,
    /// Set when the file cannot be used at all.
    pub error: Option<String>,
}

/// One optimizer step as the training loop reports it: the engine's `train::Event::Step`, the
/// worker's `TrainUpdate::Step` and the UI's progress all carry this one value.
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

/// Progress of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainUpdate {
    /// The run starts.
    Started {
        /// Steps in all.
        total_steps: usize,
        /// Steps per epoch.
        steps_per_epoch: usize,
        /// Training examples.
        train_examples: usize,
        /// Validation examples.
        valid_examples: usize,
        /// What preparing the data noticed.
        notes: Vec<String>,
    },
    /// A step was taken.
    Step(StepStats),
    /// An epoch was evaluated.
    Evaluated {
        /// Epoch (1-based).
        epoch: usize,
        /// Mean training loss.
        train_loss: f64,
        /// Validation scores.
        report: Report,
        /// Best so far (kept).
        best: bool,
    },
    /// Paused or resumed.
    Paused {
        /// Whether it is paused now.
        paused: bool,
    },
}

/// Precision, recall, F1 and support.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// True instances.
    pub support: usize,
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
}

impl Report {
    /// Macro-F1 (classification) or entity F1 (NER): what the best epoch is chosen by.
    pub fn score(&self) -> f64 {
        match self {
            Report::Classify { macro_f1, .. } => *macro_f1,
            Report::Ner { f1, .. } => *f1,
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
    /// Probability of the prediction (classification).
    pub confidence: f32,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
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
        /// (start char, end char, type, score).
        entities: Vec<(usize, usize, String, f32)>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_json() {
        let m = ToWorker::LoadModel {
            origin: ModelOrigin::Hub {
                hub: "http://127.0.0.1:9".into(),
                id: "a/b".into(),
                revision: "main".into(),
            },
            keep_layers: Some(2),
        };
        let back: ToWorker = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn memory_estimate_grows_with_batch_and_length() {
        let minilm = ModelInfo {
            layers: 6,
            hidden: 384,
            heads: 12,
            intermediate: 1536,
            parameters: 22_700_000,
            ..Default::default()
        };
        let small = training_memory_bytes(&minilm, 16, 64);
        assert!(small > 4 * 4 * 22_700_000);
        assert!(training_memory_bytes(&minilm, 32, 64) > small);
        assert!(training_memory_bytes(&minilm, 16, 128) > small);
        // MiniLM at 16 x 64 needs a few hundred MB, not GBs.
        assert!(small < 1_000_000_000, "{small}");
    }
}
