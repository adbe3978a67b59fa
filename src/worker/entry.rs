//! The worker's entry: the message loop, posting to the UI, and the panic hook that turns a
//! dying instance into a `Fatal` message.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::fatal::explain_fatal;
use super::state::Session;
use crate::protocol::{FromWorker, ToWorker};

pub(super) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a message (and attachments) to the UI.
pub(super) fn post(message: &FromWorker, attachments: Vec<Vec<u8>>) {
    let (data, transfer) = crate::protocol::wire::encode(message, attachments);
    if let Err(e) = scope().post_message_with_transfer(&data, &transfer) {
        web_sys::console::error_2(&"anneal worker: posting failed".into(), &e);
    }
}

/// Tells the UI that this worker cannot go on; the UI replaces it with a fresh one.
pub(super) fn fatal(message: &str) {
    post(
        &FromWorker::Fatal {
            message: explain_fatal(message),
        },
        Vec::new(),
    );
}

/// Entry point of the `worker` binary.
pub fn main() {
    if scope().location().hash() == super::replica::ROLE {
        return super::replica::main();
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        fatal(&info.to_string());
    }));
    let session = Rc::new(RefCell::new(Session::default()));
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        match crate::protocol::wire::decode::<ToWorker>(&event.data()) {
            Ok((request, attachments)) => {
                super::dispatch::handle(session.clone(), request, attachments)
            }
            Err(e) => web_sys::console::error_1(&format!("anneal worker: {e}").into()),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // Messages sent before the wasm module finished loading were dropped; this tells the UI
    // that the worker listens now.
    post(&FromWorker::Listening, Vec::new());
}
