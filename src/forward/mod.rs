//! The forward pass on batches, for training and inference alike: batch arrays as tensors, and
//! a classifier's probabilities over many examples, batched by length; and [`Probe`], a score
//! of a whole model that `infer/` gives and `train/` asks for. Below both `train/` and
//! `infer/`, so that neither borrows from the other. `synonyms`: EDA's synonyms from a
//! model's input embeddings (training's augmentation and the Train panel's preview);
//! `contextual`: contextual augmentation's copies, words filled in by a masked language model.

pub mod contextual;
pub mod synonyms;

use burn::prelude::*;
use burn::tensor::activation::softmax;

use crate::data::batch::{Batch, collate};
use crate::data::features::Features;
use crate::model::{BatchTensors, BertClassifier, Task};
use crate::runtime::readback::{ReadbackError, read_f32};

/// A score of a model beside its validation score — the robustness test's accuracy under
/// attack (`infer::attack::AttackProbe`) — that a comparison (`train::compare`) asks of each
/// run's model.
pub trait Probe {
    /// `model`'s score, a share in `[0, 1]`, or why it could not be had.
    fn score<'a>(
        &'a mut self,
        model: &'a BertClassifier,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<f64, String>> + 'a>>;
}

/// Batch arrays -> tensors on `device`; labels flattened to rows of the logits.
pub fn to_tensors(batch: &Batch, device: &Device) -> (BatchTensors, Tensor<1, Int>) {
    let shape = [batch.size, batch.seq];
    let int2 =
        |v: &Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v.clone(), shape), device);
    let tensors = BatchTensors {
        input_ids: int2(&batch.input_ids),
        attention_mask: int2(&batch.attention_mask),
        token_type_ids: if batch.token_type_ids.is_empty() {
            Tensor::<2, Int>::zeros(shape, device)
        } else {
            int2(&batch.token_type_ids)
        },
    };
    let labels = Tensor::<1, Int>::from_data(
        TensorData::new(batch.labels.clone(), [batch.labels.len()]),
        device,
    );
    (tensors, labels)
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
        let batch = collate(&group, pad_id, model.task);
        let (tensors, _) = to_tensors(&batch, &device);
        let probs = read_f32(softmax(model.forward(&tensors), 1)).await?;
        for (row, &i) in chunk.iter().enumerate() {
            out[i] = match model.task {
                Task::Classify => vec![probs[row * classes..(row + 1) * classes].to_vec()],
                Task::Ner | Task::Qa => (0..features[i].ids.len())
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

/// The start and end logits of every window (question answering), each at its own length.
/// Windows are batched by length to limit padding.
///
/// Sync point: one readback per batch.
pub async fn span_logits(
    model: &BertClassifier,
    features: &[Features],
    batch_size: usize,
    pad_id: u32,
) -> Result<Vec<(Vec<f32>, Vec<f32>)>, ReadbackError> {
    let device = model.classifier.weight.val().device();
    let mut order: Vec<usize> = (0..features.len()).collect();
    order.sort_by_key(|&i| features[i].ids.len());
    let mut out = vec![(Vec::new(), Vec::new()); features.len()];
    for chunk in order.chunks(batch_size.max(1)) {
        let group: Vec<&Features> = chunk.iter().map(|&i| &features[i]).collect();
        let batch = collate(&group, pad_id, Task::Qa);
        let (tensors, _) = to_tensors(&batch, &device);
        let logits = read_f32(model.forward(&tensors)).await?; // [batch * seq, 2]
        for (row, &i) in chunk.iter().enumerate() {
            let at = |t: usize, side: usize| logits[(row * batch.seq + t) * 2 + side];
            let n = features[i].ids.len();
            out[i] = (
                (0..n).map(|t| at(t, 0)).collect(),
                (0..n).map(|t| at(t, 1)).collect(),
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_equal_largest_values() {
        assert_eq!(argmax(&[0.1, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[0.5, 0.5]), 0);
        assert_eq!(argmax(&[0.2, 0.9, 0.9]), 1);
    }

    #[test]
    fn a_batch_becomes_tensors_of_its_shape_with_labels_flat() {
        let device = Device::flex();
        let batch = Batch {
            input_ids: vec![2, 5, 3, 2, 3, 0],
            attention_mask: vec![1, 1, 1, 1, 1, 0],
            labels: vec![1, 0],
            size: 2,
            seq: 3,
            token_type_ids: Vec::new(),
        };
        let (t, labels) = to_tensors(&batch, &device);
        assert_eq!(t.input_ids.dims(), [2, 3]);
        assert_eq!(t.attention_mask.dims(), [2, 3]);
        assert_eq!(t.token_type_ids.dims(), [2, 3]);
        assert_eq!(labels.dims(), [2]);
    }
}
