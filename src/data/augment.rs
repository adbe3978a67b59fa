//! Data augmentation in training: an epoch's augmented copies of the training examples,
//! encoded as they are (never the validation ones): typos or EDA's edits in a classifier's
//! texts (EDA's synonyms given by the loop from the model's embeddings), or an
//! entity tagger's sentences with words or mentions replaced by others of the same tag (their
//! labels aligned to the sub-words as the originals are), or, for either, the counterfactual
//! copy of each example with gendered words or first names (the same every epoch). The edits themselves are
//! engine-free, in `shared/augment.rs` and `shared/mentions.rs`, so the Train panel previews
//! them with the same code.

use std::collections::HashMap;

use crate::data::Examples;
use crate::data::features::{Features, align};
use crate::data::tokenizer::{TextTokenizer, TokenizerError};
use crate::shared::augment::typos;
use crate::shared::counterfactual::{Swaps, swap_each};
use crate::shared::eda::{Synonyms, eda};
use crate::shared::mentions::{Lexicon, replace_mentions, replace_tokens};
use crate::shared::rng::Rng;
use crate::shared::tag_swaps::swap_words;
use crate::shared::{AugmentKind, Augmentation, CdaSwap};

/// What is augmented.
#[derive(Clone)]
enum Source {
    /// Classification: the training texts and their class ids.
    Texts {
        texts: Vec<String>,
        labels: Vec<i64>,
    },
    /// Entity recognition: the training sentences (words, tags), what replaces their words,
    /// and each tag's id.
    Sentences {
        sentences: Vec<(Vec<String>, Vec<String>)>,
        lexicon: Lexicon,
        ids: HashMap<String, i64>,
    },
}

/// One augmented copy: a text (classification) or words and tags (entities).
#[derive(Debug, Clone, PartialEq)]
pub enum Copy {
    /// A classifier's text.
    Text(String),
    /// A tagger's words and their tags.
    Tagged(Vec<String>, Vec<String>),
}

/// Makes an epoch's augmented copies of the training examples.
#[derive(Clone)]
pub struct Augmenter {
    /// The settings.
    pub settings: Augmentation,
    source: Source,
    /// EDA's synonyms (none until [`Augmenter::with_synonyms`]).
    synonyms: Synonyms,
    /// Contextual augmentation's copies drawn before training, per text in order (none until
    /// [`Augmenter::set_copies`]).
    pool: Vec<Vec<String>>,
    /// Counterfactual augmentation: each example's swapped form, `None` when it has nothing to
    /// swap (no copy then).
    swapped: Vec<Option<Copy>>,
    /// Counterfactual augmentation of names: whether the first-name lists were given
    /// ([`Augmenter::set_names`]).
    has_names: bool,
    tokenizer: TextTokenizer,
    max_len: usize,
}

impl std::fmt::Debug for Augmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Augmenter")
            .field("settings", &self.settings)
            .field("examples", &self.len())
            .field("max_len", &self.max_len)
            .finish()
    }
}

