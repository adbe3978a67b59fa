//! Fine-tuning settings: one type for the command line, the browser's Train panel and the
//! worker, one set of defaults, and one `validate()` whose typed error names the setting, so
//! that each shell words it in its own terms (a flag, a field).

use serde::{Deserialize, Serialize};

use super::adaptation::Adaptation;
use super::adversarial::Adversarial;
use super::augment::Augmentation;
use super::fit::BestBy;
use super::settings_error::{MIN_MAX_LEN, SettingsError};
use super::task::Task;

/// Fine-tuning settings: one type for the command line, the browser's Train panel and the
/// worker, with one set of defaults (the README's table says why each is what it is).
///
/// Missing fields take their defaults when read (runs kept by an older version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// Passes over the training data. Default 3.
    pub epochs: usize,
    /// Examples per optimizer step. Default 32, the recipe that matched PyTorch's accuracy
    /// (BENCHMARKS.md).
    pub batch_size: usize,
    /// Peak learning rate of AdamW. Default 1e-4.
    pub lr: f64,
    /// Longest input in tokens, special tokens included; longer ones are cut. Default 128.
    /// Batches are padded only to their longest example, so short texts cost no more.
    pub max_len: usize,
    /// Question answering: tokens each window of a long passage shares with the one before
    /// (`run_qa.py`'s `doc_stride`); below half the maximum length. Default: a third of the
    /// maximum length, as `run_qa.py`'s 128 of 384 ([`TrainSettings::stride`]).
    pub doc_stride: Option<usize>,
    /// Share of the steps spent warming the learning rate up from 0. Default 0.1.
    pub warmup_ratio: f64,
    /// AdamW's decoupled weight decay. Default 0 (as Hugging Face's Trainer).
    pub weight_decay: f64,
    /// Share of the data held out for validation when no validation file is given.
    /// Default 0.1.
    pub valid_fraction: f64,
    /// Seed of the split, the example order and the new head. Default 42.
    pub seed: u64,
    /// Stop after this many epochs without a better validation score (or loss, as
    /// [`best_by`](Self::best_by) says). Default: never.
    pub patience: Option<usize>,
    /// Also measure the validation loss every this many steps (beside every epoch's), for the
    /// loss chart. Default: only at the end of each epoch.
    pub eval_every: Option<usize>,
    /// What picks the kept epoch and what patience waits on: the validation score (default)
    /// or the validation loss.
    pub best_by: BestBy,
    /// Train on the valid rows of a file with problems instead of refusing it. Default: no,
    /// nothing is left out unless the person says so.
    pub skip_invalid: bool,
    /// What of the model trains: all of it (default), all but frozen parts, or LoRA adapters.
    pub adaptation: Adaptation,
    /// Augmentation of the training examples, drawn afresh each epoch. Default: none.
    pub augment: Option<Augmentation>,
    /// Adversarial training (FGM or PGD on the word embeddings). Default: none.
    pub adversarial: Option<Adversarial>,
    /// Multi-task training: how the steps are shared between the main task and the
    /// auxiliary ones. Default: in proportion to their examples.
    #[serde(default)]
    pub task_sampling: super::multitask::TaskSampling,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TrainSettings {
    /// The defaults, as a constant (for clap's `default_value_t`).
    pub const DEFAULT: TrainSettings = TrainSettings {
        epochs: 3,
        batch_size: 32,
        lr: 1e-4,
        max_len: 128,
        doc_stride: None,
        warmup_ratio: 0.1,
        weight_decay: 0.0,
        valid_fraction: 0.1,
        seed: 42,
        patience: None,
        eval_every: None,
        best_by: BestBy::Score,
        skip_invalid: false,
        adaptation: Adaptation::FULL,
        augment: None,
        adversarial: None,
        task_sampling: super::multitask::TaskSampling::Proportional,
    };
}

impl TrainSettings {
    /// [`validate`](Self::validate), and for question answering the doc stride too (it means
    /// nothing to the other tasks, so it never stops their runs).
    pub fn validate_for(
        &self,
        task: Option<Task>,
        positions: Option<usize>,
    ) -> Result<(), SettingsError> {
        self.validate(positions)?;
        if let (Some(task), Some(a)) = (task, self.augment)
            && !a.kind.fits(task)
        {
            return Err(SettingsError::AugmentTask {
                kind: a.kind.name(),
                for_task: a.kind.task().describe(),
                task: task.describe(),
            });
        }
        if task == Some(Task::Qa) && 2 * self.stride() >= self.max_len {
            return Err(SettingsError::DocStride {
                asked: self.stride(),
                max_len: self.max_len,
            });
        }
        Ok(())
    }

    /// The doc stride in tokens: the one set, or a third of the maximum length.
    pub fn stride(&self) -> usize {
        self.doc_stride.unwrap_or(self.max_len / 3)
    }

