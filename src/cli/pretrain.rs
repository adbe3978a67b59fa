//! `anneal pretrain`, `anneal probe` and `anneal attention`: language-model pre-training from
//! the terminal, and looking inside a model.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::model_dir::ModelDir;
use super::{pick_device, read, write};
use crate::checkpoint::{export_lm_config, export_lm_safetensors, load_encoder, load_lm};
use crate::data::corpus::read_corpus;
use crate::data::tokenizer::TextTokenizer;
use crate::data::vocab::SPECIAL_TOKENS;
use crate::infer::lm::{self, Sampling};
use crate::model::{BertConfig, BertLm, Objective};
use crate::runtime::DeviceChoice;
use crate::shared::{Architecture, Vocabulary};
use crate::train::lm_recipe::{self, Start};
use crate::train::pretrain::{LmEvent, PretrainConfig, RunToEnd, pretrain};

/// Options of `anneal pretrain`.
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
    /// A new model's starting shape: tiny (2 x 128), small (4 x 256) or char (4 x 128, context 64).
    #[arg(long, default_value = "tiny")]
    preset: String,
    /// Layers of a new model (overrides the preset).
    #[arg(long)]
    layers: Option<usize>,
    /// Width of a new model (overrides the preset).
    #[arg(long)]
    hidden: Option<usize>,
    /// Attention heads of a new model (overrides the preset).
    #[arg(long)]
    heads: Option<usize>,
    /// Dropout of a new model.
    #[arg(long, default_value_t = 0.1)]
    dropout: f64,
    /// A new model's vocabulary: model (that of --from or --tokenizer-from), char,
    /// wordpiece:SIZE or bpe:SIZE.
    #[arg(long, default_value = "wordpiece:4096")]
    tokenizer: Vocabulary,
    /// Model folder whose tokenizer `--tokenizer model` takes for a new model.
    #[arg(long)]
    tokenizer_from: Option<PathBuf>,
    /// Optimizer steps.
    #[arg(long, default_value_t = 1000)]
    steps: usize,
    /// Blocks per step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Tokens per block, special tokens included (at most the model's context).
    #[arg(long, default_value_t = 64)]
    seq_len: usize,
    /// Peak learning rate (AdamW, linear warm-up and decay).
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Share of the steps spent warming up.
    #[arg(long, default_value_t = 0.05)]
    warmup_ratio: f64,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Share of the corpus (its end) held out for evaluation.
    #[arg(long, default_value_t = 0.1)]
    heldout: f64,
    /// Steps between held-out evaluations.
    #[arg(long, default_value_t = 100)]
    eval_every: usize,
    /// Most held-out batches per evaluation.
    #[arg(long, default_value_t = 8)]
    eval_batches: usize,
    /// Seed of initialisation, block offsets and masks.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// Output folder (Hugging Face layout).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(a: PretrainArgs) -> Result<(), String> {
    let bytes = read(&a.corpus)?;
    let name = a.corpus.display().to_string();
    let text = read_corpus(&name, &bytes)?;
    for p in text.problems.iter().take(crate::data::MAX_LISTED_PROBLEMS) {
        eprintln!("{name}: line {}: {} (skipped)", p.line, p.message);
    }
    let from = a.from.as_deref().map(ModelDir::open).transpose()?;
    let tokenizer_of = a
        .tokenizer_from
        .as_deref()
        .map(ModelDir::open)
        .transpose()?;
    let start = match &from {
        Some(dir) => Start::Checkpoint(dir),
        None => {
            let base = Architecture::preset(&a.preset)
                .ok_or_else(|| format!("unknown preset \"{}\" (tiny, small or char)", a.preset))?;
            let architecture = Architecture {
                layers: a.layers.unwrap_or(base.layers),
                hidden: a.hidden.unwrap_or(base.hidden),
                heads: a.heads.unwrap_or(base.heads),
                context: base.context.max(a.seq_len),
            };
            if a.tokenizer == Vocabulary::Model && tokenizer_of.is_none() {
                return Err("--tokenizer model needs --tokenizer-from DIR (or --from DIR)".into());
            }
            Start::Scratch {
                architecture,
                vocabulary: a.tokenizer,
                tokenizer_of: tokenizer_of.as_deref(),
                dropout: a.dropout,
            }
        }
    };
    let plan = lm_recipe::plan(&text.text, &start, a.objective, a.heldout)
        .map_err(|e| format!("{name}: {e}"))?;
    if a.seq_len > plan.config.max_len() {
        return Err(format!(
            "--seq-len {} is longer than the model's context ({} positions)",
            a.seq_len,
            plan.config.max_len()
        ));
    }
    let s = &plan.corpus.stats;
    eprintln!(
        "{name}: {} characters ({}), {} tokens, {} distinct of a {}-token vocabulary; \
         {} held out",
        plan.corpus.chars,
        text.source,
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
    let picked = pick_device(a.device)?;
    let device = picked.device.autodiff();
    burn::prelude::Device::seed(&device, a.seed);
    let (model, report) =
        lm_recipe::load(&plan, &start, a.objective, &device).map_err(|e| e.to_string())?;
    if !report.initialised.is_empty() {
        eprintln!(
            "note: started from scratch: {}",
            report.initialised.join(", ")
        );
    }
    let params = parameter_count(&model);
    eprintln!(
        "{} of a {}-layer, {}-wide model ({} heads, {params} parameters)",
        a.objective.describe(),
        plan.config.num_hidden_layers,
        plan.config.hidden_size,
        plan.config.num_attention_heads
    );
    let config = PretrainConfig {
        steps: a.steps,
        batch_size: a.batch_size,
        seq_len: a.seq_len,
        lr: a.lr,
        warmup_ratio: a.warmup_ratio,
        weight_decay: a.weight_decay,
        max_grad_norm: 1.0,
        seed: a.seed,
        eval_every: a.eval_every,
        eval_batches: a.eval_batches,
    };
    let mut history = Vec::new();
    let mut on_event = |e: LmEvent| {
        match &e {
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
        if !matches!(e, LmEvent::Step { .. }) {
            history.push(e);
        }
    };
    let outcome = pollster::block_on(pretrain(
        model,
        &plan.corpus,
        &plan.specials,
        &config,
        &mut on_event,
        &mut RunToEnd,
    ))
    .map_err(|e| e.to_string())?;

    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let mut exported = plan.config.clone();
    exported.is_decoder = a.objective == Objective::Clm;
    let weights =
        pollster::block_on(export_lm_safetensors(&outcome.model)).map_err(|e| e.to_string())?;
    write(&a.out.join("model.safetensors"), weights)?;
    write(
        &a.out.join("config.json"),
        export_lm_config(&exported, a.objective),
    )?;
    write_tokenizer(
        &plan.tokenizer,
        &exported,
        from.as_ref().or(tokenizer_of.as_ref()),
        &a,
    )?;
    let record = json!({
        "objective": a.objective,
        "corpus": name,
        "corpus_stats": plan.corpus.stats,
        "settings": config,
        "parameters": params,
        "device": picked.description,
        "steps": outcome.steps,
        "best_step": outcome.best_step,
        "events": history,
    });
    write(
        &a.out.join("pretraining.json"),
        serde_json::to_string_pretty(&record).expect("json values"),
    )?;
    eprintln!(
        "kept step {}; saved to {}",
        outcome.best_step,
        a.out.display()
    );
    let mut line = json!({
        "steps": outcome.steps,
        "train_loss": outcome.train_loss,
        "heldout_loss": outcome.heldout.map(|h| h.loss),
        "tokens_per_s": outcome.tokens_per_s,
    });
    let key = match a.objective {
        Objective::Mlm => "heldout_masked_accuracy",
        Objective::Clm => "heldout_next_token_accuracy",
    };
    line[key] = json!(outcome.heldout.map(|h| h.accuracy));
    println!("{line}");
    Ok(())
}

fn parameter_count(model: &BertLm) -> usize {
    use burn::module::Module;
    model.num_params()
}

/// `tokenizer.json`, and a `tokenizer_config.json` naming the special tokens, so that
/// `AutoTokenizer` and `pipeline("fill-mask")` load the folder. A model's own tokenizer is
/// copied with its files.
fn write_tokenizer(
    tokenizer: &TextTokenizer,
    config: &BertConfig,
    source: Option<&ModelDir>,
    a: &PretrainArgs,
) -> Result<(), String> {
    let own = from_model(a) && source.is_some();
    write(
        &a.out.join("tokenizer.json"),
        match (own, source) {
            (true, Some(dir)) => dir.tokenizer_json()?,
            _ => tokenizer.to_json().map_err(|e| e.to_string())?.into_bytes(),
        },
    )?;
    match (own, source) {
        (true, Some(dir)) => {
            for file in [
                "vocab.txt",
                "tokenizer_config.json",
                "special_tokens_map.json",
            ] {
                let from = dir.path.join(file);
                if from.exists() {
                    std::fs::copy(&from, a.out.join(file))
                        .map_err(|e| format!("{}: {e}", from.display()))?;
                }
            }
        }
        _ => {
            let [pad, unk, cls, sep, mask] = SPECIAL_TOKENS;
            let tc = json!({
                "tokenizer_class": "PreTrainedTokenizerFast",
                "pad_token": pad, "unk_token": unk, "cls_token": cls, "sep_token": sep,
                "mask_token": mask, "model_max_length": config.max_len(),
                "clean_up_tokenization_spaces": false,
            });
            write(
                &a.out.join("tokenizer_config.json"),
                serde_json::to_string_pretty(&tc).expect("json"),
            )?;
        }
    }
    Ok(())
}

fn from_model(a: &PretrainArgs) -> bool {
    a.from.is_some() || a.tokenizer == Vocabulary::Model
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
