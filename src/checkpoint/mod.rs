//! Hugging Face checkpoints <-> burn modules: the only place that knows tensor names.
//!
//! Rooms: this file (loading with a [`LoadReport`], export), [`aux`] (a multi-task run's
//! auxiliary heads, in Anneal's own files beside the model), [`names`] (every tensor's
//! Hugging Face name and its burn field), [`safetensors`] (the format's bytes, checked before any tensor is built), [`folder`] (a
//! model's files checked together: config, weights, tokenizer) and [`zip`] (a model folder
//! as one file, for the browser's import and export).
//!
//! Linear weights are `[out, in]` in PyTorch and `[in, out]` in burn: they are transposed on the
//! way in and out. Buffers such as `embeddings.position_ids` are skipped. Loading takes bytes;
//! saving returns bytes, reading tensors back asynchronously so that it runs on WebGPU too.

use std::collections::{BTreeMap, BTreeSet};

use burn::module::Param;
use burn::prelude::*;

pub mod aux;
pub mod folder;
mod names;
pub mod peft;
pub mod safetensors;
pub mod write;
pub mod zip;

pub use folder::ModelFiles;

use crate::model::bert::BertModel;
use crate::model::config::{BertConfig, ConfigError, Family};
use crate::model::heads::BertClassifier;
use crate::model::lm::BertLm;
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::Objective;
use crate::shared::Task;
use names::{
    Layout, Need, Slot, Visit, is_buffer, layer_prefix, walk_bert, walk_classifier, walk_lm,
};
use safetensors::{SafeTensors, SafetensorsError, serialize};

/// Why a checkpoint cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// `config.json` is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `model.safetensors` is not a readable safetensors file.
    #[error("model.safetensors: {0}")]
    Safetensors(#[from] SafetensorsError),
    /// Tensors the model needs are absent or have the wrong shape or type.
    #[error("model.safetensors does not match config.json:\n  {}", .0.join("\n  "))]
    Mismatch(Vec<String>),
    /// A language-model objective the family has no Hugging Face class for.
    #[error("{} has no next-token (causal) language model in transformers: pre-train it with masked words", .0.model_type())]
    NoLmHead(Family),
    /// More layers asked for than the checkpoint has.
    #[error("asked to keep {asked} layers but the model has {available}")]
    Layers {
        /// Layers asked for.
        asked: usize,
        /// Layers in the config.
        available: usize,
    },
}

/// What loading found besides the tensors it used.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// Tensors in the file that the model does not use (e.g. an MLM head `cls.*`).
    pub unexpected: Vec<String>,
    /// Parts initialised from scratch because the file has no usable weights for them.
    pub initialised: Vec<String>,
}

/// The file's tensors, looked up by canonical name (the encoder's prefixed by the family's
/// base, `bert.`, `roberta.`, ...).
struct Source<'a> {
    file: SafeTensors<'a>,
    family: Family,
    /// The encoder's prefix with its dot, `bert.`; whether the file's names carry it.
    prefix: String,
    has_prefix: bool,
    used: BTreeSet<String>,
    problems: Vec<String>,
    initialised: BTreeSet<String>,
}

impl<'a> Source<'a> {
    fn new(bytes: &'a [u8], family: Family) -> Result<Self, CheckpointError> {
        let file = SafeTensors::parse(bytes)?;
        let prefix = format!("{}.", family.base_prefix());
        let has_prefix = file.tensors.keys().any(|k| k.starts_with(&prefix));
        Ok(Self {
            file,
            family,
            prefix,
            has_prefix,
            used: BTreeSet::new(),
            problems: Vec::new(),
            initialised: BTreeSet::new(),
        })
    }

    /// The file's name for a canonical name, trying the old `gamma`/`beta` LayerNorm names.
    fn file_name(&self, canonical: &str) -> Option<String> {
        let base = match canonical.strip_prefix(&self.prefix) {
            Some(rest) if !self.has_prefix => rest.to_string(),
            _ => canonical.to_string(),
        };
        let mut candidates = vec![base.clone()];
        if base.contains("LayerNorm") {
            candidates.push(base.replace("LayerNorm.weight", "LayerNorm.gamma"));
            candidates.push(base.replace("LayerNorm.bias", "LayerNorm.beta"));
        }
        candidates
            .into_iter()
            .find(|c| self.file.tensors.contains_key(c))
    }

    /// The values of a tensor of the expected file shape, or a recorded problem.
    fn read(&mut self, name: &str, need: Need, shape: &[usize]) -> Option<Vec<f32>> {
        let Some(file_name) = self.file_name(name) else {
            match need {
                Need::Required => self.problems.push(format!("missing tensor {name}")),
                Need::Optional => {
                    self.initialised.insert(group_of(name));
                }
            }
            return None;
        };
        self.used.insert(file_name.clone());
        let view = &self.file.tensors[&file_name];
        if view.shape != shape {
            if need == Need::Optional {
                self.initialised.insert(group_of(name));
            } else {
                self.problems.push(format!(
                    "{file_name} has shape {:?}, expected {shape:?}",
                    view.shape
                ));
            }
            return None;
        }
        match view.to_f32() {
            Some(values) => Some(values),
            None => {
                self.problems.push(format!(
                    "{file_name} has dtype {:?}, expected a float type",
                    view.dtype
                ));
                None
            }
        }
    }

