//! Tokenization through Hugging Face `tokenizers`, with padding and truncation under our control.
//!
//! A `tokenizer.json` may switch on fixed padding and truncation (all-MiniLM-L6-v2's pads every
//! text to 128): both are turned off here; batches are padded to their own longest sequence and
//! sequences are cut at the caller's maximum length, keeping the final special token.

use std::collections::HashMap;

use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{Encoding, Tokenizer};

/// Why a tokenizer cannot be built or used.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// `tokenizer.json` could not be read.
    #[error("tokenizer.json is not a valid tokenizer: {0}")]
    Json(String),
    /// `vocab.txt` lacks a token the BERT recipe needs.
    #[error("vocab.txt: {0}")]
    Vocab(String),
    /// The tokenizer failed on a text.
    #[error("tokenization failed: {0}")]
    Encode(String),
}

/// A text cut to at most the maximum length, as token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// Token ids, special tokens included.
    pub ids: Vec<u32>,
    /// For each token, the index of the word it came from; `None` for special tokens.
    pub word_ids: Vec<Option<usize>>,
    /// For each token, its character span in the text (for plain-text input).
    pub offsets: Vec<(usize, usize)>,
    /// Whether tokens were dropped to fit the maximum length.
    pub truncated: bool,
}

/// A tokenizer with padding and truncation switched off.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    /// For pre-split words, when they need another pre-tokenizer than running text: a
    /// byte-level BPE (RoBERTa) whose words must each start with a space, as in running text
    /// (transformers' `add_prefix_space=True` for `is_split_into_words`).
    words: Option<Tokenizer>,
    pad_id: u32,
}

/// Turns on `add_prefix_space` of every byte-level pre-tokenizer; whether there was one.
fn prefix_space(pre: &mut PreTokenizerWrapper) -> bool {
    match pre {
        PreTokenizerWrapper::ByteLevel(b) => {
            let changed = !b.add_prefix_space;
            b.add_prefix_space = true;
            changed
        }
        PreTokenizerWrapper::Sequence(seq) => {
            // Every member, not only up to the first byte-level one.
            let mut changed = false;
            for p in seq.as_mut() {
                changed |= prefix_space(p);
            }
            changed
        }
        _ => false,
    }
}

/// The pad id: the tokenizer's padding setting, else its `[PAD]` or `<pad>` token, else 0.
fn pad_id_of(t: &Tokenizer) -> u32 {
    t.get_padding()
        .map(|p| p.pad_id)
        .or_else(|| t.token_to_id("[PAD]"))
        .or_else(|| t.token_to_id("<pad>"))
        .unwrap_or(0)
}

/// Switches padding and truncation off and builds the words' twin if it needs one.
fn wrap(mut inner: Tokenizer, pad_id: u32) -> Result<TextTokenizer, TokenizerError> {
    inner.with_padding(None);
    inner
        .with_truncation(None)
        .map_err(|e| TokenizerError::Json(e.to_string()))?;
    let words = inner.get_pre_tokenizer().cloned().and_then(|mut pre| {
        prefix_space(&mut pre).then(|| {
            let mut twin = inner.clone();
            twin.with_pre_tokenizer(Some(pre));
            twin
        })
    });
    Ok(TextTokenizer {
        inner,
        words,
        pad_id,
    })
}

impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TextTokenizer(vocab {}, pad {})",
            self.vocab_size(),
            self.pad_id
        )
    }
}

