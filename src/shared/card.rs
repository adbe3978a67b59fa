//! A model card: the `README.md` of a Hugging Face model folder (YAML metadata — library,
//! pipeline, `model-index` with the evaluation — then what the model is, how it was trained,
//! how it scored, who it fails by group, what a counterfactual test found, its limits and how
//! to load it). Engine-free, so the command line (`anneal card`) and the browser's export
//! write the same card from the same facts.

use std::fmt::Write;

use super::counterfactual::{CounterfactualReport, SwapKind};
use super::groups::GroupReport;
use super::progress::Scores;
use super::settings::TrainSettings;
use super::tag_swaps::{CounterfactualAnswer, TagSwapReport};
use super::task::Task;

/// What a card says.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCard {
    /// The model's name (its folder's, or the saved run's).
    pub name: String,
    /// The model it was fine-tuned from: a Hub id (`owner/name`) goes in the metadata as
    /// `base_model`, anything else is only named in the text.
    pub base_model: Option<String>,
    /// What it does.
    pub task: Task,
    /// Its labels (classes or entity tags).
    pub labels: Vec<String>,
    /// How it was fine-tuned, when known.
    pub settings: Option<TrainSettings>,
    /// The training data in words ("rotten_tomatoes_small.csv: 1,800 examples").
    pub training_data: Option<String>,
    /// The data the scores are on, in words ("the 200 validation examples of …").
    pub evaluated_on: String,
    /// Headline metrics as (name, value in 0–1, or 0–100 for SQuAD's).
    pub metrics: Vec<(String, f64)>,
    /// Scores per label or entity type.
    pub per_label: Vec<(String, Scores)>,
    /// The evaluation by group, when one was made.
    pub groups: Option<GroupReport>,
    /// The counterfactual test, when one was made.
    pub counterfactual: Option<CounterfactualAnswer>,
}

