//! NER files: CoNLL/IOB columns and JSONL `{"tokens": [...], "tags": [...]}`.
//!
//! CoNLL: one `token ... tag` per line (tab or spaces, the tag in the last column), sentences
//! separated by blank *or whitespace-only* lines (WNUT-16 uses a line holding a single tab),
//! `-DOCSTART-` lines skipped. Tags in IOB1, IOB2 (BIO) or BIOES are all normalised to IOB2.
//! A sentence with a malformed line is left out whole, its problem named by line.

use serde_json::Value;

use super::parsed::{Examples, Parsed, Problem, TokenExample, lines, record_lines};

/// Checks a tag's shape: `O`, or a prefix `B-`, `I-`, `E-`, `S-` and a type.
fn check_tag(tag: &str) -> Result<(), String> {
    if tag == "O" {
        return Ok(());
    }
    match tag.split_once('-') {
        Some((p, t)) if matches!(p, "B" | "I" | "E" | "S") && !t.is_empty() => Ok(()),
        _ => Err(format!(
            "tag \"{tag}\" is not O or B-/I-/E-/S- followed by a type"
        )),
    }
}

/// The scheme a set of raw tag sequences is written in, for the notes.
fn scheme(sentences: &[Vec<String>]) -> &'static str {
    let any = |p: &str| sentences.iter().flatten().any(|t| t.starts_with(p));
    if any("E-") || any("S-") {
        return "BIOES";
    }
    let opens_with_i = sentences.iter().any(|s| {
        s.iter().enumerate().any(|(i, t)| {
            t.starts_with("I-") && (i == 0 || s[i - 1] == "O" || s[i - 1][2..] != t[2..])
        })
    });
    if opens_with_i { "IOB1" } else { "IOB2" }
}

/// Rewrites a sentence's tags (already checked) in IOB2: an entity starts with `B-`.
pub fn to_iob2(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let Some((prefix, kind)) = tag.split_once('-') else {
            out.push("O".into());
            continue;
        };
        let continues = out
            .last()
            .and_then(|p| p.split_once('-'))
            .is_some_and(|(_, k)| k == kind);
        let prefix = match prefix {
            "B" | "S" => "B",
            _ if continues => "I", // I- or E- inside an entity of the same type
            _ => "B",              // I- or E- opening an entity (IOB1, or a stray tag)
        };
        out.push(format!("{prefix}-{kind}"));
    }
    out
}

fn finish(
    name: &str,
    sentences: Vec<(usize, Vec<String>, Vec<String>)>,
    problems: Vec<Problem>,
    rows: usize,
) -> Parsed {
    let raw: Vec<Vec<String>> = sentences.iter().map(|(_, _, t)| t.clone()).collect();
    let scheme = scheme(&raw);
    let examples = sentences
        .into_iter()
        .map(|(line, tokens, tags)| TokenExample {
            tags: to_iob2(&tags),
            tokens,
            line,
        })
        .collect();
    let mut notes = vec![format!("tags read as {scheme}")];
    if scheme != "IOB2" {
        notes.push(format!("tags converted from {scheme} to IOB2"));
    }
    Parsed {
        file: name.to_string(),
        examples: Examples::Ner(examples),
        problems,
        notes,
        rows,
        multiline: Vec::new(),
    }
}

/// Reads CoNLL/IOB columns.
pub fn parse_conll(name: &str, bytes: &[u8]) -> Parsed {
    let mut sentences = Vec::new();
    let mut problems = Vec::new();
    // The sentence being read: start line, tokens, tags, and whether a line of it was bad.
    let mut current: (usize, Vec<String>, Vec<String>, bool) = (0, vec![], vec![], false);
    let mut rows = 0;
    let mut flush = |current: &mut (usize, Vec<String>, Vec<String>, bool),
                     sentences: &mut Vec<_>| {
        let (line, tokens, tags, bad) = std::mem::take(current);
        rows += usize::from(!tokens.is_empty() || bad);
        if !tokens.is_empty() && !bad {
            sentences.push((line, tokens, tags));
        }
    };
    for (line, text) in lines(bytes) {
        let text = match text {
            Ok(t) => t,
            Err(p) => {
                problems.push(p);
                current.3 = true;
                continue;
            }
        };
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.is_empty() {
            flush(&mut current, &mut sentences);
            continue;
        }
        if fields[0] == "-DOCSTART-" {
            flush(&mut current, &mut sentences);
            continue;
        }
        if current.1.is_empty() && !current.3 {
            current.0 = line;
        }
        if fields.len() < 2 {
            problems.push(Problem {
                line,
                message: format!("expected a token and a tag, found only \"{}\"", fields[0]),
            });
            current.3 = true;
            continue;
        }
        let tag = fields[fields.len() - 1];
        if let Err(message) = check_tag(tag) {
            problems.push(Problem { line, message });
            current.3 = true;
            continue;
        }
        current.1.push(fields[0].to_string());
        current.2.push(tag.to_string());
    }
    flush(&mut current, &mut sentences);
    finish(name, sentences, problems, rows)
}

