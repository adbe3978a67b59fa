//! The files of a Hugging Face model folder, as bytes: `config.json`, `model.safetensors`, and
//! `tokenizer.json` or `vocab.txt` (with `tokenizer_config.json`'s `do_lower_case`); and the
//! tokenizer's files as an export writes them again ([`TokenizerFiles`]).
//!
//! The command line reads them from a folder, the browser from picked files, a URL, the Hub,
//! its cache or a zip; all of them check the set here, so every source gives the same messages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::tokenizer::TextTokenizer;
use crate::model::BertConfig;
use crate::shared::Task;

/// File names a model folder may contain that Anneal reads.
pub const MODEL_FILES: [&str; 9] = [
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    AUX_INDEX,
    AUX_WEIGHTS,
    RUN_RECORD,
];

/// The index of a multi-task run's auxiliary heads (see [`super::aux`]).
pub const AUX_INDEX: &str = "aux_heads.json";
/// Their tensors.
pub const AUX_WEIGHTS: &str = "aux_heads.safetensors";

/// What an auxiliary head was trained for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuxHeadInfo {
    /// The task's file name.
    pub name: String,
    /// Its task.
    pub task: Task,
    /// Its labels (class names or tags), in the head's output order.
    pub labels: Vec<String>,
}

/// Reads `aux_heads.json`: the heads kept, in the order of their tensors.
pub fn read_aux_index(bytes: &[u8]) -> Result<Vec<AuxHeadInfo>, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{AUX_INDEX}: {e}"))
}

/// The run's record Anneal writes beside a fine-tuned model: the command line's whole
/// `training.json`, or the browser's kept run's window settings (question answering).
pub const RUN_RECORD: &str = "training.json";

/// How a question-answering model read its passages when it was fine-tuned, as its run
/// recorded them (`training.json`'s `max_len`, `doc_stride`, `version_2_with_negative`);
/// each `None` when not recorded. Asking it questions reads them the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Window length in tokens.
    pub max_len: Option<usize>,
    /// Tokens a window shares with the one before.
    pub doc_stride: Option<usize>,
    /// Whether "no answer" competes with the spans (SQuAD v2).
    pub unanswerable: Option<bool>,
}

impl Recorded {
    /// Reads the keys it knows from a `training.json`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("{RUN_RECORD}: {e}"))?;
        let size = |k: &str| v[k].as_u64().map(|n| n as usize);
        Ok(Self {
            max_len: size("max_len"),
            doc_stride: size("doc_stride"),
            unanswerable: v["version_2_with_negative"].as_bool(),
        })
    }

    /// The record of a question-answering run's windows, as `training.json`.
    pub fn qa_json(max_len: usize, doc_stride: usize, unanswerable: bool) -> Vec<u8> {
        let record = serde_json::json!({
            "task": Task::Qa,
            "max_len": max_len,
            "doc_stride": doc_stride,
            "version_2_with_negative": unanswerable,
        });
        serde_json::to_vec_pretty(&record).expect("json values")
    }
}

/// The tokenizer's companion files an export carries over as given.
const COMPANIONS: [&str; 3] = [
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

/// A checked model: its config, weights and tokenizer.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// Where it came from, for messages (a folder, a URL, a Hub id).
    pub source: String,
    /// `config.json`.
    pub config: BertConfig,
    /// `model.safetensors`, unparsed.
    pub weights: Vec<u8>,
    /// The tokenizer.
    pub tokenizer: TextTokenizer,
    /// `tokenizer.json` as given, kept for export; `None` when built from `vocab.txt`.
    pub tokenizer_json: Option<Vec<u8>>,
    /// The tokenizer's companion files that were given (`vocab.txt`, `tokenizer_config.json`,
    /// `special_tokens_map.json`), kept for export.
    pub companions: BTreeMap<String, Vec<u8>>,
    /// A multi-task run's auxiliary heads kept beside the model (Anneal's own files, see
    /// [`super::aux`]): what each is, and their tensors. None for other models.
    pub aux_heads: Vec<AuxHeadInfo>,
    /// `aux_heads.safetensors`, unparsed (empty without heads).
    pub aux_weights: Vec<u8>,
    /// What the run that fine-tuned it recorded of its windows (`training.json`).
    pub recorded: Recorded,
}

