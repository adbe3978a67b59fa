//! The typed messages between the UI (`app`) and the Web Worker (`worker`).
//!
//! Both sides compile this module; the UI compiles nothing else of the engine, so these are
//! their own serde types, not the engine's (the engine-free vocabulary they share with it is
//! [`crate::shared`]). Fields are named, kinds are enums: nothing across the boundary is
//! matched as a string. On the wire a message is a JS array: the message as JSON first, then
//! any byte attachments (files, weights, a zip) as `Uint8Array`s whose buffers are
//! transferred, not copied ([`wire`], in the browser only). Which attachments a request carries is said by its
//! doc; a missing one is an error naming it.
//!
//! Rooms: this file (the requests and events), [`pretrain`] (pre-training and looking inside a
//! model), [`views`] (what the panels show: models, data summaries, reports, predictions),
//! [`estimate`] (training memory) and `wire`.

pub mod estimate;
pub mod pretrain;
pub mod views;
#[cfg(all(feature = "web", target_family = "wasm"))]
pub mod wire;

use serde::{Deserialize, Serialize};

pub use crate::shared::counterfactual::CounterfactualReport;
pub use crate::shared::groups::{GroupColumn, GroupMetrics, GroupReport, GroupSettings};
pub use crate::shared::speed::{SpeedCase, Timing, Workload};
pub use crate::shared::tag_swaps::{CounterfactualAnswer, TagSwapReport};
pub use crate::shared::{
    Adaptation, Adversarial, AdversarialExample, AdversarialKind, Architecture, AttackKind,
    AttackReport, AttackSettings, AugmentKind, Augmentation, BestBy, Changes, CompareProgress,
    CompareSettings, Comparison, Diagnosis, EpochLoss, LabelCount, LmStart, LoraSettings,
    LoraTargets, Objective, PairedDiff, PretrainSetting, PretrainSettings, PretrainSettingsError,
    ProbeSpec, Robustness, SampleSettings, Scores, Setting, SettingsError, StartKind, StepStats,
    Task, TaskSampling, TrainSettings, Variant, Verdict, Vocabulary, diagnose,
};
pub use estimate::{
    DeviceLimits, DoesNotFit, check_fit, trainable_parameters, training_memory_bytes,
};
pub use pretrain::*;
pub use views::*;

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
    /// Add an auxiliary task for multi-task training: a labelled file (one attachment: its
    /// bytes), classification or entities, its columns found as the data file's are.
    AddAux {
        /// File name (the extension picks the format).
        name: String,
    },
    /// Remove the auxiliary tasks.
    ClearAux,
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
    /// Predict one text with the fine-tuned (or imported) model; for a question-answering
    /// model, the text is the question and `context` its passage.
    Predict {
        /// Echoed back, so late answers to old texts can be dropped.
        id: u64,
        /// The text (the question).
        text: String,
        /// The passage a question is about.
        #[serde(default)]
        context: Option<String>,
    },
    /// Predict every text of a file (one attachment).
    PredictFile {
        /// File name.
        name: String,
    },
    /// Export the fine-tuned model as a zip of a Hugging Face folder.
    Export {
        /// A model card to put in it as `README.md` (`shared::card`, composed by the UI from
        /// what the panels show).
        #[serde(default)]
        card: Option<String>,
    },
    /// Pre-train a language model on a corpus (one attachment: its bytes). `Pause`, `Resume`
    /// and `Cancel` steer it as they steer fine-tuning.
    Pretrain {
        /// The corpus file's name (the extension picks the format).
        corpus_name: String,
        /// Settings.
        settings: PretrainSettings,
    },
    /// Run probes on the pre-trained model now.
    Probe {
        /// The probes.
        probes: Vec<ProbeSpec>,
        /// How next-token continuations are drawn.
        #[serde(default)]
        sampling: SampleSettings,
    },
    /// Attention maps of a model for a text.
    Attention {
        /// Which model.
        of: AttentionOf,
        /// The text.
        text: String,
    },
    /// "What is pre-training worth?" on the loaded model and data. `Pause`, `Resume` and
    /// `Cancel` steer it as they steer fine-tuning.
    Compare {
        /// Label counts, seeds, self-pre-training and the fine-tuning settings.
        settings: CompareSettings,
    },
    /// A hyperparameter search on the loaded model and data: a comparison whose variants are
    /// the trials (as [`Grid::settings`](crate::shared::Grid::settings) makes it), each scored
    /// on the validation set. `Pause`, `Resume` and `Cancel` steer it.
    Search {
        /// The trials, seeds and the fine-tuning settings they change.
        settings: CompareSettings,
    },
    /// Sentence embeddings of the data's examples by the loaded and the fine-tuned model.
    EmbeddingMap {
        /// How to draw them.
        projection: Projection,
        /// Most examples to draw.
        limit: usize,
    },
    /// A word's nearest tokens in every embedding table at hand.
    Neighbours {
        /// The word.
        word: String,
        /// How many.
        k: usize,
    },
    /// EDA's synonyms for the words of these texts (the Train panel's preview), from the
    /// loaded model's input embeddings, as a run would find them.
    Synonyms {
        /// The texts whose words are looked up.
        texts: Vec<String>,
    },
    /// The robustness test of the fine-tuned (or imported) classifier: attack these
    /// examples (text, label by name) as `anneal attack` does.
    Attack {
        /// Which attack, how hard.
        settings: AttackSettings,
        /// The examples: text and true label.
        examples: Vec<(String, String)>,
    },
    /// The kept classifier's validation predictions scored by the groups of a column of the
    /// data file (Fairlearn's metrics by group, the gaps, bootstrap intervals).
    Groups {
        /// The group column (one of [`DataSummary::groups`]).
        column: String,
        /// Positive label, minimum group size, resamples, seed.
        settings: GroupSettings,
        /// The validation examples scored: line in the data file, true and predicted label.
        examples: Vec<(usize, String, String)>,
    },
    /// A counterfactual test of the kept classifier: swap the terms of these texts (and of
    /// templates filled with names) and predict each changed text before and after.
    Counterfactual {
        /// Which swap list.
        swap: SwapChoice,
        /// The texts (the validation examples' texts, or the person's).
        texts: Vec<String>,
        /// Templates with a `{name}` slot, filled from the swap list.
        templates: Vec<String>,
        /// Names drawn for each template.
        per_template: usize,
    },
    /// Time inference and training steps with the loaded model on this device. `Cancel`
    /// stops it between runs.
    Speed {
        /// What to time, in order.
        cases: Vec<SpeedCase>,
        /// What trains in the timed steps (the Train panel's choice).
        #[serde(default)]
        adaptation: Adaptation,
    },
}

