//! The worker's state and its answer to each request: the device, the loaded model's files,
//! the parsed data, a run in progress, and the fine-tuned model.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use burn::module::Module;
use burn::prelude::Device;
use wasm_bindgen_futures::{JsFuture, spawn_local};

use super::{device, post, scope, store};
use crate::data::entities::spans;
use crate::data::split::{label_counts, split_validation};
use crate::data::{Examples, ParseOptions, Parsed, Task, parse};
use crate::model::checkpoint::{
    export_config, export_safetensors, load_classifier, truncate_layers,
};
use crate::model::{BertClassifier, BertConfig, IGNORE_INDEX, ModelFiles, archive, load_encoder};
use crate::protocol::{
    BackendInfo, DataSummary, FromWorker, ModelInfo, ModelOrigin, PredictionView, Report,
    RunResult, Scores, ToWorker, TrainSettings, TrainUpdate, ValidExample,
};
use crate::train::eval::argmax;
use crate::train::predict::{Prediction, predict_texts};
use crate::train::prepare::prepare;
use crate::train::{
    Control, Evaluation, Event, Hook, TrainConfig, fine_tune_with, predict_probabilities,
};

/// A model ready to predict: fine-tuned here or imported.
struct Tuned {
    name: String,
    model: BertClassifier,
    config: BertConfig,
    labels: Vec<String>,
    files: Rc<ModelFiles>,
    max_len: usize,
}

/// Everything the worker holds.
#[derive(Default)]
pub struct Session {
    device: Option<Device>,
    backend: BackendInfo,
    base: Option<(Rc<ModelFiles>, Option<usize>, String)>,
    data: Option<Rc<Parsed>>,
    tuned: Option<Rc<Tuned>>,
    run: Option<Rc<RunControl>>,
    /// Requests that arrived while the device was starting, answered once it is up.
    waiting: Vec<(ToWorker, Vec<Vec<u8>>)>,
    starting: bool,
}

#[derive(Default)]
struct RunControl {
    paused: Cell<bool>,
    cancelled: Cell<bool>,
}

type Shared = Rc<RefCell<Session>>;

/// Reports a failed request; one that failed because the GPU device is gone is fatal.
fn fail(request: &str, message: impl Into<String>) {
    let message = message.into();
    if super::device_failed(&message) {
        return super::fatal(&message);
    }
    post(
        &FromWorker::Failed {
            request: request.into(),
            message,
        },
        Vec::new(),
    );
}

