//! The worker's outbox: the only code that posts to the UI, and the timer the loops wait on.
//! A leaf: it imports nothing of the worker but the pure `fatal` room, so every other room can
//! use it without a circle back to the entry.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

use super::fatal::{device_failed, explain_fatal};
use crate::protocol::{FromWorker, RequestKind};

/// The worker's global scope.
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

/// Reports a failed request, or the worker's end when the cause is a lost device.
pub(super) fn fail(request: RequestKind, message: impl Into<String>) {
    let message = message.into();
    if device_failed(&message) {
        return fatal(&message);
    }
    post(&FromWorker::Failed { request, message }, Vec::new());
}

/// Waits `ms` milliseconds on the worker's event loop (0: lets waiting messages in first).
pub(super) async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}
