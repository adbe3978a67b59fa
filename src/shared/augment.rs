//! Data augmentation's settings — which kind, how many augmented copies of each training
//! example an epoch adds, how much of a text each copy changes — and the edits themselves,
//! engine-free so that the Train panel previews them with the code training uses
//! (`data/augment.rs` makes an epoch's copies; the robustness test, `infer/attack.rs`, uses
//! the same character edits).
//!
//! Typos ([`AugmentKind::Typos`]): in each augmented copy a share of the words (at least one)
//! gets one character edit — two neighbours swapped, one deleted, a letter inserted, or a
//! keyboard neighbour in place of one — the noise a character attack uses, so that training on
//! it is the known cheap defence (Pruthi et al. 2019).
//!
//! EDA ([`AugmentKind::Eda`], `shared/eda.rs`): each copy gets one of synonym replacement,
//! insertion of a synonym, a swap of words or deletions, synonyms being the loaded model's
//! nearest whole-word tokens in its input embeddings.
//!
//! Entity recognition's augmentations keep every tag meaningful (`shared/mentions.rs`): words
//! replaced by words of the same tag ([`AugmentKind::Tokens`]), or whole mentions by mentions
//! of the same type ([`AugmentKind::Mentions`]).

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::task::Task;

/// Which augmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AugmentKind {
    /// Character noise: typos (swap, delete, insert, keyboard neighbour) in a share of the
    /// words — the cheap defence against typo attacks (`anneal attack --attack chars`).
    Typos,
    /// EDA (Wei & Zou 2019): one of synonym replacement, random insertion, random swap and
    /// random deletion per copy, `rate` being the paper's alpha; synonyms are the model's
    /// nearest whole-word tokens in its input embeddings (which can be antonyms).
    Eda,
    /// Contextual replacement (Kobayashi 2018): a share of the words masked and each replaced
    /// by a word sampled from a masked language model given the rest of the text (a model
    /// with an MLM head: `anneal pretrain`'s, or a `*ForMaskedLM` folder). The copies are
    /// drawn before training, a pool per text, and each epoch picks from it.
    Mlm,
    /// Entity recognition: a share of the words replaced by words of the same tag from the
    /// training set (Dai & Adel's label-wise token replacement); the tags unchanged.
    Tokens,
    /// Entity recognition: a share of the mentions replaced by mentions of the same type from
    /// the training set (Dai & Adel's mention replacement), tagged anew.
    Mentions,
    /// Counterfactual data augmentation (Lu et al. 2018; Zmigrod et al. 2019): each training
    /// example with gendered words also trained in its swapped form (he ↔ she, his ↔ her,
    /// man ↔ woman…, `shared/counterfactual.rs`), or with its first names swapped for names
    /// of the other gender (Maudslay et al. 2019), or both ([`CdaSwap`]), the label kept; one
    /// with nothing to swap is not copied. For classification and entity recognition alike
    /// (the swap is word for word, so tags stay aligned).
    Counterfactual,
}

/// What counterfactual augmentation swaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CdaSwap {
    /// Gendered words and pronouns.
    #[default]
    Gender,
    /// First names, female ↔ male (the pinned name lists).
    Names,
    /// Both: a text's names and its gendered words, so "Mary said she…" becomes "Mark said
    /// he…".
    Both,
}

impl CdaSwap {
    /// Its name after `cda:`.
    pub fn name(self) -> &'static str {
        match self {
            CdaSwap::Gender => "gender",
            CdaSwap::Names => "names",
            CdaSwap::Both => "both",
        }
    }

    /// Whether it needs the first-name lists.
    pub fn needs_names(self) -> bool {
        self != CdaSwap::Gender
    }

    /// What it swaps, in words.
    pub fn describe(self) -> &'static str {
        match self {
            CdaSwap::Gender => "gendered words swapped",
            CdaSwap::Names => "first names swapped",
            CdaSwap::Both => "first names and gendered words swapped",
        }
    }
}

