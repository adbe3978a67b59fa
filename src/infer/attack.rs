//! Robustness tests of a text classifier: greedy black-box attacks, scored as TextAttack scores
//! them (clean accuracy, accuracy under attack, attack success rate, words perturbed, queries).
//!
//! Both attacks rank a text's words by how much deleting each one lowers the probability of
//! the true class (DeepWordBug's and TextFooler's "greedy word importance"), then change the
//! most important words first, one edit per word, keeping at each word the candidate that
//! lowers that probability most, until the prediction flips, the edits run out
//! ([`AttackSettings::max_edits`]) or the queries do ([`AttackSettings::budget`]):
//!
//! - [`AttackKind::Chars`] (DeepWordBug, Gao et al. 2018): one character edit of the word —
//!   swap two neighbours, delete one, insert a letter, or put a keyboard neighbour in place of
//!   one — so at most `max_edits` character edits in the whole text;
//! - [`AttackKind::Words`] (embedding-neighbour swaps): the word replaced by one of its nearest
//!   whole-word tokens in the model's own input embeddings, cosine at least
//!   [`AttackSettings::similarity`]; at most `max_edits` words replaced. Embedding neighbours
//!   can be antonyms ("good" → "bad"): a word attack measures sensitivity, not always a
//!   label-preserving change; read its examples.
//!
//! A query is one text scored by the model. Every reported adversarial example is predicted
//! again by the ordinary prediction path ([`super::predict_texts`]) and kept only if that
//! prediction is wrong too.

use super::embed::nearest_tokens;
use super::{PredictError, Prediction, class_probabilities, predict_texts};
use crate::data::tokenizer::TextTokenizer;
use crate::model::BertClassifier;
pub use crate::shared::augment::edit_distance;
use crate::shared::augment::{Word, char_edits, replace, words_of};
use crate::shared::eda::with_case_of;
use crate::shared::rng::Rng;
pub use crate::shared::{AdversarialExample, AttackKind, AttackReport, AttackSettings};

/// Scores texts: each one's probabilities, counting the queries.
struct Oracle<'a> {
    model: &'a BertClassifier,
    tokenizer: &'a TextTokenizer,
    max_len: usize,
}

impl Oracle<'_> {
    async fn probabilities(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, PredictError> {
        class_probabilities(self.model, self.tokenizer, texts, self.max_len).await
    }
}

fn argmax(p: &[f32]) -> usize {
    crate::forward::argmax(p)
}

/// The outcome of attacking one text the model gets right.
struct Attempt {
    perturbed: Option<(String, usize, Vec<Word>)>,
    queries: usize,
}

/// The candidate replacements of `word`: its character edits, or its nearest whole-word
/// tokens in `table` at least as similar as the settings ask.
async fn candidates_for(
    word: &str,
    oracle: &Oracle<'_>,
    settings: &AttackSettings,
    table: Option<&burn::prelude::Tensor<2>>,
    rng: &mut Rng,
) -> Result<Vec<String>, PredictError> {
    let table = match (settings.kind, table) {
        (AttackKind::Chars, _) => return Ok(char_edits(word, settings.candidates, rng)),
        (AttackKind::Words, None) => return Ok(Vec::new()),
        (AttackKind::Words, Some(table)) => table,
    };
    let near = nearest_tokens(table.clone(), oracle.tokenizer, word, 50)
        .await
        .map_err(|e| match e {
            super::embed::EmbedError::Tokenizer(t) => PredictError::Tokenizer(t),
            super::embed::EmbedError::Device(d) => PredictError::Device(d),
        })?;
    Ok(near
        .filter(|n| n.whole_word)
        .map(|n| {
            n.nearest
                .into_iter()
                .filter(|(t, s)| {
                    *s >= settings.similarity
                        && t.chars().all(char::is_alphabetic)
                        && !t.eq_ignore_ascii_case(word)
                })
                .map(|(t, _)| with_case_of(word, &t))
                .take(settings.candidates)
                .collect()
        })
        .unwrap_or_default())
}

