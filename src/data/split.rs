//! Label maps and the seeded, stratified validation split (the generator is [`Rng`], in
//! `shared/rng.rs`).

use std::collections::{BTreeMap, BTreeSet};

use super::parsed::{Examples, TextExample, TokenExample};

pub use crate::shared::rng::Rng;

/// Label names in class order: numeric order when every label is an integer, otherwise
/// alphabetical. For NER, `O` first, then `B-`/`I-` of each type in alphabetical order.
pub fn label_names<'a>(labels: impl IntoIterator<Item = &'a str>, ner: bool) -> Vec<String> {
    let set: BTreeSet<&str> = labels.into_iter().collect();
    if ner {
        let types: BTreeSet<&str> = set
            .iter()
            .filter_map(|t| t.split_once('-').map(|(_, k)| k))
            .collect();
        let mut out = vec!["O".to_string()];
        for t in types {
            out.push(format!("B-{t}"));
            out.push(format!("I-{t}"));
        }
        return out;
    }
    let mut names: Vec<&str> = set.into_iter().collect();
    if names.iter().all(|l| l.parse::<i64>().is_ok()) {
        names.sort_by_key(|l| l.parse::<i64>().expect("checked integer"));
    }
    names.into_iter().map(str::to_string).collect()
}

/// Counts of each label, in label order.
pub fn label_counts(examples: &Examples) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for l in examples.label_occurrences() {
        *counts.entry(l.to_string()).or_insert(0) += 1;
    }
    counts
}

/// Splits off `fraction` of the examples for validation, with the same seed giving the same
/// split. Classification is stratified: each label keeps its share in both parts; question
/// answering splits by passage (whole passages go to validation until it has its share of the
/// questions), keeping the file's order.
pub fn split_validation(examples: Examples, fraction: f64, seed: u64) -> (Examples, Examples) {
    let mut rng = Rng::new(seed);
    match examples {
        Examples::Classify(v) => {
            let mut by_label: BTreeMap<String, Vec<TextExample>> = BTreeMap::new();
            for e in v {
                by_label.entry(e.label.clone()).or_default().push(e);
            }
            let (mut train, mut valid) = (Vec::new(), Vec::new());
            for (_, mut group) in by_label {
                rng.shuffle(&mut group);
                let n = take_count(group.len(), fraction);
                valid.extend(group.drain(..n));
                train.extend(group);
            }
            train.sort_by_key(|e| e.line);
            valid.sort_by_key(|e| e.line);
            (Examples::Classify(train), Examples::Classify(valid))
        }
        Examples::Ner(mut v) => {
            rng.shuffle(&mut v);
            let n = take_count(v.len(), fraction);
            let mut valid: Vec<TokenExample> = v.drain(..n).collect();
            v.sort_by_key(|e| e.line);
            valid.sort_by_key(|e| e.line);
            (Examples::Ner(v), Examples::Ner(valid))
        }
        Examples::Qa(v) => {
            // By passage, so that no passage is read in training and asked about in validation.
            let mut passages: Vec<&str> = Vec::new();
            let mut seen = BTreeSet::new();
            for e in &v {
                if seen.insert(e.context.as_str()) {
                    passages.push(&e.context);
                }
            }
            rng.shuffle(&mut passages);
            let want = take_count(v.len(), fraction);
            let mut per_passage: BTreeMap<&str, usize> = BTreeMap::new();
            for e in &v {
                *per_passage.entry(&e.context).or_default() += 1;
            }
            let (mut held, mut taken) = (BTreeSet::new(), 0);
            for p in passages {
                if taken >= want || held.len() + 1 >= per_passage.len() {
                    break;
                }
                taken += per_passage[p];
                held.insert(p.to_string());
            }
            let (valid, train): (Vec<_>, Vec<_>) =
                v.into_iter().partition(|e| held.contains(&e.context));
            (Examples::Qa(train), Examples::Qa(valid))
        }
    }
}

/// How many of `n` go to validation: the rounded share, at least one when there are two or
/// more, and never all of them.
fn take_count(n: usize, fraction: f64) -> usize {
    if n < 2 {
        return 0;
    }
    ((n as f64 * fraction).round() as usize).clamp(1, n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(n: usize, label: &str) -> TextExample {
        TextExample {
            text: format!("t{n}"),
            label: label.into(),
            line: n,
        }
    }

    #[test]
    fn split_is_stratified_and_seeded() {
        let v: Vec<TextExample> = (0..100)
            .map(|i| ex(i, if i % 4 == 0 { "a" } else { "b" }))
            .collect();
        let (train, valid) = split_validation(Examples::Classify(v.clone()), 0.1, 7);
        let counts = label_counts(&valid);
        assert_eq!((counts["a"], counts["b"]), (3, 8)); // 25 * 0.1 -> 3, 75 * 0.1 -> 8
        assert_eq!(train.len() + valid.len(), 100);
        let (_, again) = split_validation(Examples::Classify(v), 0.1, 7);
        assert_eq!(valid, again);
    }

    #[test]
    fn integer_labels_sort_numerically_and_ner_labels_pair_up() {
        assert_eq!(label_names(["10", "2", "1"], false), vec!["1", "2", "10"]);
        assert_eq!(
            label_names(["neg", "pos", "neg"], false),
            vec!["neg", "pos"]
        );
        assert_eq!(
            label_names(["O", "I-PER", "B-LOC"], true),
            vec!["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
        );
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<usize> = (0..50).collect();
        Rng::new(1).shuffle(&mut v);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
    }
}
