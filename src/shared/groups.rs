//! Who the model fails: a classifier's metrics by group (a column of the data: gender,
//! dialect, source, a length bucket), the overall row, and the gap between groups, as
//! Fairlearn's `MetricFrame` defines them (`by_group`, `difference()` = max − min, `ratio()` =
//! min / max, and the difference to overall), with scikit-learn's metric definitions, and
//! bootstrap 95% intervals resampled within groups from a seed. Engine-free: the command line
//! computes it from predictions, and the Evaluate panel can too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// Groups with fewer examples than this are marked too small to say anything.
pub const MIN_GROUP: usize = 30;
/// Bootstrap resamples by default.
pub const BOOTSTRAP: usize = 1000;
/// The bootstrap's seed by default.
pub const BOOTSTRAP_SEED: u64 = 42;
/// The group of an example whose group cell is empty.
pub const MISSING_GROUP: &str = "(missing)";

/// How to score by group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSettings {
    /// The positive label (binary tasks): TPR, FPR, FNR and precision are of it. `None` on a
    /// two-label task picks the second label of the model's list.
    pub positive: Option<String>,
    /// Groups smaller than this are marked.
    pub min_group: usize,
    /// Bootstrap resamples (0: no intervals).
    pub bootstrap: usize,
    /// The bootstrap's seed.
    pub seed: u64,
}

impl Default for GroupSettings {
    fn default() -> Self {
        Self {
            positive: None,
            min_group: MIN_GROUP,
            bootstrap: BOOTSTRAP,
            seed: BOOTSTRAP_SEED,
        }
    }
}

/// One group's metrics (or all examples').
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics {
    /// Examples in the group.
    pub n: usize,
    /// Share predicted right (scikit-learn's `accuracy_score`).
    pub accuracy: f64,
    /// Mean F1 over the labels in the group's gold or predicted labels (scikit-learn's
    /// `f1_score(average="macro")`).
    pub macro_f1: f64,
    /// Share of the group predicted as each label (Fairlearn's `selection_rate`).
    pub selection_rate: BTreeMap<String, f64>,
    /// True positive rate of the positive label (binary tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpr: Option<f64>,
    /// False positive rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpr: Option<f64>,
    /// False negative rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fnr: Option<f64>,
    /// Precision of the positive label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Fewer examples than the minimum group size: shown, but too few to say anything.
    #[serde(default)]
    pub small: bool,
}

/// The gap between groups in one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disparity {
    /// Largest minus smallest group value (Fairlearn's `difference()`).
    pub difference: f64,
    /// Smallest over largest (Fairlearn's `ratio()`); `None` when the largest is 0.
    pub ratio: Option<f64>,
    /// The largest distance of a group from the overall value
    /// (`difference(method="to_overall")`).
    pub to_overall: f64,
    /// The group with the smallest value, and the one with the largest.
    pub lowest: String,
    /// The group with the largest value.
    pub highest: String,
    /// Bootstrap 95% intervals of the difference and the ratio (`None` without resamples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<DisparityInterval>,
}

/// A disparity's bootstrap intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisparityInterval {
    /// Of the difference.
    pub difference: [f64; 2],
    /// Of the ratio (resamples where the largest value is 0 left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<[f64; 2]>,
}

/// A classifier's evaluation by group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    /// The column the groups come from.
    pub column: String,
    /// The positive label the rates are of (binary tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// All examples.
    pub overall: GroupMetrics,
    /// Each group's metrics, by the group's value.
    pub groups: BTreeMap<String, GroupMetrics>,
    /// Bootstrap 95% intervals of each group's metrics: group -> metric -> [low, high].
    #[serde(default)]
    pub intervals: BTreeMap<String, BTreeMap<String, [f64; 2]>>,
    /// The gap between groups, by metric (`accuracy`, `macro_f1`, `selection_rate:LABEL`,
    /// `tpr`, `fpr`, `fnr`, `precision`).
    pub disparity: BTreeMap<String, Disparity>,
    /// The accuracy gap between the groups large enough to say something (all groups when
    /// fewer than two are): the one the summary sentence states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
    /// The settings it was computed with (minimum group size, resamples, seed).
    pub settings: GroupSettings,
}

