//! The BERT encoder and its heads in pure burn, equal to Hugging Face `BertModel`,
//! `BertForSequenceClassification`, `BertForTokenClassification`, `BertForMaskedLM` and
//! `BertLMHeadModel`.
//!
//! Nothing here knows about files, tokenizers, devices by name, or the web; weights get here
//! through [`crate::checkpoint`], the only module that knows Hugging Face tensor names.
//!
//! Architecture invariant: `model/` imports only burn and [`crate::shared`].

pub mod activation;
pub mod adapt;
pub mod bert;
pub mod config;
pub mod dropout;
pub mod embeddings;
pub mod encoder;
pub mod heads;
pub mod lm;
pub mod lora;

pub use crate::shared::{IGNORE_INDEX, Objective, Task};
pub use bert::{BertModel, BertOutput, mean_pool_normalized};
pub use config::{BertConfig, ConfigError, Family};
pub use heads::{BatchTensors, BertClassifier, Head};
pub use lm::{BertLm, hf_label_rows};
