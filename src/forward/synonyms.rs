//! EDA's synonyms from a model's own input embeddings: for each wanted word that is a whole
//! word of the vocabulary, its nearest other whole words by cosine (letters only, no stop
//! words, at least [`Synonyms::FLOOR`]), [`Synonyms::PER_WORD`] at most. One matrix product
//! per block of words on the model's device; the ranking on the CPU.

use burn::prelude::*;

use crate::data::tokenizer::TextTokenizer;
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::eda::{Synonyms, is_stop_word};

/// Words per block: a block's similarities (`BLOCK` x candidate words) are read back at once.
const BLOCK: usize = 128;

/// The synonyms of `words` (lower-cased) among the whole words of `tokenizer`'s vocabulary,
/// `table` being the model's input embedding table (`[vocab, hidden]`). A word that is not a
/// whole word of the vocabulary, or has no neighbour above the floor, gets none.
pub async fn synonyms(
    table: Tensor<2>,
    tokenizer: &TextTokenizer,
    words: &[String],
) -> Result<Synonyms, ReadbackError> {
    let [vocab, _] = table.dims();
    // Candidates: the vocabulary's whole words (their lower-cased form, first id kept).
    let mut candidates: Vec<(u32, String)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (id, word) in tokenizer.whole_words() {
        let lower = word.to_lowercase();
        if (id as usize) < vocab && !is_stop_word(&lower) && !index.contains_key(&lower) {
            index.insert(lower.clone(), candidates.len());
            candidates.push((id, lower));
        }
    }
    let queries: Vec<usize> = words.iter().filter_map(|w| index.get(w).copied()).collect();
    let mut out = Synonyms::default();
    if queries.is_empty() || candidates.len() < 2 {
        return Ok(out);
    }
    let device = table.device();
    let ids: Vec<i64> = candidates.iter().map(|(id, _)| i64::from(*id)).collect();
    let rows = Tensor::<1, Int>::from_data(TensorData::new(ids, [candidates.len()]), &device);
    let picked = table.select(0, rows);
    let norms = picked.clone().square().sum_dim(1).sqrt().clamp_min(1e-12);
    let unit = picked / norms; // [candidates, hidden]
    let n = candidates.len();
    for block in queries.chunks(BLOCK) {
        let at: Vec<i64> = block.iter().map(|&q| q as i64).collect();
        let at = Tensor::<1, Int>::from_data(TensorData::new(at, [block.len()]), &device);
        let sims = unit.clone().select(0, at).matmul(unit.clone().transpose());
        // Sync point: the block's similarities to every candidate.
        let sims = read_f32(sims).await?;
        for (row, &q) in block.iter().enumerate() {
            let row = &sims[row * n..(row + 1) * n];
            let mut near: Vec<usize> = (0..n)
                .filter(|&c| c != q && row[c] >= Synonyms::FLOOR)
                .collect();
            near.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
            near.truncate(Synonyms::PER_WORD);
            if !near.is_empty() {
                let list = near.into_iter().map(|c| candidates[c].1.clone()).collect();
                out.words.insert(candidates[q].1.clone(), list);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows by hand: "film" and "movie" point one way, "bad" another, "good" between.
    #[test]
    fn nearest_whole_words_above_the_floor() {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nfilm\nmovie\nbad\ngood\n##s\nthe";
        let tokenizer = TextTokenizer::from_vocab(vocab, true).unwrap();
        let device = Device::flex();
        let mut rows = [[0.0f32; 3]; 11];
        rows[5] = [1.0, 0.1, 0.0]; // film
        rows[6] = [0.9, 0.0, 0.1]; // movie
        rows[7] = [0.0, 0.0, 1.0]; // bad
        rows[8] = [0.1, 0.0, 1.0]; // good
        rows[9] = [1.0, 0.0, 0.0]; // ##s: a piece, never a synonym
        rows[10] = [1.0, 0.1, 0.0]; // the: a stop word, never a synonym
        let flat: Vec<f32> = rows.concat();
        let table = Tensor::<2>::from_data(TensorData::new(flat, [11, 3]), &device);
        let words = ["film", "good", "unknown"].map(String::from);
        let s = pollster::block_on(synonyms(table, &tokenizer, &words)).unwrap();
        assert_eq!(s.of("film"), ["movie"]);
        // Embedding neighbours can be antonyms: "good" sits by "bad".
        assert_eq!(s.of("Good"), ["bad"]);
        assert!(s.of("unknown").is_empty());
        assert_eq!(s.words.len(), 2);
    }
}
