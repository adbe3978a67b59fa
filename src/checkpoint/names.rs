//! Every parameter of the model under its Hugging Face name: the walk that loading and export
//! share, so that one table decides both. `{base}` is the family's encoder attribute
//! ([`Family::base_prefix`]: `bert`, `distilbert`, `roberta` for RoBERTa and XLM-R, `electra`),
//! optional on load (a bare `BertModel` file has none).
//!
//! | Hugging Face name                                       | burn field                         |
//! |---------------------------------------------------------|------------------------------------|
//! | `{base}.embeddings.{word,position,token_type}_embeddings`| `bert.embeddings.*` (no token types in DistilBERT) |
//! | `{base}.embeddings.LayerNorm.{weight,bias}` (`gamma`,`beta`) | `bert.embeddings.layer_norm`  |
//! | `{base}.embeddings_project` (ELECTRA)                   | `bert.embeddings.project`          |
//! | `{base}.encoder.layer.{i}.attention.self.{query,key,value}` (DistilBERT: `transformer.layer.{i}.attention.{q,k,v}_lin`) | `bert.layers[i].attention.{query,key,value}` |
//! | `….attention.output.dense` (DistilBERT `attention.out_lin`) | `….attention.output`           |
//! | `….attention.output.LayerNorm` (DistilBERT `sa_layer_norm`) | `….attention.layer_norm`       |
//! | `….intermediate.dense` (DistilBERT `ffn.lin1`)          | `bert.layers[i].intermediate`      |
//! | `….output.dense` (DistilBERT `ffn.lin2`)                | `bert.layers[i].output`            |
//! | `….output.LayerNorm` (DistilBERT `output_layer_norm`)   | `bert.layers[i].layer_norm`        |
//! | `bert.pooler.dense` (BERT only)                         | `bert.pooler`                      |
//! | `pre_classifier` (DistilBERT), `classifier.dense` (RoBERTa, ELECTRA sequence heads) | `pre_classifier` |
//! | `classifier` (`classifier.out_proj` in those sequence heads) | `classifier`                  |
//! | `qa_outputs` (every family's question-answering head)       | `classifier`                  |
//! | language-model head: `cls.predictions.transform.dense` / `lm_head.dense` / `vocab_transform` / `generator_predictions.dense` | `transform` |
//! | `cls.predictions.transform.LayerNorm` / `lm_head.layer_norm` / `vocab_layer_norm` / `generator_predictions.LayerNorm` | `transform_norm` |
//! | `cls.predictions.bias` / `lm_head.bias` / `vocab_projector.bias` / `generator_lm_head.bias` (the decoder is the word embeddings) | `bias` |

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::prelude::*;

use crate::model::bert::BertModel;
use crate::model::config::Family;
use crate::model::heads::BertClassifier;
use crate::model::lm::BertLm;
use crate::model::lora::Lora;
use crate::shared::Task;

/// How a tensor is laid out in the file relative to burn.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Layout {
    /// Stored as burn stores it (embeddings).
    AsIs,
    /// `[out, in]` in the file, `[in, out]` in burn (linear weights).
    Transposed,
}

/// One named parameter of the model, to be read or written.
pub(super) enum Slot<'a> {
    /// A matrix, and how the file lays it out.
    Matrix(&'a mut Param<Tensor<2>>, Layout),
    /// A vector (bias, LayerNorm).
    Vector(&'a mut Param<Tensor<1>>),
}

/// Whether a group of tensors must be in the file or may start from scratch.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Need {
    /// The file must have it.
    Required,
    /// Started from scratch when the file has none (pooler, classifier).
    Optional,
}

/// Called with each parameter's canonical name.
pub(super) type Visit<'f> = dyn FnMut(&str, Need, Slot) + 'f;

fn linear(f: &mut Visit, name: &str, need: Need, l: &mut Linear) {
    f(
        &format!("{name}.weight"),
        need,
        Slot::Matrix(&mut l.weight, Layout::Transposed),
    );
    if let Some(b) = l.bias.as_mut() {
        f(&format!("{name}.bias"), need, Slot::Vector(b));
    }
}

