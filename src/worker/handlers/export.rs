//! `Export`: the fine-tuned model as a zip of the Hugging Face folder that
//! `checkpoint::write::folder_files` makes for every export (the command line's folder holds
//! the same files), which `transformers` loads as is; with a model card (`README.md`) when the
//! Export panel sends one.

use super::super::state::Shared;
use crate::checkpoint::folder::{RUN_RECORD, Recorded};
use crate::checkpoint::write::{Trained, folder_files};
use crate::checkpoint::zip as archive;
use crate::shared::Task;

/// The zip's file name and bytes, with `card` as its `README.md` when given.
pub(in crate::worker) async fn zip(
    session: &Shared,
    card: Option<String>,
) -> Result<(String, Vec<u8>), String> {
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
    let mut files = folder_files(&trained, &tuned.files.tokenizer_files()?).await?;
    if tuned.model.task == Task::Qa {
        // How it reads passages, so that a re-import asks it questions the same way.
        let (stride, reading) = tuned.qa;
        let record = Recorded::qa_json(tuned.max_len, stride, reading.unanswerable);
        files.push((RUN_RECORD.to_string(), record));
    }
    if let Some(card) = card {
        files.push(("README.md".to_string(), card.into_bytes()));
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    Ok((
        format!("{}.zip", tuned.name),
        archive::write(&tuned.name, &files),
    ))
}
