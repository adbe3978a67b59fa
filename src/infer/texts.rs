//! The texts of a file to predict: the text column of a CSV/TSV (found by the same names as
//! for training, else the first column), the text field of JSONL, or the lines of anything
//! else. Problems name the file and the line. `anneal predict`/`embed --input` and the
//! browser's file prediction both read with [`texts_of`], so a file means the same to each.

use serde_json::Value;

use crate::shared::TEXT_COLUMNS;

/// Reads the texts of `bytes`, a file called `name` (its extension picks the reader).
pub fn texts_of(name: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
    let content = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        format!("{name}: line {line}: not valid UTF-8 (save the file as UTF-8)")
    })?;
    let lower = name.to_lowercase();
    let texts: Vec<String> = if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        content
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let value = serde_json::from_str::<Value>(l).ok();
                TEXT_COLUMNS
                    .iter()
                    .find_map(|k| value.as_ref()?.get(*k)?.as_str().map(str::to_string))
                    .ok_or_else(|| {
                        format!(
                            "{name}: line {}: no text field (looked for {})",
                            i + 1,
                            TEXT_COLUMNS.join(", ")
                        )
                    })
            })
            .collect::<Result<_, _>>()?
    } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
        let delimiter = if lower.ends_with(".tsv") { b'\t' } else { b',' };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| format!("{name}: {e}"))?
            .clone();
        let lower: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
        let column = TEXT_COLUMNS
            .iter()
            .find_map(|k| lower.iter().position(|h| h == k))
            .unwrap_or(0);
        reader
            .records()
            .map(|r| {
                r.map(|r| r.get(column).unwrap_or("").to_string())
                    .map_err(|e| format!("{name}: {e}"))
            })
            .filter(|t| t.as_ref().map_or(true, |t| !t.trim().is_empty()))
            .collect::<Result<_, _>>()?
    } else {
        content
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    if texts.is_empty() {
        return Err(format!("{name}: no texts found"));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_column_by_the_training_names() {
        let t = texts_of(
            "a.csv",
            b"\xEF\xBB\xBFid,document\n1,\"hello, world\"\n2,bye\n",
        )
        .unwrap();
        assert_eq!(t, vec!["hello, world", "bye"]);
        let t = texts_of("a.tsv", b"x\ty\nfirst\tsecond\n").unwrap();
        assert_eq!(t, vec!["first"]);
    }

    #[test]
    fn jsonl_lines_and_plain_lines() {
        let t = texts_of(
            "a.jsonl",
            b"{\"sentence\": \"one\"}\n\n{\"text\": \"two\"}\n",
        )
        .unwrap();
        assert_eq!(t, vec!["one", "two"]);
        let err = texts_of("a.jsonl", b"{\"text\": \"one\"}\n{\"body\": 1}\n").unwrap_err();
        assert!(err.starts_with("a.jsonl: line 2: no text field"), "{err}");
        let t = texts_of("notes.txt", b"first\n\n  \nsecond\r\n").unwrap();
        assert_eq!(t, vec!["first", "second"]);
        assert_eq!(
            texts_of("empty.txt", b"\n\n").unwrap_err(),
            "empty.txt: no texts found"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_at_its_line() {
        let err = texts_of("a.txt", b"one\ntwo\nthr\xFFee\n").unwrap_err();
        assert_eq!(
            err,
            "a.txt: line 3: not valid UTF-8 (save the file as UTF-8)"
        );
    }
}
