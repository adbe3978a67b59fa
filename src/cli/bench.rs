//! `anneal bench`: median time of a fine-tuning step (forward + backward + AdamW) on random ids,
//! the same measurement as `pytorch_reference.py step`.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use web_time::Instant;

use super::model_dir::ModelDir;
use super::pick_device;
use crate::checkpoint::load_classifier;
use crate::data::batch::Batch;
use crate::data::split::Rng;
use crate::model::Task;
use crate::runtime::DeviceChoice;
use crate::runtime::readback::read_f32;
use crate::train::{optimizer, to_tensors, train_step};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Model folder.
    #[arg(long)]
    model: PathBuf,
    /// Examples per step.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Tokens per example.
    #[arg(long, default_value_t = 128)]
    seq_len: usize,
    /// Timed steps (after 2 untimed warm-up steps).
    #[arg(long, default_value_t = 8)]
    steps: usize,
    /// Keep only the first N layers.
    #[arg(long)]
    layers: Option<usize>,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

/// Peak resident memory of this process in bytes (Linux), if known.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn run(a: BenchArgs) -> Result<(), String> {
    if a.steps == 0 || a.batch_size == 0 || a.seq_len < 2 {
        return Err("--steps and --batch-size must be at least 1 and --seq-len at least 2".into());
    }
    let dir = ModelDir::open(&a.model)?;
    let picked = pick_device(a.device)?;
    let device = picked.device.autodiff();
    let (mut model, config, _) = load_classifier(
        &dir.config,
        &dir.weights,
        Task::Classify,
        2,
        a.layers,
        &device,
    )
    .map_err(|e| format!("{}: {e}", a.model.display()))?;
    if a.seq_len > config.max_position_embeddings {
        return Err(format!(
            "--seq-len {} exceeds the model's {} positions",
            a.seq_len, config.max_position_embeddings
        ));
    }
    let mut rng = Rng::new(0);
    let n = a.batch_size * a.seq_len;
    let batch = Batch {
        size: a.batch_size,
        seq: a.seq_len,
        input_ids: (0..n).map(|_| 1000 + rng.below(29000) as i64).collect(),
        attention_mask: vec![1; n],
        labels: (0..a.batch_size).map(|_| rng.below(2) as i64).collect(),
    };
    let (tensors, labels) = to_tensors(&batch, &device);
    let mut optim = optimizer(0.0);
    let mut times = Vec::new();
    for i in 0..a.steps + 2 {
        let start = Instant::now();
        let (next, loss) = train_step(model, &mut optim, &tensors, labels.clone(), 5e-5, 1.0);
        model = next;
        // Sync point: waiting for the loss makes the step's work finish inside the timing.
        pollster::block_on(read_f32(loss)).map_err(|e| e.to_string())?;
        if i >= 2 {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let median = if sorted.len() % 2 == 0 {
        (sorted[sorted.len() / 2 - 1] + median) / 2.0
    } else {
        median
    };
    println!(
        "{}",
        json!({
            "what": "step",
            "median_step_s": median,
            "min_s": sorted[0],
            "max_s": sorted[sorted.len() - 1],
            "examples_per_s": a.batch_size as f64 / median,
            "batch": a.batch_size,
            "seq": a.seq_len,
            "layers": config.num_hidden_layers,
            "runs": a.steps,
            "peak_rss_bytes": peak_rss(),
            "device": picked.description,
            "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        })
    );
    Ok(())
}
