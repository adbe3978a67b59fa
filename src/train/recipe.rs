//! The fine-tuning recipe, in one place for every shell: check the settings, accept the data,
//! hold out a validation share, build the label map, tokenise and align, then load the
//! checkpoint with a new head. The `anneal finetune` command and the browser worker both call
//! [`plan`] and [`load`], so the same file and settings give the same split, labels and steps
//! wherever they run (a test holds them to it).

use std::collections::HashMap;

use burn::prelude::Device;

use super::prepare::{PrepareError, prepare};
use super::{AuxTask, TrainConfig};
use crate::checkpoint::aux::{AuxHeadInfo, load_aux_head};
use crate::checkpoint::{CheckpointError, ModelFiles, load_classifier};
use crate::data::augment::Augmenter;
use crate::data::tokenizer::TextTokenizer;
use crate::data::{DataError, Examples, Parsed};
use crate::forward::contextual::{ContextualError, contextual_copies};
use crate::forward::synonyms::synonyms;
use crate::model::{BertClassifier, BertConfig, BertLm, Head};
use crate::runtime::readback::ReadbackError;
use crate::shared::counterfactual::Swaps;
use crate::shared::eda::{Synonyms, paper_defaults};
use crate::shared::{
    Adaptation, AugmentKind, Augmentation, LoraTargets, SettingsError, Task, TrainSettings,
};

/// A run, decided before any weight is loaded: the data as the model will see it and the loop's
/// configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The task of the data.
    pub task: Task,
    /// Encoded training and validation examples, the label names in class order.
    pub data: super::TrainData,
    /// The validation examples as read, in the order of `data.valid`.
    pub valid_examples: Examples,
    /// The training examples' texts, in the order of `data.train` (for self-pre-training).
    pub train_texts: Vec<String>,
    /// The training examples as read, in the order of `data.train` (classification and
    /// entities; for augmentation).
    pub train_examples: Examples,
    /// What preparing noticed (the split, cut examples, labels only in validation).
    pub notes: Vec<String>,
    /// The loop's configuration.
    pub config: TrainConfig,
    /// Longest input in tokens.
    pub max_len: usize,
    /// Question answering: the tokens windows of a long passage share.
    pub doc_stride: usize,
    /// What of the model trains (frozen parts, LoRA).
    pub adaptation: Adaptation,
    /// Auxiliary tasks (multi-task learning; [`plan_aux`]), none unless added.
    pub aux: Vec<AuxTask>,
    /// Contextual augmentation's copies of the training texts, by text, drawn from a masked
    /// language model before training ([`draw_contextual`]); empty until drawn.
    pub contextual: HashMap<String, Vec<String>>,
    /// Counterfactual augmentation's first-name swaps, when the run or a variant swaps names
    /// ([`give_names`]); none until given.
    pub names: Option<Swaps>,
}

impl Plan {
    /// Optimizer steps per epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.data.epoch_examples().div_ceil(self.config.batch_size)
    }

    /// Optimizer steps in the whole run (fewer if it stops early).
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.config.epochs
    }
}

