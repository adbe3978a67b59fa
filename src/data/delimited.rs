//! CSV and TSV classification files: RFC 4180 (quoted fields, embedded newlines, doubled
//! quotes), with or without a byte-order mark, LF or CRLF line ends. The text and label columns
//! are found by their header names ([`TEXT_COLUMNS`], [`LABEL_COLUMNS`]) unless named.
//!
//! Every line is accounted for: a row is an example or a problem naming its line (more fields
//! than the header, a missing or empty text or label); a row that runs over several lines (a
//! quoted field with line breaks) is also listed with its first and last line, with a warning
//! when it looks like rows swallowed by a quote that never closes.

use std::collections::{BTreeMap, BTreeSet};

use csv::{ByteRecord, Position, Reader};

use super::parsed::{DataError, Examples, MultiLine, Parsed, Problem, TextExample};
use crate::shared::{LABEL_COLUMNS, TEXT_COLUMNS};

/// Line numbers from byte offsets. The csv crate's own line count skips CRLF endings, and a
/// record's offset can point before its first byte: at the `\n` of a CRLF, or at blank lines the
/// reader skipped on the way to it.
pub(super) struct Lines<'a> {
    bytes: &'a [u8],
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let newlines = (0..bytes.len()).filter(|&i| bytes[i] == b'\n').collect();
        Self { bytes, newlines }
    }

    /// The line a record starting at `p` starts on: that of its first byte that is not a line
    /// end or blank.
    pub(super) fn of(&self, p: &Position) -> usize {
        let mut at = (p.byte() as usize).min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n' | b' ' | b'\t') {
            at += 1;
        }
        self.newlines.partition_point(|&n| n < at) + 1
    }

    /// The line of a record's last byte, given where the reader stopped after it: line ends
    /// and the blank lines the reader skips on the way are not the record's.
    fn last(&self, end: u64) -> usize {
        let mut end = (end as usize).min(self.bytes.len());
        while end > 0 && matches!(self.bytes[end - 1], b'\r' | b'\n' | b' ' | b'\t') {
            end -= 1;
        }
        self.newlines
            .partition_point(|&n| n < end.saturating_sub(1))
            + 1
    }

    /// Line `l`'s text, without its line end.
    fn text(&self, l: usize) -> String {
        let start = if l == 1 { 0 } else { self.newlines[l - 2] + 1 };
        let end = self
            .newlines
            .get(l - 1)
            .copied()
            .unwrap_or(self.bytes.len());
        let raw = &self.bytes[start.min(end)..end];
        String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned()
    }
}

/// Finds a column: the one named, or the first header among the known names.
fn find_column(
    file: &str,
    headers: &[String],
    asked: Option<&str>,
    known: &[&str],
    which: &'static str,
) -> Result<usize, DataError> {
    let lower: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    if let Some(asked) = asked {
        return lower
            .iter()
            .position(|h| *h == asked.trim().to_lowercase())
            .ok_or_else(|| DataError::File {
                file: file.to_string(),
                message: format!(
                    "no column named \"{asked}\" (columns: {})",
                    headers.join(", ")
                ),
            });
    }
    known
        .iter()
        .find_map(|k| lower.iter().position(|h| h == k))
        .ok_or_else(|| DataError::NoColumn {
            file: file.to_string(),
            which,
            found: headers.to_vec(),
            expected: known.iter().map(|k| k.to_string()).collect(),
        })
}

/// Where the text and label are, and how many fields a row may have.
struct Layout {
    text_at: usize,
    label_at: usize,
    fields: usize,
    delimiter: u8,
}

impl Layout {
    /// A row's text and label, or what is wrong with it.
    fn read(&self, record: &ByteRecord) -> Result<(String, String), String> {
        if record.len() > self.fields {
            return Err(format!(
                "has {} fields but the header has {}: {}",
                record.len(),
                self.fields,
                match self.delimiter {
                    b'\t' => "a tab inside a text? Remove it or put the text in double quotes",
                    _ => "a comma inside a text? Put the text in double quotes",
                }
            ));
        }
        let field = |at: usize, what: &str| -> Result<String, String> {
            let raw = record.get(at).ok_or_else(|| {
                format!(
                    "has {} field{}, so no {what} (column {})",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    at + 1
                )
            })?;
            let s =
                std::str::from_utf8(raw).map_err(|_| format!("the {what} is not valid UTF-8"))?;
            if s.trim().is_empty() {
                return Err(format!("empty {what}"));
            }
            Ok(s.to_string())
        };
        Ok((field(self.text_at, "text")?, field(self.label_at, "label")?))
    }
}

