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
    let (report, answers, _) = validate_qa(model, features, questions, batch_size, pad_id).await?;
    Ok((report, answers))
}

/// [`evaluate_qa`], and the mean loss of the windows ([`span_loss`]).
pub async fn validate_qa(
    model: &BertClassifier,
    features: &[Features],
    questions: &Questions,
    batch_size: usize,
    pad_id: u32,
) -> Result<(QaReport, Vec<Answered>, f64), ReadbackError> {
    let logits = span_logits(model, features, batch_size, pad_id).await?;
    let answers = questions.answers(&logits);
    let spans: Vec<_> = answers.iter().map(|a| a.answer.clone()).collect();
    let report = squad_report(&questions.examples, &spans, questions.reading.unanswerable);
    Ok((report, answers, span_loss(features, &logits)))
}

/// Mean over windows of the start's and the end's cross-entropy, each over the window's own
/// positions (the training loss also spreads probability over a batch's padding; a
/// validation loss should not depend on how the windows were batched).
pub fn span_loss(features: &[Features], logits: &[(Vec<f32>, Vec<f32>)]) -> f64 {
    let nll = |row: &[f32], at: i64| {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x)) as f64;
        let sum: f64 = row.iter().map(|&x| (x as f64 - max).exp()).sum();
        max + sum.ln() - row[at as usize] as f64
    };
    let total: f64 = features
        .iter()
        .zip(logits)
        .map(|(f, (start, end))| (nll(start, f.labels[0]) + nll(end, f.labels[1])) / 2.0)
        .sum();
    total / features.len().max(1) as f64
}

/// Mean negative log-likelihood of the gold labels under `probs` (as
/// [`predict_probabilities`] returns them), over the labels that count: per example for
/// classification, per scored token for NER (the training loss's definition).
pub fn label_loss(features: &[Features], probs: &[Vec<Vec<f32>>], task: Task) -> f64 {
    let (mut total, mut n) = (0.0, 0usize);
    for (f, p) in features.iter().zip(probs) {
        let labels: &[i64] = match task {
            Task::Classify => &f.labels[..1],
            _ => &f.labels,
        };
        for (t, &label) in labels.iter().enumerate() {
            if label != IGNORE_INDEX {
                // A probability that rounded to 0 counts as the smallest f32 normal, not as ∞.
                total -= (p[t][label as usize].max(f32::MIN_POSITIVE) as f64).ln();
                n += 1;
            }
        }
    }
    total / n.max(1) as f64
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
    Ok(report_of(model.task, features, labels, &probs))
}

/// [`evaluate`], and each example's predicted label ids: one for classification, one per
/// scored word for NER (what a per-group evaluation scores).
pub async fn evaluate_predicting(
    model: &BertClassifier,
    features: &[Features],
    labels: &[String],
    batch_size: usize,
    pad_id: u32,
) -> Result<(Evaluation, Vec<Vec<usize>>), ReadbackError> {
    let probs = predict_probabilities(model, features, batch_size, pad_id).await?;
    let predicted = features
        .iter()
        .zip(&probs)
        .map(|(f, p)| match model.task {
            Task::Classify => vec![argmax(&p[0])],
            _ => (0..f.labels.len())
                .filter(|&t| f.labels[t] != IGNORE_INDEX)
                .map(|t| argmax(&p[t]))
                .collect(),
        })
        .collect();
    Ok((report_of(model.task, features, labels, &probs), predicted))
}

/// [`evaluate`], and the validation loss ([`label_loss`]) from the same forward pass.
pub async fn validate(
    model: &BertClassifier,
    features: &[Features],
    labels: &[String],
    batch_size: usize,
    pad_id: u32,
) -> Result<(Evaluation, f64), ReadbackError> {
    let probs = predict_probabilities(model, features, batch_size, pad_id).await?;
    Ok((
        report_of(model.task, features, labels, &probs),
        label_loss(features, &probs, model.task),
    ))
}

/// The metrics of `probs` against the features' labels.
fn report_of(
    task: Task,
    features: &[Features],
    labels: &[String],
    probs: &[Vec<Vec<f32>>],
) -> Evaluation {
    match task {
        Task::Classify => {
            let gold: Vec<usize> = features.iter().map(|f| f.labels[0] as usize).collect();
            let predicted: Vec<usize> = probs.iter().map(|p| argmax(&p[0])).collect();
            Evaluation::Classify(classification_report(&gold, &predicted, labels))
        }
        Task::Ner => {
            let (mut gold, mut predicted) = (Vec::new(), Vec::new());
            for (f, p) in features.iter().zip(probs) {
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
    }
}
