//! The second CPU worker of data-parallel training ([`crate::train::parallel`]): the same
//! bundle started with the URL fragment `#replica`, which runs the replica's message loop
//! instead of the UI's; and the first worker's handle on it, a [`Peer`].
//!
//! Its messages travel in the protocol's wire format (`protocol/wire.rs`: a JS array, the
//! message as JSON, then at most one attachment), the weights or gradients as a transferred
//! `Float32Array`, copied once on each side. They never reach the UI.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use burn::prelude::Device;
use js_sys::{Array, Float32Array, Function, Promise};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::MessageEvent;

use super::outbox::scope;
use crate::model::{BertClassifier, BertConfig};
use crate::protocol::wire;
use crate::shared::Adaptation;
use crate::train::Hook;
use crate::train::parallel::{self, Half, PartGradients, Peer, Replica, ReplicaSpec};

/// The URL fragment that starts a worker as a replica.
pub(super) const ROLE: &str = "#replica";

/// From the first worker to its replica.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ToReplica {
    /// Build the model; all its weights are attached.
    SetUp { spec: ReplicaSpec },
    /// Compute this half's gradients; the trainable weights are attached.
    Step { half: Half },
}

/// From the replica to the first worker.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FromReplica {
    /// The replica's wasm is up: messages sent before this were dropped.
    Listening,
    /// The model is built.
    Ready,
    /// A half's mean loss and the labels it counted; the gradients are attached.
    Gradients { loss: f64, count: usize },
    /// A request failed, or the replica panicked.
    Failed { message: String },
}

fn encode_floats<T: Serialize>(message: &T, floats: Option<&[f32]>) -> (JsValue, Array) {
    wire::encode_arrays(
        message,
        floats.map(|floats| {
            let array = Float32Array::from(floats);
            let buffer = array.buffer();
            (array.into(), buffer)
        }),
    )
}

/// A message and its floats (none when it has no attachment).
fn decode<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Vec<f32>), String> {
    let (message, parts) = wire::decode_arrays(data)?;
    let floats = match parts.length() {
        1 => Vec::new(),
        _ => parts
            .get(1)
            .dyn_into::<Float32Array>()
            .map_err(|_| "an attachment that is not a Float32Array".to_string())?
            .to_vec(),
    };
    Ok((message, floats))
}

fn post(message: &FromReplica, floats: Option<&[f32]>) {
    let (data, transfer) = encode_floats(message, floats);
    if let Err(e) = scope().post_message_with_transfer(&data, &transfer) {
        web_sys::console::error_2(&"anneal replica: posting failed".into(), &e);
    }
}

/// Entry point of a worker started as a replica.
pub(super) fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.to_string();
        post(&FromReplica::Failed { message }, None);
    }));
    let replica: Rc<RefCell<Option<Replica>>> = Rc::default();
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let replica = replica.clone();
        spawn_local(async move {
            let failed = |message| (FromReplica::Failed { message }, None);
            let (answer, floats) = match decode::<ToReplica>(&event.data()) {
                Err(e) => failed(e),
                Ok((ToReplica::SetUp { spec }, weights)) => {
                    let device = Device::flex().autodiff();
                    match Replica::new(&spec, &weights, &device) {
                        Ok(built) => {
                            *replica.borrow_mut() = Some(built);
                            (FromReplica::Ready, None)
                        }
                        Err(e) => failed(e),
                    }
                }
                Ok((ToReplica::Step { half }, weights)) => {
                    // Out of the cell while it computes; the first worker waits for the answer
                    // before it sends the next half.
                    let taken = replica.borrow_mut().take();
                    match taken {
                        None => failed("a step before the model was set up".to_string()),
                        Some(mut built) => {
                            let result = built.gradients(&weights, &half).await;
                            *replica.borrow_mut() = Some(built);
                            match result {
                                Ok(g) => (
                                    FromReplica::Gradients {
                                        loss: g.loss,
                                        count: g.count,
                                    },
                                    Some(g.values),
                                ),
                                Err(e) => failed(e),
                            }
                        }
                    }
                }
            };
            post(&answer, floats.as_deref());
        });
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&FromReplica::Listening, None);
}

#[wasm_bindgen]
extern "C" {
    /// A dedicated worker started from this one (web-sys's `Worker` is left out of the worker's
    /// features: enabling it rebuilds wgpu's bindings).
    #[wasm_bindgen(js_name = Worker)]
    type ChildWorker;
    #[wasm_bindgen(constructor, js_class = "Worker", catch)]
    fn new(url: &str) -> Result<ChildWorker, JsValue>;
    #[wasm_bindgen(method, js_class = "Worker", js_name = postMessage, catch)]
    fn post_message(
        this: &ChildWorker,
        message: &JsValue,
        transfer: &JsValue,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_class = "Worker", setter = onmessage)]
    fn set_onmessage(this: &ChildWorker, handler: Option<&Function>);
    #[wasm_bindgen(method, js_class = "Worker", setter = onerror)]
    fn set_onerror(this: &ChildWorker, handler: Option<&Function>);
    #[wasm_bindgen(method, js_class = "Worker")]
    fn terminate(this: &ChildWorker);
}

/// Messages from the replica not yet read, and the read that waits for the next one.
#[derive(Default)]
struct Mailbox {
    arrived: VecDeque<Result<JsValue, String>>,
    waiting: Option<Function>,
}