fn headers(name: &str, reader: &mut Reader<&[u8]>) -> Result<Vec<String>, DataError> {
    let headers = reader.byte_headers().map_err(|e| DataError::File {
        file: name.to_string(),
        message: format!("line 1: cannot read the header: {e}"),
    })?;
    Ok(headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect())
}

/// A CSV/TSV reader of `bytes` past any byte-order mark, rows of any length, the first row
/// the header; and the bytes it reads (for [`Lines`], whose numbers must match the reader's
/// offsets). The one way the delimited parsers open a file.
pub(super) fn open(bytes: &[u8], delimiter: u8) -> (&[u8], Reader<&[u8]>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    (bytes, reader)
}

/// Calls `f` with each row after the header, blank ones left out: its first line, its last
/// (later when a quoted field holds line breaks), and its fields or why it cannot be read. The
/// one reader of rows for the delimited parsers (classification here, question answering in
/// `squad.rs`).
pub(super) fn each_row(
    lines: &Lines,
    reader: &mut Reader<&[u8]>,
    mut f: impl FnMut(usize, usize, Result<&ByteRecord, String>),
) {
    let mut record = ByteRecord::new();
    loop {
        let line = lines.of(reader.position());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| lines.of(p));
                f(line, line, Err(format!("unreadable CSV: {e}")));
                match e.kind() {
                    csv::ErrorKind::Io(_) => break,
                    _ => continue,
                }
            }
        }
        let line = record.position().map_or(line, |p| lines.of(p));
        let last = lines.last(reader.position().byte()).max(line);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line
        }
        f(line, last, Ok(&record));
    }
}

/// A problem of a row that runs over several lines says so: a closing quote may be missing.
pub(super) fn runs_on(message: String, line: usize, last: usize) -> String {
    if last > line {
        format!(
            "{message} (this row runs on to line {last}: a quoted field holds line breaks; is a closing quote missing?)"
        )
    } else {
        message
    }
}

/// Reads a CSV (`delimiter` `,`) or TSV (`\t`) file with a header.
pub(super) fn parse(
    name: &str,
    bytes: &[u8],
    delimiter: u8,
    text_column: Option<&str>,
    label_column: Option<&str>,
) -> Result<Parsed, DataError> {
    let (bytes, mut reader) = open(bytes, delimiter);
    let headers = headers(name, &mut reader)?;
    let layout = Layout {
        text_at: find_column(name, &headers, text_column, TEXT_COLUMNS, "text")?,
        label_at: find_column(name, &headers, label_column, LABEL_COLUMNS, "label")?,
        fields: headers.len(),
        delimiter,
    };
    let lines = Lines::new(bytes);
    let (mut examples, mut problems, mut spans, mut rows) = (Vec::new(), Vec::new(), vec![], 0);
    each_row(&lines, &mut reader, |line, last, record| {
        rows += 1;
        if last > line {
            spans.push((line, last));
        }
        match record.and_then(|r| layout.read(r)) {
            Ok((text, label)) => examples.push(TextExample {
                text,
                label: label.trim().to_string(),
                line,
            }),
            Err(message) => problems.push(Problem {
                line,
                message: runs_on(message, line, last),
            }),
        }
    });
    let multiline = judge_multiline(&lines, &spans, delimiter, &examples);
    Ok(Parsed {
        file: name.to_string(),
        notes: vec![format!(
            "text column \"{}\", label column \"{}\"",
            headers[layout.text_at], headers[layout.label_at]
        )],
        examples: Examples::Classify(examples),
        problems,
        rows,
        multiline,
    })
}

/// The cells of `column` (named as in the header, case aside), by the line each row starts on;
/// rows without the cell are left out (their problems are the parser's to name).
pub(super) fn column_cells(
    name: &str,
    bytes: &[u8],
    delimiter: u8,
    column: &str,
) -> Result<BTreeMap<usize, String>, DataError> {
    let (bytes, mut reader) = open(bytes, delimiter);
    let headers = headers(name, &mut reader)?;
    let at = find_column(name, &headers, Some(column), &[], "group")?;
    let mut cells = BTreeMap::new();
    each_row(&Lines::new(bytes), &mut reader, |line, _, record| {
        if let Some(cell) = record.ok().and_then(|r| r.get(at)) {
            cells.insert(line, String::from_utf8_lossy(cell).trim().to_string());
        }
    });
    Ok(cells)
}

