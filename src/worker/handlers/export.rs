//! `Export`: the fine-tuned model as a zip of the Hugging Face folder that
//! `checkpoint::write::folder_files` makes for every export (the command line's folder holds
//! the same files), which `transformers` loads as is.

use super::super::state::Shared;
use crate::checkpoint::write::{Trained, folder_files};
use crate::checkpoint::zip as archive;

/// The zip's file name and bytes.
pub(in crate::worker) async fn zip(session: &Shared) -> Result<(String, Vec<u8>), String> {
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("no fine-tuned model to export yet")?;
    let trained = Trained::Classifier {
        model: &tuned.model,
        config: &tuned.config,
        labels: &tuned.labels,
        peft: None,
    };
    let files = folder_files(&trained, &tuned.files.tokenizer_files()?).await?;
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    Ok((
        format!("{}.zip", tuned.name),
        archive::write(&tuned.name, &files),
    ))
}