impl Mailbox {
    fn deliver(mailbox: &RefCell<Mailbox>, message: Result<JsValue, String>) {
        let waiting = {
            let mut m = mailbox.borrow_mut();
            m.arrived.push_back(message);
            m.waiting.take()
        };
        if let Some(wake) = waiting {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The first worker's handle on its replica: a second worker, terminated when dropped.
pub(super) struct ReplicaWorker {
    worker: ChildWorker,
    mailbox: Rc<RefCell<Mailbox>>,
    listening: bool,
    // Kept alive as long as the worker: its `onmessage` and `onerror`.
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(JsValue)>,
}

/// A second worker for training on `device`: none on a GPU; on the CPU one where the browser
/// has a second core, or why not, in words.
pub(super) fn for_device(device: &Device) -> Option<Result<ReplicaWorker, String>> {
    (*device == Device::flex()).then(ReplicaWorker::start)
}

/// A second worker set up with `model` for a fine-tuning run on `device`, and the note that
/// says so, or why there is none; nothing on a GPU.
pub(super) async fn for_run(
    device: &Device,
    model: &BertClassifier,
    config: &BertConfig,
    adaptation: &Adaptation,
    dropout_seed: u64,
) -> (Option<ReplicaWorker>, Option<String>) {
    let set_up = match for_device(device) {
        None => return (None, None),
        Some(Ok(mut worker)) => {
            parallel::set_up(&mut worker, model, config, adaptation, dropout_seed)
                .await
                .map(|()| worker)
        }
        Some(Err(e)) => Err(e),
    };
    match set_up {
        Ok(worker) => (
            Some(worker),
            Some(
                "Each step is split between two CPU workers (a second core): half of every \
                 batch each, the gradients added."
                    .into(),
            ),
        ),
        Err(e) => (None, Some(format!("Training runs in one CPU worker: {e}."))),
    }
}

/// A run's second worker failed mid-run: the step computed its half, and the run goes on in one.
pub(super) fn lost(why: &str) {
    web_sys::console::warn_1(
        &format!("anneal: the second CPU worker failed ({why}); training goes on in one").into(),
    );
}

impl ReplicaWorker {
    /// Starts a replica where the browser has a second core; why not, in words, otherwise.
    fn start() -> Result<Self, String> {
        let cores = scope().navigator().hardware_concurrency();
        if cores < 2.0 {
            return Err(format!("the browser reports {cores} core(s)"));
        }
        let href = scope().location().href();
        let own = href.split('#').next().unwrap_or(&href);
        let worker = ChildWorker::new(&format!("{own}{ROLE}"))
            .map_err(|e| format!("a second worker did not start: {e:?}"))?;
        let mailbox = Rc::new(RefCell::new(Mailbox::default()));
        let on_message = {
            let mailbox = mailbox.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                Mailbox::deliver(&mailbox, Ok(event.data()))
            })
        };
        let on_error = {
            let mailbox = mailbox.clone();
            Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
                let message = js_sys::Reflect::get(&event, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "it stopped".to_string());
                Mailbox::deliver(
                    &mailbox,
                    Err(format!("the second worker failed: {message}")),
                )
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            mailbox,
            listening: false,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    async fn next(&self) -> Result<(FromReplica, Vec<f32>), String> {
        loop {
            if let Some(message) = self.mailbox.borrow_mut().arrived.pop_front() {
                return decode(&message?);
            }
            let arrived =
                Promise::new(&mut |wake, _| self.mailbox.borrow_mut().waiting = Some(wake));
            JsFuture::from(arrived)
                .await
                .map_err(|e| format!("waiting for the second worker: {e:?}"))?;
        }
    }

    fn send_message(&self, message: &ToReplica, floats: &[f32]) -> Result<(), String> {
        let (data, transfer) = encode_floats(message, Some(floats));
        self.worker
            .post_message(&data, &transfer)
            .map_err(|e| format!("sending to the second worker: {e:?}"))
    }
}

impl Drop for ReplicaWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Peer for ReplicaWorker {
    fn set_up<'a>(
        &'a mut self,
        spec: &'a ReplicaSpec,
        weights: Vec<f32>,
    ) -> Hook<'a, Result<(), String>> {
        Box::pin(async move {
            while !self.listening {
                match self.next().await? {
                    (FromReplica::Listening, _) => self.listening = true,
                    (FromReplica::Failed { message }, _) => return Err(message),
                    _ => return Err("the second worker answered out of turn".into()),
                }
            }
            self.send_message(&ToReplica::SetUp { spec: spec.clone() }, &weights)?;
            match self.next().await? {
                (FromReplica::Ready, _) => Ok(()),
                (FromReplica::Failed { message }, _) => Err(message),
                _ => Err("the second worker answered out of turn".into()),
            }
        })
    }

    fn send(&mut self, weights: Vec<f32>, half: &Half) -> Result<(), String> {
        self.send_message(&ToReplica::Step { half: half.clone() }, &weights)
    }

    fn receive(&mut self) -> Hook<'_, Result<PartGradients, String>> {
        Box::pin(async move {
            match self.next().await? {
                (FromReplica::Gradients { loss, count }, values) => Ok(PartGradients {
                    loss,
                    count,
                    values,
                }),
                (FromReplica::Failed { message }, _) => Err(message),
                _ => Err("the second worker answered out of turn".into()),
            }
        })
    }
}
