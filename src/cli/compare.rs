//! `anneal compare`: "what is it worth?" on the command line. Fine-tunes at growing label
//! counts each variant — by default the checkpoint (`baseline`), random weights of its
//! architecture and (unless `--self-pretrain-steps 0`) that architecture pre-trained on the
//! training texts; with `--variants`, remedies too (`typos`, `fgm`) — then prints one JSON
//! object: the scores per variant, size and seed, each variant's paired difference to the
//! baseline, and the data advantage.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use std::collections::BTreeMap;

use super::counterfactual::swap_list;
use super::finetune::{TuneArgs, give_names, masked_lm, plan_for, read_aux_tasks};
use super::model_dir::ModelDir;
use super::shell::{pick_device, say_above};
use crate::data::tokenizer::TextTokenizer;
use crate::infer::attack::AttackProbe;
use crate::infer::counterfactual::CounterfactualProbe;
use crate::model::Task;
use crate::shared::{
    AttackKind, AttackSettings, CompareProgress, CompareSettings, CompareSettingsError, Comparison,
    LabelCount, Robustness, Variant, transfer_sentence,
};
use crate::train::compare::compare as run_comparison;
use crate::train::compare::{Probe, Probes, contextual_for};
use crate::train::pretrain::RunToEnd;
use crate::train::recipe::{Plan, draw_contextual};

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
    /// What to compare, comma-separated: `baseline` (the checkpoint as set), `scratch`,
    /// `self_pretrained`, `aux:FILE` (multi-task: FILE an auxiliary task), `typos[:COPIES[:RATE]]` (typo augmentation; RATE the share of words, 0.1),
    /// `eda[:COPIES[:ALPHA]]` (EDA; 4 copies at 0.1), `mlm[:COPIES[:RATE]]` (contextual: words
    /// filled by --mlm-model's masked LM, drawn once), `tokens`/`mentions` (entities),
    /// `fgm[:EPSILON]` or `pgd[:EPSILON[:ALPHA[:STEPS]]]` (adversarial training).
    /// [default: baseline,scratch,self_pretrained]
    #[arg(long)]
    variants: Option<String>,
    /// Masked-word steps of self-pre-training on the training texts; 0 leaves that start out.
    #[arg(long, default_value_t = 200)]
    self_pretrain_steps: usize,
    /// Each run takes at least this many optimizer steps (more epochs over few labels).
    #[arg(long, default_value_t = 50)]
    min_steps: usize,
    /// The robustness test: attack each run's model on the first --attack-examples validation
    /// examples, chars (typos) or words (embedding-neighbour swaps), as `anneal attack` does,
    /// and compare the variants' accuracy under attack too. Text classification.
    #[arg(long)]
    attack: Option<AttackKind>,
    /// The robustness test's edits allowed in one text (characters or words).
    #[arg(long, default_value_t = 2, requires = "attack")]
    max_edits: usize,
    /// Validation examples the robustness test attacks (the first ones).
    #[arg(long, default_value_t = 200, requires = "attack")]
    attack_examples: usize,
    /// The counterfactual test: swap gender (gendered words), names (first names, from
    /// --names-dir) or FILE (your pairs) in each run's validation texts (a tagger's sentences)
    /// and compare the variants' flip rate too — whether counterfactual augmentation (cda,
    /// cda:names) makes the model lean less on them.
    #[arg(long)]
    counterfactual: Option<String>,
}

