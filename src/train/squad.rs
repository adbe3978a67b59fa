//! The official SQuAD evaluation: exact match and F1 of each answer against its gold answers
//! (the maximum over them) after SQuAD's normalisation — lower case, no punctuation, no
//! articles, single spaces — on the 0–100 scale, as the `evaluate` library's `squad` and
//! `squad_v2` metrics compute them; for v2, the same split by questions with and without an
//! answer (`HasAns_*`, `NoAns_*`). Also F1 by question type and the worst answers, for people.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use unicode_categories::UnicodeCategories;

use crate::data::QaExample;
use crate::data::qa::Span;

/// Python's `string.punctuation`.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A word character as Python's `re` sees one (`\w`: letters, numbers, `_`).
fn word_char(c: char) -> bool {
    c.is_letter() || c.is_number() || c == '_'
}

/// White space as Python's `str.split()` splits on.
fn space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// SQuAD's `normalize_answer`: lower case, punctuation removed, the articles `a`, `an`, `the`
/// removed where they are whole words (`\b(a|an|the)\b`), white space collapsed.
pub fn normalize(s: &str) -> String {
    let lower: Vec<char> = s
        .to_lowercase()
        .chars()
        .filter(|c| !PUNCTUATION.contains(*c))
        .collect();
    let mut out = String::with_capacity(lower.len());
    let mut i = 0;
    while i < lower.len() {
        let at_boundary = i == 0 || !word_char(lower[i - 1]);
        let article = ["the", "an", "a"].into_iter().find(|a| {
            let n = a.chars().count();
            at_boundary
                && lower[i..].len() >= n
                && lower[i..i + n].iter().copied().eq(a.chars())
                && lower.get(i + n).is_none_or(|&c| !word_char(c))
        });
        match article {
            Some(a) => {
                out.push(' ');
                i += a.len();
            }
            None => {
                out.push(lower[i]);
                i += 1;
            }
        }
    }
    out.split(space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn tokens(s: &str) -> Vec<String> {
    normalize(s)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Exact match of one answer against one gold answer (0 or 1).
pub fn exact(prediction: &str, gold: &str) -> f64 {
    f64::from(normalize(prediction) == normalize(gold))
}

/// Token F1 of one answer against one gold answer. v2's script scores two answers that
/// normalise to nothing as agreeing (1); v1.1's scores any answer without a shared word 0.
pub fn f1(prediction: &str, gold: &str, v2: bool) -> f64 {
    let (p, g) = (tokens(prediction), tokens(gold));
    if v2 && (p.is_empty() || g.is_empty()) {
        return f64::from(p == g);
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in &g {
        *counts.entry(t).or_default() += 1;
    }
    let mut same = 0;
    for t in &p {
        if let Some(c) = counts.get_mut(t.as_str())
            && *c > 0
        {
            *c -= 1;
            same += 1;
        }
    }
    if same == 0 {
        return 0.0;
    }
    let precision = same as f64 / p.len() as f64;
    let recall = same as f64 / g.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// The gold answers a question is scored against: its answers' texts (v2: those that are not
/// empty once normalised, or the empty answer when none is).
fn golds(e: &QaExample, v2: bool) -> Vec<String> {
    let texts: Vec<String> = e
        .answers
        .iter()
        .map(|a| a.text.clone())
        .filter(|t| !v2 || !normalize(t).is_empty())
        .collect();
    if texts.is_empty() {
        vec![String::new()]
    } else {
        texts
    }
}

/// The kind of a question, by its first wh-word.
pub fn question_type(question: &str) -> &'static str {
    const KINDS: [&str; 7] = ["what", "which", "who", "when", "where", "why", "how"];
    question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .find_map(|w| KINDS.iter().find(|k| **k == w).copied())
        .unwrap_or("other")
}

/// One question answered less than right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    /// The question's id.
    pub id: String,
    /// The question.
    pub question: String,
    /// Its passage.
    pub context: String,
    /// The gold answers: (start character, text).
    pub gold: Vec<(usize, String)>,
    /// The answer given.
    pub predicted: Span,
    /// Its F1 (0–100).
    pub f1: f64,
}

/// Scores of a question-answering model on a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaReport {
    /// Always `"qa"`.
    pub task: String,
    /// Questions scored.
    pub examples: usize,
    /// Share of answers equal to a gold answer after normalisation, 0–100.
    pub exact_match: f64,
    /// Mean best token F1, 0–100.
    pub f1: f64,
    /// v2: (exact, F1, count) over the questions that have an answer.
    pub has_answer: Option<(f64, f64, usize)>,
    /// v2: (exact, F1, count) over those that have none.
    pub no_answer: Option<(f64, f64, usize)>,
    /// (count, exact, F1) by question type (what, which, who, when, where, why, how, other).
    pub by_type: BTreeMap<String, (usize, f64, f64)>,
    /// The worst answers (lowest F1 first), at most ten.
    pub worst: Vec<Miss>,
}

impl QaReport {
    /// The fields the `evaluate` library's `squad` (or `squad_v2`) metric returns.
    pub fn to_json(&self) -> serde_json::Value {
        match (self.has_answer, self.no_answer) {
            (None, None) => serde_json::json!({
                "exact_match": self.exact_match,
                "f1": self.f1,
                "n": self.examples,
            }),
            (has, no) => {
                let mut v = serde_json::json!({
                    "exact": self.exact_match,
                    "f1": self.f1,
                    "total": self.examples,
                    "n": self.examples,
                });
                for (name, part) in [("HasAns", has), ("NoAns", no)] {
                    if let Some((e, f, n)) = part {
                        v[format!("{name}_exact")] = e.into();
                        v[format!("{name}_f1")] = f.into();
                        v[format!("{name}_total")] = n.into();
                    }
                }
                v
            }
        }
    }
}

/// Scores `answers` (one per example, in order) against the examples' gold answers; `v2` when
/// questions may have no answer.
pub fn squad_report(examples: &[QaExample], answers: &[Span], v2: bool) -> QaReport {
    let mut rows = Vec::with_capacity(examples.len());
    for (e, a) in examples.iter().zip(answers) {
        let gold = golds(e, v2);
        let em = gold.iter().map(|g| exact(&a.text, g)).fold(0.0, f64::max);
        let f = gold.iter().map(|g| f1(&a.text, g, v2)).fold(0.0, f64::max);
        rows.push((e, a, em, f));
    }
    let mean = |it: &mut dyn Iterator<Item = (f64, f64)>| {
        let (mut em, mut f, mut n) = (0.0, 0.0, 0usize);
        for (a, b) in it {
            em += a;
            f += b;
            n += 1;
        }
        let scale = if n == 0 { 0.0 } else { 100.0 / n as f64 };
        (em * scale, f * scale, n)
    };
    let (exact_match, f1, n) = mean(&mut rows.iter().map(|r| (r.2, r.3)));
    let part = |has: bool| {
        mean(
            &mut rows
                .iter()
                .filter(|r| r.0.answers.is_empty() != has)
                .map(|r| (r.2, r.3)),
        )
    };
    let (has_answer, no_answer) = if v2 {
        let (h, z) = (part(true), part(false));
        ((h.2 > 0).then_some(h), (z.2 > 0).then_some(z))
    } else {
        (None, None)
    };
    let mut by_type: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    for (e, _, em, f) in &rows {
        let t = by_type
            .entry(question_type(&e.question).into())
            .or_default();
        t.0 += 1;
        t.1 += em;
        t.2 += f;
    }
    for t in by_type.values_mut() {
        t.1 *= 100.0 / t.0 as f64;
        t.2 *= 100.0 / t.0 as f64;
    }
    let mut order: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].3 < 1.0).collect();
    order.sort_by(|&a, &b| rows[a].3.total_cmp(&rows[b].3));
    let worst = order
        .into_iter()
        .take(10)
        .map(|i| {
            let (e, a, _, f) = rows[i];
            Miss {
                id: e.id.clone(),
                question: e.question.clone(),
                context: e.context.clone(),
                gold: e
                    .answers
                    .iter()
                    .map(|g| (g.start, g.text.clone()))
                    .collect(),
                predicted: a.clone(),
                f1: f * 100.0,
            }
        })
        .collect();
    QaReport {
        task: "qa".into(),
        examples: n,
        exact_match,
        f1,
        has_answer,
        no_answer,
        by_type,
        worst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_drops_case_punctuation_articles_and_extra_space() {
        assert_eq!(normalize("The  Cat's hat!"), "cats hat");
        assert_eq!(normalize("an apple, a pear"), "apple pear");
        // Articles inside words, or joined to a letter, stay.
        assert_eq!(normalize("theatre anA a1"), "theatre ana a1");
        // `\b` treats a non-ASCII letter as part of the word, a dash as a boundary.
        assert_eq!(normalize("éa a–b"), "éa –b");
        assert_eq!(
            f1("the cat sat", "a cat sat down", false),
            2.0 * (1.0 * 2.0 / 3.0) / (1.0 + 2.0 / 3.0)
        );
        // Answers that normalise to nothing: v2 calls two of them agreeing, v1.1 never does
        // (while its exact match does).
        assert_eq!(f1("", "", true), 1.0);
        assert_eq!(f1("the", "a", false), 0.0);
        assert_eq!(exact("the", "a"), 1.0);
        assert_eq!(f1("cat", "", true), 0.0);
        assert_eq!(exact("The Cat.", "cat"), 1.0);
        assert_eq!(question_type("In which year, and how?"), "which");
        assert_eq!(question_type("Name the river."), "other");
    }
}
