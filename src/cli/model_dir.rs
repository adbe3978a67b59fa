//! A Hugging Face model folder on disk: `config.json`, `model.safetensors`, and
//! `tokenizer.json` (or `vocab.txt`), checked by [`ModelFiles`].

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use super::shell::read;
use crate::checkpoint::ModelFiles;
use crate::checkpoint::folder::MODEL_FILES;

/// A model folder and its checked files.
pub struct ModelDir {
    /// The folder.
    pub path: PathBuf,
    files: ModelFiles,
}

impl Deref for ModelDir {
    type Target = ModelFiles;
    fn deref(&self) -> &ModelFiles {
        &self.files
    }
}

impl ModelDir {
    /// Reads and checks the folder.
    pub fn open(path: &Path) -> Result<Self, String> {
        if !path.is_dir() {
            return Err(format!(
                "{}: not a folder (expected config.json, model.safetensors, tokenizer.json)",
                path.display()
            ));
        }
        let mut files = BTreeMap::new();
        for name in MODEL_FILES {
            let file = path.join(name);
            if file.exists() {
                files.insert(name.to_string(), read(&file)?);
            }
        }
        if path.join("pytorch_model.bin").exists() {
            // Only its presence matters, for the hint when model.safetensors is missing.
            files.insert("pytorch_model.bin".to_string(), Vec::new());
        }
        let files = ModelFiles::from_files(&path.display().to_string(), files)?;
        Ok(Self {
            path: path.to_path_buf(),
            files,
        })
    }
}