impl TextTokenizer {
    /// From the bytes of a `tokenizer.json`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, TokenizerError> {
        let inner =
            Tokenizer::from_bytes(bytes).map_err(|e| TokenizerError::Json(e.to_string()))?;
        let pad_id = pad_id_of(&inner);
        wrap(inner, pad_id)
    }

    /// The BERT WordPiece recipe over a `vocab.txt` (one token per line, id = line index).
    pub fn from_vocab(vocab_txt: &str, lowercase: bool) -> Result<Self, TokenizerError> {
        let vocab: HashMap<String, u32> = vocab_txt
            .lines()
            .enumerate()
            .map(|(i, t)| (t.trim_end_matches('\r').to_string(), i as u32))
            .collect();
        let id = |t: &str| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| TokenizerError::Vocab(format!("no {t} token")))
        };
        let (cls, sep, pad) = (id("[CLS]")?, id("[SEP]")?, id("[PAD]")?);
        id("[UNK]")?;
        let table = WordPiece::read_bytes(vocab_txt.as_bytes())
            .map_err(|e| TokenizerError::Vocab(e.to_string()))?;
        let model = WordPiece::builder()
            .vocab(table)
            .unk_token("[UNK]".into())
            .build()
            .map_err(|e| TokenizerError::Vocab(e.to_string()))?;
        let mut inner = Tokenizer::new(model);
        inner
            .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
            .map_err(|e| TokenizerError::Vocab(e.to_string()))?;
        inner.with_pre_tokenizer(Some(BertPreTokenizer));
        inner.with_post_processor(Some(BertProcessing::new(
            ("[SEP]".into(), sep),
            ("[CLS]".into(), cls),
        )));
        wrap(inner, pad)
    }

    /// Wraps a built tokenizer (a trained vocabulary), switching padding and truncation off.
    pub fn from_tokenizer(inner: Tokenizer) -> Result<Self, TokenizerError> {
        let pad_id = inner
            .token_to_id("[PAD]")
            .or_else(|| inner.token_to_id("<pad>"))
            .unwrap_or(0);
        wrap(inner, pad_id)
    }

    /// The id of a token, special tokens included.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The mask token's id: `[MASK]` (BERT) or `<mask>` (RoBERTa).
    pub fn mask_id(&self) -> Option<u32> {
        self.token_id("[MASK]").or_else(|| self.token_id("<mask>"))
    }

    /// The mask token as written in a text.
    pub fn mask_token(&self) -> Option<&'static str> {
        ["[MASK]", "<mask>"]
            .into_iter()
            .find(|t| self.token_id(t).is_some())
    }

    /// Ids of the special tokens (added tokens marked special), which masking never picks.
    pub fn special_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .inner
            .get_added_tokens_decoder()
            .into_iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Ids back to text, as the tokenizer's decoder writes it (special tokens kept).
    pub fn decode(&self, ids: &[u32]) -> String {
        self.inner.decode(ids, false).unwrap_or_default()
    }

    /// Id used to pad batches.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Number of tokens in the vocabulary, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Serialises as a `tokenizer.json` (padding and truncation off).
    pub fn to_json(&self) -> Result<String, TokenizerError> {
        self.inner
            .to_string(true)
            .map_err(|e| TokenizerError::Json(e.to_string()))
    }

    /// How the vocabulary marks a token that starts a word: byte-level BPE (RoBERTa) and
    /// SentencePiece (XLM-R) put `Ġ` or `▁` before it; WordPiece (BERT) marks the pieces
    /// *inside* words with `##` instead (`None`).
    fn word_start_marker(&self) -> Option<char> {
        if self.words.is_some() {
            return Some('Ġ');
        }
        let vocab = self.inner.get_vocab(false);
        let sentencepiece = vocab.keys().filter(|t| t.starts_with('▁')).count();
        (sentencepiece * 10 > vocab.len()).then_some('▁')
    }

    /// The vocabulary's whole words: each token that is a word of letters standing alone
    /// (not a piece of a longer word), two letters or more, with that word; special tokens
    /// left out. By id.
    pub fn whole_words(&self) -> Vec<(u32, String)> {
        let marker = self.word_start_marker();
        let special = self.special_ids();
        let mut out: Vec<(u32, String)> = self
            .inner
            .get_vocab(false)
            .into_iter()
            .filter(|(_, id)| special.binary_search(id).is_err())
            .filter_map(|(token, id)| {
                let word = match marker {
                    Some(m) => token.strip_prefix(m)?.to_string(),
                    None if token.starts_with("##") => return None,
                    None => token,
                };
                (word.chars().count() > 1 && word.chars().all(char::is_alphabetic))
                    .then_some((id, word))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// The token string of an id, for display.
    pub fn token(&self, id: u32) -> String {
        self.inner
            .id_to_token(id)
            .unwrap_or_else(|| format!("<{id}>"))
    }

    /// Encodes a text with special tokens, cut to `max_len` tokens.
    pub fn encode(&self, text: &str, max_len: usize) -> Result<Encoded, TokenizerError> {
        let e = self
            .inner
            .encode_char_offsets(text, true)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(truncate(&e, max_len))
    }

    /// Encodes pre-split words with special tokens, cut to `max_len` tokens; `word_ids` index
    /// into `words`.
    pub fn encode_words(
        &self,
        words: &[String],
        max_len: usize,
    ) -> Result<Encoded, TokenizerError> {
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let e = self
            .words
            .as_ref()
            .unwrap_or(&self.inner)
            .encode_char_offsets(refs.as_slice(), true)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(truncate(&e, max_len))
    }

    /// The special tokens the post-processor adds around a pair of texts (BERT: 3, RoBERTa: 4).
    pub fn pair_special_tokens(&self) -> usize {
        self.inner
            .get_post_processor()
            .map_or(0, |p| tokenizers::PostProcessor::added_tokens(p, true))
    }

    /// Token ids exactly as the underlying tokenizer gives them, for parity checks.
    pub fn raw_ids(
        &self,
        text: &str,
        add_special_tokens: bool,
    ) -> Result<Vec<u32>, TokenizerError> {
        let e = self
            .inner
            .encode(text, add_special_tokens)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(e.get_ids().to_vec())
    }
}

/// One window of a question and a passage: the question whole, a stretch of the passage.
#[derive(Debug, Clone, PartialEq)]
pub struct PairWindow {
    /// Token ids, special tokens included.
    pub ids: Vec<u32>,
    /// Segment ids as the tokenizer's post-processor gives them.
    pub type_ids: Vec<u32>,
    /// Each token's character span in its own text.
    pub offsets: Vec<(usize, usize)>,
    /// Which text each token is from: `Some(0)` the question, `Some(1)` the passage, `None`
    /// a special token.
    pub sequence_ids: Vec<Option<usize>>,
}

/// Why a question and its passage cannot be cut into windows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WindowError {
    /// The question leaves no more than the stride's room for the passage.
    #[error(
        "the question is {question} tokens long: with the maximum length {max_len} and doc stride {stride}, \
         a window leaves {room} tokens for the passage, and it needs more than the stride"
    )]
    QuestionTooLong {
        /// The question's tokens.
        question: usize,
        /// Room left for the passage in a window.
        room: usize,
        /// The maximum length.
        max_len: usize,
        /// The doc stride.
        stride: usize,
    },
    /// The tokenizer failed.
    #[error("tokenization failed: {0}")]
    Encode(String),
}

