//! Running a model over encoded examples: probabilities, and metrics against their labels.

use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use super::metrics::{ClassificationReport, NerReport, classification_report, ner_report};
use super::to_tensors;
use crate::data::batch::collate;
use crate::data::features::Features;
use crate::model::{BertClassifier, IGNORE_INDEX, Task};
use crate::runtime::readback::{ReadbackError, read_f32};

/// Metrics of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evaluation {
    /// Text classification.
    Classify(ClassificationReport),
    /// Entity recognition.
    Ner(NerReport),
}

impl Evaluation {
    /// The score the best epoch is chosen by: macro-F1, or entity F1 for NER.
    pub fn score(&self) -> f64 {
        match self {
            Evaluation::Classify(r) => r.macro_f1,
            Evaluation::Ner(r) => r.f1,
        }
    }

    /// The headline number people quote: accuracy, or entity F1 for NER.
    pub fn headline(&self) -> f64 {
        match self {
            Evaluation::Classify(r) => r.accuracy,
            Evaluation::Ner(r) => r.f1,
        }
    }
}

/// Class probabilities for every example: one row for classification, one row per token
/// (special tokens included) for NER. Examples are batched by length to limit padding.
///
/// Sync point: one readback per batch.
pub async fn predict_probabilities(
    model: &BertClassifier,
    features: &[Features],
    batch_size: usize,
    pad_id: u32,
) -> Result<Vec<Vec<Vec<f32>>>, ReadbackError> {
    let device = model.classifier.weight.val().device();
    let classes = model.num_labels();
    let mut order: Vec<usize> = (0..features.len()).collect();
    order.sort_by_key(|&i| features[i].ids.len());
    let mut out = vec![Vec::new(); features.len()];
    for chunk in order.chunks(batch_size.max(1)) {
        let group: Vec<&Features> = chunk.iter().map(|&i| &features[i]).collect();
        let batch = collate(&group, pad_id, model.task == Task::Ner);
        let (tensors, _) = to_tensors(&batch, &device);
        let probs = read_f32(softmax(model.forward(&tensors), 1)).await?;
        for (row, &i) in chunk.iter().enumerate() {
            out[i] = match model.task {
                Task::Classify => vec![probs[row * classes..(row + 1) * classes].to_vec()],
                Task::Ner => (0..features[i].ids.len())
                    .map(|t| {
                        let at = (row * batch.seq + t) * classes;
                        probs[at..at + classes].to_vec()
                    })
                    .collect(),
            };
        }
    }
    Ok(out)
}

/// Index of the largest value.
pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > row[best] { i } else { best })
}

/// Scores `model` on labeled `features`.
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
    })
}
