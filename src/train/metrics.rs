//! Evaluation metrics: accuracy, precision/recall/F1 (per class, macro, micro, weighted), the
//! confusion matrix, and entity-level NER scores with exact span matching (as seqeval).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::data::entities::{Span, spans};
pub use crate::shared::Scores;

impl Scores {
    fn from_counts(tp: usize, predicted: usize, actual: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, actual));
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            precision,
            recall,
            f1,
            support: actual,
        }
    }
}

/// The confusion matrix: `matrix[true][predicted]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Label names, the order of rows and columns.
    pub labels: Vec<String>,
    /// Counts, rows are true labels, columns predicted labels.
    pub matrix: Vec<Vec<usize>>,
}

/// Scores of a text classifier on a labeled set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Always `"classify"`.
    pub task: String,
    /// Number of examples scored.
    pub examples: usize,
    /// Share predicted right.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
    /// F1 over all decisions pooled (equal to accuracy for single-label classification).
    pub micro_f1: f64,
    /// Mean of the per-class F1 weighted by support.
    pub weighted_f1: f64,
    /// Unweighted mean of per-class precision.
    pub macro_precision: f64,
    /// Unweighted mean of per-class recall.
    pub macro_recall: f64,
    /// Scores of each label.
    pub per_class: BTreeMap<String, Scores>,
    /// Where the errors go.
    pub confusion: Confusion,
}

/// Scores a classifier from gold and predicted class indices into `labels`.
pub fn classification_report(
    gold: &[usize],
    predicted: &[usize],
    labels: &[String],
) -> ClassificationReport {
    let k = labels.len();
    let mut matrix = vec![vec![0usize; k]; k];
    for (&g, &p) in gold.iter().zip(predicted) {
        matrix[g][p] += 1;
    }
    let n = gold.len();
    let correct: usize = (0..k).map(|i| matrix[i][i]).sum();
    let per: Vec<Scores> = (0..k)
        .map(|c| {
            let predicted: usize = (0..k).map(|r| matrix[r][c]).sum();
            let actual: usize = matrix[c].iter().sum();
            Scores::from_counts(matrix[c][c], predicted, actual)
        })
        .collect();
    let mean = |f: fn(&Scores) -> f64| {
        if k == 0 {
            0.0
        } else {
            per.iter().map(f).sum::<f64>() / k as f64
        }
    };
    let weighted_f1 = if n == 0 {
        0.0
    } else {
        per.iter().map(|s| s.f1 * s.support as f64).sum::<f64>() / n as f64
    };
    let accuracy = if n == 0 {
        0.0
    } else {
        correct as f64 / n as f64
    };
    ClassificationReport {
        task: "classify".into(),
        examples: n,
        accuracy,
        macro_f1: mean(|s| s.f1),
        micro_f1: accuracy,
        weighted_f1,
        macro_precision: mean(|s| s.precision),
        macro_recall: mean(|s| s.recall),
        per_class: labels.iter().cloned().zip(per).collect(),
        confusion: Confusion {
            labels: labels.to_vec(),
            matrix,
        },
    }
}

/// Entity-level scores of a tagger on a labeled set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NerReport {
    /// Always `"ner"`.
    pub task: String,
    /// Number of sentences scored.
    pub examples: usize,
    /// Micro-averaged over all entities.
    pub precision: f64,
    /// Micro-averaged over all entities.
    pub recall: f64,
    /// Micro-averaged over all entities.
    pub f1: f64,
    /// Share of words whose tag is right.
    pub token_accuracy: f64,
    /// Scores of each entity type.
    pub per_type: BTreeMap<String, Scores>,
}

/// Scores predicted IOB2 tag sequences against gold ones: an entity counts only when its type,
/// first word and last word all match.
pub fn ner_report(gold: &[Vec<String>], predicted: &[Vec<String>]) -> NerReport {
    let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new(); // tp, predicted, actual
    let (mut words, mut right) = (0, 0);
    for (g, p) in gold.iter().zip(predicted) {
        words += g.len();
        right += g.iter().zip(p).filter(|(a, b)| a == b).count();
        let gs: BTreeSet<Span> = spans(g).into_iter().collect();
        let ps: BTreeSet<Span> = spans(p).into_iter().collect();
        for s in &gs {
            counts.entry(s.kind.clone()).or_default().2 += 1;
        }
        for s in &ps {
            let c = counts.entry(s.kind.clone()).or_default();
            c.1 += 1;
            if gs.contains(s) {
                c.0 += 1;
            }
        }
    }
    let total = counts
        .values()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    let overall = Scores::from_counts(total.0, total.1, total.2);
    NerReport {
        task: "ner".into(),
        examples: gold.len(),
        precision: overall.precision,
        recall: overall.recall,
        f1: overall.f1,
        token_accuracy: if words == 0 {
            0.0
        } else {
            right as f64 / words as f64
        },
        per_type: counts
            .into_iter()
            .map(|(k, (tp, p, a))| (k, Scores::from_counts(tp, p, a)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn classification_matches_sklearn() {
        // sklearn.metrics.classification_report(y_true=[0,0,1,1,2,2], y_pred=[0,1,1,1,2,0])
        let labels = s(&["a", "b", "c"]);
        let r = classification_report(&[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0], &labels);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        let a = r.per_class["a"];
        assert!((a.precision - 0.5).abs() < 1e-12 && (a.recall - 0.5).abs() < 1e-12);
        let b = r.per_class["b"];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-12 && (b.f1 - 0.8).abs() < 1e-12);
        let c = r.per_class["c"];
        assert!((c.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.macro_f1 - (0.5 + 0.8 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(
            r.confusion.matrix,
            vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]]
        );
    }

    #[test]
    fn ner_matches_seqeval() {
        // seqeval.metrics.classification_report on these gives 0.5 for PER, LOC and the micro average.
        let gold = vec![
            s(&["B-PER", "I-PER", "O", "B-LOC"]),
            s(&["B-PER", "O", "B-LOC", "I-LOC"]),
        ];
        let pred = vec![
            s(&["B-PER", "I-PER", "O", "B-LOC"]),
            s(&["B-PER", "I-PER", "B-LOC", "O"]),
        ];
        let r = ner_report(&gold, &pred);
        assert!(
            (r.precision - 0.5).abs() < 1e-12 && (r.recall - 0.5).abs() < 1e-12,
            "{r:?}"
        );
        assert_eq!(r.per_type["PER"].support, 2);
        assert!((r.per_type["LOC"].f1 - 0.5).abs() < 1e-12);
    }
}
