//! Every parameter of the model under its Hugging Face name: the walk that loading and export
//! share, so that one table decides both.
//!
//! | Hugging Face name (`bert.` prefix optional on load)            | burn field                         |
//! |-----------------------------------------------------------------|------------------------------------|
//! | `bert.embeddings.{word,position,token_type}_embeddings.weight`  | `bert.embeddings.*.weight`         |
//! | `bert.embeddings.LayerNorm.{weight,bias}` (or `gamma`,`beta`)   | `bert.embeddings.layer_norm`       |
//! | `bert.encoder.layer.{i}.attention.self.{query,key,value}.*`     | `bert.layers[i].attention.{q,k,v}` |
//! | `bert.encoder.layer.{i}.attention.output.dense.*`               | `bert.layers[i].attention.output`  |
//! | `bert.encoder.layer.{i}.attention.output.LayerNorm.*`           | `...attention.layer_norm`          |
//! | `bert.encoder.layer.{i}.intermediate.dense.*`                   | `bert.layers[i].intermediate`      |
//! | `bert.encoder.layer.{i}.output.dense.*`                         | `bert.layers[i].output`            |
//! | `bert.encoder.layer.{i}.output.LayerNorm.*`                     | `bert.layers[i].layer_norm`        |
//! | `bert.pooler.dense.*`                                           | `bert.pooler`                      |
//! | `classifier.{weight,bias}`                                      | `classifier`                       |
//! | `cls.predictions.transform.dense.*`                             | `transform` (language models)      |
//! | `cls.predictions.transform.LayerNorm.*`                         | `transform_norm`                   |
//! | `cls.predictions.bias` (the decoder is the word embeddings)     | `bias`                             |

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::prelude::*;

use crate::model::bert::BertModel;
use crate::model::heads::BertClassifier;
use crate::model::lm::BertLm;

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

/// Walks every parameter of the encoder under its Hugging Face name.
pub(super) fn walk_bert(bert: &mut BertModel, f: &mut Visit) {
    let e = &mut bert.embeddings;
    embedding(f, "bert.embeddings.word_embeddings", &mut e.word_embeddings);
    embedding(
        f,
        "bert.embeddings.position_embeddings",
        &mut e.position_embeddings,
    );
    embedding(
        f,
        "bert.embeddings.token_type_embeddings",
        &mut e.token_type_embeddings,
    );
    layer_norm(f, "bert.embeddings.LayerNorm", &mut e.layer_norm);
    for (i, layer) in bert.layers.iter_mut().enumerate() {
        let p = format!("bert.encoder.layer.{i}");
        let a = &mut layer.attention;
        linear(
            f,
            &format!("{p}.attention.self.query"),
            Need::Required,
            &mut a.query,
        );
        linear(
            f,
            &format!("{p}.attention.self.key"),
            Need::Required,
            &mut a.key,
        );
        linear(
            f,
            &format!("{p}.attention.self.value"),
            Need::Required,
            &mut a.value,
        );
        linear(
            f,
            &format!("{p}.attention.output.dense"),
            Need::Required,
            &mut a.output,
        );
        layer_norm(
            f,
            &format!("{p}.attention.output.LayerNorm"),
            &mut a.layer_norm,
        );
        linear(
            f,
            &format!("{p}.intermediate.dense"),
            Need::Required,
            &mut layer.intermediate,
        );
        linear(
            f,
            &format!("{p}.output.dense"),
            Need::Required,
            &mut layer.output,
        );
        layer_norm(f, &format!("{p}.output.LayerNorm"), &mut layer.layer_norm);
    }
    if let Some(pooler) = bert.pooler.as_mut() {
        linear(f, "bert.pooler.dense", Need::Optional, pooler);
    }
}

pub(super) fn walk_classifier(model: &mut BertClassifier, f: &mut Visit) {
    walk_bert(&mut model.bert, f);
    linear(f, "classifier", Need::Optional, &mut model.classifier);
}

/// The encoder and `cls.predictions`; a checkpoint without the head (all-MiniLM-L6-v2)
/// starts it from scratch. The decoder weight is the word-embedding table, so the file has
/// none (`tie_word_embeddings`).
pub(super) fn walk_lm(model: &mut BertLm, f: &mut Visit) {
    walk_bert(&mut model.bert, f);
    linear(
        f,
        "cls.predictions.transform.dense",
        Need::Optional,
        &mut model.transform,
    );
    layer_norm_if(
        f,
        "cls.predictions.transform.LayerNorm",
        Need::Optional,
        &mut model.transform_norm,
    );
    f(
        "cls.predictions.bias",
        Need::Optional,
        Slot::Vector(&mut model.bias),
    );
}

/// Names in the file that are buffers, not weights, or tied copies of another tensor.
pub(super) fn is_buffer(name: &str) -> bool {
    name.ends_with("position_ids")
        || name == "cls.predictions.decoder.weight"
        || name == "cls.predictions.decoder.bias"
}
