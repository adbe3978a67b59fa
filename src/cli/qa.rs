//! `anneal evaluate` and `anneal predict` for a question-answering model: SQuAD's exact match
//! and F1 on a labelled file (the `evaluate` library's fields with `--json`), and answers to a
//! question about a passage, or to every question of a file, one JSON line each.

use std::path::Path;

use super::model_dir::ModelDir;
use super::shell::load_data;
use crate::data::qa::Reading;
use crate::data::{Examples, ParseOptions, Problem, QaExample};
use crate::infer::qa::{Asked, ask, question};
use crate::infer::rows::qa_row;
use crate::model::BertClassifier;
use crate::shared::Task;
use crate::train::squad::{QaReport, squad_report};

/// `run_qa.py`'s maximum length, when neither a flag nor the run's record says another.
const QA_MAX_LEN: usize = 384;

/// The window length and doc stride to ask with: the flags, else those the model was
/// fine-tuned with (its folder's `training.json`), else `run_qa.py`'s 384 and 128 (the model's
/// position table bounding the length); and whether "no answer" competes (the flag, else the
/// run's record).
pub(super) struct Windows {
    pub max_len: usize,
    pub stride: usize,
    pub unanswerable: bool,
}

impl Windows {
    pub(super) fn of(
        dir: &ModelDir,
        max_len: Option<usize>,
        stride: Option<usize>,
        no_answer: bool,
    ) -> Result<Self, String> {
        let recorded = dir.recorded;
        let max_len = max_len
            .or(recorded.max_len)
            .unwrap_or(QA_MAX_LEN.min(dir.config.max_len()));
        let stride = stride.or(recorded.doc_stride).unwrap_or(max_len / 3);
        if 2 * stride >= max_len {
            return Err(format!(
                "--doc-stride must be below half the maximum length ({max_len} tokens), found {stride}"
            ));
        }
        if max_len > dir.config.max_len() {
            return Err(format!(
                "--max-len must be at most {} tokens (the model's position table), found {max_len}",
                dir.config.max_len()
            ));
        }
        let unanswerable = no_answer || recorded.unanswerable.unwrap_or(false);
        Ok(Self {
            max_len,
            stride,
            unanswerable,
        })
    }

    fn reading(&self) -> Reading {
        Reading {
            unanswerable: self.unanswerable,
            ..Reading::default()
        }
    }
}

fn run(
    model: &BertClassifier,
    dir: &ModelDir,
    questions: &[QaExample],
    w: &Windows,
    batch_size: usize,
) -> Result<Asked, String> {
    let asked = pollster::block_on(ask(
        model,
        &dir.tokenizer,
        questions,
        w.max_len,
        w.stride,
        batch_size,
        w.reading(),
    ))
    .map_err(|e| e.to_string())?;
    report_left_out(&asked.problems);
    Ok(asked)
}

fn report_left_out(problems: &[Problem]) {
    if problems.is_empty() {
        return;
    }
    eprintln!(
        "left out {} question(s) no window can hold:",
        problems.len()
    );
    for p in problems.iter().take(20) {
        eprintln!("  line {}: {}", p.line, p.message);
    }
}

fn questions_of(
    path: &Path,
    skip_invalid: bool,
    options: &ParseOptions,
) -> Result<Vec<QaExample>, String> {
    let options = ParseOptions {
        task: Some(Task::Qa),
        ..options.clone()
    };
    match load_data(path, &options, skip_invalid)?.examples {
        Examples::Qa(v) => Ok(v),
        _ => Err(format!("{}: not question-answering data", path.display())),
    }
}

/// Scores the model on a labelled question-answering file.
pub(super) fn evaluate(
    model: &BertClassifier,
    dir: &ModelDir,
    data: &Path,
    options: &ParseOptions,
    skip_invalid: bool,
    windows: &Windows,
    batch_size: usize,
) -> Result<QaReport, String> {
    let questions = questions_of(data, skip_invalid, options)?;
    // Questions without an answer make it SQuAD v2, whatever the run recorded.
    let windows = Windows {
        unanswerable: windows.unanswerable || questions.iter().any(|q| q.answers.is_empty()),
        ..*windows
    };
    let asked = run(model, dir, &questions, &windows, batch_size)?;
    if asked.questions.is_empty() {
        return Err(format!("{}: no questions to evaluate", data.display()));
    }
    let spans: Vec<_> = asked.answers.iter().map(|a| a.answer.clone()).collect();
    Ok(squad_report(&asked.questions, &spans, windows.unanswerable))
}

/// Prints a report as a table.
pub(super) fn print_report(r: &QaReport) {
    println!(
        "questions {}  exact match {:.2}  F1 {:.2}",
        r.examples, r.exact_match, r.f1
    );
    for (name, part) in [("with an answer", r.has_answer), ("without", r.no_answer)] {
        if let Some((em, f1, n)) = part {
            println!("  {name:<15} {n:>6} questions  exact match {em:.2}  F1 {f1:.2}");
        }
    }
    println!(
        "{:<10} {:>9} {:>9} {:>9}",
        "question", "count", "exact", "f1"
    );
    for (kind, (n, em, f1)) in &r.by_type {
        println!("{kind:<10} {n:>9} {em:>9.2} {f1:>9.2}");
    }
}

/// Answers one question about one passage, or every question of a file.
pub(super) fn predict(
    model: &BertClassifier,
    dir: &ModelDir,
    asked: (Option<&str>, Option<&str>, Option<&Path>),
    windows: &Windows,
) -> Result<(), String> {
    let (questions, from_file) = match asked {
        (Some(q), Some(c), None) => (vec![question(q, c)], false),
        (None, None, Some(path)) => (questions_of(path, true, &ParseOptions::default())?, true),
        _ => {
            return Err(
                "a question-answering model needs --question and --context, or --data FILE".into(),
            );
        }
    };
    let asked = run(model, dir, &questions, windows, 32)?;
    for (q, a) in asked.questions.iter().zip(&asked.answers) {
        let id = from_file.then_some(q.id.as_str());
        println!("{}", qa_row(id, a));
    }
    Ok(())
}
