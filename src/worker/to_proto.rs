//! The engine's values as the browser's messages: a parsed file as a [`DataSummary`], scores
//! as a [`Report`], predictions as [`PredictionView`]s, and engine errors in the browser's
//! words (a field to change or a box to tick, never a command-line flag). Pure, so it is
//! tested natively.

use std::collections::BTreeMap;

use crate::data::corpus::CorpusText;
use crate::data::entities::spans;
use crate::data::features::Features;
use crate::data::qa::{Answered, Questions};
use crate::data::split::label_counts;
use crate::data::tokenizer::TextTokenizer;
use crate::data::{DataError, Examples, Parsed, Remedy};
use crate::forward::argmax;
use crate::infer::Prediction;
use crate::infer::lm::ProbeAnswer;
use crate::model::BertConfig;
use crate::protocol::{
    CorpusView, DataSummary, EntitySpan, ExpectedRank, LineProblem, ModelInfo, PredictionView,
    PreviewRow, ProbeResult, QaAnswerView, QaLengths, Report, RowSpan, SpanView, TokenScore,
    TrainUpdate, ValidExample, setting_message,
};
use crate::shared::IGNORE_INDEX;
use crate::train::pretrain::recipe::LmPlan;
use crate::train::recipe::RecipeError;
use crate::train::squad;
use crate::train::{Evaluation, Event};

/// Examples shown in the Data panel's preview.
pub const PREVIEW_ROWS: usize = 20;
/// Problems listed in the Data panel; the rest are counted.
pub const LISTED_PROBLEMS: usize = 200;

/// A data error as the Data and Train panels say it.
pub fn data_error(e: &DataError) -> String {
    e.with_remedy(&Remedy {
        name_column: &|which| format!(". Pick the {which} column above."),
        skip_invalid: ". Fix the file, or tick \"Continue with the valid rows\" (Data panel) to train on the others",
    })
}

/// Why a run cannot start, as the Train panel says it.
pub fn recipe_error(e: &RecipeError) -> String {
    match e {
        RecipeError::Settings(s) => setting_message(s),
        RecipeError::Data(d) => data_error(d),
        RecipeError::Prepare(p) => p.to_string(),
    }
}

/// The Data panel's summary of a file, and the parsed file when it can be trained on; a
/// question-answering file's lengths in tokens when a model's `tokenizer` is at hand.
pub fn summary(
    name: &str,
    bytes: &[u8],
    parsed: Result<Parsed, DataError>,
    tokenizer: Option<&TextTokenizer>,
) -> (DataSummary, Option<Parsed>) {
    let columns = crate::data::formats::columns(name, bytes);
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            let summary = DataSummary {
                file: name.into(),
                columns,
                error: Some(data_error(&e)),
                ..Default::default()
            };
            return (summary, None);
        }
    };
    let mut notes = parsed.notes.clone();
    if parsed.problems.len() > LISTED_PROBLEMS {
        notes.push(format!(
            "{} problems in all; the first {LISTED_PROBLEMS} are listed",
            parsed.problems.len()
        ));
    }
    let unusable = crate::data::unusable(&parsed.examples);
    let error = (!unusable.is_empty())
        .then(|| format!("{name}: not usable for training: {}", unusable.join("; ")));
    let summary = DataSummary {
        file: name.into(),
        task: Some(parsed.examples.task()),
        examples: parsed.examples.len(),
        rows: parsed.rows,
        multiline: parsed
            .multiline
            .iter()
            .map(|m| RowSpan {
                first: m.first,
                last: m.last,
                warning: m.warning.clone(),
            })
            .collect(),
        columns,
        preview: preview(&parsed.examples),
        labels: label_list(&parsed.examples),
        qa: tokenizer.and_then(|t| qa_lengths(&parsed.examples, t)),
        problems: parsed
            .problems
            .iter()
            .take(LISTED_PROBLEMS)
            .map(|p| LineProblem {
                line: p.line,
                message: p.message.clone(),
            })
            .collect(),
        notes,
        error,
        groups: Vec::new(),
    };
    let usable = summary.error.is_none().then_some(parsed);
    (summary, usable)
}

