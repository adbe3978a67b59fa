//! Asking a language model: fill-the-mask top-k, next-token top-k, sampled continuations,
//! the rank of an expected word, and attention maps of any encoder. The same for the command
//! line (`anneal probe`, `anneal attention`) and the browser's Learn area.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::PredictError;
use crate::data::split::Rng;
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::model::{BatchTensors, BertLm, BertModel, Objective};
use crate::runtime::readback::read_f32;

/// One candidate token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The token as the vocabulary writes it (`##s`, `Ġthe`, a character).
    pub token: String,
    /// Its id.
    pub id: u32,
    /// Its probability.
    pub score: f32,
}

/// Where an expected word ranks among the predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rank {
    /// The token looked for (the expected word's first token).
    pub token: String,
    /// 1 = most likely.
    pub rank: usize,
    /// Its probability.
    pub score: f32,
}

/// The input ids of a text for `objective`: the tokenizer's framing (`[CLS] … [SEP]`) for a
/// masked model; `[CLS]` and the text's tokens for a next-token model (as its training
/// blocks), keeping the last `max_len`.
pub fn input_ids(
    tokenizer: &TextTokenizer,
    text: &str,
    objective: Objective,
    max_len: usize,
) -> Result<Vec<u32>, TokenizerError> {
    Ok(match objective {
        Objective::Mlm => tokenizer.encode(text, max_len)?.ids,
        Objective::Clm => {
            let mut ids: Vec<u32> = tokenizer.token_id("[CLS]").into_iter().collect();
            ids.extend(tokenizer.raw_ids(text, false)?);
            let skip = ids.len().saturating_sub(max_len.max(1));
            ids.split_off(skip)
        }
    })
}

fn single(ids: &[u32], device: &Device) -> BatchTensors {
    let n = ids.len();
    let v: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
    BatchTensors {
        input_ids: Tensor::from_data(TensorData::new(v, [1, n]), device),
        attention_mask: Tensor::ones([1, n], device),
        token_type_ids: Tensor::zeros([1, n], device),
    }
}

/// Probabilities over the vocabulary at `positions` of one input.
///
/// Sync point: one readback.
pub async fn distributions(
    model: &BertLm,
    ids: &[u32],
    positions: &[usize],
) -> Result<Vec<Vec<f32>>, PredictError> {
    if positions.is_empty() {
        return Ok(Vec::new());
    }
    let device = model.bias.val().device();
    let p: Vec<i64> = positions.iter().map(|&i| i as i64).collect();
    let n = p.len();
    let logits = model.logits_at(
        &single(ids, &device),
        Tensor::from_data(TensorData::new(p, [n]), &device),
    );
    let vocab = model.vocab_size();
    let values = read_f32(logits).await?;
    Ok(values.chunks(vocab).map(softmax).collect())
}

/// Softmax in f64, returned as f32.
fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exp: Vec<f64> = logits.iter().map(|&l| (l as f64 - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| (e / sum) as f32).collect()
}

/// The `k` most likely tokens of a distribution, best first (ties: lower id first).
pub fn top_k(probs: &[f32], k: usize, tokenizer: &TextTokenizer) -> Vec<Candidate> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    order
        .into_iter()
        .take(k)
        .map(|i| Candidate {
            token: tokenizer.token(i as u32),
            id: i as u32,
            score: probs[i],
        })
        .collect()
}

/// The rank and probability of `word`'s first token.
pub fn rank_of(probs: &[f32], word: &str, tokenizer: &TextTokenizer) -> Option<Rank> {
    let id = *tokenizer.raw_ids(word.trim(), false).ok()?.first()? as usize;
    let p = *probs.get(id)?;
    let rank = 1 + probs.iter().filter(|&&q| q > p).count();
    Some(Rank {
        token: tokenizer.token(id as u32),
        rank,
        score: p,
    })
}

/// Why a probe cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A masked model was given a text without its mask token.
    #[error("\"{text}\" has no {mask} to fill; write {mask} where a word should be guessed")]
    NoMask {
        /// The text.
        text: String,
        /// The mask token.
        mask: String,
    },
    /// The tokenizer has no mask token.
    #[error("the tokenizer has no mask token ([MASK] or <mask>)")]
    NoMaskToken,
    /// Tokenizer or device.
    #[error(transparent)]
    Predict(#[from] PredictError),
}

