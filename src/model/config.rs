//! The schema of a Hugging Face encoder's `config.json`, read as is.
//!
//! Field names and defaults are those of `transformers.BertConfig`; the other families
//! ([`Family`]) share them, except DistilBERT, whose names (`dim`, `n_layers`, ...) are read into
//! BERT's and written back as they were. Fields Anneal does not use are kept in
//! [`BertConfig::extra`] so that an exported `config.json` loses nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The model types whose weights and architecture Anneal implements, one per [`Family`] in its
/// order (a test holds the two together).
pub const SUPPORTED_MODEL_TYPES: &[&str] =
    &["bert", "distilbert", "roberta", "xlm-roberta", "electra"];

/// An encoder family: one architecture (post-LayerNorm transformer layers) under different
/// tensor names, embeddings and classification heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// BERT (`bert`): token types, a pooler under the sequence classifier.
    #[default]
    Bert,
    /// DistilBERT (`distilbert`): no token types, `pre_classifier` + ReLU head.
    DistilBert,
    /// RoBERTa (`roberta`): positions after `padding_idx`, dense + tanh head, no pooler.
    Roberta,
    /// XLM-RoBERTa (`xlm-roberta`): RoBERTa's architecture with a SentencePiece vocabulary.
    XlmRoberta,
    /// ELECTRA (`electra`): embeddings narrower than the hidden states, dense + GELU head.
    Electra,
}

impl Family {
    /// The `model_type` of the family's `config.json`.
    pub fn model_type(self) -> &'static str {
        match self {
            Family::Bert => "bert",
            Family::DistilBert => "distilbert",
            Family::Roberta => "roberta",
            Family::XlmRoberta => "xlm-roberta",
            Family::Electra => "electra",
        }
    }

    /// The family of a `model_type`.
    pub fn from_model_type(model_type: &str) -> Option<Family> {
        [
            Family::Bert,
            Family::DistilBert,
            Family::Roberta,
            Family::XlmRoberta,
            Family::Electra,
        ]
        .into_iter()
        .find(|f| f.model_type() == model_type)
    }

    /// The prefix of Hugging Face class names: `Bert`ForSequenceClassification.
    pub fn class_prefix(self) -> &'static str {
        match self {
            Family::Bert => "Bert",
            Family::DistilBert => "DistilBert",
            Family::Roberta => "Roberta",
            Family::XlmRoberta => "XLMRoberta",
            Family::Electra => "Electra",
        }
    }

    /// The encoder's attribute in a task model, which prefixes its tensor names.
    pub fn base_prefix(self) -> &'static str {
        match self {
            Family::Bert => "bert",
            Family::DistilBert => "distilbert",
            Family::Roberta | Family::XlmRoberta => "roberta",
            Family::Electra => "electra",
        }
    }

    /// Whether the embeddings have a token-type (segment) table.
    pub fn has_token_types(self) -> bool {
        self != Family::DistilBert
    }

    /// Whether positions count from `pad_token_id + 1` and padding takes `pad_token_id`'s row
    /// (RoBERTa's `create_position_ids_from_input_ids`).
    pub fn offsets_positions(self) -> bool {
        matches!(self, Family::Roberta | Family::XlmRoberta)
    }
}

/// DistilBERT's names for BERT's fields, (DistilBERT, BERT).
const DISTILBERT_NAMES: &[(&str, &str)] = &[
    ("dim", "hidden_size"),
    ("n_layers", "num_hidden_layers"),
    ("n_heads", "num_attention_heads"),
    ("hidden_dim", "intermediate_size"),
    ("activation", "hidden_act"),
    ("dropout", "hidden_dropout_prob"),
    ("attention_dropout", "attention_probs_dropout_prob"),
];

