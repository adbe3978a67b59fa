//! Choosing hyperparameters on the validation set: a grid of settings, or a random draw of
//! some of its points, run as a comparison's variants (the one comparison engine: every trial
//! on the same examples and seeds), ranked by the mean validation score over seeds, with the
//! winner's margin over the runner-up paired by seed so that noise is not crowned.

use serde::{Deserialize, Serialize};

use super::compare::{CompareSettings, Comparison, LabelCount, PairedDiff, paired_difference};
use super::rng::Rng;
use super::settings::TrainSettings;
use super::variant::{Changes, StartKind, Variant};

/// Most trials a search runs (each is a whole fine-tuning run per seed).
pub const MAX_TRIALS: usize = 64;

/// The settings searched and the values tried for each, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// `(setting, values)`, as [`Changes::set`] reads them.
    pub axes: Vec<(String, Vec<String>)>,
}

impl Grid {
    /// Reads `key=v1,v2,...` specs (one per setting); every value is checked as it would be
    /// set.
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<Self, String> {
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for spec in specs {
            let spec = spec.as_ref();
            let (key, values) = spec
                .split_once('=')
                .ok_or_else(|| format!("\"{spec}\" is not SETTING=VALUE,VALUE,..."))?;
            let key = key.trim().to_string();
            if axes.iter().any(|(k, _)| *k == key) {
                return Err(format!("{key} is searched twice"));
            }
            let values: Vec<String> = values
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                return Err(format!("{key} has no values"));
            }
            for v in &values {
                Changes::default().set(&key, v)?;
            }
            axes.push((key, values));
        }
        if axes.is_empty() {
            return Err("nothing to search (e.g. lr=2e-5,5e-5,1e-4)".into());
        }
        Ok(Self { axes })
    }

    /// Points in the whole grid.
    pub fn points(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// The `i`-th point (the last setting varies fastest) as a variant named by its values
    /// (`lr=5e-5 epochs=2`).
    fn point(&self, mut i: usize) -> Variant {
        let mut picked = Vec::with_capacity(self.axes.len());
        for (key, values) in self.axes.iter().rev() {
            picked.push((key, &values[i % values.len()]));
            i /= values.len();
        }
        picked.reverse();
        let mut changes = Changes::default();
        for (key, value) in &picked {
            changes.set(key, value).expect("checked when parsed");
        }
        let name: Vec<String> = picked.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Variant::changed(name.join(" "), changes)
    }

    /// The trials: every point of the grid, or `random` of them drawn without replacement
    /// from `seed` (in grid order). Refused above [`MAX_TRIALS`].
    pub fn trials(&self, random: Option<usize>, seed: u64) -> Result<Vec<Variant>, String> {
        let points = self.points();
        let mut picked: Vec<usize> = (0..points).collect();
        if let Some(n) = random {
            if n == 0 || n > points {
                return Err(format!(
                    "--random must be between 1 and the grid's {points} points, found {n}"
                ));
            }
            Rng::new(seed).shuffle(&mut picked);
            picked.truncate(n);
            picked.sort_unstable();
        }
        if picked.len() > MAX_TRIALS {
            return Err(format!(
                "{} trials is more than {MAX_TRIALS}: draw some with --random N",
                picked.len()
            ));
        }
        Ok(picked.into_iter().map(|i| self.point(i)).collect())
    }
}

impl Grid {
    /// Whether `key` (as [`Changes::set`] reads it) is one of the settings searched.
    pub fn searches(&self, key: &str) -> bool {
        self.axes.iter().any(|(k, _)| k == key)
    }

    /// The comparison that runs the search: every trial fine-tuned on all the training
    /// examples with each of `seeds`, scored once on the validation set (never a test file),
    /// on `finetune`'s settings otherwise. An augmentation or adversarial training set there
    /// goes to every trial that does not search it (a comparison's shared settings carry no
    /// remedy; each variant does).
    pub fn settings(
        &self,
        mut trials: Vec<Variant>,
        seeds: usize,
        mut finetune: TrainSettings,
    ) -> CompareSettings {
        let (augment, adversarial) = (finetune.augment.take(), finetune.adversarial.take());
        for t in &mut trials {
            if !self.searches("augment") {
                t.changes.augment = t.changes.augment.or(augment);
            }
            if !self.searches("adversarial") {
                t.changes.adversarial = t.changes.adversarial.or(adversarial);
            }
        }
        CompareSettings {
            sizes: vec![LabelCount::All],
            seeds,
            variants: trials,
            self_pretrain_steps: 0,
            min_steps: 0,
            finetune,
            robustness: None,
            counterfactual: None,
        }
    }
}