/// Each question's and passage's length in tokens, for the Data panel's window counts.
fn qa_lengths(examples: &Examples, tokenizer: &TextTokenizer) -> Option<QaLengths> {
    let Examples::Qa(v) = examples else {
        return None;
    };
    let count = |t: &str| tokenizer.raw_ids(t, false).map(|ids| ids.len()).ok();
    // A passage is tokenized once, however many questions ask about it (SQuAD: about five).
    let mut passages: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lengths = Vec::with_capacity(v.len());
    for e in v {
        let p = match passages.get(e.context.as_str()) {
            Some(&p) => p,
            None => *passages.entry(&e.context).or_insert(count(&e.context)?),
        };
        lengths.push((count(&e.question)?, p));
    }
    Some(QaLengths {
        added: tokenizer.pair_special_tokens(),
        lengths,
        unanswerable: v.iter().filter(|e| e.answers.is_empty()).count(),
        passages: passages.len(),
    })
}

/// A model's shape as the panels and the memory estimate read it (name, origin and task left
/// for the caller).
pub fn model_shape(config: &BertConfig, parameters: u64) -> ModelInfo {
    ModelInfo {
        layers: config.num_hidden_layers,
        total_layers: config.num_hidden_layers,
        hidden: config.hidden_size,
        heads: config.num_attention_heads,
        intermediate: config.intermediate_size,
        vocab: config.vocab_size,
        max_positions: config.max_len(),
        parameters,
        ..Default::default()
    }
}

fn preview(examples: &Examples) -> Vec<PreviewRow> {
    match examples {
        Examples::Classify(v) => v
            .iter()
            .take(PREVIEW_ROWS)
            .map(|e| PreviewRow {
                line: e.line,
                text: e.text.clone(),
                label: e.label.clone(),
                ..PreviewRow::default()
            })
            .collect(),
        Examples::Ner(v) => v
            .iter()
            .take(PREVIEW_ROWS)
            .map(|e| PreviewRow {
                line: e.line,
                text: e.tokens.join(" "),
                label: e.tags.join(" "),
                ..PreviewRow::default()
            })
            .collect(),
        Examples::Qa(v) => v
            .iter()
            .take(PREVIEW_ROWS)
            .map(|e| PreviewRow {
                line: e.line,
                text: e.context.clone(),
                label: e.question.clone(),
                spans: e
                    .answers
                    .iter()
                    .map(|a| (a.start, a.start + a.text.chars().count()))
                    .collect(),
            })
            .collect(),
    }
}

/// Label (or entity type) counts, most frequent first.
fn label_list(examples: &Examples) -> Vec<(String, usize)> {
    let mut labels: Vec<(String, usize)> = match examples {
        Examples::Classify(_) => label_counts(examples).into_iter().collect(),
        Examples::Ner(v) => {
            let mut counts = BTreeMap::new();
            for e in v {
                for s in spans(&e.tags) {
                    *counts.entry(s.kind).or_insert(0) += 1;
                }
            }
            counts.into_iter().collect()
        }
        Examples::Qa(_) => Vec::new(),
    };
    labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    labels
}

/// Validation scores for the panels.
pub fn report(evaluation: &Evaluation) -> Report {
    match evaluation {
        Evaluation::Classify(r) => Report::Classify {
            examples: r.examples,
            accuracy: r.accuracy,
            macro_f1: r.macro_f1,
            weighted_f1: r.weighted_f1,
            per_class: r.per_class.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            labels: r.confusion.labels.clone(),
            matrix: r.confusion.matrix.clone(),
        },
        Evaluation::Ner(r) => Report::Ner {
            examples: r.examples,
            precision: r.precision,
            recall: r.recall,
            f1: r.f1,
            token_accuracy: r.token_accuracy,
            per_type: r.per_type.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        },
        Evaluation::Qa(r) => Report::Qa {
            examples: r.examples,
            exact_match: r.exact_match,
            f1: r.f1,
            has_answer: r.has_answer,
            no_answer: r.no_answer,
            by_type: r
                .by_type
                .iter()
                .map(|(k, (n, em, f1))| (k.clone(), *n, *em, *f1))
                .collect(),
        },
    }
}

/// The validation questions with the kept model's answers, worst first, for the Evaluate
/// panel: each passage with its gold and predicted spans.
pub fn qa_valid_answers(questions: &Questions, answers: &[Answered]) -> Vec<ValidExample> {
    let mut rows: Vec<ValidExample> = questions
        .examples
        .iter()
        .zip(answers)
        .map(|(e, a)| {
            let golds: Vec<&str> = e.answers.iter().map(|g| g.text.as_str()).collect();
            let f1 = golds
                .iter()
                .map(|g| squad::f1(&a.answer.text, g, questions.reading.unanswerable))
                .fold(
                    f64::from(golds.is_empty() && a.answer.text.is_empty()),
                    f64::max,
                );
            ValidExample {
                line: e.line,
                text: e.question.clone(),
                gold: if golds.is_empty() {
                    "(no answer)".into()
                } else {
                    golds.join(" | ")
                },
                predicted: a.answer.text.clone(),
                confidence: a.answer.probability,
                qa: Some(QaAnswerView {
                    context: e.context.clone(),
                    gold: e
                        .answers
                        .iter()
                        .map(|g| (g.start, g.start + g.text.chars().count()))
                        .collect(),
                    predicted: (a.answer.start, a.answer.end),
                    f1: f1 * 100.0,
                }),
            }
        })
        .collect();
    let f1 = |v: &ValidExample| v.qa.as_ref().map_or(0.0, |q| q.f1);
    rows.sort_by(|a, b| f1(a).total_cmp(&f1(b)));
    rows
}

