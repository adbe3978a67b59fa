//! The UI's state, one area per part of the page. An area is a bundle of signals with the
//! methods that change it. Writers: the bridge ([`super::worker`]), which routes each worker
//! message to the area it concerns, and the area's own panel; other panels only read it.

use leptos::prelude::*;

mod answer;
mod compare;
mod pretrain;
mod run;
mod search;

pub use answer::{CounterfactualArea, GroupsArea};
pub use compare::CompareArea;
pub use pretrain::{PretrainArea, default_probes};
pub use run::{EpochRow, RunArea, RunStatus, StepPoint};
pub use search::{SEARCHED, SearchArea};

use crate::protocol::{
    BackendInfo, DataSummary, ModelInfo, PredictionView, SavedModel, Timing, WorkerMemory,
};
use crate::ui::format::human_bytes;

/// The compute worker itself: its device, and the message of a fatal stop.
#[derive(Clone, Copy)]
pub struct DeviceArea {
    /// The device the worker runs on (None until it reports).
    pub backend: RwSignal<Option<BackendInfo>>,
    /// The worker stopped on a fatal error: its message.
    pub fatal: RwSignal<Option<String>>,
}

/// The Model panel: the loaded model, loading, and the models kept in the browser.
#[derive(Clone, Copy)]
pub struct ModelArea {
    /// The loaded model.
    pub model: RwSignal<Option<ModelInfo>>,
    /// Status line.
    pub status: RwSignal<String>,
    /// Loading in progress.
    pub busy: RwSignal<bool>,
    /// Download progress: (file, loaded, total).
    pub download: RwSignal<Option<(String, u64, Option<u64>)>>,
    /// Models kept in the browser.
    pub saved: RwSignal<Vec<SavedModel>>,
}

impl ModelArea {
    /// A load was asked for; `what` says what is happening.
    pub fn loading(&self, what: &str) {
        self.busy.set(true);
        self.status.set(what.into());
    }

    /// The worker loaded a model.
    pub fn loaded(&self, model: ModelInfo) {
        self.busy.set(false);
        self.download.set(None);
        self.status.set(format!("loaded {}", model.name));
        self.model.set(Some(model));
    }

    /// A load failed (`message` names the cause).
    pub fn failed(&self, message: &str) {
        self.busy.set(false);
        self.download.set(None);
        self.status
            .set(format!("could not load the model: {message}"));
    }

    /// The worker restarted: its model is gone.
    pub fn lost(&self) {
        self.model.set(None);
        self.busy.set(false);
        self.download.set(None);
        self.status
            .set("the worker restarted: load a model again".into());
    }

    /// The model's position table (tracked): the longest maximum length.
    pub fn positions(&self) -> Option<usize> {
        self.model.with(|m| m.as_ref().map(|m| m.max_positions))
    }
}

/// The Data panel: the parsed file, or why it could not be read.
#[derive(Clone, Copy)]
pub struct DataArea {
    /// The parsed data.
    pub data: RwSignal<Option<DataSummary>>,
    /// A file the worker could not take: its message.
    pub message: RwSignal<String>,
    /// Auxiliary tasks for multi-task training, as the worker holds them.
    pub aux: RwSignal<Vec<crate::protocol::AuxSummary>>,
    /// An auxiliary file the worker could not take: its message.
    pub aux_message: RwSignal<String>,
}

impl DataArea {
    /// A new file is on its way to the worker.
    pub fn parsing(&self) {
        self.data.set(None);
        self.message.set(String::new());
    }

    /// A file the browser could not read.
    pub fn unreadable(&self, file: String, error: String) {
        self.data.set(Some(DataSummary {
            file,
            error: Some(error),
            ..Default::default()
        }));
    }

    /// The task of the parsed file, if one is loaded (tracked).
    pub fn task(&self) -> Option<crate::protocol::Task> {
        self.data.with(|d| d.as_ref().and_then(|d| d.task))
    }

    /// Data that a run can start from (tracked).
    pub fn usable(&self) -> bool {
        self.data
            .with(|d| d.as_ref().is_some_and(|d| d.error.is_none()))
    }
}

/// The Try it panel: the latest prediction and the last file predicted.
#[derive(Clone, Copy)]
pub struct PredictArea {
    /// The latest prediction: (request id, view).
    pub prediction: RwSignal<Option<(u64, PredictionView)>>,
    /// Status line.
    pub message: RwSignal<String>,
    /// Batch predictions: (count, csv, jsonl).
    pub batch: RwSignal<Option<(usize, String, String)>>,
}

impl PredictArea {
    /// A prediction arrived; an older request's answer never replaces a newer one's.
    pub fn show(&self, id: u64, view: PredictionView) {
        self.message.set(String::new());
        if self
            .prediction
            .with_untracked(|p| p.as_ref().is_none_or(|(old, _)| id >= *old))
        {
            self.prediction.set(Some((id, view)));
        }
    }

    /// A file was predicted.
    pub fn batch_done(&self, count: usize, csv: String, jsonl: String) {
        self.message.set(format!("{count} texts predicted"));
        self.batch.set(Some((count, csv, jsonl)));
    }
}

/// The Export panel's status line.
#[derive(Clone, Copy)]
pub struct ExportArea {
    /// Status line.
    pub message: RwSignal<String>,
}

/// The robustness test in the Evaluate panel.
#[derive(Clone, Copy)]
pub struct AttackArea {
    /// The last test's report.
    pub report: RwSignal<Option<crate::protocol::AttackReport>>,
    /// Status line.
    pub status: RwSignal<String>,
    /// (examples done, in all) while a test runs.
    pub progress: RwSignal<Option<(usize, usize)>>,
}

