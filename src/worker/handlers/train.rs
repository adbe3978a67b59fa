//! `Train`: the recipe's plan from the loaded model and data, the loop with progress as
//! messages, pause and cancel between steps, each new best epoch kept in the browser's cache at
//! once (a lost device or a closed tab loses nothing learned), and the result for the
//! Evaluate panel.

use std::rc::Rc;

use wasm_bindgen_futures::JsFuture;

use super::super::entry::{post, scope};
use super::super::plan::plan_run;
use super::super::replica::{self, ReplicaWorker};
use super::super::state::{Base, RunControl, Shared, Tuned, device_of};
use super::super::store;
use super::super::to_proto::{model_shape, recipe_error, report, train_update, valid_answers};
use crate::checkpoint::{export_config, export_safetensors};
use crate::model::{BertClassifier, BertConfig};
use crate::protocol::{DeviceLimits, FromWorker, RunResult, TrainSettings, TrainUpdate, check_fit};
use crate::shared::Task;
use crate::train::parallel::Peer;
use crate::train::recipe;
use crate::train::{Control, Event, Hook, fine_tune_with, predict_probabilities};

/// Fine-tunes the loaded model on the parsed data: the recipe's plan, then the loop, with
/// progress as messages and every new best epoch kept in the browser.
pub(in crate::worker) async fn run(
    session: &Shared,
    settings: TrainSettings,
) -> Result<(), String> {
    let device = device_of(session)?;
    let Base {
        files,
        keep_layers,
        name: base_name,
    } = session.borrow().base.clone().ok_or("load a model first")?;
    let parsed = session
        .borrow()
        .data
        .clone()
        .ok_or("load a data file first")?;
    let plan = plan_run(&parsed, &files, &settings).map_err(|e| recipe_error(&e))?;
    let (model, config, loaded) =
        recipe::load(&plan, &files, keep_layers, &device.clone().autodiff())
            .map_err(|e| e.to_string())?;
    fits(session, &model, &config, &plan)?;
    let mut notes = plan.notes.clone();
    notes.extend(loaded);
    let (data, train_config, max_len) = (&plan.data, &plan.config, plan.max_len);
    let valid_examples = &plan.valid_examples;
    let run = Rc::new(RunControl::default());
    session.borrow_mut().run = Some(run.clone());
    let task = match plan.task {
        Task::Classify => "classify",
        Task::Ner => "ner",
    };
    let save_as = format!("{base_name}-{task}-{}", now_stamp());
    let seed = train_config.seed.wrapping_add(1);
    let (peer, note) = replica::for_run(&device, &model, &config, &plan.adaptation, seed).await;
    notes.extend(note);
    let mut control = WorkerControl {
        peer,
        run,
        keep: Keeper {
            config_json: export_config(&config, plan.task, &data.labels),
            tokenizer_json: files.tokenizer_json()?,
            save_as: save_as.clone(),
            saved: None,
            save_error: None,
        },
    };
    let mut notes = Some(notes);
    let mut on_event = |event: Event| {
        if let Some(update) = train_update(event, &mut notes) {
            post(&FromWorker::Training { update }, Vec::new());
        }
    };
    let outcome = fine_tune_with(model, data, train_config, &mut on_event, &mut control)
        .await
        .map_err(|e| match &control.keep.saved {
            Some(_) => format!("{e}. The best model so far is saved in this browser as {save_as}."),
            None => e.to_string(),
        })?;
    // The validation examples with the kept model's answers, for the Evaluate panel.
    let examples = match predict_probabilities(
        &outcome.model,
        &data.valid,
        train_config.batch_size,
        data.pad_id,
    )
    .await
    {
        Ok(probs) if data.valid.len() == valid_examples.len() => {
            valid_answers(valid_examples, &data.valid, &probs, &data.labels)
        }
        _ => Vec::new(),
    };
    if outcome.evaluation.is_none() && control.keep.saved.is_none() {
        control.new_best(0, &outcome.model).await;
    }
    let result = RunResult {
        best_epoch: outcome.best_epoch,
        report: outcome.evaluation.as_ref().map(report),
        stopped: outcome.stopped.clone(),
        examples,
        saved_as: control.keep.saved.clone(),
        save_error: control.keep.save_error.clone(),
    };
    session.borrow_mut().tuned = Some(Rc::new(Tuned {
        name: save_as,
        model: outcome.model,
        config,
        labels: data.labels.clone(),
        files,
        max_len,
    }));
    post(&FromWorker::Finished { result }, Vec::new());
    Ok(())
}