/// Answers one request; long ones continue as local futures.
pub fn handle(session: Shared, request: ToWorker, attachments: Vec<Vec<u8>>) {
    let needs_device = !matches!(
        request,
        ToWorker::Start { .. } | ToWorker::ListModels | ToWorker::DeleteModel { .. }
    );
    {
        let mut s = session.borrow_mut();
        if needs_device && s.device.is_none() && s.starting {
            s.waiting.push((request, attachments));
            return;
        }
    }
    match request {
        ToWorker::Start { prefer_cpu } => {
            // Set before the first await, so that requests arriving meanwhile wait.
            let first = {
                let mut s = session.borrow_mut();
                let first = s.device.is_none() && !s.starting;
                s.starting |= first;
                first
            };
            spawn_local(async move {
                if first {
                    let (device, backend) = device::start(prefer_cpu).await;
                    let mut s = session.borrow_mut();
                    s.device = Some(device);
                    s.backend = backend;
                    s.starting = false;
                }
                let backend = session.borrow().backend.clone();
                post(&FromWorker::Ready { backend }, Vec::new());
                let waiting = std::mem::take(&mut session.borrow_mut().waiting);
                for (request, attachments) in waiting {
                    handle(session.clone(), request, attachments);
                }
            })
        }
        ToWorker::LoadModel {
            origin,
            keep_layers,
        } => spawn_local(async move {
            if let Err(message) = load_model(&session, origin, keep_layers, attachments).await {
                fail("load_model", message);
            }
        }),
        ToWorker::ListModels => spawn_local(async move {
            match store::list().await {
                Ok(models) => post(&FromWorker::Models { models }, Vec::new()),
                Err(e) => fail("list_models", e),
            }
        }),
        ToWorker::DeleteModel { key } => spawn_local(async move {
            let result = store::delete(&key).await.and(store::list().await);
            match result {
                Ok(models) => post(&FromWorker::Models { models }, Vec::new()),
                Err(e) => fail("delete_model", e),
            }
        }),
        ToWorker::ParseData { name, columns } => {
            let bytes = attachments.into_iter().next().unwrap_or_default();
            let options = ParseOptions {
                task: None,
                text_column: columns.text,
                label_column: columns.label,
            };
            let summary = summarize(&name, &bytes, parse(&name, &bytes, &options));
            session.borrow_mut().data = summary.1;
            post(&FromWorker::DataParsed { data: summary.0 }, Vec::new());
        }
        ToWorker::Train { settings } => {
            if session.borrow().run.is_some() {
                return fail("train", "a run is already in progress");
            }
            spawn_local(async move {
                let result = train(&session, settings).await;
                session.borrow_mut().run = None;
                if let Err(message) = result {
                    fail("train", message);
                }
            })
        }
        ToWorker::Pause | ToWorker::Resume => {
            if let Some(run) = &session.borrow().run {
                let paused = matches!(request, ToWorker::Pause);
                run.paused.set(paused);
                post(
                    &FromWorker::Training {
                        update: TrainUpdate::Paused { paused },
                    },
                    Vec::new(),
                );
            }
        }
        ToWorker::Cancel => {
            if let Some(run) = &session.borrow().run {
                run.cancelled.set(true);
                run.paused.set(false);
            }
        }
        ToWorker::Predict { id, text } => spawn_local(async move {
            match predict(&session, vec![text]).await {
                Ok(mut views) => post(
                    &FromWorker::Prediction {
                        id,
                        result: views.remove(0).1,
                    },
                    Vec::new(),
                ),
                Err(e) => fail("predict", e),
            }
        }),
        ToWorker::PredictFile { name } => spawn_local(async move {
            let bytes = attachments.into_iter().next().unwrap_or_default();
            match predict_file(&session, &name, &bytes).await {
                Ok(message) => post(&message, Vec::new()),
                Err(e) => fail("predict_file", e),
            }
        }),
        ToWorker::Export => spawn_local(async move {
            match export(&session).await {
                Ok((file_name, zip)) => post(&FromWorker::Exported { file_name }, vec![zip]),
                Err(e) => fail("export", e),
            }
        }),
    }
}

fn device_of(session: &Shared) -> Result<Device, String> {
    session
        .borrow()
        .device
        .clone()
        .ok_or_else(|| "the device is not started yet".to_string())
}

