//! Unlabelled text for pre-training: read from plain text, JSON lines or a CSV/TSV text
//! column; tokenized as one stream; split into a training part and a held-out tail; measured
//! (the reference lines a model must beat); and cut into blocks.
//!
//! Every line of a file is text, an empty line, or a listed problem (a JSON line that is not
//! an object with a text field, a CSV row without its text).

use std::collections::HashMap;

use super::parsed::Problem;
use super::tokenizer::{TextTokenizer, TokenizerError};
use crate::shared::{Objective, TEXT_COLUMNS};

/// The text of a corpus file and the lines that could not be read as text.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusText {
    /// The texts, in file order, joined by line breaks.
    pub text: String,
    /// Lines that hold no usable text, by line number.
    pub problems: Vec<Problem>,
    /// Where the text came from: the whole file, or which field or column.
    pub source: String,
}

/// Reads a corpus file by its name's extension: `.jsonl`/`.ndjson` (a `text` field, or a JSON
/// string per line), `.csv`/`.tsv` (a text column by header), anything else as plain UTF-8.
pub fn read_corpus(name: &str, bytes: &[u8]) -> Result<CorpusText, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| format!("{name}: not UTF-8 text ({e})"))?;
    let lower = name.to_ascii_lowercase();
    let corpus = if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        json_lines(text)
    } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
        column(
            name,
            text,
            if lower.ends_with(".tsv") { b'\t' } else { b',' },
        )?
    } else {
        CorpusText {
            text: text.replace("\r\n", "\n"),
            problems: Vec::new(),
            source: "the whole file".into(),
        }
    };
    if corpus.text.trim().is_empty() {
        return Err(format!("{name}: no text in the file"));
    }
    Ok(corpus)
}

fn json_lines(text: &str) -> CorpusText {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Result<serde_json::Value, _> = serde_json::from_str(line);
        let found = match &value {
            Ok(serde_json::Value::String(s)) => Some(s.as_str()),
            Ok(serde_json::Value::Object(o)) => TEXT_COLUMNS
                .iter()
                .find_map(|k| o.get(*k).and_then(|v| v.as_str())),
            _ => None,
        };
        match (found.map(str::to_string), &value) {
            (Some(s), _) => out.push(s),
            (None, Err(e)) => problems.push(Problem {
                line: i + 1,
                message: format!("not JSON ({e})"),
            }),
            (None, Ok(_)) => problems.push(Problem {
                line: i + 1,
                message: format!("no text field (looked for {})", TEXT_COLUMNS.join(", ")),
            }),
        }
    }
    CorpusText {
        text: out.join("\n"),
        problems,
        source: "the text field of each line".into(),
    }
}

fn column(name: &str, text: &str, delimiter: u8) -> Result<CorpusText, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{name}: unreadable header ({e})"))?
        .clone();
    let index = TEXT_COLUMNS
        .iter()
        .find_map(|c| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(c))
        })
        .ok_or_else(|| {
            format!(
                "{name}: no text column (looked for {}; the header has {})",
                TEXT_COLUMNS.join(", "),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => match r.get(index) {
                Some(t) if !t.trim().is_empty() => out.push(t.to_string()),
                _ => problems.push(Problem {
                    line: r.position().map_or(0, |p| p.line() as usize),
                    message: format!("no text in column \"{}\"", &headers[index]),
                }),
            },
            Err(e) => problems.push(Problem {
                line: e.position().map_or(0, |p| p.line() as usize),
                message: format!("unreadable row ({e})"),
            }),
        }
    }
    Ok(CorpusText {
        text: out.join("\n"),
        problems,
        source: format!("column \"{}\"", &headers[index]),
    })
}

/// A corpus as token ids: the training stream and the held-out tail.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Ids of the first part of the text.
    pub train: Vec<u32>,
    /// Ids of the held-out tail.
    pub heldout: Vec<u32>,
    /// Characters of text.
    pub chars: usize,
    /// Reference numbers for the whole stream.
    pub stats: CorpusStats,
}

/// What simple models score on the corpus: the lines a language model should cross.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CorpusStats {
    /// Tokens in the whole corpus.
    pub tokens: usize,
    /// Distinct tokens seen.
    pub distinct: usize,
    /// ln(vocabulary size): the loss of a uniform guess, in nats.
    pub uniform: f64,
    /// Entropy of the token frequencies (in sample), nats: the loss of a unigram table.
    pub unigram: f64,
    /// Entropy of a token given the one before (in sample), nats: a bigram table's loss.
    pub bigram: f64,
    /// The most frequent token.
    pub top_token: u32,
    /// Its share of all tokens: the accuracy of always guessing it.
    pub top_share: f64,
}

/// Texts longer than this are encoded in pieces cut at line breaks.
const PIECE_CHARS: usize = 8192;

/// Tokenizes `text` (without special tokens) and keeps the last `heldout_share` of the tokens
/// for evaluation.
pub fn tokenize_corpus(
    text: &str,
    tokenizer: &TextTokenizer,
    heldout_share: f64,
) -> Result<Corpus, TokenizerError> {
    let mut ids = Vec::new();
    for piece in pieces(text) {
        ids.extend(tokenizer.raw_ids(piece, false)?);
    }
    let stats = stats(&ids, tokenizer.vocab_size());
    let cut = ids.len() - ((ids.len() as f64 * heldout_share.clamp(0.0, 0.5)).round() as usize);
    let heldout = ids.split_off(cut);
    Ok(Corpus {
        train: ids,
        heldout,
        chars: text.chars().count(),
        stats,
    })
}

