//! What parsing a labeled file gives: its examples, the problems named by line, rows that ran
//! over several lines, and the typed error when a file cannot be used (`DataError`, worded by
//! each shell through its `Remedy`). A leaf of `data/`: the parsers use it, and `data/mod.rs`
//! re-exports it.

use serde::Serialize;

use crate::shared::Task;

/// Most problems listed in an error; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// One thing wrong with one line of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong, in words.
    pub message: String,
}

/// A text and its label (classification).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextExample {
    /// The text to classify.
    pub text: String,
    /// Its label, as written in the file.
    pub label: String,
    /// Line where the example starts.
    pub line: usize,
}

/// A sentence of words and one tag per word (NER), tags normalised to IOB2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenExample {
    /// The words.
    pub tokens: Vec<String>,
    /// `O`, `B-TYPE` or `I-TYPE` for each word.
    pub tags: Vec<String>,
    /// Line where the sentence starts.
    pub line: usize,
}

/// One gold answer: a span of the passage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The answer as written (the passage's characters from `start`).
    pub text: String,
    /// Where it starts in the passage, in characters (Unicode code points, as Python counts).
    pub start: usize,
}

/// A question about a passage and its gold answers (extractive question answering).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QaExample {
    /// The question's id (SQuAD's `id`; a flat file without ids gets `line-N`).
    pub id: String,
    /// The question, leading white space removed (as `run_qa.py` does).
    pub question: String,
    /// The passage the answer is a span of.
    pub context: String,
    /// The gold answers (SQuAD's dev set has up to three); none when unanswerable (SQuAD v2).
    pub answers: Vec<Answer>,
    /// Line where the question is (a one-line SQuAD file: 1).
    pub line: usize,
}

/// The examples of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "task", content = "examples", rename_all = "lowercase")]
pub enum Examples {
    /// Text classification examples.
    Classify(Vec<TextExample>),
    /// Token classification examples.
    Ner(Vec<TokenExample>),
    /// Question-answering examples.
    Qa(Vec<QaExample>),
}

impl Examples {
    /// The examples at `indices`, in that order.
    pub fn pick(&self, indices: &[usize]) -> Examples {
        fn at<T: Clone>(v: &[T], indices: &[usize]) -> Vec<T> {
            indices.iter().filter_map(|&i| v.get(i).cloned()).collect()
        }
        match self {
            Examples::Classify(v) => Examples::Classify(at(v, indices)),
            Examples::Ner(v) => Examples::Ner(at(v, indices)),
            Examples::Qa(v) => Examples::Qa(at(v, indices)),
        }
    }

    /// Text classification's examples as (text, class index in `labels`), the first `limit`
    /// of those whose label is in `labels`; none for the other tasks.
    pub fn classes(&self, labels: &[String], limit: usize) -> Vec<(String, usize)> {
        let Examples::Classify(rows) = self else {
            return Vec::new();
        };
        rows.iter()
            .filter_map(|r| Some((r.text.clone(), labels.iter().position(|l| *l == r.label)?)))
            .take(limit)
            .collect()
    }

