//! EDA, "easy data augmentation" (Wei & Zou 2019): each augmented copy of a text gets one of
//! four edits — synonym replacement, random insertion (of a synonym of one of its words),
//! random swap, random deletion — touching a share `alpha` of its words. Engine-free, so the
//! Train panel previews with the code training uses (`data/augment.rs`).
//!
//! The synonyms are not WordNet's (which a tab does not have): they are the loaded model's own
//! nearest whole-word tokens by cosine in its input embedding table ([`Synonyms`], computed by
//! `forward::synonyms`), which is what the Look-inside panel shows. Such neighbours can be
//! antonyms ("good" sits near "bad"), so synonym replacement can flip a sentiment label: the
//! Worth panel measures whether it helps, rather than assume so.
//!
//! Words are the runs of letters and digits a text's whitespace-separated pieces hold; the
//! punctuation around them stays where it was (a swap exchanges two words, not their commas),
//! and an edited text is its pieces joined by single spaces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::augment::words_of;
use super::rng::Rng;

/// Words EDA never replaces or looks up synonyms for (the EDA paper's stop words: articles,
/// pronouns, auxiliaries, prepositions, conjunctions).
pub const STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
    "",
];

/// Whether `word` (any case) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word.to_lowercase().as_str())
}

/// Each word's synonyms, closest first, keyed by the lower-cased word.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Synonyms {
    /// Lower-cased word -> its replacements (lower-cased, closest first).
    pub words: BTreeMap<String, Vec<String>>,
}

impl Synonyms {
    /// Most distinct words a run looks up (the most frequent first).
    pub const MAX_WORDS: usize = 5_000;
    /// Synonyms kept per word.
    pub const PER_WORD: usize = 5;
    /// The least cosine similarity of a synonym (the same floor as the word attack's).
    pub const FLOOR: f32 = 0.5;

    /// `word`'s synonyms (any case), none when it has none.
    pub fn of(&self, word: &str) -> &[String] {
        self.words
            .get(&word.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The distinct words of `texts` worth a synonym, most frequent first (ties by the word),
    /// at most `max`: letters only, two or more of them, not a stop word; lower-cased.
    pub fn wanted<'a>(texts: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<String> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for text in texts {
            for w in words_of(text) {
                let word = text[w.start..w.end].to_lowercase();
                if word.chars().count() > 1
                    && word.chars().all(char::is_alphabetic)
                    && !is_stop_word(&word)
                {
                    *counts.entry(word).or_default() += 1;
                }
            }
        }
        let mut words: Vec<(String, usize)> = counts.into_iter().collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        words.into_iter().take(max).map(|(w, _)| w).collect()
    }
}

/// One of EDA's four edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdaOp {
    /// `n` words (not stop words) replaced by one of their synonyms.
    Replace,
    /// A synonym of a random word inserted at a random place, `n` times.
    Insert,
    /// Two random words swapped, `n` times.
    Swap,
    /// Each word deleted with probability `alpha` (one word always kept).
    Delete,
}

impl EdaOp {
    /// The four, in the paper's order.
    pub const ALL: [EdaOp; 4] = [EdaOp::Replace, EdaOp::Insert, EdaOp::Swap, EdaOp::Delete];
}

/// A whitespace-separated piece of a text: the punctuation before its word, the word (from
/// its first letter or digit to its last; empty for bare punctuation), the punctuation after.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    before: String,
    word: String,
    after: String,
}

fn pieces(text: &str) -> Vec<Piece> {
    text.split_whitespace()
        .map(|p| {
            let w = words_of(p);
            match (w.first(), w.last()) {
                (Some(first), Some(last)) => Piece {
                    before: p[..first.start].to_string(),
                    word: p[first.start..last.end].to_string(),
                    after: p[last.end..].to_string(),
                },
                _ => Piece {
                    before: p.to_string(),
                    word: String::new(),
                    after: String::new(),
                },
            }
        })
        .collect()
}

