//! A counterfactual test of a classifier (`shared::counterfactual`): each text swapped, the
//! changed ones predicted before and after, the report built from both; and of an entity
//! tagger (`shared::tag_swaps`): each sentence swapped word for word, both tagged, each
//! swapped word's entity type compared. The command line and the browser worker call
//! [`counterfactual`] and [`tag_counterfactual`] alike.

use super::{PredictError, class_probabilities, tag_words};
use crate::data::tokenizer::TextTokenizer;
use crate::model::BertClassifier;
use crate::shared::counterfactual::{CounterfactualReport, Swapped, Swaps, counterfactual_report};
use crate::shared::tag_swaps::{SwappedWords, TagSwapReport, swap_words, tag_swap_report};

/// Swaps the terms of `texts` and predicts each changed text and its swap.
pub async fn counterfactual(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    texts: &[String],
    swaps: &Swaps,
    max_len: usize,
) -> Result<CounterfactualReport, PredictError> {
    let swapped: Vec<Swapped> = texts.iter().map(|t| swaps.swap(t)).collect();
    let (originals, changed): (Vec<String>, Vec<String>) = texts
        .iter()
        .zip(&swapped)
        .filter(|(_, s)| s.changed > 0)
        .map(|(t, s)| (t.clone(), s.text.clone()))
        .unzip();
    let before = class_probabilities(model, tokenizer, &originals, max_len).await?;
    let after = class_probabilities(model, tokenizer, &changed, max_len).await?;
    Ok(counterfactual_report(
        swaps.kind, labels, texts, &swapped, &before, &after,
    ))
}

/// Swaps the listed words of `sentences` (each a list of words) and tags each changed
/// sentence and its swap.
pub async fn tag_counterfactual(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    sentences: &[Vec<String>],
    swaps: &Swaps,
    max_len: usize,
) -> Result<TagSwapReport, PredictError> {
    let swapped: Vec<Option<SwappedWords>> =
        sentences.iter().map(|w| swap_words(swaps, w)).collect();
    let (originals, changed): (Vec<Vec<String>>, Vec<Vec<String>>) = sentences
        .iter()
        .zip(&swapped)
        .filter_map(|(w, s)| {
            Some((
                w.clone(),
                s.as_ref().filter(|s| s.changed > 0)?.words.clone(),
            ))
        })
        .unzip();
    let tags = |tagged: Vec<(Vec<String>, Vec<f32>)>| {
        tagged.into_iter().map(|(t, _)| t).collect::<Vec<_>>()
    };
    let before = tags(tag_words(model, tokenizer, labels, &originals, max_len).await?);
    let after = tags(tag_words(model, tokenizer, labels, &changed, max_len).await?);
    Ok(tag_swap_report(
        swaps.kind, sentences, &swapped, &before, &after,
    ))
}