/// A tokenizer that cuts a question and a long passage into overlapping windows, as
/// transformers' fast tokenizers do with `truncation="only_second"`, `stride` and
/// `return_overflowing_tokens` (`run_qa.py`'s features).
#[derive(Clone)]
pub struct WindowTokenizer {
    /// Without truncation or post-processing: each text's tokens as the model gives them.
    raw: Tokenizer,
    /// With truncation into windows and the post-processor that adds the special tokens.
    inner: Tokenizer,
    max_len: usize,
    stride: usize,
    added: usize,
}

impl TextTokenizer {
    /// A tokenizer for windows of at most `max_len` tokens overlapping by `stride`.
    pub fn windows(
        &self,
        max_len: usize,
        stride: usize,
    ) -> Result<WindowTokenizer, TokenizerError> {
        let mut raw = self.inner.clone();
        raw.with_post_processor(None::<tokenizers::PostProcessorWrapper>);
        let mut inner = self.inner.clone();
        inner
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: max_len,
                strategy: tokenizers::TruncationStrategy::OnlySecond,
                stride,
                direction: tokenizers::TruncationDirection::Right,
            }))
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        let added = inner
            .get_post_processor()
            .map_or(0, |p| tokenizers::PostProcessor::added_tokens(p, true));
        Ok(WindowTokenizer {
            raw,
            inner,
            max_len,
            stride,
            added,
        })
    }
}

