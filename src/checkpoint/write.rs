//! The one writer of a Hugging Face folder: the files (name, bytes) of any model Anneal trains —
//! a classifier or tagger (LoRA adapters merged, and optionally also as a PEFT adapter), or a
//! language model — for the command line to write into a folder and the browser to zip or
//! keep in its cache. Every export is this function's output, so a folder means the same
//! wherever it was made.

use super::folder::TokenizerFiles;
use super::peft;
use super::{export_config, export_lm_config, export_lm_safetensors, export_safetensors};
use crate::model::{BertClassifier, BertConfig, BertLm};
use crate::shared::{LoraSettings, Objective};

/// A trained model, with what its `config.json` needs.
pub enum Trained<'a> {
    /// A fine-tuned classifier or tagger: `*ForSequenceClassification` or
    /// `*ForTokenClassification`, its LoRA adapters merged into the weights.
    Classifier {
        /// The model.
        model: &'a BertClassifier,
        /// Its encoder's configuration (the layers it kept).
        config: &'a BertConfig,
        /// Its labels, in class order.
        labels: &'a [String],
        /// With `Some`, the adapters are written again as a PEFT adapter in `adapter/`, for
        /// the base model named there.
        peft: Option<(&'a LoraSettings, &'a str)>,
    },
    /// A pre-trained language model: `*ForMaskedLM` or `BertLMHeadModel`.
    Lm {
        /// The model.
        model: &'a BertLm,
        /// Its configuration.
        config: &'a BertConfig,
        /// What it was trained to predict.
        objective: Objective,
    },
}

/// The folder's files, by name (`adapter/…` for a PEFT adapter), in a fixed order.
///
/// Sync point: reads every parameter back from the device, asynchronously.
pub async fn folder_files(
    trained: &Trained<'_>,
    tokenizer: &TokenizerFiles,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    let max_len = match trained {
        Trained::Classifier {
            model,
            config,
            labels,
            peft: adapter,
        } => {
            files.push((
                "config.json".to_string(),
                export_config(config, model.task, labels).into_bytes(),
            ));
            let weights = export_safetensors(model).await.map_err(|e| e.to_string())?;
            files.push(("model.safetensors".into(), weights));
            if let Some((lora, base)) = adapter {
                let weights = peft::adapter_safetensors(model)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("the model has no LoRA adapters to write")?;
                files.push(("adapter/adapter_model.safetensors".into(), weights));
                let adapter_config = peft::adapter_config(config, lora, model.task, base);
                files.push((
                    "adapter/adapter_config.json".into(),
                    adapter_config.into_bytes(),
                ));
            }
            config.max_len()
        }
        Trained::Lm {
            model,
            config,
            objective,
        } => {
            files.push((
                "config.json".to_string(),
                export_lm_config(config, *objective).into_bytes(),
            ));
            let weights = export_lm_safetensors(model)
                .await
                .map_err(|e| e.to_string())?;
            files.push(("model.safetensors".into(), weights));
            config.max_len()
        }
    };
    files.extend(tokenizer.files(max_len));
    Ok(files)
}
