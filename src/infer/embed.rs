//! What a model's vectors say: sentence embeddings (mean-pooled, L2-normalised, the
//! sentence-transformers recipe) for `anneal embed` and the embedding map, and a word's nearest
//! tokens by cosine in the input embedding table.

use burn::prelude::*;

use crate::data::batch::collate;
use crate::data::features::Features;
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::forward::to_tensors;
use crate::model::{BertModel, mean_pool_normalized};
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::Task;

/// Why vectors could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A text could not be tokenized.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The device failed.
    #[error(transparent)]
    Device(#[from] ReadbackError),
}

/// One embedding per text, `max_len` tokens at most, `batch` texts per forward pass (eval mode:
/// `model` on an inference device).
pub async fn sentence_embeddings(
    model: &BertModel,
    tokenizer: &TextTokenizer,
    texts: &[String],
    max_len: usize,
    batch: usize,
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let device = model.embeddings.word_embeddings.weight.val().device();
    let mut out = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(batch.max(1)) {
        let features = chunk
            .iter()
            .map(|text| {
                Ok(Features {
                    ids: tokenizer.encode(text, max_len)?.ids,
                    labels: vec![0],
                    type_ids: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, TokenizerError>>()?;
        let refs: Vec<&Features> = features.iter().collect();
        let (t, _) = to_tensors(&collate(&refs, tokenizer.pad_id(), Task::Classify), &device);
        let hidden = model
            .forward(
                t.input_ids,
                t.attention_mask.clone(),
                t.token_type_ids,
                false,
            )
            .last_hidden_state;
        let pooled = mean_pool_normalized(hidden, t.attention_mask);
        let [rows, width] = pooled.dims();
        // Sync point: the batch's vectors.
        let values = read_f32(pooled).await?;
        out.extend((0..rows).map(|r| values[r * width..(r + 1) * width].to_vec()));
    }
    Ok(out)
}

/// A word's nearest tokens in one embedding table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Neighbours {
    /// The token looked up: the word itself when it is one token, else its first piece.
    pub token: String,
    /// Whether the word is a single token of the vocabulary (else `token` is its first piece).
    pub whole_word: bool,
    /// The nearest other tokens, closest first, with their cosine similarity.
    pub nearest: Vec<(String, f32)>,
}

/// The `k` tokens whose rows of `table` (`[vocab, hidden]`, an input embedding table) are
/// closest by cosine to `word`'s row, special tokens and the word itself left out; `None` when
/// the tokenizer turns the word into nothing but special or unknown tokens.
pub async fn nearest_tokens(
    table: Tensor<2>,
    tokenizer: &TextTokenizer,
    word: &str,
    k: usize,
) -> Result<Option<Neighbours>, EmbedError> {
    let word = word.trim();
    let special = tokenizer.special_ids();
    let (id, whole_word) = match tokenizer.token_id(word) {
        Some(id) if !special.contains(&id) => (id, true),
        _ => {
            let ids = tokenizer.raw_ids(word, false)?;
            let unk = tokenizer.token_id("[UNK]").or(tokenizer.token_id("<unk>"));
            match ids
                .iter()
                .find(|i| !special.contains(i) && Some(**i) != unk)
            {
                Some(&id) => (id, false),
                None => return Ok(None),
            }
        }
    };
    let [vocab, hidden] = table.dims();
    if id as usize >= vocab {
        return Ok(None);
    }
    let norms = table.clone().square().sum_dim(1).sqrt().clamp_min(1e-12); // [vocab, 1]
    let unit = table / norms;
    let query = unit
        .clone()
        .slice([id as usize..id as usize + 1, 0..hidden])
        .transpose(); // [hidden, 1]
    // Sync point: one similarity per token.
    let sims = read_f32(unit.matmul(query).reshape([vocab])).await?;
    let mut order: Vec<usize> = (0..vocab)
        .filter(|&i| i != id as usize && !special.contains(&(i as u32)))
        .collect();
    order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]));
    Ok(Some(Neighbours {
        token: tokenizer.token(id),
        whole_word,
        nearest: order
            .into_iter()
            .take(k)
            .map(|i| (tokenizer.token(i as u32), sims[i]))
            .collect(),
    }))
}