/// Stops a run that would not fit the device before its first step: the largest batch of the
/// data (its longest inputs, padded) against WebGPU's largest buffer, or the run's peak memory
/// against WebAssembly's 4 GiB on the CPU path; the message lists settings that would fit.
fn fits(
    session: &Shared,
    model: &BertClassifier,
    config: &BertConfig,
    plan: &recipe::Plan,
) -> Result<(), String> {
    let (_, parameters) = model.trainable_parameters();
    let info = model_shape(config, parameters as u64);
    let train = &plan.data.train;
    let batch = plan.config.batch_size.min(train.len()).max(1);
    let longest = train.iter().map(|f| f.ids.len()).max().unwrap_or(1);
    let limits = DeviceLimits::of(&session.borrow().backend);
    check_fit(
        &info,
        batch,
        longest.min(plan.max_len),
        &plan.adaptation,
        limits,
    )
    .map_err(|e| format!("This run would not fit the device: {e}."))
}

/// Steers the loop from the UI's messages, and keeps each new best model in the browser so
/// that a lost device or a closed tab loses nothing that was learned.
struct WorkerControl {
    run: Rc<RunControl>,
    keep: Keeper,
    /// The second CPU worker that computes half of every step, while it works.
    peer: Option<ReplicaWorker>,
}

/// Keeps each new best model of a run in the browser's cache under one name, and lists it in
/// the Model panel at once, so that it survives whatever happens next. Fine-tuning and
/// pre-training share it.
pub(super) struct Keeper {
    /// The name the model is kept under.
    pub save_as: String,
    /// Its `config.json`.
    pub config_json: String,
    /// Its `tokenizer.json`.
    pub tokenizer_json: Vec<u8>,
    /// The key it was kept under, once it was.
    pub saved: Option<String>,
    /// Why keeping it failed, if it did.
    pub save_error: Option<String>,
}

impl Keeper {
    /// Saves the exported weights (or records why there are none).
    pub async fn keep(&mut self, weights: Result<Vec<u8>, String>) {
        let saved = match weights {
            Ok(weights) => {
                store::save(
                    &self.save_as,
                    &[
                        ("config.json", self.config_json.as_bytes()),
                        ("model.safetensors", &weights),
                        ("tokenizer.json", &self.tokenizer_json),
                    ],
                )
                .await
            }
            Err(e) => Err(e),
        };
        match saved {
            Ok(key) => {
                self.saved = Some(key);
                if let Ok(models) = store::list().await {
                    post(&FromWorker::Models { models }, Vec::new());
                }
            }
            Err(e) => self.save_error = Some(e),
        }
    }
}

impl RunControl {
    /// Waits while the run is paused, saying so when the pause takes hold (between steps, after
    /// the one that was running when it was asked for); false once it is cancelled.
    pub(in crate::worker) async fn proceed(&self) -> bool {
        if self.paused.get() && !self.cancelled.get() {
            let update = TrainUpdate::Paused { paused: true };
            post(&FromWorker::Training { update }, Vec::new());
            while self.paused.get() && !self.cancelled.get() {
                sleep_ms(100).await;
            }
        }
        !self.cancelled.get()
    }
}

pub(super) async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

impl Control for WorkerControl {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(self.run.proceed())
    }

    fn new_best<'a>(&'a mut self, _epoch: usize, model: &'a BertClassifier) -> Hook<'a, ()> {
        Box::pin(async move {
            let weights = export_safetensors(model).await.map_err(|e| e.to_string());
            self.keep.keep(weights).await;
        })
    }

    fn peer(&mut self) -> Option<&mut dyn Peer> {
        self.peer.as_mut().map(|p| p as &mut dyn Peer)
    }

    fn peer_failed(&mut self, why: String) {
        replica::lost(&why);
        self.peer = None;
    }
}

pub(super) fn now_stamp() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
