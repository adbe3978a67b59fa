//! The counterfactual test of an entity tagger (CheckList's invariance test for NER): each
//! sentence's listed words swapped word for word (`shared::counterfactual`'s lists: a first
//! name for a name of the other gender, he for she…), both forms tagged, and every swapped
//! word's entity type compared — a swapped name must still be a person. Engine-free: the
//! command line and the worker tag the sentences (`infer::counterfactual`) and build the
//! report here; [`CounterfactualAnswer`] is either test's result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::counterfactual::{CounterfactualReport, SwapKind, Swaps, swap_each};

/// A counterfactual test's result: how a classifier's labels moved, or whether an entity
/// tagger kept each swapped word's entity type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum CounterfactualAnswer {
    /// A text classifier's.
    Labels(CounterfactualReport),
    /// An entity tagger's.
    Types(TagSwapReport),
}

/// One sentence swapped word for word.
#[derive(Debug, Clone, PartialEq)]
pub struct SwappedWords {
    /// The words with the listed ones swapped.
    pub words: Vec<String>,
    /// Words changed.
    pub changed: usize,
    /// Listed words left alone because their swap would not read back the same.
    pub ambiguous: usize,
}

/// `words` swapped by each list in turn as one text (so a pronoun reads the word after it),
/// word for word; `None` when the swap would change the number of words (a listed word with a
/// space in it), which never happens with the built-in lists. Counterfactual augmentation of
/// a tagger's sentences swaps them this way too.
pub fn swap_words(lists: &[Swaps], words: &[String]) -> Option<SwappedWords> {
    let s = swap_each(lists, &words.join(" "));
    let swapped: Vec<String> = s.text.split(' ').map(String::from).collect();
    (swapped.len() == words.len()).then_some(SwappedWords {
        words: swapped,
        changed: s.changed,
        ambiguous: s.ambiguous,
    })
}

/// The entity type of a tag: `B-PER`, `I-PER`, `S-PER`… are `PER`; `O` (outside) is `O`.
pub fn entity_type(tag: &str) -> &str {
    match tag.split_once('-') {
        Some((prefix, kind)) if prefix.len() == 1 && !kind.is_empty() => kind,
        _ => tag,
    }
}

/// One swapped word and the entity type predicted for it before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordSwap {
    /// Its position in the sentence (0-based).
    pub position: usize,
    /// The word as given.
    pub word: String,
    /// What it was swapped for.
    pub swapped: String,
    /// The entity type predicted for the word (`O`: none).
    pub type_before: String,
    /// The entity type predicted for its swap.
    pub type_after: String,
}

/// One sentence, its swapped form, and what happened to each swapped word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggedPair {
    /// The sentence as given (its words joined by spaces).
    pub original: String,
    /// With its listed words swapped.
    pub swapped: String,
    /// Each swapped word.
    pub words: Vec<WordSwap>,
    /// Swapped words whose entity type changed.
    pub flips: usize,
}

impl TaggedPair {
    /// The swapped words whose type changed, each as "word TYPE → swap TYPE".
    pub fn retyped(&self) -> Vec<String> {
        (self.words.iter())
            .filter(|w| w.type_before != w.type_after)
            .map(|w| {
                format!(
                    "{} {} → {} {}",
                    w.word, w.type_before, w.swapped, w.type_after
                )
            })
            .collect()
    }
}

/// Swapped words of one entity type (as predicted before the swap), and how many kept it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TypeFlips {
    /// Swapped words predicted as this type before the swap.
    pub words: usize,
    /// Of them, the ones predicted as another type after.
    pub flips: usize,
}

/// What swapping did to an entity tagger's predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagSwapReport {
    /// The swap list used.
    pub swap: SwapKind,
    /// Sentences given (those without a swappable word are counted, not scored).
    pub examples: usize,
    /// Sentences the swap changed (the ones scored).
    pub changed: usize,
    /// Words swapped in them.
    pub swapped_words: usize,
    /// Swapped words whose predicted entity type changed.
    pub flips: usize,
    /// `flips / swapped_words` (0 when nothing changed).
    pub flip_rate: f64,
    /// Sentences with at least one flip.
    pub sentences_flipped: usize,
    /// Swapped words by the entity type predicted before the swap.
    pub by_type: BTreeMap<String, TypeFlips>,
    /// Listed words left alone because their swap would not read back the same.
    pub ambiguous: usize,
    /// Every changed sentence, those with the most flips first.
    pub pairs: Vec<TaggedPair>,
}