    /// The task these examples are for.
    pub fn task(&self) -> Task {
        match self {
            Examples::Classify(_) => Task::Classify,
            Examples::Ner(_) => Task::Ner,
            Examples::Qa(_) => Task::Qa,
        }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        match self {
            Examples::Classify(v) => v.len(),
            Examples::Ner(v) => v.len(),
            Examples::Qa(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The texts of the examples, labels left out (NER: the words joined by spaces; QA: the
    /// question and its passage): the unlabelled text a model can be pre-trained on.
    pub fn texts(&self) -> Vec<String> {
        match self {
            Examples::Classify(v) => v.iter().map(|e| e.text.clone()).collect(),
            Examples::Ner(v) => v.iter().map(|e| e.tokens.join(" ")).collect(),
            Examples::Qa(v) => v
                .iter()
                .map(|e| format!("{} {}", e.question, e.context))
                .collect(),
        }
    }

    /// The labels of the examples (NER: every tag), in file order, with repeats; none for
    /// question answering, whose answers are spans.
    pub fn label_occurrences(&self) -> Vec<&str> {
        match self {
            Examples::Classify(v) => v.iter().map(|e| e.label.as_str()).collect(),
            Examples::Ner(v) => v
                .iter()
                .flat_map(|e| e.tags.iter().map(String::as_str))
                .collect(),
            Examples::Qa(_) => Vec::new(),
        }
    }

    /// The line each example starts on, in order.
    pub fn lines(&self) -> Vec<usize> {
        match self {
            Examples::Classify(v) => v.iter().map(|e| e.line).collect(),
            Examples::Ner(v) => v.iter().map(|e| e.line).collect(),
            Examples::Qa(v) => v.iter().map(|e| e.line).collect(),
        }
    }
}

/// Why examples cannot be trained on, line problems aside: none at all, a single label, or
/// (NER) no entity tags. Empty when they can.
pub fn unusable(examples: &Examples) -> Vec<&'static str> {
    let labels: std::collections::BTreeSet<&str> =
        examples.label_occurrences().into_iter().collect();
    let mut out = Vec::new();
    if examples.is_empty() {
        out.push("no valid examples");
    }
    match examples.task() {
        Task::Classify if labels.len() < 2 => out.push("fewer than two labels"),
        Task::Ner if !labels.iter().any(|t| *t != "O") => out.push("no entity tags"),
        Task::Qa => {
            if let Examples::Qa(v) = examples
                && !v.is_empty()
                && v.iter().all(|e| e.answers.is_empty())
            {
                out.push("no answerable questions");
            }
        }
        _ => {}
    }
    out
}

/// A row that runs over several lines of the file: a quoted CSV field holding line breaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiLine {
    /// The row's first line (the line its example or problem is named by).
    pub first: usize,
    /// Its last line.
    pub last: usize,
    /// Set when the row looks like several rows read as one: a line inside it ends the way a
    /// row does (a delimiter and a label), so a closing quote is probably missing.
    pub warning: Option<String>,
}

/// A parsed file: its examples and every problem found, in line order.
///
/// Every line of the file is accounted for: it starts an example, is a listed problem, lies
/// inside a [`MultiLine`] row, is the header, a `-DOCSTART-` or a blank line, or (CoNLL) is a
/// token line of a sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// File name, for messages.
    pub file: String,
    /// The valid examples.
    pub examples: Examples,
    /// Problems of the lines left out of `examples`.
    pub problems: Vec<Problem>,
    /// Things worth knowing that are not errors (e.g. "tags converted from IOB1").
    pub notes: Vec<String>,
    /// Rows read (sentences for NER), valid or not; blank lines and a header are not rows.
    pub rows: usize,
    /// Rows that run over several lines, in file order.
    pub multiline: Vec<MultiLine>,
}

impl Parsed {
    /// "N rows read: K kept, S skipped" (sentences for NER).
    pub fn counts(&self) -> String {
        let unit = match self.examples.task() {
            Task::Classify => "rows",
            Task::Ner => "sentences",
            Task::Qa => "questions",
        };
        let kept = self.examples.len();
        format!(
            "{} {unit} read: {kept} kept, {} skipped",
            self.rows,
            self.rows.saturating_sub(kept)
        )
    }

