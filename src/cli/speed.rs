//! `anneal bench`: median time of the encoder's forward pass or of a fine-tuning step
//! (forward + backward + AdamW) on random ids, the same measurement as
//! `pytorch_reference.py step` and as the browser's speed test (`train::speed`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::finetune::AdaptArgs;
use super::model_dir::ModelDir;
use super::shell::pick_device;
use crate::runtime::DeviceChoice;
use crate::shared::speed::{SpeedCase, Workload};
use crate::shared::{Adversarial, AdversarialKind};
use crate::train::speed::time_case;
use crate::train::{Control, Hook};

/// What `anneal bench` times.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum What {
    /// A fine-tuning step: forward, backward, clipping, AdamW.
    Step,
    /// The encoder's forward pass to its last hidden state, without gradients.
    Forward,
}

#[derive(Args, Debug)]
pub struct SpeedArgs {
    /// Model folder.
    #[arg(long)]
    model: PathBuf,
    /// What to time.
    #[arg(long, value_enum, default_value_t = What::Step)]
    what: What,
    /// Examples per batch.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Tokens per example.
    #[arg(long, default_value_t = 128)]
    seq_len: usize,
    /// Timed runs (after untimed warm-up runs).
    #[arg(long, alias = "runs", default_value_t = 8)]
    steps: usize,
    /// Untimed runs first.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Keep only the first N layers.
    #[arg(long)]
    layers: Option<usize>,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// What the timed steps train, as for `finetune`.
    #[command(flatten)]
    adapt: AdaptArgs,
    /// Time adversarial training's steps: fgm or pgd (epsilon 1; PGD's step 0.3).
    #[arg(long)]
    adversarial: Option<AdversarialKind>,
    /// PGD's steps.
    #[arg(long, default_value_t = 3, requires = "adversarial")]
    adv_steps: usize,
}

/// Peak resident memory of this process in bytes (Linux), if known.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Never stops: the terminal run ends with Ctrl-C.
struct Always;

impl Control for Always {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(async { true })
    }
}

pub fn run(a: SpeedArgs) -> Result<(), String> {
    let dir = ModelDir::open(&a.model)?;
    let picked = pick_device(a.device)?;
    let case = SpeedCase {
        workload: match a.what {
            What::Step => Workload::Step,
            What::Forward => Workload::Forward,
        },
        batch: a.batch_size,
        seq: a.seq_len,
        runs: a.steps,
        warmup: a.warmup,
    };
    let layers = match a.layers {
        Some(n) => n.min(dir.config.num_hidden_layers),
        None => dir.config.num_hidden_layers,
    };
    let adaptation = a.adapt.adaptation();
    adaptation
        .validate(Some(layers))
        .map_err(|e| format!("{} {e}", e.setting().describe()))?;
    let adversarial = a.adversarial.map(|kind| Adversarial {
        steps: a.adv_steps,
        ..Adversarial::new(kind)
    });
    if let Some(adv) = adversarial {
        adv.validate().map_err(|e| format!("--adv-steps {e}"))?;
    }
    let timing = pollster::block_on(time_case(
        &dir.config,
        &dir.weights,
        a.layers,
        case,
        (&adaptation, adversarial),
        &picked.device,
        &mut Always,
    ))
    .map_err(|e| format!("{}: {e}", a.model.display()))?;
    println!(
        "{}",
        json!({
            "what": match a.what { What::Step => "step", What::Forward => "forward" },
            "median_s": timing.median_s,
            // The name earlier results (BENCHMARKS.md) used for steps.
            "median_step_s": timing.median_s,
            "min_s": timing.min_s,
            "max_s": timing.max_s,
            "runs_s": timing.runs_s,
            "examples_per_s": timing.texts_per_s(),
            "batch": a.batch_size,
            "seq": a.seq_len,
            "layers": layers,
            "adaptation": adaptation,
            "adversarial": adversarial,
            "runs": a.steps,
            "peak_rss_bytes": peak_rss(),
            "device": picked.description,
            "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        })
    );
    Ok(())
}