/// The accuracy gap between two groups, with its bootstrap interval (paired by resample).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// The group with the lowest accuracy.
    pub lower: String,
    /// The group with the highest.
    pub higher: String,
    /// Highest minus lowest.
    pub difference: f64,
    /// Its 95% interval over the resamples (`None` without resamples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    /// Groups under the minimum size, left out of this comparison.
    #[serde(default)]
    pub small_left_out: Vec<String>,
}

/// What went wrong scoring by group.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupError {
    /// The positive label is not one of the model's labels.
    #[error("the positive label {0:?} is not one of the model's labels ({1})")]
    UnknownPositive(String, String),
    /// A positive label was asked of a task with more than two labels.
    #[error(
        "TPR, FPR, FNR and precision are for two-label tasks; this one has {0} labels (selection rates are given for each)"
    )]
    NotBinary(usize),
    /// Not one example.
    #[error("no examples to score")]
    Empty,
}

/// A column of a data file that can group its examples, for the Data panel and the Evaluate
/// panel's column picker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupColumn {
    /// The column's name.
    pub name: String,
    /// Its groups and their example counts, largest first.
    pub counts: Vec<(String, usize)>,
    /// Buckets its numbers were put in, when they were.
    #[serde(default)]
    pub buckets: Option<usize>,
    /// Examples without a value (in the group "(missing)").
    #[serde(default)]
    pub missing: usize,
}

/// Gold and predicted label indices of the examples of one group.
type Pairs = Vec<(usize, usize)>;

/// Scores `predicted` against `gold` (indices into `labels`) for each group of `groups` (one
/// value per example), as Fairlearn's `MetricFrame` does, with bootstrap intervals.
pub fn group_report(
    column: &str,
    gold: &[usize],
    predicted: &[usize],
    groups: &[String],
    labels: &[String],
    settings: &GroupSettings,
) -> Result<GroupReport, GroupError> {
    if gold.is_empty() {
        return Err(GroupError::Empty);
    }
    let positive = positive_index(labels, settings.positive.as_deref())?;
    let mut by_group: BTreeMap<String, Pairs> = BTreeMap::new();
    for ((&g, &p), group) in gold.iter().zip(predicted).zip(groups) {
        by_group.entry(group.clone()).or_default().push((g, p));
    }
    let all: Pairs = gold
        .iter()
        .copied()
        .zip(predicted.iter().copied())
        .collect();
    let score = |pairs: &[(usize, usize)]| {
        let mut m = metrics(pairs, labels, positive);
        m.small = pairs.len() < settings.min_group;
        m
    };
    let mut overall = score(&all);
    overall.small = false;
    let scored: BTreeMap<String, GroupMetrics> = by_group
        .iter()
        .map(|(k, v)| (k.clone(), score(v)))
        .collect();
    let mut disparity = disparities(&scored, &overall);
    let (intervals, draws) = match settings.bootstrap {
        0 => (BTreeMap::new(), BTreeMap::new()),
        _ => bootstrap(&by_group, labels, positive, settings, &mut disparity),
    };
    let gap = accuracy_gap(&scored, &draws);
    Ok(GroupReport {
        column: column.to_string(),
        positive: positive.map(|i| labels[i].clone()),
        overall,
        groups: scored,
        intervals,
        disparity,
        gap,
        settings: settings.clone(),
    })
}

/// The positive label's index: the one asked for, or the second of two.
fn positive_index(labels: &[String], asked: Option<&str>) -> Result<Option<usize>, GroupError> {
    match asked {
        Some(name) => {
            let Some(i) = labels.iter().position(|l| l == name) else {
                return Err(GroupError::UnknownPositive(name.into(), labels.join(", ")));
            };
            match labels.len() {
                2 => Ok(Some(i)),
                k => Err(GroupError::NotBinary(k)),
            }
        }
        None => Ok((labels.len() == 2).then_some(1)),
    }
}

