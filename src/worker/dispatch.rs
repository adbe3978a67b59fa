//! One request to its handler, and its answer posted once. Each handler returns the message
//! that answers its request (runs post their progress as they go, and answer with their
//! result); [`handle`] posts it, or the failure naming the request. Requests that need the device wait
//! while it starts; the rest run as local futures, so the worker keeps answering (pause,
//! cancel) meanwhile.

use wasm_bindgen_futures::spawn_local;

use super::handlers::compare::Purpose;
use super::handlers::{
    attack, compare, counterfactual, data, export, groups, inside, model, predict, pretrain, speed,
    train,
};
use super::outbox::{fail, post};
use super::state::Shared;
use super::{device, store};
use crate::protocol::{FromWorker, PauseState, ToWorker};

/// A handler's answer: the message and its attachments.
type Answer = Result<(FromWorker, Vec<Vec<u8>>), String>;

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
        ToWorker::Pause | ToWorker::Resume | ToWorker::Cancel => steer(&session, &request),
        request => {
            let run = kind.is_run();
            if run && session.borrow().run.is_some() {
                return fail(
                    kind,
                    "a run is already in progress; wait for it or cancel it",
                );
            }
            spawn_local(async move {
                let answer = answer(&session, request, attachments).await;
                if run {
                    session.borrow_mut().run = None;
                }
                match answer {
                    Ok((message, attachments)) => post(&message, attachments),
                    Err(message) => fail(kind, message),
                }
            })
        }
    }
}

/// The handler of each request that is not the device's start or a run's steering.
async fn answer(session: &Shared, request: ToWorker, attachments: Vec<Vec<u8>>) -> Answer {
    let message = match request {
        ToWorker::LoadModel {
            origin,
            keep_layers,
        } => model::load(session, origin, keep_layers, attachments).await?,
        ToWorker::ListModels => FromWorker::Models {
            models: store::list().await?,
        },
        ToWorker::DeleteModel { key } => {
            store::delete(&key).await?;
            FromWorker::Models {
                models: store::list().await?,
            }
        }
        ToWorker::ParseData { name, columns } => {
            data::parse(session, &name, &single(attachments, &name)?, columns)
        }
        ToWorker::AddAux { name } => data::add_aux(session, &name, &single(attachments, &name)?)?,
        ToWorker::ClearAux => data::clear_aux(session),
        ToWorker::Predict { id, text, context } => FromWorker::Prediction {
            id,
            result: predict::one(session, text, context).await?,
        },
        ToWorker::PredictFile { name } => {
            predict::file(session, &name, &single(attachments, &name)?).await?
        }
        ToWorker::Probe { probes, sampling } => FromWorker::Probed {
            probes: pretrain::probe(session, probes, sampling).await?,
        },
        ToWorker::Attention { of, text } => FromWorker::Attention {
            view: pretrain::attention(session, of, &text).await?,
        },
        ToWorker::EmbeddingMap { projection, limit } => FromWorker::EmbeddingMaps {
            maps: inside::embedding_map(session, projection, limit).await?,
        },
        ToWorker::Neighbours { word, k } => FromWorker::Neighbours {
            lists: inside::neighbours(session, &word, k).await?,
            word,
        },
        ToWorker::Synonyms { texts } => {
            let (synonyms, wanted) = inside::synonyms(session, &texts).await?;
            FromWorker::Synonyms { synonyms, wanted }
        }
        ToWorker::Export { card } => {
            let (file_name, zip) = export::zip(session, card).await?;
            return Ok((FromWorker::Exported { file_name }, vec![zip]));
        }
        // Runs: they post their progress as it comes, and answer with their result.
        ToWorker::Train { settings } => train::run(session, settings).await?,
        ToWorker::Pretrain {
            corpus_name,
            settings,
        } => {
            let bytes = single(attachments, &corpus_name)?;
            pretrain::run(session, &corpus_name, &bytes, settings).await?
        }
        ToWorker::Compare { settings } => compare::run(session, settings, Purpose::Worth).await?,
        ToWorker::Search { settings } => compare::run(session, settings, Purpose::Search).await?,
        ToWorker::Speed { cases, adaptation } => speed::run(session, cases, adaptation).await?,
        ToWorker::Attack { settings, examples } => attack::run(session, settings, examples).await?,
        ToWorker::Groups {
            column,
            settings,
            examples,
        } => groups::run(session, &column, settings, examples)?,
        ToWorker::Counterfactual {
            swap,
            texts,
            templates,
            per_template,
        } => counterfactual::run(session, swap, texts, templates, per_template).await?,
        // `handle` answers these itself and never sends them here.
        ToWorker::Start { .. } | ToWorker::Pause | ToWorker::Resume | ToWorker::Cancel => {
            return Err("this request is not answered here; reload the page".into());
        }
    };
    Ok((message, Vec::new()))
}

/// Pause, resume or cancel the run in progress, if there is one.
fn steer(session: &Shared, request: &ToWorker) {
    let Some(run) = session.borrow().run.clone() else {
        return;
    };
    match request {
        ToWorker::Pause | ToWorker::Resume => {
            let pause = matches!(request, ToWorker::Pause);
            run.paused.set(pause);
            // A step in flight finishes first: the loop says when the pause takes hold
            // (`RunControl::proceed`), so "paused" never shows while a step still runs.
            run.steered(if pause {
                PauseState::Pausing
            } else {
                PauseState::Resumed
            });
        }
        _ => {
            run.cancelled.set(true);
            run.paused.set(false);
        }
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
