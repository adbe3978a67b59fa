//! The worker's entry: the message loop, and the panic hook that turns a dying instance into a
//! `Fatal` message. The top of the worker: nothing imports it but `main`'s caller.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

use super::outbox::{fatal, post, scope};
use super::state::Session;
use crate::protocol::{FromWorker, ToWorker};

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