/// Word `w` replaced by `new_len` bytes: it and the words after it move.
fn moved(spans: &mut [Word], w: usize, new_len: usize) {
    let span = spans[w];
    let new_end = span.start + new_len;
    let shift = new_end as isize - span.end as isize;
    for s in spans.iter_mut().filter(|s| s.start >= span.end) {
        s.start = (s.start as isize + shift) as usize;
        s.end = (s.end as isize + shift) as usize;
    }
    spans[w].end = new_end;
}

/// Attacks one text whose true class is `gold` (predicted right).
async fn attack_one(
    oracle: &Oracle<'_>,
    text: &str,
    gold: usize,
    settings: &AttackSettings,
    table: Option<&burn::prelude::Tensor<2>>,
    rng: &mut Rng,
) -> Result<Attempt, PredictError> {
    let words = words_of(text);
    let mut queries = 0;
    if words.is_empty() {
        return Ok(Attempt {
            perturbed: None,
            queries,
        });
    }
    // Word importance: the true class's probability with each word deleted.
    let deleted: Vec<String> = words.iter().map(|w| replace(text, *w, "")).collect();
    let probs = oracle.probabilities(&deleted).await?;
    queries += deleted.len();
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by(|&a, &b| probs[a][gold].total_cmp(&probs[b][gold]));

    // Replacing a word moves the bytes of the words after it; track where each word is now.
    let mut current = text.to_string();
    let mut spans = words.clone();
    let mut changed: Vec<usize> = Vec::new();
    for &w in &order {
        if changed.len() >= settings.max_edits || queries >= settings.budget {
            break;
        }
        let span = spans[w];
        let word = &current[span.start..span.end];
        let mut candidates = candidates_for(word, oracle, settings, table, rng).await?;
        candidates.truncate(settings.budget.saturating_sub(queries));
        if candidates.is_empty() {
            continue;
        }
        let texts: Vec<String> = candidates
            .iter()
            .map(|c| replace(&current, span, c))
            .collect();
        let probs = oracle.probabilities(&texts).await?;
        queries += texts.len();
        let best = (0..texts.len())
            .min_by(|&a, &b| probs[a][gold].total_cmp(&probs[b][gold]))
            .expect("candidates");
        moved(&mut spans, w, candidates[best].len());
        current = texts[best].clone();
        changed.push(w);
        if argmax(&probs[best]) != gold {
            let edited = changed.iter().map(|&i| spans[i]).collect();
            return Ok(Attempt {
                perturbed: Some((current, changed.len(), edited)),
                queries,
            });
        }
    }
    Ok(Attempt {
        perturbed: None,
        queries,
    })
}

