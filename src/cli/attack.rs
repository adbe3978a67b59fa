//! `anneal attack`: a robustness test of a fine-tuned classifier on labelled data
//! (`infer::attack`), printed as TextAttack's summary or as one JSON object.

use std::path::PathBuf;

use clap::Args;

use super::predict::open_fine_tuned;
use super::shell::{DataArgs, load_data};
use crate::data::{Examples, Parsed};
use crate::infer::attack::{AttackKind, AttackReport, AttackSettings, attack};
use crate::model::Task;
use crate::runtime::DeviceChoice;

#[derive(Args, Debug)]
pub struct AttackArgs {
    /// A fine-tuned classification model folder.
    #[arg(long)]
    model: PathBuf,
    /// Labelled data in any supported classification format (the validation or test set).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    data_args: DataArgs,
    /// chars: at most --max-edits character edits (typos) of the most important words;
    /// words: at most --max-edits words swapped for embedding neighbours.
    #[arg(long, default_value = "chars")]
    attack: AttackKind,
    /// Edits allowed in one text: characters (chars) or words (words).
    #[arg(long, default_value_t = 2)]
    max_edits: usize,
    /// Queries (texts scored) allowed per example, ranking its words included.
    #[arg(long, default_value_t = 500)]
    budget: usize,
    /// Candidate edits tried per word.
    #[arg(long, default_value_t = 30)]
    candidates: usize,
    /// words: the least cosine similarity of a replacement in the model's input embeddings.
    #[arg(long, default_value_t = 0.5)]
    similarity: f32,
    /// Attack only the first N examples.
    #[arg(long)]
    limit: Option<usize>,
    /// Seed of the character edits.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Longest input in tokens.
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// Keep the valid rows of a malformed file instead of refusing it.
    #[arg(long)]
    skip_invalid: bool,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

pub fn run(a: AttackArgs) -> Result<(), String> {
    if a.max_edits == 0 || a.budget == 0 || a.candidates == 0 {
        return Err("--max-edits, --budget and --candidates must be at least 1".into());
    }
    if !(a.similarity.is_finite() && (-1.0..=1.0).contains(&a.similarity)) {
        return Err(format!(
            "--similarity must be a cosine between -1 and 1, found {}",
            a.similarity
        ));
    }
    let (dir, model, labels) = open_fine_tuned(&a.model, a.device)?;
    if model.task != Task::Classify {
        return Err(format!(
            "{}: attacks need a text classifier; this model does {}",
            a.model.display(),
            model.task.describe()
        ));
    }
    let parsed = load_data(
        &a.data,
        &a.data_args.options(Some(Task::Classify)),
        a.skip_invalid,
    )?;
    let examples = examples_of(&parsed, &labels, a.limit)?;
    let settings = AttackSettings {
        max_edits: a.max_edits,
        budget: a.budget,
        candidates: a.candidates,
        similarity: a.similarity,
        seed: a.seed,
        ..AttackSettings::new(a.attack)
    };
    let bar = indicatif::ProgressBar::new(examples.len() as u64);
    let report = pollster::block_on(attack(
        &model,
        &dir.tokenizer,
        &labels,
        &examples,
        &settings,
        a.max_len,
        &mut |done, _| bar.set_position(done as u64),
    ))
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    print_report(&a, &report);
    Ok(())
}

/// The file's examples as (text, class), the first `limit`; those with a label the model does
/// not know are listed on stderr by line and left out.
fn examples_of(
    parsed: &Parsed,
    labels: &[String],
    limit: Option<usize>,
) -> Result<Vec<(String, usize)>, String> {
    let Examples::Classify(rows) = &parsed.examples else {
        return Err(format!("{}: not classification data", parsed.file));
    };
    let mut examples = Vec::new();
    let mut unknown = Vec::new();
    for r in rows.iter().take(limit.unwrap_or(usize::MAX)) {
        match labels.iter().position(|l| *l == r.label) {
            Some(i) => examples.push((r.text.clone(), i)),
            None => unknown.push(r),
        }
    }
    if !unknown.is_empty() {
        eprintln!(
            "{}: left out {} example(s) with labels the model does not know ({}):",
            parsed.file,
            unknown.len(),
            labels.join(", ")
        );
        for r in unknown.iter().take(20) {
            eprintln!("  line {}: label \"{}\"", r.line, r.label);
        }
    }
    if examples.is_empty() {
        return Err(format!("{}: no examples to attack", parsed.file));
    }
    Ok(examples)
}

/// The report as one JSON object (`--json`) or a summary and the first examples.
fn print_report(a: &AttackArgs, report: &AttackReport) {
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "attack": a.attack,
                "max_edits": a.max_edits,
                "examples_scored": report.examples_scored,
                "clean_accuracy": report.clean_accuracy,
                "attacked_accuracy": report.attacked_accuracy,
                "attack_success_rate": report.attack_success_rate,
                "words_perturbed": report.words_perturbed,
                "queries": report.queries,
                "examples": report.examples.iter().map(|e| serde_json::json!({
                    "original": e.original,
                    "perturbed": e.perturbed,
                    "label": e.label,
                    "predicted": e.predicted,
                    "edits": e.edits,
                    "queries": e.queries,
                })).collect::<Vec<_>>(),
            })
        );
        return;
    }
    println!(
        "examples {}  clean accuracy {:.4}  accuracy under attack {:.4}  attack success rate {:.4}",
        report.examples_scored,
        report.clean_accuracy,
        report.attacked_accuracy,
        report.attack_success_rate
    );
    println!(
        "words perturbed {:.2}%  queries per attacked example {:.1}",
        100.0 * report.words_perturbed,
        report.queries
    );
    for e in report.examples.iter().take(10) {
        println!("  [{} → {}] {}", e.label, e.predicted, e.perturbed);
    }
}