/// The metrics of one set of (gold, predicted) pairs.
pub fn metrics(
    pairs: &[(usize, usize)],
    labels: &[String],
    positive: Option<usize>,
) -> GroupMetrics {
    let k = labels.len();
    let mut matrix = vec![vec![0usize; k]; k];
    for &(g, p) in pairs {
        matrix[g][p] += 1;
    }
    let n = pairs.len();
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let correct: usize = (0..k).map(|i| matrix[i][i]).sum();
    let column = |c: usize| (0..k).map(|r| matrix[r][c]).sum::<usize>();
    let row = |r: usize| matrix[r].iter().sum::<usize>();
    let present: Vec<usize> = (0..k).filter(|&c| row(c) + column(c) > 0).collect();
    let f1 = |c: usize| {
        let tp = matrix[c][c];
        share(2 * tp, row(c) + column(c))
    };
    let macro_f1 = match present.len() {
        0 => 0.0,
        m => present.iter().map(|&c| f1(c)).sum::<f64>() / m as f64,
    };
    let selection_rate = (0..k)
        .map(|c| (labels[c].clone(), share(column(c), n)))
        .collect();
    let rates = positive.map(|c| {
        let tp = matrix[c][c];
        let (actual, picked) = (row(c), column(c));
        let fp = picked - tp;
        let negatives = n - actual;
        (
            share(tp, actual),
            share(fp, negatives),
            share(actual - tp, actual),
            share(tp, picked),
        )
    });
    GroupMetrics {
        n,
        accuracy: share(correct, n),
        macro_f1,
        selection_rate,
        tpr: rates.map(|r| r.0),
        fpr: rates.map(|r| r.1),
        fnr: rates.map(|r| r.2),
        precision: rates.map(|r| r.3),
        small: false,
    }
}

/// The named scalar metrics of a group, in a fixed order: the keys of
/// [`GroupReport::disparity`].
pub fn named_values(m: &GroupMetrics) -> Vec<(String, f64)> {
    let mut out = vec![
        ("accuracy".to_string(), m.accuracy),
        ("macro_f1".to_string(), m.macro_f1),
    ];
    for (label, rate) in &m.selection_rate {
        out.push((format!("selection_rate:{label}"), *rate));
    }
    let rates = [
        ("tpr", m.tpr),
        ("fpr", m.fpr),
        ("fnr", m.fnr),
        ("precision", m.precision),
    ];
    out.extend(
        rates
            .into_iter()
            .filter_map(|(name, v)| v.map(|v| (name.to_string(), v))),
    );
    out
}

/// Difference, ratio and distance to overall of every metric across groups.
fn disparities(
    groups: &BTreeMap<String, GroupMetrics>,
    overall: &GroupMetrics,
) -> BTreeMap<String, Disparity> {
    let overall: BTreeMap<String, f64> = named_values(overall).into_iter().collect();
    let mut values: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for (group, m) in groups {
        for (name, v) in named_values(m) {
            values.entry(name).or_default().push((group.clone(), v));
        }
    }
    values
        .into_iter()
        .map(|(name, vs)| {
            let (lowest, low) = extreme(&vs, |a, b| a < b);
            let (highest, high) = extreme(&vs, |a, b| a > b);
            let at = overall.get(&name).copied().unwrap_or(0.0);
            let to_overall = vs.iter().map(|(_, v)| (v - at).abs()).fold(0.0, f64::max);
            let disparity = Disparity {
                difference: high - low,
                ratio: (high != 0.0).then(|| low / high),
                to_overall,
                lowest,
                highest,
                ci95: None,
            };
            (name, disparity)
        })
        .collect()
}

/// The first group with the value that `better` prefers.
fn extreme(values: &[(String, f64)], better: fn(f64, f64) -> bool) -> (String, f64) {
    let mut best = values[0].clone();
    for (group, v) in &values[1..] {
        if better(*v, best.1) {
            best = (group.clone(), *v);
        }
    }
    best
}