async fn load_model(
    session: &Shared,
    origin: ModelOrigin,
    keep_layers: Option<usize>,
    attachments: Vec<Vec<u8>>,
) -> Result<(), String> {
    let device = device_of(session)?;
    let (name, source, files) = match origin {
        ModelOrigin::Default => {
            let base = store::absolute("models/all-MiniLM-L6-v2/");
            let files = fetch_folder(&base, false).await?;
            ("all-MiniLM-L6-v2".to_string(), base, files)
        }
        ModelOrigin::Url { url } => {
            let base = if url.ends_with('/') {
                url
            } else {
                format!("{url}/")
            };
            let name = base
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("model")
                .to_string();
            let files = fetch_folder(&base, true).await?;
            (name, base, files)
        }
        ModelOrigin::Hub { hub, id, revision } => {
            let id = id.trim().trim_matches('/').to_string();
            if id.is_empty() || id.contains("..") || id.split('/').count() > 2 {
                return Err(format!("\"{id}\" is not a Hub model id (like owner/name)"));
            }
            let base = format!(
                "{}/{id}/resolve/{}/",
                hub.trim_end_matches('/'),
                revision.trim()
            );
            let files = fetch_folder(&base, true).await?;
            let name = id.rsplit('/').next().unwrap_or(&id).to_string();
            (name, format!("{id} ({base})"), files)
        }
        ModelOrigin::Files { names } => {
            let mut files = BTreeMap::new();
            for (file, bytes) in names.iter().zip(attachments) {
                if file.to_lowercase().ends_with(".zip") {
                    files.extend(archive::read(file, &bytes)?);
                } else {
                    let base = file.rsplit('/').next().unwrap_or(file).to_string();
                    files.insert(base, bytes);
                }
            }
            // A zip is named by its file; loose files by the folder they were picked from,
            // when the browser says (a folder pick), else generically.
            let name = names
                .iter()
                .find_map(|n| n.strip_suffix(".zip").or_else(|| n.strip_suffix(".ZIP")))
                .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
                .or_else(|| {
                    names.iter().find_map(|n| {
                        n.rsplit_once('/')
                            .map(|(dir, _)| dir.rsplit('/').next().unwrap_or(dir).to_string())
                    })
                })
                .unwrap_or_else(|| "local-model".into());
            let source = format!("your files ({})", names.join(", "));
            (name, source, files)
        }
        ModelOrigin::Saved { key } => {
            let files = store::load_folder(&key).await?;
            let name = key
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("saved")
                .to_string();
            (name, key, files)
        }
    };
    let files = Rc::new(ModelFiles::from_files(&source, files)?);
    let kept = truncate_layers(&files.config, keep_layers).map_err(|e| format!("{source}: {e}"))?;
    let mut notes = Vec::new();
    let fine_tuned = files.fine_tuned().ok();
    let parameters;
    if let Some((task, labels)) = &fine_tuned {
        let (model, config, report) = load_classifier(
            &files.config,
            &files.weights,
            *task,
            labels.len(),
            keep_layers,
            &device,
        )
        .map_err(|e| format!("{source}: {e}"))?;
        if !report.initialised.is_empty() {
            return Err(format!(
                "{source}: the checkpoint lacks trained weights for {}",
                report.initialised.join(", ")
            ));
        }
        parameters = model.num_params() as u64;
        notes.push(format!(
            "fine-tuned for {} with labels {}: ready to predict, or to fine-tune further",
            if *task == Task::Ner {
                "entity recognition"
            } else {
                "classification"
            },
            labels.join(", ")
        ));
        session.borrow_mut().tuned = Some(Rc::new(Tuned {
            name: name.clone(),
            model,
            config,
            labels: labels.clone(),
            files: files.clone(),
            max_len: 128.min(files.config.max_position_embeddings),
        }));
    } else {
        let (encoder, _, report) =
            load_encoder(&files.config, &files.weights, keep_layers, &device)
                .map_err(|e| format!("{source}: {e}"))?;
        parameters = encoder.num_params() as u64;
        if !report.unexpected.is_empty() {
            notes.push(format!(
                "{} tensor(s) in the file are not used (e.g. {})",
                report.unexpected.len(),
                report.unexpected[0]
            ));
        }
        session.borrow_mut().tuned = None;
    }
    if kept.num_hidden_layers < files.config.num_hidden_layers {
        notes.push(format!(
            "kept the first {} of {} layers: faster, usually a little less accurate",
            kept.num_hidden_layers, files.config.num_hidden_layers
        ));
    }
    let info = ModelInfo {
        name: name.clone(),
        source,
        layers: kept.num_hidden_layers,
        total_layers: files.config.num_hidden_layers,
        hidden: kept.hidden_size,
        heads: kept.num_attention_heads,
        intermediate: kept.intermediate_size,
        vocab: kept.vocab_size,
        max_positions: kept.max_position_embeddings,
        parameters,
        task: fine_tuned.as_ref().map(|(t, _)| task_name(*t).to_string()),
        labels: fine_tuned.map(|(_, l)| l).unwrap_or_default(),
        notes,
    };
    session.borrow_mut().base = Some((files, keep_layers, name));
    post(&FromWorker::ModelLoaded { model: info }, Vec::new());
    Ok(())
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Classify => "classify",
        Task::Ner => "ner",
    }
}

