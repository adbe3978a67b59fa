//! Keeps each new best model of a run in the browser's cache at once (fine-tuning and
//! pre-training alike), so that a lost device or a closed tab loses nothing learned.

use super::outbox::post;
use super::store;
use crate::checkpoint::folder::TokenizerFiles;
use crate::checkpoint::write::{Trained, folder_files};
use crate::protocol::FromWorker;

/// Keeps each new best model of a run in the browser's cache under one name, and lists it in
/// the Model panel at once, so that it survives whatever happens next. Fine-tuning and
/// pre-training share it.
pub(super) struct Keeper {
    /// The name the model is kept under.
    pub save_as: String,
    /// The tokenizer's files, written with every kept model.
    pub tokenizer: TokenizerFiles,
    /// The key it was kept under, once it was.
    pub saved: Option<String>,
    /// Why keeping it failed, if it did.
    pub save_error: Option<String>,
}

impl Keeper {
    /// A keeper of models named `save_as` with this tokenizer.
    pub fn new(save_as: String, tokenizer: TokenizerFiles) -> Self {
        Self {
            save_as,
            tokenizer,
            saved: None,
            save_error: None,
        }
    }

    /// Saves the model's folder, as every export writes it, with `extra` files beside it
    /// (a multi-task run's auxiliary heads), or records why it could not.
    pub async fn keep(&mut self, trained: Trained<'_>, extra: Vec<(String, Vec<u8>)>) {
        let saved = match folder_files(&trained, &self.tokenizer).await {
            Ok(mut files) => {
                files.extend(extra);
                let files: Vec<(&str, &[u8])> = files
                    .iter()
                    .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
                    .collect();
                store::save(&self.save_as, &files).await
            }
            Err(e) => Err(e),
        };
        match saved {
            Ok(key) => {
                self.saved = Some(key);
                if let Ok(models) = store::list().await {
                    post(&FromWorker::Models { models }, Vec::new());
                }
            }
            Err(e) => self.save_error = Some(e),
        }
    }
}

/// The local time as `YYYYMMDD-HHMMSS`, for the names runs are kept under.
pub(super) fn now_stamp() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}
