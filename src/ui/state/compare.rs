//! "What is it worth?": the comparison's settings (which variants beside the baseline), its
//! progress and the scores as they arrive (kept after a cancel, and in `localStorage` across
//! reloads).

use leptos::prelude::*;

use super::run::{RunStatus, storage};
use crate::protocol::{
    Adversarial, AdversarialKind, AttackKind, AttackSettings, AugmentKind, Augmentation, Changes,
    CompareProgress, CompareSettings, Comparison, LabelCount, Robustness, StartKind, TrainSettings,
    Variant, compare_setting_message,
};
use crate::shared::counterfactual::SwapKind;

/// The Worth panel's state.
#[derive(Clone, Copy)]
pub struct CompareArea {
    /// Label counts as typed: `32,100,300,all`.
    pub sizes: RwSignal<String>,
    /// Seeds per start and count.
    pub seeds: RwSignal<usize>,
    /// Self-pre-training steps (0: left out).
    pub self_steps: RwSignal<usize>,
    /// Compare random initialisation.
    pub scratch: RwSignal<bool>,
    /// Compare augmentation (the Train panel's kind, else typos).
    pub typos: RwSignal<bool>,
    /// Compare FGM adversarial training.
    pub fgm: RwSignal<bool>,
    /// Compare training beside the Data panel's auxiliary tasks (multi-task).
    pub aux: RwSignal<bool>,
    /// Attack every run's model too (the robustness test).
    pub robust: RwSignal<bool>,
    /// Test every run's model with counterfactuals too: `none`, `gender` or `names`.
    pub counterfactual: RwSignal<String>,
    /// Least steps per run.
    pub min_steps: RwSignal<usize>,
    /// The comparison as it runs, and its scores.
    pub live: ComparisonRun,
}

/// A comparison as the UI follows it — "what is it worth?" or a search: where it stands, what
/// runs now, and the scores so far (kept after a cancel, and in `localStorage` across
/// reloads).
#[derive(Clone, Copy)]
pub struct ComparisonRun {
    /// Where the comparison stands.
    pub status: RwSignal<RunStatus>,
    /// Status line or error.
    pub message: RwSignal<String>,
    /// (runs scored, runs in all).
    pub runs: RwSignal<(usize, usize)>,
    /// What is running now, in words.
    pub now: RwSignal<String>,
    /// What preparing the data noticed.
    pub notes: RwSignal<Vec<String>>,
    /// The scores so far.
    pub comparison: RwSignal<Option<Comparison>>,
    /// Its `localStorage` key.
    key: &'static str,
}

impl ComparisonRun {
    /// Nothing running, and the last comparison kept under `key` in this browser (`what`
    /// names it in the status line).
    pub fn new(key: &'static str, what: &str) -> Self {
        let kept: Option<Comparison> = storage()
            .and_then(|s| s.get_item(key).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok());
        let message = if kept.is_some() {
            format!("the last {what}, kept in this browser")
        } else {
            String::new()
        };
        Self {
            status: RwSignal::new(RunStatus::Idle),
            message: RwSignal::new(message),
            runs: RwSignal::new((0, 0)),
            now: RwSignal::new(String::new()),
            notes: RwSignal::new(Vec::new()),
            comparison: RwSignal::new(kept),
            key,
        }
    }

    /// Whether a comparison is running (tracked).
    pub fn running(&self) -> bool {
        self.status.get().in_progress()
    }

    /// A comparison starts.
    pub fn start(&self) {
        self.status.set(RunStatus::Running);
        self.message.set("preparing the data…".into());
        self.comparison.set(None);
        self.notes.set(Vec::new());
        self.runs.set((0, 0));
        self.now.set(String::new());
    }

    /// Progress from the worker.
    pub fn update(&self, progress: CompareProgress) {
        match progress {
            CompareProgress::Planned {
                runs,
                sizes,
                variants,
                valid_examples,
                metric,
                notes,
            } => {
                self.notes.set(notes);
                self.runs.set((0, runs));
                self.message.set(format!(
                    "{runs} fine-tuning runs, each scored on {valid_examples} validation examples"
                ));
                self.comparison.set(Some(Comparison::with_metric(
                    sizes,
                    variants,
                    metric,
                    valid_examples,
                )));
            }
            CompareProgress::SelfPretraining {
                step,
                total_steps,
                loss,
            } => self.now.set(format!(
                "self-pre-training on the training texts: step {step} of {total_steps}, masked-word loss {loss:.2}"
            )),
            CompareProgress::Step {
                run,
                variant,
                size,
                seed,
                step,
                total_steps,
            } => {
                let name = self.comparison.with_untracked(|c| {
                    c.as_ref()
                        .and_then(|c| c.variant(&variant))
                        .map_or(variant.clone(), Variant::describe)
                });
                self.now.set(format!(
                    "run {run}: {name} with {size} labels (seed {}), step {step} of {total_steps}",
                    seed + 1
                ))
            }
            CompareProgress::Scored {
                run,
                variant,
                size,
                score,
                attacked,
                flip_rate,
                ..
            } => {
                self.runs.update(|r| r.0 = run);
                self.comparison.update(|c| {
                    if let Some(c) = c {
                        c.record(&variant, size, score);
                        if let Some(a) = attacked {
                            c.record_attacked(&variant, size, a);
                        }
                        if let Some(f) = flip_rate {
                            c.record_flip_rate(&variant, size, f);
                        }
                    }
                });
                self.keep();
            }
        }
    }

