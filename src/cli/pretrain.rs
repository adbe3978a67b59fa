//! `anneal pretrain`, `anneal probe` and `anneal attention`: language-model pre-training from
//! the terminal, and looking inside a model.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::model_dir::ModelDir;
use super::shell::{pick_device, read, write, write_folder};
use crate::checkpoint::write::{Trained, folder_files};
use crate::checkpoint::{ModelFiles, load_encoder, load_lm};
use crate::data::corpus::read_corpus;
use crate::data::tokenizer::TextTokenizer;
use crate::infer::lm::{self, Sampling};
use crate::model::{BertConfig, BertLm, Objective};
use crate::runtime::DeviceChoice;
use crate::shared::{
    Architecture, LmStart, PretrainSetting, PretrainSettings, PretrainSettingsError, Vocabulary,
};
use crate::train::pretrain::recipe::{self as pretrain_recipe, LmPlan, Start};
use crate::train::pretrain::{LmEvent, LmOutcome, RunToEnd, pretrain};

/// Options of `anneal pretrain`. Every default is [`PretrainSettings::defaults`]'s, the one
/// set the browser's Learn panel starts from too; those that differ by objective are read
/// from it after parsing.
#[derive(Args, Debug)]
pub struct PretrainArgs {
    /// Unlabelled text: .txt, .jsonl (a "text" field) or .csv/.tsv (a text column).
    #[arg(long)]
    corpus: PathBuf,
    /// mlm (masked words, BERT) or clm (next token, causal attention).
    #[arg(long, default_value = "mlm")]
    objective: Objective,
    /// Continue pre-training this model folder (its tokenizer and weights).
    #[arg(long, conflicts_with_all = ["preset", "layers", "hidden", "heads"])]
    from: Option<PathBuf>,
    /// A new model's starting shape: tiny (2 x 128), small (4 x 256) or char (4 x 128, context
    /// 64). [default: tiny for mlm, char for clm]
    #[arg(long)]
    preset: Option<String>,
    /// Layers of a new model (overrides the preset).
    #[arg(long)]
    layers: Option<usize>,
    /// Width of a new model (overrides the preset).
    #[arg(long)]
    hidden: Option<usize>,
    /// Attention heads of a new model (overrides the preset).
    #[arg(long)]
    heads: Option<usize>,
    /// Dropout of a new model. [default: 0.1 for mlm, 0 for clm]
    #[arg(long)]
    dropout: Option<f64>,
    /// A new model's vocabulary: model (that of --from or --tokenizer-from), char,
    /// wordpiece:SIZE or bpe:SIZE. [default: wordpiece:4096 for mlm, char for clm]
    #[arg(long)]
    tokenizer: Option<Vocabulary>,
    /// Model folder whose tokenizer `--tokenizer model` takes for a new model.
    #[arg(long)]
    tokenizer_from: Option<PathBuf>,
    /// Optimizer steps.
    #[arg(long, default_value_t = PretrainSettings::default().steps)]
    steps: usize,
    /// Blocks per step. [default: 32 for mlm, 12 for clm]
    #[arg(long)]
    batch_size: Option<usize>,
    /// Tokens per block, special tokens included (at most the model's context).
    #[arg(long, default_value_t = PretrainSettings::default().seq_len)]
    seq_len: usize,
    /// Peak learning rate (AdamW, linear warm-up and decay).
    #[arg(long, default_value_t = PretrainSettings::default().lr)]
    lr: f64,
    /// Share of the steps spent warming up.
    #[arg(long, default_value_t = PretrainSettings::default().warmup_ratio)]
    warmup_ratio: f64,
    /// AdamW weight decay.
    #[arg(long, default_value_t = PretrainSettings::default().weight_decay)]
    weight_decay: f64,
    /// Share of the corpus (its end) held out for evaluation.
    #[arg(long, default_value_t = PretrainSettings::default().heldout_share)]
    heldout: f64,
    /// Steps between held-out evaluations.
    #[arg(long, default_value_t = PretrainSettings::default().eval_every)]
    eval_every: usize,
    /// Most held-out batches per evaluation.
    #[arg(long, default_value_t = PretrainSettings::default().eval_batches)]
    eval_batches: usize,
    /// Seed of initialisation, block offsets and masks.
    #[arg(long, default_value_t = PretrainSettings::default().seed)]
    seed: u64,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Output folder (Hugging Face layout).
    #[arg(long)]
    out: PathBuf,
}