/// Which request a [`FromWorker::Failed`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// [`ToWorker::Start`].
    Start,
    /// [`ToWorker::LoadModel`].
    LoadModel,
    /// [`ToWorker::ListModels`].
    ListModels,
    /// [`ToWorker::DeleteModel`].
    DeleteModel,
    /// [`ToWorker::ParseData`].
    ParseData,
    /// [`ToWorker::Train`], and the run it starts.
    Train,
    /// [`ToWorker::Pause`], [`ToWorker::Resume`] and [`ToWorker::Cancel`].
    Steer,
    /// [`ToWorker::Predict`].
    Predict,
    /// [`ToWorker::PredictFile`].
    PredictFile,
    /// [`ToWorker::Export`].
    Export,
    /// [`ToWorker::Pretrain`], and the run it starts.
    Pretrain,
    /// [`ToWorker::Probe`].
    Probe,
    /// [`ToWorker::Attention`].
    Attention,
    /// [`ToWorker::Compare`], and the runs it starts.
    Compare,
    /// [`ToWorker::Search`], and the runs it starts.
    Search,
    /// [`ToWorker::EmbeddingMap`].
    EmbeddingMap,
    /// [`ToWorker::Neighbours`].
    Neighbours,
    /// [`ToWorker::Speed`].
    Speed,
    /// [`ToWorker::Attack`].
    Attack,
    /// [`ToWorker::Synonyms`].
    Synonyms,
    /// [`ToWorker::Groups`].
    Groups,
    /// [`ToWorker::Counterfactual`].
    Counterfactual,
    /// [`ToWorker::AddAux`] and [`ToWorker::ClearAux`].
    Aux,
}

impl RequestKind {
    /// Whether the request starts a run: one at a time, steered by pause, resume and cancel.
    pub fn is_run(self) -> bool {
        matches!(
            self,
            RequestKind::Train
                | RequestKind::Pretrain
                | RequestKind::Compare
                | RequestKind::Search
                | RequestKind::Speed
        )
    }
}

