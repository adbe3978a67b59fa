//! `anneal finetune`: fine-tune a pre-trained model and save it in Hugging Face's layout.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::model_dir::ModelDir;
use super::{DataArgs, load_data, pick_device, write};
use crate::model::checkpoint::{export_config, export_safetensors, load_classifier};
use crate::runtime::DeviceChoice;
use crate::train::prepare::prepare;
use crate::train::{Evaluation, Event, TrainConfig, fine_tune};

#[derive(Args, Debug)]
pub struct FinetuneArgs {
    /// Pre-trained model folder (config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[arg(long)]
    model: PathBuf,
    /// Training data: CSV, TSV, JSONL or CoNLL.
    #[arg(long)]
    train: PathBuf,
    /// Validation data; without it 10% of the training data is held out.
    #[arg(long)]
    valid: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Passes over the training data.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Examples per optimizer step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Peak learning rate (linear warm-up over 10% of the steps, then linear decay).
    #[arg(long, default_value_t = 1e-4)]
    lr: f64,
    /// Longest input in tokens; longer examples are cut (and counted).
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    /// Keep only the first N encoder layers (faster, smaller).
    #[arg(long)]
    layers: Option<usize>,
    /// Seed of the split, the order of examples and the new head.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Stop after this many epochs without a better validation score.
    #[arg(long)]
    patience: Option<usize>,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f64,
    /// auto (a real GPU if present), cpu, or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Keep the valid rows of a malformed file instead of refusing it.
    #[arg(long)]
    skip_invalid: bool,
    /// Output folder for the fine-tuned model.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(a: FinetuneArgs) -> Result<(), String> {
    let dir = ModelDir::open(&a.model)?;
    let train = load_data(&a.train, &a.data.options(None), a.skip_invalid)?;
    let task = train.examples.task();
    let valid = match &a.valid {
        Some(p) => Some(load_data(p, &a.data.options(Some(task)), a.skip_invalid)?.examples),
        None => None,
    };
    for note in &train.notes {
        eprintln!("{}: {note}", train.file);
    }
    let prepared = prepare(
        train.examples,
        valid,
        &dir.tokenizer,
        a.max_len,
        0.1,
        a.seed,
    )
    .map_err(|e| e.to_string())?;
    for note in &prepared.notes {
        eprintln!("note: {note}");
    }
    let data = prepared.data;
    let picked = pick_device(a.device)?;
    let device = picked.device.autodiff();
    burn::prelude::Device::seed(&device, a.seed);
    let (model, config, report) = load_classifier(
        &dir.config,
        &dir.weights,
        task,
        data.labels.len(),
        a.layers,
        &device,
    )
    .map_err(|e| format!("{}: {e}", dir.path.display()))?;
    if !report.unexpected.is_empty() {
        eprintln!(
            "note: the checkpoint has {} tensor(s) this model does not use: {}",
            report.unexpected.len(),
            abbreviate(&report.unexpected)
        );
    }
    for part in &report.initialised {
        eprintln!("note: {part} starts from scratch (not in the checkpoint)");
    }
    eprintln!(
        "fine-tuning {} layers on {} examples ({} for validation), {} labels",
        config.num_hidden_layers,
        data.train.len(),
        data.valid.len(),
        data.labels.len()
    );
    let train_config = TrainConfig {
        epochs: a.epochs,
        batch_size: a.batch_size,
        lr: a.lr,
        weight_decay: a.weight_decay,
        seed: a.seed,
        patience: a.patience,
        ..TrainConfig::default()
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps  epoch {prefix}  {msg}  [{elapsed_precise}<{eta_precise}]",
        )
        .expect("a valid template"),
    );
    // A hidden bar (stderr not a terminal, e.g. in scripts and logs) drops `println`, so the
    // per-epoch lines go straight to stderr there.
    let say = |line: String| {
        if bar.is_hidden() {
            eprintln!("{line}")
        } else {
            bar.println(line)
        }
    };
    let mut history = Vec::new();
    let mut on_event = |event: Event| {
        match &event {
            Event::Started { total_steps, .. } => bar.set_length(*total_steps as u64),
            Event::Step(s) => {
                bar.set_position(s.step as u64);
                bar.set_prefix(s.epoch.to_string());
                bar.set_message(format!(
                    "loss {:.4}  lr {:.2e}  {:.1} ex/s",
                    s.loss, s.lr, s.examples_per_s
                ));
            }
            Event::Evaluated {
                epoch,
                train_loss,
                evaluation,
                best,
            } => {
                say(format!(
                    "epoch {epoch}: train loss {train_loss:.4}, {}{}",
                    summary(evaluation),
                    if *best { " (best so far)" } else { "" }
                ));
            }
            Event::Stopped { reason } => say(format!("stopped: {reason}")),
        }
        if !matches!(event, Event::Step(_)) {
            history.push(event);
        }
    };
    let outcome = pollster::block_on(fine_tune(
        model,
        &data,
        &train_config,
        &mut on_event,
        &mut || false,
    ))
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();

    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let weights =
        pollster::block_on(export_safetensors(&outcome.model)).map_err(|e| e.to_string())?;
    write(&a.out.join("model.safetensors"), weights)?;
    write(
        &a.out.join("config.json"),
        export_config(&config, task, &data.labels),
    )?;
    copy_tokenizer(&dir, &a.out)?;
    let record = serde_json::json!({
        "base_model": a.model.display().to_string(),
        "train": a.train.display().to_string(),
        "task": task,
        "labels": data.labels,
        "config": train_config,
        "max_len": a.max_len,
        "layers": config.num_hidden_layers,
        "device": picked.description,
        "best_epoch": outcome.best_epoch,
        "evaluation": outcome.evaluation,
        "stopped": outcome.stopped,
        "history": history,
    });
    write(
        &a.out.join("training.json"),
        serde_json::to_string_pretty(&record).expect("json values"),
    )?;
    match &outcome.evaluation {
        Some(e) => eprintln!("kept epoch {}: {}", outcome.best_epoch, summary(e)),
        None => eprintln!("kept the last good weights (no completed epoch)"),
    }
    eprintln!("saved to {}", a.out.display());
    Ok(())
}

fn abbreviate(names: &[String]) -> String {
    let mut s = names.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 4 {
        s.push_str(", ...");
    }
    s
}

/// One line of validation metrics.
pub fn summary(e: &Evaluation) -> String {
    match e {
        Evaluation::Classify(r) => format!(
            "validation accuracy {:.4}, macro-F1 {:.4}",
            r.accuracy, r.macro_f1
        ),
        Evaluation::Ner(r) => format!(
            "validation entity F1 {:.4} (P {:.4}, R {:.4})",
            r.f1, r.precision, r.recall
        ),
    }
}

/// Writes the tokenizer files next to the model so Python's `AutoTokenizer` finds them.
fn copy_tokenizer(dir: &ModelDir, out: &Path) -> Result<(), String> {
    match &dir.tokenizer_json {
        Some(bytes) => write(&out.join("tokenizer.json"), bytes)?,
        None => write(
            &out.join("tokenizer.json"),
            dir.tokenizer.to_json().map_err(|e| e.to_string())?,
        )?,
    }
    for name in [
        "vocab.txt",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        let from = dir.path.join(name);
        if from.exists() && from != out.join(name) {
            std::fs::copy(&from, out.join(name)).map_err(|e| format!("{}: {e}", from.display()))?;
        }
    }
    Ok(())
}
