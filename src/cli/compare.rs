//! `anneal compare`: "what is pre-training worth?" on the command line. Fine-tunes at growing
//! label counts from the checkpoint, from random weights of its architecture and (unless
//! `--self-pretrain-steps 0`) from that architecture pre-trained on the training texts, then
//! prints one JSON object: the scores per start, size and seed, and the data advantage.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::finetune::{TuneArgs, plan_for};
use super::shell::{pick_device, say_above};
use crate::shared::{CompareProgress, CompareSettings, CompareSettingsError, LabelCount};
use crate::train::compare::compare as run_comparison;
use crate::train::pretrain::RunToEnd;

#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    tune: TuneArgs,
    /// Label counts to fine-tune with, comma-separated; `all` is every training example.
    #[arg(long, default_value = "32,100,300,1000,all")]
    sizes: String,
    /// Runs per start and label count (different subsets and initialisations).
    #[arg(long, default_value_t = 1)]
    seeds: usize,
    /// Masked-word steps of self-pre-training on the training texts; 0 leaves that start out.
    #[arg(long, default_value_t = 200)]
    self_pretrain_steps: usize,
    /// Each run takes at least this many optimizer steps (more epochs over few labels).
    #[arg(long, default_value_t = 50)]
    min_steps: usize,
}

pub fn run(a: CompareArgs) -> Result<(), String> {
    let sizes = LabelCount::parse_list(&a.sizes).map_err(|e| format!("--sizes: {e}"))?;
    let (dir, plan) = plan_for(&a.tune).map_err(|e| e.message())?;
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let settings = CompareSettings {
        sizes,
        seeds: a.seeds,
        self_pretrain_steps: a.self_pretrain_steps,
        min_steps: a.min_steps,
        finetune: a.tune.settings(dir.config.max_len()),
    };
    settings.validate().map_err(|e| match e {
        CompareSettingsError::Sizes => format!("--sizes {e}"),
        CompareSettingsError::Seeds(_) => format!("--seeds {e}"),
        CompareSettingsError::MinSteps(_) => format!("--min-steps {e}"),
        CompareSettingsError::Remedies => format!("--augment and --adversarial {e}"),
    })?;
    let picked = pick_device(a.tune.device)?;
    let device = picked.device.autodiff();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} run {pos}/{len}  {msg}  [{elapsed_precise}]")
            .expect("a valid template"),
    );
    let mut on_event = |event: CompareProgress| show_progress(&bar, settings.seeds, event);
    let (comparison, _) = pollster::block_on(run_comparison(
        &dir,
        &plan,
        &settings,
        a.tune.layers,
        &device,
        &mut on_event,
        &mut RunToEnd,
    ))
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    if let Some(advantage) = &comparison.data_advantage {
        eprintln!("{}", advantage.sentence);
    }
    for (name, diffs) in &comparison.paired {
        for d in diffs {
            eprintln!("{name} − pretrained, {} labels: {}", d.size, d.describe());
        }
    }
    println!(
        "{}",
        serde_json::to_string(&comparison).expect("json values")
    );
    Ok(())
}

/// The comparison's progress on the bar, and a line above it for the plan and each score.
fn show_progress(bar: &ProgressBar, seeds: usize, event: CompareProgress) {
    match event {
        CompareProgress::Planned {
            runs,
            sizes,
            starts,
            valid_examples,
            ..
        } => {
            bar.set_length(runs as u64);
            let starts: Vec<&str> = starts.iter().map(|s| s.describe()).collect();
            say_above(
                bar,
                format!(
                    "{runs} runs: label counts {sizes:?} x {seeds} seed(s) x starts: {}; each \
                     scored on {valid_examples} validation examples",
                    starts.join(", ")
                ),
            );
        }
        CompareProgress::SelfPretraining {
            step,
            total_steps,
            loss,
        } => bar.set_message(format!(
            "self-pre-training step {step}/{total_steps}, masked-word loss {loss:.3}"
        )),
        CompareProgress::Step {
            start,
            size,
            seed,
            step,
            total_steps,
            ..
        } => bar.set_message(format!(
            "{} with {size} labels, seed {seed}: step {step}/{total_steps}",
            start.describe()
        )),
        CompareProgress::Scored {
            run,
            start,
            size,
            seed,
            score,
        } => {
            bar.set_position(run as u64);
            say_above(
                bar,
                format!(
                    "{} with {size} labels, seed {seed}: {:.2}%",
                    start.describe(),
                    score * 100.0
                ),
            );
        }
    }
}
