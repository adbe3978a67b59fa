//! Anneal: fine-tune and pre-train BERT-family transformers on WebGPU in a browser tab, or on the
//! command line with burn's CPU and GPU backends.
//!
//! # Code map
//!
//! - [`model`]: the BERT encoder and its task heads in pure burn, the `config.json` schema, and
//!   the checkpoint code, the one place that knows Hugging Face tensor names.
//! - [`data`]: tokenization, the labeled-data file formats with line-numbered problems, label
//!   maps, validation splits, sub-word label alignment and batching.
//! - [`train`]: the fine-tuning loop, its learning-rate schedule, evaluation and metrics. It
//!   reports progress only through [`train::Event`]s.
//! - [`runtime`]: the only code that names a concrete device (Flex on the CPU, wgpu on a GPU).
//! - [`protocol`]: the typed messages between the browser UI and its worker.
//! - `cli` (feature `cli`): the native `anneal` command.
//! - `worker` (feature `worker`, wasm): the Web Worker that owns the model, on WebGPU or Flex.
//! - `ui` (feature `app`, wasm): the Leptos interface; it never links burn.
//!
//! # Invariants
//!
//! - `model`, `data` and `train` never touch files, the network, a terminal or a browser: they
//!   take bytes and strings and return values, so the browser worker drives exactly this code.
//! - Tensors are read back only asynchronously (`into_data_async`), at points commented as sync
//!   points, because synchronous reads panic on WebGPU.
//! - Hugging Face tensor names appear only in `model::checkpoint`.

#![warn(missing_docs)]

#[cfg(feature = "engine")]
pub mod data;
#[cfg(feature = "engine")]
pub mod model;
#[cfg(feature = "engine")]
pub mod runtime;
#[cfg(feature = "engine")]
pub mod train;

pub mod protocol;
#[cfg(all(feature = "web", target_family = "wasm"))]
pub mod web;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(all(feature = "app", target_family = "wasm"))]
pub mod ui;
#[cfg(all(feature = "worker", target_family = "wasm"))]
pub mod worker;
