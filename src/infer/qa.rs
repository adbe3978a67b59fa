//! Asking a question-answering model: questions about passages in, each answer as the
//! passage's characters with its score and the next best spans out, read exactly as
//! evaluation reads them (`data::qa`: `run_qa.py`'s windows and post-processing).

use crate::data::QaExample;
use crate::data::qa::{Answered, Reading, windows};
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::data::{Answer, Problem};
use crate::forward::span_logits;
use crate::model::BertClassifier;
use crate::runtime::readback::ReadbackError;

/// Why questions could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
}

/// What asking gives: one answer per question answered, in order, and the questions a
/// window could not hold.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The questions answered.
    pub questions: Vec<QaExample>,
    /// Their answers, in the same order.
    pub answers: Vec<Answered>,
    /// The questions left out, with why.
    pub problems: Vec<Problem>,
}

/// A question about a passage, as an example without gold answers.
pub fn question(question: &str, context: &str) -> QaExample {
    QaExample {
        id: "question".into(),
        question: question.trim_start().to_string(),
        context: context.to_string(),
        answers: Vec::<Answer>::new(),
        line: 1,
    }
}

/// Answers `questions` with `model`: windows of `max_len` tokens overlapping by `stride`,
/// batches of `batch_size` windows. `unanswerable` lets "no answer" compete (a model trained
/// on SQuAD v2-style data).
///
/// Sync point: one readback per batch.
pub async fn ask(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    questions: &[QaExample],
    max_len: usize,
    stride: usize,
    batch_size: usize,
    reading: Reading,
) -> Result<Asked, AskError> {
    let mut windowed = windows(questions, tokenizer, max_len, stride)?;
    windowed.questions.reading = reading;
    let logits = span_logits(model, &windowed.features, batch_size, tokenizer.pad_id()).await?;
    let answers = windowed.questions.answers(&logits);
    Ok(Asked {
        questions: windowed.questions.examples,
        answers,
        problems: windowed.problems,
    })
}
