//! What the worker computes from a person's file and settings before any device work: the file
//! read with the columns they picked, and the recipe's plan for a run. Pure, so a native test
//! holds it to the command line's plan for the same file and settings.

use crate::checkpoint::ModelFiles;
use crate::data::tokenizer::TextTokenizer;
use crate::data::{ParseOptions, Parsed, parse};
use crate::protocol::{ColumnChoice, DataSummary, TrainSettings};
use crate::train::recipe::{self, Plan, RecipeError};

use super::to_proto::summary;

/// A data file as the Data panel shows it, and the parsed file when it can be trained on;
/// `tokenizer` (the loaded model's) measures a question-answering file's lengths in tokens.
pub fn read_data(
    name: &str,
    bytes: &[u8],
    columns: ColumnChoice,
    tokenizer: Option<&TextTokenizer>,
) -> (DataSummary, Option<Parsed>) {
    let options = ParseOptions {
        task: None,
        text_column: columns.text,
        label_column: columns.label,
    };
    summary(name, bytes, parse(name, bytes, &options), tokenizer)
}

/// The run that `settings` ask for on the loaded model and the parsed file.
pub fn plan_run(
    parsed: &Parsed,
    files: &ModelFiles,
    settings: &TrainSettings,
) -> Result<Plan, RecipeError> {
    recipe::plan(parsed.clone(), None, files, settings)
}
