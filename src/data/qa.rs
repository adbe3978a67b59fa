//! Extractive question answering as `run_qa.py` does it: questions and passages into windows
//! (`truncation="only_second"`, a maximum length and a doc stride; offsets back to the
//! passage's characters), each training window labelled with the answer's first and last token
//! (or the first token, `[CLS]`, when the answer is not inside it); and the way back:
//! `utils_qa.postprocess_qa_predictions`, the n-best start and end logits of every window of a
//! question, the best span over its windows, the answer as the passage's exact characters, and
//! for SQuAD v2 the null score against the best span.
//!
//! Windows are scored at their own length: positions past a window's end (batch padding) are
//! never candidates, so an answer does not depend on what else shared its batch (`run_qa.py`
//! with `pad_to_max_length`, and a model run on each window alone, give the same).

use super::features::Features;
use super::parsed::{Problem, QaExample};
use super::tokenizer::{PairWindow, TextTokenizer, TokenizerError, WindowError};

/// How answers are read off the logits (`run_qa.py`'s defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Start and end candidates per window. Default 20.
    pub n_best: usize,
    /// Longest answer in tokens. Default 30.
    pub max_answer_len: usize,
    /// Whether "no answer" competes (SQuAD v2). Default false.
    pub unanswerable: bool,
    /// SQuAD v2: the answer is empty when the null score beats the best span by more than
    /// this. Default 0.
    pub null_threshold: f32,
}

impl Default for Reading {
    fn default() -> Self {
        Self {
            n_best: 20,
            max_answer_len: 30,
            unanswerable: false,
            null_threshold: 0.0,
        }
    }
}

/// A window's place: the question it belongs to, and each token's characters in the passage
/// (`None` for the question's tokens and the special tokens).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Index of the question in the examples windowed.
    pub example: usize,
    /// Character span in the passage of each token.
    pub offsets: Vec<Option<(usize, usize)>>,
}

/// Windowed questions, and how answers are read off their windows' logits.
#[derive(Debug, Clone, Default)]
pub struct Questions {
    /// The questions that could be windowed, in order; `windows[i].example` indexes them.
    pub examples: Vec<QaExample>,
    /// One per window, in the order of the windows' features.
    pub windows: Vec<Window>,
    /// How answers are read.
    pub reading: Reading,
}

impl Questions {
    /// Questions whose passage needs more than one window.
    pub fn long_questions(&self) -> usize {
        let mut count = vec![0usize; self.examples.len()];
        for w in &self.windows {
            count[w.example] += 1;
        }
        count.iter().filter(|&&c| c > 1).count()
    }

    /// The answers to every question, from each window's logits (in window order).
    pub fn answers(&self, logits: &[WindowLogits]) -> Vec<Answered> {
        let mut by_example: Vec<Vec<(&Window, &WindowLogits)>> =
            vec![Vec::new(); self.examples.len()];
        for (w, l) in self.windows.iter().zip(logits) {
            by_example[w.example].push((w, l));
        }
        self.examples
            .iter()
            .zip(&by_example)
            .map(|(e, ws)| answer(&e.context, ws, &self.reading))
            .collect()
    }
}

/// Questions cut into windows.
#[derive(Debug, Clone, Default)]
pub struct Windowed {
    /// One per window, labelled with the answer's first and last token.
    pub features: Vec<Features>,
    /// The questions and their windows; questions that have no answer make the reading v2's.
    pub questions: Questions,
    /// The questions left out, with why.
    pub problems: Vec<Problem>,
}

/// Cuts each question and its passage into windows of at most `max_len` tokens that overlap by
/// `stride`, labelled from its first answer (`run_qa.py`'s `prepare_train_features`; its
/// validation features are the same windows).
pub fn windows(
    examples: &[QaExample],
    tokenizer: &TextTokenizer,
    max_len: usize,
    stride: usize,
) -> Result<Windowed, TokenizerError> {
    let cutter = tokenizer.windows(max_len, stride)?;
    let mut out = Windowed::default();
    out.questions.reading.unanswerable = examples.iter().any(|e| e.answers.is_empty());
    for e in examples {
        let pieces = match cutter.encode(&e.question, &e.context) {
            Ok(p) => p,
            Err(why @ WindowError::QuestionTooLong { .. }) => {
                out.problems.push(Problem {
                    line: e.line,
                    message: format!("question {}: {why}", e.id),
                });
                continue;
            }
            Err(WindowError::Encode(m)) => return Err(TokenizerError::Encode(m)),
        };
        let example = out.questions.examples.len();
        for piece in pieces {
            let labels = label(&piece, e);
            out.questions.windows.push(Window {
                example,
                offsets: piece
                    .sequence_ids
                    .iter()
                    .zip(&piece.offsets)
                    .map(|(s, &o)| (*s == Some(1)).then_some(o))
                    .collect(),
            });
            out.features.push(Features {
                ids: piece.ids,
                labels,
                type_ids: piece.type_ids,
            });
        }
        out.questions.examples.push(e.clone());
    }
    Ok(out)
}