/// The report from the sentences, their swaps (`None`: nothing swapped), and the tags
/// predicted for the changed ones (`before[i]`, `after[i]` for the i-th changed sentence).
pub fn tag_swap_report(
    swap: SwapKind,
    sentences: &[Vec<String>],
    swapped: &[Option<SwappedWords>],
    before: &[Vec<String>],
    after: &[Vec<String>],
) -> TagSwapReport {
    let changed: Vec<(&Vec<String>, &SwappedWords)> = sentences
        .iter()
        .zip(swapped)
        .filter_map(|(w, s)| Some((w, s.as_ref().filter(|s| s.changed > 0)?)))
        .collect();
    let mut by_type: BTreeMap<String, TypeFlips> = BTreeMap::new();
    let mut pairs: Vec<TaggedPair> = changed
        .iter()
        .zip(before.iter().zip(after))
        .map(|((words, s), (b, a))| {
            let swaps: Vec<WordSwap> = (0..words.len())
                .filter(|&i| words[i] != s.words[i])
                .map(|i| WordSwap {
                    position: i,
                    word: words[i].clone(),
                    swapped: s.words[i].clone(),
                    type_before: entity_type(&b[i]).to_string(),
                    type_after: entity_type(&a[i]).to_string(),
                })
                .collect();
            for w in &swaps {
                let t = by_type.entry(w.type_before.clone()).or_default();
                t.words += 1;
                t.flips += usize::from(w.type_before != w.type_after);
            }
            let flips = swaps
                .iter()
                .filter(|w| w.type_before != w.type_after)
                .count();
            TaggedPair {
                original: words.join(" "),
                swapped: s.words.join(" "),
                words: swaps,
                flips,
            }
        })
        .collect();
    pairs.sort_by_key(|p| std::cmp::Reverse(p.flips));
    let swapped_words: usize = pairs.iter().map(|p| p.words.len()).sum();
    let flips: usize = pairs.iter().map(|p| p.flips).sum();
    TagSwapReport {
        swap,
        examples: sentences.len(),
        changed: pairs.len(),
        swapped_words,
        flips,
        flip_rate: match swapped_words {
            0 => 0.0,
            n => flips as f64 / n as f64,
        },
        sentences_flipped: pairs.iter().filter(|p| p.flips > 0).count(),
        by_type,
        ambiguous: swapped.iter().flatten().map(|s| s.ambiguous).sum(),
        pairs,
    }
}

impl TagSwapReport {
    /// The result in one sentence.
    pub fn sentence(&self) -> String {
        if self.swapped_words == 0 {
            return format!(
                "none of the {} sentences has a word the list swaps",
                self.examples
            );
        }
        let people = self.by_type.iter().filter(|(t, _)| t.as_str() != "O");
        let kept: Vec<String> = people
            .map(|(t, f)| format!("{} of {} tagged {t}", f.words - f.flips, f.words))
            .collect();
        format!(
            "the entity type of a swapped word changes for {} of {} swapped words ({:.1}%), in {} of {} sentences{}",
            self.flips,
            self.swapped_words,
            100.0 * self.flip_rate,
            self.sentences_flipped,
            self.changed,
            match kept.is_empty() {
                true => String::new(),
                false => format!("; kept their type: {}", kept.join(", ")),
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn types_drop_their_prefix() {
        assert_eq!(entity_type("B-PER"), "PER");
        assert_eq!(entity_type("I-creative-work"), "creative-work");
        assert_eq!(entity_type("O"), "O");
        assert_eq!(entity_type("PER"), "PER");
    }

    #[test]
    fn the_report_counts_each_swapped_word_by_its_type() {
        let names = Swaps::names("Mary\nAnna\n", "Peter\nOmar\n");
        let sentences = vec![
            words("Mary met Omar in Paris"),
            words("nobody came"),
            words("Anna left"),
        ];
        let swapped: Vec<Option<SwappedWords>> = sentences
            .iter()
            .map(|w| swap_words(std::slice::from_ref(&names), w))
            .collect();
        assert_eq!(swapped[0].as_ref().unwrap().changed, 2);
        assert_eq!(swapped[1].as_ref().unwrap().changed, 0);
        let before = vec![words("B-PER O B-PER O B-LOC"), words("B-PER O")];
        let after = vec![words("B-PER O B-LOC O B-LOC"), words("B-PER O")];
        let r = tag_swap_report(SwapKind::Names, &sentences, &swapped, &before, &after);
        assert_eq!((r.examples, r.changed, r.swapped_words), (3, 2, 3));
        assert_eq!((r.flips, r.sentences_flipped), (1, 1));
        assert!((r.flip_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.by_type["PER"], TypeFlips { words: 3, flips: 1 });
        assert_eq!(r.pairs[0].flips, 1, "the sentence with a flip first");
        let flipped = &r.pairs[0].words[1];
        assert_eq!(
            (
                flipped.position,
                flipped.type_before.as_str(),
                flipped.type_after.as_str()
            ),
            (2, "PER", "LOC")
        );
        assert_eq!(flipped.word, "Omar");
        assert_eq!(
            r.pairs[0].retyped(),
            vec!["Omar PER → Anna LOC".to_string()]
        );
        assert!(
            r.sentence().contains("1 of 3 swapped words (33.3%)"),
            "{}",
            r.sentence()
        );
        assert!(
            r.sentence().contains("2 of 3 tagged PER"),
            "{}",
            r.sentence()
        );
    }
}
