//! The choice of reader for any data file, and JSONL classification files. CSV and TSV are
//! [`super::delimited`]'s, CoNLL and JSONL NER [`super::conll`]'s. The text and label columns
//! (keys) are found by their names unless the caller names them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::parsed::{DataError, Examples, Parsed, Problem, TextExample, lines, record_lines};
use super::{conll, delimited, squad};
use crate::shared::Task;

pub use crate::shared::{LABEL_COLUMNS, TEXT_COLUMNS};

/// How to read a data file.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The task; inferred from the file when `None`.
    pub task: Option<Task>,
    /// Name of the text column (classification), instead of detecting it.
    pub text_column: Option<String>,
    /// Name of the label column (classification), instead of detecting it.
    pub label_column: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Csv(u8),
    Jsonl,
    Conll,
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn first_lines(bytes: &[u8], n: usize) -> Vec<String> {
    lines(bytes)
        .filter_map(|(_, l)| l.ok())
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .map(str::to_string)
        .collect()
}

fn looks_like_tag(s: &str) -> bool {
    s == "O" || (s.len() > 2 && ["B-", "I-", "E-", "S-"].iter().any(|p| s.starts_with(p)))
}

fn has_known_header(line: &str, delimiter: char) -> bool {
    line.split(delimiter)
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .any(|c| TEXT_COLUMNS.contains(&c.as_str()))
}

/// Picks the reader from the extension and, where that is ambiguous, the first lines.
fn detect(name: &str, bytes: &[u8], task: Option<Task>) -> Format {
    let ext = extension(name);
    let head = first_lines(bytes, 50);
    let conll_like = !head.is_empty()
        && head.iter().all(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first() == Some(&"-DOCSTART-") || (f.len() >= 2 && looks_like_tag(f[f.len() - 1]))
        });
    match ext.as_str() {
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "csv" => Format::Csv(b','),
        "conll" | "iob" | "bio" | "bioes" | "conllu" => Format::Conll,
        _ => {
            let first = head.first().map(String::as_str).unwrap_or("");
            if first.trim_start().starts_with('{') {
                Format::Jsonl
            } else if task == Some(Task::Ner)
                || (task.is_none() && conll_like && !has_known_header(first, '\t'))
            {
                Format::Conll
            } else if first.contains('\t') || ext == "tsv" || ext == "tab" {
                Format::Csv(b'\t')
            } else {
                Format::Csv(b',')
            }
        }
    }
}

