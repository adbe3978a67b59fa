//! The native `anneal` command: fine-tune, evaluate, predict, embed, inspect, benchmark,
//! pre-train, probe, show attention and compare starts from
//! the terminal. Errors go to stderr as one message naming the file and the cause; the exit
//! status is non-zero on failure.

mod bench;
mod compare;
mod finetune;
mod inspect;
mod model_dir;
mod predict;
mod pretrain;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::data::{DataError, ParseOptions, Parsed, Remedy, Task};
use crate::runtime::DeviceChoice;

/// Fine-tune BERT-family models on your own labeled data.
#[derive(Parser, Debug)]
#[command(name = "anneal", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fine-tune a pre-trained model on labeled data and save it in Hugging Face's layout.
    Finetune(finetune::FinetuneArgs),
    /// Score a fine-tuned model on labeled data.
    Evaluate(predict::EvaluateArgs),
    /// Predict labels (or entities) for texts with a fine-tuned model.
    Predict(predict::PredictArgs),
    /// Print mean-pooled, L2-normalised sentence embeddings.
    Embed(predict::EmbedArgs),
    /// Check a data file and summarise it.
    Inspect(inspect::InspectArgs),
    /// Time fine-tuning steps on random token ids.
    Bench(bench::BenchArgs),
    /// Pre-train a language model (masked words or next token) on unlabelled text.
    Pretrain(pretrain::PretrainArgs),
    /// Ask a pre-trained language model to fill a [MASK] or continue a text.
    Probe(pretrain::ProbeArgs),
    /// Print the attention probabilities of every layer and head for a text.
    Attention(pretrain::AttentionArgs),
    /// What is pre-training worth? Fine-tune at growing label counts from the checkpoint, from
    /// random weights and from self-pre-training, and print the scores as JSON.
    Compare(compare::CompareArgs),
}

/// How to read a data file, shared by several commands.
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// classify or ner; inferred from the file when omitted.
    #[arg(long)]
    task: Option<Task>,
    /// Name of the text column (classification).
    #[arg(long)]
    text_column: Option<String>,
    /// Name of the label column (classification).
    #[arg(long)]
    label_column: Option<String>,
}

impl DataArgs {
    fn options(&self, task: Option<Task>) -> ParseOptions {
        ParseOptions {
            task: task.or(self.task),
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
        }
    }
}

pub use finetune::PlanFailure;

/// The run `anneal finetune ARGS...` would train (its split, labels, encoded examples and
/// steps), without loading weights or training: for comparing the command line's recipe with
/// the browser worker's.
pub fn finetune_plan<I, T>(args: I) -> Result<crate::train::recipe::Plan, PlanFailure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| PlanFailure::Other(e.to_string()))?;
    match cli.command {
        Command::Finetune(a) => finetune::plan_for(&a.tune).map(|(_, plan)| plan),
        other => Err(PlanFailure::Other(format!(
            "not a finetune command: {other:?}"
        ))),
    }
}

/// Runs the command line; the error is the message for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Finetune(a) => finetune::run(a),
        Command::Evaluate(a) => predict::evaluate(a),
        Command::Predict(a) => predict::predict(a),
        Command::Embed(a) => predict::embed(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Pretrain(a) => pretrain::run(a),
        Command::Probe(a) => pretrain::probe(a),
        Command::Attention(a) => pretrain::attention(a),
        Command::Compare(a) => compare::run(a),
    }
}

/// Parses the process arguments and runs.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))
}

/// A data error in the command line's terms: what to fix, and the flag that gets around it.
fn data_error(e: &DataError) -> String {
    e.with_remedy(&Remedy {
        name_column: &|which| format!(" (or name it with --{which}-column)"),
        skip_invalid: "; fix the file or pass --skip-invalid to keep only the valid rows",
    })
}

/// Reads and parses a data file, saying on stderr how many rows it has and which run over
/// several lines.
fn read_data(path: &Path, options: &ParseOptions) -> Result<Parsed, String> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    let parsed = crate::data::parse(&name, &bytes, options).map_err(|e| data_error(&e))?;
    eprintln!("{name}: {}", parsed.counts());
    for line in parsed.multiline_notes() {
        eprintln!("{name}: {line}");
    }
    Ok(parsed)
}

/// Reads, parses and accepts a data file, listing the skipped rows on stderr.
fn load_data(path: &Path, options: &ParseOptions, skip_invalid: bool) -> Result<Parsed, String> {
    let parsed = read_data(path, options)?;
    let skipped = parsed.problems.clone();
    let parsed = parsed.accept(skip_invalid).map_err(|e| data_error(&e))?;
    report_skipped(&parsed.file, &skipped);
    Ok(parsed)
}

/// Lists the rows a run leaves out.
fn report_skipped(name: &str, skipped: &[crate::data::Problem]) {
    if !skipped.is_empty() {
        eprintln!("{name}: skipped {} invalid row(s):", skipped.len());
        for p in skipped.iter().take(crate::data::MAX_LISTED_PROBLEMS) {
            eprintln!("  line {}: {}", p.line, p.message);
        }
        if skipped.len() > crate::data::MAX_LISTED_PROBLEMS {
            eprintln!(
                "  ... and {} more",
                skipped.len() - crate::data::MAX_LISTED_PROBLEMS
            );
        }
    }
}

/// Texts from arguments, or one per line of a file.
fn texts(input: &Option<PathBuf>, args: &[String]) -> Result<Vec<String>, String> {
    let mut out = args.to_vec();
    if let Some(path) = input {
        // The browser's file prediction reads files with the same function.
        out.extend(crate::infer::texts::texts_of(&path.display().to_string(), &read(path)?)?);
    }
    if out.is_empty() {
        return Err("no texts: give them as arguments or with --input FILE".into());
    }
    Ok(out)
}

/// A line above a progress bar. A hidden bar (stderr not a terminal, e.g. in scripts and logs)
/// drops `println`, so the line goes straight to stderr there.
fn say_above(bar: &indicatif::ProgressBar, line: String) {
    if bar.is_hidden() {
        eprintln!("{line}")
    } else {
        bar.println(line)
    }
}

fn pick_device(choice: DeviceChoice) -> Result<crate::runtime::Picked, String> {
    let picked = crate::runtime::pick(choice)?;
    eprintln!("device: {}", picked.description);
    Ok(picked)
}