impl From<TokenizerError> for ProbeError {
    fn from(e: TokenizerError) -> Self {
        ProbeError::Predict(e.into())
    }
}

/// Fill-the-mask: for each mask token of `text`, its probabilities.
///
/// Sync point: one readback.
pub async fn fill_mask(
    model: &BertLm,
    tokenizer: &TextTokenizer,
    text: &str,
    max_len: usize,
) -> Result<Vec<Vec<f32>>, ProbeError> {
    let mask_id = tokenizer.mask_id().ok_or(ProbeError::NoMaskToken)?;
    let ids = input_ids(tokenizer, text, Objective::Mlm, max_len)?;
    let positions: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == mask_id).collect();
    if positions.is_empty() {
        return Err(ProbeError::NoMask {
            text: text.into(),
            mask: tokenizer.mask_token().unwrap_or("[MASK]").into(),
        });
    }
    Ok(distributions(model, &ids, &positions).await?)
}

/// The next token's probabilities after `text`.
///
/// Sync point: one readback.
pub async fn next_token(
    model: &BertLm,
    tokenizer: &TextTokenizer,
    text: &str,
    max_len: usize,
) -> Result<Vec<f32>, ProbeError> {
    let ids = input_ids(tokenizer, text, Objective::Clm, max_len)?;
    let last = ids.len() - 1;
    Ok(distributions(model, &ids, &[last]).await?.remove(0))
}

/// How a continuation is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// Divides the logits; 0 picks the most likely token.
    pub temperature: f64,
    /// Keep only the `k` most likely tokens (0: all).
    pub top_k: usize,
    /// Keep the most likely tokens until their probabilities add up to `p` (1: all).
    pub top_p: f64,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Self {
            temperature: 0.8,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
        }
    }
}

/// Picks a token from a distribution.
pub fn sample(probs: &[f32], s: &Sampling, rng: &mut Rng) -> usize {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    if s.temperature <= 0.0 {
        return order[0];
    }
    if s.top_k > 0 {
        order.truncate(s.top_k);
    }
    // p^(1/T) is softmax(logits / T) up to a constant.
    let mut weights: Vec<f64> = order
        .iter()
        .map(|&i| (probs[i] as f64).powf(1.0 / s.temperature))
        .collect();
    let total: f64 = weights.iter().sum();
    if s.top_p < 1.0 {
        let (mut acc, mut keep) = (0.0, 0);
        for w in &weights {
            acc += w / total;
            keep += 1;
            if acc >= s.top_p {
                break;
            }
        }
        weights.truncate(keep.max(1));
    }
    let total: f64 = weights.iter().sum();
    let mut r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
    for (w, &i) in weights.iter().zip(&order) {
        if r < *w {
            return i;
        }
        r -= w;
    }
    order[weights.len() - 1]
}

/// `tokens` new tokens after `text`, sampled one at a time (special tokens never); returns
/// the new text.
///
/// Sync point: one readback per token.
pub async fn generate(
    model: &BertLm,
    tokenizer: &TextTokenizer,
    text: &str,
    tokens: usize,
    sampling: &Sampling,
    max_len: usize,
) -> Result<String, ProbeError> {
    let mut ids = input_ids(tokenizer, text, Objective::Clm, max_len)?;
    let mut rng = Rng::new(sampling.seed);
    let mut new = Vec::with_capacity(tokens);
    // Text only: [PAD], [UNK], [CLS], [SEP] and [MASK] are never written.
    let special = tokenizer.special_ids();
    for _ in 0..tokens {
        let skip = ids.len().saturating_sub(max_len.max(1));
        let window = &ids[skip..];
        let mut probs = distributions(model, window, &[window.len() - 1])
            .await?
            .remove(0);
        for &id in &special {
            if let Some(p) = probs.get_mut(id as usize) {
                *p = 0.0;
            }
        }
        let next = sample(&probs, sampling, &mut rng) as u32;
        ids.push(next);
        new.push(next);
    }
    Ok(tokenizer.decode(&new))
}