    fn load(&mut self, name: &str, need: Need, slot: Slot) {
        match slot {
            // `lazy_*`: the model's random initial values are never drawn for a parameter the
            // file gives (drawing them was most of `anneal predict`'s start-up).
            Slot::Vector(param) => {
                let device = param.lazy_device();
                let [n] = param.lazy_shape().dims();
                if let Some(v) = self.read(name, need, &[n]) {
                    *param =
                        Param::from_tensor(Tensor::from_data(TensorData::new(v, [n]), &device));
                }
            }
            Slot::Matrix(param, layout) => {
                let device = param.lazy_device();
                let [rows, cols] = param.lazy_shape().dims();
                let file_shape = match layout {
                    Layout::AsIs => [rows, cols],
                    Layout::Transposed => [cols, rows],
                };
                if let Some(v) = self.read(name, need, &file_shape) {
                    let v = match layout {
                        Layout::AsIs => v,
                        Layout::Transposed => transpose(&v, cols, rows),
                    };
                    *param = Param::from_tensor(Tensor::from_data(
                        TensorData::new(v, [rows, cols]),
                        &device,
                    ));
                }
            }
        }
    }

    /// Unused tensors, leaving out buffers and the layers the caller chose to drop.
    fn unexpected(&self, kept_layers: usize, available_layers: usize) -> Vec<String> {
        let layer = layer_prefix(self.family);
        let dropped: Vec<String> = (kept_layers..available_layers)
            .map(|i| format!("{layer}.{i}."))
            .collect();
        self.file
            .tensors
            .keys()
            .filter(|k| !self.used.contains(*k) && !is_buffer(k))
            .filter(|k| !dropped.iter().any(|d| k.contains(d.as_str())))
            .cloned()
            .collect()
    }
}

/// `bert.pooler.dense.weight` -> `bert.pooler`; `classifier.bias` -> `classifier`.
fn group_of(name: &str) -> String {
    name.trim_end_matches(".weight")
        .trim_end_matches(".bias")
        .trim_end_matches(".dense")
        .to_string()
}

/// Row-major `[rows, cols]` -> `[cols, rows]`.
fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; v.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = v[r * cols + c];
        }
    }
    out
}

/// The config with only the first `layers` encoder layers, if asked.
pub fn truncate_layers(
    config: &BertConfig,
    layers: Option<usize>,
) -> Result<BertConfig, CheckpointError> {
    let mut config = config.clone();
    if let Some(n) = layers {
        if n == 0 || n > config.num_hidden_layers {
            return Err(CheckpointError::Layers {
                asked: n,
                available: config.num_hidden_layers,
            });
        }
        config.num_hidden_layers = n;
    }
    Ok(config)
}

/// Loads the encoder of any BERT checkpoint, e.g. for embeddings.
///
/// Returns the model and its (possibly layer-truncated) config.
pub fn load_encoder(
    config: &BertConfig,
    weights: &[u8],
    layers: Option<usize>,
    device: &Device,
) -> Result<(BertModel, BertConfig, LoadReport), CheckpointError> {
    let kept = truncate_layers(config, layers)?;
    let mut source = Source::new(weights, config.family())?;
    let mut model = BertModel::init(&kept, false, device);
    walk_bert(&mut model, &mut |name, need, slot| {
        source.load(name, need, slot)
    });
    finish(source, &kept, config).map(|report| (model, kept, report))
}

/// Loads a checkpoint into a model with a `task` head of `num_labels` outputs.
///
/// The encoder must be in the file. The pooler and classifier are loaded when the file has them
/// with matching shapes (a fine-tuned checkpoint) and start from scratch otherwise, which the
/// report says.
pub fn load_classifier(
    config: &BertConfig,
    weights: &[u8],
    task: Task,
    num_labels: usize,
    layers: Option<usize>,
    device: &Device,
) -> Result<(BertClassifier, BertConfig, LoadReport), CheckpointError> {
    let kept = truncate_layers(config, layers)?;
    let mut source = Source::new(weights, config.family())?;
    let bert = BertModel::init(&kept, task == Task::Classify, device);
    let mut model = BertClassifier::new(bert, &kept, task, num_labels, device);
    walk_classifier(&mut model, &mut |name, need, slot| {
        source.load(name, need, slot)
    });
    finish(source, &kept, config).map(|report| (model, kept, report))
}