/// A BERT `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BertConfig {
    /// The architecture family, one of [`SUPPORTED_MODEL_TYPES`].
    #[serde(default)]
    pub model_type: Option<String>,
    /// Number of rows of the word-embedding table.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of encoder layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads per layer; divides `hidden_size`.
    pub num_attention_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Activation of the feed-forward block: `gelu` (erf form), `gelu_new`, or `relu`.
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// Dropout after embeddings, attention output and feed-forward output. Default 0.1.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities. Default 0.1.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Rows of the position-embedding table, the longest input. Default 512.
    #[serde(default = "default_max_positions")]
    pub max_position_embeddings: usize,
    /// Rows of the token-type (segment) table. Default 2; none in DistilBERT.
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    /// Width of the embeddings when narrower than `hidden_size` (ELECTRA), projected up by
    /// `embeddings_project`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_size: Option<usize>,
    /// Standard deviation of the normal initialisation of new weights. Default 0.02.
    #[serde(default = "default_initializer_range")]
    pub initializer_range: f64,
    /// Epsilon of every LayerNorm. Default 1e-12.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Id of the padding token. Default 0.
    #[serde(default)]
    pub pad_token_id: usize,
    /// Whether attention is causal (each token sees only those before it): `BertLMHeadModel`
    /// trained on next tokens. Default false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_decoder: bool,
    /// Model classes this checkpoint is for, e.g. `BertForSequenceClassification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// Label names by class index, present in fine-tuned checkpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id2label: Option<BTreeMap<String, String>>,
    /// Class index by label name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label2id: Option<BTreeMap<String, usize>>,
    /// Every other field of the file, kept for export.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn is_false(b: &bool) -> bool {
    !b
}
fn default_hidden_act() -> String {
    "gelu".into()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_max_positions() -> usize {
    512
}
fn default_type_vocab() -> usize {
    2
}
fn default_initializer_range() -> f64 {
    0.02
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}

/// Why a `config.json` cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// Not JSON, or a field has the wrong type or is missing.
    #[error("config.json is not a valid encoder config: {0}")]
    Invalid(String),
    /// A `model_type` this build does not implement.
    #[error(
        "config.json has model_type \"{found}\", which Anneal does not support (supported: {})",
        SUPPORTED_MODEL_TYPES.join(", ")
    )]
    UnsupportedModelType {
        /// The value found in the file.
        found: String,
    },
    /// Values that cannot describe a working model.
    #[error("config.json: {0}")]
    Inconsistent(String),
}

/// The activation of the feed-forward block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// GELU in its exact erf form (`gelu` in Hugging Face).
    Gelu,
    /// GELU in its tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    /// ReLU.
    Relu,
}

