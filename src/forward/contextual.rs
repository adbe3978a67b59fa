//! Contextual augmentation (Kobayashi 2018): copies of a text with a share of its words masked
//! and each replaced by a whole word sampled from a masked language model given the rest of
//! the text (the ten likeliest whole words, by their probability, the masked word itself
//! left out). All the masked words of a copy are filled from one forward pass; copies are
//! batched.

use burn::prelude::*;

use crate::data::batch::collate;
use crate::data::features::Features;
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::forward::to_tensors;
use crate::model::{BertLm, Task};
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::augment::{Word, words_of};
use crate::shared::eda::{is_stop_word, with_case_of};
use crate::shared::rng::Rng;

/// Why copies could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ContextualError {
    /// A text could not be tokenized.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// The tokenizer has no mask token.
    #[error("the masked language model's tokenizer has no mask token ([MASK] or <mask>)")]
    NoMask,
}

/// Copies masked per forward pass.
const BATCH: usize = 32;
/// Whole words a masked word is sampled from.
const TOP: usize = 10;

/// One copy being drawn: its text, the words masked (their byte ranges in the text) and the
/// masked text's ids.
struct Masked {
    text: usize,
    words: Vec<Word>,
    ids: Vec<u32>,
}

/// The words of `text` a copy may mask: letters only, not stop words.
fn maskable(text: &str) -> Vec<Word> {
    words_of(text)
        .into_iter()
        .filter(|w| {
            let s = &text[w.start..w.end];
            s.chars().all(char::is_alphabetic) && !is_stop_word(s)
        })
        .collect()
}

/// `per_text` copies of each of `texts`, each with a share `rate` of its maskable words (at
/// least one) replaced by `lm`'s samples, drawn from `seed`; a text with nothing to mask (or
/// whose masks fall beyond `max_len` tokens) is copied as it is.
pub async fn contextual_copies(
    lm: &BertLm,
    tokenizer: &TextTokenizer,
    texts: &[String],
    (rate, per_text): (f64, usize),
    seed: u64,
    max_len: usize,
) -> Result<Vec<Vec<String>>, ContextualError> {
    let (mask, mask_id) = match (tokenizer.mask_token(), tokenizer.mask_id()) {
        (Some(m), Some(id)) => (m, id),
        _ => return Err(ContextualError::NoMask),
    };
    let vocab = lm.vocab_size();
    let mut allowed = vec![None; vocab];
    for (id, word) in tokenizer.whole_words() {
        if (id as usize) < vocab {
            allowed[id as usize] = Some(word.to_lowercase());
        }
    }
    let mut rng = Rng::new(seed);
    let mut out: Vec<Vec<String>> = texts.iter().map(|_| Vec::new()).collect();
    let mut pending = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        for _ in 0..per_text {
            match masked(text, rate, mask, &mut rng) {
                Some((masked_text, words)) => {
                    let ids = tokenizer.encode(&masked_text, max_len)?.ids;
                    pending.push(Masked {
                        text: i,
                        words,
                        ids,
                    });
                }
                None => out[i].push(text.clone()),
            }
        }
    }
    let device = lm.bias.val().device();
    for chunk in pending.chunks(BATCH) {
        let logits = masked_logits(lm, chunk, tokenizer.pad_id(), mask_id, &device).await?;
        let mut rows = logits.chunks(vocab);
        for m in chunk {
            let text = &texts[m.text];
            let filled = m.ids.iter().filter(|id| **id == mask_id).count();
            // The masks kept within max_len are the first `filled` words; later ones stay.
            let picks: Vec<Option<String>> = m
                .words
                .iter()
                .take(filled)
                .map(|w| {
                    let original = text[w.start..w.end].to_lowercase();
                    sample(rows.next()?, &allowed, &original, &mut rng)
                })
                .collect();
            let mut copy = text.clone();
            for (w, pick) in m.words.iter().zip(&picks).rev() {
                if let Some(new) = pick {
                    let word = with_case_of(&text[w.start..w.end], new);
                    copy = format!("{}{word}{}", &copy[..w.start], &copy[w.end..]);
                }
            }
            out[m.text].push(copy);
        }
    }
    Ok(out)
}

