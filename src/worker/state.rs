//! What the worker holds between requests: the device, the base model's files, the parsed
//! data, a run in progress and the model ready to predict.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::prelude::Device;

use super::outbox::{post, sleep_ms};
use crate::checkpoint::ModelFiles;
use crate::data::Parsed;
use crate::data::qa::Reading;
use crate::model::{BertClassifier, BertConfig, BertModel};
use crate::protocol::{BackendInfo, FromWorker, PauseState, RequestKind, ToWorker};

/// A model ready to predict: fine-tuned here or imported.
pub(super) struct Tuned {
    /// The name it is saved and exported under.
    pub name: String,
    /// The model.
    pub model: BertClassifier,
    /// Its config (layers kept).
    pub config: BertConfig,
    /// Its labels, in class order.
    pub labels: Vec<String>,
    /// The files it came from (the tokenizer).
    pub files: Rc<ModelFiles>,
    /// Longest input for predictions (question answering: the window length).
    pub max_len: usize,
    /// Question answering: the tokens windows share, and how answers are read.
    pub qa: (usize, Reading),
}

/// A language model pre-trained in this tab, ready to probe and look inside.
pub(super) struct Pretrained {
    /// The name it is kept under.
    pub name: String,
    /// The model (inference device).
    pub model: crate::model::BertLm,
    /// Its tokenizer.
    pub tokenizer: crate::data::tokenizer::TextTokenizer,
    /// Longest input for probes.
    pub max_len: usize,
    /// Its input embedding table at step 0, for word neighbours before and after.
    pub initial_words: burn::Tensor<2>,
}

/// The loaded base model: its files, the layers to keep, its name.
#[derive(Clone)]
pub(super) struct Base {
    pub files: Rc<ModelFiles>,
    pub keep_layers: Option<usize>,
    pub name: String,
}

/// The run in progress: whose it is, and its pause and cancel flags, set by requests between
/// steps.
pub(super) struct RunControl {
    pub kind: RequestKind,
    pub paused: Cell<bool>,
    pub cancelled: Cell<bool>,
}

impl RunControl {
    /// A new run of this kind, neither paused nor cancelled.
    pub fn new(kind: RequestKind) -> Self {
        Self {
            kind,
            paused: Cell::new(false),
            cancelled: Cell::new(false),
        }
    }

    /// Says where this run's pause stands, naming the run.
    pub fn steered(&self, pause: PauseState) {
        post(
            &FromWorker::Steered {
                run: self.kind,
                pause,
            },
            Vec::new(),
        );
    }

    /// Waits while the run is paused, saying so when the pause takes hold (between steps, after
    /// the one that was running when it was asked for); false once it is cancelled.
    pub async fn proceed(&self) -> bool {
        if self.paused.get() && !self.cancelled.get() {
            self.steered(PauseState::Paused);
            while self.paused.get() && !self.cancelled.get() {
                sleep_ms(100).await;
            }
        }
        !self.cancelled.get()
    }
}

/// Everything the worker holds.
#[derive(Default)]
pub(super) struct Session {
    pub device: Option<Device>,
    pub backend: BackendInfo,
    pub base: Option<Base>,
    pub data: Option<Rc<Parsed>>,
    /// The data file's group columns: each example's group, in the examples' order.
    pub groups: Vec<crate::data::groups::ExampleGroups>,
    /// Auxiliary tasks for multi-task training: each file's name and parsed examples.
    pub aux: Vec<(String, Rc<Parsed>)>,
    pub tuned: Option<Rc<Tuned>>,
    pub pretrained: Option<Rc<Pretrained>>,
    pub run: Option<Rc<RunControl>>,
    /// The base model's encoder once loaded for looking inside (embeddings, attention,
    /// neighbours), with the files it came from.
    pub encoder: Option<(Rc<ModelFiles>, Rc<BertModel>)>,
    /// Requests that arrived while the device was starting, answered once it is up.
    pub waiting: Vec<(ToWorker, Vec<Vec<u8>>)>,
    pub starting: bool,
}

pub(super) type Shared = Rc<RefCell<Session>>;

/// The fine-tuned (or imported) model, when it is a text classifier; `what` names the test
/// that needs one, for the message when it is not ("the robustness test attacks").
pub(super) fn tuned_classifier(session: &Shared, what: &str) -> Result<Rc<Tuned>, String> {
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("fine-tune a model first (Train panel), or import a fine-tuned one")?;
    match tuned.model.task {
        crate::model::Task::Classify => Ok(tuned),
        task => Err(format!(
            "{what} text classifiers; this model does {}",
            task.describe()
        )),
    }
}

/// The device, once started.
pub(super) fn device_of(session: &Shared) -> Result<Device, String> {
    session
        .borrow()
        .device
        .clone()
        .ok_or_else(|| "the device is not started yet".to_string())
}

/// The loaded base model's encoder (its kept layers) on the inference device, loaded once per
/// base model.
pub(super) fn base_encoder(session: &Shared) -> Result<(Base, Rc<BertModel>), String> {
    let base = session.borrow().base.clone().ok_or("load a model first")?;
    if let Some((files, encoder)) = &session.borrow().encoder
        && Rc::ptr_eq(files, &base.files)
    {
        return Ok((base, encoder.clone()));
    }
    let device = device_of(session)?;
    let (encoder, _, _) = crate::checkpoint::load_encoder(
        &base.files.config,
        &base.files.weights,
        base.keep_layers,
        &device,
    )
    .map_err(|e| e.to_string())?;
    let encoder = Rc::new(encoder);
    session.borrow_mut().encoder = Some((base.files.clone(), encoder.clone()));
    Ok((base, encoder))
}
