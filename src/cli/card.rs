//! `anneal card`: a model card (`README.md`, `shared::card`) for a fine-tuned model folder,
//! from its `training.json` (how it was trained) and a labelled file scored now: the
//! evaluation, and if asked the scores by group and a counterfactual test.

use std::path::PathBuf;

use clap::Args;
use serde_json::Value;

use super::counterfactual::{NAMES_DIR, swap_list};
use super::groups::GroupArgs;
use super::model_dir::ModelDir;
use super::predict::{open_fine_tuned, score_file};
use super::shell::{DataArgs, write};
use crate::data::Examples;
use crate::infer::counterfactual::{counterfactual, tag_counterfactual};
use crate::model::{BertClassifier, Task};
use crate::runtime::DeviceChoice;
use crate::shared::TrainSettings;
use crate::shared::card::ModelCard;
use crate::shared::tag_swaps::CounterfactualAnswer;
use crate::train::Evaluation;

#[derive(Args, Debug)]
pub struct CardArgs {
    /// A fine-tuned model folder (classification or entity recognition).
    #[arg(long)]
    model: PathBuf,
    /// Labelled data to score it on (the validation or test set).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    data_args: DataArgs,
    #[command(flatten)]
    groups: GroupArgs,
    /// Also test with counterfactuals on the data's texts (a tagger: its sentences, each
    /// swapped word's entity type compared): gender, names or a file of pairs.
    #[arg(long)]
    swap: Option<String>,
    /// The folder with the first-name lists (--swap names).
    #[arg(long, default_value = NAMES_DIR)]
    names_dir: PathBuf,
    /// The model's name in the card. [default: the folder's name]
    #[arg(long)]
    name: Option<String>,
    /// The Hub id of the model it was fine-tuned from (the card's base_model).
    #[arg(long)]
    base_model: Option<String>,
    /// Where to write the card. [default: README.md in the model folder]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Longest input in tokens.
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

/// How the model was trained, as its `training.json` recorded it (what it holds of it).
fn recorded(dir: &std::path::Path) -> (Option<TrainSettings>, Option<String>, Option<String>) {
    let Ok(bytes) = std::fs::read(dir.join(crate::checkpoint::folder::RUN_RECORD)) else {
        return (None, None, None);
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return (None, None, None);
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let settings = v.get("config").map(|c| {
        let mut t = TrainSettings::default();
        let number = |k: &str| c.get(k).and_then(Value::as_f64);
        t.epochs = number("epochs").map_or(t.epochs, |x| x as usize);
        t.batch_size = number("batch_size").map_or(t.batch_size, |x| x as usize);
        t.lr = number("lr").unwrap_or(t.lr);
        t.warmup_ratio = number("warmup_ratio").unwrap_or(t.warmup_ratio);
        t.weight_decay = number("weight_decay").unwrap_or(t.weight_decay);
        t.seed = number("seed").map_or(t.seed, |x| x as u64);
        t.max_len = v
            .get("max_len")
            .and_then(Value::as_u64)
            .map_or(t.max_len, |x| x as usize);
        t.adversarial = serde_json::from_value(c["adversarial"].clone()).unwrap_or(None);
        t.adaptation = serde_json::from_value(v["adaptation"].clone()).unwrap_or(t.adaptation);
        t
    });
    (settings, text("base_model"), text("train"))
}

/// Named values, and named scores, as a card lists them.
type Metrics = (Vec<(String, f64)>, Vec<(String, crate::shared::Scores)>);

/// The evaluation's headline metrics and per-label scores, for the card.
fn metrics(e: &Evaluation) -> Metrics {
    match e {
        Evaluation::Classify(r) => (
            vec![
                ("accuracy".into(), r.accuracy),
                ("macro-F1".into(), r.macro_f1),
                ("weighted-F1".into(), r.weighted_f1),
            ],
            r.per_class.clone().into_iter().collect(),
        ),
        Evaluation::Ner(r) => (
            vec![
                ("entity precision".into(), r.precision),
                ("entity recall".into(), r.recall),
                ("entity F1".into(), r.f1),
            ],
            r.per_type.clone().into_iter().collect(),
        ),
        Evaluation::Qa(r) => (
            vec![("exact match".into(), r.exact_match), ("F1".into(), r.f1)],
            Vec::new(),
        ),
    }
}

/// The counterfactual test `--swap` asks for on the data's texts (a tagger: its sentences).
fn counterfactual_of(
    a: &CardArgs,
    examples: &Examples,
    (dir, model, labels): (&ModelDir, &BertClassifier, &[String]),
) -> Result<Option<CounterfactualAnswer>, String> {
    Ok(match (&a.swap, examples) {
        (None, _) => None,
        (Some(swap), Examples::Classify(rows)) => {
            let swaps = swap_list(swap, &a.names_dir)?;
            let texts: Vec<String> = rows.iter().map(|r| r.text.clone()).collect();
            let report = counterfactual(model, &dir.tokenizer, labels, &texts, &swaps, a.max_len);
            let report = pollster::block_on(report).map_err(|e| e.to_string())?;
            Some(CounterfactualAnswer::Labels(report))
        }
        (Some(swap), Examples::Ner(rows)) => {
            let swaps = swap_list(swap, &a.names_dir)?;
            let sentences: Vec<Vec<String>> = rows.iter().map(|r| r.tokens.clone()).collect();
            let report =
                tag_counterfactual(model, &dir.tokenizer, labels, &sentences, &swaps, a.max_len);
            let report = pollster::block_on(report).map_err(|e| e.to_string())?;
            Some(CounterfactualAnswer::Types(report))
        }
        (Some(_), _) => {
            return Err(
                "--swap tests a text classifier or an entity tagger; this model answers questions"
                    .into(),
            );
        }
    })
}

pub fn run(a: CardArgs) -> Result<(), String> {
    let (dir, model, labels): (ModelDir, _, _) = open_fine_tuned(&a.model, a.device)?;
    if model.task == Task::Qa {
        return Err(format!(
            "{}: model cards here are for classifiers and taggers; question answering's comes next",
            a.model.display()
        ));
    }
    let scored = score_file(
        (&dir, &model, &labels),
        &a.data,
        &a.data_args.options(Some(model.task)),
        false,
        (a.max_len, 32),
    )?;
    let groups = a.groups.report(
        &a.data,
        &scored.parsed,
        &scored.encoded.unknown_labels,
        &scored.encoded.features,
        &scored.predicted,
        &labels,
    )?;
    let counterfactual = counterfactual_of(&a, &scored.parsed.examples, (&dir, &model, &labels))?;
    let (settings, base, train) = recorded(&a.model);
    let (metrics, per_label) = metrics(&scored.report);
    let folder_name = a
        .model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let card = ModelCard {
        name: a
            .name
            .clone()
            .or(folder_name)
            .unwrap_or_else(|| "model".into()),
        base_model: a.base_model.clone().or(base),
        task: model.task,
        labels,
        settings,
        training_data: train,
        evaluated_on: format!(
            "{} ({} examples)",
            scored.parsed.file,
            scored.encoded.features.len()
        ),
        metrics,
        per_label,
        groups,
        counterfactual,
    };
    let out = a.out.clone().unwrap_or_else(|| a.model.join("README.md"));
    write(&out, card.markdown())?;
    eprintln!("wrote the model card to {}", out.display());
    Ok(())
}