impl PretrainArgs {
    /// The settings these flags ask for: the objective's defaults where a flag is not given.
    /// A new model's context grows to the block length asked for.
    pub fn settings(&self) -> Result<PretrainSettings, String> {
        let d = PretrainSettings::defaults(self.objective);
        let LmStart::Scratch {
            architecture: base,
            vocabulary,
        } = d.start
        else {
            unreachable!("the defaults start from scratch")
        };
        let base = match &self.preset {
            Some(name) => Architecture::preset(name)
                .ok_or_else(|| format!("unknown preset \"{name}\" (tiny, small or char)"))?,
            None => base,
        };
        let start = match self.from {
            Some(_) => LmStart::Loaded,
            None => LmStart::Scratch {
                architecture: Architecture {
                    layers: self.layers.unwrap_or(base.layers),
                    hidden: self.hidden.unwrap_or(base.hidden),
                    heads: self.heads.unwrap_or(base.heads),
                    context: base.context.max(self.seq_len),
                },
                vocabulary: self.tokenizer.unwrap_or(vocabulary),
            },
        };
        Ok(PretrainSettings {
            objective: self.objective,
            start,
            steps: self.steps,
            batch_size: self.batch_size.unwrap_or(d.batch_size),
            seq_len: self.seq_len,
            lr: self.lr,
            warmup_ratio: self.warmup_ratio,
            weight_decay: self.weight_decay,
            dropout: self.dropout.unwrap_or(d.dropout),
            eval_every: self.eval_every,
            eval_batches: self.eval_batches,
            heldout_share: self.heldout,
            seed: self.seed,
            ..d
        })
    }
}

/// A settings error in the command line's words: the flag, then the engine's message.
pub fn settings_error(e: &PretrainSettingsError) -> String {
    let flag = match e.setting() {
        PretrainSetting::Architecture => "--preset/--layers/--hidden/--heads",
        PretrainSetting::VocabularySize => "--tokenizer",
        PretrainSetting::Steps => "--steps",
        PretrainSetting::BatchSize => "--batch-size",
        PretrainSetting::SeqLen => "--seq-len",
        PretrainSetting::LearningRate => "--lr",
        PretrainSetting::Warmup => "--warmup-ratio",
        PretrainSetting::WeightDecay => "--weight-decay",
        PretrainSetting::Dropout => "--dropout",
        PretrainSetting::EvalEvery => "--eval-every",
        PretrainSetting::EvalBatches => "--eval-batches",
        PretrainSetting::Heldout => "--heldout",
        PretrainSetting::Temperature => "--temperature",
        PretrainSetting::TopP => "--top-p",
    };
    match e.setting() {
        PretrainSetting::Architecture => format!("{flag}: {e}"),
        _ => format!("{flag} {e}"),
    }
}

pub fn run(a: PretrainArgs) -> Result<(), String> {
    let settings = a.settings()?;
    settings.validate(None).map_err(|e| settings_error(&e))?;
    let name = a.corpus.display().to_string();
    let text = read_corpus(&name, &read(&a.corpus)?)?;
    for p in text.problems.iter().take(crate::data::MAX_LISTED_PROBLEMS) {
        eprintln!("{name}: line {}: {} (skipped)", p.line, p.message);
    }
    let from = a.from.as_deref().map(ModelDir::open).transpose()?;
    let tokenizer_of = a
        .tokenizer_from
        .as_deref()
        .map(ModelDir::open)
        .transpose()?;
    let start = start_of(&settings, from.as_deref(), tokenizer_of.as_deref())?;
    let plan = pretrain_recipe::plan(&text.text, &start, a.objective, settings.heldout_share)
        .map_err(|e| format!("{name}: {e}"))?;
    settings
        .validate(Some(plan.config.max_len()))
        .map_err(|e| settings_error(&e))?;
    describe_corpus(&name, &text.source, &plan);
    let picked = pick_device(a.device)?;
    let device = picked.device.autodiff();
    burn::prelude::Device::seed(&device, settings.seed);
    let (model, report) =
        pretrain_recipe::load(&plan, &start, a.objective, &device).map_err(|e| e.to_string())?;
    let params = parameter_count(&model);
    describe_model(&plan, a.objective, params, &report.initialised);
    let mut history = Vec::new();
    let mut on_event = |e: LmEvent| {
        say_progress(&e);
        if !matches!(e, LmEvent::Step { .. }) {
            history.push(e);
        }
    };
    let outcome = pollster::block_on(pretrain(
        model,
        &plan.corpus,
        &plan.specials,
        &settings,
        &mut on_event,
        &mut RunToEnd,
    ))
    .map_err(|e| e.to_string())?;

    let trained = Trained::Lm {
        model: &outcome.model,
        config: &plan.config,
        objective: a.objective,
    };
    let files = pollster::block_on(folder_files(&trained, &start.tokenizer_files(&plan)?))?;
    write_folder(&a.out, &files)?;
    let record = json!({
        "objective": a.objective,
        "corpus": name,
        "corpus_stats": plan.corpus.stats,
        "settings": settings,
        "parameters": params,
        "device": picked.description,
        "steps": outcome.steps,
        "best_step": outcome.best_step,
        "events": history,
    });
    let record = serde_json::to_string_pretty(&record).expect("json values");
    write(&a.out.join("pretraining.json"), record)?;
    eprintln!(
        "kept step {}; saved to {}",
        outcome.best_step,
        a.out.display()
    );
    println!("{}", result_line(&outcome, a.objective));
    Ok(())
}

