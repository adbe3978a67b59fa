//! Anneal: fine-tune and pre-train BERT-family transformers on WebGPU in a browser tab, or on the
//! command line with burn's CPU and GPU backends.
//!
//! # Code map
//!
//! Top-down, each folder using only those above it (a test holds them to it; ARCHITECTURE.md
//! has the rules):
//!
//! - [`shared`]: the engine-free vocabulary (task, settings and their one `validate()`, step
//!   numbers, scores, the comparison of starts) that the engine, both shells and the UI all use.
//! - [`model`]: the BERT encoder and its task heads in pure burn, and the `config.json` schema.
//! - [`data`]: tokenization, the labeled-data file formats with line-numbered problems, label
//!   maps, validation splits, sub-word label alignment and batching.
//! - [`runtime`]: the only code that names a concrete device (Flex on the CPU, wgpu on a GPU),
//!   and the one way to read tensors back (asynchronously).
//! - [`checkpoint`]: Hugging Face checkpoints <-> modules, the one place that knows tensor
//!   names; safetensors, a model folder's files checked together, zip.
//! - [`train`]: the recipe (settings + files -> a plan, for every shell), the fine-tuning loop,
//!   its learning-rate schedule, evaluation and metrics; pre-training and the comparison of
//!   starts. Progress leaves only as
//!   [`train::Event`]s.
//! - [`infer`]: language-model answers, sentence embeddings, word neighbours and 2-D
//!   projections; predictions with a fine-tuned model, the texts of a file to predict and the
//!   rows they are written out as.
//! - [`protocol`]: the typed messages between the browser UI and its worker, and their wire
//!   format.
//! - `cli` (feature `cli`): the native `anneal` command.
//! - [`worker`]: the Web Worker that owns the model, on WebGPU or Flex (its browser rooms need
//!   feature `worker` on wasm; its pure rooms compile with the engine and are tested natively).
//! - `ui` (feature `app`, wasm): the Leptos interface; it never links burn.
//!
//! # Invariants
//!
//! - `model`, `data`, `checkpoint`, `train` and `infer` never touch files, the network, a
//!   terminal or a browser: they take bytes and strings and return values, so the browser
//!   worker drives exactly this code.
//! - Tensors are read back only asynchronously (`runtime::readback`), at points commented as
//!   sync points, because synchronous reads panic on WebGPU.
//! - Hugging Face tensor names appear only in `checkpoint`.

#![warn(missing_docs)]

#[cfg(feature = "engine")]
pub mod checkpoint;
#[cfg(feature = "engine")]
pub mod data;
#[cfg(feature = "engine")]
pub mod infer;
#[cfg(feature = "engine")]
pub mod model;
#[cfg(feature = "engine")]
pub mod runtime;
#[cfg(feature = "engine")]
pub mod train;

pub mod protocol;
pub mod shared;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(all(feature = "app", target_family = "wasm"))]
pub mod ui;
// The worker's pure rooms (messages from engine values, the browser's wording) compile
// natively too, so they are tested with the rest; its browser rooms only in wasm.
#[cfg(feature = "engine")]
pub mod worker;
