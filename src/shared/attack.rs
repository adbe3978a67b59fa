//! The robustness test's settings (which greedy attack, and how hard it tries) and its report.
//! Engine-free, so a comparison's settings carry them to the worker and the Evaluate panel
//! shows the report; the attack itself is `infer/attack.rs`.

use serde::{Deserialize, Serialize};

/// Which attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    /// Character edits of the most important words (typos).
    Chars,
    /// Embedding-neighbour swaps of the most important words.
    Words,
}

impl std::str::FromStr for AttackKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "chars" | "char" | "characters" => Ok(AttackKind::Chars),
            "words" | "word" => Ok(AttackKind::Words),
            other => Err(format!("unknown attack \"{other}\" (chars or words)")),
        }
    }
}

/// How hard an attack tries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AttackSettings {
    /// Which attack.
    pub kind: AttackKind,
    /// Edits allowed in one text: characters (chars) or words (words). Default 2.
    pub max_edits: usize,
    /// Queries allowed for one text, word ranking included. Default 500.
    pub budget: usize,
    /// Candidates tried per word. Default 30.
    pub candidates: usize,
    /// Words: the least cosine similarity of a replacement. Default 0.5.
    pub similarity: f32,
    /// Seed of the character edits' letters and sampling.
    pub seed: u64,
}

impl AttackSettings {
    /// The defaults for `kind`.
    pub fn new(kind: AttackKind) -> Self {
        Self {
            kind,
            max_edits: 2,
            budget: 500,
            candidates: 30,
            similarity: 0.5,
            seed: 42,
        }
    }
}

/// One successful attack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdversarialExample {
    /// The text as given.
    pub original: String,
    /// The text that flipped the prediction.
    pub perturbed: String,
    /// The true label.
    pub label: String,
    /// What the model predicts for `perturbed`.
    pub predicted: String,
    /// Edits made (characters or words).
    pub edits: usize,
    /// Words of the text changed, and words in all.
    pub words: (usize, usize),
    /// Byte ranges of `perturbed` that were changed, for highlighting.
    pub changed: Vec<(usize, usize)>,
    /// Queries it took.
    pub queries: usize,
}

/// An attack's results on a labelled set, as TextAttack reports them (rates are fractions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackReport {
    /// The attack and its settings.
    pub settings: AttackSettings,
    /// Examples scored.
    pub examples_scored: usize,
    /// Share predicted right before any attack.
    pub clean_accuracy: f64,
    /// Share still predicted right after the attack (failed attacks and examples never right).
    pub attacked_accuracy: f64,
    /// Successful attacks over attacked examples (those predicted right before).
    pub attack_success_rate: f64,
    /// Mean share of a text's words changed, over the successful attacks.
    pub words_perturbed: f64,
    /// Mean queries per attacked example.
    pub queries: f64,
    /// Every successful attack.
    pub examples: Vec<AdversarialExample>,
}
