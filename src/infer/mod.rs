//! Inference: [`attack`] tests a classifier's robustness (typos, word swaps); [`lm`] asks a language model (fill the mask, next token, attention maps);
//! [`embed`] gives sentence embeddings and a word's nearest tokens, [`projection`] draws
//! vectors in two dimensions (PCA, t-SNE);
//! the rest is inference with a fine-tuned model: predictions for raw texts (class probabilities, or
//! entities with character offsets), the texts of a file to predict ([`texts`]), and the rows
//! they are written out as ([`rows`]), the same for the command line and the browser.
//!
//! NER words are split the way [`split_words`] does; each word takes the prediction of its first
//! sub-word, and words cut off by the maximum length are tagged `O`.

pub mod attack;
pub mod counterfactual;
pub mod embed;
pub mod lm;
pub mod projection;
pub mod qa;
pub mod rows;
pub mod texts;

use serde::{Deserialize, Serialize};

use crate::data::entities::{Entity, entities, split_words};
use crate::data::features::Features;
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::forward::{argmax, predict_probabilities};
use crate::model::{BertClassifier, Task};
use crate::runtime::readback::ReadbackError;

/// The prediction for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum Prediction {
    /// Text classification.
    Classify {
        /// The most probable label.
        label: String,
        /// Every label with its probability, in class order.
        scores: Vec<(String, f32)>,
    },
    /// Entity recognition.
    Ner {
        /// The entities found, in text order.
        entities: Vec<Entity>,
    },
}

/// Why texts could not be predicted.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
    /// A question-answering model needs a question and a passage, not one text.
    #[error("this model answers questions about a passage: give it a question and a context")]
    NeedsQuestion,
}

/// Predicts every text with a fine-tuned model whose classes are `labels`.
///
/// Sync point: one readback per batch of 32.
pub async fn predict_texts(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    texts: &[String],
    max_len: usize,
) -> Result<Vec<Prediction>, PredictError> {
    match model.task {
        Task::Qa => Err(PredictError::NeedsQuestion),
        Task::Classify => {
            let probs = class_probabilities(model, tokenizer, texts, max_len).await?;
            Ok(probs
                .into_iter()
                .map(|p| Prediction::Classify {
                    label: labels[argmax(&p)].clone(),
                    scores: labels.iter().cloned().zip(p).collect(),
                })
                .collect())
        }
        Task::Ner => tag_texts(model, tokenizer, labels, texts, max_len).await,
    }
}

/// Each text's class probabilities by a sequence classifier.
///
/// Sync point: one readback per batch of 32.
pub async fn class_probabilities(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    texts: &[String],
    max_len: usize,
) -> Result<Vec<Vec<f32>>, PredictError> {
    let mut features = Vec::with_capacity(texts.len());
    for text in texts {
        features.push(Features {
            ids: tokenizer.encode(text, max_len)?.ids,
            labels: vec![0],
            type_ids: Vec::new(),
        });
    }
    let probs = predict_probabilities(model, &features, 32, tokenizer.pad_id()).await?;
    Ok(probs.into_iter().map(|mut p| p.swap_remove(0)).collect())
}

/// Each text's entities by a token classifier: every word tagged by its first sub-word.
async fn tag_texts(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    texts: &[String],
    max_len: usize,
) -> Result<Vec<Prediction>, PredictError> {
    let words: Vec<_> = texts.iter().map(|t| split_words(t)).collect();
    let strings: Vec<Vec<String>> = (words.iter())
        .map(|w| w.iter().map(|w| w.text.clone()).collect())
        .collect();
    let tagged = tag_words(model, tokenizer, labels, &strings, max_len).await?;
    Ok(texts
        .iter()
        .zip(&words)
        .zip(tagged)
        .map(|((text, words), (tags, scores))| Prediction::Ner {
            entities: entities(text, words, &tags, &scores),
        })
        .collect())
}

/// Each sentence's tag per word, and its probability, by a token classifier: a word takes
/// the prediction of its first sub-word, and a word cut off by `max_len` is `O`.
///
/// Sync point: one readback per batch of 32.
pub async fn tag_words(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    sentences: &[Vec<String>],
    max_len: usize,
) -> Result<Vec<(Vec<String>, Vec<f32>)>, PredictError> {
    let mut features = Vec::with_capacity(sentences.len());
    let mut word_ids = Vec::with_capacity(sentences.len());
    for words in sentences {
        let encoded = tokenizer.encode_words(words, max_len)?;
        features.push(Features {
            ids: encoded.ids,
            labels: vec![0],
            type_ids: Vec::new(),
        });
        word_ids.push(encoded.word_ids);
    }
    let probs = predict_probabilities(model, &features, 32, tokenizer.pad_id()).await?;
    Ok(sentences
        .iter()
        .enumerate()
        .map(|(i, words)| {
            let mut tags = vec!["O".to_string(); words.len()];
            let mut scores = vec![0.0f32; words.len()];
            let mut previous = None;
            for (t, w) in word_ids[i].iter().enumerate() {
                if let Some(w) = *w
                    && Some(w) != previous
                {
                    let best = argmax(&probs[i][t]);
                    tags[w] = labels[best].clone();
                    scores[w] = probs[i][t][best];
                }
                previous = *w;
            }
            (tags, scores)
        })
        .collect())
}