impl ToWorker {
    /// The kind of this request.
    pub fn kind(&self) -> RequestKind {
        match self {
            ToWorker::Start { .. } => RequestKind::Start,
            ToWorker::LoadModel { .. } => RequestKind::LoadModel,
            ToWorker::ListModels => RequestKind::ListModels,
            ToWorker::DeleteModel { .. } => RequestKind::DeleteModel,
            ToWorker::ParseData { .. } => RequestKind::ParseData,
            ToWorker::Train { .. } => RequestKind::Train,
            ToWorker::Pause | ToWorker::Resume | ToWorker::Cancel => RequestKind::Steer,
            ToWorker::Predict { .. } => RequestKind::Predict,
            ToWorker::PredictFile { .. } => RequestKind::PredictFile,
            ToWorker::Export { .. } => RequestKind::Export,
            ToWorker::Pretrain { .. } => RequestKind::Pretrain,
            ToWorker::Probe { .. } => RequestKind::Probe,
            ToWorker::Attention { .. } => RequestKind::Attention,
            ToWorker::Compare { .. } => RequestKind::Compare,
            ToWorker::Search { .. } => RequestKind::Search,
            ToWorker::EmbeddingMap { .. } => RequestKind::EmbeddingMap,
            ToWorker::Neighbours { .. } => RequestKind::Neighbours,
            ToWorker::Speed { .. } => RequestKind::Speed,
            ToWorker::Attack { .. } => RequestKind::Attack,
            ToWorker::Synonyms { .. } => RequestKind::Synonyms,
            ToWorker::Groups { .. } => RequestKind::Groups,
            ToWorker::Counterfactual { .. } => RequestKind::Counterfactual,
            ToWorker::AddAux { .. } | ToWorker::ClearAux => RequestKind::Aux,
        }
    }
}

