//! The UI's end of the worker: starting it, sending requests, and turning its messages into
//! [`Store`] updates. The only UI code that knows `postMessage`.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::download;
use super::state::{Progress, RunRecord, RunStatus, StepPoint, Store, thin};
use crate::protocol::{FromWorker, ModelOrigin, RequestKind, RunResult, ToWorker, TrainUpdate};

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    /// Requests made before the worker listens (it drops messages that arrive while its wasm
    /// is still loading), sent when it says it listens.
    static PENDING: RefCell<Option<Vec<(JsValue, js_sys::Array)>>> = const { RefCell::new(None) };
}

fn post(data: &JsValue, transfer: &js_sys::Array) {
    WORKER.with(|w| {
        if let Some(worker) = w.borrow().as_ref() {
            let _ = worker.post_message_with_transfer(data, transfer);
        }
    });
}

/// Sends a request with byte attachments.
pub fn send_with(message: &ToWorker, attachments: Vec<Vec<u8>>) {
    let (data, transfer) = crate::protocol::wire::encode(message, attachments);
    let queued = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(queue) => {
            queue.push((data.clone(), transfer.clone()));
            true
        }
        None => false,
    });
    if !queued {
        post(&data, &transfer);
    }
}

/// Sends a request.
pub fn send(message: &ToWorker) {
    send_with(message, Vec::new());
}

fn query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}