/// A string as YAML reads it: double-quoted, backslashes and quotes escaped, line breaks as
/// `\n`.
fn yaml(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// Whether `s` reads as a Hub model id (`owner/name`), not a path or a URL.
fn is_hub_id(s: &str) -> bool {
    s.split('/').count() == 2
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains([':', ' ', '\\'])
        && !s.starts_with('.')
}

/// A table cell with its pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl ModelCard {
    fn pipeline(&self) -> &'static str {
        match self.task {
            Task::Classify => "text-classification",
            Task::Ner => "token-classification",
            Task::Qa => "question-answering",
        }
    }

    /// The card's text.
    pub fn markdown(&self) -> String {
        let mut out = self.metadata();
        out += &self.description();
        out += &self.training();
        out += &self.evaluation();
        if let Some(g) = &self.groups {
            out += &groups_section(g);
        }
        match &self.counterfactual {
            Some(CounterfactualAnswer::Labels(c)) => out += &counterfactual_section(c),
            Some(CounterfactualAnswer::Types(t)) => out += &tag_swap_section(t),
            None => {}
        }
        out += &self.limitations();
        out += &self.usage();
        out
    }

    fn metadata(&self) -> String {
        let mut m = String::from("---\nlibrary_name: transformers\n");
        let _ = writeln!(m, "pipeline_tag: {}", self.pipeline());
        m += "tags:\n- anneal\n- fine-tuned\n";
        if let Some(base) = self.base_model.as_ref().filter(|b| is_hub_id(b)) {
            let _ = writeln!(m, "base_model: {}", yaml(base));
        }
        if !self.metrics.is_empty() {
            let _ = writeln!(m, "model-index:\n- name: {}\n  results:", yaml(&self.name));
            let _ = writeln!(m, "  - task:\n      type: {}", self.pipeline());
            let _ = writeln!(
                m,
                "    dataset:\n      name: {}\n      type: {}",
                yaml(&self.evaluated_on),
                yaml("custom")
            );
            m += "    metrics:\n";
            for (name, value) in &self.metrics {
                let kind = name.to_lowercase().replace([' ', '-'], "_");
                let _ = writeln!(
                    m,
                    "    - type: {}\n      value: {value}\n      name: {}",
                    yaml(&kind),
                    yaml(name)
                );
            }
        }
        m + "---\n\n"
    }

    fn description(&self) -> String {
        let (article, what) = match self.task {
            Task::Classify => ("A", "text classifier"),
            Task::Ner => ("A", "named-entity tagger"),
            Task::Qa => ("An", "extractive question-answering model"),
        };
        let base = self
            .base_model
            .as_ref()
            .map_or(String::new(), |b| format!(" fine-tuned from `{b}`"));
        let mut s = format!(
            "# {}\n\n{article} {what}{base} with Anneal (fine-tuning in the browser or on the command line; nothing leaves the machine).\n\n",
            self.name
        );
        if self.task != Task::Qa && !self.labels.is_empty() {
            let _ = writeln!(
                s,
                "Labels ({}): {}.\n",
                self.labels.len(),
                self.labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s
    }

    fn training(&self) -> String {
        let Some(t) = &self.settings else {
            return String::new();
        };
        let mut s = String::from("## Training\n\n");
        if let Some(d) = &self.training_data {
            let _ = writeln!(s, "Data: {d}.\n");
        }
        s += "| setting | value |\n|---|---|\n";
        let what = match (
            &t.adaptation.lora,
            t.adaptation.freeze_layers,
            t.adaptation.freeze_embeddings,
        ) {
            (Some(l), _, _) => format!(
                "LoRA adapters, rank {} (alpha {}), merged into the weights",
                l.rank, l.alpha
            ),
            (None, 0, false) => "all weights".to_string(),
            (None, n, e) => format!(
                "all but {}{}",
                if e { "the embeddings" } else { "" },
                match n {
                    0 => String::new(),
                    n => format!("{}the lowest {n} layer(s)", if e { " and " } else { "" }),
                }
            ),
        };
        let rows = [
            ("epochs", t.epochs.to_string()),
            ("batch size", t.batch_size.to_string()),
            ("peak learning rate (AdamW)", format!("{}", t.lr)),
            (
                "warm-up",
                format!("{:.0}% of the steps", 100.0 * t.warmup_ratio),
            ),
            ("weight decay", format!("{}", t.weight_decay)),
            ("longest input", format!("{} tokens", t.max_len)),
            ("trained", what),
            (
                "augmentation",
                t.augment
                    .map_or("none".into(), |a| a.kind.name().to_string()),
            ),
            (
                "adversarial training",
                t.adversarial.map_or("none".into(), |a| a.describe()),
            ),
            ("seed", t.seed.to_string()),
        ];
        for (k, v) in rows {
            let _ = writeln!(s, "| {k} | {} |", cell(&v));
        }
        s + "\n"
    }

    fn evaluation(&self) -> String {
        let mut s = format!("## Evaluation\n\nOn {}:\n\n", self.evaluated_on);
        s += "| metric | value |\n|---|---|\n";
        for (name, value) in &self.metrics {
            let _ = writeln!(s, "| {} | {value:.4} |", cell(name));
        }
        if !self.per_label.is_empty() {
            s += "\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
            for (label, sc) in &self.per_label {
                let _ = writeln!(
                    s,
                    "| {} | {:.4} | {:.4} | {:.4} | {} |",
                    cell(label),
                    sc.precision,
                    sc.recall,
                    sc.f1,
                    sc.support
                );
            }
        }
        s + "\n"
    }

    fn limitations(&self) -> String {
        let mut s = String::from(
            "## Limitations\n\nThe scores above are on the evaluation data named, and say little about text unlike it. A model fine-tuned on a few thousand examples inherits what they say about people; ",
        );
        s += match (&self.groups, &self.counterfactual) {
            (None, None) => "no evaluation by group or counterfactual test was made for this card.",
            _ => {
                "the sections above measure some of it, not all: a group smaller than the minimum size cannot show a gap, and a swap list covers only its own words (the gender list swaps binary terms only)."
            }
        };
        s + "\n\n"
    }

    fn usage(&self) -> String {
        format!(
            "## How to use\n\n```python\nfrom transformers import pipeline\n\nmodel = pipeline(\"{}\", model=\"path/to/this/folder\")\n```\n",
            self.pipeline()
        )
    }
}

fn groups_section(g: &GroupReport) -> String {
    let pct = |x: f64| format!("{:.1}", 100.0 * x);
    let rate = |x: Option<f64>| x.map_or("–".into(), pct);
    let mut s = format!(
        "## Who the model fails: scores by {}\n\n{}.\n\n",
        g.column,
        g.accuracy_sentence()
    );
    s += "| group | n | accuracy % [95%] | macro-F1 % | TPR % | FPR % |\n|---|---|---|---|---|---|\n";
    for (name, m) in g.groups.iter().chain([(&"all".to_string(), &g.overall)]) {
        let ci = g
            .intervals
            .get(name)
            .and_then(|i| i.get("accuracy"))
            .map_or(String::new(), |[lo, hi]| {
                format!(" [{}–{}]", pct(*lo), pct(*hi))
            });
        let _ = writeln!(
            s,
            "| {}{} | {} | {}{ci} | {} | {} | {} |",
            cell(name),
            if m.small { " (small)" } else { "" },
            m.n,
            pct(m.accuracy),
            pct(m.macro_f1),
            rate(m.tpr),
            rate(m.fpr)
        );
    }
    s += "\n| metric | difference [95%] | ratio |\n|---|---|---|\n";
    for (name, d) in &g.disparity {
        let ci = d.ci95.as_ref().map_or(String::new(), |c| {
            format!(" [{:.3}, {:.3}]", c.difference[0], c.difference[1])
        });
        let ratio = d.ratio.map_or("–".into(), |r| format!("{r:.3}"));
        let _ = writeln!(s, "| {name} | {:.3}{ci} | {ratio} |", d.difference);
    }
    let _ = writeln!(
        s,
        "\nGroups with fewer than {} examples are marked small; intervals from {} bootstrap resamples within groups (seed {}).\n",
        g.settings.min_group, g.settings.bootstrap, g.settings.seed
    );
    s
}

/// What a swap list swaps, in words.
fn swap_list(kind: SwapKind) -> &'static str {
    match kind {
        SwapKind::Gender => "gendered words and pronouns",
        SwapKind::Names => "female and male first names",
        SwapKind::Custom => "a list of word pairs",
    }
}

