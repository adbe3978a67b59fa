//! The UI's state: one reactive store, filled from the worker's messages, plus the run
//! history kept in `localStorage`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::protocol::{
    BackendInfo, DataSummary, ModelInfo, PredictionView, Report, RunResult, SavedModel, StepStats,
    TrainSettings,
};

/// Where a run stands. `train-status` shows these words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// No run yet.
    Idle,
    /// Training.
    Running,
    /// Paused between steps.
    Paused,
    /// Finished (also after a cancel: the best model so far is kept).
    Done,
    /// Failed with a message.
    Failed,
}

impl RunStatus {
    /// The word shown.
    pub fn word(self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
        }
    }
}

/// One point of the live curves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepPoint {
    /// Step (1-based).
    pub step: usize,
    /// Loss of that step.
    pub loss: f64,
}

/// Live progress of the current run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Steps in all.
    pub total: usize,
    /// The last step taken.
    pub last: StepStats,
    /// Notes from preparing the data.
    pub notes: Vec<String>,
    /// Training/validation sizes.
    pub sizes: (usize, usize),
}

/// A finished (or failed) run, as kept across reloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// When it started, in words.
    pub started: String,
    /// Model name.
    pub model: String,
    /// Data file name.
    pub data: String,
    /// Its settings.
    pub settings: TrainSettings,
    /// Loss per step, thinned to at most 300 points.
    pub losses: Vec<StepPoint>,
    /// (epoch, training loss, validation score).
    pub epochs: Vec<(usize, f64, f64)>,
    /// Final validation scores.
    pub report: Option<Report>,
    /// How it ended.
    pub outcome: String,
    /// Key of the kept model.
    pub saved_as: Option<String>,
}

/// Everything the panels read.
#[derive(Clone, Copy)]
pub struct Store {
    /// The device the worker runs on (None until it reports).
    pub backend: RwSignal<Option<BackendInfo>>,
    /// The loaded model.
    pub model: RwSignal<Option<ModelInfo>>,
    /// Model panel status line.
    pub model_status: RwSignal<String>,
    /// Model loading in progress.
    pub model_busy: RwSignal<bool>,
    /// Download progress: (file, loaded, total).
    pub download: RwSignal<Option<(String, u64, Option<u64>)>>,
    /// Models kept in the browser.
    pub saved: RwSignal<Vec<SavedModel>>,
    /// The parsed data.
    pub data: RwSignal<Option<DataSummary>>,
    /// Data panel message (a file the worker could not take).
    pub data_message: RwSignal<String>,
    /// Settings of the next run.
    pub settings: RwSignal<TrainSettings>,
    /// Status of the run.
    pub status: RwSignal<RunStatus>,
    /// Status message (failure, stop reason).
    pub status_message: RwSignal<String>,
    /// Live progress.
    pub progress: RwSignal<Progress>,
    /// Loss per step of the current run.
    pub losses: RwSignal<Vec<StepPoint>>,
    /// (epoch, train loss, report, best) per evaluated epoch.
    pub epochs: RwSignal<Vec<(usize, f64, Report, bool)>>,
    /// The last finished run.
    pub result: RwSignal<Option<RunResult>>,
    /// The latest prediction: (request id, view).
    pub prediction: RwSignal<Option<(u64, PredictionView)>>,
    /// Prediction panel message.
    pub predict_message: RwSignal<String>,
    /// Batch predictions: (count, csv, jsonl).
    pub batch: RwSignal<Option<(usize, String, String)>>,
    /// Export panel message.
    pub export_message: RwSignal<String>,
    /// Past runs.
    pub runs: RwSignal<Vec<RunRecord>>,
    /// The worker stopped on a fatal error: its message.
    pub fatal: RwSignal<Option<String>>,
}

const RUNS_KEY: &str = "anneal.runs";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Store {
    /// A store with the saved run history.
    pub fn new() -> Self {
        let runs = storage()
            .and_then(|s| s.get_item(RUNS_KEY).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        Self {
            backend: RwSignal::new(None),
            model: RwSignal::new(None),
            model_status: RwSignal::new("no model loaded".into()),
            model_busy: RwSignal::new(false),
            download: RwSignal::new(None),
            saved: RwSignal::new(Vec::new()),
            data: RwSignal::new(None),
            data_message: RwSignal::new(String::new()),
            settings: RwSignal::new(TrainSettings::default()),
            status: RwSignal::new(RunStatus::Idle),
            status_message: RwSignal::new(String::new()),
            progress: RwSignal::new(Progress::default()),
            losses: RwSignal::new(Vec::new()),
            epochs: RwSignal::new(Vec::new()),
            result: RwSignal::new(None),
            prediction: RwSignal::new(None),
            predict_message: RwSignal::new(String::new()),
            batch: RwSignal::new(None),
            export_message: RwSignal::new(String::new()),
            runs: RwSignal::new(runs),
            fatal: RwSignal::new(None),
        }
    }

    /// Adds a run to the history (newest first, at most 20) and saves it.
    pub fn record_run(&self, record: RunRecord) {
        self.runs.update(|runs| {
            runs.insert(0, record);
            runs.truncate(20);
        });
        self.save_runs();
    }

    /// Writes the history to `localStorage`.
    pub fn save_runs(&self) {
        if let Some(s) = storage() {
            let json = serde_json::to_string(&self.runs.get_untracked()).unwrap_or_default();
            let _ = s.set_item(RUNS_KEY, &json);
        }
    }
}

/// Thins a curve to at most `n` points, keeping the last.
pub fn thin(points: &[StepPoint], n: usize) -> Vec<StepPoint> {
    if points.len() <= n {
        return points.to_vec();
    }
    let stride = points.len().div_ceil(n);
    let mut out: Vec<StepPoint> = points.iter().step_by(stride).copied().collect();
    if out.last() != points.last() {
        out.extend(points.last().copied());
    }
    out
}

/// Bytes in words (KB, MB, GB).
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} KB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Seconds in words.
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