/// Rows over several lines, each with a warning when a line inside it (its last aside) ends
/// the way a row does: the delimiter and a label of the file (any short word when the file
/// has no valid row to take labels from). That is what a quote that never closes does: it
/// swallows the rows after it into one text.
fn judge_multiline(
    lines: &Lines,
    spans: &[(usize, usize)],
    delimiter: u8,
    examples: &[TextExample],
) -> Vec<MultiLine> {
    let labels: BTreeSet<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let ends_like_a_row = |text: &str| {
        let Some((_, tail)) = text.rsplit_once(delimiter as char) else {
            return false;
        };
        let tail = tail.trim().trim_matches('"');
        match labels.is_empty() {
            false => labels.contains(tail),
            true => !tail.is_empty() && tail.len() <= 20 && !tail.contains(' '),
        }
    };
    spans
        .iter()
        .map(|&(first, last)| {
            let inner: Vec<usize> = (first..last)
                .filter(|&l| ends_like_a_row(&lines.text(l)))
                .collect();
            let warning = (!inner.is_empty()).then(|| {
                let mut shown: Vec<String> = inner.iter().take(5).map(|l| l.to_string()).collect();
                if inner.len() > 5 {
                    shown.push("...".into());
                }
                let (s, verb) = if inner.len() == 1 { ("", "ends") } else { ("s", "end") };
                format!(
                    "read as one row of {} lines, but line{s} {} inside it {verb} like a row (a delimiter and a label): is a closing quote missing on line {first}?",
                    last - first + 1,
                    shown.join(", "),
                )
            });
            MultiLine {
                first,
                last,
                warning,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::formats::{ParseOptions, parse as parse_any};
    use crate::data::parsed::lines;
    use crate::data::testing::{classify, texts};

    #[test]
    fn csv_with_bom_crlf_quotes_and_embedded_newlines() {
        let p = classify(
            "a.csv",
            "\u{feff}id,Review,Sentiment\r\n1,\"Good, \"\"really\"\"\r\ngood\",pos\r\n2,bad,neg\r\n",
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(
            texts(&p),
            vec![
                ("Good, \"really\"\r\ngood".into(), "pos".into(), 2),
                ("bad".into(), "neg".into(), 4)
            ]
        );
    }

    #[test]
    fn csv_problems_name_their_lines() {
        let p = classify("a.csv", "text,label\nok,1\nmissing label\n,0\nfine,0\n");
        let lines: Vec<usize> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert_eq!(texts(&p).len(), 2);
    }

    #[test]
    fn unknown_columns_are_a_file_error_naming_them() {
        // The engine names no shell's remedy (a flag, a picker): each shell adds its own.
        let err = parse_any("a.csv", b"foo,bar\n1,2\n", &ParseOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("foo, bar") && !msg.contains("--"), "{msg}");
        assert!(
            matches!(&err, DataError::NoColumn { which: "text", found, .. } if found == &["foo", "bar"]),
            "{err:?}"
        );
    }

    #[test]
    fn columns_can_be_named() {
        let opts = ParseOptions {
            text_column: Some("body".into()),
            label_column: Some("y".into()),
            ..Default::default()
        };
        let p = parse_any("a.tsv", b"y\tbody\n1\thello\n", &opts).unwrap();
        assert_eq!(texts(&p), vec![("hello".into(), "1".into(), 2)]);
    }

    #[test]
    fn accept_lists_at_most_twenty_problems() {
        let mut s = String::from("text,label\n");
        for _ in 0..30 {
            s.push_str(",x\n");
        }
        s.push_str("ok,y\n");
        let err = classify("a.csv", &s).accept(false).unwrap_err();
        match &err {
            DataError::Invalid {
                problems, count, ..
            } => assert_eq!((problems.len(), *count), (20, 30)),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("and 10 more"));
        assert_eq!(
            classify("a.csv", &s).accept(true).unwrap().examples.len(),
            1
        );
    }

    /// Lines that are neither an example's first line, a problem, inside a multi-line row, the
    /// header nor blank: each one would be data lost without a word.
    fn unaccounted(bytes: &[u8], p: &Parsed) -> Vec<usize> {
        let mut seen = std::collections::BTreeSet::from([1]);
        if let Examples::Classify(v) = &p.examples {
            seen.extend(v.iter().map(|e| e.line));
        }
        seen.extend(p.problems.iter().map(|p| p.line));
        for m in &p.multiline {
            seen.extend(m.first..=m.last);
        }
        lines(bytes)
            .filter(|(n, l)| !seen.contains(n) && !l.as_ref().is_ok_and(|l| l.trim().is_empty()))
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn a_row_with_more_fields_than_the_header_is_a_problem() {
        let bytes = "text,label\ngood, really good,pos\nbad,neg\nfine,pos\n";
        let p = classify("a.csv", bytes);
        assert_eq!(texts(&p).len(), 2);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 2);
        assert!(
            p.problems[0]
                .message
                .contains("has 3 fields but the header has 2"),
            "{:?}",
            p.problems
        );
        assert_eq!(p.counts(), "3 rows read: 2 kept, 1 skipped");
        assert!(unaccounted(bytes.as_bytes(), &p).is_empty());
    }

    #[test]
    fn a_quote_that_never_closes_is_named_with_the_lines_it_swallows() {
        let bytes = "text,label\nfine,pos\nbad,neg\n\"good film,pos\nbad film,neg\nok,pos\n";
        let p = classify("a.csv", bytes);
        assert_eq!(texts(&p).len(), 2);
        assert_eq!(p.problems.len(), 1);
        let m = &p.problems[0];
        assert_eq!(m.line, 4);
        assert!(m.message.contains("runs on to line 6"), "{}", m.message);
        assert_eq!(p.multiline.len(), 1);
        let span = &p.multiline[0];
        assert_eq!((span.first, span.last), (4, 6));
        let warning = span.warning.as_deref().expect("a warning");
        assert!(
            warning.contains("lines 4, 5 inside it end like a row"),
            "{warning}"
        );
        assert!(unaccounted(bytes.as_bytes(), &p).is_empty());
    }

    #[test]
    fn a_swallowed_row_with_a_label_is_a_warning_on_a_kept_example() {
        // The quote closes a line later, so the row parses: text and label are both there,
        // but line 2 inside it ends like a row of its own.
        let bytes = "text,label\n\"good film,pos\nbad film\",neg\nok,pos\n";
        let p = classify("a.csv", bytes);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(
            texts(&p)[0],
            ("good film,pos\nbad film".into(), "neg".into(), 2)
        );
        assert_eq!(p.multiline.len(), 1);
        assert_eq!((p.multiline[0].first, p.multiline[0].last), (2, 3));
        assert!(p.multiline_notes()[0].starts_with("lines 2-3: read as one row of 2 lines"));
    }

    #[test]
    fn a_real_multi_line_text_is_reported_without_a_warning() {
        let bytes =
            "text,label\r\n\"first line\r\nsecond line\r\n\",pos\r\nbad,neg\r\n\r\nok,pos\r\n";
        let p = classify("a.csv", bytes);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.multiline.len(), 1, "{:?} {:?}", p.multiline, p.examples);
        assert_eq!((p.multiline[0].first, p.multiline[0].last), (2, 4));
        assert_eq!(p.multiline[0].warning, None);
        assert_eq!(
            p.multiline_notes(),
            vec!["lines 2-4 are one row: a quoted field holds line breaks"]
        );
        assert_eq!(p.counts(), "3 rows read: 3 kept, 0 skipped");
        assert!(unaccounted(bytes.as_bytes(), &p).is_empty());
    }

    #[test]
    fn every_line_of_the_malformed_corpus_is_accounted_for() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad_data");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).expect("the corpus") {
            let path = entry.expect("a file").path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name == "expected.json" {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if let Ok(p) = parse_any(&name, &bytes, &ParseOptions::default())
                && matches!(p.examples, Examples::Classify(_))
            {
                assert_eq!(unaccounted(&bytes, &p), Vec::<usize>::new(), "{name}");
                checked += 1;
            }
        }
        assert!(checked >= 15, "{checked}");
    }
}
