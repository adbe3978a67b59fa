//! New vocabularies for pre-training from scratch, trained on the corpus itself with the
//! `tokenizers` trainers: characters, WordPiece (BERT's) or byte-level BPE (GPT-2's and
//! RoBERTa's), all with BERT's five special tokens at ids 0–4 so that one recipe (masking,
//! `[CLS]`/`[SEP]` framing, padding) serves every vocabulary.
//!
//! Why not MiniLM's 30,522 WordPiece tokens for a tiny model: the tied embedding table would
//! be 89% of a 2-layer, 128-wide model's parameters, and most rows would never be seen in a
//! small corpus.

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainer};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{AddedToken, Tokenizer};

use super::tokenizer::{TextTokenizer, TokenizerError};
use crate::shared::Vocabulary;

/// BERT's special tokens, in id order.
pub const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// The smallest vocabulary a trained WordPiece or BPE may ask for.
pub const MIN_TRAINED_VOCAB: usize = 64;

/// Trains a new vocabulary of `kind` on `texts`. [`Vocabulary::Model`] has nothing to train
/// and is refused here: the caller uses the model's tokenizer.
pub fn train_vocabulary(kind: Vocabulary, texts: &[&str]) -> Result<TextTokenizer, TokenizerError> {
    let specials: Vec<AddedToken> = SPECIAL_TOKENS
        .iter()
        .map(|t| AddedToken::from(*t, true))
        .collect();
    let mut tokenizer = match kind {
        Vocabulary::Model => {
            return Err(TokenizerError::Vocab(
                "the model's own vocabulary is not trained".into(),
            ));
        }
        Vocabulary::Char => {
            // BPE with no merges is a character vocabulary: a budget of one entry stops the
            // trainer right after the alphabet. No normalizer and no pre-tokenizer, so spaces
            // and line breaks are characters like any other.
            let mut t = Tokenizer::new(
                BPE::builder()
                    .unk_token("[UNK]".into())
                    .build()
                    .map_err(err)?,
            );
            t.with_decoder(Some(Fuse::new()));
            let trainer = BpeTrainer::builder()
                .vocab_size(1)
                .show_progress(false)
                .special_tokens(specials.clone())
                .build();
            train(t, trainer.into(), texts)?
        }
        Vocabulary::WordPiece { size } => {
            let mut t = Tokenizer::new(
                WordPiece::builder()
                    .unk_token("[UNK]".into())
                    .build()
                    .map_err(err)?,
            );
            t.with_normalizer(Some(BertNormalizer::new(true, true, None, true)))
                .map_err(err)?;
            t.with_pre_tokenizer(Some(BertPreTokenizer));
            t.with_decoder(Some(WordPieceDecoder::default()));
            let trainer = WordPieceTrainer::builder()
                .vocab_size(size.max(MIN_TRAINED_VOCAB))
                .show_progress(false)
                .special_tokens(specials.clone())
                .build();
            train(t, trainer.into(), texts)?
        }
        Vocabulary::Bpe { size } => {
            let mut t = Tokenizer::new(
                BPE::builder()
                    .unk_token("[UNK]".into())
                    .build()
                    .map_err(err)?,
            );
            t.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
            t.with_decoder(Some(ByteLevelDecoder::default()));
            let trainer = BpeTrainer::builder()
                .vocab_size(size.max(MIN_TRAINED_VOCAB + 256))
                .show_progress(false)
                .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
                .special_tokens(specials.clone())
                .build();
            train(t, trainer.into(), texts)?
        }
    };
    let id = |t: &str| {
        tokenizer
            .token_to_id(t)
            .ok_or_else(|| TokenizerError::Vocab(format!("no {t}")))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tokenizer.with_post_processor(Some(BertProcessing::new(
        ("[SEP]".into(), sep),
        ("[CLS]".into(), cls),
    )));
    tokenizer.add_special_tokens(specials).map_err(err)?;
    TextTokenizer::from_tokenizer(tokenizer)
}

fn train(
    mut tokenizer: Tokenizer,
    mut trainer: TrainerWrapper,
    texts: &[&str],
) -> Result<Tokenizer, TokenizerError> {
    tokenizer
        .train(&mut trainer, texts.iter().copied())
        .map_err(err)?;
    Ok(tokenizer)
}

fn err(e: impl std::fmt::Display) -> TokenizerError {
    TokenizerError::Vocab(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n";

    #[test]
    fn characters_are_the_vocabulary_and_round_trip() {
        let t = train_vocabulary(Vocabulary::Char, &[TEXT]).unwrap();
        let distinct: std::collections::BTreeSet<char> = TEXT.chars().collect();
        assert_eq!(t.vocab_size(), SPECIAL_TOKENS.len() + distinct.len());
        for (i, s) in SPECIAL_TOKENS.iter().enumerate() {
            assert_eq!(t.token_id(s), Some(i as u32), "{s}");
        }
        let ids = t.raw_ids("to be\nor", false).unwrap();
        assert_eq!(
            ids.len(),
            8,
            "one id per character, the line break included"
        );
        assert_eq!(t.decode(&ids), "to be\nor");
        // [MASK] written in a text is the mask token, not six characters.
        let ids = t.raw_ids("to [MASK]", false).unwrap();
        assert_eq!(
            ids,
            vec![
                t.token_id("t").unwrap(),
                t.token_id("o").unwrap(),
                t.token_id(" ").unwrap(),
                4
            ]
        );
    }

    #[test]
    fn wordpiece_and_bpe_train_to_about_the_size_asked() {
        let text = TEXT.repeat(3) + "the quick brown fox jumps over the lazy dog";
        for kind in [
            Vocabulary::WordPiece { size: 100 },
            Vocabulary::Bpe { size: 400 },
        ] {
            let t = train_vocabulary(kind, &[&text]).unwrap();
            assert!(
                t.vocab_size() > 40 && t.vocab_size() <= 400,
                "{kind:?}: {}",
                t.vocab_size()
            );
            assert_eq!(t.token_id("[MASK]"), Some(4), "{kind:?}");
            let e = t.encode("to be or not", 64).unwrap();
            assert_eq!(e.ids.first(), Some(&2), "{kind:?} starts with [CLS]");
            assert_eq!(e.ids.last(), Some(&3), "{kind:?} ends with [SEP]");
            let back = TextTokenizer::from_json(t.to_json().unwrap().as_bytes()).unwrap();
            assert_eq!(
                back.raw_ids("whether nobler", true).unwrap(),
                t.raw_ids("whether nobler", true).unwrap()
            );
        }
    }
}