/// The fine-tuning settings a trial ran with: its changes over `finetune` (the settings the
/// search was started from) less their augmentation and adversarial training, which
/// [`Grid::settings`] gave each trial that did not search them.
pub fn trial_settings(changes: &Changes, finetune: &TrainSettings) -> TrainSettings {
    let base = TrainSettings {
        augment: None,
        adversarial: None,
        ..finetune.clone()
    };
    changes.apply(&base)
}

/// Whether `settings` are a search's (as [`Grid::settings`] makes them): all the labels, no
/// other start than the checkpoint, no least steps, no self-pre-training, no attack. The
/// worker refuses anything else as a search, so that its table ranks like trials.
pub fn check_search(settings: &CompareSettings) -> Result<(), String> {
    if settings.sizes != [LabelCount::All] {
        return Err("a search trains every trial on all the training examples".into());
    }
    if settings.min_steps != 0 || settings.self_pretrain_steps != 0 {
        return Err("a search runs each trial's own epochs, with no self-pre-training".into());
    }
    if settings.robustness.is_some() {
        return Err("a search scores on the validation set only (no attack)".into());
    }
    if let Some(v) = settings
        .variants
        .iter()
        .find(|v| v.start != StartKind::Pretrained)
    {
        return Err(format!(
            "every trial starts from the loaded checkpoint, not {}",
            v.start.describe()
        ));
    }
    Ok(())
}

/// One trial's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Its name: the values it tries.
    pub name: String,
    /// What it changes.
    pub changes: Changes,
    /// Validation score per seed.
    pub scores: Vec<f64>,
    /// Mean over seeds.
    pub mean: f64,
    /// Standard deviation over seeds (0 with one).
    pub sd: f64,
}

impl Trial {
    /// The value this trial gives `key`, read off its name (`lr=5e-5 epochs=2`).
    pub fn value(&self, key: &str) -> Option<&str> {
        self.name
            .split(' ')
            .filter_map(|kv| kv.split_once('='))
            .find_map(|(k, v)| (k == key).then_some(v))
    }
}

/// A column the table of trials is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortBy {
    /// Mean validation score (the ranking).
    Mean,
    /// Spread over seeds.
    Spread,
    /// A searched setting's value: numbers as numbers, the rest as text.
    Setting(String),
}

impl Search {
    /// The trials sorted by `by`, ascending or not; ties keep the ranking's order.
    pub fn sorted(&self, by: &SortBy, ascending: bool) -> Vec<&Trial> {
        use std::cmp::Ordering;
        let key = |t: &Trial| -> (f64, String) {
            match by {
                SortBy::Mean => (t.mean, String::new()),
                SortBy::Spread => (t.sd, String::new()),
                SortBy::Setting(k) => {
                    let v = t.value(k).unwrap_or("");
                    (v.parse().unwrap_or(f64::NAN), v.to_string())
                }
            }
        };
        let mut rows: Vec<&Trial> = self.trials.iter().collect();
        rows.sort_by(|a, b| {
            let ((x, xs), (y, ys)) = (key(a), key(b));
            let order = match x.partial_cmp(&y) {
                Some(Ordering::Equal) | None => xs.cmp(&ys),
                Some(o) => o,
            };
            if ascending { order } else { order.reverse() }
        });
        rows
    }
}

/// A search's result: the trials best first, the winner, and its margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// What the scores are.
    pub metric: String,
    /// Every trial that has a score, best mean first.
    pub trials: Vec<Trial>,
    /// The best trial's name.
    pub best: String,
    /// The runner-up's name, when there is one.
    pub runner_up: Option<String>,
    /// Best − runner-up, paired by seed, with its 95% interval (two seeds or more).
    pub margin: Option<PairedDiff>,
    /// The finding in one sentence.
    pub sentence: String,
}