/// Loads a checkpoint into a language model for `objective`: the encoder must be in the
/// file; `cls.predictions` is loaded when present (a `BertForMaskedLM` checkpoint) and starts
/// from scratch otherwise, which the report says.
pub fn load_lm(
    config: &BertConfig,
    weights: &[u8],
    objective: Objective,
    device: &Device,
) -> Result<(BertLm, LoadReport), CheckpointError> {
    if !config.family().has_lm(objective) {
        return Err(CheckpointError::NoLmHead(config.family()));
    }
    let mut source = Source::new(weights, config.family())?;
    let bert = BertModel::init(config, false, device);
    let mut model = BertLm::new(bert, config, objective);
    walk_lm(&mut model, &mut |name, need, slot| {
        source.load(name, need, slot)
    });
    finish(source, config, config).map(|report| (model, report))
}

fn finish(
    source: Source,
    kept: &BertConfig,
    original: &BertConfig,
) -> Result<LoadReport, CheckpointError> {
    if !source.problems.is_empty() {
        return Err(CheckpointError::Mismatch(source.problems));
    }
    Ok(LoadReport {
        unexpected: source.unexpected(kept.num_hidden_layers, original.num_hidden_layers),
        initialised: source.initialised.into_iter().collect(),
    })
}

/// The weights of a fine-tuned model as a Hugging Face `model.safetensors`, LoRA adapters
/// merged into the weights they adapt.
///
/// Sync point: reads every parameter back from the device, asynchronously.
pub async fn export_safetensors(model: &BertClassifier) -> Result<Vec<u8>, ReadbackError> {
    // LoRA adapters folded into their layers: a plain model.
    let mut model = model.merged();
    export_walk(&mut |f| walk_classifier(&mut model, f)).await
}

/// The weights of a language model as a Hugging Face `model.safetensors`
/// (`*ForMaskedLM` / `BertLMHeadModel`: no decoder weight, it is tied).
///
/// Sync point: reads every parameter back from the device, asynchronously.
pub async fn export_lm_safetensors(model: &BertLm) -> Result<Vec<u8>, ReadbackError> {
    let mut model = model.clone();
    export_walk(&mut |f| walk_lm(&mut model, f)).await
}

/// The `config.json` of an exported language model.
pub fn export_lm_config(config: &BertConfig, objective: Objective) -> String {
    let mut config = config.clone();
    let family = config.family();
    config.architectures = Some(vec![objective.architecture(family)]);
    config.model_type = Some(family.model_type().into());
    config.is_decoder = objective == Objective::Clm;
    config.id2label = None;
    config.label2id = None;
    config.extra.remove("_name_or_path");
    config.extra.remove("num_labels");
    config.to_json()
}

async fn export_walk(walk: &mut dyn FnMut(&mut Visit)) -> Result<Vec<u8>, ReadbackError> {
    let mut tensors = Vec::new();
    walk(&mut |name, _, slot| tensors.push(Pending::of(name.to_string(), slot)));
    write_pending(tensors).await
}

/// A tensor to write: its name in the file, how the file lays it out (a matrix's layout, or
/// `None` for a vector), and its value as burn holds it (a vector as one row).
struct Pending {
    name: String,
    layout: Option<Layout>,
    value: Tensor<2>,
}

impl Pending {
    /// A parameter of the walk, under `name`.
    fn of(name: String, slot: Slot) -> Self {
        match slot {
            Slot::Matrix(p, layout) => Self::matrix(name, layout, p.val()),
            Slot::Vector(p) => Self {
                name,
                layout: None,
                value: p.val().unsqueeze::<2>(),
            },
        }
    }

    /// A matrix under `name`.
    fn matrix(name: String, layout: Layout, value: Tensor<2>) -> Self {
        Self {
            name,
            layout: Some(layout),
            value,
        }
    }
}

/// Every pending tensor read back and written as safetensors bytes.
///
/// Sync point: one asynchronous readback per tensor.
async fn write_pending(pending: Vec<Pending>) -> Result<Vec<u8>, ReadbackError> {
    let mut tensors = BTreeMap::new();
    for Pending {
        name,
        layout,
        value,
    } in pending
    {
        let [rows, cols] = value.dims();
        let values = read_f32(value).await?;
        let entry = match layout {
            Some(Layout::Transposed) => (vec![cols, rows], transpose(&values, rows, cols)),
            Some(Layout::AsIs) => (vec![rows, cols], values),
            None => (vec![cols], values),
        };
        tensors.insert(name, entry);
    }
    Ok(serialize(&tensors))
}

/// The `config.json` of an exported model: the encoder's config plus task and labels.
pub fn export_config(config: &BertConfig, task: Task, labels: &[String]) -> String {
    let mut config = config.clone();
    let family = config.family();
    config.architectures = Some(vec![task.architecture(family)]);
    config.model_type = Some(family.model_type().into());
    config.set_labels(labels);
    config.extra.remove("_name_or_path");
    config.to_json()
}