    /// The comparison ended.
    pub fn finish(&self, comparison: Comparison, stopped: Option<String>) {
        self.status.set(RunStatus::Done);
        self.now.set(String::new());
        self.message.set(match stopped {
            Some(why) => format!("{why}: the scores so far are kept"),
            None => "done".into(),
        });
        self.comparison.set(Some(comparison));
        self.keep();
    }

    /// Keeps the scores so far in `localStorage` (a reload, or a lost device, loses nothing).
    fn keep(&self) {
        if let Some(s) = storage() {
            let json = self
                .comparison
                .with_untracked(|c| serde_json::to_string(c).unwrap_or_default());
            let _ = s.set_item(self.key, &json);
        }
    }

    /// The comparison or its request failed.
    pub fn failed(&self, message: String) {
        self.status.set(RunStatus::Failed);
        self.now.set(String::new());
        self.message.set(message);
    }
}

impl CompareArea {
    /// A fresh area with the defaults that fit a tab, and the last comparison kept in this
    /// browser.
    pub fn new() -> Self {
        Self {
            sizes: RwSignal::new("32,100,300".into()),
            seeds: RwSignal::new(1),
            self_steps: RwSignal::new(100),
            scratch: RwSignal::new(true),
            typos: RwSignal::new(false),
            fgm: RwSignal::new(false),
            aux: RwSignal::new(false),
            robust: RwSignal::new(false),
            counterfactual: RwSignal::new("none".to_string()),
            min_steps: RwSignal::new(50),
            live: ComparisonRun::new("anneal.comparison", "comparison"),
        }
    }

    /// Validation examples the robustness test attacks.
    pub const ATTACKED: usize = 100;

    /// The variants ticked, the baseline first. A remedy takes the Train panel's setting of
    /// it when one is set there (its copies and share, its epsilon), else its defaults.
    pub fn variants(&self, finetune: &TrainSettings, aux: &[String]) -> Vec<Variant> {
        let mut variants = vec![Variant::baseline()];
        if self.scratch.get_untracked() {
            variants.push(Variant::of_start(StartKind::Scratch));
        }
        if self.self_steps.get_untracked() > 0 {
            variants.push(Variant::of_start(StartKind::SelfPretrained));
        }
        if self.typos.get_untracked() {
            let augment = finetune
                .augment
                .unwrap_or(Augmentation::new(AugmentKind::Typos));
            let changes = Changes {
                augment: Some(augment),
                ..Changes::default()
            };
            variants.push(Variant::changed(augment.kind.name(), changes));
        }
        if self.fgm.get_untracked() {
            let adversarial = finetune
                .adversarial
                .unwrap_or(Adversarial::new(AdversarialKind::Fgm));
            let changes = Changes {
                adversarial: Some(adversarial),
                ..Changes::default()
            };
            variants.push(Variant::changed("fgm", changes));
        }
        if self.aux.get_untracked() && !aux.is_empty() {
            let changes = Changes {
                aux: aux.to_vec(),
                ..Changes::default()
            };
            variants.push(Variant::changed("aux", changes));
        }
        variants
    }

    /// The settings of a new comparison with the Train panel's fine-tuning settings (its
    /// augmentation and adversarial training go to their variants, not the baseline), or why
    /// the numbers cannot work.
    pub fn settings(
        &self,
        mut finetune: TrainSettings,
        aux: &[String],
    ) -> Result<CompareSettings, String> {
        let variants = self.variants(&finetune, aux);
        finetune.augment = None;
        finetune.adversarial = None;
        let settings = CompareSettings {
            sizes: LabelCount::parse_list(&self.sizes.get_untracked())
                .map_err(|e| format!("Label counts: {e}"))?,
            seeds: self.seeds.get_untracked(),
            variants,
            self_pretrain_steps: self.self_steps.get_untracked(),
            min_steps: self.min_steps.get_untracked(),
            finetune,
            robustness: self.robust.get_untracked().then(|| Robustness {
                attack: AttackSettings::new(AttackKind::Chars),
                examples: Self::ATTACKED,
            }),
            counterfactual: match self.counterfactual.get_untracked().as_str() {
                "gender" => Some(SwapKind::Gender),
                "names" => Some(SwapKind::Names),
                _ => None,
            },
        };
        settings
            .validate()
            .map_err(|e| compare_setting_message(&e))?;
        Ok(settings)
    }
}

impl Default for CompareArea {
    fn default() -> Self {
        Self::new()
    }
}
