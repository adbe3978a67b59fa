//! "What is pre-training worth?" in numbers: the settings of a comparison, its scores, and the
//! data advantage read off them. Engine-free, so the command line, the worker and the UI
//! share one meaning of each number (and one sentence for it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::attack::AttackSettings;
use super::counterfactual::SwapKind;
use super::settings::TrainSettings;
use super::task::Task;
use super::variant::{BASELINE, StartKind, Variant};

/// A number of training labels to fine-tune with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelCount {
    /// This many training examples (all of them when there are fewer).
    Count(usize),
    /// Every training example.
    All,
}

impl LabelCount {
    /// The count for `available` training examples.
    pub fn resolve(self, available: usize) -> usize {
        match self {
            LabelCount::Count(n) => n.min(available),
            LabelCount::All => available,
        }
    }

    /// `32,100,300,all` -> counts; every entry a positive whole number or `all`.
    pub fn parse_list(s: &str) -> Result<Vec<LabelCount>, String> {
        let list = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p {
                "all" => Ok(LabelCount::All),
                n => match n.parse::<usize>() {
                    Ok(v) if v >= 2 => Ok(LabelCount::Count(v)),
                    _ => Err(format!(
                        "\"{p}\" is not a label count (a whole number of at least 2, or all)"
                    )),
                },
            })
            .collect::<Result<Vec<_>, _>>()?;
        if list.is_empty() {
            return Err("no label counts given (e.g. 32,100,300,all)".into());
        }
        Ok(list)
    }
}

/// How to compare the starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareSettings {
    /// Label counts to fine-tune with (each seed draws a nested random subset: the 100 include
    /// the 32).
    pub sizes: Vec<LabelCount>,
    /// Runs per start and size, with different subsets and initialisations.
    pub seeds: usize,
    /// The variants run at every label count and seed, in this order: starts, remedies,
    /// search trials. Each is paired with the one named `baseline`, when there is one.
    pub variants: Vec<Variant>,
    /// Masked-word steps of self-pre-training (for a `self_pretrained` variant).
    pub self_pretrain_steps: usize,
    /// Every run takes at least this many optimizer steps (more epochs over few labels), so that
    /// 32 labels are not judged after two steps.
    pub min_steps: usize,
    /// The fine-tuning settings of every run (epochs, batch, learning rate, length, split, seed).
    pub finetune: TrainSettings,
    /// The robustness test each run's model also takes (text classification): accuracy under
    /// attack on the first validation examples. Default: none.
    #[serde(default)]
    pub robustness: Option<Robustness>,
    /// The counterfactual test each run's model also takes: the list's terms swapped in the
    /// validation texts (a tagger's sentences), and the flip rate compared like the scores —
    /// whether a remedy such as counterfactual augmentation makes the model lean less on
    /// them. Default: none.
    #[serde(default)]
    pub counterfactual: Option<SwapKind>,
}

/// The robustness test of a comparison's runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Robustness {
    /// The attack.
    pub attack: AttackSettings,
    /// Validation examples attacked (the first ones; fewer when there are fewer).
    pub examples: usize,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            sizes: vec![
                LabelCount::Count(32),
                LabelCount::Count(100),
                LabelCount::Count(300),
                LabelCount::Count(1000),
                LabelCount::All,
            ],
            seeds: 1,
            variants: Variant::starts(true),
            self_pretrain_steps: 200,
            min_steps: 50,
            finetune: TrainSettings::default(),
            robustness: None,
            counterfactual: None,
        }
    }
}

impl CompareSettings {
    /// Checks the comparison's own numbers (the fine-tuning settings are checked by their own
    /// `validate`).
    pub fn validate(&self) -> Result<(), CompareSettingsError> {
        if self.sizes.is_empty() {
            return Err(CompareSettingsError::Sizes);
        }
        if self.seeds == 0 || self.seeds > 10 {
            return Err(CompareSettingsError::Seeds(self.seeds));
        }
        if self.min_steps > 10_000 {
            return Err(CompareSettingsError::MinSteps(self.min_steps));
        }
        if self.finetune.augment.is_some() || self.finetune.adversarial.is_some() {
            return Err(CompareSettingsError::Remedies);
        }
        if self.variants.is_empty() {
            return Err(CompareSettingsError::Variants);
        }
        for (i, v) in self.variants.iter().enumerate() {
            if self.variants[..i].iter().any(|w| w.name == v.name) {
                return Err(CompareSettingsError::Duplicate(v.name.clone()));
            }
            if v.start == StartKind::SelfPretrained && self.self_pretrain_steps == 0 {
                return Err(CompareSettingsError::SelfPretrainSteps);
            }
            let settings = v.changes.apply(&self.finetune);
            let checked = settings
                .validate(None)
                .and_then(|()| settings.adaptation.validate(None));
            if let Err(e) = checked {
                return Err(CompareSettingsError::Variant {
                    name: v.name.clone(),
                    message: format!("{} {e}", e.setting().describe()),
                });
            }
        }
        Ok(())
    }

