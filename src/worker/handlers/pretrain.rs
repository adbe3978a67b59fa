//! Pre-training (the Learn tab): `Pretrain` (a corpus and settings to the pre-training recipe and loop, with
//! probes run at every evaluation and each new best model kept in the browser, loadable to
//! fine-tune), `Probe` (probes on the pre-trained model now) and `Attention` (the maps of the
//! pre-trained or the loaded model for a text).

use std::cell::RefCell;
use std::rc::Rc;

use burn::module::Module;
use burn::prelude::Tensor;

use super::super::keeper::{Keeper, now_stamp};
use super::super::outbox::post;
use super::super::state::{Base, Pretrained, RunControl, Shared, base_encoder, device_of};
use super::super::to_proto::{corpus_view, probe_result};
use crate::checkpoint::write::Trained;
use crate::data::corpus::read_corpus;
use crate::data::tokenizer::TextTokenizer;
use crate::infer::lm::{self, Sampling};
use crate::model::{BertConfig, BertLm, Objective};
use crate::protocol::{
    AttentionOf, AttentionView, FromWorker, LmResult, LmStart, LmUpdate, PretrainSettings,
    ProbeResult, ProbeSpec, RequestKind, SampleSettings, pretrain_setting_message,
};
use crate::shared::Architecture;
use crate::train::pretrain::recipe::{self as pretrain_recipe, LmPlan, Start};
use crate::train::pretrain::{LmEvent, pretrain};
use crate::train::{Control, Hook};

/// Tokens sampled after a next-token probe asked for after the run.
const GENERATED_TOKENS: usize = 40;

/// Pre-trains on the corpus, posting progress with probe results, keeping each new best
/// model in the browser; answers with the run's result.
pub(in crate::worker) async fn run(
    session: &Shared,
    corpus_name: &str,
    bytes: &[u8],
    settings: PretrainSettings,
) -> Result<FromWorker, String> {
    settings
        .validate(None)
        .map_err(|e| pretrain_setting_message(&e))?;
    let device = device_of(session)?;
    let corpus = read_corpus(corpus_name, bytes)?;
    let base = session.borrow().base.clone();
    let start = start_of(&settings, base.as_ref())?;
    let objective = settings.objective;
    let plan = pretrain_recipe::plan(&corpus.text, &start, objective, settings.heldout_share)
        .map_err(|e| format!("{corpus_name}: {e}"))?;
    settings
        .validate(Some(plan.config.max_len()))
        .map_err(|e| pretrain_setting_message(&e))?;
    let training = device.autodiff();
    burn::prelude::Device::seed(&training, settings.seed);
    let (model, report) =
        pretrain_recipe::load(&plan, &start, objective, &training).map_err(|e| e.to_string())?;
    let notes = (!report.initialised.is_empty())
        .then(|| {
            format!(
                "new language-model head, trained from scratch: {}",
                report.initialised.join(", ")
            )
        })
        .into_iter()
        .collect();
    let initial_words = model.valid().bert.embeddings.word_embeddings.weight.val();
    let parameters = model.num_params() as u64;
    let update = LmUpdate::Started {
        total_steps: settings.steps,
        parameters,
        architecture: architecture_of(&plan.config),
        corpus: corpus_view(corpus_name, &corpus, &plan),
        notes,
    };
    post(&FromWorker::Pretraining { update }, Vec::new());
    let keep = Keeper::new(
        save_name(&settings, base.as_ref()),
        start.tokenizer_files(&plan)?,
    );
    train(session, &settings, plan, model, initial_words, keep).await
}

