//! Running a model over encoded examples: probabilities, and metrics against their labels.

use serde::{Deserialize, Serialize};

use super::metrics::{ClassificationReport, NerReport, classification_report, ner_report};
use super::squad::{QaReport, squad_report};
use crate::data::features::Features;
use crate::data::qa::{Answered, Questions};
use crate::forward::{argmax, predict_probabilities, span_logits};
use crate::model::{BertClassifier, IGNORE_INDEX, Task};
use crate::runtime::readback::ReadbackError;

/// Metrics of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evaluation {
    /// Text classification.
    Classify(ClassificationReport),
    /// Entity recognition.
    Ner(NerReport),
    /// Question answering.
    Qa(QaReport),
}

impl Evaluation {
    /// The score the best epoch is chosen by: macro-F1, or entity F1 for NER.
    pub fn score(&self) -> f64 {
        match self {
            Evaluation::Classify(r) => r.macro_f1,
            Evaluation::Ner(r) => r.f1,
            Evaluation::Qa(r) => r.f1 / 100.0,
        }
    }

    /// The headline number people quote: accuracy, entity F1 for NER, F1 (as a share) for
    /// question answering.
    pub fn headline(&self) -> f64 {
        match self {
            Evaluation::Classify(r) => r.accuracy,
            Evaluation::Ner(r) => r.f1,
            Evaluation::Qa(r) => r.f1 / 100.0,
        }
    }
}

/// Answers windowed questions (`features` are their windows) and scores the answers.
pub async fn evaluate_qa(
    model: &BertClassifier,
    features: &[Features],
    questions: &Questions,
    batch_size: usize,
    pad_id: u32,
) -> Result<(QaReport, Vec<Answered>), ReadbackError> {
    let logits = span_logits(model, features, batch_size, pad_id).await?;
    let answers = questions.answers(&logits);
    let spans: Vec<_> = answers.iter().map(|a| a.answer.clone()).collect();
    let report = squad_report(&questions.examples, &spans, questions.reading.unanswerable);
    Ok((report, answers))
}

/// Scores a classifier or tagger on labeled `features` (question answering: [`evaluate_qa`]).
pub async fn evaluate(
    model: &BertClassifier,
    features: &[Features],
    labels: &[String],
    batch_size: usize,
    pad_id: u32,
) -> Result<Evaluation, ReadbackError> {
    let probs = predict_probabilities(model, features, batch_size, pad_id).await?;
    Ok(match model.task {
        Task::Classify => {
            let gold: Vec<usize> = features.iter().map(|f| f.labels[0] as usize).collect();
            let predicted: Vec<usize> = probs.iter().map(|p| argmax(&p[0])).collect();
            Evaluation::Classify(classification_report(&gold, &predicted, labels))
        }
        Task::Ner => {
            let (mut gold, mut predicted) = (Vec::new(), Vec::new());
            for (f, p) in features.iter().zip(&probs) {
                let scored: Vec<usize> = (0..f.labels.len())
                    .filter(|&t| f.labels[t] != IGNORE_INDEX)
                    .collect();
                gold.push(
                    scored
                        .iter()
                        .map(|&t| labels[f.labels[t] as usize].clone())
                        .collect(),
                );
                predicted.push(
                    scored
                        .iter()
                        .map(|&t| labels[argmax(&p[t])].clone())
                        .collect(),
                );
            }
            Evaluation::Ner(ner_report(&gold, &predicted))
        }
        Task::Qa => Evaluation::Qa(squad_report(&[], &[], false)),
    })
}