    /// The starts this comparison's variants need, in [`StartKind::ALL`]'s order.
    pub fn starts(&self) -> Vec<StartKind> {
        StartKind::ALL
            .into_iter()
            .filter(|s| self.variants.iter().any(|v| v.start == *s))
            .collect()
    }

    /// The distinct label counts, ascending, for `available` training examples.
    pub fn resolved_sizes(&self, available: usize) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.sizes.iter().map(|s| s.resolve(available)).collect();
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }
}

/// A comparison setting out of its range (the fine-tuning settings have their own,
/// [`crate::shared::SettingsError`]). The message names no shell's spelling of the setting;
/// each shell prefixes its own (`--seeds`, "Seeds").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareSettingsError {
    /// No label count.
    #[error("must name at least one label count")]
    Sizes,
    /// Outside `1..=10`.
    #[error("must be between 1 and 10, found {0}")]
    Seeds(usize),
    /// Above 10,000.
    #[error("must be at most 10,000, found {0}")]
    MinSteps(usize),
    /// Augmentation or adversarial training asked for every run: the baseline would carry
    /// it too, and nothing would measure it.
    #[error(
        "would apply to every run, the baseline too: name them as variants instead (typos, fgm) to measure them against it"
    )]
    Remedies,
    /// No variant.
    #[error("must name at least one variant (baseline, scratch, typos, fgm, ...)")]
    Variants,
    /// Two variants of one name: their scores would mix.
    #[error("name \"{0}\" twice")]
    Duplicate(String),
    /// Self-pre-training asked for with no steps of it.
    #[error("include self_pretrained, which needs at least one self-pre-training step")]
    SelfPretrainSteps,
    /// A variant's settings are out of range.
    #[error("\"{name}\": {message}")]
    Variant {
        /// The variant.
        name: String,
        /// The setting and its range, in the engine's words.
        message: String,
    },
}

/// Scores of one variant: `[size][seed]`.
pub type VariantScores = Vec<Vec<f64>>;

/// How many labels random initialisation needs to do as well as the pre-trained start does with
/// few.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataAdvantage {
    /// The label count the pre-trained start is read at (100 when measured, else the nearest).
    pub labels: usize,
    /// The pre-trained start's mean score there.
    pub pretrained: f64,
    /// Random initialisation's mean score at the same count.
    pub scratch: f64,
    /// The labels random initialisation needs for the same score (interpolated on a log axis
    /// between measured counts); `None` when it never gets there within the counts measured.
    pub scratch_matches_at: Option<f64>,
    /// Random initialisation's best mean score over all counts.
    pub scratch_best: f64,
    /// The whole finding in one sentence.
    pub sentence: String,
}

/// How a comparison is going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CompareProgress {
    /// The runs are decided.
    Planned {
        /// Fine-tuning runs in all (starts x sizes x seeds).
        runs: usize,
        /// Label counts, ascending.
        sizes: Vec<usize>,
        /// The variants compared, in their order.
        variants: Vec<Variant>,
        /// Validation examples every run is scored on.
        valid_examples: usize,
        /// What the scores are (as [`Comparison::metric`]).
        metric: String,
        /// What preparing noticed (the split, cut examples, augmentation drawn beforehand).
        #[serde(default)]
        notes: Vec<String>,
    },
    /// A step of self-pre-training (before the runs).
    SelfPretraining {
        /// Steps done.
        step: usize,
        /// Steps in all.
        total_steps: usize,
        /// This step's masked-word loss.
        loss: f64,
    },
    /// A step of one fine-tuning run.
    Step {
        /// The run, 1-based.
        run: usize,
        /// Its variant's name.
        variant: String,
        /// Its label count.
        size: usize,
        /// Its seed number (0-based).
        seed: usize,
        /// Steps done in this run.
        step: usize,
        /// Steps in this run.
        total_steps: usize,
    },
    /// A run finished and was scored on the validation examples.
    Scored {
        /// The run, 1-based.
        run: usize,
        /// Its variant's name.
        variant: String,
        /// Its label count.
        size: usize,
        /// Its seed number (0-based).
        seed: usize,
        /// Its score.
        score: f64,
        /// Its accuracy under attack, with the robustness test.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attacked: Option<f64>,
        /// Its flip rate, with the counterfactual test.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flip_rate: Option<f64>,
    },
}