/// Reads a data file of any supported format. Line problems are collected in the result;
/// only problems with the file as a whole (no usable columns, wrong task) are errors here.
pub fn parse(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<Parsed, DataError> {
    let file_error = |message: String| DataError::File {
        file: name.to_string(),
        message,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(file_error("the file is empty".into()));
    }
    let parsed = match question_answering(name, bytes, options.task) {
        Some(parsed) => parsed?,
        None => parse_labelled(name, bytes, options)?,
    };
    if let Some(task) = options.task
        && parsed.examples.task() != task
    {
        return Err(file_error(format!(
            "the file holds {} data but the task is {}",
            task_name(parsed.examples.task()),
            task_name(task)
        )));
    }
    Ok(parsed)
}

/// A question-answering file read, when the file is one: SQuAD JSON, or a flat file whose
/// header (first object) has `question` and `context`.
fn question_answering(
    name: &str,
    bytes: &[u8],
    task: Option<Task>,
) -> Option<Result<Parsed, DataError>> {
    if matches!(task, Some(Task::Classify | Task::Ner)) {
        return None;
    }
    if squad::is_squad_json(bytes) {
        return Some(squad::parse_squad_json(name, bytes));
    }
    match detect(name, bytes, task) {
        Format::Jsonl if squad::jsonl_is_qa(bytes) => Some(Ok(squad::parse_qa_jsonl(name, bytes))),
        Format::Csv(delimiter)
            if squad::is_qa_header(columns(name, bytes).iter().map(String::as_str)) =>
        {
            Some(squad::parse_qa_delimited(name, bytes, delimiter))
        }
        _ => None,
    }
}

/// A classification or NER file read.
fn parse_labelled(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<Parsed, DataError> {
    let format = detect(name, bytes, options.task);
    let parsed = match format {
        Format::Csv(delimiter) => delimited::parse(
            name,
            bytes,
            delimiter,
            options.text_column.as_deref(),
            options.label_column.as_deref(),
        )?,
        Format::Conll => conll::parse_conll(name, bytes),
        Format::Jsonl => {
            let first = first_lines(bytes, 1).pop().unwrap_or_default();
            let is_ner = serde_json::from_str::<Value>(&first)
                .map(|v| v.get("tokens").is_some())
                .unwrap_or(false);
            if options.task == Some(Task::Ner) || (options.task.is_none() && is_ner) {
                conll::parse_jsonl_ner(name, bytes)
            } else {
                parse_jsonl(name, bytes, options)?
            }
        }
    };
    Ok(parsed)
}

/// The column names of a CSV/TSV file's header or of a JSONL file's first object, for a
/// column picker; empty for CoNLL and for files without a header.
pub fn columns(name: &str, bytes: &[u8]) -> Vec<String> {
    match detect(name, bytes, None) {
        Format::Conll => Vec::new(),
        Format::Jsonl => {
            let first = first_lines(bytes, 1).pop().unwrap_or_default();
            match serde_json::from_str::<Value>(&first) {
                Ok(Value::Object(map)) if !map.contains_key("tokens") => {
                    map.keys().cloned().collect()
                }
                _ => Vec::new(),
            }
        }
        Format::Csv(delimiter) => csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The cells of one column of a CSV/TSV file (by its header) or one key of a JSON-lines file, by
/// the line each row starts on, values as text (a JSON number or boolean written as JSON
/// writes it; null or missing: no cell). CoNLL files have no columns: an error says so.
pub fn column_cells(
    name: &str,
    bytes: &[u8],
    column: &str,
) -> Result<BTreeMap<usize, String>, DataError> {
    match detect(name, bytes, None) {
        Format::Csv(delimiter) => delimited::column_cells(name, bytes, delimiter, column),
        Format::Conll => Err(DataError::File {
            file: name.to_string(),
            message: format!(
                "a CoNLL file has no columns, so no \"{column}\" to group by: write the sentences as JSON lines with a \"{column}\" key beside \"tokens\" and \"tags\""
            ),
        }),
        Format::Jsonl => {
            let (records, _) = record_lines(bytes);
            let mut cells = BTreeMap::new();
            for (line, text) in records {
                let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                let cell = match obj.get(column) {
                    None | Some(Value::Null) => continue,
                    Some(Value::String(s)) => s.trim().to_string(),
                    Some(other) => other.to_string(),
                };
                cells.insert(line, cell);
            }
            Ok(cells)
        }
    }
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Classify => "classification (text, label)",
        Task::Ner => "NER (tokens, tags)",
        Task::Qa => "question answering (question, context, answers)",
    }
}

fn json_label(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Value::String(_) => Err("empty label".into()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("the label is null".into()),
        other => Err(format!(
            "the label must be a string or an integer, found {other}"
        )),
    }
}

fn pick_key<'a>(
    obj: &'a serde_json::Map<String, Value>,
    asked: Option<&str>,
    known: &[&str],
) -> Option<(&'a String, &'a Value)> {
    match asked {
        Some(k) => obj.get_key_value(k),
        None => known.iter().find_map(|k| obj.get_key_value(*k)),
    }
}

fn parse_jsonl(name: &str, bytes: &[u8], options: &ParseOptions) -> Result<Parsed, DataError> {
    let mut examples = Vec::new();
    // Undecodable lines are problems from the start; the rest follow, sorted by line at the end.
    let (records, mut problems) = record_lines(bytes);
    let rows = records.len() + problems.len();
    for (line, text) in records {
        let mut problem = |message: String| problems.push(Problem { line, message });
        let obj = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                problem("expected a JSON object per line".into());
                continue;
            }
            Err(e) => {
                problem(format!("invalid JSON: {e}"));
                continue;
            }
        };
        let Some((_, text_value)) = pick_key(&obj, options.text_column.as_deref(), TEXT_COLUMNS)
        else {
            problem(format!(
                "no text field (looked for {})",
                options
                    .text_column
                    .clone()
                    .unwrap_or_else(|| TEXT_COLUMNS.join(", "))
            ));
            continue;
        };
        let Some((_, label_value)) = pick_key(&obj, options.label_column.as_deref(), LABEL_COLUMNS)
        else {
            problem(format!(
                "no label field (looked for {})",
                options
                    .label_column
                    .clone()
                    .unwrap_or_else(|| LABEL_COLUMNS.join(", "))
            ));
            continue;
        };
        let text = match text_value {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            Value::String(_) => {
                problem("empty text".into());
                continue;
            }
            other => {
                problem(format!("the text must be a string, found {other}"));
                continue;
            }
        };
        match json_label(label_value) {
            Ok(label) => examples.push(TextExample { text, label, line }),
            Err(m) => problem(m),
        }
    }
    problems.sort_by_key(|p| p.line);
    Ok(Parsed {
        file: name.to_string(),
        examples: Examples::Classify(examples),
        problems,
        notes: vec![],
        rows,
        multiline: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{classify, texts};

    #[test]
    fn jsonl_integer_and_string_labels() {
        let p = classify(
            "a.jsonl",
            "{\"text\": \"a\", \"label\": 1}\n\n{\"sentence\": \"b\", \"label\": \"x\"}\n{bad\n",
        );
        assert_eq!(
            texts(&p),
            vec![("a".into(), "1".into(), 1), ("b".into(), "x".into(), 3)]
        );
        assert_eq!(p.problems[0].line, 4);
    }

    #[test]
    fn multibyte_text_where_a_tag_could_be_does_not_panic() {
        // Found by the data_files fuzz target: a tag-position field starting with a 3-byte char.
        for name in ["x.txt", "x.tsv", "x"] {
            let _ = parse(
                name,
                "a \u{fffd}-(org\n".as_bytes(),
                &ParseOptions::default(),
            );
        }
    }

    #[test]
    fn task_is_inferred_from_content() {
        let p = parse(
            "x.txt",
            b"EU\tB-ORG\nrejects\tO\n\nGerman\tB-MISC\n",
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(p.examples.task(), Task::Ner);
        let p = parse("x.txt", b"text\tlabel\nhi\tO\n", &ParseOptions::default()).unwrap();
        assert_eq!(p.examples.task(), Task::Classify);
    }
}