/// The first answer's first and last token in a window, as `run_qa.py` finds them (its walk
/// included: an answer that starts on a window's last passage token walks on to the window's
/// last token); the first token, `[CLS]`, when the window does not hold it or there is none.
fn label(w: &PairWindow, e: &QaExample) -> Vec<i64> {
    let cls = w.sequence_ids.iter().position(Option::is_none).unwrap_or(0) as i64;
    let Some(answer) = e.answers.first() else {
        return vec![cls, cls];
    };
    let start_char = answer.start;
    let end_char = start_char + answer.text.chars().count();
    let in_context = |i: usize| w.sequence_ids[i] == Some(1);
    let (Some(mut first), Some(mut last)) = (
        (0..w.ids.len()).find(|&i| in_context(i)),
        (0..w.ids.len()).rev().find(|&i| in_context(i)),
    ) else {
        return vec![cls, cls];
    };
    if !(w.offsets[first].0 <= start_char && w.offsets[last].1 >= end_char) {
        return vec![cls, cls];
    }
    while first < w.offsets.len() && w.offsets[first].0 <= start_char {
        first += 1;
    }
    while w.offsets[last].1 >= end_char {
        last -= 1;
    }
    vec![first as i64 - 1, last as i64 + 1]
}

/// One candidate answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// The passage's characters `start..end` (empty for "no answer").
    pub text: String,
    /// First character in the passage.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Start logit plus end logit.
    pub score: f32,
    /// Softmax of the scores over the n-best list.
    pub probability: f32,
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answered {
    /// The answer (empty when SQuAD v2 says there is none).
    pub answer: Span,
    /// The best spans, best first (the null answer among them in v2).
    pub n_best: Vec<Span>,
    /// SQuAD v2: null score minus the best span's score.
    pub null_score_diff: Option<f32>,
}

/// The start and end logits of one window, at its own length.
pub type WindowLogits = (Vec<f32>, Vec<f32>);

/// The indices of the `n` largest values, largest first (ties: the later index first, as
/// NumPy's `argsort(x)[-1:-n-1:-1]`).
fn top(values: &[f32], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    order.into_iter().rev().take(n).collect()
}