/// The accuracy gap between the lowest and the highest of the groups with enough examples,
/// its interval from the same resamples of both (`draws`: each group's accuracy per resample).
fn accuracy_gap(
    groups: &BTreeMap<String, GroupMetrics>,
    draws: &BTreeMap<String, Vec<f64>>,
) -> Option<Gap> {
    let large: Vec<(String, f64)> = groups
        .iter()
        .filter(|(_, m)| !m.small)
        .map(|(g, m)| (g.clone(), m.accuracy))
        .collect();
    let (compared, small_left_out) = match large.len() {
        0 | 1 => (
            groups
                .iter()
                .map(|(g, m)| (g.clone(), m.accuracy))
                .collect(),
            Vec::new(),
        ),
        _ => (
            large,
            groups
                .iter()
                .filter(|(_, m)| m.small)
                .map(|(g, _)| g.clone())
                .collect(),
        ),
    };
    if compared.len() < 2 {
        return None;
    }
    let (lower, low) = extreme(&compared, |a, b| a < b);
    let (higher, high) = extreme(&compared, |a, b| a > b);
    let ci95 = match (draws.get(&lower), draws.get(&higher)) {
        (Some(l), Some(h)) => Some(interval(
            &mut h.iter().zip(l).map(|(h, l)| h - l).collect::<Vec<_>>(),
        )),
        _ => None,
    };
    Some(Gap {
        lower,
        higher,
        difference: high - low,
        ci95,
        small_left_out,
    })
}

/// What the bootstrap gives: each group metric's 95% interval, and each group's accuracy in
/// each resample, in order.
type Resampled = (
    BTreeMap<String, BTreeMap<String, [f64; 2]>>,
    BTreeMap<String, Vec<f64>>,
);

/// Resamples each group's examples with replacement `settings.bootstrap` times and returns
/// each group metric's 95% interval and the accuracy draws, filling in the disparities'
/// intervals.
fn bootstrap(
    by_group: &BTreeMap<String, Pairs>,
    labels: &[String],
    positive: Option<usize>,
    settings: &GroupSettings,
    disparity: &mut BTreeMap<String, Disparity>,
) -> Resampled {
    let mut rng = Rng::new(settings.seed);
    let mut per_group: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut differences: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for _ in 0..settings.bootstrap {
        let mut resampled: BTreeMap<String, GroupMetrics> = BTreeMap::new();
        let mut all = Vec::new();
        for (group, pairs) in by_group {
            let drawn: Pairs = (0..pairs.len())
                .map(|_| pairs[rng.below(pairs.len())])
                .collect();
            all.extend_from_slice(&drawn);
            let m = metrics(&drawn, labels, positive);
            for (name, v) in named_values(&m) {
                per_group.entry((group.clone(), name)).or_default().push(v);
            }
            resampled.insert(group.clone(), m);
        }
        for (name, d) in disparities(&resampled, &metrics(&all, labels, positive)) {
            differences
                .entry(name.clone())
                .or_default()
                .push(d.difference);
            if let Some(r) = d.ratio {
                ratios.entry(name).or_default().push(r);
            }
        }
    }
    for (name, d) in disparity.iter_mut() {
        d.ci95 = differences.get_mut(name).map(|diffs| DisparityInterval {
            difference: interval(diffs),
            ratio: ratios.get_mut(name).map(|r| interval(r)),
        });
    }
    let mut intervals: BTreeMap<String, BTreeMap<String, [f64; 2]>> = BTreeMap::new();
    let mut draws = BTreeMap::new();
    for ((group, name), mut values) in per_group {
        if name == "accuracy" {
            draws.insert(group.clone(), values.clone());
        }
        intervals
            .entry(group)
            .or_default()
            .insert(name, interval(&mut values));
    }
    (intervals, draws)
}

/// The 2.5% and 97.5% quantiles (linear interpolation between order statistics, numpy's
/// default).
pub fn interval(values: &mut [f64]) -> [f64; 2] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (values.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
    };
    [at(0.025), at(0.975)]
}

