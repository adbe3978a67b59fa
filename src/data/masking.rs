//! BERT's masking recipe, as `transformers.DataCollatorForLanguageModeling`: each token that is
//! not special is chosen with probability 15%; a chosen token becomes `[MASK]` 80% of the
//! time, a random token 10%, and stays itself 10%; the model is scored on the chosen ones.

use super::split::Rng;

/// Share of tokens chosen for prediction.
pub const MASK_RATE: f64 = 0.15;

/// One input after masking, and what the model must predict where.
#[derive(Debug, Clone, PartialEq)]
pub struct Masked {
    /// The input with chosen tokens replaced.
    pub input_ids: Vec<u32>,
    /// Indices of the chosen tokens.
    pub positions: Vec<usize>,
    /// The original token at each chosen index.
    pub targets: Vec<u32>,
}

/// A uniform number in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Masks `ids` with BERT's recipe. `special` ids are never chosen; at least one token is
/// chosen when any can be, so that every input has a loss.
pub fn mask(
    ids: &[u32],
    rng: &mut Rng,
    mask_id: u32,
    vocab_size: usize,
    special: &[u32],
) -> Masked {
    let candidates: Vec<usize> = (0..ids.len())
        .filter(|&i| !special.contains(&ids[i]))
        .collect();
    let mut positions: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|_| unit(rng) < MASK_RATE)
        .collect();
    if positions.is_empty() && !candidates.is_empty() {
        positions.push(candidates[rng.below(candidates.len())]);
    }
    let mut input_ids = ids.to_vec();
    for &i in &positions {
        let r = unit(rng);
        if r < 0.8 {
            input_ids[i] = mask_id;
        } else if r < 0.9 {
            input_ids[i] = rng.below(vocab_size) as u32;
        }
    }
    let targets = positions.iter().map(|&i| ids[i]).collect();
    Masked {
        input_ids,
        positions,
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_percent_chosen_then_eighty_ten_ten() {
        let ids: Vec<u32> = (0..200_000).map(|i| 10 + (i % 50)).collect();
        let m = mask(&ids, &mut Rng::new(1), 4, 100, &[0, 1, 2, 3, 4]);
        let n = m.positions.len() as f64;
        assert!((n / ids.len() as f64 - 0.15).abs() < 0.005, "{n}");
        let masked = m.positions.iter().filter(|&&i| m.input_ids[i] == 4).count() as f64;
        let kept = m
            .positions
            .iter()
            .filter(|&&i| m.input_ids[i] == ids[i])
            .count() as f64;
        assert!((masked / n - 0.8).abs() < 0.01, "{}", masked / n);
        // Kept: 10%, plus the random draws that landed on the same token (1/100 of 10%).
        assert!((kept / n - 0.101).abs() < 0.01, "{}", kept / n);
        assert!(
            m.positions
                .iter()
                .zip(&m.targets)
                .all(|(&i, &t)| ids[i] == t)
        );
        let unchosen = (0..ids.len())
            .filter(|i| !m.positions.contains(i))
            .take(1000);
        assert!(unchosen.into_iter().all(|i| m.input_ids[i] == ids[i]));
    }

    #[test]
    fn special_tokens_are_never_chosen_and_one_token_always_is() {
        let ids = vec![2, 9, 3];
        for seed in 0..50 {
            let m = mask(&ids, &mut Rng::new(seed), 4, 20, &[2, 3]);
            assert_eq!(m.positions, vec![1]);
        }
        let m = mask(&[2, 3], &mut Rng::new(0), 4, 20, &[2, 3]);
        assert!(m.positions.is_empty());
    }
}
