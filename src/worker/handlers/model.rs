//! `LoadModel`: a model's files fetched (bundled default, folder URL, Hub), unpacked (picked
//! files, a zip) or read from the browser's cache, checked, and put on the device; a
//! fine-tuned checkpoint is ready to predict at once.

use std::collections::BTreeMap;
use std::rc::Rc;

use burn::module::Module;
use burn::prelude::Device;

use super::super::origin::{Arrival, resolve};
use super::super::state::{Base, Shared, Tuned, device_of};
use super::super::store;
use super::super::to_proto::model_shape;
use crate::checkpoint::{
    ModelFiles, load_classifier, load_encoder, truncate_layers, zip as archive,
};
use crate::data::qa::Reading;
use crate::model::BertConfig;
use crate::protocol::{Backend, BackendInfo, FromWorker, ModelInfo, ModelOrigin};
use crate::shared::Task;

/// Loads a model and tells the UI what it is.
pub(in crate::worker) async fn load(
    session: &Shared,
    origin: ModelOrigin,
    keep_layers: Option<usize>,
    attachments: Vec<Vec<u8>>,
) -> Result<FromWorker, String> {
    let device = device_of(session)?;
    let resolved = resolve(origin, &store::absolute("models/all-MiniLM-L6-v2/"))?;
    let (name, source) = (resolved.name, resolved.source);
    let files = match resolved.arrival {
        Arrival::Folder { base, keep } => fetch_folder(&base, keep).await?,
        Arrival::Attached { names } => unpack(&names, attachments)?,
        Arrival::Saved { key } => store::load_folder(&key).await?,
    };
    let files = Rc::new(ModelFiles::from_files(&source, files)?);
    let kept = truncate_layers(&files.config, keep_layers).map_err(|e| format!("{source}: {e}"))?;
    let backend = session.borrow().backend.clone();
    fits_the_device(&kept, &backend).map_err(|e| format!("{source}: {e}"))?;
    let (parameters, mut notes) = check(session, &files, keep_layers, &device, &name, &source)?;
    if kept.num_hidden_layers < files.config.num_hidden_layers {
        notes.push(format!(
            "kept the first {} of {} layers: faster, usually a little less accurate",
            kept.num_hidden_layers, files.config.num_hidden_layers
        ));
    }
    let fine_tuned = files.fine_tuned().ok();
    let info = ModelInfo {
        name: name.clone(),
        source,
        total_layers: files.config.num_hidden_layers,
        task: fine_tuned.as_ref().map(|(t, _)| *t),
        labels: fine_tuned.map(|(_, l)| l).unwrap_or_default(),
        notes,
        ..model_shape(&kept, parameters)
    };
    session.borrow_mut().base = Some(Base {
        files,
        keep_layers,
        name,
    });
    Ok(FromWorker::ModelLoaded { model: info })
}

/// On WebGPU every tensor is one buffer: the largest must fit the adapter's largest buffer
/// and storage binding (burn requests the adapter's own limits, often 2-4 GiB, not the
/// spec's 128 MiB default). Said before anything is put on the device.
fn fits_the_device(config: &BertConfig, backend: &BackendInfo) -> Result<(), String> {
    let limit = backend.max_storage_binding.min(backend.max_buffer_size);
    let (what, elements) = config.largest_tensor();
    let bytes = 4 * elements as u64;
    if backend.kind != Backend::WebGpu || limit == 0 || bytes <= limit {
        return Ok(());
    }
    Err(format!(
        "{what} ({elements} numbers, {} MiB) is larger than this GPU's largest buffer \
         binding ({} MiB), so WebGPU cannot hold it: use the CPU backend (?backend=cpu) or \
         a model with a smaller vocabulary",
        bytes >> 20,
        limit >> 20
    ))
}

