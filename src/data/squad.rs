//! Question-answering files: SQuAD v1.1 and v2.0 JSON (`data[].paragraphs[].qas[]`), and the
//! flat files people export their own annotations as: JSON lines and CSV/TSV with `context`,
//! `question`, `answer_text`, `answer_start` (and `id`) columns, or JSON lines with SQuAD's
//! `answers: {"text": [..], "answer_start": [..]}` as the Hub's datasets write them.
//!
//! Every question is an example or a problem named by its line (flat files) or its id and line
//! (JSON): an empty question or passage, a repeated id, an answer that is not in the passage,
//! or an `answer_start` that does not point at its text (with where the text does occur). A
//! question without answers is unanswerable (SQuAD v2), unless a SQuAD JSON file leaves out
//! v2's `is_impossible`, where it is a problem.

use std::collections::HashMap;

use csv::ByteRecord;
use serde_json::{Map, Value};

use super::delimited::{self, Lines, each_row, runs_on};
use super::parsed::{
    Answer, DataError, Examples, MultiLine, Parsed, Problem, QaExample, lines as file_lines,
    record_lines,
};

/// Column names (or JSON keys) of a flat question-answering file.
pub const QA_COLUMNS: [&str; 5] = ["id", "question", "context", "answer_text", "answer_start"];

/// A question as read, before it is checked.
struct Raw {
    id: Option<String>,
    question: String,
    context: String,
    /// (text, start as written) of each answer.
    answers: Vec<(String, Result<usize, String>)>,
    line: usize,
    /// SQuAD JSON without `is_impossible` and without answers: a problem, not unanswerable.
    needs_answer: bool,
}

/// Whether `bytes` are a SQuAD JSON document (one object with `data[].paragraphs`).
pub fn is_squad_json(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 16)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
        && text.contains("\"data\"")
        && (text.contains("\"paragraphs\"") || bytes.len() > head.len())
}

/// Whether a flat file's header (or first JSON object's keys) is a question-answering one: two
/// of `question`, `context` and `answer_text` (so that a missing third is named).
pub fn is_qa_header<'a>(names: impl IntoIterator<Item = &'a str>) -> bool {
    let names: Vec<String> = names.into_iter().map(|n| n.trim().to_lowercase()).collect();
    let has = |k: &str| names.iter().any(|n| n == k);
    [has("question"), has("context"), has("answer_text")]
        .iter()
        .filter(|&&b| b)
        .count()
        >= 2
}

