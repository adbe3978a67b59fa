//! The robustness test's settings: which greedy attack, and how hard it tries. Engine-free, so
//! a comparison's settings carry them to the worker; the attack itself is `infer/attack.rs`.

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