/// Builds the model on the device to check its weights and count them: a fine-tuned
/// checkpoint becomes the model to predict with, a base encoder only says what it holds. The
/// parameter count and notes for the Model panel.
fn check(
    session: &Shared,
    files: &Rc<ModelFiles>,
    keep_layers: Option<usize>,
    device: &Device,
    name: &str,
    source: &str,
) -> Result<(u64, Vec<String>), String> {
    let mut notes = Vec::new();
    let parameters;
    if let Ok((task, labels)) = files.fine_tuned() {
        let (model, config, report) = load_classifier(
            &files.config,
            &files.weights,
            task,
            labels.len(),
            keep_layers,
            device,
        )
        .map_err(|e| format!("{source}: {e}"))?;
        if !report.initialised.is_empty() {
            return Err(format!(
                "{source}: the checkpoint lacks trained weights for {}",
                report.initialised.join(", ")
            ));
        }
        parameters = model.num_params() as u64;
        notes.push(match task {
            Task::Qa => "fine-tuned for extractive question answering: ready to answer questions \
                         about a passage, or to fine-tune further"
                .to_string(),
            _ => format!(
                "fine-tuned for {} with labels {}: ready to predict, or to fine-tune further",
                task.describe(),
                labels.join(", ")
            ),
        });
        // Question answering reads windows as its run recorded them, else as `run_qa.py`
        // does: 384 tokens, a third shared.
        let recorded = files.recorded;
        let max_len = match task {
            Task::Qa => recorded.max_len.unwrap_or(384),
            _ => 128,
        }
        .min(files.config.max_len());
        let reading = Reading {
            unanswerable: recorded.unanswerable.unwrap_or(false),
            ..Reading::default()
        };
        let stride = recorded
            .doc_stride
            .filter(|s| 2 * s < max_len)
            .unwrap_or(max_len / 3);
        session.borrow_mut().tuned = Some(Rc::new(Tuned {
            name: name.to_string(),
            model,
            config,
            labels,
            files: files.clone(),
            max_len,
            qa: (stride, reading),
        }));
    } else {
        // Built on the training device only to check the weights and count them: a check on
        // Flex would grow the worker's wasm memory by the model's size for good.
        let (encoder, _, report) = load_encoder(&files.config, &files.weights, keep_layers, device)
            .map_err(|e| format!("{source}: {e}"))?;
        parameters = encoder.num_params() as u64;
        if !report.unexpected.is_empty() {
            notes.push(format!(
                "{} tensor(s) in the file are not used (e.g. {})",
                report.unexpected.len(),
                report.unexpected[0]
            ));
        }
        session.borrow_mut().tuned = None;
    }
    Ok((parameters, notes))
}

/// The picked files by base name, zips unpacked. Every name must have arrived.
fn unpack(
    names: &[String],
    attachments: Vec<Vec<u8>>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    if attachments.len() != names.len() {
        let missing: Vec<&str> = names
            .iter()
            .skip(attachments.len())
            .map(String::as_str)
            .collect();
        return Err(format!(
            "{} of {} files arrived (missing: {}); pick them again",
            attachments.len(),
            names.len(),
            missing.join(", ")
        ));
    }
    let mut files = BTreeMap::new();
    for (file, bytes) in names.iter().zip(attachments) {
        if file.to_lowercase().ends_with(".zip") {
            files.extend(archive::read(file, &bytes)?);
        } else {
            let base = file.rsplit('/').next().unwrap_or(file).to_string();
            files.insert(base, bytes);
        }
    }
    Ok(files)
}

/// The files of a model folder at `base`: config and weights required, the tokenizer as
/// tokenizer.json or else vocab.txt, and its companions where the folder has them (kept for
/// export: `checkpoint::folder::TokenizerFiles`).
async fn fetch_folder(base: &str, keep: bool) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    for file in ["config.json", "model.safetensors"] {
        let bytes = store::fetch(&format!("{base}{file}"), file, keep)
            .await?
            .ok_or_else(|| format!("{base}{file}: not found (404)"))?;
        files.insert(file.to_string(), bytes);
    }
    // The tokenizer (tokenizer.json, else vocab.txt) must arrive if it is there; its other
    // companions only serve the export, so a server that refuses one loses nothing else.
    for file in [
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        let needed = file == "tokenizer.json"
            || (file == "vocab.txt" && !files.contains_key("tokenizer.json"));
        let fetched = store::fetch(&format!("{base}{file}"), file, keep).await;
        let fetched = if needed {
            fetched?
        } else {
            fetched.ok().flatten()
        };
        if let Some(bytes) = fetched {
            files.insert(file.to_string(), bytes);
        }
    }
    Ok(files)
}