/// Reads a SQuAD JSON file.
pub fn parse_squad_json(name: &str, bytes: &[u8]) -> Result<Parsed, DataError> {
    let file_error = |message: String| DataError::File {
        file: name.to_string(),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value = serde_json::from_slice(bytes).map_err(|e| {
        file_error(format!(
            "line {}, column {}: not valid JSON: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let data = root
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| file_error("no \"data\" list: not a SQuAD file".into()))?;
    let mut locator = IdLines::new(bytes);
    let mut raws = Vec::new();
    let mut problems = Vec::new();
    for (a, article) in data.iter().enumerate() {
        let Some(paragraphs) = article.get("paragraphs").and_then(Value::as_array) else {
            problems.push(Problem {
                line: 1,
                message: format!("data[{a}] has no \"paragraphs\" list"),
            });
            continue;
        };
        for (p, paragraph) in paragraphs.iter().enumerate() {
            let context = paragraph
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some(qas) = paragraph.get("qas").and_then(Value::as_array) else {
                problems.push(Problem {
                    line: 1,
                    message: format!("data[{a}].paragraphs[{p}] has no \"qas\" list"),
                });
                continue;
            };
            for (q, qa) in qas.iter().enumerate() {
                let id = qa.get("id").and_then(id_text);
                let line = id.as_deref().map_or(1, |id| locator.next(id));
                let impossible = qa.get("is_impossible").and_then(Value::as_bool);
                let answers = match (impossible, qa.get("answers")) {
                    (Some(true), _) => Vec::new(),
                    (_, Some(Value::Array(list))) => list.iter().map(json_answer).collect(),
                    (_, None) => Vec::new(),
                    (_, Some(other)) => vec![(
                        String::new(),
                        Err(format!("\"answers\" must be a list, found {other}")),
                    )],
                };
                let question = qa.get("question").and_then(Value::as_str).unwrap_or("");
                raws.push(Raw {
                    id: Some(id.unwrap_or_else(|| format!("data[{a}].paragraphs[{p}].qas[{q}]"))),
                    question: question.to_string(),
                    context: context.to_string(),
                    answers,
                    line,
                    needs_answer: impossible.is_none(),
                });
            }
        }
    }
    let rows = raws.len() + problems.len();
    Ok(finish(name, raws, problems, rows, true))
}

/// One SQuAD answer object: its text and `answer_start`.
fn json_answer(v: &Value) -> (String, Result<usize, String>) {
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (text, start_of(v.get("answer_start")))
}

fn start_of(v: Option<&Value>) -> Result<usize, String> {
    match v {
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or(0) as usize),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("answer_start \"{s}\" is not a character position")),
        None | Some(Value::Null) => Err("no answer_start".into()),
        Some(other) => Err(format!("answer_start {other} is not a character position")),
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The line of each question id in a JSON file. Questions are read in file order, so each id
/// is looked for after the previous one: one pass over the file in all (a repeated id finds
/// its own line).
struct IdLines<'a> {
    text: &'a [u8],
    newlines: Vec<usize>,
    cursor: usize,
}

impl<'a> IdLines<'a> {
    fn new(text: &'a [u8]) -> Self {
        let newlines = (0..text.len()).filter(|&i| text[i] == b'\n').collect();
        Self {
            text,
            newlines,
            cursor: 0,
        }
    }

    /// The line of `id`'s next occurrence as a JSON string (the last one found if none is).
    fn next(&mut self, id: &str) -> usize {
        if self.newlines.is_empty() {
            return 1;
        }
        let needle = serde_json::to_string(id).unwrap_or_default();
        let at = match memchr_find(&self.text[self.cursor..], needle.as_bytes()) {
            Some(i) => {
                let at = self.cursor + i;
                self.cursor = at + needle.len();
                at
            }
            None => self.cursor,
        };
        self.newlines.partition_point(|&n| n < at) + 1
    }
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads a flat JSON-lines question-answering file.
pub fn parse_qa_jsonl(name: &str, bytes: &[u8]) -> Parsed {
    let (records, mut problems) = record_lines(bytes);
    let rows = records.len() + problems.len();
    let mut raws = Vec::new();
    for (line, text) in records {
        let obj = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                problems.push(Problem {
                    line,
                    message: "expected a JSON object per line".into(),
                });
                continue;
            }
            Err(e) => {
                problems.push(Problem {
                    line,
                    message: format!("not valid JSON: {e}"),
                });
                continue;
            }
        };
        raws.push(jsonl_record(&obj, line));
    }
    finish(name, raws, problems, rows, false)
}

fn jsonl_record(obj: &Map<String, Value>, line: usize) -> Raw {
    let text = |k: &str| match obj.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let answers = match obj.get("answers") {
        // The Hub's layout: parallel lists.
        Some(Value::Object(a)) => {
            let texts = a.get("text").and_then(Value::as_array);
            let starts = a.get("answer_start").and_then(Value::as_array);
            match (texts, starts) {
                (Some(t), Some(s)) if t.len() == s.len() => t
                    .iter()
                    .zip(s)
                    .map(|(t, s)| (t.as_str().unwrap_or("").to_string(), start_of(Some(s))))
                    .collect(),
                _ => vec![(
                    String::new(),
                    Err(
                        "\"answers\" needs \"text\" and \"answer_start\" lists of one length"
                            .into(),
                    ),
                )],
            }
        }
        Some(Value::Array(list)) => list.iter().map(json_answer).collect(),
        _ => flat_answer(&text("answer_text"), obj.get("answer_start")),
    };
    Raw {
        id: Some(text("id")).filter(|s| !s.trim().is_empty()),
        question: text("question"),
        context: text("context"),
        answers,
        line,
        needs_answer: false,
    }
}

/// A flat file's one answer; none when `answer_text` is empty (unanswerable).
fn flat_answer(answer: &str, start: Option<&Value>) -> Vec<(String, Result<usize, String>)> {
    if answer.is_empty() {
        return Vec::new();
    }
    vec![(answer.to_string(), start_of(start))]
}

/// Reads a flat CSV (`delimiter` `,`) or TSV (`\t`) question-answering file with a header.
pub fn parse_qa_delimited(name: &str, bytes: &[u8], delimiter: u8) -> Result<Parsed, DataError> {
    let (bytes, mut reader) = delimited::open(bytes, delimiter);
    let (headers, [id_at, question_at, context_at, text_at, start_at]) =
        qa_columns(name, &mut reader)?;
    let lines = Lines::new(bytes);
    let (mut raws, mut problems, mut rows, mut multiline) = (Vec::new(), Vec::new(), 0, vec![]);
    each_row(&lines, &mut reader, |line, last, record| {
        rows += 1;
        if last > line {
            multiline.push(MultiLine {
                first: line,
                last,
                warning: None,
            });
        }
        let read = |record: &ByteRecord| -> Result<Raw, String> {
            if record.len() > headers.len() {
                return Err(format!(
                    "has {} fields but the header has {}: put texts holding a {} in double quotes",
                    record.len(),
                    headers.len(),
                    if delimiter == b'\t' { "tab" } else { "comma" }
                ));
            }
            let field = |i: Option<usize>| -> Result<String, String> {
                match i.and_then(|i| record.get(i)) {
                    Some(raw) => std::str::from_utf8(raw)
                        .map(str::to_string)
                        .map_err(|_| format!("column {} is not valid UTF-8", i.unwrap_or(0) + 1)),
                    None => Ok(String::new()),
                }
            };
            let answer = field(text_at)?;
            let start = field(start_at)?;
            let start = (!start.trim().is_empty()).then_some(Value::String(start));
            Ok(Raw {
                id: Some(field(id_at)?).filter(|s| !s.trim().is_empty()),
                question: field(question_at)?,
                context: field(context_at)?,
                answers: flat_answer(&answer, start.as_ref()),
                line,
                needs_answer: false,
            })
        };
        match record.and_then(read) {
            Ok(raw) => raws.push(raw),
            Err(message) => problems.push(Problem {
                line,
                message: runs_on(message, line, last),
            }),
        }
    });
    let mut parsed = finish(name, raws, problems, rows, false);
    parsed.multiline = multiline;
    Ok(parsed)
}

/// The header's names, and where each of [`QA_COLUMNS`] is (the question and the context must
/// be there).
fn qa_columns(
    name: &str,
    reader: &mut csv::Reader<&[u8]>,
) -> Result<(Vec<String>, [Option<usize>; 5]), DataError> {
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| DataError::File {
            file: name.to_string(),
            message: format!("line 1: cannot read the header: {e}"),
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_lowercase())
        .collect();
    let at = QA_COLUMNS.map(|k| headers.iter().position(|h| h == k));
    for (i, which) in [(1, "question"), (2, "context")] {
        if at[i].is_none() {
            return Err(missing(name, which, &headers));
        }
    }
    Ok((headers, at))
}

fn missing(name: &str, which: &'static str, found: &[String]) -> DataError {
    DataError::NoColumn {
        file: name.to_string(),
        which,
        found: found.to_vec(),
        expected: vec![which.to_string()],
    }
}

/// Checks each question: every one becomes an example or a problem.
fn finish(
    name: &str,
    raws: Vec<Raw>,
    mut problems: Vec<Problem>,
    rows: usize,
    json: bool,
) -> Parsed {
    let mut examples = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for raw in raws {
        let id = raw
            .id
            .clone()
            .unwrap_or_else(|| format!("line-{}", raw.line));
        // JSON names the question by its id; a flat file by its line.
        let named = |m: String| {
            if json {
                format!("question {id}: {m}")
            } else {
                m
            }
        };
        let mut problem = |m: String| {
            problems.push(Problem {
                line: raw.line,
                message: named(m),
            })
        };
        if let Some(first) = seen.get(&id) {
            problem(format!(
                "the id \"{id}\" repeats the question of line {first}"
            ));
            continue;
        }
        seen.insert(id.clone(), raw.line);
        match check(&raw) {
            Ok(answers) => examples.push(QaExample {
                id,
                question: raw.question.trim_start().to_string(),
                context: raw.context,
                answers,
                line: raw.line,
            }),
            Err(m) => problem(m),
        }
    }
    problems.sort_by_key(|p| p.line);
    let unanswerable = examples.iter().filter(|e| e.answers.is_empty()).count();
    let mut notes = Vec::new();
    if unanswerable > 0 {
        notes.push(format!(
            "{unanswerable} of {} questions have no answer in their passage (SQuAD v2.0)",
            examples.len()
        ));
    }
    Parsed {
        file: name.to_string(),
        examples: Examples::Qa(examples),
        problems,
        notes,
        rows,
        multiline: Vec::new(),
    }
}

/// A question's answers, checked against its passage.
fn check(raw: &Raw) -> Result<Vec<Answer>, String> {
    if raw.question.trim().is_empty() {
        return Err("empty question".into());
    }
    if raw.context.trim().is_empty() {
        return Err("empty context (the passage)".into());
    }
    if raw.answers.is_empty() && raw.needs_answer {
        return Err("no answers, and not marked \"is_impossible\"".into());
    }
    raw.answers
        .iter()
        .map(|(text, start)| {
            if text.trim().is_empty() {
                return Err(
                    "an empty answer text (leave the answer out for an unanswerable question)"
                        .to_string(),
                );
            }
            let start = start
                .clone()
                .map_err(|m| format!("{m}{}", where_it_occurs(&raw.context, text)))?;
            span_at(&raw.context, start, text)?;
            Ok(Answer {
                text: text.clone(),
                start,
            })
        })
        .collect()
}

/// Checks that `text` is the passage's characters from `start`.
fn span_at(context: &str, start: usize, text: &str) -> Result<(), String> {
    let len = text.chars().count();
    let found: String = context.chars().skip(start).take(len).collect();
    if found == text {
        return Ok(());
    }
    let total = context.chars().count();
    let there = if start >= total {
        format!("the passage has {total} characters")
    } else {
        format!("the passage has \"{found}\" there")
    };
    Err(format!(
        "answer_start {start} does not point at \"{text}\" ({there}){}",
        where_it_occurs(context, text)
    ))
}

/// "; it occurs at 87" (character positions), or "; the answer does not occur in the passage".
fn where_it_occurs(context: &str, text: &str) -> String {
    let starts: Vec<usize> = context
        .match_indices(text)
        .map(|(byte, _)| context[..byte].chars().count())
        .collect();
    match starts.as_slice() {
        [] => format!("; \"{text}\" does not occur in the passage"),
        [one] => format!("; it occurs at {one}"),
        many => format!(
            "; it occurs at {}",
            many.iter()
                .take(5)
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether the first line of a JSON-lines file is a question-answering record.
pub fn jsonl_is_qa(bytes: &[u8]) -> bool {
    file_lines(bytes)
        .filter_map(|(_, l)| l.ok())
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| {
            v.as_object()
                .map(|o| is_qa_header(o.keys().map(String::as_str)))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qa(p: &Parsed) -> &[QaExample] {
        match &p.examples {
            Examples::Qa(v) => v,
            _ => panic!("not question answering"),
        }
    }

    const SQUAD: &str = r#"{"version": "1.1", "data": [{"title": "T", "paragraphs": [
 {"context": "Ángela founded Anneal in 2026 in Paris.",
  "qas": [
   {"id": "a", "question": "  Who founded Anneal?", "answers": [{"text": "Ángela", "answer_start": 0}]},
   {"id": "b", "question": "When?", "answers": [{"text": "2026", "answer_start": 25}, {"text": "in 2026", "answer_start": 22}]},
   {"id": "c", "question": "Where?", "answers": [{"text": "Paris", "answer_start": 30}]},
   {"id": "d", "question": "What?", "answers": [{"text": "Berlin", "answer_start": 3}]},
   {"id": "a", "question": "Again?", "answers": [{"text": "Anneal", "answer_start": 15}]},
   {"id": "e", "question": " ", "answers": [{"text": "Anneal", "answer_start": 15}]},
   {"id": "f", "question": "Nothing?", "answers": []}
  ]}]}]}"#;

    #[test]
    fn squad_json_questions_are_examples_or_problems_named_by_id_and_line() {
        assert!(is_squad_json(SQUAD.as_bytes()));
        let p = parse_squad_json("dev.json", SQUAD.as_bytes()).unwrap();
        let got = qa(&p);
        assert_eq!(got.len(), 2, "{:?}", p.problems);
        assert_eq!(got[0].question, "Who founded Anneal?");
        assert_eq!(got[0].answers[0].start, 0);
        assert_eq!(got[0].line, 4);
        assert_eq!(got[1].answers.len(), 2);
        let messages: Vec<String> = p
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert_eq!(p.rows, 7);
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert!(
            messages[0].contains("question c: answer_start 30 does not point at \"Paris\"")
                && messages[0].contains("it occurs at 33"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("question d:")
                && messages[1].contains("\"Berlin\" does not occur")
        );
        assert!(
            messages[2].starts_with("8: question a: the id \"a\" repeats the question of line 4")
        );
        assert!(messages[3].contains("question e: empty question"));
        assert!(messages[4].contains("question f: no answers, and not marked \"is_impossible\""));
    }

    #[test]
    fn squad_v2_questions_without_answers_are_unanswerable() {
        let v2 = r#"{"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Rain falls.",
          "qas": [{"id": "x", "question": "Why?", "answers": [], "is_impossible": true,
                   "plausible_answers": [{"text": "Rain", "answer_start": 0}]},
                  {"id": "y", "question": "What falls?", "answers": [{"text": "Rain", "answer_start": 0}], "is_impossible": false}]}]}]}"#;
        let p = parse_squad_json("v2.json", v2.as_bytes()).unwrap();
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let got = qa(&p);
        assert!(got[0].answers.is_empty());
        assert_eq!(got[1].answers[0].text, "Rain");
        assert!(p.notes[0].contains("1 of 2 questions have no answer"));
    }

    #[test]
    fn flat_files_name_each_problem_by_line() {
        let csv = "id,question,context,answer_text,answer_start\n\
                   q1,Who?,Bo ran.,Bo,0\n\
                   q2,What?,Bo ran.,ran,1\n\
                   q3,Where?,,x,0\n\
                   q4,None?,Bo ran.,,\n\
                   q5,Start?,Bo ran.,ran,three\n\
                   q1,Twice?,Bo ran.,Bo,0\n";
        let p = parse_qa_delimited("qa.csv", csv.as_bytes(), b',').unwrap();
        let got = qa(&p);
        assert_eq!(
            got.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["q1", "q4"]
        );
        assert!(got[1].answers.is_empty());
        let lines: Vec<usize> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 6, 7]);
        assert!(
            p.problems[0].message.contains("it occurs at 3"),
            "{:?}",
            p.problems
        );
        assert!(p.problems[1].message.contains("empty context"));
        assert!(
            p.problems[2]
                .message
                .contains("\"three\" is not a character position; it occurs at 3")
        );
        assert!(
            p.problems[3]
                .message
                .contains("repeats the question of line 2")
        );

        let jsonl = "{\"question\": \"Who?\", \"context\": \"Bo ran.\", \"answer_text\": \"Bo\", \"answer_start\": 0}\n\
                     not json\n\
                     {\"id\": \"h\", \"question\": \"Who?\", \"context\": \"Bo ran.\", \"answers\": {\"text\": [\"Bo\", \"Bo ran\"], \"answer_start\": [0, 0]}}\n";
        assert!(jsonl_is_qa(jsonl.as_bytes()));
        let p = parse_qa_jsonl("qa.jsonl", jsonl.as_bytes());
        let got = qa(&p);
        assert_eq!(got[0].id, "line-1");
        assert_eq!(got[1].answers.len(), 2);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 2);
    }
}
