//! The files of a Hugging Face model folder, as bytes: `config.json`, `model.safetensors`, and
//! `tokenizer.json` or `vocab.txt` (with `tokenizer_config.json`'s `do_lower_case`).
//!
//! The command line reads them from a folder, the browser from picked files, a URL, the Hub,
//! its cache or a zip; all of them check the set here, so every source gives the same messages.

use std::collections::BTreeMap;

use crate::data::tokenizer::TextTokenizer;
use crate::model::BertConfig;
use crate::shared::Task;

/// File names a model folder may contain that Anneal reads.
pub const MODEL_FILES: [&str; 5] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
];

/// A checked model: its config, weights and tokenizer.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// Where it came from, for messages (a folder, a URL, a Hub id).
    pub source: String,
    /// `config.json`.
    pub config: BertConfig,
    /// `model.safetensors`, unparsed.
    pub weights: Vec<u8>,
    /// The tokenizer.
    pub tokenizer: TextTokenizer,
    /// `tokenizer.json` as given, kept for export; `None` when built from `vocab.txt`.
    pub tokenizer_json: Option<Vec<u8>>,
}

impl ModelFiles {
    /// Checks a set of files (by base name). Messages name `source` and the file at fault.
    pub fn from_files(source: &str, mut files: BTreeMap<String, Vec<u8>>) -> Result<Self, String> {
        let config_bytes = files.remove("config.json").ok_or_else(|| {
            format!("{source}: config.json not found (a model needs config.json, model.safetensors and tokenizer.json or vocab.txt)")
        })?;
        let config = BertConfig::from_json(&config_bytes)
            .map_err(|e| format!("{source}/config.json: {e}"))?;
        let weights = files.remove("model.safetensors").ok_or_else(|| {
            let hint = if files.contains_key("pytorch_model.bin") {
                " (there is a pytorch_model.bin; convert it to safetensors first)"
            } else {
                ""
            };
            format!("{source}/model.safetensors: not found{hint}")
        })?;
        let (tokenizer, tokenizer_json) = if let Some(bytes) = files.remove("tokenizer.json") {
            let t = TextTokenizer::from_json(&bytes)
                .map_err(|e| format!("{source}/tokenizer.json: {e}"))?;
            (t, Some(bytes))
        } else if let Some(vocab) = files.remove("vocab.txt") {
            let vocab =
                String::from_utf8(vocab).map_err(|_| format!("{source}/vocab.txt: not UTF-8"))?;
            let lowercase = files
                .get("tokenizer_config.json")
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v.get("do_lower_case").and_then(|b| b.as_bool()))
                .unwrap_or(true);
            let t = TextTokenizer::from_vocab(&vocab, lowercase)
                .map_err(|e| format!("{source}/vocab.txt: {e}"))?;
            (t, None)
        } else {
            return Err(format!("{source}: no tokenizer.json or vocab.txt"));
        };
        if tokenizer.vocab_size() > config.vocab_size {
            return Err(format!(
                "{source}: the tokenizer has {} tokens but config.json's vocab_size is {}",
                tokenizer.vocab_size(),
                config.vocab_size
            ));
        }
        Ok(Self {
            source: source.to_string(),
            config,
            weights,
            tokenizer,
            tokenizer_json,
        })
    }

    /// The task and labels of a fine-tuned checkpoint, or why it is not one.
    pub fn fine_tuned(&self) -> Result<(Task, Vec<String>), String> {
        let task = Task::from_architectures(&self.config).ok_or_else(|| {
            format!(
                "{}: not a fine-tuned model (config.json's architectures has neither \
                 BertForSequenceClassification nor BertForTokenClassification); fine-tune it first",
                self.source
            )
        })?;
        let labels = self
            .config
            .labels()
            .ok_or_else(|| format!("{}: config.json has no usable id2label", self.source))?;
        Ok((task, labels))
    }

    /// `tokenizer.json` for an export: the original bytes, or one built from `vocab.txt`.
    pub fn tokenizer_json(&self) -> Result<Vec<u8>, String> {
        match &self.tokenizer_json {
            Some(b) => Ok(b.clone()),
            None => self
                .tokenizer
                .to_json()
                .map(String::into_bytes)
                .map_err(|e| e.to_string()),
        }
    }
}
