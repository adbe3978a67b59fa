//! Label-preserving augmentation of tagged sentences (entity recognition), as Dai & Adel
//! (2020) compare them: every change keeps each word's tag meaningful, so the spans stay
//! aligned with the words by construction.
//!
//! - [`replace_tokens`] (their "label-wise token replacement"): each word, with probability
//!   `rate`, is replaced by a word that carries the same tag somewhere in the training set;
//!   the tags do not change at all.
//! - [`replace_mentions`] (their "mention replacement"): each entity mention, with probability
//!   `rate`, is replaced by a mention of the same type from the training set (of any length);
//!   its tags are written anew, `B-TYPE` then `I-TYPE`, so the sentence has the same entity
//!   types in the same order.
//!
//! Engine-free, so the Train panel previews them with the code training uses
//! (`data/augment.rs` encodes the copies).

use std::collections::BTreeMap;

use super::rng::Rng;

/// What the training set offers as replacements: the words of each tag and the mentions of
/// each entity type, in the order first seen, without repeats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lexicon {
    /// Words by tag (`O` and `B-`/`I-` tags alike).
    pub words: BTreeMap<String, Vec<String>>,
    /// Mentions (their words) by entity type (`PER`, `LOC`, ...).
    pub mentions: BTreeMap<String, Vec<Vec<String>>>,
}

impl Lexicon {
    /// The lexicon of tagged sentences (words, IOB2 tags).
    pub fn of<'a>(sentences: impl IntoIterator<Item = (&'a [String], &'a [String])>) -> Self {
        let mut lexicon = Lexicon::default();
        for (words, tags) in sentences {
            for (w, t) in words.iter().zip(tags) {
                let list = lexicon.words.entry(t.clone()).or_default();
                if !list.contains(w) {
                    list.push(w.clone());
                }
            }
            for (kind, range) in mentions(tags) {
                let list = lexicon.mentions.entry(kind.to_string()).or_default();
                let mention = words[range].to_vec();
                if !list.contains(&mention) {
                    list.push(mention);
                }
            }
        }
        lexicon
    }
}

/// The mentions of IOB2 `tags`: each entity's type and word range (a stray `I-` starts one).
pub fn mentions(tags: &[String]) -> Vec<(&str, std::ops::Range<usize>)> {
    let mut out: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, kind) = match tag.split_once('-') {
            Some((p, k)) if p == "B" || p == "I" => (p, k),
            _ => continue,
        };
        match out.last_mut() {
            Some((k, r)) if prefix == "I" && *k == kind && r.end == i => r.end = i + 1,
            _ => out.push((kind, i..i + 1)),
        }
    }
    out
}

/// `words` with each one, with probability `rate`, replaced by another word of its tag from
/// `lexicon` (kept when its tag has no other); the tags are unchanged.
pub fn replace_tokens(
    words: &[String],
    tags: &[String],
    lexicon: &Lexicon,
    rate: f64,
    rng: &mut Rng,
) -> Vec<String> {
    words
        .iter()
        .zip(tags)
        .map(|(w, t)| {
            let options = lexicon.words.get(t).map(Vec::as_slice).unwrap_or_default();
            if options.len() > 1 && chance(rng, rate) {
                options[rng.below(options.len())].clone()
            } else {
                w.clone()
            }
        })
        .collect()
}

/// `words` and `tags` with each mention, with probability `rate`, replaced by a mention of
/// the same type from `lexicon`, tagged `B-TYPE I-TYPE ...`.
pub fn replace_mentions(
    words: &[String],
    tags: &[String],
    lexicon: &Lexicon,
    rate: f64,
    rng: &mut Rng,
) -> (Vec<String>, Vec<String>) {
    let (mut out_words, mut out_tags) = (Vec::new(), Vec::new());
    let mut at = 0;
    for (kind, range) in mentions(tags) {
        out_words.extend_from_slice(&words[at..range.start]);
        out_tags.extend_from_slice(&tags[at..range.start]);
        let options = lexicon
            .mentions
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mention = if options.len() > 1 && chance(rng, rate) {
            options[rng.below(options.len())].clone()
        } else {
            words[range.clone()].to_vec()
        };
        for (i, w) in mention.into_iter().enumerate() {
            out_words.push(w);
            out_tags.push(format!("{}-{kind}", if i == 0 { "B" } else { "I" }));
        }
        at = range.end;
    }
    out_words.extend_from_slice(&words[at..]);
    out_tags.extend_from_slice(&tags[at..]);
    (out_words, out_tags)
}