fn layer_norm(f: &mut Visit, name: &str, ln: &mut LayerNorm) {
    layer_norm_if(f, name, Need::Required, ln);
}

fn layer_norm_if(f: &mut Visit, name: &str, need: Need, ln: &mut LayerNorm) {
    f(&format!("{name}.weight"), need, Slot::Vector(&mut ln.gamma));
    if let Some(b) = ln.beta.as_mut() {
        f(&format!("{name}.bias"), need, Slot::Vector(b));
    }
}

fn embedding(f: &mut Visit, name: &str, e: &mut Embedding) {
    f(
        &format!("{name}.weight"),
        Need::Required,
        Slot::Matrix(&mut e.weight, Layout::AsIs),
    );
}

/// A layer's tensor names under `{base}.{prefix}.{i}.`, in the order of [`walk_bert`]'s
/// visits: query, key, value, attention output, its LayerNorm, feed-forward in and out, the
/// layer's LayerNorm.
struct LayerNames {
    prefix: &'static str,
    parts: [&'static str; 8],
}

fn layer_names(family: Family) -> LayerNames {
    match family {
        Family::DistilBert => LayerNames {
            prefix: "transformer.layer",
            parts: [
                "attention.q_lin",
                "attention.k_lin",
                "attention.v_lin",
                "attention.out_lin",
                "sa_layer_norm",
                "ffn.lin1",
                "ffn.lin2",
                "output_layer_norm",
            ],
        },
        _ => LayerNames {
            prefix: "encoder.layer",
            parts: [
                "attention.self.query",
                "attention.self.key",
                "attention.self.value",
                "attention.output.dense",
                "attention.output.LayerNorm",
                "intermediate.dense",
                "output.dense",
                "output.LayerNorm",
            ],
        },
    }
}

/// The part of a layer's names before its index, e.g. `encoder.layer.` (for dropped layers).
pub(super) fn layer_prefix(family: Family) -> &'static str {
    layer_names(family).prefix
}

/// Walks every parameter of the encoder under its Hugging Face name.
pub(super) fn walk_bert(bert: &mut BertModel, f: &mut Visit) {
    let family = bert.family;
    let base = family.base_prefix();
    let e = &mut bert.embeddings;
    embedding(
        f,
        &format!("{base}.embeddings.word_embeddings"),
        &mut e.word_embeddings,
    );
    embedding(
        f,
        &format!("{base}.embeddings.position_embeddings"),
        &mut e.position_embeddings,
    );
    if let Some(types) = e.token_type_embeddings.as_mut() {
        embedding(
            f,
            &format!("{base}.embeddings.token_type_embeddings"),
            types,
        );
    }
    layer_norm(
        f,
        &format!("{base}.embeddings.LayerNorm"),
        &mut e.layer_norm,
    );
    if let Some(project) = e.project.as_mut() {
        linear(
            f,
            &format!("{base}.embeddings_project"),
            Need::Required,
            project,
        );
    }
    let names = layer_names(family);
    let [q, k, v, o, o_norm, ffn_in, ffn_out, out_norm] = names.parts;
    for (i, layer) in bert.layers.iter_mut().enumerate() {
        let p = format!("{base}.{}.{i}", names.prefix);
        let a = &mut layer.attention;
        linear(f, &format!("{p}.{q}"), Need::Required, &mut a.query);
        linear(f, &format!("{p}.{k}"), Need::Required, &mut a.key);
        linear(f, &format!("{p}.{v}"), Need::Required, &mut a.value);
        linear(f, &format!("{p}.{o}"), Need::Required, &mut a.output);
        layer_norm(f, &format!("{p}.{o_norm}"), &mut a.layer_norm);
        let l = layer;
        linear(
            f,
            &format!("{p}.{ffn_in}"),
            Need::Required,
            &mut l.intermediate,
        );
        linear(f, &format!("{p}.{ffn_out}"), Need::Required, &mut l.output);
        layer_norm(f, &format!("{p}.{out_norm}"), &mut l.layer_norm);
    }
}