/// A comparison's result, as `anneal compare` prints it and the app draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The label counts, ascending.
    pub sizes: Vec<usize>,
    /// Scores per variant's name, `[size][seed]`.
    pub variants: BTreeMap<String, VariantScores>,
    /// The variants, in the order they run and are drawn.
    pub order: Vec<Variant>,
    /// What the scores are: `accuracy` (classification) or `entity_f1` (NER).
    pub metric: String,
    /// Validation examples every run is scored on.
    pub valid_examples: usize,
    /// The data advantage, once the pre-trained and scratch starts have a score each.
    pub data_advantage: Option<DataAdvantage>,
    /// Each variant's difference to the baseline per label count, paired by seed (the same
    /// subset and run seed), with its 95% interval; by the variant's name. Counts with fewer
    /// than two pairs are left out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub paired: BTreeMap<String, Vec<PairedDiff>>,
    /// With the robustness test: each run's accuracy under attack, as `variants`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attacked: BTreeMap<String, VariantScores>,
    /// With the robustness test: each variant's difference to the baseline under attack, as
    /// `paired`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub paired_attacked: BTreeMap<String, Vec<PairedDiff>>,
    /// With the counterfactual test: each run's flip rate (the share of changed validation
    /// texts whose label flips; a tagger: of swapped words whose type changes), as `variants`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flip_rate: BTreeMap<String, VariantScores>,
    /// With the counterfactual test: each variant's difference to the baseline in flip rate,
    /// as `paired`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub paired_flip_rate: BTreeMap<String, Vec<PairedDiff>>,
}

/// A variant's difference to the baseline at one label count, paired by seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedDiff {
    /// The label count.
    pub size: usize,
    /// Mean over seeds of (variant − baseline).
    pub mean_diff: f64,
    /// Student's t interval of that mean: mean ± t(0.975, n−1)·sd/√n.
    pub ci95: [f64; 2],
    /// Pairs (seeds) it rests on.
    pub seeds: usize,
}

impl PairedDiff {
    /// Whether the interval leaves 0 out: an effect was measured.
    pub fn measured(&self) -> bool {
        self.ci95[0] > 0.0 || self.ci95[1] < 0.0
    }

    /// In words, the scores being shares (accuracy, F1 / 100 as the comparison keeps them):
    /// "+2.1 points (95% interval +0.4 to +3.8)", or "no effect measured (...)".
    pub fn describe(&self) -> String {
        let points = |x: f64| format!("{:+.1}", 100.0 * x);
        let interval = format!(
            "95% interval {} to {} over {} seeds",
            points(self.ci95[0]),
            points(self.ci95[1]),
            self.seeds
        );
        if self.measured() {
            format!("{} points ({interval})", points(self.mean_diff))
        } else {
            format!(
                "no effect measured ({} points, {interval})",
                points(self.mean_diff)
            )
        }
    }
}

/// What an auxiliary task did to the main task at one label count, from its paired
/// difference to the single-task baseline: negative transfer when the interval lies below 0,
/// a measured help above it, else no effect measured.
pub fn transfer_sentence(task: &str, d: &PairedDiff) -> String {
    let points = format!("{:+.1} points", 100.0 * d.mean_diff);
    if d.ci95[1] < 0.0 {
        format!(
            "negative transfer at {} labels: training beside {task} lowers the main task's score ({points}, below 0 over the whole 95% interval); train it alone",
            d.size
        )
    } else if d.ci95[0] > 0.0 {
        format!(
            "{task} helps the main task at {} labels ({points}, above 0 over the whole 95% interval)",
            d.size
        )
    } else {
        format!(
            "{task} at {} labels: no effect on the main task measured ({points}; the interval holds 0), neither help nor negative transfer",
            d.size
        )
    }
}

