//! The Web Worker: the only browser code that runs burn. It owns the device, the model, the
//! data and the optimizer; the UI talks to it only through [`crate::protocol`] messages.
//!
//! Requests run as local futures on the worker's event loop, so a `Pause` or `Cancel` that
//! arrives during training is handled between steps (each step awaits its loss readback).
//! A panic (a lost device, an out-of-memory abort deep in wgpu) posts a `Fatal` message before
//! the instance dies, and so does any request that fails because the GPU device is gone; the
//! UI then starts a fresh worker (with a new device) and offers the last saved model.

mod device;
mod session;
mod store;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::protocol::{FromWorker, ToWorker};
use session::Session;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a message (and attachments) to the UI.
pub(crate) fn post(message: &FromWorker, attachments: Vec<Vec<u8>>) {
    let (data, transfer) = crate::web::encode(message, attachments);
    if let Err(e) = scope().post_message_with_transfer(&data, &transfer) {
        web_sys::console::error_2(&"anneal worker: posting failed".into(), &e);
    }
}

/// Whether an error says the GPU device is gone: lost (driver reset, GPU process crash),
/// destroyed, out of memory, or poisoned by such an earlier failure. Nothing more can run on
/// it, so the worker must be replaced to get a new device.
pub(crate) fn device_failed(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "device is poisoned",
        "device lost",
        "device was lost",
        "instance reference no longer exists",
        "out of memory",
        "outofmemory",
        "destroyed",
    ]
    .iter()
    .any(|sign| lower.contains(sign))
}

/// Turns what a panic or a device error says into what a person can act on.
fn explain_fatal(message: &str) -> String {
    let lower = message.to_lowercase();
    let advice = if lower.contains("out of memory")
        || lower.contains("outofmemory")
        || lower.contains("allocation")
    {
        "The GPU ran out of memory. Try a smaller batch size, a shorter maximum length, or \
         keeping fewer layers."
    } else if lower.contains("lost") || lower.contains("poisoned") || lower.contains("instance") {
        "The GPU device was lost (the driver reset it, the browser's GPU process crashed, or the \
         tab was in the background too long). The worker restarts with a new device."
    } else {
        "The worker stopped on an internal error."
    };
    format!(
        "{advice} Every run's best epoch is saved in this browser as soon as it is found (Model \
         panel, saved models). Details: {message}"
    )
}

/// Tells the UI that this worker cannot go on; the UI replaces it with a fresh one.
pub(crate) fn fatal(message: &str) {
    post(
        &FromWorker::Fatal {
            message: explain_fatal(message),
        },
        Vec::new(),
    );
}

/// Entry point of the `worker` binary.
pub fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        fatal(&info.to_string());
    }));
    let session = Rc::new(RefCell::new(Session::default()));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        match crate::web::decode::<ToWorker>(&event.data()) {
            Ok((request, attachments)) => session::handle(session.clone(), request, attachments),
            Err(e) => web_sys::console::error_1(&format!("anneal worker: {e}").into()),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // Messages sent before the wasm module finished loading were dropped; this tells the UI
    // that the worker listens now.
    let _ = scope().post_message(&JsValue::from_str("listening"));
}