/// Every LoRA adapter under its layer's Hugging Face name (`lora_A` and `lora_B` are
/// `[r, in]` and `[out, r]` in PEFT's files: both transposed from burn).
pub(super) fn walk_lora(bert: &mut BertModel, f: &mut dyn FnMut(&str, &mut Lora)) {
    let base = bert.family.base_prefix();
    let names = layer_names(bert.family);
    let [q, k, v, o, _, ffn_in, ffn_out, _] = names.parts;
    for (i, layer) in bert.layers.iter_mut().enumerate() {
        let p = format!("{base}.{}.{i}", names.prefix);
        let a = &mut layer.attention;
        let adapters = [
            (q, &mut a.lora_query),
            (k, &mut a.lora_key),
            (v, &mut a.lora_value),
            (o, &mut a.lora_output),
            (ffn_in, &mut layer.lora_intermediate),
            (ffn_out, &mut layer.lora_output),
        ];
        for (name, lora) in adapters {
            if let Some(lora) = lora.as_mut() {
                f(&format!("{p}.{name}"), lora);
            }
        }
    }
}

pub(super) fn walk_classifier(model: &mut BertClassifier, f: &mut Visit) {
    walk_bert(&mut model.bert, f);
    walk_head(model, f);
}

/// The classification head: the pooler (BERT), `pre_classifier` / `classifier.dense`, and
/// the classifier. Trained fully under LoRA (PEFT's `modules_to_save`).
pub(super) fn walk_head(model: &mut BertClassifier, f: &mut Visit) {
    if let Some(pooler) = model.bert.pooler.as_mut() {
        let base = model.bert.family.base_prefix();
        linear(f, &format!("{base}.pooler.dense"), Need::Optional, pooler);
    }
    let (pre, out) = match (model.bert.family, model.pre_classifier.is_some()) {
        _ if model.task == Task::Qa => ("", "qa_outputs"),
        (_, false) => ("", "classifier"),
        (Family::DistilBert, true) => ("pre_classifier", "classifier"),
        (_, true) => ("classifier.dense", "classifier.out_proj"),
    };
    if let Some(dense) = model.pre_classifier.as_mut() {
        linear(f, pre, Need::Optional, dense);
    }
    linear(f, out, Need::Optional, &mut model.classifier);
}

/// The language-model head's names: (transform, its LayerNorm, the output bias).
fn lm_names(family: Family) -> [&'static str; 3] {
    match family {
        Family::Bert => [
            "cls.predictions.transform.dense",
            "cls.predictions.transform.LayerNorm",
            "cls.predictions.bias",
        ],
        Family::DistilBert => [
            "vocab_transform",
            "vocab_layer_norm",
            "vocab_projector.bias",
        ],
        Family::Roberta | Family::XlmRoberta => {
            ["lm_head.dense", "lm_head.layer_norm", "lm_head.bias"]
        }
        Family::Electra => [
            "generator_predictions.dense",
            "generator_predictions.LayerNorm",
            "generator_lm_head.bias",
        ],
    }
}

/// The encoder and its language-model head; a checkpoint without the head
/// (all-MiniLM-L6-v2) starts it from scratch. The decoder weight is the word-embedding table,
/// so the file has none (`tie_word_embeddings`).
pub(super) fn walk_lm(model: &mut BertLm, f: &mut Visit) {
    walk_bert(&mut model.bert, f);
    let [transform, norm, bias] = lm_names(model.bert.family);
    linear(f, transform, Need::Optional, &mut model.transform);
    layer_norm_if(f, norm, Need::Optional, &mut model.transform_norm);
    f(bias, Need::Optional, Slot::Vector(&mut model.bias));
}

/// Names in the file that are buffers, not weights, or tied copies of another tensor.
pub(super) fn is_buffer(name: &str) -> bool {
    name.ends_with("position_ids")
        || name.ends_with("embeddings.token_type_ids")
        || [
            "cls.predictions.decoder.weight",
            "cls.predictions.decoder.bias",
            "lm_head.decoder.weight",
            "lm_head.decoder.bias",
            "vocab_projector.weight",
            "generator_lm_head.weight",
        ]
        .contains(&name)
}
