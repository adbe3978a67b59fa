//! The native `anneal` command: fine-tune, evaluate, predict, embed, inspect, benchmark,
//! pre-train, probe, show attention, compare starts and remedies, search hyperparameters,
//! attack a classifier and test it with counterfactuals from the terminal. Errors go to stderr as one message naming the file and the cause; the exit
//! status is non-zero on failure.

mod attack;
mod card;
mod compare;
mod counterfactual;
mod finetune;
mod groups;
mod inspect;
mod model_dir;
mod predict;
mod pretrain;
mod qa;
mod search;
mod shell;
mod speed;

use clap::{Parser, Subcommand};

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
    #[command(name = "bench")]
    Speed(speed::SpeedArgs),
    /// Pre-train a language model (masked words or next token) on unlabelled text.
    Pretrain(pretrain::PretrainArgs),
    /// Ask a pre-trained language model to fill a [MASK] or continue a text.
    Probe(pretrain::ProbeArgs),
    /// Print the attention probabilities of every layer and head for a text.
    Attention(pretrain::AttentionArgs),
    /// What is it worth? Fine-tune at growing label counts from the checkpoint, from random
    /// weights, from self-pre-training, or with a remedy (--variants), and print the scores
    /// and each one's paired difference to the baseline as JSON.
    Compare(compare::CompareArgs),
    /// Choose hyperparameters on the validation set: a grid (or random) search, each trial
    /// run with several seeds, the winner's margin over the runner-up with its interval.
    Search(search::SearchArgs),
    /// A robustness test: attack a fine-tuned classifier (typos or embedding-neighbour word
    /// swaps) and report accuracy under attack as TextAttack does.
    Attack(attack::AttackArgs),
    /// A counterfactual (invariance) test: swap gendered words, first names or your own pairs
    /// in texts and report how often the prediction flips and how far it moves.
    Counterfactual(counterfactual::CounterfactualArgs),
    /// Write a model card (README.md) for a fine-tuned model: how it was trained, its scores
    /// on a labelled file, and if asked its scores by group and a counterfactual test.
    Card(card::CardArgs),
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

/// The settings `anneal pretrain ARGS...` would run with, checked as it checks them before
/// reading the corpus: for holding the command line to the browser's one set of defaults and
/// its one `validate()`.
pub fn pretrain_settings<I, T>(
    args: I,
) -> Result<Result<crate::shared::PretrainSettings, crate::shared::PretrainSettingsError>, String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Pretrain(a) => {
            let settings = a.settings()?;
            Ok(settings.validate(None).map(|()| settings))
        }
        other => Err(format!("not a pretrain command: {other:?}")),
    }
}

/// Runs the command line; the error is the message for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Finetune(a) => finetune::run(a),
        Command::Evaluate(a) => predict::evaluate(a),
        Command::Counterfactual(a) => counterfactual::run(a),
        Command::Card(a) => card::run(a),
        Command::Predict(a) => predict::predict(a),
        Command::Embed(a) => predict::embed(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Speed(a) => speed::run(a),
        Command::Pretrain(a) => pretrain::run(a),
        Command::Probe(a) => pretrain::probe(a),
        Command::Attention(a) => pretrain::attention(a),
        Command::Compare(a) => compare::run(a),
        Command::Search(a) => search::run(a),
        Command::Attack(a) => attack::run(a),
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