/// Student's t distribution's 0.975 quantile with `df` degrees of freedom (df ≥ 1): the
/// table to 30, then the Cornish–Fisher expansion (within 1e-4 of the exact value there).
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let (z, n) = (1.959_963_984_540_054_f64, df.max(1) as f64);
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * n.powi(3))
}

/// The mean of `variant[i] − baseline[i]` over the pairs both have, and its 95% Student's t
/// interval; `None` with fewer than two pairs.
pub fn paired_difference(baseline: &[f64], variant: &[f64]) -> Option<(f64, [f64; 2], usize)> {
    let diffs: Vec<f64> = baseline.iter().zip(variant).map(|(b, v)| v - b).collect();
    let n = diffs.len();
    if n < 2 {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Some((mean, [mean - half, mean + half], n))
}

impl Comparison {
    /// An empty comparison of `order` at these sizes, filled in by [`record`](Self::record).
    pub fn new(sizes: Vec<usize>, order: Vec<Variant>, task: Task, valid_examples: usize) -> Self {
        let metric = match task {
            Task::Classify => "accuracy",
            Task::Ner => "entity_f1",
            Task::Qa => "squad_f1",
        };
        Self::with_metric(sizes, order, metric.into(), valid_examples)
    }

    /// An empty comparison scored by `metric`.
    pub fn with_metric(
        sizes: Vec<usize>,
        order: Vec<Variant>,
        metric: String,
        valid_examples: usize,
    ) -> Self {
        Self {
            sizes,
            variants: BTreeMap::new(),
            order,
            metric,
            valid_examples,
            data_advantage: None,
            paired: BTreeMap::new(),
            attacked: BTreeMap::new(),
            paired_attacked: BTreeMap::new(),
            flip_rate: BTreeMap::new(),
            paired_flip_rate: BTreeMap::new(),
        }
    }

    /// Adds the score of one run (`size` must be one of [`sizes`](Self::sizes)) and updates
    /// the data advantage.
    pub fn record(&mut self, variant: &str, size: usize, score: f64) {
        if push(&mut self.variants, &self.sizes, variant, size, score) {
            self.data_advantage = self.advantage();
            self.paired = paired_to_baseline(&self.sizes, &self.variants);
        }
    }

    /// Adds the accuracy under attack of one run (as [`record`](Self::record) its score).
    pub fn record_attacked(&mut self, variant: &str, size: usize, accuracy: f64) {
        if push(&mut self.attacked, &self.sizes, variant, size, accuracy) {
            self.paired_attacked = paired_to_baseline(&self.sizes, &self.attacked);
        }
    }

    /// Adds the counterfactual flip rate of one run (as [`record`](Self::record) its score).
    pub fn record_flip_rate(&mut self, variant: &str, size: usize, rate: f64) {
        if push(&mut self.flip_rate, &self.sizes, variant, size, rate) {
            self.paired_flip_rate = paired_to_baseline(&self.sizes, &self.flip_rate);
        }
    }

    /// The variant of this name, if it is compared.
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.order.iter().find(|v| v.name == name)
    }

    /// Mean score of the variant `name` at each size (`None` where no run has finished).
    pub fn means(&self, name: &str) -> Vec<Option<f64>> {
        let scores = self.variants.get(name);
        (0..self.sizes.len())
            .map(|i| {
                let s = scores.and_then(|s| s.get(i)).filter(|s| !s.is_empty())?;
                Some(s.iter().sum::<f64>() / s.len() as f64)
            })
            .collect()
    }

    fn advantage(&self) -> Option<DataAdvantage> {
        let pre = self.means(BASELINE);
        let scratch = self.means(StartKind::Scratch.key());
        // Read at the measured count nearest 100 (on a log axis) where both starts have a score.
        let at = (0..self.sizes.len())
            .filter(|&i| pre[i].is_some() && scratch[i].is_some())
            .min_by(|&a, &b| {
                let d = |i: usize| ((self.sizes[i] as f64).ln() - 100f64.ln()).abs();
                d(a).total_cmp(&d(b))
            })?;
        let (labels, target) = (self.sizes[at], pre[at]?);
        let points: Vec<(f64, f64)> = self
            .sizes
            .iter()
            .zip(&scratch)
            .filter_map(|(n, s)| s.map(|s| (*n as f64, s)))
            .collect();
        let scratch_best = points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let matches = first_reach(&points, target);
        let metric = match self.metric.as_str() {
            "accuracy" => "accuracy",
            "squad_f1" => "F1",
            _ => "entity F1",
        };
        let sentence = match matches {
            Some(n) if n <= labels as f64 * 1.01 => format!(
                "With {labels} labels the pre-trained start scores {:.1}% {metric}; random \
                 initialisation does as well with as few labels ({:.1}%): no advantage measured \
                 here.",
                target * 100.0,
                scratch[at]? * 100.0
            ),
            Some(n) => format!(
                "The pre-trained start with {labels} labels ({:.1}% {metric}) matches random \
                 initialisation with about {} labels: {:.0}x the data.",
                target * 100.0,
                n.round(),
                n / labels as f64
            ),
            None => format!(
                "The pre-trained start with {labels} labels ({:.1}% {metric}) beats random \
                 initialisation with every count measured, up to {} labels (best {:.1}%).",
                target * 100.0,
                self.sizes.last().copied().unwrap_or(labels),
                scratch_best * 100.0
            ),
        };
        Some(DataAdvantage {
            labels,
            pretrained: target,
            scratch: scratch[at]?,
            scratch_matches_at: matches,
            scratch_best,
            sentence,
        })
    }
}