/// Attacks every example of `examples` (text, true class index) that the model gets right.
/// `on_progress(done, total)` is called after each example.
pub async fn attack(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    examples: &[(String, usize)],
    settings: &AttackSettings,
    max_len: usize,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<AttackReport, PredictError> {
    let oracle = Oracle {
        model,
        tokenizer,
        max_len,
    };
    let texts: Vec<String> = examples.iter().map(|(t, _)| t.clone()).collect();
    let clean = oracle.probabilities(&texts).await?;
    let table = match settings.kind {
        AttackKind::Words => Some(model.bert.embeddings.word_embeddings.weight.val()),
        AttackKind::Chars => None,
    };
    let mut rng = Rng::new(settings.seed);
    let (mut right, mut queries) = (0usize, 0usize);
    let mut found: Vec<Found> = Vec::new();
    for (i, ((text, gold), p)) in examples.iter().zip(&clean).enumerate() {
        if argmax(p) == *gold {
            right += 1;
            let attempt =
                attack_one(&oracle, text, *gold, settings, table.as_ref(), &mut rng).await?;
            queries += attempt.queries;
            if let Some((perturbed, edits, spans)) = attempt.perturbed {
                found.push((
                    text.clone(),
                    *gold,
                    perturbed,
                    edits,
                    spans,
                    attempt.queries,
                ));
            }
        }
        on_progress(i + 1, examples.len());
    }
    let out = confirmed(model, tokenizer, labels, found, max_len).await?;
    Ok(report(settings, examples.len(), right, queries, out))
}

/// A successful attack before it is predicted again: the original, its class, the perturbed
/// text, the edits, the changed words' spans and the queries.
type Found = (String, usize, String, usize, Vec<Word>, usize);

/// Each adversarial text predicted again, by the ordinary path: kept only if still wrong.
async fn confirmed(
    model: &BertClassifier,
    tokenizer: &TextTokenizer,
    labels: &[String],
    found: Vec<Found>,
    max_len: usize,
) -> Result<Vec<AdversarialExample>, PredictError> {
    let perturbed: Vec<String> = found.iter().map(|f| f.2.clone()).collect();
    let again = predict_texts(model, tokenizer, labels, &perturbed, max_len).await?;
    let mut out = Vec::new();
    for ((original, gold, perturbed, edits, spans, q), prediction) in found.into_iter().zip(again) {
        let Prediction::Classify { label, .. } = prediction else {
            continue;
        };
        if label == labels[gold] {
            continue;
        }
        let total = words_of(&original).len();
        out.push(AdversarialExample {
            words: (edits, total),
            changed: spans.iter().map(|s| (s.start, s.end)).collect(),
            original,
            perturbed,
            label: labels[gold].clone(),
            predicted: label,
            edits,
            queries: q,
        });
    }
    Ok(out)
}

/// The rates of `n` examples scored, `right` of them predicted right (and so attacked), with
/// `queries` in all and the confirmed adversarial examples `out`.
fn report(
    settings: &AttackSettings,
    n: usize,
    right: usize,
    queries: usize,
    out: Vec<AdversarialExample>,
) -> AttackReport {
    let share = |a: f64, b: usize| if b == 0 { 0.0 } else { a / b as f64 };
    let succeeded = out.len();
    let perturbed: f64 = out
        .iter()
        .map(|e| e.words.0 as f64 / e.words.1.max(1) as f64)
        .sum();
    AttackReport {
        settings: *settings,
        examples_scored: n,
        clean_accuracy: share(right as f64, n),
        attacked_accuracy: share((right - succeeded) as f64, n),
        attack_success_rate: share(succeeded as f64, right),
        words_perturbed: share(perturbed, succeeded),
        queries: share(queries as f64, right),
        examples: out,
    }
}

/// The robustness test as a probe of whole models (`forward::Probe`): each model's accuracy
/// under `settings`' attack on `examples` (text, class).
pub struct AttackProbe<'a> {
    tokenizer: &'a TextTokenizer,
    labels: Vec<String>,
    examples: Vec<(String, usize)>,
    settings: AttackSettings,
    max_len: usize,
}

impl<'a> AttackProbe<'a> {
    /// A probe attacking `examples` with `settings`, texts cut at `max_len` tokens.
    pub fn new(
        tokenizer: &'a TextTokenizer,
        labels: Vec<String>,
        examples: Vec<(String, usize)>,
        settings: AttackSettings,
        max_len: usize,
    ) -> Self {
        Self {
            tokenizer,
            labels,
            examples,
            settings,
            max_len,
        }
    }
}

impl crate::forward::Probe for AttackProbe<'_> {
    fn score<'b>(
        &'b mut self,
        model: &'b BertClassifier,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<f64, String>> + 'b>> {
        Box::pin(async move {
            let report = attack(
                model,
                self.tokenizer,
                &self.labels,
                &self.examples,
                &self.settings,
                self.max_len,
                &mut |_, _| {},
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(report.attacked_accuracy)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_take_the_words_case() {
        assert_eq!(with_case_of("Good", "bad"), "Bad");
        assert_eq!(with_case_of("GOOD", "bad"), "BAD");
        assert_eq!(with_case_of("good", "bad"), "bad");
    }
}