/// The files of a model folder at `base`: config and weights required, the tokenizer as
/// tokenizer.json or else vocab.txt (+ tokenizer_config.json).
async fn fetch_folder(base: &str, keep: bool) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    for file in ["config.json", "model.safetensors"] {
        let bytes = store::fetch(&format!("{base}{file}"), file, keep)
            .await?
            .ok_or_else(|| format!("{base}{file}: not found (404)"))?;
        files.insert(file.to_string(), bytes);
    }
    match store::fetch(&format!("{base}tokenizer.json"), "tokenizer.json", keep).await? {
        Some(bytes) => {
            files.insert("tokenizer.json".into(), bytes);
        }
        None => {
            for file in ["vocab.txt", "tokenizer_config.json"] {
                if let Some(bytes) = store::fetch(&format!("{base}{file}"), file, keep).await? {
                    files.insert(file.to_string(), bytes);
                }
            }
        }
    }
    Ok(files)
}

const PREVIEW_ROWS: usize = 20;
const LISTED_PROBLEMS: usize = 200;

fn summarize(
    name: &str,
    bytes: &[u8],
    parsed: Result<Parsed, crate::data::DataError>,
) -> (DataSummary, Option<Rc<Parsed>>) {
    let columns = crate::data::formats::columns(name, bytes);
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            return (
                DataSummary {
                    file: name.into(),
                    columns,
                    error: Some(e.to_string()),
                    ..Default::default()
                },
                None,
            );
        }
    };
    let preview = match &parsed.examples {
        Examples::Classify(v) => v
            .iter()
            .take(PREVIEW_ROWS)
            .map(|e| (e.line, e.text.clone(), e.label.clone()))
            .collect(),
        Examples::Ner(v) => v
            .iter()
            .take(PREVIEW_ROWS)
            .map(|e| (e.line, e.tokens.join(" "), e.tags.join(" ")))
            .collect(),
    };
    let mut labels: Vec<(String, usize)> = match &parsed.examples {
        Examples::Classify(_) => label_counts(&parsed.examples).into_iter().collect(),
        Examples::Ner(v) => {
            let mut counts = BTreeMap::new();
            for e in v {
                for s in spans(&e.tags) {
                    *counts.entry(s.kind).or_insert(0) += 1;
                }
            }
            counts.into_iter().collect()
        }
    };
    labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut notes = parsed.notes.clone();
    if parsed.problems.len() > LISTED_PROBLEMS {
        notes.push(format!(
            "{} problems in all; the first {LISTED_PROBLEMS} are listed",
            parsed.problems.len()
        ));
    }
    let unusable = crate::data::unusable(&parsed.examples);
    let error = (!unusable.is_empty())
        .then(|| format!("{name}: not usable for training: {}", unusable.join("; ")));
    let summary = DataSummary {
        file: name.into(),
        task: task_name(parsed.examples.task()).into(),
        examples: parsed.examples.len(),
        columns,
        preview,
        labels,
        problems: parsed
            .problems
            .iter()
            .take(LISTED_PROBLEMS)
            .map(|p| (p.line, p.message.clone()))
            .collect(),
        notes,
        error,
    };
    let usable = summary.error.is_none().then(|| Rc::new(parsed));
    (summary, usable)
}

fn report(evaluation: &Evaluation) -> Report {
    let scores = |s: &crate::train::metrics::Scores| Scores {
        precision: s.precision,
        recall: s.recall,
        f1: s.f1,
        support: s.support,
    };
    match evaluation {
        Evaluation::Classify(r) => Report::Classify {
            examples: r.examples,
            accuracy: r.accuracy,
            macro_f1: r.macro_f1,
            weighted_f1: r.weighted_f1,
            per_class: r
                .per_class
                .iter()
                .map(|(k, v)| (k.clone(), scores(v)))
                .collect(),
            labels: r.confusion.labels.clone(),
            matrix: r.confusion.matrix.clone(),
        },
        Evaluation::Ner(r) => Report::Ner {
            examples: r.examples,
            precision: r.precision,
            recall: r.recall,
            f1: r.f1,
            token_accuracy: r.token_accuracy,
            per_type: r
                .per_type
                .iter()
                .map(|(k, v)| (k.clone(), scores(v)))
                .collect(),
        },
    }
}