fn joined(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| format!("{}{}{}", p.before, p.word, p.after))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The word's case carried over to `replacement` (a lower-cased vocabulary's word).
pub fn with_case_of(word: &str, replacement: &str) -> String {
    if word.chars().all(|c| !c.is_lowercase()) && word.chars().count() > 1 {
        replacement.to_uppercase()
    } else if word.chars().next().is_some_and(char::is_uppercase) {
        let mut c = replacement.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    } else {
        replacement.to_string()
    }
}

fn chance(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `text` with one EDA edit `op` touching a share `alpha` of its words (at least one word for
/// replacement, insertion and swap), drawn from `rng`. A text with no word (or, for
/// replacement and insertion, no word with a synonym) comes back as its pieces.
pub fn eda_edit(text: &str, op: EdaOp, alpha: f64, synonyms: &Synonyms, rng: &mut Rng) -> String {
    let mut ps = pieces(text);
    let words: Vec<usize> = (0..ps.len()).filter(|&i| !ps[i].word.is_empty()).collect();
    if words.is_empty() {
        return joined(&ps);
    }
    let n = ((alpha * words.len() as f64).round() as usize).max(1);
    let with_synonyms: Vec<usize> = words
        .iter()
        .copied()
        .filter(|&i| !is_stop_word(&ps[i].word) && !synonyms.of(&ps[i].word).is_empty())
        .collect();
    match op {
        EdaOp::Replace => {
            let mut order = with_synonyms;
            rng.shuffle(&mut order);
            for i in order.into_iter().take(n) {
                let options = synonyms.of(&ps[i].word);
                let pick = options[rng.below(options.len())].clone();
                ps[i].word = with_case_of(&ps[i].word, &pick);
            }
        }
        EdaOp::Insert if !with_synonyms.is_empty() => {
            // The words whose synonyms are inserted, taken before insertions move the pieces.
            let sources: Vec<String> = with_synonyms.iter().map(|&i| ps[i].word.clone()).collect();
            for _ in 0..n {
                let options = synonyms.of(&sources[rng.below(sources.len())]);
                let word = options[rng.below(options.len())].clone();
                let at = rng.below(ps.len() + 1);
                let piece = Piece {
                    before: String::new(),
                    word,
                    after: String::new(),
                };
                ps.insert(at, piece);
            }
        }
        EdaOp::Insert => {}
        EdaOp::Swap if words.len() > 1 => {
            for _ in 0..n {
                let a = rng.below(words.len());
                let b = (a + 1 + rng.below(words.len() - 1)) % words.len();
                let word_a = std::mem::take(&mut ps[words[a]].word);
                ps[words[a]].word = std::mem::replace(&mut ps[words[b]].word, word_a);
            }
        }
        EdaOp::Swap => {}
        EdaOp::Delete => {
            let keep_one = words[rng.below(words.len())];
            let gone: Vec<bool> = (0..ps.len())
                .map(|i| i != keep_one && !ps[i].word.is_empty() && chance(rng) < alpha)
                .collect();
            let mut i = 0;
            ps.retain(|_| {
                i += 1;
                !gone[i - 1]
            });
        }
    }
    joined(&ps)
}

/// One EDA copy of `text`: one of the four edits, drawn from `rng`, touching a share `alpha`.
pub fn eda(text: &str, alpha: f64, synonyms: &Synonyms, rng: &mut Rng) -> String {
    let op = EdaOp::ALL[rng.below(EdaOp::ALL.len())];
    eda_edit(text, op, alpha, synonyms, rng)
}

/// The EDA paper's settings for a training set of `examples`: (alpha, augmented copies per
/// example) — 16 copies at 0.05 up to 500 examples, 8 at 0.05 up to 2,000, 4 at 0.1 beyond.
pub fn paper_defaults(examples: usize) -> (f64, usize) {
    match examples {
        0..=500 => (0.05, 16),
        501..=2_000 => (0.05, 8),
        _ => (0.1, 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synonyms() -> Synonyms {
        let mut s = Synonyms::default();
        s.words
            .insert("film".into(), vec!["movie".into(), "picture".into()]);
        s.words.insert("funny".into(), vec!["hilarious".into()]);
        s
    }

    fn words(text: &str) -> Vec<String> {
        words_of(text)
            .iter()
            .map(|w| text[w.start..w.end].to_string())
            .collect()
    }

    const TEXT: &str = "The film was funny, warm and long.";

    #[test]
    fn replacement_uses_synonyms_and_keeps_case_and_punctuation() {
        let s = synonyms();
        for seed in 0..50 {
            let out = eda_edit("Film: funny!", EdaOp::Replace, 1.0, &s, &mut Rng::new(seed));
            let w = words(&out);
            assert!(["Movie", "Picture"].contains(&w[0].as_str()), "{out}");
            assert_eq!(w[1], "hilarious", "{out}");
            assert!(out.contains(':') && out.ends_with('!'), "{out}");
        }
        // alpha small: exactly one word replaced.
        let out = eda_edit(TEXT, EdaOp::Replace, 0.01, &s, &mut Rng::new(2));
        let changed = words(TEXT)
            .iter()
            .zip(words(&out))
            .filter(|(a, b)| *a != b)
            .count();
        assert_eq!(changed, 1, "{out}");
    }

    #[test]
    fn insertion_adds_synonyms_of_the_texts_words() {
        let s = synonyms();
        let out = eda_edit(TEXT, EdaOp::Insert, 0.3, &s, &mut Rng::new(4));
        let (before, after) = (words(TEXT), words(&out));
        // 7 words, alpha 0.3: round(2.1) = 2 insertions.
        assert_eq!(after.len(), before.len() + 2, "{out}");
        let added: Vec<&String> = after.iter().filter(|w| !before.contains(w)).collect();
        assert!(
            added
                .iter()
                .all(|w| ["movie", "picture", "hilarious"].contains(&w.as_str())),
            "{out}"
        );
        for seed in 0..200 {
            let out = eda_edit(TEXT, EdaOp::Insert, 0.5, &s, &mut Rng::new(seed));
            assert_eq!(words(&out).len(), 7 + 4, "{out}");
        }
        // No synonyms at all: unchanged.
        let plain = eda_edit(
            TEXT,
            EdaOp::Insert,
            0.3,
            &Synonyms::default(),
            &mut Rng::new(4),
        );
        assert_eq!(plain, TEXT);
    }

    #[test]
    fn swap_and_delete_keep_the_words_they_do_not_touch() {
        let s = Synonyms::default();
        let mut rng = Rng::new(9);
        for _ in 0..100 {
            let out = eda_edit(TEXT, EdaOp::Swap, 0.2, &s, &mut rng);
            let (mut a, mut b) = (words(TEXT), words(&out));
            a.sort();
            b.sort();
            assert_eq!(a, b, "a swap keeps the multiset of words: {out}");
            assert!(out.contains(", ") && out.ends_with('.'), "{out}");
            let out = eda_edit(TEXT, EdaOp::Delete, 0.5, &s, &mut rng);
            let kept = words(&out);
            assert!(!kept.is_empty() && kept.len() <= 7, "{out}");
            // What is kept is in order, a subsequence of the original.
            let mut original = words(TEXT).into_iter();
            assert!(kept.iter().all(|k| original.any(|o| &o == k)), "{out}");
        }
        // Deleting everything keeps one word.
        let one = eda_edit("good film", EdaOp::Delete, 1.0, &s, &mut Rng::new(1));
        assert_eq!(words(&one).len(), 1, "{one}");
    }

    #[test]
    fn copies_are_seeded_and_wanted_words_skip_stop_words() {
        let s = synonyms();
        let a: Vec<String> = (0..20)
            .map(|i| eda(TEXT, 0.1, &s, &mut Rng::new(i)))
            .collect();
        let b: Vec<String> = (0..20)
            .map(|i| eda(TEXT, 0.1, &s, &mut Rng::new(i)))
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().any(|t| t != TEXT));
        let wanted = Synonyms::wanted(["The film, the FILM and a funny film 2"], 10);
        assert_eq!(wanted, ["film", "funny"]);
        assert_eq!(Synonyms::wanted(["b a c"], 10), Vec::<String>::new());
        assert_eq!(paper_defaults(100), (0.05, 16));
        assert_eq!(paper_defaults(1_000), (0.05, 8));
        assert_eq!(paper_defaults(10_000), (0.1, 4));
    }
}
