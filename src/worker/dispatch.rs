//! One request to its handler. Requests that need the device wait while it starts; long ones
//! continue as local futures, so the worker keeps answering (pause, cancel) meanwhile.

use wasm_bindgen_futures::spawn_local;

use super::entry::post;
use super::handlers::{compare, data, export, inside, learn, model, predict, speed, train};
use super::state::{Shared, fail};
use super::{device, store};
use crate::protocol::{FromWorker, ToWorker, TrainUpdate};

/// The one attachment a request carries; its absence is an error naming it, never empty bytes.
pub(super) fn single(attachments: Vec<Vec<u8>>, what: &str) -> Result<Vec<u8>, String> {
    let count = attachments.len();
    match attachments.into_iter().next() {
        Some(bytes) if count == 1 => Ok(bytes),
        _ => Err(format!(
            "{what}: expected its bytes as one attachment, {count} arrived; try again"
        )),
    }
}

/// Answers one request.
pub(super) fn handle(session: Shared, request: ToWorker, attachments: Vec<Vec<u8>>) {
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
    let kind = request.kind();
    match request {
        ToWorker::Start { prefer_cpu } => start(session, prefer_cpu),
        ToWorker::LoadModel {
            origin,
            keep_layers,
        } => spawn_local(async move {
            if let Err(message) = model::load(&session, origin, keep_layers, attachments).await {
                fail(kind, message);
            }
        }),
        ToWorker::ListModels => spawn_local(async move {
            match store::list().await {
                Ok(models) => post(&FromWorker::Models { models }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::DeleteModel { key } => spawn_local(async move {
            match store::delete(&key).await.and(store::list().await) {
                Ok(models) => post(&FromWorker::Models { models }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::ParseData { name, columns } => match single(attachments, &name) {
            Ok(bytes) => data::parse(&session, &name, &bytes, columns),
            Err(e) => fail(kind, e),
        },
        ToWorker::Train { settings } => {
            if session.borrow().run.is_some() {
                return fail(kind, "a run is already in progress");
            }
            spawn_local(async move {
                let result = train::run(&session, settings).await;
                session.borrow_mut().run = None;
                if let Err(message) = result {
                    fail(kind, message);
                }
            })
        }
        ToWorker::Pause | ToWorker::Resume => {
            if let Some(run) = &session.borrow().run {
                let pause = matches!(request, ToWorker::Pause);
                run.paused.set(pause);
                // A step in flight finishes first: the loop says when the pause takes hold
                // (`RunControl::proceed`), so "paused" never shows while a step still runs.
                let update = if pause {
                    TrainUpdate::Pausing
                } else {
                    TrainUpdate::Paused { paused: false }
                };
                post(&FromWorker::Training { update }, Vec::new());
            }
        }
        ToWorker::Cancel => {
            if let Some(run) = &session.borrow().run {
                run.cancelled.set(true);
                run.paused.set(false);
            }
        }
        ToWorker::Predict { id, text } => spawn_local(async move {
            match predict::one(&session, text).await {
                Ok(result) => post(&FromWorker::Prediction { id, result }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::PredictFile { name } => spawn_local(async move {
            let result = match single(attachments, &name) {
                Ok(bytes) => predict::file(&session, &name, &bytes).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(message) => post(&message, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::Pretrain {
            corpus_name,
            settings,
        } => {
            if session.borrow().run.is_some() {
                return fail(kind, "a run is already in progress");
            }
            let bytes = match single(attachments, &corpus_name) {
                Ok(b) => b,
                Err(e) => return fail(kind, e),
            };
            spawn_local(async move {
                let result = learn::run(&session, &corpus_name, &bytes, settings).await;
                session.borrow_mut().run = None;
                if let Err(message) = result {
                    fail(kind, message);
                }
            })
        }
        ToWorker::Probe { probes, sampling } => spawn_local(async move {
            match learn::probe(&session, probes, sampling).await {
                Ok(probes) => post(&FromWorker::Probed { probes }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::Attention { of, text } => spawn_local(async move {
            match learn::attention(&session, of, &text).await {
                Ok(view) => post(&FromWorker::Attention { view }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::Compare { settings } => {
            if session.borrow().run.is_some() {
                return fail(kind, "a run is already in progress");
            }
            spawn_local(async move {
                let result = compare::run(&session, settings).await;
                session.borrow_mut().run = None;
                if let Err(message) = result {
                    fail(kind, message);
                }
            })
        }
        ToWorker::EmbeddingMap { projection, limit } => spawn_local(async move {
            match inside::embedding_map(&session, projection, limit).await {
                Ok(maps) => post(&FromWorker::EmbeddingMaps { maps }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::Neighbours { word, k } => spawn_local(async move {
            match inside::neighbours(&session, &word, k).await {
                Ok(lists) => post(&FromWorker::Neighbours { word, lists }, Vec::new()),
                Err(e) => fail(kind, e),
            }
        }),
        ToWorker::Speed { cases, adaptation } => {
            if session.borrow().run.is_some() {
                return fail(kind, "a run is in progress; measure speed once it ends");
            }
            spawn_local(async move {
                let result = speed::run(&session, cases, adaptation).await;
                session.borrow_mut().run = None;
                if let Err(message) = result {
                    fail(kind, message);
                }
            })
        }
        ToWorker::Export => spawn_local(async move {
            match export::zip(&session).await {
                Ok((file_name, zip)) => post(&FromWorker::Exported { file_name }, vec![zip]),
                Err(e) => fail(kind, e),
            }
        }),
    }
}

/// Starts the device once; requests that arrived meanwhile are answered after.
fn start(session: Shared, prefer_cpu: bool) {
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
