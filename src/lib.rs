//! Anneal: fine-tune and pre-train BERT-family transformers on WebGPU in a browser tab, or on the
//! command line with burn's CPU and GPU backends.
//!
//! The code map (each folder and file, top-down) and the architecture invariants are kept in one
//! place, ARCHITECTURE.md at the repository's root; the import layers are a test
//! (`folders_import_only_the_folders_above_them` in `tests/engine.rs`).

#![warn(missing_docs)]

#[cfg(feature = "engine")]
pub mod checkpoint;
#[cfg(feature = "engine")]
pub mod data;
#[cfg(feature = "engine")]
pub mod forward;
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