/// Ranks the trials of `comparison` by their mean score at its largest label count; `None`
/// before any has a score.
pub fn rank(comparison: &Comparison) -> Option<Search> {
    let at = comparison.sizes.len().checked_sub(1)?;
    let mut trials: Vec<Trial> = comparison
        .order
        .iter()
        .filter_map(|v| {
            let scores = comparison.variants.get(&v.name)?.get(at)?.clone();
            if scores.is_empty() {
                return None;
            }
            let n = scores.len() as f64;
            let mean = scores.iter().sum::<f64>() / n;
            let var = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            Some(Trial {
                name: v.name.clone(),
                changes: v.changes.clone(),
                scores,
                mean,
                sd: var.sqrt(),
            })
        })
        .collect();
    trials.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    let best = trials.first()?;
    let runner = trials.get(1);
    let margin = runner.and_then(|r| {
        let (mean_diff, ci95, seeds) = paired_difference(&r.scores, &best.scores)?;
        Some(PairedDiff {
            size: comparison.sizes[at],
            mean_diff,
            ci95,
            seeds,
        })
    });
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let seeds = best.scores.len();
    let head = format!(
        "Best: {} ({} mean validation {} over {seeds} seed{})",
        best.name,
        pct(best.mean),
        comparison.metric.replace('_', " "),
        if seeds == 1 { "" } else { "s" }
    );
    let sentence = match (runner, &margin) {
        (None, _) => format!("{head}; the only trial."),
        (Some(r), Some(m)) if m.measured() => {
            format!("{head}; ahead of {} by {}.", r.name, m.describe())
        }
        (Some(r), Some(m)) => format!(
            "{head}; not told apart from {}: {} — another seed could reverse them.",
            r.name,
            m.describe()
        ),
        (Some(r), None) => format!(
            "{head}; {:+.1} points over {} on one seed, which cannot tell a difference from \
             noise: run 3 seeds or more.",
            100.0 * (best.mean - r.mean),
            r.name
        ),
    };
    Some(Search {
        metric: comparison.metric.clone(),
        best: best.name.clone(),
        runner_up: runner.map(|r| r.name.clone()),
        trials,
        margin,
        sentence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::Task;

    #[test]
    fn a_grid_is_every_combination_named_by_its_values() {
        let grid = Grid::parse(&["lr=2e-5,5e-5,1e-4", "epochs=2,4"]).unwrap();
        assert_eq!(grid.points(), 6);
        let trials = grid.trials(None, 1).unwrap();
        let names: Vec<&str> = trials.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "lr=2e-5 epochs=2",
                "lr=2e-5 epochs=4",
                "lr=5e-5 epochs=2",
                "lr=5e-5 epochs=4",
                "lr=1e-4 epochs=2",
                "lr=1e-4 epochs=4"
            ]
        );
        assert_eq!(trials[3].changes.lr, Some(5e-5));
        assert_eq!(trials[3].changes.epochs, Some(4));
        let drawn = grid.trials(Some(3), 7).unwrap();
        assert_eq!(drawn.len(), 3);
        assert_eq!(drawn, grid.trials(Some(3), 7).unwrap(), "seeded");
        assert!(drawn.iter().all(|d| trials.contains(d)));
        assert!(grid.trials(Some(7), 7).is_err());
        assert!(Grid::parse(&["lr"]).is_err());
        assert!(Grid::parse(&["lr=fast"]).unwrap_err().contains("\"fast\""));
        assert!(Grid::parse(&["lr=1e-4", "lr=2e-4"]).is_err());
        assert!(Grid::parse::<&str>(&[]).is_err());
        let big = Grid::parse(&["lr=1,2,3,4,5,6,7,8,9", "epochs=1,2,3,4,5,6,7,8"]).unwrap();
        assert!(big.trials(None, 0).is_err(), "72 trials");
    }

    #[test]
    fn a_search_runs_every_trial_on_all_labels_with_the_remedies_not_searched() {
        let grid = Grid::parse(&["lr=1e-5,1e-4", "augment=none,typos"]).unwrap();
        let trials = grid.trials(None, 0).unwrap();
        let finetune_again = || TrainSettings {
            augment: Some("eda".parse().unwrap()),
            adversarial: Some("fgm".parse().unwrap()),
            ..TrainSettings::default()
        };
        let settings = grid.settings(trials, 2, finetune_again());
        assert_eq!(settings.sizes, [LabelCount::All]);
        assert!(settings.validate().is_ok(), "{:?}", settings.validate());
        assert!(check_search(&settings).is_ok());
        assert!(settings.finetune.augment.is_none() && settings.finetune.adversarial.is_none());
        // Adversarial training is not searched: every trial keeps FGM. Augmentation is:
        // "none" means none, not the Train panel's EDA.
        assert!(
            settings
                .variants
                .iter()
                .all(|v| v.changes.adversarial.is_some())
        );
        let augments: Vec<_> = settings
            .variants
            .iter()
            .map(|v| v.changes.augment.map(|a| a.kind.name()))
            .collect();
        assert_eq!(augments, [None, Some("typos"), None, Some("typos")]);

        // The trial's settings, as the Train panel takes them: "none" is none.
        let typos = trial_settings(&settings.variants[1].changes, &finetune_again());
        assert_eq!(typos.augment.map(|a| a.kind.name()), Some("typos"));
        assert_eq!(typos.adversarial.map(|a| a.kind.name()), Some("fgm"));
        assert_eq!(typos.lr, 1e-5);
        let plain = trial_settings(&settings.variants[2].changes, &finetune_again());
        assert!(plain.augment.is_none());
        assert_eq!(plain.lr, 1e-4);

        let mut worth = settings.clone();
        worth.sizes = vec![LabelCount::Count(32), LabelCount::All];
        assert!(check_search(&worth).is_err());
        let mut scratch = settings.clone();
        scratch.variants.push(Variant::of_start(StartKind::Scratch));
        assert!(check_search(&scratch).unwrap_err().contains("random"));
    }

    #[test]
    fn the_table_sorts_by_any_column_numbers_as_numbers() {
        let grid = Grid::parse(&["lr=1e-4,2e-5,5e-5"]).unwrap();
        let mut c = Comparison::new(vec![200], grid.trials(None, 0).unwrap(), Task::Classify, 40);
        for (lr, scores) in [
            ("1e-4", [0.5, 0.9]),
            ("2e-5", [0.8, 0.8]),
            ("5e-5", [0.7, 0.75]),
        ] {
            for s in scores {
                c.record(&format!("lr={lr}"), 200, s);
            }
        }
        let s = rank(&c).unwrap();
        let names = |rows: Vec<&Trial>| -> Vec<String> {
            rows.iter()
                .map(|t| t.value("lr").unwrap().to_string())
                .collect()
        };
        assert_eq!(
            names(s.sorted(&SortBy::Mean, false)),
            ["2e-5", "5e-5", "1e-4"]
        );
        assert_eq!(
            names(s.sorted(&SortBy::Spread, true)),
            ["2e-5", "5e-5", "1e-4"]
        );
        // 2e-5 < 5e-5 < 1e-4 as numbers, though not as text.
        let by_lr = SortBy::Setting("lr".into());
        assert_eq!(names(s.sorted(&by_lr, true)), ["2e-5", "5e-5", "1e-4"]);
        assert_eq!(names(s.sorted(&by_lr, false)), ["1e-4", "5e-5", "2e-5"]);
        assert_eq!(s.trials[0].value("epochs"), None);
    }

    #[test]
    fn the_winner_is_the_best_mean_and_its_margin_is_paired_by_seed() {
        let grid = Grid::parse(&["lr=1e-5,1e-4,1e-3"]).unwrap();
        let trials = grid.trials(None, 0).unwrap();
        let mut c = Comparison::new(vec![200], trials, Task::Classify, 40);
        for (a, b, d) in [(0.70, 0.80, 0.60), (0.72, 0.81, 0.50), (0.71, 0.83, 0.55)] {
            c.record("lr=1e-5", 200, a);
            c.record("lr=1e-4", 200, b);
            c.record("lr=1e-3", 200, d);
        }
        let s = rank(&c).unwrap();
        assert_eq!(s.best, "lr=1e-4");
        assert_eq!(s.runner_up.as_deref(), Some("lr=1e-5"));
        let order: Vec<&str> = s.trials.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(order, ["lr=1e-4", "lr=1e-5", "lr=1e-3"]);
        let m = s.margin.unwrap();
        // Differences 0.10, 0.09, 0.12: mean 0.10333.
        assert!((m.mean_diff - 0.103_333).abs() < 1e-5);
        assert!(m.measured());
        assert!(
            s.sentence.contains("ahead of lr=1e-5 by +10.3 points"),
            "{}",
            s.sentence
        );
        assert!((s.trials[0].sd - 0.015_275).abs() < 1e-5);

        // Two trials within noise: said so.
        let mut c = Comparison::new(vec![200], grid.trials(None, 0).unwrap(), Task::Classify, 40);
        for (a, b) in [(0.80, 0.81), (0.82, 0.79)] {
            c.record("lr=1e-5", 200, a);
            c.record("lr=1e-4", 200, b);
        }
        let s = rank(&c).unwrap();
        assert!(s.sentence.contains("not told apart"), "{}", s.sentence);
        // One seed: no interval, and the sentence asks for more.
        let mut c = Comparison::new(vec![200], grid.trials(None, 0).unwrap(), Task::Classify, 40);
        c.record("lr=1e-5", 200, 0.8);
        c.record("lr=1e-4", 200, 0.7);
        let s = rank(&c).unwrap();
        assert!(s.margin.is_none());
        assert!(s.sentence.contains("one seed"), "{}", s.sentence);
    }
}