/// Steers the loop from the UI's messages, and keeps each new best model in the browser so
/// that a lost device or a closed tab loses nothing that was learned.
struct WorkerControl {
    run: Rc<RunControl>,
    save_as: String,
    config_json: String,
    tokenizer_json: Vec<u8>,
    saved: Option<String>,
    save_error: Option<String>,
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

impl Control for WorkerControl {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(async move {
            while self.run.paused.get() && !self.run.cancelled.get() {
                sleep_ms(100).await;
            }
            !self.run.cancelled.get()
        })
    }

    fn new_best<'a>(&'a mut self, _epoch: usize, model: &'a BertClassifier) -> Hook<'a, ()> {
        Box::pin(async move {
            let saved = match export_safetensors(model).await {
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
                Err(e) => Err(e.to_string()),
            };
            match saved {
                Ok(key) => {
                    self.saved = Some(key);
                    // The Model panel lists it at once: it survives whatever happens next.
                    if let Ok(models) = store::list().await {
                        post(&FromWorker::Models { models }, Vec::new());
                    }
                }
                Err(e) => self.save_error = Some(e),
            }
        })
    }
}

fn now_stamp() -> String {
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

async fn train(session: &Shared, settings: TrainSettings) -> Result<(), String> {
    let device = device_of(session)?;
    let (files, keep_layers, base_name) =
        session.borrow().base.clone().ok_or("load a model first")?;
    let parsed = session
        .borrow()
        .data
        .clone()
        .ok_or("load a data file first")?;
    let parsed = (*parsed)
        .clone()
        .accept(settings.skip_invalid)
        .map_err(|e| e.to_string())?;
    if settings.epochs == 0 || settings.batch_size == 0 || settings.max_len < 8 {
        return Err(
            "epochs and batch size must be at least 1, the maximum length at least 8".into(),
        );
    }
    if !(settings.lr.is_finite() && settings.lr > 0.0) {
        return Err("the learning rate must be a positive number".into());
    }
    let max_len = settings.max_len.min(files.config.max_position_embeddings);
    let (train_examples, valid_examples) =
        split_validation(parsed.examples, settings.valid_fraction, settings.seed);
    if valid_examples.is_empty() {
        return Err(
            "the validation split is empty: use more data or a larger validation share".into(),
        );
    }
    let prepared = prepare(
        train_examples,
        Some(valid_examples.clone()),
        &files.tokenizer,
        max_len,
        settings.valid_fraction,
        settings.seed,
    )
    .map_err(|e| e.to_string())?;
    let mut notes = vec![format!(
        "held out {} of {} examples for validation ({:.0}%, seed {})",
        valid_examples.len(),
        prepared.data.train.len() + valid_examples.len(),
        settings.valid_fraction * 100.0,
        settings.seed
    )];
    notes.extend(prepared.notes.clone());
    let data = prepared.data;
    let (model, config, report_load) = load_classifier(
        &files.config,
        &files.weights,
        prepared.task,
        data.labels.len(),
        keep_layers,
        &device.autodiff(),
    )
    .map_err(|e| e.to_string())?;
    if !report_load.initialised.is_empty() {
        notes.push(format!(
            "new from scratch: {}",
            report_load.initialised.join(", ")
        ));
    }
    let run = Rc::new(RunControl::default());
    session.borrow_mut().run = Some(run.clone());
    let save_as = format!("{base_name}-{}-{}", task_name(prepared.task), now_stamp());
    let mut control = WorkerControl {
        run,
        config_json: export_config(&config, prepared.task, &data.labels),
        tokenizer_json: files.tokenizer_json()?,
        save_as: save_as.clone(),
        saved: None,
        save_error: None,
    };
    let train_config = TrainConfig {
        epochs: settings.epochs,
        batch_size: settings.batch_size,
        lr: settings.lr,
        warmup_ratio: settings.warmup_ratio,
        weight_decay: settings.weight_decay,
        max_grad_norm: 1.0,
        seed: settings.seed,
        patience: None,
    };
    let mut notes = Some(notes);
    let mut on_event = |event: Event| {
        let update = match event {
            Event::Started {
                total_steps,
                steps_per_epoch,
                train_examples,
                valid_examples,
            } => TrainUpdate::Started {
                total_steps,
                steps_per_epoch,
                train_examples,
                valid_examples,
                notes: notes.take().unwrap_or_default(),
            },
            Event::Step(stats) => TrainUpdate::Step(stats),
            Event::Evaluated {
                epoch,
                train_loss,
                evaluation,
                best,
            } => TrainUpdate::Evaluated {
                epoch,
                train_loss,
                report: report(&evaluation),
                best,
            },
            Event::Stopped { .. } => return, // reported with the result
        };
        post(&FromWorker::Training { update }, Vec::new());
    };
    let outcome = fine_tune_with(model, &data, &train_config, &mut on_event, &mut control)
        .await
        .map_err(|e| match &control.saved {
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
            valid_answers(&valid_examples, &data.valid, &probs, &data.labels)
        }
        _ => Vec::new(),
    };
    if outcome.evaluation.is_none() && control.saved.is_none() {
        control.new_best(0, &outcome.model).await;
    }
    let result = RunResult {
        best_epoch: outcome.best_epoch,
        report: outcome.evaluation.as_ref().map(report),
        stopped: outcome.stopped.clone(),
        examples,
        saved_as: control.saved.clone(),
        save_error: control.save_error.clone(),
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

fn valid_answers(
    examples: &Examples,
    features: &[crate::data::features::Features],
    probs: &[Vec<Vec<f32>>],
    labels: &[String],
) -> Vec<ValidExample> {
    match examples {
        Examples::Classify(v) => v
            .iter()
            .zip(probs)
            .map(|(e, p)| {
                let best = argmax(&p[0]);
                ValidExample {
                    line: e.line,
                    text: e.text.clone(),
                    gold: e.label.clone(),
                    predicted: labels[best].clone(),
                    confidence: p[0][best],
                }
            })
            .collect(),
        Examples::Ner(v) => v
            .iter()
            .zip(features)
            .zip(probs)
            .map(|((e, f), p)| {
                let predicted: Vec<String> = (0..f.labels.len())
                    .filter(|&t| f.labels[t] != IGNORE_INDEX)
                    .map(|t| labels[argmax(&p[t])].clone())
                    .collect();
                let show = |tags: &[String]| {
                    let list: Vec<String> = spans(tags)
                        .into_iter()
                        .filter(|s| s.end <= e.tokens.len())
                        .map(|s| format!("{} ({})", e.tokens[s.start..s.end].join(" "), s.kind))
                        .collect();
                    if list.is_empty() {
                        "(none)".to_string()
                    } else {
                        list.join(", ")
                    }
                };
                ValidExample {
                    line: e.line,
                    text: e.tokens.join(" "),
                    gold: show(&e.tags),
                    predicted: show(&predicted),
                    confidence: 0.0,
                }
            })
            .collect(),
    }
}

async fn predict(
    session: &Shared,
    texts: Vec<String>,
) -> Result<Vec<(String, PredictionView)>, String> {
    if session.borrow().run.is_some() {
        return Err("training is in progress; predictions use the model once it finishes".into());
    }
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("no fine-tuned model yet: train one, or import an exported model")?;
    let predictions = predict_texts(
        &tuned.model,
        &tuned.files.tokenizer,
        &tuned.labels,
        &texts,
        tuned.max_len,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(texts
        .into_iter()
        .zip(predictions)
        .map(|(text, p)| {
            let view = match p {
                Prediction::Classify { mut scores, .. } => {
                    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
                    PredictionView::Classify { scores }
                }
                Prediction::Ner { entities } => PredictionView::Ner {
                    text: text.clone(),
                    entities: entities
                        .into_iter()
                        .map(|e| (e.start, e.end, e.label, e.score))
                        .collect(),
                },
            };
            (text, view)
        })
        .collect())
}

/// The texts of a file to predict: a `text` (or first) column of a CSV/TSV, the `text` field
/// of JSONL, or the lines of anything else.
fn texts_of(name: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
    let content = String::from_utf8_lossy(bytes);
    let lower = name.to_lowercase();
    let texts: Vec<String> = if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        content
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str::<serde_json::Value>(l)
                    .ok()
                    .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
                    .ok_or_else(|| format!("{name}: line {}: no \"text\" string", i + 1))
            })
            .collect::<Result<_, _>>()?
    } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
        let delimiter = if lower.ends_with(".tsv") { b'\t' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| format!("{name}: {e}"))?
            .clone();
        let column = headers
            .iter()
            .position(|h| {
                ["text", "sentence", "review", "content"]
                    .contains(&h.trim().to_lowercase().as_str())
            })
            .unwrap_or(0);
        reader
            .records()
            .map(|r| {
                r.map(|r| r.get(column).unwrap_or("").to_string())
                    .map_err(|e| format!("{name}: {e}"))
            })
            .collect::<Result<_, _>>()?
    } else {
        content
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    if texts.is_empty() {
        return Err(format!("{name}: no texts found"));
    }
    Ok(texts)
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn predict_file(session: &Shared, name: &str, bytes: &[u8]) -> Result<FromWorker, String> {
    let texts = texts_of(name, bytes)?;
    let count = texts.len();
    let views = predict(session, texts).await?;
    let mut csv = String::new();
    let mut jsonl = String::new();
    for (i, (text, view)) in views.iter().enumerate() {
        match view {
            PredictionView::Classify { scores } => {
                if i == 0 {
                    let mut labels: Vec<&String> = scores.iter().map(|(l, _)| l).collect();
                    labels.sort();
                    csv.push_str("text,label,score");
                    for l in labels {
                        csv.push(',');
                        csv.push_str(&csv_field(&format!("p_{l}")));
                    }
                    csv.push('\n');
                }
                let mut sorted = scores.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                csv.push_str(&format!(
                    "{},{},{:.6}",
                    csv_field(text),
                    csv_field(&scores[0].0),
                    scores[0].1
                ));
                for (_, p) in &sorted {
                    csv.push_str(&format!(",{p:.6}"));
                }
                csv.push('\n');
                let map: serde_json::Map<String, serde_json::Value> = sorted
                    .iter()
                    .map(|(l, p)| (l.clone(), serde_json::json!(p)))
                    .collect();
                jsonl.push_str(
                    &serde_json::json!({"text": text, "label": scores[0].0, "scores": map})
                        .to_string(),
                );
            }
            PredictionView::Ner { entities, .. } => {
                if i == 0 {
                    csv.push_str("text,entities\n");
                }
                let chars: Vec<char> = text.chars().collect();
                let list: Vec<serde_json::Value> = entities
                    .iter()
                    .map(|(s, e, label, score)| {
                        serde_json::json!({"text": chars[*s..*e].iter().collect::<String>(), "label": label, "start": s, "end": e, "score": score})
                    })
                    .collect();
                let shown: Vec<String> = list
                    .iter()
                    .map(|v| {
                        format!(
                            "{} ({})",
                            v["text"].as_str().unwrap_or(""),
                            v["label"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                csv.push_str(&format!(
                    "{},{}\n",
                    csv_field(text),
                    csv_field(&shown.join("; "))
                ));
                jsonl.push_str(&serde_json::json!({"text": text, "entities": list}).to_string());
            }
        }
        jsonl.push('\n');
    }
    Ok(FromWorker::BatchPredicted { count, csv, jsonl })
}

async fn export(session: &Shared) -> Result<(String, Vec<u8>), String> {
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("no fine-tuned model to export yet")?;
    let task = tuned.model.task;
    let weights = export_safetensors(&tuned.model)
        .await
        .map_err(|e| e.to_string())?;
    let config = export_config(&tuned.config, task, &tuned.labels);
    let tokenizer = tuned.files.tokenizer_json()?;
    let zip = archive::write(
        &tuned.name,
        &[
            ("config.json", config.as_bytes()),
            ("model.safetensors", &weights),
            ("tokenizer.json", &tokenizer),
        ],
    );
    Ok((format!("{}.zip", tuned.name), zip))
}
