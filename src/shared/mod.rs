//! The engine-free vocabulary that every part of Anneal speaks, the browser UI included, one
//! file per concern: the task and the data's column names (`task`), fine-tuning settings with
//! their one set of defaults and one `validate()` (`settings`, its typed error in
//! `settings_error`), what of a model trains
//! (`adaptation`), data augmentation's settings (`augment`) and EDA's edits and synonyms (`eda`), adversarial training's
//! (`adversarial`), entity recognition's label-preserving augmentation (`mentions`), how multi-task training shares its steps (`multitask`), what a run reports (`progress`), a new model's shape and vocabulary
//! (`architecture`), the robustness test's settings (`attack`), over- and underfitting read off a run's losses (`fit`), who the model fails:
//! metrics by group (`groups`), counterfactual swaps (`counterfactual`) and what they do to an entity tagger (`tag_swaps`), pre-training settings (`pretrain`), the comparison of variants (`compare`: starts, remedies,
//! search trials, each a `variant`) and the hyperparameter search ranked off it (`search`),
//! the speed test's cases (`speed`) and the one seeded generator (`rng`).
//!
//! Architecture invariant: this module depends on serde and thiserror only, so the UI (which
//! never links burn) compiles it, and `model/`, `data/` and `train/` can all use it without
//! importing each other. Its types are re-exported here, so a user writes `shared::TrainSettings`
//! without knowing the room.

pub mod adaptation;
pub mod adversarial;
pub mod architecture;
pub mod attack;
pub mod augment;
pub mod card;
pub mod compare;
pub mod counterfactual;
pub mod eda;
pub mod fit;
pub mod groups;
pub mod mentions;
pub mod multitask;
pub mod pretrain;
pub mod progress;
pub mod rng;
pub mod search;
pub mod settings;
pub mod settings_error;
pub mod speed;
pub mod tag_swaps;
pub mod task;
pub mod variant;

pub use adaptation::{Adaptation, LoraSettings, LoraTargets};
pub use adversarial::{Adversarial, AdversarialKind};
pub use architecture::{Architecture, Vocabulary, layer_parameters};
pub use attack::{AdversarialExample, AttackKind, AttackReport, AttackSettings};
pub use augment::{AugmentKind, Augmentation, CdaSwap};
pub use compare::{
    CompareProgress, CompareSettings, CompareSettingsError, Comparison, DataAdvantage, LabelCount,
    PairedDiff, Robustness, VariantScores, paired_difference, t975, transfer_sentence,
};
pub use fit::{BestBy, Diagnosis, EpochLoss, Verdict, diagnose};
pub use multitask::TaskSampling;
pub use pretrain::{
    LmStart, Objective, PretrainSetting, PretrainSettings, PretrainSettingsError, ProbeSpec,
    SampleSettings,
};
pub use progress::{Scores, StepStats};
pub use search::{Grid, Search, SortBy, Trial, check_search, trial_settings};
pub use settings::TrainSettings;
pub use settings_error::{MIN_MAX_LEN, Setting, SettingsError};
pub use task::{IGNORE_INDEX, LABEL_COLUMNS, QA_OUTPUTS, TEXT_COLUMNS, Task};
pub use variant::{BASELINE, Changes, StartKind, Variant};
