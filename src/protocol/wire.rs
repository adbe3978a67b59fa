//! The wire format of [`crate::protocol`] messages, shared by the UI and the worker (and the
//! worker and its replica, `worker/replica.rs`): a JS array of the message as JSON, then typed
//! arrays (bytes; the replica's weights and gradients as floats) whose buffers are transferred.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// A message and its attachments, ready for `postMessage(message, transfer)`.
pub fn encode<T: Serialize>(message: &T, attachments: Vec<Vec<u8>>) -> (JsValue, Array) {
    encode_arrays(
        message,
        attachments.iter().map(|bytes| {
            let array = Uint8Array::from(bytes.as_slice());
            let buffer = array.buffer();
            (array.into(), buffer)
        }),
    )
}

/// A message and typed arrays (each with the buffer it owns, which is transferred).
pub fn encode_arrays<T: Serialize>(
    message: &T,
    arrays: impl IntoIterator<Item = (JsValue, ArrayBuffer)>,
) -> (JsValue, Array) {
    let json = serde_json::to_string(message).expect("protocol types serialize");
    let parts = Array::new();
    let transfer = Array::new();
    parts.push(&JsValue::from_str(&json));
    for (array, buffer) in arrays {
        transfer.push(&buffer);
        parts.push(&array);
    }
    (parts.into(), transfer)
}

/// A received message and its attachments; an error in words when it is not one of ours.
pub fn decode<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Vec<Vec<u8>>), String> {
    let (message, parts) = decode_arrays(data)?;
    let attachments = (1..parts.length())
        .map(|i| Uint8Array::new(&parts.get(i)).to_vec())
        .collect();
    Ok((message, attachments))
}

/// A received message, and the whole array it came in (its attachments from index 1).
pub fn decode_arrays<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Array), String> {
    let parts: Array = data
        .clone()
        .dyn_into()
        .map_err(|_| "a message that is not an array".to_string())?;
    let json = parts
        .get(0)
        .as_string()
        .ok_or_else(|| "a message without JSON".to_string())?;
    let message = serde_json::from_str(&json).map_err(|e| format!("a malformed message: {e}"))?;
    Ok((message, parts))
}
