//! `anneal evaluate --group-column COL`: the evaluation by group (`shared::groups`), its JSON
//! (`"groups"`, `"disparity"`) and its table. For entity recognition every scored word counts
//! once, in its sentence's group (the tags flattened, as Fairlearn would be given them).

use std::path::Path;

use clap::Args;
use serde_json::{Value, json};

use super::shell::read;
use crate::data::features::Features;
use crate::data::groups::example_groups;
use crate::data::{Parsed, Problem};
use crate::shared::IGNORE_INDEX;
use crate::shared::groups::{
    BOOTSTRAP, BOOTSTRAP_SEED, GroupReport, GroupSettings, MIN_GROUP, group_report,
};

/// Scoring by group.
#[derive(Args, Debug)]
pub struct GroupArgs {
    /// Also score by the groups of this column (a CSV/TSV header, a JSON-lines key): each
    /// group's accuracy, macro-F1 and selection rates, and the gaps between groups.
    #[arg(long)]
    group_column: Option<String>,
    /// The positive label of a two-label task (TPR, FPR, FNR and precision are of it).
    /// [default: the second of the model's labels]
    #[arg(long, requires = "group_column")]
    positive_label: Option<String>,
    /// Groups with fewer examples are marked too small to say anything.
    #[arg(long, default_value_t = MIN_GROUP, requires = "group_column")]
    min_group: usize,
    /// Bootstrap resamples for the 95% intervals (resampled within groups; 0: none).
    #[arg(long, default_value_t = BOOTSTRAP, requires = "group_column")]
    bootstrap: usize,
    /// The bootstrap's seed.
    #[arg(long, default_value_t = BOOTSTRAP_SEED, requires = "group_column")]
    bootstrap_seed: u64,
    /// Put a numeric group column's values in this many equal-count ranges. [default: 4 when
    /// it has more than 12 distinct numbers, else none]
    #[arg(long, requires = "group_column")]
    buckets: Option<usize>,
}

impl GroupArgs {
    /// Whether scoring by group was asked for.
    pub(super) fn wanted(&self) -> bool {
        self.group_column.is_some()
    }

    /// The evaluation by group of the scored examples: `features` are the examples of
    /// `parsed` whose labels the model knows (`left_out` the others), `predicted` their
    /// predicted label ids (one, or one per scored word).
    pub(super) fn report(
        &self,
        path: &Path,
        parsed: &Parsed,
        left_out: &[Problem],
        features: &[Features],
        predicted: &[Vec<usize>],
        labels: &[String],
    ) -> Result<Option<GroupReport>, String> {
        let Some(column) = &self.group_column else {
            return Ok(None);
        };
        let bytes = read(path)?;
        let groups = example_groups(&parsed.file, &bytes, &parsed.examples, column, self.buckets)
            .map_err(|e| e.to_string())?;
        eprintln!("{}: {}", parsed.file, groups.describe());
        let dropped: std::collections::BTreeSet<usize> = left_out.iter().map(|p| p.line).collect();
        let kept = parsed
            .examples
            .lines()
            .into_iter()
            .zip(groups.values)
            .filter(|(line, _)| !dropped.contains(line))
            .map(|(_, group)| group);
        let (mut gold, mut pred, mut by) = (Vec::new(), Vec::new(), Vec::new());
        for ((f, p), group) in features.iter().zip(predicted).zip(kept) {
            let scored = f.labels.iter().filter(|&&l| l != IGNORE_INDEX);
            for (&g, &p) in scored.zip(p) {
                gold.push(g as usize);
                pred.push(p);
                by.push(group.clone());
            }
        }
        let settings = GroupSettings {
            positive: self.positive_label.clone(),
            min_group: self.min_group,
            bootstrap: self.bootstrap,
            seed: self.bootstrap_seed,
        };
        group_report(column, &gold, &pred, &by, labels, &settings)
            .map(Some)
            .map_err(|e| format!("{}: {e}", parsed.file))
    }
}

/// The report's fields added to an evaluation's JSON object.
pub(super) fn add_to_json(evaluation: &mut Value, r: &GroupReport) {
    let groups: serde_json::Map<String, Value> = r
        .groups
        .iter()
        .map(|(g, m)| {
            let mut v = serde_json::to_value(m).expect("json values");
            v["ci95"] = json!(r.intervals.get(g));
            (g.clone(), v)
        })
        .collect();
    evaluation["group_column"] = json!(r.column);
    evaluation["positive_label"] = json!(r.positive);
    evaluation["groups"] = Value::Object(groups);
    evaluation["overall"] = serde_json::to_value(&r.overall).expect("json values");
    evaluation["disparity"] = serde_json::to_value(&r.disparity).expect("json values");
    evaluation["group_settings"] = serde_json::to_value(&r.settings).expect("json values");
    evaluation["group_gap"] = json!(r.accuracy_sentence());
}

/// The report as a table, a row per group, and its gaps.
pub(super) fn print(r: &GroupReport) {
    let positive = r.positive.as_deref();
    println!(
        "by {}{}:",
        r.column,
        positive.map_or(String::new(), |p| format!(" (positive label {p})"))
    );
    println!(
        "  {:<24} {:>6} {:>20} {:>9} {:>9} {:>7} {:>7}",
        "group", "n", "accuracy [95%]", "macro-F1", "selected", "TPR", "FPR"
    );
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.3}", x));
    let selected = |m: &crate::shared::groups::GroupMetrics| {
        positive.and_then(|p| m.selection_rate.get(p).copied())
    };
    for (g, m) in r
        .groups
        .iter()
        .chain([(&"(overall)".to_string(), &r.overall)])
    {
        let ci = r
            .intervals
            .get(g)
            .and_then(|i| i.get("accuracy"))
            .map_or(String::new(), |[lo, hi]| format!(" [{lo:.2},{hi:.2}]"));
        println!(
            "  {:<24} {:>6} {:>20} {:>9.3} {:>9} {:>7} {:>7}{}",
            g,
            m.n,
            format!("{:.3}{ci}", m.accuracy),
            m.macro_f1,
            pct(selected(m)),
            pct(m.tpr),
            pct(m.fpr),
            if m.small { "  (small)" } else { "" }
        );
    }
    println!("  {}", r.accuracy_sentence());
    for (name, d) in &r.disparity {
        println!(
            "  {name:<24} difference {:.3}{}  ratio {}  to overall {:.3}",
            d.difference,
            d.ci95.as_ref().map_or(String::new(), |c| format!(
                " [{:.3}, {:.3}]",
                c.difference[0], c.difference[1]
            )),
            d.ratio.map_or("-".into(), |x| format!("{x:.3}")),
            d.to_overall
        );
    }
}
