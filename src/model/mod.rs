//! The BERT encoder and its task heads in pure burn, equal to Hugging Face `BertModel`,
//! `BertForSequenceClassification` and `BertForTokenClassification`.
//!
//! Nothing here knows about files, devices by name, or the web: configs and weights come in as
//! bytes, and [`checkpoint`] is the only module that knows Hugging Face tensor names.

pub mod activation;
pub mod archive;
pub mod bert;
pub mod checkpoint;
pub mod config;
pub mod embeddings;
pub mod encoder;
pub mod files;
pub mod heads;
pub mod safetensors;

pub use bert::{BertModel, BertOutput, mean_pool_normalized};
pub use checkpoint::{CheckpointError, LoadReport, ReadbackError, load_classifier, load_encoder};
pub use config::{BertConfig, ConfigError};
pub use files::ModelFiles;
pub use heads::{BatchTensors, BertClassifier, IGNORE_INDEX, Task};
