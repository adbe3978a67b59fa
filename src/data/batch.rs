//! Padding a group of examples into one batch, to the longest sequence of the group.

use super::features::Features;
use crate::shared::IGNORE_INDEX;

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
    /// Classification: `[size]`; NER: `[size, seq]` with padding at [`IGNORE_INDEX`].
    pub labels: Vec<i64>,
}

/// Pads `features` to their longest sequence with `pad_id`.
pub fn collate(features: &[&Features], pad_id: u32, per_token_labels: bool) -> Batch {
    let size = features.len();
    let seq = features.iter().map(|f| f.ids.len()).max().unwrap_or(0);
    let mut b = Batch {
        size,
        seq,
        input_ids: Vec::with_capacity(size * seq),
        attention_mask: Vec::with_capacity(size * seq),
        labels: Vec::new(),
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
        if per_token_labels {
            b.labels.extend(
                f.labels
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(IGNORE_INDEX, pad)),
            );
        } else {
            b.labels.push(f.labels[0]);
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
        };
        let b = Features {
            ids: vec![1, 2],
            labels: vec![-100, -100],
        };
        let batch = collate(&[&a, &b], 0, true);
        assert_eq!((batch.size, batch.seq), (2, 3));
        assert_eq!(batch.input_ids, vec![1, 5, 2, 1, 2, 0]);
        assert_eq!(batch.attention_mask, vec![1, 1, 1, 1, 1, 0]);
        assert_eq!(batch.labels, vec![-100, 3, -100, -100, -100, -100]);
        let batch = collate(
            &[&Features {
                ids: vec![1],
                labels: vec![4],
            }],
            0,
            false,
        );
        assert_eq!(batch.labels, vec![4]);
    }
}
