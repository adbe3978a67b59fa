//! Over- and underfitting, read off a run's losses per epoch: which epoch a run keeps
//! ([`BestBy`]), and a plain-language [`Diagnosis`] the Train panel and `anneal finetune` both
//! show, from one function.
//!
//! The training loss of an epoch is the mean over its steps, taken while the weights moved and
//! with dropout on; the validation loss is taken after the epoch, without dropout. So early on
//! the validation loss can sit *below* the training loss; what tells is how the two move.

use serde::{Deserialize, Serialize};

/// What picks the kept epoch, and what early stopping's patience waits on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BestBy {
    /// The validation score (macro-F1, entity F1, SQuAD F1): what the person cares about.
    #[default]
    Score,
    /// The validation loss: smoother than a score on a small validation set, and what
    /// Hugging Face's Trainer keeps by default (`metric_for_best_model="loss"`).
    Loss,
}

impl BestBy {
    /// Its name on the command line and in the Train panel's select.
    pub fn name(self) -> &'static str {
        match self {
            BestBy::Score => "score",
            BestBy::Loss => "loss",
        }
    }

    /// Whether `now` is better than `best` by this measure (a score rises, a loss falls).
    pub fn better(self, now: f64, best: f64) -> bool {
        match self {
            BestBy::Score => now > best,
            BestBy::Loss => now < best,
        }
    }
}

impl std::str::FromStr for BestBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "score" => Ok(BestBy::Score),
            "loss" | "validation-loss" => Ok(BestBy::Loss),
            other => Err(format!("unknown measure \"{other}\" (score or loss)")),
        }
    }
}

/// One evaluated epoch's two losses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochLoss {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train: f64,
    /// Validation loss after the epoch.
    pub valid: f64,
}

/// What the curves show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer than two evaluated epochs: no curve to read.
    TooShort,
    /// The validation loss rose well above its lowest while the training loss kept falling.
    Overfitting,
    /// The training loss still fell fast in the last epoch, the validation loss with it.
    StillLearning,
    /// Neither: the validation loss flattened or the run stopped near its lowest.
    Settled,
}

/// The verdict, in a sentence, with the numbers it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// What the curves show.
    pub verdict: Verdict,
    /// The epoch of the lowest validation loss (0 with no epochs).
    pub lowest_valid_epoch: usize,
    /// Validation minus training loss at the last epoch (the generalisation gap).
    pub gap: f64,
    /// The sentence shown to the person.
    pub sentence: String,
}

/// A rise of the validation loss above its lowest, relative, that counts as overfitting
/// (smaller rises are noise on a small validation set).
pub const RISE: f64 = 0.02;
/// A fall of the training loss in the last epoch, relative, that counts as still learning.
pub const STILL_FALLING: f64 = 0.10;