/// Adds `score` to `variant`'s scores at `size` in `scores` (false when `size` is not
/// compared).
fn push(
    scores: &mut BTreeMap<String, VariantScores>,
    sizes: &[usize],
    variant: &str,
    size: usize,
    score: f64,
) -> bool {
    let Some(at) = sizes.iter().position(|s| *s == size) else {
        return false;
    };
    let per_size = scores.entry(variant.to_string()).or_default();
    if per_size.len() < sizes.len() {
        per_size.resize(sizes.len(), Vec::new());
    }
    per_size[at].push(score);
    true
}

/// Every variant's paired difference to the baseline in `variants`, per label count.
fn paired_to_baseline(
    sizes: &[usize],
    variants: &BTreeMap<String, VariantScores>,
) -> BTreeMap<String, Vec<PairedDiff>> {
    let mut out = BTreeMap::new();
    let Some(base) = variants.get(BASELINE) else {
        return out;
    };
    for (name, scores) in variants {
        if name == BASELINE {
            continue;
        }
        let diffs: Vec<PairedDiff> = sizes
            .iter()
            .zip(base.iter().zip(scores))
            .filter_map(|(&size, (b, v))| {
                let (mean_diff, ci95, seeds) = paired_difference(b, v)?;
                Some(PairedDiff {
                    size,
                    mean_diff,
                    ci95,
                    seeds,
                })
            })
            .collect();
        if !diffs.is_empty() {
            out.insert(name.clone(), diffs);
        }
    }
    out
}

