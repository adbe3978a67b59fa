//! `Export`: the fine-tuned model as a zip of a Hugging Face folder (`config.json`,
//! `model.safetensors`, `tokenizer.json`) that `transformers` loads as is.

use super::super::state::Shared;
use crate::checkpoint::{export_config, export_safetensors, zip as archive};

/// The zip's file name and bytes.
pub(in crate::worker) async fn zip(session: &Shared) -> Result<(String, Vec<u8>), String> {
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("no fine-tuned model to export yet")?;
    let task = tuned.model.task;
    let weights = export_safetensors(&tuned.model)
        .await
        .map_err(|e| e.to_string())?;
    let config = export_config(&tuned.config, task, &tuned.labels);
    let tokenizer = tuned.files.tokenizer_json()?;
    let zip = archive::write(
        &tuned.name,
        &[
            ("config.json", config.as_bytes()),
            ("model.safetensors", &weights),
            ("tokenizer.json", &tokenizer),
        ],
    );
    Ok((format!("{}.zip", tuned.name), zip))
}