impl WindowTokenizer {
    /// The windows of `question` over `context`, in order (one when the passage fits).
    ///
    /// Both texts are encoded whole, without post-processing, and then cut and given their
    /// special tokens by the post-processing step, as `tokenizers` encodes a pair: 0.23.2's own
    /// pair encode stops tokenizing at the maximum length when truncation is on, so its
    /// overflowing windows miss the end of a long passage (huggingface/tokenizers#2091; the
    /// Python wheels of 0.23.3, which `transformers` uses, cut every window whole).
    pub fn encode(&self, question: &str, context: &str) -> Result<Vec<PairWindow>, WindowError> {
        let err = |e: tokenizers::Error| WindowError::Encode(e.to_string());
        let q = self.raw.encode_char_offsets(question, false).map_err(err)?;
        let mut c = self.raw.encode_char_offsets(context, false).map_err(err)?;
        let room = self.max_len.saturating_sub(self.added + q.len());
        // The tokenizer asserts the stride is below the room it cuts to: refuse first.
        if q.len() + c.len() + self.added > self.max_len && room <= self.stride {
            return Err(WindowError::QuestionTooLong {
                question: q.len(),
                room,
                max_len: self.max_len,
                stride: self.stride,
            });
        }
        // The second text's segment, as encoding it second gives it (its windows keep it).
        c.set_type_ids(vec![1; c.len()]);
        let mut e = self.inner.post_process(q, Some(c), true).map_err(err)?;
        let overflow = e.take_overflowing();
        Ok(std::iter::once(e)
            .chain(overflow)
            .map(|w| PairWindow {
                ids: w.get_ids().to_vec(),
                type_ids: w.get_type_ids().to_vec(),
                offsets: w.get_offsets().to_vec(),
                sequence_ids: w.get_sequence_ids(),
            })
            .collect())
    }
}

/// Keeps the first `max_len - 1` tokens and the final special token (or just the first
/// `max_len` when the sequence does not end with one).
fn truncate(e: &Encoding, max_len: usize) -> Encoded {
    let ids = e.get_ids();
    let words: Vec<Option<usize>> = e
        .get_word_ids()
        .iter()
        .map(|w| w.map(|w| w as usize))
        .collect();
    let offsets = e.get_offsets().to_vec();
    let n = ids.len();
    let max_len = max_len.max(2);
    if n <= max_len {
        return Encoded {
            ids: ids.to_vec(),
            word_ids: words,
            offsets,
            truncated: false,
        };
    }
    let ends_special = e.get_special_tokens_mask().last() == Some(&1);
    let mut keep: Vec<usize> = (0..max_len).collect();
    if ends_special {
        keep[max_len - 1] = n - 1;
    }
    Encoded {
        ids: keep.iter().map(|&i| ids[i]).collect(),
        word_ids: keep.iter().map(|&i| words[i]).collect(),
        offsets: keep.iter().map(|&i| offsets[i]).collect(),
        truncated: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n##s\non\nmat\n.";

    #[test]
    fn vocab_txt_builds_the_bert_recipe() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let e = t.encode("The cats sat on the MAT.", 64).unwrap();
        assert_eq!(e.ids, vec![2, 5, 6, 8, 7, 9, 5, 10, 11, 3]);
        assert_eq!(e.word_ids[0], None);
        assert_eq!(e.word_ids[3], Some(1)); // "##s" belongs to "cats"
        assert!(!e.truncated);
        assert_eq!(t.pad_id(), 0);
    }

    #[test]
    fn truncation_keeps_the_final_separator() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let e = t.encode("the cat sat on the mat", 4).unwrap();
        assert_eq!(e.ids, vec![2, 5, 6, 3]);
        assert!(e.truncated);
    }

    #[test]
    fn words_map_to_their_first_sub_token() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let words: Vec<String> = ["cats", "sat"].iter().map(|s| s.to_string()).collect();
        let e = t.encode_words(&words, 16).unwrap();
        assert_eq!(e.word_ids, vec![None, Some(0), Some(0), Some(1), None]);
    }

    #[test]
    fn whole_words_leave_out_pieces_specials_and_punctuation() {
        let t = TextTokenizer::from_vocab(VOCAB, true).unwrap();
        let words: Vec<String> = t.whole_words().into_iter().map(|(_, w)| w).collect();
        assert_eq!(words, ["the", "cat", "sat", "on", "mat"]);
    }

    #[test]
    fn vocab_without_special_tokens_is_refused() {
        let err = TextTokenizer::from_vocab("a\nb", true).unwrap_err();
        assert!(err.to_string().contains("[CLS]"), "{err}");
    }
}