/// An entity tagger's counterfactual test: the sentence, and the sentences whose swapped
/// words changed type.
fn tag_swap_section(t: &TagSwapReport) -> String {
    let mut s = format!(
        "## Counterfactual test: {} swapped

{}.

",
        swap_list(t.swap),
        t.sentence()
    );
    let flipped: Vec<_> = t.pairs.iter().filter(|p| p.flips > 0).take(5).collect();
    if !flipped.is_empty() {
        s += "| original | swapped | types changed |\n|---|---|---|\n";
        for p in flipped {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                cell(&p.original),
                cell(&p.swapped),
                cell(&p.retyped().join("; "))
            );
        }
        s += "\n";
    }
    s
}

fn counterfactual_section(c: &CounterfactualReport) -> String {
    let list = swap_list(c.swap);
    let mut s = format!(
        "## Counterfactual test: {list} swapped\n\n{}.\n\n",
        c.sentence()
    );
    if !c.pairs.is_empty() {
        s += "| original | swapped | before | after | shift |\n|---|---|---|---|---|\n";
        for p in c.pairs.iter().take(5) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {:+.3} |",
                cell(&p.original),
                cell(&p.swapped),
                cell(&p.label_before),
                cell(&p.label_after),
                p.shift
            );
        }
        s += "\n";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::counterfactual::{Swaps, counterfactual_report};
    use crate::shared::groups::{GroupSettings, group_report};

    fn card() -> ModelCard {
        let labels = vec!["negative".to_string(), "positive".to_string()];
        let groups = group_report(
            "who",
            &[0, 1, 1, 0],
            &[0, 1, 0, 0],
            &["a", "a", "b", "b"].map(String::from),
            &labels,
            &GroupSettings {
                bootstrap: 20,
                ..GroupSettings::default()
            },
        )
        .unwrap();
        let texts = vec!["he was | good".to_string()];
        let swapped: Vec<_> = texts.iter().map(|t| Swaps::gender().swap(t)).collect();
        let cf = counterfactual_report(
            crate::shared::counterfactual::SwapKind::Gender,
            &labels,
            &texts,
            &swapped,
            &[vec![0.3, 0.7]],
            &[vec![0.6, 0.4]],
        );
        ModelCard {
            name: "reviews-minilm".into(),
            base_model: Some("sentence-transformers/all-MiniLM-L6-v2".into()),
            task: Task::Classify,
            labels,
            settings: Some(TrainSettings::default()),
            training_data: Some("reviews.csv: 1,800 examples".into()),
            evaluated_on: "the 200 validation examples of reviews.csv".into(),
            metrics: vec![("accuracy".into(), 0.75), ("macro-F1".into(), 0.7)],
            per_label: vec![],
            groups: Some(groups),
            counterfactual: Some(CounterfactualAnswer::Labels(cf)),
        }
    }

    #[test]
    fn a_card_has_the_hub_metadata_and_every_section() {
        let text = card().markdown();
        assert!(
            text.starts_with(
                "---\nlibrary_name: transformers\npipeline_tag: text-classification\n"
            ),
            "{text}"
        );
        assert!(text.contains("base_model: \"sentence-transformers/all-MiniLM-L6-v2\""));
        assert!(
            text.contains("    - type: \"macro_f1\"\n      value: 0.7\n"),
            "{text}"
        );
        for heading in [
            "# reviews-minilm",
            "## Training",
            "## Evaluation",
            "## Who the model fails: scores by who",
            "## Counterfactual test",
            "## Limitations",
            "## How to use",
        ] {
            assert!(text.contains(heading), "{heading}: {text}");
        }
        assert!(
            text.contains("| he was \\| good | she was \\| good | positive | negative | -0.300 |"),
            "{text}"
        );
        // Front matter closes once, before the text.
        assert_eq!(text.matches("\n---\n").count(), 1, "{text}");
    }

    #[test]
    fn a_folder_name_is_not_a_hub_id() {
        let mut c = card();
        c.base_model = Some("all-MiniLM-L6-v2".into());
        c.groups = None;
        c.counterfactual = None;
        let text = c.markdown();
        assert!(!text.contains("base_model:"), "{text}");
        assert!(text.contains("fine-tuned from `all-MiniLM-L6-v2`"));
        assert!(text.contains("no evaluation by group or counterfactual test was made"));
    }
}
