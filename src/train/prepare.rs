//! From parsed examples to [`TrainData`]: the validation split, the label list, tokenization,
//! and the warnings a person should see before training starts.

use std::collections::BTreeSet;

use super::TrainData;
use crate::data::features::encode;
use crate::data::split::{label_names, split_validation};
use crate::data::tokenizer::TextTokenizer;
use crate::data::{Examples, Task};

/// Data ready for [`fine_tune`](super::fine_tune), with what was noticed on the way.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Encoded examples and labels.
    pub data: TrainData,
    /// The task of the examples.
    pub task: Task,
    /// The validation examples as read, in the order of `data.valid`.
    pub valid_examples: Examples,
    /// The training examples' texts, in the order of `data.train`.
    pub train_texts: Vec<String>,
    /// Warnings and facts worth showing (truncation, labels only in validation, the split).
    pub notes: Vec<String>,
}

/// Where the data is unusable for training.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PrepareError(pub String);

fn lines_list(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(|l| l.to_string()).collect();
    let more = if lines.len() > 10 {
        format!(", ... ({} in all)", lines.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Splits (when no validation set is given), builds the label list from both parts, and
/// encodes everything at `max_len` tokens.
pub fn prepare(
    train: Examples,
    valid: Option<Examples>,
    tokenizer: &TextTokenizer,
    max_len: usize,
    valid_fraction: f64,
    seed: u64,
) -> Result<Prepared, PrepareError> {
    let task = train.task();
    let mut notes = Vec::new();
    let (train, valid) = match valid {
        Some(v) if v.task() != task => {
            return Err(PrepareError(
                "the validation file is for a different task than the training file".into(),
            ));
        }
        Some(v) => (train, v),
        None => {
            let (t, v) = split_validation(train, valid_fraction, seed);
            notes.push(format!(
                "no validation file: held out {} of {} examples ({:.0}%, stratified, seed {seed})",
                v.len(),
                t.len() + v.len(),
                valid_fraction * 100.0
            ));
            (t, v)
        }
    };
    if valid.is_empty() {
        return Err(PrepareError(
            "the validation split is empty: use more data or a larger validation share".into(),
        ));
    }
    let labels = label_list(&train, &valid, task, &mut notes)?;
    let encode_part = |examples: &Examples, part: &str, notes: &mut Vec<String>| {
        let encoded = encode(examples, tokenizer, &labels, max_len)
            .map_err(|e| PrepareError(e.to_string()))?;
        if !encoded.truncated_lines.is_empty() {
            notes.push(format!(
                "{} {part} example(s) are longer than {max_len} tokens and were cut (lines {})",
                encoded.truncated_lines.len(),
                lines_list(&encoded.truncated_lines)
            ));
        }
        Ok::<_, PrepareError>(encoded.features)
    };
    let train_features = encode_part(&train, "training", &mut notes)?;
    let valid_features = encode_part(&valid, "validation", &mut notes)?;
    Ok(Prepared {
        data: TrainData {
            train: train_features,
            valid: valid_features,
            labels,
            pad_id: tokenizer.pad_id(),
        },
        task,
        valid_examples: valid,
        train_texts: train.texts(),
        notes,
    })
}

/// The label list from both parts (sorted; `O` first and B/I pairs for NER), refused when a
/// classifier would have one label or a tagger no entity; labels seen only in validation are
/// a note.
fn label_list(
    train: &Examples,
    valid: &Examples,
    task: Task,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, PrepareError> {
    let train_labels: BTreeSet<&str> = train.label_occurrences().into_iter().collect();
    let valid_labels: BTreeSet<&str> = valid.label_occurrences().into_iter().collect();
    let all = train_labels.iter().chain(valid_labels.iter()).copied();
    let labels = label_names(all, task == Task::Ner);
    match task {
        Task::Classify if labels.len() < 2 => {
            return Err(PrepareError(format!(
                "only one label ({}) in the data: a classifier needs at least two",
                labels.first().map(String::as_str).unwrap_or("none")
            )));
        }
        Task::Ner if labels.len() < 3 => {
            return Err(PrepareError("no entity tags in the data, only O".into()));
        }
        _ => {}
    }
    let only_valid: Vec<&str> = valid_labels.difference(&train_labels).copied().collect();
    if !only_valid.is_empty() {
        notes.push(format!(
            "label(s) {} appear only in the validation data; the model cannot learn them",
            only_valid.join(", ")
        ));
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::TextExample;

    const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nfilm\n";

    fn examples(rows: &[(&str, &str)]) -> Examples {
        Examples::Classify(
            rows.iter()
                .enumerate()
                .map(|(i, (t, l))| TextExample {
                    text: t.to_string(),
                    label: l.to_string(),
                    line: i + 2,
                })
                .collect(),
        )
    }

    #[test]
    fn reports_validation_only_labels_and_truncation() {
        let tok = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let train = examples(&[("good film", "pos"), ("bad film film film film", "neg")]);
        let valid = examples(&[("good", "pos"), ("film", "meh")]);
        let p = prepare(train, Some(valid), &tok, 4, 0.1, 1).unwrap();
        assert_eq!(p.data.labels, vec!["meh", "neg", "pos"]);
        let notes = p.notes.join("\n");
        assert!(
            notes.contains("meh appear only in the validation data"),
            "{notes}"
        );
        assert!(
            notes.contains("1 training example(s) are longer than 4 tokens and were cut (lines 3)"),
            "{notes}"
        );
    }

    #[test]
    fn refuses_a_single_class() {
        let tok = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let err = prepare(
            examples(&[("good", "pos"), ("bad", "pos")]),
            None,
            &tok,
            8,
            0.5,
            1,
        )
        .unwrap_err();
        assert!(err.0.contains("only one label (pos)"), "{err}");
    }
}
