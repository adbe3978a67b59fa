//! A Hugging Face model folder on disk: `config.json`, `model.safetensors`, and
//! `tokenizer.json` (or `vocab.txt`).

use std::path::{Path, PathBuf};

use crate::data::tokenizer::TextTokenizer;
use crate::model::{BertConfig, Task};

use crate::cli::read;

/// Files of a model folder, read into memory.
pub struct ModelDir {
    /// The folder.
    pub path: PathBuf,
    /// Parsed `config.json`.
    pub config: BertConfig,
    /// Bytes of `model.safetensors`.
    pub weights: Vec<u8>,
    /// The tokenizer.
    pub tokenizer: TextTokenizer,
    /// Bytes of `tokenizer.json`, when the folder has one.
    pub tokenizer_json: Option<Vec<u8>>,
}

impl ModelDir {
    /// Reads and checks a model folder.
    pub fn open(path: &Path) -> Result<Self, String> {
        if !path.is_dir() {
            return Err(format!(
                "{}: not a folder (expected config.json, model.safetensors, tokenizer.json)",
                path.display()
            ));
        }
        let config_path = path.join("config.json");
        let config = BertConfig::from_json(&read(&config_path)?)
            .map_err(|e| format!("{}: {e}", config_path.display()))?;
        let weights_path = path.join("model.safetensors");
        if !weights_path.exists() {
            let hint = if path.join("pytorch_model.bin").exists() {
                " (this folder has pytorch_model.bin; convert it to safetensors first)"
            } else {
                ""
            };
            return Err(format!("{}: not found{hint}", weights_path.display()));
        }
        let weights = read(&weights_path)?;
        let json_path = path.join("tokenizer.json");
        let vocab_path = path.join("vocab.txt");
        let (tokenizer, tokenizer_json) = if json_path.exists() {
            let bytes = read(&json_path)?;
            let t = TextTokenizer::from_json(&bytes)
                .map_err(|e| format!("{}: {e}", json_path.display()))?;
            (t, Some(bytes))
        } else if vocab_path.exists() {
            let vocab = String::from_utf8(read(&vocab_path)?)
                .map_err(|_| format!("{}: not UTF-8", vocab_path.display()))?;
            let t = TextTokenizer::from_vocab(&vocab, lowercase(path))
                .map_err(|e| format!("{}: {e}", vocab_path.display()))?;
            (t, None)
        } else {
            return Err(format!(
                "{}: no tokenizer.json or vocab.txt",
                path.display()
            ));
        };
        if tokenizer.vocab_size() > config.vocab_size {
            return Err(format!(
                "{}: the tokenizer has {} tokens but config.json's vocab_size is {}",
                path.display(),
                tokenizer.vocab_size(),
                config.vocab_size
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            config,
            weights,
            tokenizer,
            tokenizer_json,
        })
    }

    /// The task and labels of a fine-tuned model, from its config.
    pub fn fine_tuned(&self) -> Result<(Task, Vec<String>), String> {
        let task = Task::from_architectures(&self.config).ok_or_else(|| {
            format!(
                "{}: not a fine-tuned model (config.json's architectures has neither \
                 BertForSequenceClassification nor BertForTokenClassification); fine-tune it first",
                self.path.display()
            )
        })?;
        let labels = self.config.labels().ok_or_else(|| {
            format!(
                "{}: config.json has no usable id2label",
                self.path.display()
            )
        })?;
        Ok((task, labels))
    }
}

/// `do_lower_case` from `tokenizer_config.json`, true when absent (uncased BERT).
fn lowercase(dir: &Path) -> bool {
    std::fs::read(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("do_lower_case").and_then(|b| b.as_bool()))
        .unwrap_or(true)
}