/// The loop itself, with the probes at every evaluation and each new best model kept; then
/// the pre-trained model held for probing, attention and fine-tuning.
async fn train(
    session: &Shared,
    settings: &PretrainSettings,
    plan: LmPlan,
    model: BertLm,
    initial_words: Tensor<2>,
    keep: Keeper,
) -> Result<FromWorker, String> {
    let objective = settings.objective;
    let run = Rc::new(RunControl::new(RequestKind::Pretrain));
    session.borrow_mut().run = Some(run.clone());
    let save_as = keep.save_as.clone();
    let found: Rc<RefCell<Vec<ProbeResult>>> = Rc::default();
    let max_len = plan.config.max_len().min(settings.seq_len.max(2));
    let mut control = PretrainControl {
        run,
        probes: settings.probes.clone(),
        sample_tokens: settings.sample_tokens,
        sampling: settings.sampling,
        tokenizer: plan.tokenizer.clone(),
        max_len,
        found: found.clone(),
        keep,
        config: plan.config.clone(),
        objective,
    };
    let mut on_event = |event: LmEvent| {
        if let Some(update) = lm_update(event, &found) {
            post(&FromWorker::Pretraining { update }, Vec::new());
        }
    };
    let outcome = pretrain(
        model,
        &plan.corpus,
        &plan.specials,
        settings,
        &mut on_event,
        &mut control,
    )
    .await
    .map_err(|e| match &control.keep.saved {
        Some(_) => format!("{e}. The best model so far is saved in this browser as {save_as}."),
        None => e.to_string(),
    })?;
    let result = LmResult {
        steps: outcome.steps,
        best_step: outcome.best_step,
        heldout_loss: outcome.heldout.map(|h| h.loss),
        heldout_accuracy: outcome.heldout.map(|h| h.accuracy),
        stopped: outcome.stopped.clone(),
        saved_as: control.keep.saved.clone(),
        save_error: control.keep.save_error.clone(),
    };
    session.borrow_mut().pretrained = Some(Rc::new(Pretrained {
        name: save_as,
        model: outcome.model,
        tokenizer: plan.tokenizer,
        max_len,
        initial_words,
    }));
    Ok(FromWorker::Pretrained { result })
}

/// The name a run's models are kept under: the loaded model's (or "scratch"), the objective,
/// the time.
fn save_name(settings: &PretrainSettings, base: Option<&Base>) -> String {
    let objective = objective_word(settings.objective);
    let name = match (&settings.start, base) {
        (LmStart::Loaded, Some(b)) => format!("{}-{objective}", b.name),
        _ => format!("scratch-{objective}"),
    };
    format!("{name}-{}", now_stamp())
}

/// The recipe's start for these settings: the loaded model, or a new one (whose vocabulary may
/// be the loaded model's).
fn start_of<'a>(settings: &PretrainSettings, base: Option<&'a Base>) -> Result<Start<'a>, String> {
    Ok(match &settings.start {
        LmStart::Loaded => Start::Checkpoint(
            base.map(|b| b.files.as_ref())
                .ok_or("load a model first, or start from scratch")?,
        ),
        LmStart::Scratch {
            architecture,
            vocabulary,
        } => Start::Scratch {
            architecture: *architecture,
            vocabulary: *vocabulary,
            tokenizer_of: base.map(|b| b.files.as_ref()),
            dropout: settings.dropout,
        },
    })
}

/// The shape of a language model, as the Learn panel shows it.
fn architecture_of(config: &BertConfig) -> Architecture {
    Architecture {
        layers: config.num_hidden_layers,
        hidden: config.hidden_size,
        heads: config.num_attention_heads,
        context: config.max_len(),
    }
}

/// A step or an evaluation (with the probes run at it) as the Learn panel's news.
fn lm_update(event: LmEvent, found: &RefCell<Vec<ProbeResult>>) -> Option<LmUpdate> {
    Some(match event {
        LmEvent::Step {
            step,
            total_steps,
            loss,
            tokens_per_s,
            eta_s,
            ..
        } => LmUpdate::Step {
            step,
            total_steps,
            loss,
            tokens_per_s,
            eta_s,
        },
        LmEvent::Evaluated { step, scores, best } => LmUpdate::Evaluated {
            step,
            loss: scores.loss,
            perplexity: scores.perplexity,
            accuracy: scores.accuracy,
            best,
            probes: found.take(),
        },
        LmEvent::Started { .. } | LmEvent::Stopped { .. } => return None,
    })
}

fn objective_word(o: Objective) -> &'static str {
    match o {
        Objective::Mlm => "mlm",
        Objective::Clm => "clm",
    }
}

