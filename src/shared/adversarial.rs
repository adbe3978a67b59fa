//! Adversarial training's settings. FGM (Miyato et al. 2017): each step also trains on the
//! batch with the word-embedding table pushed by `epsilon` along its loss gradient's direction
//! (the rows a batch uses are the only ones with gradient), the two gradients summed; about
//! twice a plain step's work. The step itself is `train/step.rs`'s `fgm_step`.

use serde::{Deserialize, Serialize};

/// Which adversarial training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdversarialKind {
    /// Fast gradient method: one perturbation of norm epsilon along the gradient.
    Fgm,
}

impl AdversarialKind {
    /// Its name on the command line and in the Train panel.
    pub fn name(self) -> &'static str {
        match self {
            AdversarialKind::Fgm => "fgm",
        }
    }
}

impl std::str::FromStr for AdversarialKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fgm" => Ok(AdversarialKind::Fgm),
            other => Err(format!("unknown adversarial training \"{other}\" (fgm)")),
        }
    }
}

/// Adversarial training of a fine-tuning run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Adversarial {
    /// Which method.
    pub kind: AdversarialKind,
    /// The perturbation's L2 norm over the word-embedding table's gradient. Default 1.0, the
    /// usual choice for BERT-sized models with this embedding-table form of FGM.
    pub epsilon: f64,
}

impl Adversarial {
    /// `kind` with its default epsilon.
    pub fn new(kind: AdversarialKind) -> Self {
        Self { kind, epsilon: 1.0 }
    }
}