/// The smallest x where the piecewise-linear curve through `points` (x ascending, drawn on a
/// log-x axis) first reaches `target`.
fn first_reach(points: &[(f64, f64)], target: f64) -> Option<f64> {
    let first = points.first()?;
    if first.1 >= target {
        return Some(first.0);
    }
    points.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        (y0 < target && y1 >= target).then(|| {
            let t = (target - y0) / (y1 - y0);
            (x0.ln() + t * (x1.ln() - x0.ln())).exp()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_is_negative_only_when_the_whole_interval_is_below_zero() {
        let d = |lo: f64, hi: f64| PairedDiff {
            size: 500,
            mean_diff: (lo + hi) / 2.0,
            ci95: [lo, hi],
            seeds: 5,
        };
        assert!(
            transfer_sentence("rt.csv", &d(-0.05, -0.01))
                .starts_with("negative transfer at 500 labels")
        );
        assert!(transfer_sentence("rt.csv", &d(0.01, 0.03)).contains("helps"));
        assert!(
            transfer_sentence("rt.csv", &d(-0.03, 0.01))
                .contains("no effect on the main task measured")
        );
    }

    /// Student's t quantiles as scipy.stats.t.ppf(0.975, df) gives them.
    #[test]
    fn t_quantiles_are_the_distributions() {
        for (df, want) in [
            (1, 12.7062),
            (4, 2.77645),
            (30, 2.04227),
            (31, 2.03951),
            (40, 2.02108),
            (60, 2.00030),
            (120, 1.97993),
            (1000, 1.96234),
        ] {
            assert!(
                (t975(df) - want).abs() < 2e-4,
                "df {df}: {} against {want}",
                t975(df)
            );
        }
    }

    /// The textbook paired interval on fixed numbers: differences 0.03, 0, 0.03, 0.04, 0.01;
    /// mean 0.022, sd 0.016432, t(0.975, 4) = 2.7764: 0.022 ± 0.020402.
    #[test]
    fn the_paired_interval_is_the_textbook_formula() {
        let base = [0.80, 0.82, 0.78, 0.81, 0.79];
        let variant = [0.83, 0.82, 0.81, 0.85, 0.80];
        let (mean, [lo, hi], n) = paired_difference(&base, &variant).unwrap();
        assert_eq!(n, 5);
        assert!((mean - 0.022).abs() < 1e-12);
        assert!((lo - 0.0015977).abs() < 1e-6, "{lo}");
        assert!((hi - 0.0424023).abs() < 1e-6, "{hi}");
        assert!(
            paired_difference(&[0.5], &[0.6]).is_none(),
            "one pair has no spread"
        );
        let d = PairedDiff {
            size: 100,
            mean_diff: mean,
            ci95: [lo, hi],
            seeds: n,
        };
        assert!(d.measured());
        assert_eq!(
            d.describe(),
            "+2.2 points (95% interval +0.2 to +4.2 over 5 seeds)"
        );
        let none = PairedDiff {
            ci95: [-0.01, 0.03],
            ..d
        };
        assert!(!none.measured());
        assert!(
            none.describe().starts_with("no effect measured"),
            "{}",
            none.describe()
        );
    }

    #[test]
    fn a_comparison_pairs_each_start_with_the_pretrained_one_by_seed() {
        let mut c = Comparison::new(vec![10, 100], Variant::starts(false), Task::Classify, 50);
        c.record("baseline", 10, 0.70);
        c.record("scratch", 10, 0.50);
        assert!(c.paired.is_empty(), "one seed: no interval");
        c.record("baseline", 10, 0.74);
        c.record("scratch", 10, 0.52);
        let d = &c.paired["scratch"];
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].size, 10);
        assert!((d[0].mean_diff + 0.21).abs() < 1e-12);
        // Differences -0.20 and -0.22: sd 0.01414, t(0.975, 1) 12.7062, half 0.12706.
        assert!((d[0].ci95[0] + 0.33706).abs() < 1e-4 && (d[0].ci95[1] + 0.08294).abs() < 1e-4);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["paired"]["scratch"][0]["size"], 10);
        assert!(
            json["paired"]["scratch"][0]["ci95"]
                .as_array()
                .unwrap()
                .len()
                == 2
        );
    }

    #[test]
    fn label_counts_parse_and_resolve() {
        let sizes = LabelCount::parse_list("32, 100,all").unwrap();
        assert_eq!(
            sizes,
            vec![
                LabelCount::Count(32),
                LabelCount::Count(100),
                LabelCount::All
            ]
        );
        let settings = CompareSettings {
            sizes,
            ..CompareSettings::default()
        };
        assert_eq!(settings.resolved_sizes(80), vec![32, 80]);
        assert!(
            LabelCount::parse_list("32,ten")
                .unwrap_err()
                .contains("\"ten\"")
        );
        assert!(LabelCount::parse_list("1").is_err());
        assert!(LabelCount::parse_list(" , ").is_err());
    }

    #[test]
    fn each_comparison_setting_out_of_range_is_refused_by_kind() {
        let with = |change: fn(&mut CompareSettings)| {
            let mut s = CompareSettings::default();
            change(&mut s);
            s.validate()
        };
        assert_eq!(CompareSettings::default().validate(), Ok(()));
        assert_eq!(with(|s| s.sizes.clear()), Err(CompareSettingsError::Sizes));
        assert_eq!(with(|s| s.seeds = 0), Err(CompareSettingsError::Seeds(0)));
        assert_eq!(with(|s| s.seeds = 11), Err(CompareSettingsError::Seeds(11)));
        assert_eq!(
            with(|s| s.min_steps = 10_001),
            Err(CompareSettingsError::MinSteps(10_001))
        );
        assert_eq!(
            CompareSettingsError::Seeds(0).to_string(),
            "must be between 1 and 10, found 0"
        );
        assert_eq!(
            with(|s| s.variants.clear()),
            Err(CompareSettingsError::Variants)
        );
        assert_eq!(
            with(|s| s.variants.push(Variant::baseline())),
            Err(CompareSettingsError::Duplicate("baseline".into()))
        );
        assert_eq!(
            with(|s| s.self_pretrain_steps = 0),
            Err(CompareSettingsError::SelfPretrainSteps)
        );
        assert_eq!(
            with(|s| s.finetune.augment = Some("typos".parse().unwrap())),
            Err(CompareSettingsError::Remedies)
        );
        let Err(CompareSettingsError::Variant { name, message }) = with(|s| {
            let mut c = super::super::variant::Changes::default();
            c.set("lr", "2").unwrap();
            s.variants.push(Variant::changed("lr=2", c));
        }) else {
            panic!("a learning rate of 2 passed")
        };
        assert_eq!(name, "lr=2");
        assert!(message.contains("2"), "{message}");
        let s = CompareSettings {
            variants: Variant::parse_list("baseline,typos,fgm").unwrap(),
            ..CompareSettings::default()
        };
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.starts(), vec![StartKind::Pretrained]);
    }

    #[test]
    fn a_remedy_is_paired_with_the_baseline_and_the_starts_data_advantage_needs_scratch() {
        let order = Variant::parse_list("baseline,typos").unwrap();
        let mut c = Comparison::new(vec![100], order, Task::Classify, 50);
        for (b, v) in [(0.80, 0.83), (0.82, 0.82), (0.78, 0.81)] {
            c.record("baseline", 100, b);
            c.record("typos", 100, v);
        }
        let d = &c.paired["typos"][0];
        assert!((d.mean_diff - 0.02).abs() < 1e-12);
        assert_eq!(d.seeds, 3);
        assert!(
            c.data_advantage.is_none(),
            "no scratch start: no data advantage"
        );
        assert_eq!(
            c.variant("typos").unwrap().describe(),
            "+ typos (1× at 10%)"
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["variants"]["typos"][0].as_array().unwrap().len(), 3);
    }

    #[test]
    fn data_advantage_interpolates_on_a_log_axis() {
        let mut c = Comparison::new(
            vec![10, 100, 1000],
            Variant::starts(false),
            Task::Classify,
            50,
        );
        for (i, size) in [10, 100, 1000].into_iter().enumerate() {
            c.record("baseline", size, [0.7, 0.8, 0.9][i]);
            c.record("scratch", size, [0.5, 0.6, 1.0][i]);
        }
        let a = c.data_advantage.clone().unwrap();
        assert_eq!(a.labels, 100);
        assert_eq!((a.pretrained, a.scratch), (0.8, 0.6));
        // 0.8 is halfway from 0.6 to 1.0: halfway from 100 to 1000 in log, sqrt(100 * 1000).
        let n = a.scratch_matches_at.unwrap();
        assert!((n - 316.227_766).abs() < 1e-3, "{n}");
        assert!(
            a.sentence.contains("about 316 labels: 3x the data"),
            "{}",
            a.sentence
        );

        // Never reached: said with the largest count.
        let mut c = Comparison::new(vec![32, 100], Variant::starts(false), Task::Classify, 50);
        c.record("baseline", 32, 0.7);
        c.record("scratch", 32, 0.5);
        c.record("scratch", 100, 0.55);
        c.record("scratch", 100, 0.65); // two seeds: mean 0.6
        let a = c.data_advantage.clone().unwrap();
        assert_eq!(a.labels, 32, "read where both starts have a score");
        assert_eq!(a.scratch_matches_at, None);
        assert!((a.scratch_best - 0.6).abs() < 1e-12);
        assert!(a.sentence.contains("up to 100 labels"), "{}", a.sentence);
        assert_eq!(c.variants["scratch"][1].len(), 2);
        assert!(!c.variants.contains_key("self_pretrained"));
    }
}