impl AttackArea {
    /// The test ended with this report.
    pub fn show(&self, report: crate::protocol::AttackReport) {
        self.progress.set(None);
        self.status.set(String::new());
        self.report.set(Some(report));
    }
}

/// The speed test in the Model panel: the cases timed so far.
#[derive(Clone, Copy)]
pub struct SpeedArea {
    /// Each case timed, in order.
    pub timings: RwSignal<Vec<Timing>>,
    /// Status line.
    pub status: RwSignal<String>,
    /// A test is running.
    pub running: RwSignal<bool>,
    /// The worker's memory after the last test.
    pub memory: RwSignal<Option<WorkerMemory>>,
}

impl SpeedArea {
    /// A test was asked for.
    pub fn started(&self) {
        self.timings.set(Vec::new());
        self.memory.set(None);
        self.running.set(true);
        self.status.set("measuring…".into());
    }

    /// A case was timed.
    pub fn timed(&self, timing: Timing) {
        self.timings.update(|t| t.push(timing));
    }

    /// The test ended.
    pub fn done(
        &self,
        stopped: Option<String>,
        skipped: Vec<String>,
        memory: WorkerMemory,
        split_steps: bool,
    ) {
        self.running.set(false);
        let mut status = match stopped {
            Some(why) => format!("stopped ({why}); the cases timed are kept"),
            None => "done".into(),
        };
        if split_steps {
            status.push_str("; training steps split between two CPU workers");
        }
        for why in skipped {
            status.push_str(&format!("; left out {why}"));
        }
        status.push_str(&format!(
            "; the worker's memory peaked at {}",
            human_bytes(memory.wasm_bytes)
        ));
        if let Some(reserved) = memory.device_reserved_bytes {
            status.push_str(&format!(", the GPU's pools hold {}", human_bytes(reserved)));
        }
        self.memory.set(Some(memory));
        self.status.set(status);
    }

    /// The test failed (or the worker restarted).
    pub fn failed(&self, message: String) {
        self.running.set(false);
        self.status.set(message);
    }
}

/// Every area: made once by `App`, given to the panels as contexts and to the bridge.
#[derive(Clone, Copy)]
pub struct Areas {
    /// The worker's device.
    pub device: DeviceArea,
    /// Model panel.
    pub model: ModelArea,
    /// Data panel.
    pub data: DataArea,
    /// Train panel and its result.
    pub run: RunArea,
    /// Try it panel.
    pub predict: PredictArea,
    /// Export panel.
    pub export: ExportArea,
    /// Learn and Look inside panels.
    pub pretrain: PretrainArea,
    /// "What is it worth?" panel.
    pub compare: CompareArea,
    /// Search panel.
    pub search: SearchArea,
    /// The speed test.
    pub speed: SpeedArea,
    /// The robustness test.
    pub attack: AttackArea,
    /// Scoring by group.
    pub groups: GroupsArea,
    /// The counterfactual test.
    pub counterfactual: CounterfactualArea,
}

impl Areas {
    /// Fresh areas with the saved run history, each provided as a context.
    pub fn provide() -> Self {
        let areas = Self {
            device: DeviceArea {
                backend: RwSignal::new(None),
                fatal: RwSignal::new(None),
            },
            model: ModelArea {
                model: RwSignal::new(None),
                status: RwSignal::new("no model loaded".into()),
                busy: RwSignal::new(false),
                download: RwSignal::new(None),
                saved: RwSignal::new(Vec::new()),
            },
            data: DataArea {
                data: RwSignal::new(None),
                aux: RwSignal::new(Vec::new()),
                aux_message: RwSignal::new(String::new()),
                message: RwSignal::new(String::new()),
            },
            run: RunArea::new(),
            predict: PredictArea {
                prediction: RwSignal::new(None),
                message: RwSignal::new(String::new()),
                batch: RwSignal::new(None),
            },
            export: ExportArea {
                message: RwSignal::new(String::new()),
            },
            pretrain: PretrainArea::new(),
            compare: CompareArea::new(),
            search: SearchArea::new(),
            speed: SpeedArea {
                timings: RwSignal::new(Vec::new()),
                status: RwSignal::new(String::new()),
                running: RwSignal::new(false),
                memory: RwSignal::new(None),
            },
            attack: AttackArea {
                report: RwSignal::new(None),
                status: RwSignal::new(String::new()),
                progress: RwSignal::new(None),
            },
            groups: GroupsArea::new(),
            counterfactual: CounterfactualArea::new(),
        };
        provide_context(areas.device);
        provide_context(areas.model);
        provide_context(areas.data);
        provide_context(areas.run);
        provide_context(areas.predict);
        provide_context(areas.compare);
        provide_context(areas.search);
        provide_context(areas.export);
        provide_context(areas.pretrain);
        provide_context(areas.speed);
        provide_context(areas.attack);
        provide_context(areas.groups);
        provide_context(areas.counterfactual);
        areas
    }
}

/// There is a model to predict with and export (tracked): a finished run, or a loaded model
/// that already has a task head.
/// The task of the model the Try-it panel asks: the last run's, else the loaded model's.
pub fn tuned_task(model: ModelArea, run: RunArea) -> Option<crate::protocol::Task> {
    run.result
        .with(|r| r.as_ref().and_then(|r| r.task))
        .or_else(|| model.model.with(|m| m.as_ref().and_then(|m| m.task)))
}

pub fn can_predict(model: ModelArea, run: RunArea) -> bool {
    run.result.with(Option::is_some)
        || model
            .model
            .with(|m| m.as_ref().is_some_and(|m| m.task.is_some()))
}