impl AugmentKind {
    /// Its name on the command line and in the Train panel.
    pub fn name(self) -> &'static str {
        match self {
            AugmentKind::Typos => "typos",
            AugmentKind::Eda => "eda",
            AugmentKind::Mlm => "mlm",
            AugmentKind::Tokens => "tokens",
            AugmentKind::Mentions => "mentions",
            AugmentKind::Counterfactual => "cda",
        }
    }

    /// The task it augments.
    pub fn task(self) -> Task {
        match self {
            AugmentKind::Typos | AugmentKind::Eda | AugmentKind::Mlm => Task::Classify,
            AugmentKind::Tokens | AugmentKind::Mentions => Task::Ner,
            AugmentKind::Counterfactual => Task::Classify,
        }
    }

    /// Whether it augments `task`'s examples (counterfactual swaps: both tasks).
    pub fn fits(self, task: Task) -> bool {
        self.task() == task || (self == AugmentKind::Counterfactual && task == Task::Ner)
    }
}

/// Augmentation of the training examples, drawn afresh each epoch from the run's seed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Augmentation {
    /// Which augmentation.
    pub kind: AugmentKind,
    /// Augmented copies of each training example added to an epoch (so an epoch has
    /// `1 + copies` times the steps). Default 1.
    pub copies: usize,
    /// Share of a text's words changed in a copy (at least one word). Default 0.1.
    pub rate: f64,
    /// What counterfactual augmentation swaps (the other kinds ignore it).
    #[serde(default)]
    pub swap: CdaSwap,
}

impl Augmentation {
    /// Most augmented copies per example.
    pub const MAX_COPIES: usize = 16;

    /// `kind` with its defaults: one copy at 10%, and for EDA the paper's four copies at
    /// alpha 0.1 (what it used beyond 2,000 examples; `eda::paper_defaults` for smaller sets).
    pub fn new(kind: AugmentKind) -> Self {
        Self {
            kind,
            copies: if kind == AugmentKind::Eda { 4 } else { 1 },
            rate: if kind == AugmentKind::Mlm { 0.15 } else { 0.1 },
            swap: CdaSwap::Gender,
        }
    }

    /// Whether it needs the first-name lists (counterfactual augmentation of names).
    pub fn needs_names(&self) -> bool {
        self.kind == AugmentKind::Counterfactual && self.swap.needs_names()
    }

    /// Its name on the command line: `cda`, `cda:names`, `typos:2:0.1`…
    pub fn spec(&self) -> String {
        match self.kind {
            AugmentKind::Counterfactual if self.swap == CdaSwap::Gender => "cda".into(),
            AugmentKind::Counterfactual => format!("cda:{}", self.swap.name()),
            kind => format!("{}:{}:{}", kind.name(), self.copies, self.rate),
        }
    }
}

impl std::str::FromStr for Augmentation {
    type Err = String;
    /// `KIND`, `KIND:COPIES` or `KIND:COPIES:RATE`, KIND `typos`, `eda`, `mlm`, `cda`,
    /// `tokens` or `mentions`; `cda` makes one swapped copy (no copies or rate) and is `cda`
    /// (gendered words), `cda:names` (first names) or `cda:both`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let kind = parts.next().unwrap_or_default();
        let (copies, rate) = (parts.next(), parts.next());
        let kind = match kind.trim() {
            "typos" | "chars" => AugmentKind::Typos,
            "eda" => AugmentKind::Eda,
            "mlm" => AugmentKind::Mlm,
            "tokens" => AugmentKind::Tokens,
            "mentions" => AugmentKind::Mentions,
            "cda" | "counterfactual" => AugmentKind::Counterfactual,
            other => {
                return Err(format!(
                    "unknown augmentation \"{other}\" (typos, eda, mlm, cda; for entities: tokens, mentions, cda)"
                ));
            }
        };
        let mut a = Augmentation::new(kind);
        if kind == AugmentKind::Counterfactual {
            a.swap = match (copies.map(str::trim), rate) {
                (None | Some("gender"), None) => CdaSwap::Gender,
                (Some("names"), None) => CdaSwap::Names,
                (Some("both"), None) => CdaSwap::Both,
                _ => return Err(
                    "cda makes one swapped copy of each example with something to swap: cda (gendered words), cda:names (first names) or cda:both; it takes no copies or rate".into(),
                ),
            };
            return Ok(a);
        }
        if let Some(c) = copies {
            a.copies = c
                .trim()
                .parse()
                .map_err(|_| format!("\"{c}\" is not a number of copies"))?;
        }
        if let Some(r) = rate {
            a.rate = r
                .trim()
                .parse()
                .map_err(|_| format!("\"{r}\" is not a share of the words"))?;
        }
        Ok(a)
    }
}