pub fn run(a: CompareArgs) -> Result<(), String> {
    let sizes = LabelCount::parse_list(&a.sizes).map_err(|e| format!("--sizes: {e}"))?;
    let (dir, mut plan) = plan_for(&a.tune).map_err(|e| e.message())?;
    for note in &plan.notes {
        eprintln!("note: {note}");
    }
    let variants = match &a.variants {
        Some(list) => Variant::parse_list(list).map_err(|e| format!("--variants: {e}"))?,
        None => Variant::starts(a.self_pretrain_steps > 0),
    };
    let mut aux_files: Vec<std::path::PathBuf> = Vec::new();
    for file in variants.iter().flat_map(|v| &v.changes.aux) {
        if !aux_files.iter().any(|f| f.as_os_str() == file.as_str()) {
            aux_files.push(file.into());
        }
    }
    plan.aux = read_aux_tasks(&a.tune, &aux_files, &dir)?;
    let finetune = a.tune.settings(dir.config.max_len());
    let settings = CompareSettings {
        sizes,
        seeds: a.seeds,
        variants,
        self_pretrain_steps: a.self_pretrain_steps,
        min_steps: a.min_steps,
        finetune,
        robustness: a.attack.map(|kind| Robustness {
            attack: AttackSettings {
                max_edits: a.max_edits,
                ..AttackSettings::new(kind)
            },
            examples: a.attack_examples,
        }),
        counterfactual: None,
    };
    settings.validate().map_err(|e| flag_error(&e))?;
    let mut attack = match settings.robustness {
        Some(r) => Some(attack_probe(&plan, &dir.tokenizer, r)?),
        None => None,
    };
    let mut swaps = match &a.counterfactual {
        Some(swap) => Some(counterfactual_probe(&plan, &dir.tokenizer, swap, &a.tune)?),
        None => None,
    };
    let settings = CompareSettings {
        counterfactual: swaps.as_ref().map(|p| p.kind()),
        ..settings
    };
    let probes = Probes {
        attack: attack.as_mut().map(|p| p as &mut dyn Probe),
        counterfactual: swaps.as_mut().map(|p| p as &mut dyn Probe),
    };
    let (comparison, _) = run_with_progress(&dir, &mut plan, &settings, &a.tune, probes)?;
    say_results(&comparison);
    println!(
        "{}",
        serde_json::to_string(&comparison).expect("json values")
    );
    Ok(())
}

/// The comparison's sentences on stderr: the data advantage, each variant's paired difference
/// to the baseline (and the transfer an auxiliary task made), under attack and in flip rate.
fn say_results(comparison: &Comparison) {
    if let Some(advantage) = &comparison.data_advantage {
        eprintln!("{}", advantage.sentence);
    }
    for (name, diffs) in &comparison.paired {
        let aux = comparison.variant(name).map(|v| v.changes.aux.join(", "));
        for d in diffs {
            eprintln!("{name} − baseline, {} labels: {}", d.size, d.describe());
            if let Some(task) = aux.as_ref().filter(|t| !t.is_empty()) {
                eprintln!("{}", transfer_sentence(task, d));
            }
        }
    }
    for (name, diffs) in &comparison.paired_attacked {
        for d in diffs {
            eprintln!(
                "{name} − baseline under attack, {} labels: {}",
                d.size,
                d.describe()
            );
        }
    }
    for (name, diffs) in &comparison.paired_flip_rate {
        for d in diffs {
            eprintln!(
                "{name} − baseline in flip rate, {} labels: {}",
                d.size,
                d.describe()
            );
        }
    }
}

/// Runs the comparison of `settings` on the device `tune` chooses, its progress on a bar with
/// a line per score (`anneal compare` and `anneal search` alike); contextual augmentation's
/// copies are drawn first from `tune`'s masked language model when a variant wants them.
pub(super) fn run_with_progress(
    dir: &ModelDir,
    plan: &mut Plan,
    settings: &CompareSettings,
    tune: &TuneArgs,
    mut probes: Probes,
) -> Result<(Comparison, burn::prelude::Device), String> {
    let picked = pick_device(tune.device)?;
    let device = picked.device.clone().autodiff();
    let wanted = contextual_for(settings, plan.data.train.len()).map_err(|e| e.to_string())?;
    if let Some((wanted, used)) = wanted {
        let (lm, tokenizer) = masked_lm(tune, &picked.device)?;
        let note = pollster::block_on(draw_contextual(plan, &lm, &tokenizer, wanted, Some(&used)))
            .map_err(|e| format!("augment mlm: {e}"))?;
        eprintln!("note: {note}");
    }
    give_names(tune, plan, &settings.variants)?;
    let layers = tune.layers;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} run {pos}/{len}  {msg}  [{elapsed_precise}]")
            .expect("a valid template"),
    );
    let mut shown = Shown::new(&bar, settings.seeds);
    let mut on_event = |event: CompareProgress| shown.show(event);
    let mut to_end = RunToEnd;
    let (comparison, _) = pollster::block_on(run_comparison(
        dir,
        plan,
        settings,
        layers,
        &device,
        &mut on_event,
        &mut to_end,
        probes.reborrow(),
    ))
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    Ok((comparison, device))
}

