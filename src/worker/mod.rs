//! The Web Worker: the only browser code that runs burn. It owns the device, the model, the
//! data and the optimizer; the UI talks to it only through [`crate::protocol`] messages.
//!
//! Requests run as local futures on the worker's event loop, so a `Pause` or `Cancel` that
//! arrives during training is handled between steps (each step awaits its loss readback).
//! A panic (a lost device, an out-of-memory abort deep in wgpu) posts a `Fatal` message before
//! the instance dies, and so does any request that fails because the GPU device is gone; the
//! UI then starts a fresh worker (with a new device) and offers the last saved model.
//!
//! Rooms. In the browser only: `entry` (the message loop, posting, panic -> `Fatal`), `state`
//! (what the worker holds), `dispatch` (a request to its handler), `handlers/` (one file per
//! request family: model, data, train, predict, export), `replica` (the second CPU worker that
//! computes half of each training step, and the first worker's handle on it), `device` (WebGPU probe and start;
//! public, so that the wasm tests start their GPU as the worker does) and `store` (downloads,
//! the Cache API). Pure, compiled and tested natively too: [`plan`] (a
//! file and settings to the recipe's plan), [`to_proto`] (engine values as messages, engine
//! errors in the browser's words), [`origin`] (where a model comes from) and [`fatal`] (which
//! errors mean the device is gone).

pub mod fatal;
pub mod origin;
pub mod plan;
pub mod to_proto;

#[cfg(all(feature = "worker", target_family = "wasm"))]
pub mod device;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod dispatch;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod entry;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod handlers;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod replica;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod state;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod store;

#[cfg(all(feature = "worker", target_family = "wasm"))]
pub use entry::main;
