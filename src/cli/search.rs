//! `anneal search`: choose hyperparameters on the validation set. Every trial of a grid (or
//! `--random N` of its points) is fine-tuned on all the training examples with each seed and
//! scored on the validation examples — never a test file — by the comparison engine that
//! `anneal compare` runs; prints one JSON object: each trial's settings and scores, best
//! first, the winner and its margin over the runner-up with a 95% interval. With `--out`, the
//! winner's first-seed run is trained again (the same run, seeded) and saved.

use std::path::PathBuf;

use clap::Args;

use super::compare::run_with_progress;
use super::finetune::{TuneArgs, plan_for};
use super::model_dir::ModelDir;
use super::shell::{write, write_folder};
use crate::checkpoint::truncate_layers;
use crate::checkpoint::write::{Trained, folder_files};
use crate::shared::search::rank;
use crate::shared::{
    CompareSettings, CompareSettingsError, Comparison, Grid, Search, trial_settings,
};
use crate::train::compare::{Probes, rerun};
use crate::train::pretrain::RunToEnd;
use crate::train::recipe::Plan;

#[derive(Args, Debug, Clone)]
pub struct SearchArgs {
    #[command(flatten)]
    tune: TuneArgs,
    /// A setting and the values to try, `SETTING=V1,V2,...`; repeat for each setting searched
    /// (every combination is a trial). Settings: lr, epochs, batch, warmup, weight_decay, lora
    /// (a rank; 0 trains everything), freeze (lowest layers), augment (typos[:COPIES[:RATE]],
    /// eda[:COPIES[:ALPHA]], mlm[:COPIES[:RATE]] with --mlm-model, or none), adversarial (fgm[:EPSILON], pgd[:EPSILON[:ALPHA[:STEPS]]] or none). The flags set the rest; an --augment or --adversarial goes to every trial
    /// that does not search it.
    #[arg(long, required = true)]
    grid: Vec<String>,
    /// Try this many of the grid's combinations, drawn at random (seeded by --seed), instead
    /// of all of them.
    #[arg(long)]
    random: Option<usize>,
    /// Runs per trial, each with its own example order and initial head; the winner's margin
    /// over the runner-up gets an interval from two seeds up.
    #[arg(long, default_value_t = 3)]
    seeds: usize,
    /// Save the winner (its first seed's run, trained again) in this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the result as one JSON object on stdout (the table goes to stderr either way).
    #[arg(long)]
    json: bool,
}

pub fn run(a: SearchArgs) -> Result<(), String> {
    let grid = Grid::parse(&a.grid).map_err(|e| format!("--grid: {e}"))?;
    let trials = grid
        .trials(a.random, a.tune.seed)
        .map_err(|e| format!("--grid: {e}"))?;
    let (dir, mut plan) = plan_for(&a.tune).map_err(|e| e.message())?;
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let settings = grid.settings(trials, a.seeds, a.tune.settings(dir.config.max_len()));
    settings.validate().map_err(|e| flag_error(&e))?;
    let (comparison, device) =
        run_with_progress(&dir, &mut plan, &settings, &a.tune, Probes::default())?;
    let search = rank(&comparison).ok_or("no trial finished")?;
    print_table(&search);
    eprintln!("{}", search.sentence);
    if let Some(out) = &a.out {
        save_winner(
            &a,
            out,
            (&dir, &plan),
            &settings,
            (&comparison, &search),
            &device,
        )?;
    }
    if a.json {
        let json = serde_json::json!({
            "trials": search.trials,
            "best": search.best,
            "runner_up": search.runner_up,
            "margin": search.margin,
            "metric": search.metric,
            "sentence": search.sentence,
            "valid_examples": comparison.valid_examples,
            "train_examples": comparison.sizes.last(),
        });
        println!("{json}");
    }
    Ok(())
}

/// Trains the winner's first-seed run again (the same run: same subset, seed and settings)
/// and saves it in `out`, with `search.json` (the search, the winner's settings, its score).
fn save_winner(
    a: &SearchArgs,
    out: &std::path::Path,
    (dir, plan): (&ModelDir, &Plan),
    settings: &CompareSettings,
    (comparison, search): (&Comparison, &Search),
    device: &burn::prelude::Device,
) -> Result<(), String> {
    let winner = comparison
        .variant(&search.best)
        .ok_or("the winner is not among the trials")?;
    let mut to_end = RunToEnd;
    let again = rerun(
        dir,
        plan,
        settings,
        a.tune.layers,
        winner,
        (0, 0),
        device,
        &mut to_end,
    );
    let (score, model) = pollster::block_on(again)
        .map_err(|e| e.to_string())?
        .ok_or("stopped")?;
    let config = truncate_layers(&dir.config, a.tune.layers).map_err(|e| e.to_string())?;
    let trained = Trained::Classifier {
        model: &model,
        config: &config,
        labels: &plan.data.labels,
        peft: None,
    };
    let files = pollster::block_on(folder_files(&trained, &dir.tokenizer_files()?))?;
    write_folder(out, &files)?;
    let record = serde_json::json!({
        "base_model": dir.path.display().to_string(),
        "search": search,
        "settings": trial_settings(&winner.changes, &settings.finetune),
        "score": score,
    });
    write(
        &out.join("search.json"),
        serde_json::to_string_pretty(&record).expect("json values"),
    )?;
    eprintln!(
        "saved {} (its first seed, trained again: {:.2}%) to {}",
        search.best,
        100.0 * score,
        out.display()
    );
    Ok(())
}

/// A search's settings error, naming the flag to mend: the trials come from `--grid`.
fn flag_error(e: &CompareSettingsError) -> String {
    match e {
        CompareSettingsError::Seeds(_) => format!("--seeds {e}"),
        _ => format!("--grid {e}"),
    }
}

/// The trials, best first, with their mean, spread and per-seed scores, on stderr.
fn print_table(search: &Search) {
    for (i, t) in search.trials.iter().enumerate() {
        let scores: Vec<String> = t
            .scores
            .iter()
            .map(|s| format!("{:.1}", 100.0 * s))
            .collect();
        eprintln!(
            "{:>2}. {:<32} {:.2}% ± {:.2} (seeds: {})",
            i + 1,
            t.name,
            100.0 * t.mean,
            100.0 * t.sd,
            scores.join(", ")
        );
    }
}
