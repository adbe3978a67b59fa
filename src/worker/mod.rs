//! The Web Worker: the only browser code that runs burn. It owns the device, the model, the
//! data and the optimizer; the UI talks to it only through [`crate::protocol`] messages.
//!
//! Requests run as local futures on the worker's event loop, so a `Pause` or `Cancel` that
//! arrives during training is handled between steps (each step awaits its loss readback).
//! A panic (a lost device, an out-of-memory abort deep in wgpu) posts a `Fatal` message before
//! the instance dies, and so does any request that fails because the GPU device is gone; the
//! UI then starts a fresh worker (with a new device) and offers the last saved model.
//!
//! Its rooms, each with its line in ARCHITECTURE.md's code map (the one code map).

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
mod keeper;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod outbox;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod replica;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod state;
#[cfg(all(feature = "worker", target_family = "wasm"))]
mod store;

#[cfg(all(feature = "worker", target_family = "wasm"))]
pub use entry::main;