/// An answer as the Try-it panel shows it: the span, and the next best ones.
pub fn answer_view(context: &str, answered: &Answered) -> PredictionView {
    let view = |s: &crate::data::qa::Span| SpanView {
        start: s.start,
        end: s.end,
        text: s.text.clone(),
        score: s.probability,
    };
    PredictionView::Qa {
        context: context.to_string(),
        answer: view(&answered.answer),
        next: answered
            .n_best
            .iter()
            .filter(|s| (s.start, s.end) != (answered.answer.start, answered.answer.end))
            .take(4)
            .map(view)
            .collect(),
    }
}

/// A training event as the Train panel's update; the notes go with the first. A stop is
/// reported with the run's result instead, so it has none.
pub fn train_update(event: Event, notes: &mut Option<Vec<String>>) -> Option<TrainUpdate> {
    Some(match event {
        Event::Started {
            total_steps,
            steps_per_epoch,
            train_examples,
            valid_examples,
        } => TrainUpdate::Started {
            total_steps,
            steps_per_epoch,
            train_examples,
            valid_examples,
            notes: notes.take().unwrap_or_default(),
        },
        Event::Step(stats) => TrainUpdate::Step(stats),
        Event::Evaluated {
            epoch,
            train_loss,
            valid_loss,
            evaluation,
            best,
            ..
        } => TrainUpdate::Evaluated {
            epoch,
            train_loss,
            valid_loss,
            report: report(&evaluation),
            best,
        },
        Event::Validated {
            step, valid_loss, ..
        } => TrainUpdate::Validated { step, valid_loss },
        Event::AuxEvaluated {
            epoch,
            name,
            train_loss,
            valid_loss,
            evaluation,
            ..
        } => TrainUpdate::AuxEvaluated {
            epoch,
            name,
            train_loss,
            valid_loss,
            report: report(&evaluation),
        },
        Event::Stopped { .. } => return None,
    })
}

/// The validation examples with the kept model's answers, for the confusion matrix's cells and
/// the list of errors. `probs` holds each example's probabilities per position.
pub fn valid_answers(
    examples: &Examples,
    features: &[Features],
    probs: &[Vec<Vec<f32>>],
    labels: &[String],
) -> Vec<ValidExample> {
    match examples {
        Examples::Classify(v) => v
            .iter()
            .zip(probs)
            .map(|(e, p)| {
                let best = argmax(&p[0]);
                ValidExample {
                    line: e.line,
                    text: e.text.clone(),
                    gold: e.label.clone(),
                    predicted: labels[best].clone(),
                    confidence: p[0][best],
                    qa: None,
                }
            })
            .collect(),
        Examples::Ner(v) => v
            .iter()
            .zip(features)
            .zip(probs)
            .map(|((e, f), p)| {
                let predicted: Vec<String> = (0..f.labels.len())
                    .filter(|&t| f.labels[t] != IGNORE_INDEX)
                    .map(|t| labels[argmax(&p[t])].clone())
                    .collect();
                let show = |tags: &[String]| {
                    let list: Vec<String> = spans(tags)
                        .into_iter()
                        .filter(|s| s.end <= e.tokens.len())
                        .map(|s| format!("{} ({})", e.tokens[s.start..s.end].join(" "), s.kind))
                        .collect();
                    if list.is_empty() {
                        "(none)".to_string()
                    } else {
                        list.join(", ")
                    }
                };
                ValidExample {
                    line: e.line,
                    text: e.tokens.join(" "),
                    gold: show(&e.tags),
                    predicted: show(&predicted),
                    confidence: 0.0,
                    qa: None,
                }
            })
            .collect(),
        // Question answering reads its answers off windows: `qa_valid_answers`.
        Examples::Qa(_) => Vec::new(),
    }
}