/// True with probability `p`.
fn chance(rng: &mut Rng, p: f64) -> bool {
    ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn corpus() -> Vec<(Vec<String>, Vec<String>)> {
        [
            ("alice went to paris", "B-PER O O B-LOC"),
            (
                "bob smith lives in new york city",
                "B-PER I-PER O O B-LOC I-LOC I-LOC",
            ),
            ("carol met dave in rome today", "B-PER O B-PER O B-LOC O"),
            ("the bank of england rose", "O B-ORG I-ORG I-ORG O"),
        ]
        .iter()
        .map(|(w, t)| (strings(w), strings(t)))
        .collect()
    }

    fn lexicon() -> Lexicon {
        let c = corpus();
        Lexicon::of(c.iter().map(|(w, t)| (w.as_slice(), t.as_slice())))
    }

    #[test]
    fn mentions_are_read_off_iob2_tags() {
        let tags = strings("B-PER I-PER O B-LOC B-LOC I-LOC I-PER");
        let m = mentions(&tags);
        assert_eq!(
            m,
            vec![("PER", 0..2), ("LOC", 3..4), ("LOC", 4..6), ("PER", 6..7)]
        );
        let lex = lexicon();
        assert_eq!(lex.mentions["LOC"].len(), 3);
        assert_eq!(lex.mentions["LOC"][1], strings("new york city"));
        assert_eq!(lex.words["B-PER"], strings("alice bob carol dave"));
    }

    /// Property: over many seeds and rates, a token replacement keeps every tag, puts a word
    /// of the same tag in each place, and changes something at rate 1.
    #[test]
    fn token_replacement_keeps_every_tag() {
        let lex = lexicon();
        let mut changed = 0;
        for seed in 0..200 {
            for (words, tags) in corpus() {
                let mut rng = Rng::new(seed);
                let rate = (seed % 5) as f64 / 4.0;
                let out = replace_tokens(&words, &tags, &lex, rate, &mut rng);
                assert_eq!(out.len(), words.len());
                for ((w, t), o) in words.iter().zip(&tags).zip(&out) {
                    assert!(lex.words[t].contains(o), "{o} is not a {t} word");
                    changed += usize::from(w != o);
                }
                if rate == 0.0 {
                    assert_eq!(out, words);
                }
            }
        }
        assert!(changed > 100, "{changed}");
    }

    /// Property: a mention replacement keeps one tag per word, valid IOB2, the same entity
    /// types in the same order, every new mention one of the training set's of its type, and
    /// the words outside mentions as they were.
    #[test]
    fn mention_replacement_keeps_the_spans_aligned() {
        let lex = lexicon();
        let mut lengths_changed = 0;
        for seed in 0..200 {
            for (words, tags) in corpus() {
                let mut rng = Rng::new(seed);
                let (w2, t2) = replace_mentions(&words, &tags, &lex, 0.7, &mut rng);
                assert_eq!(w2.len(), t2.len());
                lengths_changed += usize::from(w2.len() != words.len());
                let before: Vec<&str> = mentions(&tags).iter().map(|m| m.0).collect();
                let after = mentions(&t2);
                assert_eq!(before, after.iter().map(|m| m.0).collect::<Vec<_>>());
                for (kind, range) in &after {
                    assert!(t2[range.start].starts_with("B-"), "{t2:?}");
                    assert!(lex.mentions[*kind].contains(&w2[range.clone()].to_vec()));
                }
                let outside = |w: &[String], t: &[String]| -> Vec<String> {
                    w.iter()
                        .zip(t)
                        .filter(|(_, t)| *t == "O")
                        .map(|(w, _)| w.clone())
                        .collect()
                };
                assert_eq!(outside(&words, &tags), outside(&w2, &t2));
            }
        }
        assert!(
            lengths_changed > 50,
            "mentions of other lengths: {lengths_changed}"
        );
    }
}