/// The passage's characters `start..end`.
fn chars(context: &str, start: usize, end: usize) -> String {
    context
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// Every span the n best start and end logits of a question's windows allow, and the least
/// null score (the first token's start + end) over the windows.
fn candidates(windows: &[(&Window, &WindowLogits)], reading: &Reading) -> (Vec<Span>, Option<f32>) {
    let mut prelim: Vec<Span> = Vec::new();
    let mut null: Option<f32> = None;
    for (window, (starts, ends)) in windows {
        let null_here = starts[0] + ends[0];
        if null.is_none_or(|n| n > null_here) {
            null = Some(null_here);
        }
        let offsets = &window.offsets;
        let best_ends = top(ends, reading.n_best);
        for &s in &top(starts, reading.n_best) {
            for &e in &best_ends {
                let (Some(Some(a)), Some(Some(b))) = (offsets.get(s), offsets.get(e)) else {
                    continue;
                };
                if e < s || e - s + 1 > reading.max_answer_len {
                    continue;
                }
                prelim.push(Span {
                    text: String::new(),
                    start: a.0,
                    end: b.1,
                    score: starts[s] + ends[e],
                    probability: 0.0,
                });
            }
        }
    }
    (prelim, null)
}

/// `postprocess_qa_predictions` for one question: its windows and their logits.
pub fn answer(context: &str, windows: &[(&Window, &WindowLogits)], reading: &Reading) -> Answered {
    let (mut prelim, null) = candidates(windows, reading);
    let null_span = null.map(|score| Span {
        text: String::new(),
        start: 0,
        end: 0,
        score,
        probability: 0.0,
    });
    if reading.unanswerable
        && let Some(n) = &null_span
    {
        prelim.push(n.clone());
    }
    // A stable sort, best first, as Python's `sorted(..., reverse=True)`.
    prelim.sort_by(|a, b| b.score.total_cmp(&a.score));
    prelim.truncate(reading.n_best);
    if reading.unanswerable
        && !prelim.iter().any(|p| (p.start, p.end) == (0, 0))
        && let Some(n) = null_span
    {
        prelim.push(n);
    }
    for p in &mut prelim {
        p.text = chars(context, p.start, p.end);
    }
    if prelim.is_empty() || (prelim.len() == 1 && prelim[0].text.is_empty()) {
        prelim.insert(
            0,
            Span {
                text: "empty".into(),
                start: 0,
                end: 0,
                score: 0.0,
                probability: 0.0,
            },
        );
    }
    let best = prelim
        .iter()
        .map(|p| p.score)
        .fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = prelim.iter().map(|p| (p.score - best).exp()).collect();
    let sum: f32 = exps.iter().sum();
    for (p, e) in prelim.iter_mut().zip(exps) {
        p.probability = e / sum;
    }
    if !reading.unanswerable {
        return Answered {
            answer: prelim[0].clone(),
            n_best: prelim,
            null_score_diff: None,
        };
    }
    let best_span = prelim
        .iter()
        .find(|p| !p.text.is_empty())
        .cloned()
        .unwrap_or_else(|| prelim[0].clone());
    let diff = null.unwrap_or(0.0) - best_span.score;
    let answer = if diff > reading.null_threshold {
        Span {
            text: String::new(),
            start: 0,
            end: 0,
            ..best_span
        }
    } else {
        best_span
    };
    Answered {
        answer,
        n_best: prelim,
        null_score_diff: Some(diff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parsed::Answer;

    fn example(context: &str, answer: &str) -> QaExample {
        let start = context.find(answer).unwrap();
        QaExample {
            id: "q".into(),
            question: "what sat".into(),
            context: context.into(),
            answers: vec![Answer {
                text: answer.into(),
                start: context[..start].chars().count(),
            }],
            line: 1,
        }
    }

    const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n##s\non\nmat\n.\nwhat";

    #[test]
    fn long_passages_become_overlapping_windows_labelled_where_the_answer_is() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let e = example("the cat sat on the mat . the cats sat on the mat .", "mat");
        // [CLS] what sat [SEP] + 6 passage tokens + [SEP] = 11
        let w = windows(std::slice::from_ref(&e), &t, 11, 2).unwrap();
        assert!(w.problems.is_empty());
        // 15 passage tokens, 6 a window, 4 new each time: windows from tokens 0, 4, 8, 12.
        assert_eq!(w.questions.windows.len(), 4);
        assert_eq!(w.questions.long_questions(), 1);
        for f in &w.features {
            assert!(f.ids.len() <= 11);
            assert_eq!(&f.type_ids[..5], &[0, 0, 0, 0, 1]);
        }
        let labels: Vec<&[i64]> = w.features.iter().map(|f| f.labels.as_slice()).collect();
        // "mat" is the first window's last passage token: `run_qa.py`'s walk runs on to the
        // window's last token ([SEP], 10) for the start, while the end is the answer's (9).
        // The second window holds it at 5; the others do not hold it ([CLS], 0).
        assert_eq!(labels, [[10, 9], [5, 5], [0, 0], [0, 0]]);
        assert_eq!(w.questions.windows[1].offsets[5], Some((19, 22)));
    }

    #[test]
    fn a_question_that_leaves_no_room_is_a_problem_named_by_id() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let mut e = example("the cat sat on the mat . the cat sat on the mat .", "mat");
        e.question = "what what what what what what".into();
        let w = windows(&[e], &t, 11, 2).unwrap();
        assert!(w.features.is_empty() && w.questions.examples.is_empty());
        assert!(
            w.problems[0]
                .message
                .starts_with("question q: the question is 6 tokens long"),
            "{:?}",
            w.problems
        );
    }

    fn window(offsets: &[Option<(usize, usize)>]) -> Window {
        Window {
            example: 0,
            offsets: offsets.to_vec(),
        }
    }

    #[test]
    fn the_best_span_over_windows_is_read_as_the_passages_characters() {
        let context = "Éa bc de";
        let w1 = window(&[None, None, Some((0, 2)), Some((3, 5))]);
        let w2 = window(&[None, None, Some((3, 5)), Some((6, 8))]);
        let l1 = (vec![0.0, 0.0, 3.0, 1.0], vec![0.0, 0.0, 1.0, 2.5]);
        let l2 = (vec![0.0, 9.0, 1.0, 2.0], vec![0.0, 0.0, 0.5, 4.0]);
        let got = answer(context, &[(&w1, &l1), (&w2, &l2)], &Reading::default());
        // Window 2's "de" (2 + 4) beats window 1's "Éa bc" (3 + 2.5); the question token's
        // logit 9 is never a candidate.
        assert_eq!(got.answer.text, "de");
        assert_eq!((got.answer.start, got.answer.end), (6, 8));
        assert_eq!(got.answer.score, 6.0);
        let total: f32 = got.n_best.iter().map(|s| s.probability).sum();
        assert!((total - 1.0).abs() < 1e-6);
        // An end before its start, or too long an answer, is no candidate.
        let short = Reading {
            max_answer_len: 1,
            ..Reading::default()
        };
        let got = answer(context, &[(&w1, &l1)], &short);
        assert_eq!(got.answer.text, "Éa");
        // v2: the null score (the first token's) against the best span.
        let v2 = Reading {
            unanswerable: true,
            ..Reading::default()
        };
        let l3 = (vec![5.0, 0.0, 3.0, 1.0], vec![5.0, 0.0, 1.0, 2.5]);
        let got = answer(context, &[(&w1, &l3)], &v2);
        assert_eq!(got.answer.text, "");
        assert_eq!(got.null_score_diff, Some(10.0 - 5.5));
        let got = answer(context, &[(&w1, &l1)], &v2);
        assert_eq!(got.answer.text, "Éa bc");
    }
}
