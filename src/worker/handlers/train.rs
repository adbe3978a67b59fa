//! `Train`: the recipe's plan from the loaded model and data, the loop with progress as
//! messages, pause and cancel between steps, each new best epoch kept in the browser's cache at
//! once (a lost device or a closed tab loses nothing learned), and the result for the
//! Evaluate panel.

use std::rc::Rc;

use super::super::keeper::{Keeper, now_stamp};
use super::super::outbox::post;
use super::super::plan::plan_run;
use super::super::replica::{self, ReplicaWorker};
use super::super::state::{Base, RunControl, Shared, Tuned, device_of};
use super::super::to_proto::{
    model_shape, qa_valid_answers, recipe_error, report, train_update, valid_answers,
};
use crate::checkpoint::aux::{AuxHeadInfo, aux_head_files};
use crate::checkpoint::folder::{RUN_RECORD, Recorded};
use crate::checkpoint::load_lm;
use crate::checkpoint::write::Trained;
use crate::forward::predict_probabilities;
use crate::model::Objective;
use crate::model::{BertClassifier, BertConfig, Head};
use crate::protocol::{
    DeviceLimits, FromWorker, RequestKind, RunResult, TrainSettings, ValidExample, check_fit,
};
use crate::shared::{Augmentation, Task};
use crate::train::eval::evaluate_qa;
use crate::train::parallel::Peer;
use crate::train::recipe;
use crate::train::{AuxTask, Control, Event, Hook, fine_tune_tasks};

/// Fine-tunes the loaded model on the parsed data: the recipe's plan, then the loop, with
/// progress as messages and every new best epoch kept in the browser; answers with the result.
pub(in crate::worker) async fn run(
    session: &Shared,
    settings: TrainSettings,
) -> Result<FromWorker, String> {
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
    let mut plan = plan_run(&parsed, &files, &settings).map_err(|e| recipe_error(&e))?;
    super::counterfactual::give_names(&mut plan, recipe::wants_names(settings.augment, &[]))
        .await?;
    plan.aux = aux_tasks(session, &files, &settings)?;
    plan.notes.extend(recipe::multitask_note(&plan));
    let training = device.clone().autodiff();
    let (model, config, mut loaded) =
        recipe::load(&plan, &files, keep_layers, &training).map_err(|e| e.to_string())?;
    let heads =
        recipe::load_heads(&plan.aux, &files, keep_layers, &training).map_err(|e| e.to_string())?;
    fits(session, &model, &config, &plan)?;
    loaded.extend(recipe::restored_heads(&plan.aux, &files));
    loaded.extend(
        recipe::find_synonyms(&mut plan, &model, &files)
            .await
            .map_err(|e| e.to_string())?,
    );
    if let Some(wanted) = recipe::contextual_wanted(&plan) {
        loaded.push(contextual(session, &mut plan, wanted, None).await?);
    }
    let mut notes = plan.notes.clone();
    notes.extend(loaded);
    let (data, train_config, max_len) = (&plan.data, &plan.config, plan.max_len);
    let run = Rc::new(RunControl::new(RequestKind::Train));
    session.borrow_mut().run = Some(run.clone());
    let task = match plan.task {
        Task::Classify => "classify",
        Task::Ner => "ner",
        Task::Qa => "qa",
    };
    let save_as = format!("{base_name}-{task}-{}", now_stamp());
    let seed = train_config.seed.wrapping_add(1);
    let (peer, note) = replica::for_run(&device, &model, &config, &plan.adaptation, seed).await;
    notes.extend(note);
    let mut control = WorkerControl {
        peer,
        run,
        keep: Keeper::new(save_as.clone(), files.tokenizer_files()?),
        config: config.clone(),
        labels: data.labels.clone(),
        aux: recipe::aux_head_infos(&plan.aux),
        heads: Vec::new(),
        record: data.qa.as_ref().map(|q| {
            let json = Recorded::qa_json(max_len, plan.doc_stride, q.reading.unanswerable);
            (RUN_RECORD.to_string(), json)
        }),
    };
    let mut notes = Some(notes);
    let mut on_event = |event: Event| {
        if let Some(update) = train_update(event, &mut notes) {
            post(&FromWorker::Training { update }, Vec::new());
        }
    };
    let aux = &plan.aux;
    let on_event = &mut on_event;
    let (outcome, _) = fine_tune_tasks(
        model,
        aux,
        heads,
        data,
        train_config,
        on_event,
        &mut control,
    )
    .await
    .map_err(|e| match &control.keep.saved {
        Some(_) => format!("{e}. The best model so far is saved in this browser as {save_as}."),
        None => e.to_string(),
    })?;
    let examples = validation_answers(&plan, &outcome.model).await;
    if outcome.evaluation.is_none() && control.keep.saved.is_none() {
        control.new_best(0, &outcome.model).await;
    }
    let result = RunResult {
        task: Some(plan.task),
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
        qa: (
            plan.doc_stride,
            data.qa.as_ref().map(|q| q.reading).unwrap_or_default(),
        ),
    }));
    Ok(FromWorker::Finished { result })
}