/// `text` with a share `rate` of its maskable words (at least one) replaced by `mask`, and
/// those words; `None` when it has none to mask.
fn masked(text: &str, rate: f64, mask: &str, rng: &mut Rng) -> Option<(String, Vec<Word>)> {
    let candidates = maskable(text);
    if candidates.is_empty() {
        return None;
    }
    let mut words: Vec<Word> = candidates
        .iter()
        .copied()
        .filter(|_| ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < rate)
        .collect();
    if words.is_empty() {
        words.push(candidates[rng.below(candidates.len())]);
    }
    let mut out = text.to_string();
    for w in words.iter().rev() {
        out = format!("{}{mask}{}", &out[..w.start], &out[w.end..]);
    }
    Some((out, words))
}

/// The logits at every mask of a batch of masked copies, copy by copy, mask by mask.
async fn masked_logits(
    lm: &BertLm,
    chunk: &[Masked],
    pad_id: u32,
    mask_id: u32,
    device: &Device,
) -> Result<Vec<f32>, ReadbackError> {
    let features: Vec<Features> = chunk
        .iter()
        .map(|m| Features {
            ids: m.ids.clone(),
            labels: vec![0],
            type_ids: Vec::new(),
        })
        .collect();
    let refs: Vec<&Features> = features.iter().collect();
    let batch = collate(&refs, pad_id, Task::Classify);
    let seq = batch.seq;
    let positions: Vec<i64> = chunk
        .iter()
        .enumerate()
        .flat_map(|(row, m)| {
            m.ids
                .iter()
                .enumerate()
                .filter(|(_, id)| **id == mask_id)
                .map(move |(col, _)| (row * seq + col) as i64)
        })
        .collect();
    if positions.is_empty() {
        return Ok(Vec::new());
    }
    let (tensors, _) = to_tensors(&batch, device);
    let n = positions.len();
    let at = Tensor::<1, Int>::from_data(TensorData::new(positions, [n]), device);
    // Sync point: the masked positions' logits.
    read_f32(lm.logits_at(&tensors, at)).await
}

/// A whole word from the `TOP` likeliest of `logits` (by probability), not `original`.
fn sample(
    logits: &[f32],
    allowed: &[Option<String>],
    original: &str,
    rng: &mut Rng,
) -> Option<String> {
    let mut order: Vec<usize> = (0..logits.len())
        .filter(|&i| allowed[i].as_deref().is_some_and(|w| w != original))
        .collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    order.truncate(TOP);
    let max = order.first().map(|&i| logits[i])?;
    let weights: Vec<f64> = order
        .iter()
        .map(|&i| ((logits[i] - max) as f64).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let mut u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
    for (k, w) in weights.iter().enumerate() {
        if u < *w {
            return allowed[order[k]].clone();
        }
        u -= w;
    }
    order.last().and_then(|&i| allowed[i].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_whole_words_other_than_the_original_from_the_top() {
        let allowed = vec![
            None,
            Some("good".to_string()),
            Some("great".to_string()),
            Some("bad".to_string()),
        ];
        let logits = [9.0, 5.0, 4.0, -20.0];
        let mut rng = Rng::new(1);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..2000 {
            let w = sample(&logits, &allowed, "good", &mut rng).unwrap();
            *seen.entry(w).or_insert(0) += 1;
        }
        // id 0 is not a word, "good" is the original; "bad" is nearly impossible.
        assert!(seen["great"] > 1900, "{seen:?}");
        assert!(!seen.contains_key("good"));
        assert_eq!(sample(&logits[..2], &allowed[..2], "good", &mut rng), None);
        let words: Vec<&str> = maskable("The film, and it was GREAT 2")
            .iter()
            .map(|w| &"The film, and it was GREAT 2"[w.start..w.end])
            .collect();
        assert_eq!(words, ["film", "GREAT"]);
    }
}