impl Augmenter {
    /// An augmenter of the training examples `train` (in the order of the training features),
    /// `labels` the label list (class names or tags) in id order. Examples with a label
    /// outside it are left out (encoding left them out of training too).
    pub fn new(
        settings: Augmentation,
        train: &Examples,
        labels: &[String],
        tokenizer: &TextTokenizer,
        max_len: usize,
    ) -> Self {
        let ids: HashMap<String, i64> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i as i64))
            .collect();
        let source = match train {
            Examples::Ner(v) => {
                let sentences: Vec<(Vec<String>, Vec<String>)> = v
                    .iter()
                    .filter(|e| e.tags.iter().all(|t| ids.contains_key(t)))
                    .map(|e| (e.tokens.clone(), e.tags.clone()))
                    .collect();
                let lexicon =
                    Lexicon::of(sentences.iter().map(|(w, t)| (w.as_slice(), t.as_slice())));
                Source::Sentences {
                    sentences,
                    lexicon,
                    ids,
                }
            }
            Examples::Classify(v) => {
                let (texts, labels) = v
                    .iter()
                    .filter_map(|e| Some((e.text.clone(), *ids.get(&e.label)?)))
                    .unzip();
                Source::Texts { texts, labels }
            }
            Examples::Qa(_) => Source::Texts {
                texts: Vec::new(),
                labels: Vec::new(),
            },
        };
        let swapped = match (settings.kind, settings.swap) {
            (AugmentKind::Counterfactual, CdaSwap::Gender) => {
                counterfactuals(&source, &[Swaps::gender()])
            }
            _ => Vec::new(),
        };
        Self {
            settings,
            source,
            synonyms: Synonyms::default(),
            pool: Vec::new(),
            swapped,
            has_names: false,
            tokenizer: tokenizer.clone(),
            max_len,
        }
    }

    /// The words EDA wants synonyms for (none for the other kinds, or once given): the
    /// training texts' most frequent words.
    pub fn words_wanting_synonyms(&self) -> Vec<String> {
        match (&self.source, self.settings.kind) {
            (Source::Texts { texts, .. }, AugmentKind::Eda) if self.synonyms.words.is_empty() => {
                Synonyms::wanted(texts.iter().map(String::as_str), Synonyms::MAX_WORDS)
            }
            _ => Vec::new(),
        }
    }

    /// Whether contextual (MLM) augmentation still wants its copies drawn (false for the
    /// other kinds, or once given).
    pub fn wants_copies(&self) -> bool {
        matches!(&self.source, Source::Texts { texts, .. } if !texts.is_empty())
            && self.settings.kind == AugmentKind::Mlm
            && self.pool.is_empty()
    }

    /// Gives contextual augmentation its copies: `drawn` maps a text to its copies (a text
    /// it lacks is copied as it is).
    pub fn set_copies(&mut self, drawn: &HashMap<String, Vec<String>>) {
        if self.settings.kind != AugmentKind::Mlm {
            return;
        }
        if let Source::Texts { texts, .. } = &self.source {
            self.pool = texts
                .iter()
                .map(|t| drawn.get(t).cloned().unwrap_or_default())
                .collect();
        }
    }

    /// Whether counterfactual augmentation of names still wants the first-name lists.
    pub fn wants_names(&self) -> bool {
        self.settings.needs_names() && !self.has_names
    }

    /// Gives counterfactual augmentation of names its swap list ([`Swaps::names`]); the
    /// swapped copies are made then (nothing for the other kinds).
    pub fn set_names(&mut self, names: &Swaps) {
        let lists = match self.settings.swap {
            _ if !self.settings.needs_names() => return,
            CdaSwap::Both => vec![names.clone(), Swaps::gender()],
            _ => vec![names.clone()],
        };
        self.swapped = counterfactuals(&self.source, &lists);
        self.has_names = true;
    }

    /// This augmenter with the first-name swaps, when given.
    pub fn with_names(mut self, names: Option<&Swaps>) -> Self {
        if let Some(n) = names {
            self.set_names(n);
        }
        self
    }

    /// This augmenter with EDA's synonyms.
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Self {
        self.set_synonyms(synonyms);
        self
    }

    /// Gives EDA its synonyms.
    pub fn set_synonyms(&mut self, synonyms: Synonyms) {
        self.synonyms = synonyms;
    }

    /// EDA's synonyms (empty for the other kinds).
    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    fn len(&self) -> usize {
        match &self.source {
            Source::Texts { texts, .. } => texts.len(),
            Source::Sentences { sentences, .. } => sentences.len(),
        }
    }

    /// Examples added to each epoch.
    pub fn extra(&self) -> usize {
        match self.settings.kind {
            AugmentKind::Counterfactual => self.swapped.iter().flatten().count(),
            _ => self.len() * self.settings.copies,
        }
    }

    /// The augmented copies of one epoch, `copies` per training example in order, drawn from
    /// `seed` (the same seed, the same copies). A kind meant for the other task leaves the
    /// examples as they are (the settings' check refuses that pairing before a run).
    pub fn copies(&self, seed: u64) -> Vec<Copy> {
        self.indexed_copies(seed)
            .into_iter()
            .map(|(_, c)| c)
            .collect()
    }

    /// [`Augmenter::copies`], each with the index of the training example it copies.
    fn indexed_copies(&self, seed: u64) -> Vec<(usize, Copy)> {
        if self.settings.kind == AugmentKind::Counterfactual {
            return (self.swapped.iter().enumerate())
                .filter_map(|(i, c)| Some((i, c.clone()?)))
                .collect();
        }
        let n = self.len().max(1);
        let mut rng = Rng::new(seed);
        let rate = self.settings.rate;
        let mut out = Vec::with_capacity(self.extra());
        for _ in 0..self.settings.copies {
            match &self.source {
                Source::Texts { texts, .. } => {
                    out.extend(texts.iter().enumerate().map(|(i, t)| {
                        Copy::Text(match self.settings.kind {
                            AugmentKind::Typos => typos(t, rate, &mut rng),
                            AugmentKind::Eda => eda(t, rate, &self.synonyms, &mut rng),
                            AugmentKind::Mlm => match self.pool.get(i).filter(|p| !p.is_empty()) {
                                Some(p) => p[rng.below(p.len())].clone(),
                                None => t.clone(),
                            },
                            _ => t.clone(),
                        })
                    }))
                }
                Source::Sentences {
                    sentences, lexicon, ..
                } => out.extend(sentences.iter().map(|(w, t)| {
                    let (w, t) = match self.settings.kind {
                        AugmentKind::Tokens => {
                            (replace_tokens(w, t, lexicon, rate, &mut rng), t.clone())
                        }
                        AugmentKind::Mentions => replace_mentions(w, t, lexicon, rate, &mut rng),
                        AugmentKind::Typos
                        | AugmentKind::Eda
                        | AugmentKind::Mlm
                        | AugmentKind::Counterfactual => (w.clone(), t.clone()),
                    };
                    Copy::Tagged(w, t)
                })),
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, c)| (i % n, c))
            .collect()
    }

    /// The augmented texts of one epoch (entities: the words joined by spaces).
    pub fn texts(&self, seed: u64) -> Vec<String> {
        self.copies(seed)
            .into_iter()
            .map(|c| match c {
                Copy::Text(t) => t,
                Copy::Tagged(w, _) => w.join(" "),
            })
            .collect()
    }

    /// The augmented examples of one epoch, encoded as the training ones are.
    pub fn epoch(&self, seed: u64) -> Result<Vec<Features>, TokenizerError> {
        if self.wants_names() {
            return Err(TokenizerError::Encode(
                "counterfactual augmentation of names needs the first-name lists (recipe::give_names)"
                    .into(),
            ));
        }
        self.indexed_copies(seed)
            .into_iter()
            .map(|(i, copy)| match (copy, &self.source) {
                (Copy::Text(t), Source::Texts { labels, .. }) => Ok(Features {
                    ids: self.tokenizer.encode(&t, self.max_len)?.ids,
                    labels: vec![labels[i]],
                    type_ids: Vec::new(),
                }),
                (Copy::Tagged(words, tags), Source::Sentences { ids, .. }) => {
                    let enc = self.tokenizer.encode_words(&words, self.max_len)?;
                    let tags = tags
                        .iter()
                        .map(|t| ids.get(t).copied())
                        .collect::<Option<Vec<i64>>>()
                        .ok_or_else(|| {
                            TokenizerError::Encode("an augmented tag outside the tags".into())
                        })?;
                    Ok(Features {
                        labels: align(&enc.word_ids, &tags),
                        ids: enc.ids,
                        type_ids: Vec::new(),
                    })
                }
                _ => Err(TokenizerError::Encode(
                    "an augmented copy of another task's kind".into(),
                )),
            })
            .collect()
    }
}

/// Each example's counterfactual copy: a text, or a sentence's words, swapped word for word
/// by each list in turn (its tags kept: the swap changes no word boundaries); `None` when
/// nothing swaps.
fn counterfactuals(source: &Source, lists: &[Swaps]) -> Vec<Option<Copy>> {
    match source {
        Source::Texts { texts, .. } => texts
            .iter()
            .map(|t| {
                let s = swap_each(lists, t);
                (s.changed > 0).then_some(Copy::Text(s.text))
            })
            .collect(),
        Source::Sentences { sentences, .. } => sentences
            .iter()
            .map(|(words, tags)| {
                let s = swap_words(lists, words).filter(|s| s.changed > 0)?;
                Some(Copy::Tagged(s.words, tags.clone()))
            })
            .collect(),
    }
}
