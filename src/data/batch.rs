//! Padding a group of examples into one batch, to the longest sequence of the group.

use super::features::Features;
use crate::shared::{IGNORE_INDEX, Task};

/// A padded batch as flat row-major arrays, ready to become tensors.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    /// Number of examples.
    pub size: usize,
    /// Length of every row after padding.
    pub seq: usize,
    /// `[size, seq]` token ids.
    pub input_ids: Vec<i64>,
    /// `[size, seq]`, 1 for tokens and 0 for padding.
    pub attention_mask: Vec<i64>,
    /// Classification: `[size]`; NER: `[size, seq]` with padding at [`IGNORE_INDEX`];
    /// question answering: `[size, 2]`, each row's start and end position, [`IGNORE_INDEX`]
    /// where it lies past the row's end (as transformers ignores a clamped position).
    pub labels: Vec<i64>,
    /// `[size, seq]` segment ids (0 for the first text of a pair, 1 for the second), or empty
    /// when every token is in segment 0.
    #[serde(default)]
    pub token_type_ids: Vec<i64>,
}

/// Pads `features` to their longest sequence with `pad_id`, with the labels `task` has.
pub fn collate(features: &[&Features], pad_id: u32, task: Task) -> Batch {
    let size = features.len();
    let seq = features.iter().map(|f| f.ids.len()).max().unwrap_or(0);
    let pairs = features.iter().any(|f| !f.type_ids.is_empty());
    let mut b = Batch {
        size,
        seq,
        input_ids: Vec::with_capacity(size * seq),
        attention_mask: Vec::with_capacity(size * seq),
        labels: Vec::new(),
        token_type_ids: Vec::with_capacity(if pairs { size * seq } else { 0 }),
    };
    for f in features {
        let pad = seq - f.ids.len();
        b.input_ids.extend(
            f.ids
                .iter()
                .map(|&i| i as i64)
                .chain(std::iter::repeat_n(pad_id as i64, pad)),
        );
        b.attention_mask
            .extend(std::iter::repeat_n(1, f.ids.len()).chain(std::iter::repeat_n(0, pad)));
        if pairs {
            let types = f.type_ids.iter().map(|&t| t as i64);
            let n = f.type_ids.len();
            // Padding takes segment 0, as a tokenizer pads `token_type_ids`.
            b.token_type_ids
                .extend(types.chain(std::iter::repeat_n(0, seq - n)));
        }
        match task {
            Task::Classify => b.labels.push(f.labels[0]),
            Task::Ner => b.labels.extend(
                f.labels
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(IGNORE_INDEX, pad)),
            ),
            Task::Qa => b.labels.extend(f.labels.iter().take(2).map(|&p| {
                if (0..seq as i64).contains(&p) {
                    p
                } else {
                    IGNORE_INDEX
                }
            })),
        }
    }
    b
}

/// Groups of indices into `n` items, `batch_size` at a time, in the given order.
pub fn chunks(order: &[usize], batch_size: usize) -> impl Iterator<Item = &[usize]> {
    order.chunks(batch_size.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_longest_and_masks() {
        let a = Features {
            ids: vec![1, 5, 2],
            labels: vec![-100, 3, -100],
            type_ids: Vec::new(),
        };
        let b = Features {
            ids: vec![1, 2],
            labels: vec![-100, -100],
            type_ids: Vec::new(),
        };
        let batch = collate(&[&a, &b], 0, Task::Ner);
        assert_eq!((batch.size, batch.seq), (2, 3));
        assert_eq!(batch.input_ids, vec![1, 5, 2, 1, 2, 0]);
        assert_eq!(batch.attention_mask, vec![1, 1, 1, 1, 1, 0]);
        assert_eq!(batch.labels, vec![-100, 3, -100, -100, -100, -100]);
        assert!(batch.token_type_ids.is_empty());
        let batch = collate(
            &[&Features {
                ids: vec![1],
                labels: vec![4],
                type_ids: Vec::new(),
            }],
            0,
            Task::Classify,
        );
        assert_eq!(batch.labels, vec![4]);
    }

    /// Pairs keep their segments (padding in segment 0); a position past a row's end is
    /// ignored, as transformers clamps it to the sequence length and ignores that index.
    #[test]
    fn question_answering_keeps_segments_and_ignores_positions_past_the_end() {
        let a = Features {
            ids: vec![1, 7, 2, 8, 9, 2],
            labels: vec![3, 4],
            type_ids: vec![0, 0, 0, 1, 1, 1],
        };
        let b = Features {
            ids: vec![1, 7, 2, 8],
            labels: vec![0, 6],
            type_ids: vec![0, 0, 0, 1],
        };
        let batch = collate(&[&a, &b], 0, Task::Qa);
        assert_eq!(batch.seq, 6);
        assert_eq!(batch.labels, vec![3, 4, 0, IGNORE_INDEX]);
        assert_eq!(
            batch.token_type_ids,
            vec![0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0]
        );
    }
}