/// The counterfactual test `swap` names (gender, names, a file of pairs) on the plan's
/// validation texts, or a tagger's validation sentences.
fn counterfactual_probe<'a>(
    plan: &Plan,
    tokenizer: &'a TextTokenizer,
    swap: &str,
    tune: &TuneArgs,
) -> Result<CounterfactualProbe<'a>, String> {
    let swaps = swap_list(swap, &tune.names_dir)?;
    let labels = plan.data.labels.clone();
    CounterfactualProbe::of_examples(tokenizer, labels, &plan.valid_examples, swaps, plan.max_len)
        .map_err(|e| format!("--counterfactual: {e}"))
}

/// The robustness test of `r` on the plan's first validation examples.
fn attack_probe<'a>(
    plan: &Plan,
    tokenizer: &'a TextTokenizer,
    r: Robustness,
) -> Result<AttackProbe<'a>, String> {
    if plan.task != Task::Classify {
        return Err(format!(
            "--attack needs text classification, not {}",
            plan.task.describe()
        ));
    }
    let labels = plan.data.labels.clone();
    let examples = plan.valid_examples.classes(&labels, r.examples);
    Ok(AttackProbe::new(
        tokenizer,
        labels,
        examples,
        r.attack,
        plan.max_len,
    ))
}

/// A comparison setting's error in the command line's terms.
pub(super) fn flag_error(e: &CompareSettingsError) -> String {
    match e {
        CompareSettingsError::Sizes => format!("--sizes {e}"),
        CompareSettingsError::Seeds(_) => format!("--seeds {e}"),
        CompareSettingsError::MinSteps(_) => format!("--min-steps {e}"),
        CompareSettingsError::Remedies => format!("--augment and --adversarial {e}"),
        CompareSettingsError::SelfPretrainSteps => {
            format!("--variants {e} (--self-pretrain-steps)")
        }
        CompareSettingsError::Variants
        | CompareSettingsError::Duplicate(_)
        | CompareSettingsError::Variant { .. } => format!("--variants {e}"),
    }
}

/// The comparison's progress on the bar, and a line above it for the plan and each score.
pub(super) struct Shown<'a> {
    bar: &'a ProgressBar,
    seeds: usize,
    /// Each variant's description, by name.
    names: BTreeMap<String, String>,
}

impl<'a> Shown<'a> {
    pub(super) fn new(bar: &'a ProgressBar, seeds: usize) -> Self {
        Self {
            bar,
            seeds,
            names: BTreeMap::new(),
        }
    }

    fn name<'s>(&'s self, variant: &'s str) -> &'s str {
        self.names.get(variant).map_or(variant, String::as_str)
    }

    pub(super) fn show(&mut self, event: CompareProgress) {
        let (bar, seeds) = (self.bar, self.seeds);
        match event {
            CompareProgress::Planned {
                runs,
                sizes,
                variants,
                valid_examples,
                ..
            } => {
                bar.set_length(runs as u64);
                self.names = variants
                    .iter()
                    .map(|v| (v.name.clone(), v.describe()))
                    .collect();
                let names: Vec<String> = variants.iter().map(Variant::describe).collect();
                say_above(
                    bar,
                    format!(
                        "{runs} runs: label counts {sizes:?} x {seeds} seed(s) x variants: {}; \
                         each scored on {valid_examples} validation examples",
                        names.join(", ")
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
                variant,
                size,
                seed,
                step,
                total_steps,
                ..
            } => bar.set_message(format!(
                "{} with {size} labels, seed {seed}: step {step}/{total_steps}",
                self.name(&variant)
            )),
            CompareProgress::Scored {
                run,
                variant,
                size,
                seed,
                score,
                attacked,
                flip_rate,
            } => {
                bar.set_position(run as u64);
                let mut under = attacked.map_or(String::new(), |a| {
                    format!(", {:.2}% under attack", 100.0 * a)
                });
                if let Some(f) = flip_rate {
                    under += &format!(", {:.2}% flip when swapped", 100.0 * f);
                }
                say_above(
                    bar,
                    format!(
                        "{} with {size} labels, seed {seed}: {:.2}%{under}",
                        self.name(&variant),
                        score * 100.0
                    ),
                );
            }
        }
    }
}
