//! From parsed examples to [`TrainData`]: the validation split, the label list, tokenization,
//! and the warnings a person should see before training starts.

use std::collections::BTreeSet;

use super::TrainData;
use crate::data::features::encode;
use crate::data::qa::{Windowed, windows};
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
    /// The training examples as read, in the order of `data.train` (question answering: the
    /// questions, which `data.train`'s windows do not follow one to one).
    pub train_examples: Examples,
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
/// encodes everything at `max_len` tokens (question answering: into windows overlapping by
/// `doc_stride`).
pub fn prepare(
    train: Examples,
    valid: Option<Examples>,
    tokenizer: &TextTokenizer,
    max_len: usize,
    doc_stride: usize,
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
            let how = match task {
                Task::Qa => "questions, whole passages",
                _ => "examples, stratified",
            };
            notes.push(format!(
                "no validation file: held out {} of {} {how} ({:.0}%, seed {seed})",
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
    if task == Task::Qa {
        return prepare_qa(train, valid, tokenizer, max_len, doc_stride, notes);
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
            qa: None,
            augment: None,
        },
        task,
        valid_examples: valid,
        train_texts: train.texts(),
        train_examples: train,
        notes,
    })
}

/// The label names transformers gives a question-answering head's two outputs.
pub const QA_LABELS: [&str; 2] = ["LABEL_0", "LABEL_1"];

/// Questions into windows; the questions a window cannot hold are left out and said.
fn prepare_qa(
    train: Examples,
    valid: Examples,
    tokenizer: &TextTokenizer,
    max_len: usize,
    stride: usize,
    mut notes: Vec<String>,
) -> Result<Prepared, PrepareError> {
    let (Examples::Qa(t), Examples::Qa(v)) = (&train, &valid) else {
        return Err(PrepareError("question-answering data expected".into()));
    };
    let cut = |e| windows(e, tokenizer, max_len, stride).map_err(|e| PrepareError(e.to_string()));
    let (mut tw, mut vw): (Windowed, Windowed) = (cut(t)?, cut(v)?);
    for (part, w) in [("training", &tw), ("validation", &vw)] {
        if let Some(first) = w.problems.first() {
            notes.push(format!(
                "{} {part} question(s) left out: line {}: {}{}",
                w.problems.len(),
                first.line,
                first.message,
                if w.problems.len() > 1 {
                    " (and others like it)"
                } else {
                    ""
                }
            ));
        }
        notes.push(format!(
            "{} {part} question(s) in {} window(s) of up to {max_len} tokens; {} need more than one (doc stride {stride})",
            w.questions.examples.len(),
            w.features.len(),
            w.questions.long_questions(),
        ));
    }
    if tw.features.is_empty() || vw.features.is_empty() {
        return Err(PrepareError(
            "no question fits a window: raise the maximum length or lower the doc stride".into(),
        ));
    }
    let unanswerable = tw.questions.reading.unanswerable || vw.questions.reading.unanswerable;
    vw.questions.reading.unanswerable = unanswerable;
    if unanswerable {
        notes.push(
            "some questions have no answer: \"no answer\" competes with the best span (SQuAD v2)"
                .into(),
        );
    }
    Ok(Prepared {
        data: TrainData {
            train: std::mem::take(&mut tw.features),
            valid: vw.features,
            labels: QA_LABELS.map(String::from).to_vec(),
            pad_id: tokenizer.pad_id(),
            qa: Some(vw.questions.clone()),
            augment: None,
        },
        task: Task::Qa,
        valid_examples: Examples::Qa(vw.questions.examples),
        train_texts: train.texts(),
        train_examples: train,
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
        let p = prepare(train, Some(valid), &tok, 4, 1, 0.1, 1).unwrap();
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
            2,
            0.5,
            1,
        )
        .unwrap_err();
        assert!(err.0.contains("only one label (pos)"), "{err}");
    }
}
