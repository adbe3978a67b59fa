//! A counterfactual test of a classifier (`shared::counterfactual`): each text swapped, the
//! changed ones predicted before and after, the report built from both; and of an entity
//! tagger (`shared::tag_swaps`): each sentence swapped word for word, both tagged, each
//! swapped word's entity type compared. The command line and the browser worker call
//! [`counterfactual`] and [`tag_counterfactual`] alike.

use super::{PredictError, class_probabilities, tag_words};
use crate::data::Examples;
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
    let lists = std::slice::from_ref(swaps);
    let swapped: Vec<Option<SwappedWords>> =
        sentences.iter().map(|w| swap_words(lists, w)).collect();
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

/// A comparison's counterfactual test of each run's model (`train::compare::Probes`): the
/// flip rate of the validation texts with the list's terms swapped, or for a tagger of its
/// sentences' swapped words.
pub struct CounterfactualProbe<'a> {
    tokenizer: &'a TextTokenizer,
    labels: Vec<String>,
    /// The sentences' words, for a tagger; the texts otherwise.
    sentences: Option<Vec<Vec<String>>>,
    texts: Vec<String>,
    swaps: Swaps,
    max_len: usize,
}

impl<'a> CounterfactualProbe<'a> {
    /// A probe of a classifier on `texts`.
    pub fn texts(
        tokenizer: &'a TextTokenizer,
        labels: Vec<String>,
        texts: Vec<String>,
        swaps: Swaps,
        max_len: usize,
    ) -> Self {
        Self {
            tokenizer,
            labels,
            sentences: None,
            texts,
            swaps,
            max_len,
        }
    }

    /// A probe of an entity tagger on `sentences` (each a list of words).
    pub fn sentences(
        tokenizer: &'a TextTokenizer,
        labels: Vec<String>,
        sentences: Vec<Vec<String>>,
        swaps: Swaps,
        max_len: usize,
    ) -> Self {
        Self {
            sentences: Some(sentences),
            ..Self::texts(tokenizer, labels, Vec::new(), swaps, max_len)
        }
    }
}

impl<'a> CounterfactualProbe<'a> {
    /// A probe on validation `examples`: a classifier's texts, or a tagger's sentences.
    pub fn of_examples(
        tokenizer: &'a TextTokenizer,
        labels: Vec<String>,
        examples: &Examples,
        swaps: Swaps,
        max_len: usize,
    ) -> Result<Self, String> {
        match examples {
            Examples::Classify(v) => {
                let texts = v.iter().map(|e| e.text.clone()).collect();
                Ok(Self::texts(tokenizer, labels, texts, swaps, max_len))
            }
            Examples::Ner(v) => {
                let sentences = v.iter().map(|e| e.tokens.clone()).collect();
                Ok(Self::sentences(tokenizer, labels, sentences, swaps, max_len))
            }
            Examples::Qa(_) => Err(
                "the counterfactual test is for text classifiers and entity taggers, not question answering"
                    .into(),
            ),
        }
    }

    /// Which list it swaps.
    pub fn kind(&self) -> crate::shared::counterfactual::SwapKind {
        self.swaps.kind
    }
}

impl crate::forward::Probe for CounterfactualProbe<'_> {
    fn score<'b>(
        &'b mut self,
        model: &'b BertClassifier,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<f64, String>> + 'b>> {
        Box::pin(async move {
            let (tokenizer, labels, swaps) = (self.tokenizer, &self.labels, &self.swaps);
            let rate = match &self.sentences {
                Some(s) => tag_counterfactual(model, tokenizer, labels, s, swaps, self.max_len)
                    .await
                    .map(|r| r.flip_rate),
                None => counterfactual(model, tokenizer, labels, &self.texts, swaps, self.max_len)
                    .await
                    .map(|r| r.flip_rate),
            };
            rate.map_err(|e| e.to_string())
        })
    }
}
