//! The Search panel's state: the values typed for each setting searched, the seeds and the
//! budget of trials, the search as it runs (a comparison of trials, kept in `localStorage`)
//! and how its table is sorted.

use leptos::prelude::*;

use super::compare::ComparisonRun;
use crate::protocol::{CompareSettings, TrainSettings};
use crate::shared::search::rank;
use crate::shared::{CompareSettingsError, Grid, Search, SortBy};

/// The settings a search can try, as [`Changes::set`](crate::shared::Changes::set) names
/// them: `(key, label, example values, what the values are)`.
pub const SEARCHED: [(&str, &str, &str, &str); 9] = [
    (
        "lr",
        "Learning rates",
        "2e-5, 5e-5, 1e-4",
        "Peak learning rates to try, comma-separated. Empty: the Train panel's, for every trial.",
    ),
    (
        "epochs",
        "Epochs",
        "2, 4",
        "Passes over the training examples to try. Empty: the Train panel's.",
    ),
    (
        "batch",
        "Batch sizes",
        "8, 16",
        "Examples per step to try. Empty: the Train panel's.",
    ),
    (
        "warmup",
        "Warm-up shares",
        "0, 0.1",
        "Shares of the steps spent raising the learning rate from 0. Empty: the Train panel's.",
    ),
    (
        "weight_decay",
        "Weight decays",
        "0, 0.01",
        "AdamW's weight decays to try. Empty: the Train panel's.",
    ),
    (
        "lora",
        "LoRA ranks",
        "0, 8",
        "LoRA ranks to try (alpha twice the rank); 0 trains every weight. Empty: the Train panel's choice of what trains.",
    ),
    (
        "freeze",
        "Frozen lowest layers",
        "0, 3",
        "How many of the lowest layers to freeze (the rest trains fully). Empty: the Train panel's choice.",
    ),
    (
        "augment",
        "Augmentations",
        "none, typos, eda",
        "none, typos[:COPIES[:RATE]], eda[:COPIES[:ALPHA]], or for entities tokens / mentions. Empty: the Train panel's augmentation, for every trial.",
    ),
    (
        "adversarial",
        "Adversarial training",
        "none, fgm",
        "none, fgm[:EPSILON] or pgd[:EPSILON[:ALPHA[:STEPS]]]. Empty: the Train panel's, for every trial.",
    ),
];

/// The Search panel's state.
#[derive(Clone, Copy)]
pub struct SearchArea {
    /// The values typed for each of [`SEARCHED`], comma-separated; empty: the Train panel's.
    pub values: [RwSignal<String>; 9],
    /// Trials drawn at random from the grid (0: every combination).
    pub random: RwSignal<usize>,
    /// Runs per trial.
    pub seeds: RwSignal<usize>,
    /// The column the table is sorted by, and whether ascending.
    pub sort: RwSignal<(SortBy, bool)>,
    /// The search as it runs, and its scores.
    pub live: ComparisonRun,
}

impl SearchArea {
    /// Three learning rates over two seeds, and the last search kept in this browser.
    pub fn new() -> Self {
        let values = std::array::from_fn(|i| {
            RwSignal::new(if i == 0 { "2e-5, 5e-5, 1e-4" } else { "" }.to_string())
        });
        Self {
            values,
            random: RwSignal::new(0),
            seeds: RwSignal::new(2),
            sort: RwSignal::new((SortBy::Mean, false)),
            live: ComparisonRun::new("anneal.search", "search"),
        }
    }

    /// The grid of the values typed (tracked), or what is wrong with them.
    pub fn grid(&self) -> Result<Grid, String> {
        let specs: Vec<String> = SEARCHED
            .iter()
            .zip(&self.values)
            .filter_map(|((key, ..), v)| {
                let v = v.get();
                (!v.trim().is_empty()).then(|| format!("{key}={v}"))
            })
            .collect();
        if specs.is_empty() {
            return Err("type the values to try for at least one setting".into());
        }
        Grid::parse(&specs)
    }

    /// What a search of these values would run, in words (tracked), or what is wrong.
    pub fn plan(&self) -> Result<String, String> {
        let grid = self.grid()?;
        let random = self.random.get();
        let trials = match random {
            0 => grid.points(),
            n => n.min(grid.points()),
        };
        let seeds = self.seeds.get();
        let drawn = if random > 0 && random < grid.points() {
            format!(" drawn at random from {}", grid.points())
        } else {
            String::new()
        };
        Ok(format!(
            "{trials} trial{}{drawn} × {seeds} seed{} = {} fine-tuning runs on all the training examples, each scored on the validation set",
            if trials == 1 { "" } else { "s" },
            if seeds == 1 { "" } else { "s" },
            trials * seeds
        ))
    }

    /// The search's settings over the Train panel's `finetune` (its seed draws the random
    /// trials), or why it cannot run.
    pub fn settings(&self, finetune: TrainSettings) -> Result<CompareSettings, String> {
        let grid = self.grid()?;
        let random = match self.random.get_untracked() {
            0 => None,
            n => Some(n.min(grid.points())),
        };
        let trials = grid.trials(random, finetune.seed)?;
        let settings = grid.settings(trials, self.seeds.get_untracked(), finetune);
        settings.validate().map_err(|e| match e {
            CompareSettingsError::Seeds(_) => format!("Seeds {e}"),
            _ => format!("The trial {e}"),
        })?;
        Ok(settings)
    }

    /// The trials ranked so far (tracked): none before the first score.
    pub fn ranked(&self) -> Option<Search> {
        self.live.comparison.with(|c| c.as_ref().and_then(rank))
    }
}

impl Default for SearchArea {
    fn default() -> Self {
        Self::new()
    }
}
