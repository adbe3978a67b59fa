//! The UI's end of the worker: starting it, sending requests, and turning its messages into
//! updates of the [`Areas`] they concern. The only UI code that knows `postMessage`.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::address::query;
use super::download;
use super::format::human_bytes;
use super::state::{Areas, RunStatus};
use crate::protocol::{
    BackendInfo, FromWorker, ModelInfo, ModelOrigin, PauseState, RequestKind, RunResult, ToWorker,
};

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

/// Starts (or restarts) the worker. Loads the default model unless `?autoload=0`.
pub fn start(areas: Areas) {
    WORKER.with(|w| {
        if let Some(old) = w.borrow_mut().take() {
            old.terminate();
        }
    });
    let worker = match Worker::new("./worker_loader.js") {
        Ok(w) => w,
        Err(e) => {
            areas
                .device
                .fatal
                .set(Some(format!("could not start the worker: {e:?}")));
            return;
        }
    };
    PENDING.with(|p| *p.borrow_mut() = Some(Vec::new()));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        match crate::protocol::wire::decode::<FromWorker>(&event.data()) {
            Ok((message, attachments)) => receive(areas, message, attachments),
            Err(e) => web_sys::console::error_1(&format!("anneal: {e}").into()),
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        areas.device.fatal.set(Some(format!(
            "the worker failed to start or crashed: {}. Reload the page; if it persists, try \
             ?backend=cpu",
            e.message()
        )));
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

fn receive(areas: Areas, message: FromWorker, attachments: Vec<Vec<u8>>) {
    let Areas {
        model,
        data,
        run,
        predict,
        pretrain,
        compare,
        search,
        speed,
        ..
    } = areas;
    match message {
        FromWorker::Listening => listening(),
        FromWorker::Ready { backend } => ready(areas, backend),
        FromWorker::Download {
            file,
            loaded,
            total,
        } => model.download.set(Some((file, loaded, total))),
        FromWorker::ModelLoaded { model: info } => model_loaded(areas, info),
        FromWorker::Models { models } => model.saved.set(models),
        FromWorker::DataParsed { data: summary } => data.data.set(Some(summary)),
        FromWorker::AuxTasks { tasks } => {
            data.aux_message.set(String::new());
            data.aux.set(tasks)
        }
        FromWorker::Training { update } => run.update(update),
        FromWorker::Steered { run: kind, pause } => steered(areas, kind, pause),
        FromWorker::Finished { result } => finished(areas, result),
        FromWorker::Prediction { id, result } => predict.show(id, result),
        FromWorker::BatchPredicted { count, csv, jsonl } => predict.batch_done(count, csv, jsonl),
        FromWorker::Exported { file_name } => exported(areas, &file_name, attachments),
        FromWorker::Pretraining { update } => pretrain.update(update),
        FromWorker::Pretrained { result } => {
            pretrain.finish(result);
            send(&ToWorker::ListModels);
        }
        FromWorker::Probed { probes } => pretrain.probed.set(probes),
        FromWorker::Attention { view } => pretrain.attention.set(Some(view)),
        FromWorker::Comparing { progress } => compare.live.update(progress),
        FromWorker::Searching { progress } => search.live.update(progress),
        FromWorker::Compared {
            comparison,
            stopped,
        } => compare.live.finish(comparison, stopped),
        FromWorker::Searched {
            comparison,
            stopped,
        } => search.live.finish(comparison, stopped),
        FromWorker::EmbeddingMaps { maps } => {
            pretrain.inside_message.set(String::new());
            pretrain.maps.set(maps);
        }
        FromWorker::Neighbours { word, lists } => {
            pretrain.inside_message.set(String::new());
            pretrain.neighbours.set(Some((word, lists)));
        }
        FromWorker::Synonyms { synonyms, wanted } => {
            areas.run.synonyms.set(Some((synonyms, wanted)))
        }
        FromWorker::Timed { timing } => speed.timed(timing),
        FromWorker::Attacking { done, total } => areas.attack.progress.set(Some((done, total))),
        FromWorker::Attacked { report } => areas.attack.show(report),
        FromWorker::Grouped {
            report,
            note,
            members,
        } => areas.groups.show((report, note, members)),
        FromWorker::Counterfactuals { report } => areas.counterfactual.show(report),
        FromWorker::SpeedDone {
            stopped,
            skipped,
            memory,
            split_steps,
        } => speed.done(stopped, skipped, memory, split_steps),
        FromWorker::Failed { request, message } => failed(areas, request, message),
        FromWorker::Fatal { message } => fatal(areas, message),
    }
}

/// A model was loaded: the Train panel fits its length to it, the Try-it panel forgets an
/// old message when it can predict, and the kept models are listed again.
fn model_loaded(areas: Areas, info: ModelInfo) {
    if info.task.is_some() {
        areas.predict.message.set(String::new());
    }
    areas.run.fit_to(info.max_positions);
    areas.model.loaded(info);
    send(&ToWorker::ListModels);
}

/// The worker listens: start its device, ask for the kept models, send what waited.
fn listening() {
    let queued = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    let prefer_cpu = query("backend").as_deref() == Some("cpu");
    send(&ToWorker::Start { prefer_cpu });
    send(&ToWorker::ListModels);
    for (data, transfer) in queued {
        post(&data, &transfer);
    }
}

/// The device is up: show it, and load the default model unless the address says not to.
fn ready(areas: Areas, backend: BackendInfo) {
    areas.device.backend.set(Some(backend));
    let model = areas.model;
    if query("autoload").as_deref() != Some("0") && model.model.get_untracked().is_none() {
        model.loading("loading the default model…");
        send(&ToWorker::LoadModel {
            origin: ModelOrigin::Default,
            keep_layers: None,
        });
    }
}

/// A run's pause: the message says whose run it is, so each kind's panel shows its own.
fn steered(areas: Areas, kind: RequestKind, pause: PauseState) {
    let status = RunStatus::steered(pause);
    match kind {
        RequestKind::Train => areas.run.status.set(status),
        RequestKind::Pretrain => areas.pretrain.status.set(status),
        RequestKind::Compare => areas.compare.live.status.set(status),
        RequestKind::Search => areas.search.live.status.set(status),
        // The speed test has no pause button; its cases are short.
        _ => {}
    }
}

/// A fine-tuning run ended: its result, kept in the history under the model's and data's names.
fn finished(areas: Areas, result: RunResult) {
    let name = areas
        .model
        .model
        .with_untracked(|m| m.as_ref().map(|m| m.name.clone()));
    let file = areas
        .data
        .data
        .with_untracked(|d| d.as_ref().map(|d| d.file.clone()));
    areas
        .run
        .finish(result, name.unwrap_or_default(), file.unwrap_or_default());
    send(&ToWorker::ListModels);
}

/// The exported zip, saved as a download.
fn exported(areas: Areas, file_name: &str, attachments: Vec<Vec<u8>>) {
    if let Some(zip) = attachments.into_iter().next() {
        download::save(file_name, "application/zip", &zip);
        let size = human_bytes(zip.len() as u64);
        let message = format!("downloaded {file_name} ({size})");
        areas.export.message.set(message);
    }
}

/// The worker died: every area says what was lost and keeps what it has; a new worker starts.
fn fatal(areas: Areas, message: String) {
    areas.device.fatal.set(Some(message.clone()));
    areas.run.lost(&message);
    areas.pretrain.lost(&message);
    for live in [areas.compare.live, areas.search.live] {
        if live.running() {
            live.failed(format!("{message}: the scores so far are kept"));
        }
    }
    if areas.speed.running.get_untracked() {
        areas
            .speed
            .failed(format!("{message}: the cases timed so far are kept"));
    }
    areas.model.lost();
    start(areas);
}

/// A request failed: the message goes where that request's panel shows it.
fn failed(areas: Areas, request: RequestKind, message: String) {
    match request {
        RequestKind::LoadModel => areas.model.failed(&message),
        RequestKind::Train => areas.run.failed(message),
        RequestKind::Compare => areas.compare.live.failed(message),
        RequestKind::Search => areas.search.live.failed(message),
        RequestKind::Speed => areas.speed.failed(message),
        RequestKind::Attack => {
            areas.attack.progress.set(None);
            areas.attack.status.set(message);
        }
        RequestKind::Groups => areas.groups.failed(message),
        RequestKind::Counterfactual => areas.counterfactual.failed(message),
        // The preview shows no synonyms, and says why.
        RequestKind::Synonyms => areas.run.message.set(format!("EDA's synonyms: {message}")),
        RequestKind::EmbeddingMap | RequestKind::Neighbours => {
            areas.pretrain.inside_message.set(message)
        }
        // The worker never fails a pause, resume or cancel (without a run it does nothing);
        // were one to fail, the Model panel's status line says so, not a run's panel.
        RequestKind::Steer => areas.model.status.set(message),
        RequestKind::Pretrain | RequestKind::Probe | RequestKind::Attention => {
            areas.pretrain.failed(message)
        }
        RequestKind::Predict | RequestKind::PredictFile => areas.predict.message.set(message),
        RequestKind::Export => areas.export.message.set(message),
        RequestKind::ParseData => areas.data.message.set(message),
        RequestKind::Aux => areas.data.aux_message.set(message),
        RequestKind::Start | RequestKind::ListModels | RequestKind::DeleteModel => {
            areas.model.status.set(message)
        }
    }
}