/// Reads `epochs` (in order); `kept` is the epoch the run keeps, named in the sentence.
pub fn diagnose(epochs: &[EpochLoss], kept: usize) -> Diagnosis {
    let Some(last) = epochs.last() else {
        return Diagnosis {
            verdict: Verdict::TooShort,
            lowest_valid_epoch: 0,
            gap: 0.0,
            sentence: "No epoch was evaluated, so there is no curve to read.".into(),
        };
    };
    let lowest = epochs
        .iter()
        .min_by(|a, b| a.valid.total_cmp(&b.valid))
        .expect("not empty");
    let gap = last.valid - last.train;
    let done = |verdict, sentence| Diagnosis {
        verdict,
        lowest_valid_epoch: lowest.epoch,
        gap,
        sentence,
    };
    if epochs.len() < 2 {
        return done(
            Verdict::TooShort,
            "One epoch only: train for 3 or more to tell overfitting from underfitting.".into(),
        );
    }
    let kept_says = if kept == lowest.epoch || kept == 0 {
        format!("the best epoch, {}, is kept", lowest.epoch)
    } else {
        format!(
            "epoch {kept} is kept (best validation score; the lowest validation loss was at epoch {})",
            lowest.epoch
        )
    };
    let rising = lowest.epoch < last.epoch
        && last.valid > lowest.valid * (1.0 + RISE)
        && last.train < lowest.train;
    if rising && epochs.len() == 2 {
        let (from, to) = (lowest.valid, last.valid);
        let sentence = format!(
            "Validation loss rose in epoch 2 ({from:.3} → {to:.3}) while training loss fell: perhaps the start of overfitting, but one rise is not a trend; {kept_says}. Train 3 or more epochs to tell."
        );
        return done(Verdict::TooShort, sentence);
    }
    if rising {
        return done(
            Verdict::Overfitting,
            format!(
                "Validation loss rising since epoch {} ({:.3} → {:.3}) while training loss falls ({:.3} → {:.3}): overfitting; {kept_says}. Fewer epochs, a lower learning rate, more data or weight decay can help.",
                lowest.epoch + 1,
                lowest.valid,
                last.valid,
                lowest.train,
                last.train
            ),
        );
    }
    let before = &epochs[epochs.len() - 2];
    let fall = (before.train - last.train) / before.train.abs().max(f64::MIN_POSITIVE);
    if fall > STILL_FALLING && last.valid <= before.valid {
        return done(
            Verdict::StillLearning,
            format!(
                "Training loss still falling fast at the end (−{:.0}% in the last epoch) and validation loss with it ({:.3} → {:.3}): more epochs may help.",
                100.0 * fall,
                before.valid,
                last.valid
            ),
        );
    }
    done(
        Verdict::Settled,
        format!(
            "No sign of overfitting or of stopping too early: validation loss {:.3} at its lowest (epoch {}), {:.3} at the end; gap to training loss {gap:+.3}.",
            lowest.valid, lowest.epoch, last.valid
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(losses: &[(f64, f64)]) -> Vec<EpochLoss> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &(train, valid))| EpochLoss {
                epoch: i + 1,
                train,
                valid,
            })
            .collect()
    }

    #[test]
    fn validation_loss_rising_as_training_loss_falls_is_overfitting() {
        let d = diagnose(
            &run(&[(0.9, 0.60), (0.5, 0.45), (0.3, 0.48), (0.15, 0.55)]),
            2,
        );
        assert_eq!(d.verdict, Verdict::Overfitting);
        assert_eq!(d.lowest_valid_epoch, 2);
        assert!((d.gap - 0.40).abs() < 1e-12);
        assert!(
            d.sentence.contains("rising since epoch 3"),
            "{}",
            d.sentence
        );
        assert!(
            d.sentence.contains("the best epoch, 2, is kept"),
            "{}",
            d.sentence
        );
        // Kept by score at another epoch: both are named.
        let d = diagnose(
            &run(&[(0.9, 0.60), (0.5, 0.45), (0.3, 0.48), (0.15, 0.55)]),
            3,
        );
        assert!(d.sentence.contains("epoch 3 is kept"), "{}", d.sentence);
        assert!(d.sentence.contains("lowest validation loss was at epoch 2"));
    }

    #[test]
    fn one_rise_after_two_epochs_is_not_yet_called_overfitting() {
        let d = diagnose(&run(&[(0.9, 0.45), (0.5, 0.55)]), 1);
        assert_eq!(d.verdict, Verdict::TooShort, "{}", d.sentence);
        assert!(
            d.sentence.contains("one rise is not a trend"),
            "{}",
            d.sentence
        );
        assert!(
            d.sentence.contains("the best epoch, 1, is kept"),
            "{}",
            d.sentence
        );
    }

    #[test]
    fn a_rise_within_noise_or_with_training_loss_rising_too_is_not_overfitting() {
        // 1% above the lowest: noise.
        let d = diagnose(&run(&[(0.9, 0.600), (0.5, 0.450), (0.45, 0.454)]), 2);
        assert_eq!(d.verdict, Verdict::Settled, "{}", d.sentence);
        // Both rose: the run diverged, it did not memorise.
        let d = diagnose(&run(&[(0.9, 0.60), (0.5, 0.45), (0.7, 0.60)]), 2);
        assert_ne!(d.verdict, Verdict::Overfitting, "{}", d.sentence);
    }

    #[test]
    fn a_fast_fall_at_the_end_with_validation_following_is_still_learning() {
        let d = diagnose(&run(&[(1.0, 0.9), (0.8, 0.75), (0.6, 0.62)]), 3);
        assert_eq!(d.verdict, Verdict::StillLearning);
        assert!(d.sentence.contains("−25%"), "{}", d.sentence);
        assert!(d.sentence.contains("more epochs may help"));
        // The same fall with validation loss turning up is not a reason to train longer.
        let d = diagnose(&run(&[(1.0, 0.9), (0.8, 0.75), (0.6, 0.76)]), 2);
        assert_ne!(d.verdict, Verdict::StillLearning, "{}", d.sentence);
    }

    #[test]
    fn flattened_curves_settle_and_short_runs_say_so() {
        let d = diagnose(&run(&[(1.0, 0.9), (0.7, 0.70), (0.68, 0.69)]), 3);
        assert_eq!(d.verdict, Verdict::Settled);
        assert!(
            d.sentence.contains("gap to training loss +0.010"),
            "{}",
            d.sentence
        );
        assert_eq!(diagnose(&run(&[(1.0, 0.9)]), 1).verdict, Verdict::TooShort);
        assert_eq!(diagnose(&[], 0).verdict, Verdict::TooShort);
    }

    #[test]
    fn best_by_compares_in_its_direction_and_reads_its_names() {
        assert!(BestBy::Score.better(0.8, 0.7));
        assert!(BestBy::Loss.better(0.3, 0.4));
        assert!(!BestBy::Loss.better(0.4, 0.4));
        for b in [BestBy::Score, BestBy::Loss] {
            assert_eq!(b.name().parse::<BestBy>(), Ok(b));
        }
        assert!("accuracy".parse::<BestBy>().is_err());
    }
}