    /// One line per row that spans lines: where it runs, and the warning when it has one.
    pub fn multiline_notes(&self) -> Vec<String> {
        self.multiline
            .iter()
            .map(|m| match &m.warning {
                Some(w) => format!("lines {}-{}: {w}", m.first, m.last),
                None => format!(
                    "lines {}-{} are one row: a quoted field holds line breaks",
                    m.first, m.last
                ),
            })
            .collect()
    }
}

/// Why a data file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// A problem with the file as a whole.
    #[error("{file}: {message}")]
    File {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No header names the text (or label) column, and none was named.
    #[error("{file}: no {which} column found: the header has {}; expected one of {}", list_or_none(.found), .expected.join(", "))]
    NoColumn {
        /// File name.
        file: String,
        /// `"text"` or `"label"`.
        which: &'static str,
        /// The header's columns.
        found: Vec<String>,
        /// The names looked for.
        expected: Vec<String>,
    },
    /// Some lines are malformed and skipping them was not asked for. Each shell adds how to
    /// train on the valid rows in its own terms.
    #[error("{}", describe_problems(.file, .problems, *.count))]
    Invalid {
        /// File name.
        file: String,
        /// The first problems, at most [`MAX_LISTED_PROBLEMS`].
        problems: Vec<Problem>,
        /// How many problems in all.
        count: usize,
    },
}

/// How a shell tells its user to get past a [`DataError`], in its own terms.
pub struct Remedy<'a> {
    /// Said after a missing column, given `"text"` or `"label"`.
    pub name_column: &'a dyn Fn(&str) -> String,
    /// Said after the first line of an invalid-rows error (before its list of lines).
    pub skip_invalid: &'a str,
}

impl DataError {
    /// The message with `remedy`'s words where the error has one.
    pub fn with_remedy(&self, remedy: &Remedy) -> String {
        let mut text = self.to_string();
        match self {
            DataError::NoColumn { which, .. } => text.push_str(&(remedy.name_column)(which)),
            DataError::Invalid { .. } => {
                let first = text.find('\n').unwrap_or(text.len());
                text.insert_str(first, remedy.skip_invalid);
            }
            DataError::File { .. } => {}
        }
        text
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "no columns".into()
    } else {
        items.join(", ")
    }
}

fn describe_problems(file: &str, problems: &[Problem], count: usize) -> String {
    let mut s = format!(
        "{file}: {count} problem{} found",
        if count == 1 { "" } else { "s" }
    );
    for p in problems {
        s.push_str(&format!("\n  line {}: {}", p.line, p.message));
    }
    if count > problems.len() {
        s.push_str(&format!("\n  ... and {} more", count - problems.len()));
    }
    s
}

impl Parsed {
    /// The examples if there were no problems, or if `skip_invalid`; an error listing the
    /// problems otherwise. An empty result is always an error.
    pub fn accept(self, skip_invalid: bool) -> Result<Parsed, DataError> {
        if !self.problems.is_empty() && !skip_invalid {
            return Err(DataError::Invalid {
                count: self.problems.len(),
                problems: self
                    .problems
                    .into_iter()
                    .take(MAX_LISTED_PROBLEMS)
                    .collect(),
                file: self.file,
            });
        }
        if self.examples.is_empty() {
            return Err(DataError::File {
                file: self.file,
                message: "no valid examples".into(),
            });
        }
        Ok(self)
    }
}

/// Splits bytes into lines (`\n`, with an optional `\r`), numbered from 1, checking UTF-8 per line.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, Result<&str, Problem>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let trailing_newline = bytes.last() == Some(&b'\n');
    let mut parts: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if trailing_newline {
        parts.pop();
    }
    parts.into_iter().enumerate().map(|(i, raw)| {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = i + 1;
        let text = std::str::from_utf8(raw).map_err(|e| Problem {
            line,
            message: format!("not valid UTF-8 (byte {} of the line)", e.valid_up_to() + 1),
        });
        (line, text)
    })
}

/// The lines of a one-record-per-line file (JSON lines) that hold text, with their numbers;
/// blank lines are skipped, and a line that is not UTF-8 is a problem. Both are rows read.
pub(crate) fn record_lines(bytes: &[u8]) -> (Vec<(usize, &str)>, Vec<Problem>) {
    let (mut records, mut problems) = (Vec::new(), Vec::new());
    for (line, text) in lines(bytes) {
        match text {
            Ok(t) if t.trim().is_empty() => {}
            Ok(t) => records.push((line, t)),
            Err(p) => problems.push(p),
        }
    }
    (records, problems)
}