/// A word of a text: its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// First byte.
    pub start: usize,
    /// Byte after the last.
    pub end: usize,
}

/// Maximal runs of letters, digits and apostrophes inside words ("don't" is one word).
pub fn words_of(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe =
            c == '\'' && start.is_some() && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Word { start: s, end: i });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
        });
    }
    out
}

/// `text` with `word` replaced by `with`.
pub fn replace(text: &str, word: Word, with: &str) -> String {
    format!("{}{with}{}", &text[..word.start], &text[word.end..])
}

/// Keys next to each letter on a QWERTY keyboard.
fn keyboard_neighbours(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        'q' => "wa",
        'w' => "qeas",
        'e' => "wrsd",
        'r' => "etdf",
        't' => "ryfg",
        'y' => "tugh",
        'u' => "yihj",
        'i' => "uojk",
        'o' => "ipkl",
        'p' => "ol",
        'a' => "qwsz",
        's' => "awedxz",
        'd' => "serfcx",
        'f' => "drtgvc",
        'g' => "ftyhbv",
        'h' => "gyujnb",
        'j' => "huikmn",
        'k' => "jiolm",
        'l' => "kop",
        'z' => "asx",
        'x' => "zsdc",
        'c' => "xdfv",
        'v' => "cfgb",
        'b' => "vghn",
        'n' => "bhjm",
        'm' => "njk",
        _ => "",
    }
}

/// Every one-character edit of `word` (swap of neighbours, deletion, insertion of a letter,
/// keyboard-neighbour substitution), without repeats or the word itself, in a seeded order
/// and at most `limit` of them. A word of one character is not deleted.
pub fn char_edits(word: &str, limit: usize, rng: &mut Rng) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out: Vec<String> = Vec::new();
    let push = |v: Vec<char>, out: &mut Vec<String>| {
        let s: String = v.into_iter().collect();
        if s != word && !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    for i in 0..n {
        if i + 1 < n && chars[i] != chars[i + 1] {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            push(v, &mut out);
        }
        if n > 1 {
            let mut v = chars.clone();
            v.remove(i);
            push(v, &mut out);
        }
        for k in keyboard_neighbours(chars[i]).chars() {
            let mut v = chars.clone();
            v[i] = if chars[i].is_uppercase() {
                k.to_ascii_uppercase()
            } else {
                k
            };
            push(v, &mut out);
        }
        {
            let mut v = chars.clone();
            let letter = (b'a' + rng.below(26) as u8) as char;
            v.insert(i + 1, letter);
            push(v, &mut out);
        }
    }
    rng.shuffle(&mut out);
    out.truncate(limit);
    out
}

/// The edit distance of `a` and `b` counting a swap of neighbours as one edit (optimal string
/// alignment), for checking a character attack's budget.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