/// The model about to train, on stderr: what is new in it, its shape and size.
fn describe_model(plan: &LmPlan, objective: Objective, params: usize, initialised: &[String]) {
    if !initialised.is_empty() {
        eprintln!("note: started from scratch: {}", initialised.join(", "));
    }
    let c = &plan.config;
    let (layers, width, heads) = (c.num_hidden_layers, c.hidden_size, c.num_attention_heads);
    let what = objective.describe();
    eprintln!(
        "{what} of a {layers}-layer, {width}-wide model ({heads} heads, {params} parameters)"
    );
}

/// Where the run starts: the `--from` folder, or a new model of the settings' shape and
/// vocabulary (the model's own, from `--tokenizer-from`).
fn start_of<'a>(
    settings: &PretrainSettings,
    from: Option<&'a ModelFiles>,
    tokenizer_of: Option<&'a ModelFiles>,
) -> Result<Start<'a>, String> {
    match (from, &settings.start) {
        (Some(files), _) => Ok(Start::Checkpoint(files)),
        (
            None,
            LmStart::Scratch {
                architecture,
                vocabulary,
            },
        ) => {
            if *vocabulary == Vocabulary::Model && tokenizer_of.is_none() {
                return Err("--tokenizer model needs --tokenizer-from DIR (or --from DIR)".into());
            }
            Ok(Start::Scratch {
                architecture: *architecture,
                vocabulary: *vocabulary,
                tokenizer_of,
                dropout: settings.dropout,
            })
        }
        (None, LmStart::Loaded) => Err("continuing a model needs --from DIR".into()),
    }
}

/// The corpus as the run sees it, and the losses a model must beat, on stderr.
fn describe_corpus(name: &str, source: &str, plan: &LmPlan) {
    let s = &plan.corpus.stats;
    eprintln!(
        "{name}: {} characters ({source}), {} tokens, {} distinct of a {}-token vocabulary; \
         {} held out",
        plan.corpus.chars,
        s.tokens,
        s.distinct,
        plan.config.vocab_size,
        plan.corpus.heldout.len()
    );
    eprintln!(
        "reference losses (nats/token): uniform {:.3}, unigram {:.3}, bigram {:.3}; \
         always \"{}\" scores {:.1}%",
        s.uniform,
        s.unigram,
        s.bigram,
        plan.tokenizer.token(s.top_token),
        100.0 * s.top_share
    );
}

/// A line on stderr for each evaluation, every 50th step and a stop.
fn say_progress(e: &LmEvent) {
    match e {
        LmEvent::Evaluated { step, scores, .. } => eprintln!(
            "step {step}: held-out loss {:.4} (perplexity {:.1}), accuracy {:.2}%",
            scores.loss,
            scores.perplexity,
            100.0 * scores.accuracy
        ),
        LmEvent::Step {
            step,
            total_steps,
            loss,
            tokens_per_s,
            eta_s,
            ..
        } if step % 50 == 0 => eprintln!(
            "step {step}/{total_steps}: loss {loss:.4}, {tokens_per_s:.0} tokens/s, {eta_s:.0} s left"
        ),
        LmEvent::Stopped { reason } => eprintln!("stopped: {reason}"),
        _ => {}
    }
}

/// The run's result as one JSON line on stdout.
fn result_line(outcome: &LmOutcome, objective: Objective) -> serde_json::Value {
    let mut line = json!({
        "steps": outcome.steps,
        "train_loss": outcome.train_loss,
        "heldout_loss": outcome.heldout.map(|h| h.loss),
        "tokens_per_s": outcome.tokens_per_s,
    });
    let key = match objective {
        Objective::Mlm => "heldout_masked_accuracy",
        Objective::Clm => "heldout_next_token_accuracy",
    };
    line[key] = json!(outcome.heldout.map(|h| h.accuracy));
    line
}

fn parameter_count(model: &BertLm) -> usize {
    use burn::module::Module;
    model.num_params()
}

