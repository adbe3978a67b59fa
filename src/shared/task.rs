//! The task a model is fine-tuned for, and the data's fixed vocabulary: the label that losses
//! skip and the column names looked for.

use serde::{Deserialize, Serialize};

/// Which labels a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// One label per text (sentiment, topic, spam).
    Classify,
    /// One label per word (named entities, BIO tags).
    Ner,
    /// Extractive question answering: the answer's span of a passage (SQuAD).
    Qa,
}

impl Task {
    /// What the task is called in sentences.
    pub fn describe(self) -> &'static str {
        match self {
            Task::Classify => "text classification",
            Task::Ner => "named entity recognition",
            Task::Qa => "extractive question answering",
        }
    }
}

impl std::str::FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "classify" | "classification" => Ok(Task::Classify),
            "ner" | "token" => Ok(Task::Ner),
            "qa" | "question-answering" | "squad" => Ok(Task::Qa),
            other => Err(format!("unknown task \"{other}\" (classify, ner or qa)")),
        }
    }
}

/// The label of a sub-word that the loss and the metrics skip (padding, and every sub-word of
/// a word after its first), as Hugging Face's `-100`.
pub const IGNORE_INDEX: i64 = -100;

/// Header names (or JSONL keys) taken as the text column, in order of preference.
pub const TEXT_COLUMNS: &[&str] = &["text", "sentence", "review", "content", "document"];
/// Header names (or JSONL keys) taken as the label column, in order of preference.
pub const LABEL_COLUMNS: &[&str] = &[
    "label",
    "labels",
    "category",
    "class",
    "sentiment",
    "target",
];

/// The number of outputs of a question-answering head: a start and an end logit per token.
pub const QA_OUTPUTS: usize = 2;