/// The groups' values and sizes, for a column picker: distinct values and their counts,
/// largest first.
pub fn group_counts(groups: &[String]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for g in groups {
        *counts.entry(g).or_default() += 1;
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().map(|(g, n)| (g.into(), n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Numeric group values put in `buckets` equal-count ranges ("[3, 12)", the last closed),
/// cut at the values' quantiles; `None` when a value is not a number (an empty cell is
/// [`MISSING_GROUP`] and stays so).
pub fn bucket_numbers(values: &[String], buckets: usize) -> Option<Vec<String>> {
    let numbers: Vec<Option<f64>> = values
        .iter()
        .map(|v| match v.as_str() {
            MISSING_GROUP => Some(None),
            s => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some),
        })
        .collect::<Option<_>>()?;
    let mut sorted: Vec<f64> = numbers.iter().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return None;
    }
    let buckets = buckets.max(1);
    let mut edges: Vec<f64> = (1..buckets)
        .map(|b| sorted[b * sorted.len() / buckets])
        .filter(|e| *e > sorted[0])
        .collect();
    edges.dedup();
    let (first, last) = (sorted[0], sorted[sorted.len() - 1]);
    let name = |i: usize| {
        let lo = if i == 0 { first } else { edges[i - 1] };
        match edges.get(i) {
            Some(hi) => format!("[{}, {})", number(lo), number(*hi)),
            None => format!("[{}, {}]", number(lo), number(last)),
        }
    };
    Some(
        numbers
            .iter()
            .map(|x| match x {
                None => MISSING_GROUP.to_string(),
                Some(x) => name(edges.partition_point(|e| e <= x)),
            })
            .collect(),
    )
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl GroupReport {
    /// The gap in accuracy in words: "accuracy is 7.9 points lower for group B than for A
    /// (interval 3.1 to 12.6)", or that the groups could not be told apart.
    pub fn accuracy_sentence(&self) -> String {
        let Some(gap) = &self.gap else {
            return match self.groups.keys().next() {
                Some(g) => format!("one group only ({g}): nothing to compare"),
                None => "no groups to compare".into(),
            };
        };
        let n = |g: &str| self.groups.get(g).map_or(0, |m| m.n);
        if gap.difference == 0.0 {
            return format!(
                "accuracy is the same in every group compared ({:.1}%)",
                100.0 * self.groups.get(&gap.lower).map_or(0.0, |m| m.accuracy)
            );
        }
        let mut sentence = format!(
            "accuracy is {:.1} points lower for {} (n = {}) than for {} (n = {})",
            100.0 * gap.difference,
            gap.lower,
            n(&gap.lower),
            gap.higher,
            n(&gap.higher)
        );
        if let Some([lo, hi]) = gap.ci95 {
            sentence += &format!(" (95% interval {:.1} to {:.1})", 100.0 * lo, 100.0 * hi);
            if lo <= 0.0 {
                sentence += ": the interval holds 0, so no gap is measured";
            }
        }
        if !gap.small_left_out.is_empty() {
            sentence += &format!(
                "; left out as smaller than {} examples: {}",
                self.settings.min_group,
                gap.small_left_out.join(", ")
            );
        } else if self.groups.values().any(|m| m.small) {
            sentence += &format!(
                "; every group has fewer than {} examples: too few to say much",
                self.settings.min_group
            );
        }
        sentence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        vec!["neg".into(), "pos".into()]
    }

    #[test]
    fn hand_computed_rates_and_gaps() {
        // Group a: gold 1,1,0,0 predicted 1,0,0,1. Group b: gold 1,0 predicted 1,0.
        let gold = [1, 1, 0, 0, 1, 0];
        let predicted = [1, 0, 0, 1, 1, 0];
        let groups: Vec<String> = ["a", "a", "a", "a", "b", "b"].map(String::from).to_vec();
        let settings = GroupSettings {
            bootstrap: 0,
            ..GroupSettings::default()
        };
        let r = group_report("g", &gold, &predicted, &groups, &labels(), &settings).unwrap();
        let a = &r.groups["a"];
        assert_eq!(
            (a.n, a.accuracy, a.tpr, a.fpr),
            (4, 0.5, Some(0.5), Some(0.5))
        );
        assert_eq!(r.groups["b"].accuracy, 1.0);
        assert!(a.small && r.groups["b"].small && !r.overall.small);
        let d = &r.disparity["accuracy"];
        assert_eq!((d.difference, d.ratio), (0.5, Some(0.5)));
        assert_eq!((d.lowest.as_str(), d.highest.as_str()), ("a", "b"));
        assert!((d.to_overall - (1.0 - 4.0 / 6.0)).abs() < 1e-12);
        assert!(
            r.accuracy_sentence()
                .starts_with("accuracy is 50.0 points lower for a (n = 4) than for b (n = 2)"),
            "{}",
            r.accuracy_sentence()
        );
    }

    #[test]
    fn macro_f1_averages_over_the_labels_present_in_the_group() {
        let labels: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
        // Only x and y occur: F1(x) = 2/3, F1(y) = 2/3 (z, absent, is not averaged in).
        let m = metrics(&[(0, 0), (0, 1), (1, 1)], &labels, None);
        assert!((m.macro_f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.selection_rate["y"], 2.0 / 3.0);
        assert_eq!(m.tpr, None);
    }

    #[test]
    fn the_bootstrap_is_reproducible_from_its_seed_and_brackets_the_estimate() {
        let gold: Vec<usize> = (0..200).map(|i| (i * 7 % 3 == 0) as usize).collect();
        let predicted: Vec<usize> = (0..200).map(|i| (i * 5 % 4 == 0) as usize).collect();
        let groups: Vec<String> = (0..200).map(|i| format!("g{}", i % 3)).collect();
        let settings = GroupSettings {
            bootstrap: 200,
            ..GroupSettings::default()
        };
        let run = || group_report("g", &gold, &predicted, &groups, &labels(), &settings).unwrap();
        let (a, b) = (run(), run());
        assert_eq!(a, b);
        let other = group_report(
            "g",
            &gold,
            &predicted,
            &groups,
            &labels(),
            &GroupSettings {
                seed: 7,
                ..settings.clone()
            },
        )
        .unwrap();
        assert_ne!(a.intervals, other.intervals);
        for (group, m) in &a.groups {
            let [lo, hi] = a.intervals[group]["accuracy"];
            assert!(
                lo <= m.accuracy && m.accuracy <= hi,
                "{group}: {lo} {} {hi}",
                m.accuracy
            );
        }
        assert!(a.disparity["accuracy"].ci95.is_some());
        let gap = a.gap.as_ref().unwrap();
        let [lo, hi] = gap.ci95.unwrap();
        assert!(lo <= gap.difference && gap.difference <= hi, "{gap:?}");
    }

    #[test]
    fn numbers_are_bucketed_by_quantiles_and_missing_cells_kept() {
        let values: Vec<String> = ["1", "2", "3", "4", "5", "6", "7", "8", MISSING_GROUP]
            .map(String::from)
            .to_vec();
        let b = bucket_numbers(&values, 2).unwrap();
        assert_eq!(b[0], "[1, 5)");
        assert_eq!(b[7], "[5, 8]");
        assert_eq!(b[8], MISSING_GROUP);
        assert!(bucket_numbers(&["a".to_string()], 2).is_none());
    }

    #[test]
    fn a_positive_label_must_be_known_and_the_task_binary() {
        let three: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
        assert!(matches!(
            positive_index(&three, Some("y")),
            Err(GroupError::NotBinary(3))
        ));
        assert!(matches!(
            positive_index(&labels(), Some("maybe")),
            Err(GroupError::UnknownPositive(..))
        ));
        assert_eq!(positive_index(&labels(), None).unwrap(), Some(1));
        assert_eq!(positive_index(&three, None).unwrap(), None);
    }
}