impl BertConfig {
    /// Parses and validates `config.json` bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ConfigError> {
        let mut value: Value =
            serde_json::from_slice(bytes).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(map) = value.as_object_mut()
            && map.get("model_type").and_then(Value::as_str) == Some("distilbert")
        {
            if map.get("sinusoidal_pos_embds") == Some(&Value::Bool(true)) {
                return Err(ConfigError::Inconsistent(
                    "sinusoidal_pos_embds: true (fixed sinusoidal positions) is not supported"
                        .into(),
                ));
            }
            for (theirs, ours) in DISTILBERT_NAMES {
                if let Some(v) = map.remove(*theirs) {
                    map.insert(ours.to_string(), v);
                }
            }
            // Fixed in DistilBERT's code: LayerNorm(dim, eps=1e-12), no token types.
            map.insert("layer_norm_eps".into(), 1e-12.into());
            map.insert("type_vocab_size".into(), 1.into());
        }
        let config: Self =
            serde_json::from_value(value).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Serialises to pretty JSON, as Hugging Face writes it (DistilBERT under its own names).
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a config is always serialisable");
        if self.family() == Family::DistilBert
            && let Some(map) = value.as_object_mut()
        {
            for (theirs, ours) in DISTILBERT_NAMES {
                if let Some(v) = map.remove(*ours) {
                    map.insert(theirs.to_string(), v);
                }
            }
            map.remove("layer_norm_eps");
            map.remove("type_vocab_size");
        }
        serde_json::to_string_pretty(&value).expect("a config is always serialisable")
    }

    /// The family named by `model_type` (BERT for old files that only name a `Bert*` class).
    pub fn family(&self) -> Family {
        self.model_type
            .as_deref()
            .and_then(Family::from_model_type)
            .unwrap_or_default()
    }

    /// The model's largest tensor, by name, and its number of elements: nearly always the
    /// word-embedding table (250,002 x 768 in XLM-R), else a feed-forward matrix.
    pub fn largest_tensor(&self) -> (&'static str, usize) {
        let table = self.vocab_size * self.embedding_width();
        let ffn = self.hidden_size * self.intermediate_size;
        if table >= ffn {
            ("the word-embedding table", table)
        } else {
            ("a feed-forward matrix", ffn)
        }
    }

    /// Width of the embedding tables: `embedding_size` (ELECTRA) or `hidden_size`.
    pub fn embedding_width(&self) -> usize {
        self.embedding_size.unwrap_or(self.hidden_size)
    }

    /// The longest input in tokens: the position table's rows, less the `pad_token_id + 1`
    /// rows that RoBERTa's positions skip.
    pub fn max_len(&self) -> usize {
        if self.family().offsets_positions() {
            self.max_position_embeddings
                .saturating_sub(self.pad_token_id + 1)
        } else {
            self.max_position_embeddings
        }
    }

    /// Dropout before a classifier: `classifier_dropout` when set (DistilBERT's sequence head:
    /// `seq_classif_dropout`), else `hidden_dropout_prob`.
    pub fn classifier_dropout(&self, sequence_head: bool) -> f64 {
        let key = if sequence_head && self.family() == Family::DistilBert {
            "seq_classif_dropout"
        } else {
            "classifier_dropout"
        };
        self.extra
            .get(key)
            .and_then(Value::as_f64)
            .filter(|p| (0.0..1.0).contains(p))
            .unwrap_or(self.hidden_dropout_prob)
    }

    /// Dropout before a question-answering head: DistilBERT's `qa_dropout` (0.1 when unset);
    /// the other families apply none there.
    pub fn qa_dropout(&self) -> f64 {
        match self.family() {
            Family::DistilBert => self
                .extra
                .get("qa_dropout")
                .and_then(Value::as_f64)
                .filter(|p| (0.0..1.0).contains(p))
                .unwrap_or(0.1),
            _ => 0.0,
        }
    }

    /// A small random-weight BERT for tests and demos.
    pub fn tiny(vocab_size: usize) -> Self {
        Self {
            model_type: Some("bert".into()),
            vocab_size,
            hidden_size: 32,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 64,
            hidden_act: default_hidden_act(),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            max_position_embeddings: 64,
            type_vocab_size: 2,
            embedding_size: None,
            initializer_range: 0.02,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            is_decoder: false,
            architectures: None,
            id2label: None,
            label2id: None,
            extra: Map::new(),
        }
    }

    /// Checks the model type and the dimensions.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.model_type.as_deref() {
            Some(t) if Family::from_model_type(t).is_some() => {}
            Some(t) => return Err(ConfigError::UnsupportedModelType { found: t.into() }),
            None => {
                let bert_arch = self
                    .architectures
                    .iter()
                    .flatten()
                    .any(|a| a.starts_with("Bert"));
                if !bert_arch {
                    return Err(ConfigError::Invalid(format!(
                        "no model_type field (expected one of: {})",
                        SUPPORTED_MODEL_TYPES.join(", ")
                    )));
                }
            }
        }
        self.activation()?;
        let positive = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(ConfigError::Inconsistent(format!(
                    "{name} must be positive"
                )));
            }
        }
        if self.embedding_size == Some(0) {
            return Err(ConfigError::Inconsistent(
                "embedding_size must be positive".into(),
            ));
        }
        if self.max_len() == 0 {
            return Err(ConfigError::Inconsistent(format!(
                "max_position_embeddings {} leaves no positions after pad_token_id {}",
                self.max_position_embeddings, self.pad_token_id
            )));
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(ConfigError::Inconsistent(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        for (name, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                self.attention_probs_dropout_prob,
            ),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(ConfigError::Inconsistent(format!(
                    "{name} must be in [0, 1), found {p}"
                )));
            }
        }
        // Written so that NaN is refused too.
        if self.layer_norm_eps.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(ConfigError::Inconsistent(
                "layer_norm_eps must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The feed-forward activation named by `hidden_act`.
    pub fn activation(&self) -> Result<Activation, ConfigError> {
        match self.hidden_act.as_str() {
            "gelu" => Ok(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Ok(Activation::GeluTanh),
            "relu" => Ok(Activation::Relu),
            other => Err(ConfigError::Inconsistent(format!(
                "hidden_act \"{other}\" is not supported (gelu, gelu_new, relu)"
            ))),
        }
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Label names in class order, if the config carries `id2label`.
    pub fn labels(&self) -> Option<Vec<String>> {
        let map = self.id2label.as_ref()?;
        let mut pairs: Vec<(usize, &String)> = map
            .iter()
            .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
            .collect();
        pairs.sort();
        let contiguous = pairs.iter().enumerate().all(|(i, (k, _))| i == *k);
        (contiguous && !pairs.is_empty())
            .then(|| pairs.into_iter().map(|(_, v)| v.clone()).collect())
    }

    /// Records the label names, as `id2label` and `label2id`.
    pub fn set_labels(&mut self, labels: &[String]) {
        self.id2label = Some(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i.to_string(), l.clone()))
                .collect(),
        );
        self.label2id = Some(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect(),
        );
        self.extra.remove("num_labels");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINILM: &str = r#"{"_name_or_path":"x","architectures":["BertModel"],
        "attention_probs_dropout_prob":0.1,"gradient_checkpointing":false,"hidden_act":"gelu",
        "hidden_dropout_prob":0.1,"hidden_size":384,"initializer_range":0.02,
        "intermediate_size":1536,"layer_norm_eps":1e-12,"max_position_embeddings":512,
        "model_type":"bert","num_attention_heads":12,"num_hidden_layers":6,"pad_token_id":0,
        "position_embedding_type":"absolute","transformers_version":"4.8.2","type_vocab_size":2,
        "use_cache":true,"vocab_size":30522}"#;

    #[test]
    fn reads_minilm_config_and_keeps_unknown_fields() {
        let c = BertConfig::from_json(MINILM.as_bytes()).unwrap();
        assert_eq!(
            (c.hidden_size, c.num_hidden_layers, c.head_dim()),
            (384, 6, 32)
        );
        assert_eq!(c.activation().unwrap(), Activation::Gelu);
        let back: Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back["position_embedding_type"], "absolute");
        assert_eq!(back["transformers_version"], "4.8.2");
    }

    #[test]
    fn refuses_other_model_types_by_name() {
        let json = MINILM.replace("\"bert\"", "\"gpt2\"");
        let err = BertConfig::from_json(json.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("gpt2")
                && SUPPORTED_MODEL_TYPES
                    .iter()
                    .all(|t| err.to_string().contains(t)),
            "{err}"
        );
    }

    #[test]
    fn the_supported_list_is_the_families() {
        let families = [
            Family::Bert,
            Family::DistilBert,
            Family::Roberta,
            Family::XlmRoberta,
            Family::Electra,
        ];
        let named: Vec<&str> = families.iter().map(|f| f.model_type()).collect();
        assert_eq!(named, SUPPORTED_MODEL_TYPES);
        for (f, t) in families.iter().zip(SUPPORTED_MODEL_TYPES) {
            assert_eq!(Family::from_model_type(t), Some(*f));
        }
    }

    #[test]
    fn refuses_heads_that_do_not_divide_hidden() {
        let json = MINILM.replace("\"num_attention_heads\":12", "\"num_attention_heads\":7");
        let err = BertConfig::from_json(json.as_bytes()).unwrap_err();
        assert!(matches!(err, ConfigError::Inconsistent(_)), "{err}");
    }

    #[test]
    fn distilbert_names_are_read_as_bert_names_and_written_back() {
        let json = r#"{"model_type":"distilbert","vocab_size":30522,"dim":768,"n_layers":6,
            "n_heads":12,"hidden_dim":3072,"activation":"gelu","dropout":0.1,
            "attention_dropout":0.1,"max_position_embeddings":512,"seq_classif_dropout":0.2,
            "sinusoidal_pos_embds":false,"pad_token_id":0}"#;
        let c = BertConfig::from_json(json.as_bytes()).unwrap();
        assert_eq!(c.family(), Family::DistilBert);
        assert_eq!(
            (c.hidden_size, c.num_hidden_layers, c.intermediate_size),
            (768, 6, 3072)
        );
        assert_eq!(c.classifier_dropout(true), 0.2);
        assert_eq!(c.classifier_dropout(false), 0.1);
        let back: Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back["dim"], 768);
        assert_eq!(back["n_layers"], 6);
        assert!(back.get("hidden_size").is_none() && back.get("type_vocab_size").is_none());
        assert_eq!(BertConfig::from_json(c.to_json().as_bytes()).unwrap(), c);
        let sinusoidal = json.replace(
            "\"sinusoidal_pos_embds\":false",
            "\"sinusoidal_pos_embds\":true",
        );
        assert!(BertConfig::from_json(sinusoidal.as_bytes()).is_err());
    }

    #[test]
    fn roberta_positions_leave_room_for_the_padding_offset() {
        let json = MINILM
            .replace("\"bert\"", "\"xlm-roberta\"")
            .replace(
                "\"max_position_embeddings\":512",
                "\"max_position_embeddings\":514",
            )
            .replace("\"pad_token_id\":0", "\"pad_token_id\":1");
        let c = BertConfig::from_json(json.as_bytes()).unwrap();
        assert_eq!(c.family(), Family::XlmRoberta);
        assert_eq!(c.max_len(), 512);
        // XLM-R base's embedding table is the largest tensor, 250,002 x 768 numbers.
        let big = BertConfig {
            vocab_size: 250_002,
            hidden_size: 768,
            intermediate_size: 3072,
            ..c
        };
        assert_eq!(big.largest_tensor().1, 250_002 * 768);
    }

    #[test]
    fn label_maps_round_trip() {
        let mut c = BertConfig::tiny(10);
        c.set_labels(&["neg".into(), "pos".into()]);
        let c = BertConfig::from_json(c.to_json().as_bytes()).unwrap();
        assert_eq!(c.labels().unwrap(), vec!["neg", "pos"]);
    }
}