/// A model folder as a language model, refusing one without a trained head.
fn open_lm(
    path: &Path,
    device: &burn::prelude::Device,
) -> Result<(ModelDir, BertLm, Objective), String> {
    let dir = ModelDir::open(path)?;
    let objective = objective_of(&dir.config);
    let (model, report) = load_lm(&dir.config, &dir.weights, objective, device)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !report.initialised.is_empty() {
        return Err(format!(
            "{}: has no language-model head (no cls.predictions tensors): it was not \
             pre-trained with a masked or next-token objective here; run anneal pretrain \
             --from {} first",
            path.display(),
            path.display()
        ));
    }
    Ok((dir, model, objective))
}

/// Next-token for `BertLMHeadModel` or `is_decoder`, masked otherwise.
pub fn objective_of(config: &BertConfig) -> Objective {
    let arch = config.architectures.iter().flatten();
    if config.is_decoder || arch.clone().any(|a| a == "BertLMHeadModel") {
        Objective::Clm
    } else {
        Objective::Mlm
    }
}

/// Options of `anneal probe`.
#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// A pre-trained language model folder (BertForMaskedLM or BertLMHeadModel).
    #[arg(long)]
    model: PathBuf,
    /// Candidates per position.
    #[arg(long, default_value_t = 5)]
    top_k: usize,
    /// Also the rank and probability of this word (first token) at each position.
    #[arg(long)]
    expect: Option<String>,
    /// Next-token models: sample this many tokens after each text.
    #[arg(long, default_value_t = 0)]
    generate: usize,
    /// Sampling temperature (0: most likely token).
    #[arg(long, default_value_t = 0.8)]
    temperature: f64,
    /// Sample only among this many most likely tokens (0: all).
    #[arg(long, default_value_t = 0)]
    sample_top_k: usize,
    /// Sample only among the most likely tokens that cover this probability.
    #[arg(long, default_value_t = 1.0)]
    top_p: f64,
    /// Seed of the sampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
    /// Texts; for a masked model each holds the mask token ([MASK]).
    #[arg(required = true)]
    texts: Vec<String>,
}

pub fn probe(a: ProbeArgs) -> Result<(), String> {
    let picked = pick_device(a.device)?;
    let (dir, model, objective) = open_lm(&a.model, &picked.device)?;
    let max_len = dir.config.max_len();
    let t = &dir.tokenizer;
    for text in &a.texts {
        let mut line = json!({ "text": text });
        match objective {
            Objective::Mlm => {
                let dists = pollster::block_on(lm::fill_mask(&model, t, text, max_len))
                    .map_err(|e| e.to_string())?;
                line["masks"] = json!(
                    dists
                        .iter()
                        .map(|p| candidates(p, a.top_k, t))
                        .collect::<Vec<_>>()
                );
                if let Some(w) = &a.expect {
                    line["expected"] = json!(
                        dists
                            .iter()
                            .map(|p| lm::rank_of(p, w, t))
                            .collect::<Vec<_>>()
                    );
                }
            }
            Objective::Clm => {
                let p = pollster::block_on(lm::next_token(&model, t, text, max_len))
                    .map_err(|e| e.to_string())?;
                line["next"] = json!(candidates(&p, a.top_k, t));
                if let Some(w) = &a.expect {
                    line["expected"] = json!(lm::rank_of(&p, w, t));
                }
                if a.generate > 0 {
                    let s = Sampling {
                        temperature: a.temperature,
                        top_k: a.sample_top_k,
                        top_p: a.top_p,
                        seed: a.seed,
                    };
                    line["generated"] = json!(
                        pollster::block_on(lm::generate(&model, t, text, a.generate, &s, max_len))
                            .map_err(|e| e.to_string())?
                    );
                }
            }
        }
        println!("{line}");
    }
    Ok(())
}

fn candidates(probs: &[f32], k: usize, t: &TextTokenizer) -> Vec<serde_json::Value> {
    lm::top_k(probs, k, t)
        .into_iter()
        .map(|c| json!({ "token": c.token, "score": c.score }))
        .collect()
}

/// Options of `anneal attention`.
#[derive(Args, Debug)]
pub struct AttentionArgs {
    /// Any BERT model folder.
    #[arg(long)]
    model: PathBuf,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
    /// The text.
    text: String,
}

pub fn attention(a: AttentionArgs) -> Result<(), String> {
    let picked = pick_device(a.device)?;
    let dir = ModelDir::open(&a.model)?;
    let (bert, config, _) = load_encoder(&dir.config, &dir.weights, None, &picked.device)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    let maps = pollster::block_on(lm::attention(
        &bert,
        &dir.tokenizer,
        &a.text,
        config.max_position_embeddings,
    ))
    .map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string(&maps).expect("json"));
    Ok(())
}