/// `text` with typos: each word, with probability `rate` (at least one word when there is
/// one), gets one character edit drawn from `rng`.
pub fn typos(text: &str, rate: f64, rng: &mut Rng) -> String {
    let words = words_of(text);
    if words.is_empty() {
        return text.to_string();
    }
    let mut picked: Vec<usize> = (0..words.len())
        .filter(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= rate)
        .collect();
    if picked.is_empty() {
        picked.push(rng.below(words.len()));
    }
    // From the last word back, so that the earlier words' bytes stay where they were.
    let mut out = text.to_string();
    for &i in picked.iter().rev() {
        let w = words[i];
        if let Some(edit) = char_edits(&out[w.start..w.end], 1, rng).pop() {
            out = replace(&out, w, &edit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn augmentations_read_their_kind_and_copies() {
        assert_eq!("typos".parse(), Ok(Augmentation::new(AugmentKind::Typos)));
        let a: Augmentation = "typos:3".parse().unwrap();
        assert_eq!((a.kind, a.copies), (AugmentKind::Typos, 3));
        assert!(
            "wordnet"
                .parse::<Augmentation>()
                .unwrap_err()
                .contains("unknown")
        );
        let a: Augmentation = "eda:16:0.05".parse().unwrap();
        assert_eq!((a.kind, a.copies, a.rate), (AugmentKind::Eda, 16, 0.05));
        assert!("typos:x".parse::<Augmentation>().is_err());
        let a: Augmentation = "typos:2:0.3".parse().unwrap();
        assert_eq!((a.copies, a.rate), (2, 0.3));
        assert!("typos:2:most".parse::<Augmentation>().is_err());
        for (spec, swap) in [
            ("cda", CdaSwap::Gender),
            ("cda:gender", CdaSwap::Gender),
            ("cda:names", CdaSwap::Names),
            ("cda:both", CdaSwap::Both),
        ] {
            let a: Augmentation = spec.parse().unwrap();
            assert_eq!((a.kind, a.swap), (AugmentKind::Counterfactual, swap));
            assert_eq!(a.needs_names(), swap != CdaSwap::Gender);
            assert_eq!(a.spec().parse::<Augmentation>(), Ok(a), "{spec}");
        }
        for bad in ["cda:2", "cda:names:0.1", "cda:nouns"] {
            assert!(bad.parse::<Augmentation>().is_err(), "{bad}");
        }
        // A run's settings saved before names could be swapped read as gendered words.
        let old: Augmentation =
            serde_json::from_str(r#"{"kind":"counterfactual","copies":1,"rate":0.1}"#).unwrap();
        assert_eq!(old.swap, CdaSwap::Gender);
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("film", "flim"), 1);
        assert_eq!(edit_distance("film", "fim"), 1);
        assert_eq!(edit_distance("film", "filmy"), 1);
        assert_eq!(edit_distance("good film", "goood flim"), 2);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn words_are_runs_of_letters_with_inner_apostrophes() {
        let t = "Don't stop -- it's 'great', 2 times!";
        let w: Vec<&str> = words_of(t).iter().map(|w| &t[w.start..w.end]).collect();
        assert_eq!(w, ["Don't", "stop", "it's", "great", "2", "times"]);
        assert_eq!(
            replace(t, words_of(t)[1], "go"),
            "Don't go -- it's 'great', 2 times!"
        );
    }

    #[test]
    fn character_edits_are_one_edit_away_and_seeded() {
        let mut rng = Rng::new(1);
        let edits = char_edits("movie", 100, &mut rng);
        assert!(edits.len() > 20, "{edits:?}");
        for e in &edits {
            assert_eq!(edit_distance("movie", e), 1, "{e}");
        }
        assert!(edits.contains(&"moive".to_string()) && edits.contains(&"movi".to_string()));
        assert!(edits.contains(&"nmovie".to_string()) || edits.contains(&"novie".to_string()));
        let again = char_edits("movie", 100, &mut Rng::new(1));
        assert_eq!(edits, again);
        assert_eq!(char_edits("movie", 5, &mut Rng::new(1)).len(), 5);
        // Case kept where a key is substituted.
        assert!(
            char_edits("Bad", 100, &mut Rng::new(2))
                .iter()
                .any(|e| e.starts_with('V'))
        );
    }

    #[test]
    fn typos_change_at_least_one_word_by_one_edit_each() {
        let text = "The film was a delight, warm and funny.";
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let t = typos(text, 0.1, &mut rng);
            assert_ne!(t, text);
            let (a, b) = (words_of(text), words_of(&t));
            let changed = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| text[x.start..x.end] != t[y.start..y.end])
                .count();
            assert!(changed >= 1, "{t}");
            // The punctuation and spacing around the words are kept.
            assert_eq!(t.matches(' ').count(), 7, "{t}");
            assert!(t.ends_with('.') && t.contains(", "), "{t}");
        }
        // rate 1: every word edited.
        let all = typos("good movie", 1.0, &mut Rng::new(1));
        let w = words_of(&all);
        assert!(
            &all[w[0].start..w[0].end] != "good" && &all[w[1].start..w[1].end] != "movie",
            "{all}"
        );
    }
}