/// `text` in pieces of about [`PIECE_CHARS`], each ending after a line break.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + PIECE_CHARS).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end < text.len()
            && let Some(nl) = text[start..end].rfind('\n')
        {
            end = start + nl + 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

fn stats(ids: &[u32], vocab_size: usize) -> CorpusStats {
    let mut unigram: HashMap<u32, usize> = HashMap::new();
    let mut bigram: HashMap<(u32, u32), usize> = HashMap::new();
    for (i, &id) in ids.iter().enumerate() {
        *unigram.entry(id).or_default() += 1;
        if i > 0 {
            *bigram.entry((ids[i - 1], id)).or_default() += 1;
        }
    }
    let n = ids.len().max(1) as f64;
    let h1 = unigram
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum();
    // H(next | previous) = H(previous, next) - H(previous), over the pairs.
    let pairs = ids.len().saturating_sub(1).max(1) as f64;
    let mut first: HashMap<u32, usize> = HashMap::new();
    for (&(a, _), &c) in &bigram {
        *first.entry(a).or_default() += c;
    }
    let joint: f64 = bigram
        .values()
        .map(|&c| {
            let p = c as f64 / pairs;
            -p * p.ln()
        })
        .sum();
    let marginal: f64 = first
        .values()
        .map(|&c| {
            let p = c as f64 / pairs;
            -p * p.ln()
        })
        .sum();
    let (top_token, top) = unigram
        .iter()
        .max_by_key(|(id, c)| (**c, std::cmp::Reverse(**id)))
        .map_or((0, 0), |(id, c)| (*id, *c));
    CorpusStats {
        tokens: ids.len(),
        distinct: unigram.len(),
        uniform: (vocab_size.max(1) as f64).ln(),
        unigram: h1,
        bigram: joint - marginal,
        top_token,
        top_share: top as f64 / n,
    }
}

/// How a block of corpus tokens is framed as a model input.
#[derive(Debug, Clone, Copy)]
pub struct Framing {
    /// `[CLS]`, when the vocabulary has one: first in every input.
    pub cls: Option<u32>,
    /// `[SEP]`, when the vocabulary has one: last in a masked-LM input.
    pub sep: Option<u32>,
    /// Masked (`[CLS] block [SEP]`) or next-token (`[CLS] block`).
    pub objective: Objective,
}

impl Framing {
    /// The framing for a tokenizer's special tokens.
    pub fn new(tokenizer: &TextTokenizer, objective: Objective) -> Self {
        Self {
            cls: tokenizer
                .token_id("[CLS]")
                .or_else(|| tokenizer.token_id("<s>")),
            sep: tokenizer
                .token_id("[SEP]")
                .or_else(|| tokenizer.token_id("</s>")),
            objective,
        }
    }

    /// Corpus tokens per input of `seq_len` tokens.
    pub fn content(&self, seq_len: usize) -> usize {
        let specials = self.cls.is_some() as usize
            + (self.objective == Objective::Mlm && self.sep.is_some()) as usize;
        seq_len.saturating_sub(specials).max(1)
    }

    /// One model input from a block of corpus tokens.
    pub fn frame(&self, block: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(block.len() + 2);
        out.extend(self.cls);
        out.extend_from_slice(block);
        if self.objective == Objective::Mlm {
            out.extend(self.sep);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_a_jsonl_corpus_is_text_or_a_problem() {
        let c = read_corpus(
            "c.jsonl",
            b"{\"text\": \"one\"}\n\"two\"\n\n{\"label\": 1}\nnot json\n",
        )
        .unwrap();
        assert_eq!(c.text, "one\ntwo");
        let lines: Vec<usize> = c.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![4, 5]);
    }

    #[test]
    fn a_csv_corpus_reads_its_text_column() {
        let c = read_corpus(
            "c.csv",
            b"label,text\n1,hello there\n0,\n1,\"two\nlines\"\n",
        )
        .unwrap();
        assert_eq!(c.text, "hello there\ntwo\nlines");
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].line, 3);
        let err = read_corpus("c.csv", b"a,b\n1,2\n").unwrap_err();
        assert!(
            err.contains("no text column") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn pieces_cover_the_text_and_end_at_line_breaks() {
        let text = "abc\n".repeat(5000) + "é tail";
        let p = pieces(&text);
        assert!(p.len() > 1);
        assert_eq!(p.concat(), text);
        assert!(p[..p.len() - 1].iter().all(|s| s.ends_with('\n')));
    }

    #[test]
    fn reference_entropies_of_a_known_stream() {
        // a b a b ...: unigram ln 2, and the next token is certain given the previous.
        let ids: Vec<u32> = (0..1000).map(|i| i % 2).collect();
        let s = stats(&ids, 10);
        assert!((s.unigram - 2f64.ln()).abs() < 1e-9);
        assert!(s.bigram.abs() < 1e-9);
        assert!((s.uniform - 10f64.ln()).abs() < 1e-12);
        assert_eq!((s.top_token, s.top_share), (0, 0.5));
    }
}