/// The swap list of a counterfactual test, as the UI sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "list", rename_all = "snake_case")]
pub enum SwapChoice {
    /// Gendered words and pronouns.
    Gender,
    /// First names by gender: the two lists' text (one name a line), as the app serves them.
    Names {
        /// The female first names.
        female: String,
        /// The male first names.
        male: String,
    },
    /// The person's own pairs: a two-column file's text.
    Custom {
        /// The file's name, for messages.
        file: String,
        /// Its text.
        text: String,
    },
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

/// What the worker tells the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is loaded and it listens: requests sent before this were dropped by
    /// the browser, so the UI holds them until it arrives.
    Listening,
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
    /// Progress of a pre-training run.
    Pretraining {
        /// What happened.
        update: LmUpdate,
    },
    /// A pre-training run ended.
    Pretrained {
        /// Its outcome.
        result: LmResult,
    },
    /// Answers of [`ToWorker::Probe`].
    Probed {
        /// One per probe.
        probes: Vec<ProbeResult>,
    },
    /// The maps of [`ToWorker::Attention`].
    Attention {
        /// The maps.
        view: AttentionView,
    },
    /// Progress of [`ToWorker::Compare`].
    Comparing {
        /// What happened.
        progress: CompareProgress,
    },
    /// A comparison ended (all runs, or the runs before a cancel).
    Compared {
        /// The scores.
        comparison: Comparison,
        /// Why it ended early, if it did.
        stopped: Option<String>,
    },
    /// Progress of [`ToWorker::Search`]: its trials' runs.
    Searching {
        /// What happened.
        progress: CompareProgress,
    },
    /// A search ended (all trials, or the runs before a cancel); the UI ranks the trials.
    Searched {
        /// The trials' scores.
        comparison: Comparison,
        /// Why it ended early, if it did.
        stopped: Option<String>,
    },
    /// The maps of [`ToWorker::EmbeddingMap`]: the loaded model's, and the fine-tuned one's
    /// when there is one.
    EmbeddingMaps {
        /// One per model.
        maps: Vec<EmbeddingMap>,
    },
    /// The answer to [`ToWorker::Neighbours`].
    Neighbours {
        /// The word asked about.
        word: String,
        /// One list per embedding table at hand.
        lists: Vec<NeighbourList>,
    },
    /// The auxiliary tasks now, after [`ToWorker::AddAux`] or [`ToWorker::ClearAux`].
    AuxTasks {
        /// Each task's file and what it holds.
        tasks: Vec<AuxSummary>,
    },
    /// The answer to [`ToWorker::Synonyms`].
    Synonyms {
        /// The synonyms found.
        synonyms: crate::shared::eda::Synonyms,
        /// The words looked up.
        wanted: usize,
    },
    /// How far [`ToWorker::Attack`] is: examples done of all.
    Attacking {
        /// Examples done.
        done: usize,
        /// Examples in all.
        total: usize,
    },
    /// The answer to [`ToWorker::Attack`].
    Attacked {
        /// What the attack did.
        report: AttackReport,
    },
    /// The answer to [`ToWorker::Groups`].
    Grouped {
        /// The metrics by group and the gaps.
        report: GroupReport,
        /// How the groups were made (buckets, missing values).
        note: String,
        /// The group of each example sent, in order (to filter the confusion matrix).
        members: Vec<String>,
    },
    /// The answer to [`ToWorker::Counterfactual`].
    Counterfactuals {
        /// What swapping did to the predictions.
        report: CounterfactualAnswer,
    },
    /// One case of [`ToWorker::Speed`] was timed.
    Timed {
        /// Its times.
        timing: Timing,
    },
    /// The speed test ended (every case, or those before a cancel).
    SpeedDone {
        /// Why it ended early, if it did.
        stopped: Option<String>,
        /// Cases left out, each with why (longer than the model's positions).
        skipped: Vec<String>,
        /// The worker's memory after the test: its WebAssembly memory (which only grows, so
        /// this is the most it has held since it started) and, on WebGPU, what the device's
        /// memory pools hold reserved.
        memory: WorkerMemory,
        /// Whether the training steps were split with a second CPU worker
        /// (`train::parallel`).
        split_steps: bool,
    },
    /// Where the pause of a run stands, and whose run it is (only one runs at a time, but the
    /// UI shows each kind in its own panel).
    Steered {
        /// The run: [`RequestKind::Train`], `Pretrain`, `Compare` or `Speed`.
        run: RequestKind,
        /// Pausing, paused or going on again.
        pause: PauseState,
    },
    /// A request failed.
    Failed {
        /// Which request.
        request: RequestKind,
        /// What went wrong and what to try.
        message: String,
    },
    /// The worker hit an unrecoverable error (a lost device, out of memory) and must restart.
    Fatal {
        /// What happened.
        message: String,
    },
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
    /// The validation loss between epochs (at the chosen step interval).
    Validated {
        /// Steps done.
        step: usize,
        /// The validation loss.
        valid_loss: f64,
    },
    /// An auxiliary task of a multi-task run was evaluated after an epoch.
    AuxEvaluated {
        /// Epoch (1-based).
        epoch: usize,
        /// The task's file.
        name: String,
        /// Mean training loss of its steps in the epoch.
        train_loss: f64,
        /// Its validation loss.
        valid_loss: f64,
        /// Its validation scores.
        report: Report,
    },
    /// An epoch was evaluated.
    Evaluated {
        /// Epoch (1-based).
        epoch: usize,
        /// Mean training loss.
        train_loss: f64,
        /// Validation loss after the epoch.
        #[serde(default)]
        valid_loss: f64,
        /// Validation scores.
        report: Report,
        /// Best so far (kept).
        best: bool,
    },
}

/// Where a run's pause stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseState {
    /// A pause was asked for; it takes hold once the step in progress has finished.
    Pausing,
    /// Stopped between steps: no step runs until a resume.
    Paused,
    /// Going on again.
    Resumed,
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

    /// A pause names its run, so that the UI shows it in that run's panel: the runs are the
    /// five requests that start one, and only they.
    #[test]
    fn a_pause_says_whose_run_it_is() {
        let m = FromWorker::Steered {
            run: RequestKind::Pretrain,
            pause: PauseState::Paused,
        };
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            json.contains("\"pretrain\"") && json.contains("\"paused\""),
            "{json}"
        );
        let runs = [
            RequestKind::Train,
            RequestKind::Pretrain,
            RequestKind::Compare,
            RequestKind::Search,
            RequestKind::Speed,
        ];
        assert!(runs.iter().all(|r| r.is_run()));
        for other in [
            RequestKind::Predict,
            RequestKind::Steer,
            RequestKind::Export,
        ] {
            assert!(!other.is_run(), "{other:?}");
        }
    }
}