fn string_list(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Result<Vec<String>, String> {
    let (key, value) = keys
        .iter()
        .find_map(|k| obj.get_key_value(*k))
        .ok_or_else(|| format!("no {} field", keys.join(" or ")))?;
    let items = value
        .as_array()
        .ok_or_else(|| format!("\"{key}\" must be a list"))?;
    items
        .iter()
        .map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::String(_) => Err(format!("\"{key}\" holds an empty string")),
            other => Err(format!(
                "\"{key}\" must hold strings (tag names, not ids), found {other}"
            )),
        })
        .collect()
}

/// Reads JSONL with one `{"tokens": [...], "tags": [...]}` sentence per line.
pub fn parse_jsonl_ner(name: &str, bytes: &[u8]) -> Parsed {
    let mut sentences = Vec::new();
    // Undecodable lines are problems from the start; the rest follow, sorted by line at the end.
    let (records, mut problems) = record_lines(bytes);
    let rows = records.len() + problems.len();
    for (line, text) in records {
        let result = (|| {
            let obj = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(o)) => o,
                Ok(_) => return Err("expected a JSON object per line".to_string()),
                Err(e) => return Err(format!("invalid JSON: {e}")),
            };
            let tokens = string_list(&obj, &["tokens", "words"])?;
            let tags = string_list(&obj, &["tags", "ner_tags", "labels"])?;
            if tokens.len() != tags.len() {
                return Err(format!("{} tokens but {} tags", tokens.len(), tags.len()));
            }
            if tokens.is_empty() {
                return Err("no tokens".into());
            }
            tags.iter().try_for_each(|t| check_tag(t))?;
            Ok((line, tokens, tags))
        })();
        match result {
            Ok(s) => sentences.push(s),
            Err(message) => problems.push(Problem { line, message }),
        }
    }
    problems.sort_by_key(|p| p.line);
    finish(name, sentences, problems, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(p: &Parsed) -> Vec<Vec<String>> {
        match &p.examples {
            Examples::Ner(v) => v.iter().map(|e| e.tags.clone()).collect(),
            _ => panic!(),
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn whitespace_only_lines_separate_sentences_and_docstart_is_skipped() {
        let p = parse_conll(
            "w.txt",
            b"-DOCSTART- -X- O O\n\n@user\tO\nParis\tB-geo-loc\n\t\nhi\tO\n",
        );
        assert!(p.problems.is_empty());
        assert_eq!(tags(&p), vec![s(&["O", "B-geo-loc"]), s(&["O"])]);
        match &p.examples {
            Examples::Ner(v) => assert_eq!((v[0].line, v[1].line), (3, 6)),
            _ => panic!(),
        }
    }

    #[test]
    fn iob1_and_bioes_become_iob2() {
        assert_eq!(
            to_iob2(&s(&["I-PER", "I-PER", "B-PER", "O", "I-LOC"])),
            s(&["B-PER", "I-PER", "B-PER", "O", "B-LOC"])
        );
        assert_eq!(
            to_iob2(&s(&["S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"])),
            s(&["B-PER", "B-LOC", "I-LOC", "I-LOC", "B-LOC"])
        );
        let p = parse_conll("x.conll", b"a X I-PER\nb X I-PER\n");
        assert!(p.notes.iter().any(|n| n.contains("IOB1")));
    }

    #[test]
    fn bad_lines_drop_their_sentence_and_are_named() {
        let p = parse_conll("x.conll", b"a O\nb\nc O\n\nd PER\n\ne B-X\n");
        let lines: Vec<usize> = p.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 5]);
        assert_eq!(tags(&p), vec![s(&["B-X"])]);
    }

    #[test]
    fn jsonl_checks_lengths_and_tag_types() {
        let p = parse_jsonl_ner(
            "x.jsonl",
            b"{\"tokens\":[\"a\",\"b\"],\"tags\":[\"O\",\"B-X\"]}\n{\"tokens\":[\"a\"],\"tags\":[]}\n{\"tokens\":[\"a\"],\"tags\":[3]}\n",
        );
        assert_eq!(tags(&p), vec![s(&["O", "B-X"])]);
        assert_eq!(p.problems.len(), 2);
        assert!(p.problems[1].message.contains("tag names"));
    }
}