    /// Checks every setting; `positions` is the model's position table (`None` before a model
    /// is loaded, when only the lower bound of the length is checked).
    pub fn validate(&self, positions: Option<usize>) -> Result<(), SettingsError> {
        let unit = |x: f64| x.is_finite() && (0.0..1.0).contains(&x);
        if self.epochs == 0 {
            return Err(SettingsError::Epochs);
        }
        if self.batch_size == 0 {
            return Err(SettingsError::BatchSize);
        }
        if !(unit(self.lr) && self.lr > 0.0) {
            return Err(SettingsError::LearningRate(self.lr));
        }
        let limit = positions.unwrap_or(usize::MAX);
        if self.max_len < MIN_MAX_LEN || self.max_len > limit {
            return Err(SettingsError::MaxLen {
                asked: self.max_len,
                positions: limit,
            });
        }
        if !unit(self.warmup_ratio) {
            return Err(SettingsError::Warmup(self.warmup_ratio));
        }
        if !unit(self.weight_decay) {
            return Err(SettingsError::WeightDecay(self.weight_decay));
        }
        if !(unit(self.valid_fraction) && self.valid_fraction > 0.0) {
            return Err(SettingsError::ValidFraction(self.valid_fraction));
        }
        if self.patience == Some(0) {
            return Err(SettingsError::Patience);
        }
        if self.eval_every == Some(0) {
            return Err(SettingsError::EvalEvery);
        }
        if let Some(a) = self.adversarial {
            a.validate()?;
        }
        if let Some(a) = self.augment
            && !((1..=Augmentation::MAX_COPIES).contains(&a.copies)
                && a.rate.is_finite()
                && a.rate > 0.0
                && a.rate <= 1.0)
        {
            return Err(SettingsError::AugmentRange {
                copies: a.copies,
                rate: a.rate,
            });
        }
        self.adaptation.validate(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::Setting;

    fn with(change: impl FnOnce(&mut TrainSettings)) -> Result<(), SettingsError> {
        let mut s = TrainSettings::default();
        change(&mut s);
        s.validate(Some(512))
    }

    #[test]
    fn the_doc_stride_is_checked_for_question_answering_only() {
        let s = TrainSettings {
            doc_stride: Some(64),
            ..TrainSettings::default()
        };
        assert_eq!(
            s.validate_for(Some(crate::shared::Task::Classify), Some(512)),
            Ok(())
        );
        let err = s
            .validate_for(Some(crate::shared::Task::Qa), Some(512))
            .unwrap_err();
        assert_eq!(err.setting(), Setting::DocStride);
        assert_eq!(
            err.to_string(),
            "must be below half the maximum length (128 tokens), found 64"
        );
        let default = TrainSettings::default();
        assert_eq!(
            default.validate_for(Some(crate::shared::Task::Qa), Some(512)),
            Ok(())
        );
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(TrainSettings::default().validate(Some(512)), Ok(()));
        assert_eq!(TrainSettings::default().validate(None), Ok(()));
    }

    #[test]
    fn each_setting_out_of_range_names_itself() {
        let cases: Vec<(Result<(), SettingsError>, Setting)> = vec![
            (with(|s| s.epochs = 0), Setting::Epochs),
            (with(|s| s.batch_size = 0), Setting::BatchSize),
            (with(|s| s.lr = 0.0), Setting::LearningRate),
            (with(|s| s.lr = -1e-4), Setting::LearningRate),
            (with(|s| s.lr = f64::NAN), Setting::LearningRate),
            (with(|s| s.lr = f64::INFINITY), Setting::LearningRate),
            (with(|s| s.max_len = 513), Setting::MaxLen),
            (with(|s| s.max_len = 4), Setting::MaxLen),
            (with(|s| s.warmup_ratio = 1.0), Setting::Warmup),
            (with(|s| s.weight_decay = -0.1), Setting::WeightDecay),
            (with(|s| s.valid_fraction = 0.0), Setting::ValidFraction),
            (with(|s| s.valid_fraction = 1.0), Setting::ValidFraction),
            (
                with(|s| s.valid_fraction = f64::NAN),
                Setting::ValidFraction,
            ),
            (with(|s| s.patience = Some(0)), Setting::Patience),
            (with(|s| s.eval_every = Some(0)), Setting::EvalEvery),
            (
                with(|s| {
                    s.augment = Some(Augmentation {
                        copies: 0,
                        ..Augmentation::new(crate::shared::AugmentKind::Typos)
                    })
                }),
                Setting::Augment,
            ),
            (
                with(|s| {
                    s.augment = Some(Augmentation {
                        rate: 0.0,
                        ..Augmentation::new(crate::shared::AugmentKind::Typos)
                    })
                }),
                Setting::Augment,
            ),
        ];
        for (result, setting) in cases {
            assert_eq!(result.map_err(|e| e.setting()), Err(setting));
        }
        // Augmentation is for classification only so far: refused for the other tasks.
        let typos = TrainSettings {
            augment: Some(Augmentation::new(crate::shared::AugmentKind::Typos)),
            ..TrainSettings::default()
        };
        assert_eq!(typos.validate_for(Some(Task::Classify), None), Ok(()));
        assert_eq!(
            typos
                .validate_for(Some(Task::Ner), None)
                .map_err(|e| e.setting()),
            Err(Setting::Augment)
        );
        let err = with(|s| s.max_len = 1000).unwrap_err();
        assert_eq!(
            err.to_string(),
            "must be between 8 and 512 tokens (the model's position table), found 1000"
        );
    }
}
