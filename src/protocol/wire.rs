//! The wire format of [`crate::protocol`] messages, shared by the UI and the worker: a JS array
//! of the message as JSON, then byte attachments whose buffers are transferred.

use js_sys::{Array, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

/// A message and its attachments, ready for `postMessage(message, transfer)`.
pub fn encode<T: Serialize>(message: &T, attachments: Vec<Vec<u8>>) -> (JsValue, Array) {
    let json = serde_json::to_string(message).expect("protocol types serialize");
    let parts = Array::new();
    let transfer = Array::new();
    parts.push(&JsValue::from_str(&json));
    for bytes in attachments {
        let array = Uint8Array::from(bytes.as_slice());
        transfer.push(&array.buffer());
        parts.push(&array);
    }
    (parts.into(), transfer)
}

/// A received message and its attachments; an error in words when it is not one of ours.
pub fn decode<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Vec<Vec<u8>>), String> {
    let parts: Array = data
        .clone()
        .dyn_into()
        .map_err(|_| "a message that is not an array".to_string())?;
    let json = parts
        .get(0)
        .as_string()
        .ok_or_else(|| "a message without JSON".to_string())?;
    let message = serde_json::from_str(&json).map_err(|e| format!("a malformed message: {e}"))?;
    let attachments = (1..parts.length())
        .map(|i| Uint8Array::new(&parts.get(i)).to_vec())
        .collect();
    Ok((message, attachments))
}
