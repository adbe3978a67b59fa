//! Choosing hyperparameters on the validation set: a grid of settings, or a random draw of
//! some of its points, run as a comparison's variants (the one comparison engine: every trial
//! on the same examples and seeds), ranked by the mean validation score over seeds, with the
//! winner's margin over the runner-up paired by seed so that noise is not crowned.

use serde::{Deserialize, Serialize};

use super::compare::{Comparison, PairedDiff, paired_difference};
use super::rng::Rng;
use super::variant::{Changes, Variant};

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