/// Starts (or restarts) the worker. Loads the default model unless `?autoload=0`.
pub fn start(store: Store) {
    WORKER.with(|w| {
        if let Some(old) = w.borrow_mut().take() {
            old.terminate();
        }
    });
    let worker = match Worker::new("./worker_loader.js") {
        Ok(w) => w,
        Err(e) => {
            store
                .fatal
                .set(Some(format!("could not start the worker: {e:?}")));
            return;
        }
    };
    PENDING.with(|p| *p.borrow_mut() = Some(Vec::new()));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        match crate::protocol::wire::decode::<FromWorker>(&event.data()) {
            Ok((message, attachments)) => receive(store, message, attachments),
            Err(e) => web_sys::console::error_1(&format!("anneal: {e}").into()),
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        store.fatal.set(Some(format!(
            "the worker failed to start or crashed: {}. Reload the page; if it persists, try \
             ?backend=cpu",
            e.message()
        )));
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

fn receive(store: Store, message: FromWorker, attachments: Vec<Vec<u8>>) {
    match message {
        FromWorker::Listening => {
            let queued = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
            let prefer_cpu = query("backend").as_deref() == Some("cpu");
            send(&ToWorker::Start { prefer_cpu });
            send(&ToWorker::ListModels);
            for (data, transfer) in queued {
                post(&data, &transfer);
            }
        }
        FromWorker::Ready { backend } => {
            store.backend.set(Some(backend));
            if query("autoload").as_deref() != Some("0") && store.model.get_untracked().is_none() {
                store.model_busy.set(true);
                store.model_status.set("loading the default model…".into());
                send(&ToWorker::LoadModel {
                    origin: ModelOrigin::Default,
                    keep_layers: None,
                });
            }
        }
        FromWorker::Download {
            file,
            loaded,
            total,
        } => {
            store.download.set(Some((file, loaded, total)));
        }
        FromWorker::ModelLoaded { model } => {
            store.model_busy.set(false);
            store.download.set(None);
            store.model_status.set(format!("loaded {}", model.name));
            if model.task.is_some() {
                store.predict_message.set(String::new());
            }
            // As on the command line: the default length, or the model's position table when
            // that is shorter.
            store
                .settings
                .update(|s| s.max_len = s.max_len.min(model.max_positions));
            store.model.set(Some(model));
            send(&ToWorker::ListModels);
        }
        FromWorker::Models { models } => store.saved.set(models),
        FromWorker::DataParsed { data } => store.data.set(Some(data)),
        FromWorker::Training { update } => training(store, update),
        FromWorker::Finished { result } => finished(store, result),
        FromWorker::Prediction { id, result } => {
            store.predict_message.set(String::new());
            if store
                .prediction
                .get_untracked()
                .is_none_or(|(old, _)| id >= old)
            {
                store.prediction.set(Some((id, result)));
            }
        }
        FromWorker::BatchPredicted { count, csv, jsonl } => {
            store
                .predict_message
                .set(format!("{count} texts predicted"));
            store.batch.set(Some((count, csv, jsonl)));
        }
        FromWorker::Exported { file_name } => {
            if let Some(zip) = attachments.into_iter().next() {
                let size = zip.len() as u64;
                download::save(&file_name, "application/zip", &zip);
                store.export_message.set(format!(
                    "downloaded {file_name} ({})",
                    super::state::human_bytes(size)
                ));
            }
        }
        FromWorker::Failed { request, message } => failed(store, request, message),
        FromWorker::Fatal { message } => fatal(store, message),
    }
}

/// A run ended: its status line, the run kept in the history, the result for Evaluate.
fn finished(store: Store, result: RunResult) {
    store.status.set(RunStatus::Done);
    let kept = match result.best_epoch {
        0 => "no epoch finished, so the weights of the last good step were kept".into(),
        n => format!("kept epoch {n}"),
    };
    store.status_message.set(match &result.stopped {
        Some(reason) => format!("stopped: {reason}; {kept}"),
        None => format!("finished; {kept}"),
    });
    let settings = store.settings.get_untracked();
    store.record_run(RunRecord {
        started: js_sys::Date::new_0()
            .to_locale_string("en-GB", &JsValue::UNDEFINED)
            .into(),
        model: store
            .model
            .get_untracked()
            .map(|m| m.name)
            .unwrap_or_default(),
        data: store
            .data
            .get_untracked()
            .map(|d| d.file)
            .unwrap_or_default(),
        settings,
        losses: thin(&store.losses.get_untracked(), 300),
        epochs: store
            .epochs
            .get_untracked()
            .iter()
            .map(|(e, l, r, _)| (*e, *l, r.score()))
            .collect(),
        report: result.report.clone(),
        outcome: result.stopped.clone().unwrap_or_else(|| "finished".into()),
        saved_as: result.saved_as.clone(),
    });
    store.result.set(Some(result));
    send(&ToWorker::ListModels);
}

/// A request failed: the message goes where that request's panel shows it.
fn failed(store: Store, request: RequestKind, message: String) {
    match request {
        RequestKind::LoadModel => {
            store.model_busy.set(false);
            store.download.set(None);
            store
                .model_status
                .set(format!("could not load the model: {message}"));
        }
        RequestKind::Train | RequestKind::Steer => {
            store.status.set(RunStatus::Failed);
            store.status_message.set(message);
        }
        RequestKind::Predict | RequestKind::PredictFile => store.predict_message.set(message),
        RequestKind::Export => store.export_message.set(message),
        RequestKind::ParseData => store.data_message.set(message),
        RequestKind::Start | RequestKind::ListModels | RequestKind::DeleteModel => {
            store.model_status.set(message)
        }
    }
}

/// The worker cannot go on: say so, fail a run in progress, and start a fresh worker.
fn fatal(store: Store, message: String) {
    store.fatal.set(Some(message.clone()));
    if matches!(
        store.status.get_untracked(),
        RunStatus::Running | RunStatus::Paused
    ) {
        store.status.set(RunStatus::Failed);
        store.status_message.set(message);
    }
    store.model.set(None);
    store.model_busy.set(false);
    store
        .model_status
        .set("the worker restarted: load a model again".into());
    start(store);
}

fn training(store: Store, update: TrainUpdate) {
    match update {
        TrainUpdate::Started {
            total_steps,
            train_examples,
            valid_examples,
            notes,
            ..
        } => {
            store.progress.set(Progress {
                total: total_steps,
                notes,
                sizes: (train_examples, valid_examples),
                ..Default::default()
            });
        }
        TrainUpdate::Step(stats) => {
            store.progress.update(|p| {
                p.total = stats.total_steps;
                p.last = stats;
            });
            store.losses.update(|l| {
                l.push(StepPoint {
                    step: stats.step,
                    loss: stats.loss,
                })
            });
        }
        TrainUpdate::Evaluated {
            epoch,
            train_loss,
            report,
            best,
        } => {
            store
                .epochs
                .update(|e| e.push((epoch, train_loss, report, best)));
        }
        TrainUpdate::Paused { paused } => store.status.set(if paused {
            RunStatus::Paused
        } else {
            RunStatus::Running
        }),
    }
}
