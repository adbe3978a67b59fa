//! The Train panel's area: settings, the run in progress, its result, and the history of past
//! runs kept in `localStorage`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::protocol::{
    Diagnosis, EpochLoss, PauseState, Report, RunResult, StepStats, TrainSettings, TrainUpdate,
    diagnose,
};

/// Where a run stands. `train-status` shows these words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// No run yet.
    Idle,
    /// Training.
    Running,
    /// A pause was asked for; the step in progress finishes first.
    Pausing,
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
            RunStatus::Pausing => "pausing",
            RunStatus::Paused => "paused",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
        }
    }

    /// A run is in progress: running, pausing or paused.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            RunStatus::Running | RunStatus::Pausing | RunStatus::Paused
        )
    }

    /// Pausing or paused: the pause button offers Resume.
    pub fn held(self) -> bool {
        matches!(self, RunStatus::Pausing | RunStatus::Paused)
    }

    /// The status after the worker's news of a pause or a resume.
    pub fn steered(pause: PauseState) -> RunStatus {
        match pause {
            PauseState::Pausing => RunStatus::Pausing,
            PauseState::Paused => RunStatus::Paused,
            PauseState::Resumed => RunStatus::Running,
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

/// One auxiliary task's evaluated epoch (multi-task runs).
#[derive(Debug, Clone, PartialEq)]
pub struct AuxEpochRow {
    /// Epoch (1-based).
    pub epoch: usize,
    /// The task's file.
    pub name: String,
    /// Mean training loss of its steps.
    pub train_loss: f64,
    /// Its validation loss.
    pub valid_loss: f64,
    /// Its validation scores.
    pub report: Report,
}

/// One evaluated epoch of the current run.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub train_loss: f64,
    /// Validation loss after it.
    pub valid_loss: f64,
    /// Validation scores.
    pub report: Report,
    /// Best so far (kept).
    pub best: bool,
}

impl EpochRow {
    /// Its two losses, as the diagnosis reads them.
    pub fn losses(&self) -> EpochLoss {
        EpochLoss {
            epoch: self.epoch,
            train: self.train_loss,
            valid: self.valid_loss,
        }
    }
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
    /// Validation loss per epoch (empty in runs kept by an older version).
    #[serde(default)]
    pub valid_losses: Vec<f64>,
    /// What the losses showed, in a sentence.
    #[serde(default)]
    pub fit: Option<String>,
    /// Final validation scores.
    pub report: Option<Report>,
    /// How it ended.
    pub outcome: String,
    /// Key of the kept model.
    pub saved_as: Option<String>,
}

/// The Train panel and what it feeds: settings, the run in progress, its result (read by
/// Evaluate, Try it and Export) and the history of past runs.
#[derive(Clone, Copy)]
pub struct RunArea {
    /// Settings of the next run (the Data panel sets the split ones).
    pub settings: RwSignal<TrainSettings>,
    /// Status of the run.
    pub status: RwSignal<RunStatus>,
    /// Status message (failure, stop reason).
    pub message: RwSignal<String>,
    /// Live progress.
    pub progress: RwSignal<Progress>,
    /// Loss per step of the current run.
    pub losses: RwSignal<Vec<StepPoint>>,
    /// Evaluated epochs of the current run.
    pub epochs: RwSignal<Vec<EpochRow>>,
    /// The validation loss at the chosen step interval, in the current run.
    pub valid_points: RwSignal<Vec<StepPoint>>,
    /// The auxiliary tasks' evaluated epochs, in the current (multi-task) run.
    pub aux_epochs: RwSignal<Vec<AuxEpochRow>>,
    /// The last finished run.
    pub result: RwSignal<Option<RunResult>>,
    /// Past runs, newest first.
    pub runs: RwSignal<Vec<RunRecord>>,
    /// EDA's synonyms for the augmentation preview's texts (from the loaded model), with the
    /// words looked up; and what they were asked for (the model's name and the texts).
    pub synonyms: RwSignal<Option<(crate::shared::eda::Synonyms, usize)>>,
    /// What the synonyms shown (or on their way) were asked for.
    pub synonyms_for: RwSignal<Option<(String, Vec<String>)>>,
}

const RUNS_KEY: &str = "anneal.runs";
/// Past runs kept.
const RUNS_KEPT: usize = 20;

pub(super) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl RunArea {
    pub(super) fn new() -> Self {
        let runs = storage()
            .and_then(|s| s.get_item(RUNS_KEY).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        Self {
            settings: RwSignal::new(TrainSettings::default()),
            synonyms: RwSignal::new(None),
            aux_epochs: RwSignal::new(Vec::new()),
            synonyms_for: RwSignal::new(None),
            status: RwSignal::new(RunStatus::Idle),
            message: RwSignal::new(String::new()),
            progress: RwSignal::new(Progress::default()),
            losses: RwSignal::new(Vec::new()),
            epochs: RwSignal::new(Vec::new()),
            valid_points: RwSignal::new(Vec::new()),
            result: RwSignal::new(None),
            runs: RwSignal::new(runs),
        }
    }

    /// A run is in progress, paused or not (tracked).
    pub fn running(&self) -> bool {
        self.status.get().in_progress()
    }

    /// Clears the last run's curves and result for a new one; returns its settings.
    pub fn start(&self) -> TrainSettings {
        self.status.set(RunStatus::Running);
        self.message
            .set("preparing the data and compiling GPU kernels…".into());
        self.losses.set(Vec::new());
        self.epochs.set(Vec::new());
        self.aux_epochs.set(Vec::new());
        self.valid_points.set(Vec::new());
        self.progress.set(Progress::default());
        self.result.set(None);
        self.settings.get_untracked()
    }

    /// A model with `positions` positions was loaded: as on the command line, the maximum
    /// length is the default or the position table, whichever is shorter.
    pub fn fit_to(&self, positions: usize) {
        self.settings
            .update(|s| s.max_len = s.max_len.min(positions));
    }

    /// A training update from the worker.
    pub fn update(&self, update: TrainUpdate) {
        match update {
            TrainUpdate::Started {
                total_steps,
                train_examples,
                valid_examples,
                notes,
                ..
            } => self.progress.set(Progress {
                total: total_steps,
                notes,
                sizes: (train_examples, valid_examples),
                ..Default::default()
            }),
            TrainUpdate::Step(stats) => {
                self.progress.update(|p| {
                    p.total = stats.total_steps;
                    p.last = stats;
                });
                // The loss curve is the main task's; an auxiliary task's steps are its own.
                if stats.task == 0 {
                    self.losses.update(|l| {
                        l.push(StepPoint {
                            step: stats.step,
                            loss: stats.loss,
                        })
                    });
                }
            }
            TrainUpdate::Validated { step, valid_loss } => self.valid_points.update(|v| {
                v.push(StepPoint {
                    step,
                    loss: valid_loss,
                })
            }),
            TrainUpdate::AuxEvaluated {
                epoch,
                name,
                train_loss,
                valid_loss,
                report,
            } => self.aux_epochs.update(|e| {
                e.push(AuxEpochRow {
                    epoch,
                    name,
                    train_loss,
                    valid_loss,
                    report,
                })
            }),
            TrainUpdate::Evaluated {
                epoch,
                train_loss,
                valid_loss,
                report,
                best,
            } => self.epochs.update(|e| {
                e.push(EpochRow {
                    epoch,
                    train_loss,
                    valid_loss,
                    report,
                    best,
                })
            }),
        }
    }

    /// The run ended: its status line, the run kept in the history (`model` and `data` name
    /// what it trained), the result for the panels after it.
    pub fn finish(&self, result: RunResult, model: String, data: String) {
        self.status.set(RunStatus::Done);
        let kept = match result.best_epoch {
            0 => "no epoch finished, so the weights of the last good step were kept".into(),
            n => format!("kept epoch {n}"),
        };
        self.message.set(match &result.stopped {
            Some(reason) => format!("stopped: {reason}; {kept}"),
            None => format!("finished; {kept}"),
        });
        let started = js_sys::Date::new_0()
            .to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED)
            .into();
        self.record(RunRecord {
            started,
            model,
            data,
            settings: self.settings.get_untracked(),
            losses: thin(&self.losses.get_untracked(), 300),
            epochs: self.epochs.with_untracked(|e| {
                e.iter()
                    .map(|r| (r.epoch, r.train_loss, r.report.score()))
                    .collect()
            }),
            valid_losses: self
                .epochs
                .with_untracked(|e| e.iter().map(|r| r.valid_loss).collect()),
            fit: Some(self.diagnosis(result.best_epoch).sentence),
            report: result.report.clone(),
            outcome: result.stopped.clone().unwrap_or_else(|| "finished".into()),
            saved_as: result.saved_as.clone(),
        });
        self.result.set(Some(result));
    }

    /// What the current run's epochs show, the run keeping epoch `kept`.
    pub fn diagnosis(&self, kept: usize) -> Diagnosis {
        self.epochs.with(|e| {
            let losses: Vec<EpochLoss> = e.iter().map(EpochRow::losses).collect();
            diagnose(&losses, kept)
        })
    }

    /// The run (or a pause/resume/cancel) failed.
    pub fn failed(&self, message: String) {
        self.status.set(RunStatus::Failed);
        self.message.set(message);
    }

    /// The worker stopped: a run in progress failed with `message`.
    pub fn lost(&self, message: &str) {
        if self.status.get_untracked().in_progress() {
            self.failed(message.into());
        }
    }

    /// Removes past run `index` from the history.
    pub fn forget(&self, index: usize) {
        self.runs.update(|runs| {
            if index < runs.len() {
                runs.remove(index);
            }
        });
        self.save_runs();
    }

    fn record(&self, record: RunRecord) {
        self.runs.update(|runs| {
            runs.insert(0, record);
            runs.truncate(RUNS_KEPT);
        });
        self.save_runs();
    }

    fn save_runs(&self) {
        if let Some(s) = storage() {
            let json = self
                .runs
                .with_untracked(|runs| serde_json::to_string(runs).unwrap_or_default());
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
