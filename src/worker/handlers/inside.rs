//! Looking inside models, beyond attention: `EmbeddingMap` (sentence embeddings of the data's
//! examples by the loaded model and by the fine-tuned one, projected to two dimensions) and
//! `Neighbours` (a word's nearest tokens in each embedding table at hand: the model pre-trained
//! here at step 0 and as kept, and the loaded model); and `Synonyms` (EDA's, for the Train
//! panel's preview: the loaded model's nearest whole words, as a run finds them).

use super::super::state::{Shared, base_encoder};
use crate::data::Examples;
use crate::data::split::{Rng, label_names};
use crate::data::tokenizer::TextTokenizer;
use crate::infer::embed::{nearest_tokens, sentence_embeddings};
use crate::infer::projection::{neighbour_agreement, pca, tsne};
use crate::model::BertModel;
use crate::protocol::{
    EmbeddingMap, MapPoint, MapStage, NeighbourList, Projection, TableOf, TokenScore,
};
use crate::shared::eda::Synonyms;

/// Vectors in two dimensions, with PCA's shares of variance (t-SNE has none).
fn project(vectors: &[Vec<f32>], projection: Projection) -> (Vec<[f32; 2]>, Option<[f64; 2]>) {
    match projection {
        Projection::Pca => {
            let (coords, shares) = pca(vectors);
            (coords, Some(shares))
        }
        Projection::Tsne => (tsne(vectors, 30.0), None),
    }
}

/// Longest input embedded for the map.
const MAP_MAX_LEN: usize = 128;

/// Maps of the data's examples (up to `limit`, drawn at random with a fixed seed) by the loaded
/// model and, when there is one, the fine-tuned model.
pub(in crate::worker) async fn embedding_map(
    session: &Shared,
    projection: Projection,
    limit: usize,
) -> Result<Vec<EmbeddingMap>, String> {
    let parsed = session
        .borrow()
        .data
        .clone()
        .ok_or("load a labelled data file first (Data panel)")?;
    let Examples::Classify(examples) = &parsed.examples else {
        return Err(
            "the embedding map colours sentences by their label: load a classification file \
             (text and label), not named entities"
                .into(),
        );
    };
    let mut order: Vec<usize> = (0..examples.len()).collect();
    Rng::new(7).shuffle(&mut order);
    order.truncate(limit.clamp(2, 2000));
    order.sort_unstable();
    let picked: Vec<_> = order.iter().map(|&i| &examples[i]).collect();
    let labels = label_names(picked.iter().map(|e| e.label.as_str()), false);
    let label_of: Vec<usize> = picked
        .iter()
        .map(|e| labels.iter().position(|l| *l == e.label).unwrap_or(0))
        .collect();
    let texts: Vec<String> = picked.iter().map(|e| e.text.clone()).collect();

    let (base, encoder) = base_encoder(session)?;
    let mut models: Vec<(MapStage, String, BertModel, TextTokenizer, usize)> = vec![(
        MapStage::Loaded,
        base.name.clone(),
        (*encoder).clone(),
        base.files.tokenizer.clone(),
        base.files.config.max_len(),
    )];
    if let Some(t) = session.borrow().tuned.clone() {
        models.push((
            MapStage::FineTuned,
            t.name.clone(),
            t.model.bert.clone(),
            t.files.tokenizer.clone(),
            t.max_len,
        ));
    }
    let mut maps = Vec::new();
    for (stage, model, bert, tokenizer, positions) in models {
        let vectors =
            sentence_embeddings(&bert, &tokenizer, &texts, positions.min(MAP_MAX_LEN), 32)
                .await
                .map_err(|e| e.to_string())?;
        let (coords, explained) = project(&vectors, projection);
        maps.push(EmbeddingMap {
            stage,
            model,
            projection,
            explained,
            labels: labels.clone(),
            neighbour_agreement: neighbour_agreement(&vectors, &label_of),
            points: coords
                .iter()
                .zip(&picked)
                .zip(&label_of)
                .map(|((c, e), &label)| MapPoint {
                    x: c[0],
                    y: c[1],
                    label,
                    text: e.text.clone(),
                    line: e.line,
                })
                .collect(),
        });
    }
    Ok(maps)
}

/// `word`'s `k` nearest tokens in every embedding table at hand.
pub(in crate::worker) async fn neighbours(
    session: &Shared,
    word: &str,
    k: usize,
) -> Result<Vec<NeighbourList>, String> {
    if word.trim().is_empty() {
        return Err("type a word".into());
    }
    let mut tables = Vec::new();
    if let Some(p) = session.borrow().pretrained.clone() {
        tables.push((
            TableOf::PretrainedAtStart,
            p.name.clone(),
            p.initial_words.clone(),
            p.tokenizer.clone(),
        ));
        tables.push((
            TableOf::Pretrained,
            p.name.clone(),
            p.model.bert.embeddings.word_embeddings.weight.val(),
            p.tokenizer.clone(),
        ));
    }
    if session.borrow().base.is_some() {
        let (base, encoder) = base_encoder(session)?;
        tables.push((
            TableOf::Loaded,
            base.name.clone(),
            encoder.embeddings.word_embeddings.weight.val(),
            base.files.tokenizer.clone(),
        ));
    }
    if tables.is_empty() {
        return Err("load a model or pre-train one first".into());
    }
    let mut lists = Vec::new();
    for (of, model, table, tokenizer) in tables {
        let found = nearest_tokens(table, &tokenizer, word, k.clamp(1, 50))
            .await
            .map_err(|e| e.to_string())?;
        lists.push(match found {
            Some(n) => NeighbourList {
                of,
                model,
                token: Some(n.token),
                whole_word: n.whole_word,
                nearest: n
                    .nearest
                    .into_iter()
                    .map(|(token, score)| TokenScore { token, score })
                    .collect(),
            },
            None => NeighbourList {
                of,
                model,
                token: None,
                whole_word: false,
                nearest: Vec::new(),
            },
        });
    }
    Ok(lists)
}

/// EDA's synonyms for the words of `texts`, from the loaded model's input embeddings (what a
/// run would use), and how many words were looked up.
pub(in crate::worker) async fn synonyms(
    session: &Shared,
    texts: &[String],
) -> Result<(Synonyms, usize), String> {
    let (base, encoder) = base_encoder(session)?;
    let words = Synonyms::wanted(texts.iter().map(String::as_str), Synonyms::MAX_WORDS);
    let table = encoder.embeddings.word_embeddings.weight.val();
    let found = crate::forward::synonyms::synonyms(table, &base.files.tokenizer, &words)
        .await
        .map_err(|e| e.to_string())?;
    Ok((found, words.len()))
}