/// A probe's answer: the top candidates at the first mask (masked models) or for the next
/// token, the expected word's rank, and a sampled continuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    /// Best first.
    pub top: Vec<Candidate>,
    /// The expected word's rank, when one was named.
    pub expected: Option<Rank>,
    /// `generate` sampled tokens (next-token models).
    pub generated: Option<String>,
}

/// Runs one probe on `model`, in the way its objective asks.
///
/// Sync point: one readback, plus one per generated token.
#[allow(clippy::too_many_arguments)]
pub async fn probe(
    model: &BertLm,
    tokenizer: &TextTokenizer,
    text: &str,
    expect: Option<&str>,
    top: usize,
    generate_tokens: usize,
    sampling: &Sampling,
    max_len: usize,
) -> Result<ProbeAnswer, ProbeError> {
    let (probs, generated) = match model.objective() {
        Objective::Mlm => (
            fill_mask(model, tokenizer, text, max_len).await?.remove(0),
            None,
        ),
        Objective::Clm => {
            let p = next_token(model, tokenizer, text, max_len).await?;
            let g = if generate_tokens > 0 {
                Some(generate(model, tokenizer, text, generate_tokens, sampling, max_len).await?)
            } else {
                None
            };
            (p, g)
        }
    };
    Ok(ProbeAnswer {
        top: top_k(&probs, top, tokenizer),
        expected: expect
            .filter(|w| !w.trim().is_empty())
            .and_then(|w| rank_of(&probs, w, tokenizer)),
        generated,
    })
}

/// Attention probabilities of every layer and head for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionMaps {
    /// The tokens, special tokens included.
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`; each row sums to 1.
    pub attentions: Vec<Vec<Vec<Vec<f32>>>>,
}

/// The attention maps of `bert` (in eval mode) for `text`, framed as the model was trained.
///
/// Sync point: one readback per layer.
pub async fn attention(
    bert: &BertModel,
    tokenizer: &TextTokenizer,
    text: &str,
    max_len: usize,
) -> Result<AttentionMaps, PredictError> {
    let objective = if bert.causal {
        Objective::Clm
    } else {
        Objective::Mlm
    };
    let ids = input_ids(tokenizer, text, objective, max_len)?;
    let device = bert.embeddings.word_embeddings.weight.val().device();
    let b = single(&ids, &device);
    let out = bert.forward(b.input_ids, b.attention_mask, b.token_type_ids, true);
    let n = ids.len();
    let mut attentions = Vec::with_capacity(out.attentions.len());
    for layer in out.attentions {
        let [_, heads, _, _] = layer.dims();
        let values = read_f32(layer).await?;
        attentions.push(
            values
                .chunks(n * n)
                .take(heads)
                .map(|head| head.chunks(n).map(<[f32]>::to_vec).collect())
                .collect(),
        );
    }
    Ok(AttentionMaps {
        tokens: ids.iter().map(|&i| tokenizer.token(i)).collect(),
        attentions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_top_k_and_top_p_sampling() {
        let probs = [0.5, 0.3, 0.15, 0.05];
        let mut rng = Rng::new(3);
        let greedy = Sampling {
            temperature: 0.0,
            ..Sampling::default()
        };
        assert_eq!(sample(&probs, &greedy, &mut rng), 0);
        let top2 = Sampling {
            temperature: 1.0,
            top_k: 2,
            ..Sampling::default()
        };
        let draws: Vec<usize> = (0..2000).map(|_| sample(&probs, &top2, &mut rng)).collect();
        assert!(draws.iter().all(|&d| d < 2));
        let share = draws.iter().filter(|&&d| d == 0).count() as f64 / 2000.0;
        assert!((share - 0.625).abs() < 0.04, "{share}");
        let nucleus = Sampling {
            temperature: 1.0,
            top_p: 0.7,
            ..Sampling::default()
        };
        assert!((0..500).all(|_| sample(&probs, &nucleus, &mut rng) < 2));
    }

    #[test]
    fn softmax_sums_to_one() {
        let p = softmax(&[1.0, 2.0, 3.0, -1e30]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(p[3], 0.0);
    }
}