/// Why a run cannot start. Each shell words the remedy in its own terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecipeError {
    /// A setting out of range.
    #[error("{} {}", .0.setting().describe(), .0)]
    Settings(#[from] SettingsError),
    /// The data file has problems (and skipping them was not asked for), or no examples.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The data cannot train a model (one label, no validation examples, ...).
    #[error(transparent)]
    Prepare(#[from] PrepareError),
}

/// Checks `settings` against the model and turns parsed files into a [`Plan`]. Without a
/// validation file, `settings.valid_fraction` of the training data is held out (stratified by
/// label, seeded).
pub fn plan(
    train: Parsed,
    valid: Option<Parsed>,
    files: &ModelFiles,
    settings: &TrainSettings,
) -> Result<Plan, RecipeError> {
    settings.validate_for(Some(train.examples.task()), Some(files.config.max_len()))?;
    settings
        .adaptation
        .validate(Some(files.config.num_hidden_layers))?;
    let train = train.accept(settings.skip_invalid)?;
    let valid = valid.map(|v| v.accept(settings.skip_invalid)).transpose()?;
    let prepared = prepare(
        train.examples,
        valid.map(|v| v.examples),
        &files.tokenizer,
        settings.max_len,
        settings.stride(),
        settings.valid_fraction,
        settings.seed,
    )?;
    let mut prepared = prepared;
    if let Some(a) = settings.augment {
        prepared.data.augment = Some(Augmenter::new(
            a,
            &prepared.train_examples,
            &prepared.data.labels,
            &files.tokenizer,
            settings.max_len,
        ));
        let notes = augment_notes(a, &prepared.data);
        prepared.notes.extend(notes);
    }
    if let Some(a) = settings.adversarial {
        prepared.notes.push(format!(
            "adversarial training: {} on the word embeddings, about {} times the work of a step (not split between CPU workers)",
            a.describe(),
            a.passes()
        ));
    }
    let config = TrainConfig {
        epochs: settings.epochs,
        batch_size: settings.batch_size,
        lr: settings.lr,
        warmup_ratio: settings.warmup_ratio,
        weight_decay: settings.weight_decay,
        seed: settings.seed,
        patience: settings.patience,
        eval_every: settings.eval_every,
        best_by: settings.best_by,
        adversarial: settings.adversarial,
        task_sampling: settings.task_sampling,
        ..TrainConfig::default()
    };
    Ok(Plan {
        task: prepared.task,
        data: prepared.data,
        valid_examples: prepared.valid_examples,
        train_texts: prepared.train_texts,
        train_examples: prepared.train_examples,
        notes: prepared.notes,
        config,
        max_len: settings.max_len,
        doc_stride: settings.stride(),
        adaptation: settings.adaptation,
        aux: Vec::new(),
        contextual: HashMap::new(),
        names: None,
    })
}

/// The pre-trained encoder of `files` (its first `keep_layers` layers) with a new head for the
/// plan's task and labels, on `device`, frozen or given LoRA adapters as the plan says (seed
/// the device first: the head and the adapters draw from it); and what loading noticed, in
/// words.
pub fn load(
    plan: &Plan,
    files: &ModelFiles,
    keep_layers: Option<usize>,
    device: &Device,
) -> Result<(BertClassifier, BertConfig, Vec<String>), CheckpointError> {
    let (model, config, report) = load_classifier(
        &files.config,
        &files.weights,
        plan.task,
        plan.data.labels.len(),
        keep_layers,
        device,
    )?;
    let model = model.adapted(&plan.adaptation);
    let mut notes = Vec::new();
    if let Some(note) = adaptation_note(&plan.adaptation, &model) {
        notes.push(note);
    }
    if !report.unexpected.is_empty() {
        let mut names = report
            .unexpected
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>();
        if report.unexpected.len() > 4 {
            names.push("...".into());
        }
        notes.push(format!(
            "the checkpoint has {} tensor(s) this model does not use: {}",
            report.unexpected.len(),
            names.join(", ")
        ));
    }
    for part in &report.initialised {
        notes.push(format!(
            "{part} starts from scratch (not in the checkpoint)"
        ));
    }
    Ok((model, config, notes))
}

/// What augmentation `a` adds to an epoch of `data`, in words (and, for EDA, the paper's
/// settings for a set of this size when they differ).
fn augment_notes(a: Augmentation, data: &super::TrainData) -> Vec<String> {
    if a.kind == AugmentKind::Counterfactual {
        // With names, said when the lists are given (`give_names`).
        return match a.needs_names() {
            true => Vec::new(),
            false => vec![cda_note(a, data)],
        };
    }
    let mut notes = vec![format!(
        "augmentation: {} {} cop{} of each training example every epoch ({:.0}% of the {} changed), {} examples an epoch; the validation examples are never augmented",
        a.copies,
        a.kind.name(),
        if a.copies == 1 { "y" } else { "ies" },
        100.0 * a.rate,
        if a.kind == AugmentKind::Mentions {
            "mentions"
        } else {
            "words"
        },
        data.epoch_examples()
    )];
    let (alpha, copies) = paper_defaults(data.train.len());
    if a.kind == AugmentKind::Eda && (alpha, copies) != (a.rate, a.copies) {
        notes.push(format!(
            "EDA's paper used {copies} copies at alpha {alpha} for {} training examples (eda:{copies}:{alpha})",
            data.train.len()
        ));
    }
    notes
}

/// What counterfactual augmentation adds to an epoch, in words.
fn cda_note(a: Augmentation, data: &super::TrainData) -> String {
    let copies = data.augment.as_ref().map_or(0, |g| g.extra());
    format!(
        "augmentation: the counterfactual copy ({}, the label kept) of the {copies} of {} training examples that have one, every epoch; {} examples an epoch; the validation examples are never augmented",
        a.swap.describe(),
        data.train.len(),
        data.epoch_examples()
    )
}

/// Whether the plan's run (its augmentation, `augment`) or a comparison's variants augment
/// with first names swapped, and so need [`give_names`] before they run.
pub fn wants_names(augment: Option<Augmentation>, variants: &[crate::shared::Variant]) -> bool {
    augment.is_some_and(|a| a.needs_names())
        || variants
            .iter()
            .any(|v| v.changes.augment.is_some_and(|a| a.needs_names()))
}

/// Gives counterfactual augmentation of names its swap list (`Swaps::names` of the pinned
/// first-name lists): the plan's own run, and the comparison's variants, which make their
/// augmenters from `plan.names`. After [`plan`], before the run.
pub fn give_names(plan: &mut Plan, names: Swaps) {
    if let Some(augment) = plan.data.augment.as_mut().filter(|a| a.wants_names()) {
        augment.set_names(&names);
        let note = cda_note(augment.settings, &plan.data);
        plan.notes.push(note);
    }
    plan.names = Some(names);
}

/// An auxiliary task of a multi-task run from a labelled file (classification or entity
/// recognition), prepared as the main task's data is — the same tokenizer, length and seed,
/// its own validation share held out — under `name`.
pub fn plan_aux(
    name: &str,
    parsed: Parsed,
    files: &ModelFiles,
    settings: &TrainSettings,
) -> Result<AuxTask, RecipeError> {
    let parsed = parsed.accept(settings.skip_invalid)?;
    if parsed.examples.task() == Task::Qa {
        return Err(RecipeError::Prepare(PrepareError(format!(
            "{name}: an auxiliary task classifies texts or tags entities; question answering is not one yet"
        ))));
    }
    let prepared = prepare(
        parsed.examples,
        None,
        &files.tokenizer,
        settings.max_len,
        settings.stride(),
        settings.valid_fraction,
        settings.seed,
    )?;
    Ok(AuxTask {
        name: name.to_string(),
        task: prepared.task,
        data: prepared.data,
    })
}

/// How a multi-task run shares its steps, in words; none without auxiliary tasks.
pub fn multitask_note(plan: &Plan) -> Option<String> {
    if plan.aux.is_empty() {
        return None;
    }
    let sampling = plan.config.task_sampling;
    let mut examples = vec![plan.data.epoch_examples()];
    examples.extend(plan.aux.iter().map(|t| t.data.train.len()));
    let shares: Vec<String> = sampling
        .probabilities(&examples)
        .iter()
        .map(|p| format!("{:.0}%", 100.0 * p))
        .collect();
    let names: Vec<String> = plan
        .aux
        .iter()
        .zip(&shares[1..])
        .map(|(t, share)| format!("{share} {}", t.name))
        .collect();
    Some(format!(
        "multi-task: each step trains one task, chosen {}: {} of the steps for the main task, {}; one shared encoder, a head per task, the main task's model kept",
        sampling.describe(),
        shares[0],
        names.join(", ")
    ))
}

/// A new head for each auxiliary task, as [`load`] makes the main task's (from the
/// checkpoint where it has one, e.g. BERT's pooler), on `device` — or the head a multi-task
/// run kept for that task beside this checkpoint (the same file name, task and labels), so
/// that a reopened run goes on where it was ([`restored_heads`] says which).
pub fn load_heads(
    aux: &[AuxTask],
    files: &ModelFiles,
    keep_layers: Option<usize>,
    device: &Device,
) -> Result<Vec<Head>, CheckpointError> {
    aux.iter()
        .map(|a| {
            let (task, labels) = (a.task, a.data.labels.len());
            let (mut model, _, _) = load_classifier(
                &files.config,
                &files.weights,
                task,
                labels,
                keep_layers,
                device,
            )?;
            if let Some(i) = kept_head(a, files) {
                load_aux_head(&files.aux_weights, i, &mut model)?;
            }
            Ok(model.into_head())
        })
        .collect()
}

/// Which of the heads kept beside the checkpoint is `a`'s: the same file name (wherever the
/// file now is), task and labels.
fn kept_head(a: &AuxTask, files: &ModelFiles) -> Option<usize> {
    files.aux_heads.iter().position(|h| same_task(h, a))
}

fn same_task(h: &AuxHeadInfo, a: &AuxTask) -> bool {
    h.name == base_name(&a.name) && h.task == a.task && h.labels == a.data.labels
}

/// A file's name without its folders (`/data/aux.conll` -> `aux.conll`).
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Which auxiliary tasks [`load_heads`] gives the heads a multi-task run kept, and which
/// kept heads no task of this run matches, in words; `None` when the checkpoint kept none.
pub fn restored_heads(aux: &[AuxTask], files: &ModelFiles) -> Option<String> {
    if files.aux_heads.is_empty() {
        return None;
    }
    let restored: Vec<&str> = aux
        .iter()
        .filter(|a| kept_head(a, files).is_some())
        .map(|a| base_name(&a.name))
        .collect();
    let unused: Vec<&str> = files
        .aux_heads
        .iter()
        .filter(|h| {
            !aux.iter()
                .any(|a| a.name == h.name && a.task == h.task && a.data.labels == h.labels)
        })
        .map(|h| h.name.as_str())
        .collect();
    let mut parts = Vec::new();
    if !restored.is_empty() {
        parts.push(format!(
            "the auxiliary head{} of {} restored from the saved multi-task run",
            if restored.len() == 1 { "" } else { "s" },
            restored.join(", ")
        ));
    }
    if !unused.is_empty() {
        parts.push(format!(
            "the saved run's auxiliary head{} for {} left unused (add the same file, with the same labels, as an auxiliary task to train it on)",
            if unused.len() == 1 { "" } else { "s" },
            unused.join(", ")
        ));
    }
    Some(parts.join("; "))
}

/// What each auxiliary task's head is for, as it is kept beside the model.
pub fn aux_head_infos(aux: &[AuxTask]) -> Vec<AuxHeadInfo> {
    aux.iter()
        .map(|a| AuxHeadInfo {
            name: base_name(&a.name).to_string(),
            task: a.task,
            labels: a.data.labels.clone(),
        })
        .collect()
}

/// Each auxiliary task's head with what it is, for [`aux_head_files`](crate::checkpoint::aux::aux_head_files).
pub fn aux_heads(aux: &[AuxTask], heads: Vec<Head>) -> Vec<(AuxHeadInfo, Head)> {
    aux_head_infos(aux).into_iter().zip(heads).collect()
}

/// Gives the plan's EDA augmentation its synonyms — the nearest whole words of the most
/// frequent training words in `model`'s input embeddings — and says what was found; nothing
/// for the other kinds. After [`load`], before the run.
pub async fn find_synonyms(
    plan: &mut Plan,
    model: &BertClassifier,
    files: &ModelFiles,
) -> Result<Option<String>, ReadbackError> {
    let Some(augment) = plan.data.augment.as_mut() else {
        return Ok(None);
    };
    let words = augment.words_wanting_synonyms();
    if words.is_empty() {
        return Ok(None);
    }
    let table = model.bert.embeddings.word_embeddings.weight.val();
    let found = synonyms(table, &files.tokenizer, &words).await?;
    let note = synonyms_note(&found, words.len());
    augment.set_synonyms(found);
    Ok(Some(note))
}

/// What contextual (MLM) augmentation the plan's own run wants drawn: its settings and the
/// run's epochs; `None` for the other kinds, or once drawn.
pub fn contextual_wanted(plan: &Plan) -> Option<(Augmentation, usize)> {
    let augment = plan.data.augment.as_ref().filter(|a| a.wants_copies())?;
    Some((augment.settings, plan.config.epochs))
}

/// Draws contextual (MLM) augmentation's copies of the plan's training texts (`only` those
/// at these indices, when given: a comparison's subsets) from `lm` (a masked language model
/// with its own `tokenizer`) — `augment.copies x epochs` per text, at most 16 (each epoch
/// picks among them), a share `augment.rate` of the words masked and filled — into
/// `plan.contextual`, for every run of the plan (a comparison's runs take their subset's),
/// and gives them to the plan's own augmenter when it is contextual. Says what was drawn.
pub async fn draw_contextual(
    plan: &mut Plan,
    lm: &BertLm,
    tokenizer: &TextTokenizer,
    (augment, epochs): (Augmentation, usize),
    only: Option<&[usize]>,
) -> Result<String, ContextualError> {
    let mut seen = std::collections::HashSet::new();
    let all: Vec<usize> = (0..plan.train_texts.len()).collect();
    let texts: Vec<String> = only
        .unwrap_or(&all)
        .iter()
        .filter_map(|&i| plan.train_texts.get(i))
        .filter(|t| seen.insert(t.as_str()))
        .cloned()
        .collect();
    let per_text = (augment.copies * epochs).clamp(1, 16);
    let (seed, max_len) = (plan.config.seed, plan.max_len);
    let rate = augment.rate;
    let pool = contextual_copies(lm, tokenizer, &texts, (rate, per_text), seed, max_len).await?;
    let changed = pool
        .iter()
        .zip(&texts)
        .map(|(p, t)| p.iter().filter(|c| *c != t).count())
        .sum::<usize>();
    let example = pool
        .iter()
        .zip(&texts)
        .find_map(|(p, t)| {
            p.iter()
                .find(|c| *c != t)
                .map(|c| format!("; e.g. \"{t}\" -> \"{c}\""))
        })
        .unwrap_or_default();
    plan.contextual = texts.iter().cloned().zip(pool).collect();
    if let Some(own) = plan.data.augment.as_mut() {
        own.set_copies(&plan.contextual);
    }
    Ok(format!(
        "contextual augmentation: {per_text} cop{} of each of the {} training texts drawn from the masked language model ({:.0}% of the words masked, each filled by one of its ten likeliest whole words), {changed} of them changed{example}",
        if per_text == 1 { "y" } else { "ies" },
        texts.len(),
        100.0 * rate
    ))
}

/// What EDA's synonyms are, in words, with an example.
pub fn synonyms_note(found: &Synonyms, wanted: usize) -> String {
    let example = found
        .words
        .iter()
        .next()
        .map(|(w, s)| format!("; e.g. {w} -> {}", s.join(", ")))
        .unwrap_or_default();
    format!(
        "EDA's synonyms: {} of the {wanted} most frequent training words have neighbours among the model's whole-word tokens (cosine >= {}, up to {} each){example}; embedding neighbours can be antonyms",
        found.words.len(),
        Synonyms::FLOOR,
        Synonyms::PER_WORD
    )
}

/// What trains, in words, when not everything does.
fn adaptation_note(a: &Adaptation, model: &BertClassifier) -> Option<String> {
    if a.is_full() {
        return None;
    }
    let (trainable, all) = model.trainable_parameters();
    let what = match a.lora {
        Some(l) => format!(
            "LoRA rank {} (alpha {}) on {} of every layer, and the head",
            l.rank,
            l.alpha,
            match l.targets {
                LoraTargets::QueryValue => "query and value",
                LoraTargets::AllLinear => "every dense layer",
            }
        ),
        None => {
            let mut frozen = Vec::new();
            if a.freeze_embeddings {
                frozen.push("the embeddings".to_string());
            }
            if a.freeze_layers > 0 {
                frozen.push(format!("the lowest {} layer(s)", a.freeze_layers));
            }
            format!("all but {}", frozen.join(" and "))
        }
    };
    // On a device without autodiff nothing records gradients: no count to give.
    (trainable > 0).then(|| {
        format!(
            "training {what}: {trainable} of {all} parameters ({:.2}%)",
            100.0 * trainable as f64 / all as f64
        )
    })
}
