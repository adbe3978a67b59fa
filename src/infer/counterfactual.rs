//! A counterfactual test of a classifier (`shared::counterfactual`): each text swapped, the
//! changed ones predicted before and after, the report built from both. The command line and
//! the browser worker call [`counterfactual`] alike.

use super::{PredictError, class_probabilities};
use crate::data::tokenizer::TextTokenizer;
use crate::model::BertClassifier;
use crate::shared::counterfactual::{CounterfactualReport, Swapped, Swaps, counterfactual_report};

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