/// Runs the probes on a model; a probe that cannot run (no mask in its text) says why.
async fn run_probes(
    model: &BertLm,
    tokenizer: &TextTokenizer,
    probes: &[ProbeSpec],
    sample_tokens: usize,
    sampling: SampleSettings,
    max_len: usize,
) -> Vec<ProbeResult> {
    let sampling = Sampling {
        temperature: sampling.temperature,
        top_k: sampling.top_k,
        top_p: sampling.top_p,
        ..Sampling::default()
    };
    let mut out = Vec::with_capacity(probes.len());
    for p in probes {
        let answer = lm::probe(
            model,
            tokenizer,
            &p.text,
            p.expect.as_deref(),
            5,
            sample_tokens,
            &sampling,
            max_len,
        )
        .await;
        out.push(probe_result(&p.text, answer.map_err(|e| e.to_string())));
    }
    out
}

/// Steers the loop from the UI's messages, runs the probes at each evaluation, and keeps each
/// new best model in the browser.
struct PretrainControl {
    run: Rc<RunControl>,
    probes: Vec<ProbeSpec>,
    sample_tokens: usize,
    sampling: SampleSettings,
    tokenizer: TextTokenizer,
    max_len: usize,
    found: Rc<RefCell<Vec<ProbeResult>>>,
    keep: Keeper,
    /// The model's configuration and objective, for the kept model's `config.json`.
    config: BertConfig,
    objective: Objective,
}

impl Control<BertLm> for PretrainControl {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(self.run.proceed())
    }

    fn evaluated<'a>(&'a mut self, _step: usize, model: &'a BertLm) -> Hook<'a, ()> {
        Box::pin(async move {
            let results = run_probes(
                model,
                &self.tokenizer,
                &self.probes,
                self.sample_tokens,
                self.sampling,
                self.max_len,
            )
            .await;
            *self.found.borrow_mut() = results;
        })
    }

    fn new_best<'a>(&'a mut self, step: usize, model: &'a BertLm) -> Hook<'a, ()> {
        Box::pin(async move {
            if step == 0 {
                return; // the untrained start is not worth keeping
            }
            let trained = Trained::Lm {
                model,
                config: &self.config,
                objective: self.objective,
            };
            self.keep.keep(trained, Vec::new()).await;
        })
    }
}

/// Probes on the model pre-trained in this tab.
pub(in crate::worker) async fn probe(
    session: &Shared,
    probes: Vec<ProbeSpec>,
    sampling: SampleSettings,
) -> Result<Vec<ProbeResult>, String> {
    sampling
        .validate()
        .map_err(|e| pretrain_setting_message(&e))?;
    let pretrained = session
        .borrow()
        .pretrained
        .clone()
        .ok_or("pre-train a model first")?;
    Ok(run_probes(
        &pretrained.model,
        &pretrained.tokenizer,
        &probes,
        GENERATED_TOKENS,
        sampling,
        pretrained.max_len,
    )
    .await)
}

/// The attention maps of the pre-trained or the loaded (fine-tuned) model for `text`.
pub(in crate::worker) async fn attention(
    session: &Shared,
    of: AttentionOf,
    text: &str,
) -> Result<AttentionView, String> {
    let (bert, tokenizer, name, max_len) = match of {
        AttentionOf::Pretrained => {
            let p = session
                .borrow()
                .pretrained
                .clone()
                .ok_or("pre-train a model first")?;
            (
                p.model.bert.clone(),
                p.tokenizer.clone(),
                p.name.clone(),
                p.max_len,
            )
        }
        AttentionOf::Loaded => {
            let tuned = session.borrow().tuned.clone();
            match tuned {
                Some(t) => (
                    t.model.bert.clone(),
                    t.files.tokenizer.clone(),
                    t.name.clone(),
                    t.max_len,
                ),
                None => {
                    let (base, bert) = base_encoder(session)?;
                    let max_len = base.files.config.max_len().min(128);
                    (
                        (*bert).clone(),
                        base.files.tokenizer.clone(),
                        base.name.clone(),
                        max_len,
                    )
                }
            }
        }
    };
    let maps = lm::attention(&bert, &tokenizer, text, max_len)
        .await
        .map_err(|e| e.to_string())?;
    Ok(AttentionView {
        of,
        model: name,
        tokens: maps.tokens,
        causal: bert.causal,
        maps: maps.attentions,
    })
}