/// The validation examples with the kept model's answers, for the Evaluate panel (none if
/// they cannot be had: the run's result matters more).
async fn validation_answers(plan: &recipe::Plan, model: &BertClassifier) -> Vec<ValidExample> {
    let data = &plan.data;
    if let Some(questions) = &data.qa {
        return match evaluate_qa(
            model,
            &data.valid,
            questions,
            plan.config.batch_size,
            data.pad_id,
        )
        .await
        {
            Ok((_, answers)) => qa_valid_answers(questions, &answers),
            Err(_) => Vec::new(),
        };
    }
    match predict_probabilities(model, &data.valid, plan.config.batch_size, data.pad_id).await {
        Ok(probs) if data.valid.len() == plan.valid_examples.len() => {
            valid_answers(&plan.valid_examples, &data.valid, &probs, &data.labels)
        }
        _ => Vec::new(),
    }
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
    /// The encoder's configuration and the labels, for the kept model's `config.json`.
    config: BertConfig,
    labels: Vec<String>,
    /// The second CPU worker that computes half of every step, while it works.
    peer: Option<ReplicaWorker>,
    /// The auxiliary tasks (multi-task runs), and their heads at the best epoch so far, kept
    /// with the model.
    aux: Vec<AuxHeadInfo>,
    heads: Vec<Head>,
    /// Files kept with every model: a question-answering run's windows (`training.json`).
    record: Option<(String, Vec<u8>)>,
}

impl Control for WorkerControl {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(self.run.proceed())
    }

    fn best_heads(&mut self, heads: &[Head]) {
        self.heads = heads.to_vec();
    }

    fn new_best<'a>(&'a mut self, _epoch: usize, model: &'a BertClassifier) -> Hook<'a, ()> {
        Box::pin(async move {
            let trained = Trained::Classifier {
                model,
                config: &self.config,
                labels: &self.labels,
                peft: None,
            };
            let heads: Vec<(AuxHeadInfo, Head)> = self
                .aux
                .iter()
                .cloned()
                .zip(std::mem::take(&mut self.heads))
                .collect();
            // Without its auxiliary heads the run is still kept: the main task's model is
            // what matters, and the note says what was lost.
            let extra = match aux_head_files(model, &heads).await {
                Ok(files) => files,
                Err(e) => {
                    self.keep.save_error = Some(format!("the auxiliary heads were not kept: {e}"));
                    Vec::new()
                }
            };
            let mut extra = extra;
            extra.extend(self.record.clone());
            self.keep.keep(trained, extra).await;
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

/// Contextual augmentation's copies for `plan` (`only` the training texts at these indices,
/// when given), drawn from a masked language model: the
/// loaded model's own MLM head when its checkpoint has one, else the model pre-trained in the
/// Learn panel with masked words; says what was drawn, and from which.
pub(in crate::worker) async fn contextual(
    session: &Shared,
    plan: &mut recipe::Plan,
    wanted: (Augmentation, usize),
    only: Option<&[usize]>,
) -> Result<String, String> {
    let device = device_of(session)?;
    let base = session.borrow().base.clone().ok_or("load a model first")?;
    let files = &base.files;
    // A causal model's head predicts the next token, not a masked one.
    let own = (!files.config.is_decoder)
        .then(|| load_lm(&files.config, &files.weights, Objective::Mlm, &device).ok())
        .flatten()
        .filter(|(_, report)| report.initialised.is_empty());
    let learned = session
        .borrow()
        .pretrained
        .clone()
        .filter(|p| p.model.objective() == Objective::Mlm);
    let (note, from) = match (own, learned) {
        (Some((lm, _)), _) => (
            recipe::draw_contextual(plan, &lm, &files.tokenizer, wanted, only).await,
            format!("{}'s own masked-LM head", base.name),
        ),
        (None, Some(p)) => (
            recipe::draw_contextual(plan, &p.model, &p.tokenizer, wanted, only).await,
            format!("{}, pre-trained in the Learn panel", p.name),
        ),
        (None, None) => {
            return Err(format!(
                "Contextual augmentation fills masked words from a masked language model: {} has no MLM head, and no model was pre-trained with masked words in the Learn panel (7). Pre-train one there, or load a checkpoint with its MLM head (a *ForMaskedLM).",
                base.name
            ));
        }
    };
    let note = note.map_err(|e| format!("contextual augmentation: {e}"))?;
    Ok(format!("{note}; filled by {from}"))
}

/// The session's auxiliary tasks, prepared as the main task's data (multi-task training).
pub(in crate::worker) fn aux_tasks(
    session: &Shared,
    files: &crate::checkpoint::ModelFiles,
    settings: &TrainSettings,
) -> Result<Vec<AuxTask>, String> {
    let aux = session.borrow().aux.clone();
    aux.iter()
        .map(|(name, parsed)| {
            recipe::plan_aux(name, (**parsed).clone(), files, settings)
                .map_err(|e| format!("auxiliary task {name}: {}", recipe_error(&e)))
        })
        .collect()
}
