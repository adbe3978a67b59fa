//! Word-level tags <-> entity spans, and splitting raw text into words for NER prediction.

use serde::Serialize;

/// An entity as a range of words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Entity type (the tag without its `B-`/`I-` prefix).
    pub kind: String,
    /// First word.
    pub start: usize,
    /// One past the last word.
    pub end: usize,
}

/// The entities in a tag sequence, read as conlleval and seqeval do: an entity starts at `B-X`,
/// or at `I-X` after anything but `B-X`/`I-X` (so an ill-formed prediction still counts), and
/// runs over following `I-X`.
pub fn spans(tags: &[String]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut open: Option<Span> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, kind) = tag.split_once('-').unwrap_or(("O", ""));
        let continues = prefix == "I" && open.as_ref().is_some_and(|s| s.kind == kind);
        if continues {
            if let Some(s) = open.as_mut() {
                s.end = i + 1;
            }
            continue;
        }
        out.extend(open.take());
        if prefix != "O" {
            open = Some(Span {
                kind: kind.to_string(),
                start: i,
                end: i + 1,
            });
        }
    }
    out.extend(open);
    out
}

/// A word of a raw text, with its character span.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The word.
    pub text: String,
    /// Index of its first character (Unicode scalar values, as Python counts).
    pub start: usize,
    /// One past its last character.
    pub end: usize,
}

const OPENING: &[char] = &['(', '[', '{', '"', '\'', '«', '“', '‘'];
const CLOSING: &[char] = &[
    '.', ',', '!', '?', ';', ':', ')', ']', '}', '"', '\'', '»', '”', '’', '…',
];

/// Splits on whitespace and peels opening and closing punctuation off into words of their own,
/// as CoNLL-style corpora tokenise ("Paris." -> "Paris", ".").
pub fn split_words(text: &str) -> Vec<Word> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let (mut a, mut b) = (start, i);
        let mut tail = Vec::new();
        while a < b && OPENING.contains(&chars[a]) && b - a > 1 {
            words.push(word(&chars, a, a + 1));
            a += 1;
        }
        while b > a + 1 && CLOSING.contains(&chars[b - 1]) {
            tail.push(word(&chars, b - 1, b));
            b -= 1;
        }
        words.push(word(&chars, a, b));
        words.extend(tail.into_iter().rev());
    }
    words
}

fn word(chars: &[char], start: usize, end: usize) -> Word {
    Word {
        text: chars[start..end].iter().collect(),
        start,
        end,
    }
}

/// A predicted entity in a text.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Entity {
    /// The entity's text, as in the input.
    pub text: String,
    /// Its type.
    pub label: String,
    /// Character offset of its start.
    pub start: usize,
    /// Character offset one past its end.
    pub end: usize,
    /// Mean probability of the predicted tag over its words.
    pub score: f32,
}

/// Entities of a text from one predicted tag and its probability per word.
pub fn entities(text: &str, words: &[Word], tags: &[String], scores: &[f32]) -> Vec<Entity> {
    let chars: Vec<char> = text.chars().collect();
    spans(tags)
        .into_iter()
        .map(|s| {
            let (start, end) = (words[s.start].start, words[s.end - 1].end);
            let score = scores[s.start..s.end].iter().sum::<f32>() / (s.end - s.start) as f32;
            Entity {
                text: chars[start..end].iter().collect(),
                label: s.kind,
                start,
                end,
                score,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn spans_follow_conlleval() {
        let tags = s(&["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-PER"]);
        let got: Vec<(String, usize, usize)> = spans(&tags)
            .into_iter()
            .map(|s| (s.kind, s.start, s.end))
            .collect();
        assert_eq!(
            got,
            vec![
                ("PER".into(), 0, 2),
                ("LOC".into(), 3, 5),
                ("LOC".into(), 5, 6),
                ("PER".into(), 6, 7)
            ]
        );
    }

    #[test]
    fn words_peel_punctuation_and_keep_char_offsets() {
        let w = split_words("Hi (Zoë) in Paris.");
        let t: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(t, vec!["Hi", "(", "Zoë", ")", "in", "Paris", "."]);
        assert_eq!((w[2].start, w[2].end), (4, 7));
        assert_eq!((w[5].start, w[5].end), (12, 17));
    }

    #[test]
    fn entities_carry_text_offsets_and_mean_score() {
        let text = "Zoë went to New York";
        let words = split_words(text);
        let tags = s(&["B-PER", "O", "O", "B-LOC", "I-LOC"]);
        let e = entities(text, &words, &tags, &[0.9, 0.1, 0.1, 0.8, 0.6]);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[1].text.as_str(), e[1].start, e[1].end),
            ("New York", 12, 20)
        );
        assert!((e[1].score - 0.7).abs() < 1e-6);
    }
}