impl ModelFiles {
    /// Checks a set of files (by base name). Messages name `source` and the file at fault.
    pub fn from_files(source: &str, mut files: BTreeMap<String, Vec<u8>>) -> Result<Self, String> {
        let companions = COMPANIONS
            .iter()
            .filter_map(|name| Some((name.to_string(), files.get(*name)?.clone())))
            .collect();
        let config_bytes = files.remove("config.json").ok_or_else(|| {
            format!("{source}: config.json not found (a model needs config.json, model.safetensors and tokenizer.json or vocab.txt)")
        })?;
        let config = BertConfig::from_json(&config_bytes)
            .map_err(|e| format!("{source}/config.json: {e}"))?;
        let weights = files.remove("model.safetensors").ok_or_else(|| {
            let hint = if files.contains_key("pytorch_model.bin") {
                " (there is a pytorch_model.bin; convert it to safetensors first)"
            } else {
                ""
            };
            format!("{source}/model.safetensors: not found{hint}")
        })?;
        let (tokenizer, tokenizer_json) = if let Some(bytes) = files.remove("tokenizer.json") {
            let t = TextTokenizer::from_json(&bytes)
                .map_err(|e| format!("{source}/tokenizer.json: {e}"))?;
            (t, Some(bytes))
        } else if let Some(vocab) = files.remove("vocab.txt") {
            let vocab =
                String::from_utf8(vocab).map_err(|_| format!("{source}/vocab.txt: not UTF-8"))?;
            let lowercase = files
                .get("tokenizer_config.json")
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v.get("do_lower_case").and_then(|b| b.as_bool()))
                .unwrap_or(true);
            let t = TextTokenizer::from_vocab(&vocab, lowercase)
                .map_err(|e| format!("{source}/vocab.txt: {e}"))?;
            (t, None)
        } else {
            return Err(format!("{source}: no tokenizer.json or vocab.txt"));
        };
        if tokenizer.vocab_size() > config.vocab_size {
            return Err(format!(
                "{source}: the tokenizer has {} tokens but config.json's vocab_size is {}",
                tokenizer.vocab_size(),
                config.vocab_size
            ));
        }
        let aux_heads = match files.remove(AUX_INDEX) {
            Some(bytes) => read_aux_index(&bytes).map_err(|e| format!("{source}/{e}"))?,
            None => Vec::new(),
        };
        let aux_weights = files.remove(AUX_WEIGHTS).unwrap_or_default();
        if !aux_heads.is_empty() && aux_weights.is_empty() {
            return Err(format!(
                "{source}: {AUX_INDEX} lists auxiliary heads but {AUX_WEIGHTS} is missing"
            ));
        }
        let recorded = match files.remove(RUN_RECORD) {
            Some(bytes) => Recorded::from_json(&bytes).map_err(|e| format!("{source}/{e}"))?,
            None => Recorded::default(),
        };
        Ok(Self {
            source: source.to_string(),
            config,
            weights,
            tokenizer,
            tokenizer_json,
            companions,
            aux_heads,
            aux_weights,
            recorded,
        })
    }

    /// The task and labels of a fine-tuned checkpoint, or why it is not one.
    pub fn fine_tuned(&self) -> Result<(Task, Vec<String>), String> {
        let task = Task::from_architectures(&self.config).ok_or_else(|| {
            format!(
                "{}: not a fine-tuned model (config.json's architectures has none of \
                 BertForSequenceClassification, BertForTokenClassification, \
                 BertForQuestionAnswering); fine-tune it first",
                self.source
            )
        })?;
        // A question-answering head's two outputs need no names.
        let unnamed = || (task == Task::Qa).then(|| vec!["LABEL_0".into(), "LABEL_1".into()]);
        let labels = self
            .config
            .labels()
            .or_else(unnamed)
            .ok_or_else(|| format!("{}: config.json has no usable id2label", self.source))?;
        Ok((task, labels))
    }

    /// `tokenizer.json` for an export: the original bytes, or one built from `vocab.txt`.
    pub fn tokenizer_json(&self) -> Result<Vec<u8>, String> {
        match &self.tokenizer_json {
            Some(b) => Ok(b.clone()),
            None => self
                .tokenizer
                .to_json()
                .map(String::into_bytes)
                .map_err(|e| e.to_string()),
        }
    }

    /// This model's tokenizer as an export writes it: its files as given.
    pub fn tokenizer_files(&self) -> Result<TokenizerFiles, String> {
        Ok(TokenizerFiles {
            tokenizer_json: self.tokenizer_json()?,
            companions: self.companions.clone(),
            specials: SpecialTokens::of(&self.tokenizer),
        })
    }
}

