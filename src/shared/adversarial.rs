//! Adversarial training's settings. Both methods push the word-embedding table (the rows a
//! batch uses are the only ones with gradient) in the direction that raises the loss, and
//! train on the clean batch and the pushed one, the two gradients summed:
//! - FGM (Miyato et al. 2017): one push of norm `epsilon` along the loss gradient; about twice
//!   a plain step's work.
//! - PGD (Madry et al. 2018, as used on BERT by FreeLB's authors and others): `steps` pushes of
//!   size `alpha`, each along the gradient at the point reached, projected back into the ball
//!   of radius `epsilon`; about `steps + 1` times a plain step's work.
//!
//! The step itself is `train/step.rs`'s `train_step`, which takes these settings.

use serde::{Deserialize, Serialize};

use super::settings_error::SettingsError;

/// Which adversarial training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdversarialKind {
    /// Fast gradient method: one perturbation of norm epsilon along the gradient.
    Fgm,
    /// Projected gradient descent: several steps of size alpha, kept within epsilon.
    Pgd,
}

impl AdversarialKind {
    /// Its name on the command line and in the Train panel.
    pub fn name(self) -> &'static str {
        match self {
            AdversarialKind::Fgm => "fgm",
            AdversarialKind::Pgd => "pgd",
        }
    }
}

impl std::str::FromStr for AdversarialKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fgm" => Ok(AdversarialKind::Fgm),
            "pgd" => Ok(AdversarialKind::Pgd),
            other => Err(format!(
                "unknown adversarial training \"{other}\" (fgm, pgd)"
            )),
        }
    }
}

/// Adversarial training of a fine-tuning run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Adversarial {
    /// Which method.
    pub kind: AdversarialKind,
    /// The perturbation's largest L2 norm over the word-embedding table's gradient (FGM's
    /// norm). Default 1.0, the usual choice for BERT-sized models with this embedding-table
    /// form.
    pub epsilon: f64,
    /// PGD: the norm of each step. Default 0.3.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// PGD: steps. Default 3.
    #[serde(default = "default_steps")]
    pub steps: usize,
}

fn default_alpha() -> f64 {
    0.3
}

fn default_steps() -> usize {
    3
}

impl Adversarial {
    /// Most PGD steps.
    pub const MAX_STEPS: usize = 10;

    /// `kind` with its defaults.
    pub fn new(kind: AdversarialKind) -> Self {
        Self {
            kind,
            epsilon: 1.0,
            alpha: default_alpha(),
            steps: default_steps(),
        }
    }

    /// Forward and backward passes a step makes, against a plain step's one.
    pub fn passes(&self) -> usize {
        match self.kind {
            AdversarialKind::Fgm => 2,
            AdversarialKind::Pgd => self.steps + 1,
        }
    }

    /// Checks the numbers this kind uses.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.epsilon) {
            return Err(SettingsError::AdversarialEpsilon(self.epsilon));
        }
        if self.kind == AdversarialKind::Pgd {
            if !positive(self.alpha) {
                return Err(SettingsError::AdversarialAlpha(self.alpha));
            }
            if !(1..=Self::MAX_STEPS).contains(&self.steps) {
                return Err(SettingsError::AdversarialSteps {
                    asked: self.steps,
                    max: Self::MAX_STEPS,
                });
            }
        }
        Ok(())
    }

    /// In words, for notes and legends: "FGM (ε 1)", "PGD-3 (ε 1, α 0.3)".
    pub fn describe(&self) -> String {
        match self.kind {
            AdversarialKind::Fgm => format!("FGM (ε {})", self.epsilon),
            AdversarialKind::Pgd => {
                format!("PGD-{} (ε {}, α {})", self.steps, self.epsilon, self.alpha)
            }
        }
    }
}

impl std::str::FromStr for Adversarial {
    type Err = String;
    /// `fgm[:EPSILON]` or `pgd[:EPSILON[:ALPHA[:STEPS]]]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(':');
        let mut a = Adversarial::new(parts.next().unwrap_or_default().trim().parse()?);
        let number = |p: &str, what: &str| -> Result<f64, String> {
            p.trim()
                .parse()
                .map_err(|_| format!("\"{p}\" is not {what}"))
        };
        if let Some(e) = parts.next() {
            a.epsilon = number(e, "an epsilon")?;
        }
        if a.kind == AdversarialKind::Pgd {
            if let Some(alpha) = parts.next() {
                a.alpha = number(alpha, "a step size")?;
            }
            if let Some(k) = parts.next() {
                a.steps = k
                    .trim()
                    .parse()
                    .map_err(|_| format!("\"{k}\" is not a number of steps"))?;
            }
        }
        match parts.next() {
            Some(extra) => Err(format!("\"{extra}\" is one part too many in \"{s}\"")),
            None => Ok(a),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adversarial_settings_read_and_check_their_numbers() {
        let a: Adversarial = "pgd:0.5:0.2:4".parse().unwrap();
        assert_eq!(
            (a.kind, a.epsilon, a.alpha, a.steps),
            (AdversarialKind::Pgd, 0.5, 0.2, 4)
        );
        assert_eq!(a.passes(), 5);
        assert_eq!(a.describe(), "PGD-4 (ε 0.5, α 0.2)");
        let f: Adversarial = "fgm:2".parse().unwrap();
        assert_eq!((f.epsilon, f.passes()), (2.0, 2));
        assert!("fgm:1:2".parse::<Adversarial>().is_err());
        assert!("pgd:1:x".parse::<Adversarial>().is_err());
        assert!("freelb".parse::<Adversarial>().is_err());
        assert_eq!(a.validate(), Ok(()));
        let steps = Adversarial { steps: 0, ..a };
        assert_eq!(
            steps.validate(),
            Err(SettingsError::AdversarialSteps { asked: 0, max: 10 })
        );
        let alpha = Adversarial { alpha: -1.0, ..a };
        assert_eq!(alpha.validate(), Err(SettingsError::AdversarialAlpha(-1.0)));
        // FGM ignores PGD's numbers.
        assert_eq!(Adversarial { steps: 0, ..f }.validate(), Ok(()));
        // A run kept before PGD reads with its defaults.
        let old: Adversarial = serde_json::from_str(r#"{"kind":"fgm","epsilon":1.0}"#).unwrap();
        assert_eq!(old, Adversarial::new(AdversarialKind::Fgm));
    }
}
