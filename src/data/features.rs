//! Examples -> token ids and label ids, with NER labels aligned to sub-words.
//!
//! NER labels go on the first sub-word of each word; the other sub-words and the special tokens
//! get [`IGNORE_INDEX`], which the loss and the metrics skip (as Hugging Face's token
//! classification examples do).

use std::collections::HashMap;

use super::parsed::{Examples, Problem};
use super::tokenizer::{TextTokenizer, TokenizerError};
use crate::shared::IGNORE_INDEX;

/// One example ready for batching.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Token ids with special tokens.
    pub ids: Vec<u32>,
    /// Classification: one label id. NER: one per token, [`IGNORE_INDEX`] where not scored.
    /// Question answering: the answer's start and end token (the first token when the window
    /// holds no answer).
    pub labels: Vec<i64>,
    /// Each token's segment for a pair of texts (question answering); empty for one text.
    pub type_ids: Vec<u32>,
}

/// Encoded examples and what encoding noticed.
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    /// One entry per example, in order.
    pub features: Vec<Features>,
    /// Lines of the examples that were cut at the maximum length.
    pub truncated_lines: Vec<usize>,
    /// Examples whose labels are not in the label list (left out).
    pub unknown_labels: Vec<Problem>,
}

/// Encodes examples against a label list; examples with a label outside it are left out and
/// reported.
pub fn encode(
    examples: &Examples,
    tokenizer: &TextTokenizer,
    labels: &[String],
    max_len: usize,
) -> Result<Encoded, TokenizerError> {
    let index: HashMap<&str, i64> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as i64))
        .collect();
    let mut out = Encoded::default();
    match examples {
        Examples::Qa(_) => {
            return Err(TokenizerError::Encode(
                "questions are encoded in windows (data::qa::windows), not one by one".into(),
            ));
        }
        Examples::Classify(v) => {
            for e in v {
                let Some(&label) = index.get(e.label.as_str()) else {
                    out.unknown_labels.push(Problem {
                        line: e.line,
                        message: format!("label \"{}\" is not one the model knows", e.label),
                    });
                    continue;
                };
                let enc = tokenizer.encode(&e.text, max_len)?;
                if enc.truncated {
                    out.truncated_lines.push(e.line);
                }
                out.features.push(Features {
                    ids: enc.ids,
                    labels: vec![label],
                    type_ids: Vec::new(),
                });
            }
        }
        Examples::Ner(v) => {
            for e in v {
                let tags: Option<Vec<i64>> = e
                    .tags
                    .iter()
                    .map(|t| index.get(t.as_str()).copied())
                    .collect();
                let Some(tags) = tags else {
                    let bad = e
                        .tags
                        .iter()
                        .find(|t| !index.contains_key(t.as_str()))
                        .expect("one is unknown");
                    out.unknown_labels.push(Problem {
                        line: e.line,
                        message: format!("tag \"{bad}\" is not one the model knows"),
                    });
                    continue;
                };
                let enc = tokenizer.encode_words(&e.tokens, max_len)?;
                if enc.truncated {
                    out.truncated_lines.push(e.line);
                }
                out.features.push(Features {
                    labels: align(&enc.word_ids, &tags),
                    ids: enc.ids,
                    type_ids: Vec::new(),
                });
            }
        }
    }
    Ok(out)
}

/// The label of each token: the word's label on its first sub-word, [`IGNORE_INDEX`] elsewhere.
pub fn align(word_ids: &[Option<usize>], word_labels: &[i64]) -> Vec<i64> {
    let mut previous = None;
    word_ids
        .iter()
        .map(|&w| {
            let label = match w {
                Some(w) if Some(w) != previous => word_labels[w],
                _ => IGNORE_INDEX,
            };
            previous = w;
            label
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_go_on_first_sub_words_only() {
        let words = [None, Some(0), Some(0), Some(1), Some(2), Some(2), None];
        assert_eq!(
            align(&words, &[3, 0, 4]),
            vec![-100, 3, -100, 0, 4, -100, -100]
        );
    }
}