/// A tokenizer's files in an exported folder: `tokenizer.json`, its companions as they were
/// given, and a `tokenizer_config.json` naming the special tokens where none was given, so
/// that `AutoTokenizer` (and pipelines that need the mask or padding token) load the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizerFiles {
    /// `tokenizer.json`.
    pub tokenizer_json: Vec<u8>,
    /// `vocab.txt`, `tokenizer_config.json`, `special_tokens_map.json`, where given.
    pub companions: BTreeMap<String, Vec<u8>>,
    /// The special tokens the tokenizer has, for a `tokenizer_config.json` written anew.
    pub specials: SpecialTokens,
}

impl TokenizerFiles {
    /// A tokenizer that has no files of its own (a vocabulary trained here).
    pub fn of(tokenizer: &TextTokenizer) -> Result<Self, String> {
        Ok(Self {
            tokenizer_json: tokenizer.to_json().map_err(|e| e.to_string())?.into_bytes(),
            companions: BTreeMap::new(),
            specials: SpecialTokens::of(tokenizer),
        })
    }

    /// The files, by name, for a model whose context is `max_len` tokens.
    pub fn files(&self, max_len: usize) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![("tokenizer.json".to_string(), self.tokenizer_json.clone())];
        files.extend(self.companions.clone());
        if !self.companions.contains_key("tokenizer_config.json") {
            files.push((
                "tokenizer_config.json".into(),
                self.specials.tokenizer_config(max_len).into_bytes(),
            ));
        }
        files
    }
}

/// The special tokens of a tokenizer by their role, in BERT's spelling (`[CLS]`) or RoBERTa's
/// (`<s>`), as `transformers` names them in `tokenizer_config.json`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecialTokens(pub Vec<(&'static str, &'static str)>);

impl SpecialTokens {
    /// The roles whose tokens the tokenizer has.
    pub fn of(tokenizer: &TextTokenizer) -> Self {
        let roles: &[(&str, &str)] = if tokenizer.token_id("<s>").is_some() {
            &[
                ("bos_token", "<s>"),
                ("eos_token", "</s>"),
                ("cls_token", "<s>"),
                ("sep_token", "</s>"),
                ("pad_token", "<pad>"),
                ("unk_token", "<unk>"),
                ("mask_token", "<mask>"),
            ]
        } else {
            &[
                ("cls_token", "[CLS]"),
                ("sep_token", "[SEP]"),
                ("pad_token", "[PAD]"),
                ("unk_token", "[UNK]"),
                ("mask_token", "[MASK]"),
            ]
        };
        Self(
            roles
                .iter()
                .filter(|(_, token)| tokenizer.token_id(token).is_some())
                .copied()
                .collect(),
        )
    }

    /// A `tokenizer_config.json` for the fast tokenizer in `tokenizer.json`.
    pub fn tokenizer_config(&self, max_len: usize) -> String {
        let mut config = serde_json::Map::new();
        config.insert("tokenizer_class".into(), "PreTrainedTokenizerFast".into());
        for (role, token) in &self.0 {
            config.insert(role.to_string(), (*token).into());
        }
        config.insert("model_max_length".into(), max_len.into());
        config.insert("clean_up_tokenization_spaces".into(), false.into());
        serde_json::to_string_pretty(&config).expect("a JSON map")
    }
}