/// The corpus as the Learn area shows it: sizes, reference losses, how its first words split.
pub fn corpus_view(name: &str, text: &CorpusText, plan: &LmPlan) -> CorpusView {
    let s = &plan.corpus.stats;
    let t = &plan.tokenizer;
    CorpusView {
        name: name.to_string(),
        chars: plan.corpus.chars,
        train_tokens: plan.corpus.train.len(),
        heldout_tokens: plan.corpus.heldout.len(),
        distinct: s.distinct,
        vocab_size: plan.config.vocab_size,
        uniform: s.uniform,
        unigram: s.unigram,
        bigram: s.bigram,
        top_token: t.token(s.top_token),
        top_share: s.top_share,
        sample_tokens: plan
            .corpus
            .train
            .iter()
            .take(32)
            .map(|&id| t.token(id))
            .collect(),
        problems: text
            .problems
            .iter()
            .map(|p| format!("line {}: {}", p.line, p.message))
            .collect(),
    }
}

/// A probe's answer (or why it could not run) as the Learn area shows it.
pub fn probe_result(text: &str, answer: Result<ProbeAnswer, String>) -> ProbeResult {
    match answer {
        Ok(a) => ProbeResult {
            text: text.to_string(),
            top: a
                .top
                .into_iter()
                .map(|c| TokenScore {
                    token: c.token,
                    score: c.score,
                })
                .collect(),
            expected: a.expected.map(|r| ExpectedRank {
                token: r.token,
                rank: r.rank,
                score: r.score,
            }),
            generated: a.generated,
            error: None,
        },
        Err(e) => ProbeResult {
            text: text.to_string(),
            top: Vec::new(),
            expected: None,
            generated: None,
            error: Some(e),
        },
    }
}

/// A prediction as the Try-it panel shows it: labels most probable first, or entity spans.
pub fn prediction_view(text: &str, prediction: Prediction) -> PredictionView {
    match prediction {
        Prediction::Classify { mut scores, .. } => {
            scores.sort_by(|a, b| b.1.total_cmp(&a.1));
            PredictionView::Classify { scores }
        }
        Prediction::Ner { entities } => PredictionView::Ner {
            text: text.to_string(),
            entities: entities
                .into_iter()
                .map(|e| EntitySpan {
                    start: e.start,
                    end: e.end,
                    label: e.label,
                    score: e.score,
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ParseOptions, parse};
    use crate::shared::{Setting, SettingsError};

    fn summarize(name: &str, text: &str) -> DataSummary {
        let bytes = text.as_bytes();
        summary(
            name,
            bytes,
            parse(name, bytes, &ParseOptions::default()),
            None,
        )
        .0
    }

    #[test]
    fn a_summary_counts_rows_and_names_problems_and_multi_line_rows() {
        let s = summarize(
            "a.csv",
            "text,label\ngood,pos\n\"two\nlines\",neg\nbad, really,neg\n",
        );
        assert_eq!((s.rows, s.examples), (3, 2));
        assert_eq!(s.task, Some(crate::shared::Task::Classify));
        assert_eq!(s.problems.len(), 1);
        assert_eq!(s.problems[0].line, 5);
        assert_eq!(
            (
                s.multiline[0].first,
                s.multiline[0].last,
                s.multiline[0].warning.clone()
            ),
            (3, 4, None)
        );
        assert_eq!(s.preview[1].text, "two\nlines");
        assert_eq!(
            s.labels,
            vec![("neg".to_string(), 1), ("pos".to_string(), 1)]
        );
        assert_eq!(s.columns, vec!["text", "label"]);
    }

    #[test]
    fn errors_are_worded_for_the_browser_without_flags() {
        let s = summarize("a.csv", "foo,bar\n1,2\n");
        let error = s.error.unwrap();
        assert!(error.contains("no text column found"), "{error}");
        assert!(error.ends_with("Pick the text column above."), "{error}");
        let parsed = parse("b.csv", b"text,label\nok,a\n,b\n", &ParseOptions::default()).unwrap();
        let invalid = data_error(&parsed.accept(false).unwrap_err());
        assert!(
            invalid.starts_with("b.csv: 1 problem found. Fix the file, or tick"),
            "{invalid}"
        );
        assert!(invalid.contains("\n  line 3: empty text"), "{invalid}");
        let settings = recipe_error(&RecipeError::Settings(SettingsError::BatchSize));
        assert_eq!(settings, "Batch size must be at least 1");
        for message in [error, invalid, settings] {
            assert!(!message.contains("--"), "{message}");
        }
        assert_eq!(
            crate::protocol::setting_label(Setting::ValidFraction),
            "Validation share"
        );
    }
}
