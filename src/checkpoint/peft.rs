//! A LoRA-trained model as a Python `peft` adapter: `adapter_config.json` and
//! `adapter_model.safetensors`, which `PeftModel.from_pretrained(base, folder)` loads onto the
//! base checkpoint.
//!
//! Names as PEFT saves them: `base_model.model.{layer}.lora_A.weight` (`[r, in]`) and
//! `lora_B.weight` (`[out, r]`) for each adapted layer, and the head, trained fully, under
//! `base_model.model.{name}` (its `modules_to_save`).

use std::collections::BTreeMap;

use serde_json::json;

use super::names::{Layout, Slot, walk_head, walk_lora};
use crate::model::config::{BertConfig, Family};
use crate::model::heads::BertClassifier;
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::{LoraSettings, LoraTargets, Task};
use burn::prelude::*;

const PREFIX: &str = "base_model.model.";

/// The names PEFT gives the adapted layers of a family (its `target_modules`).
pub fn target_modules(family: Family, targets: LoraTargets) -> Vec<&'static str> {
    let distil = family == Family::DistilBert;
    match (targets, distil) {
        (LoraTargets::QueryValue, false) => vec!["query", "value"],
        (LoraTargets::QueryValue, true) => vec!["q_lin", "v_lin"],
        (LoraTargets::AllLinear, false) => vec!["query", "key", "value", "dense"],
        (LoraTargets::AllLinear, true) => {
            vec!["q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"]
        }
    }
}

/// The head's modules, as PEFT's `modules_to_save` names them.
fn modules_to_save(family: Family, task: Task) -> Vec<&'static str> {
    match (family, task) {
        (Family::Bert, Task::Classify) => vec!["classifier", "pooler"],
        (Family::DistilBert, Task::Classify) => vec!["pre_classifier", "classifier"],
        _ => vec!["classifier"],
    }
}

/// `adapter_config.json` for a model of `config` trained with `lora` for `task`.
pub fn adapter_config(
    config: &BertConfig,
    lora: &LoraSettings,
    task: Task,
    base_model: &str,
) -> String {
    let family = config.family();
    let targets = match lora.targets {
        LoraTargets::QueryValue => json!(target_modules(family, lora.targets)),
        // A pattern, not names: `dense` alone would also match the pooler and RoBERTa's
        // `classifier.dense`, which train fully.
        LoraTargets::AllLinear => json!(format!(
            r".*\.layer\.\d+\..*({})",
            target_modules(family, lora.targets).join("|")
        )),
    };
    let value = json!({
        "peft_type": "LORA",
        "task_type": match task { Task::Classify => "SEQ_CLS", Task::Ner => "TOKEN_CLS" },
        "base_model_name_or_path": base_model,
        "r": lora.rank,
        "lora_alpha": lora.alpha,
        "lora_dropout": lora.dropout,
        "target_modules": targets,
        "modules_to_save": modules_to_save(family, task),
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "use_rslora": false,
        "use_dora": false,
    });
    serde_json::to_string_pretty(&value).expect("json")
}

/// `adapter_model.safetensors`: every adapter and the head. `None` for a model without
/// adapters.
///
/// Sync point: reads the adapters and the head back from the device, asynchronously.
pub async fn adapter_safetensors(model: &BertClassifier) -> Result<Option<Vec<u8>>, ReadbackError> {
    let mut model = model.clone();
    // (name, value as burn holds it, how the file lays it out: a matrix's layout, or a vector)
    let mut pending: Vec<(String, Tensor<2>, Option<Layout>)> = Vec::new();
    walk_lora(&mut model.bert, &mut |name, lora| {
        let t = Some(Layout::Transposed);
        pending.push((format!("{PREFIX}{name}.lora_A.weight"), lora.a.val(), t));
        pending.push((format!("{PREFIX}{name}.lora_B.weight"), lora.b.val(), t));
    });
    if pending.is_empty() {
        return Ok(None);
    }
    walk_head(&mut model, &mut |name, _, slot| {
        let name = format!("{PREFIX}{name}");
        match slot {
            Slot::Matrix(p, layout) => pending.push((name, p.val(), Some(layout))),
            Slot::Vector(p) => pending.push((name, p.val().unsqueeze::<2>(), None)),
        }
    });
    let mut tensors = BTreeMap::new();
    for (name, tensor, layout) in pending {
        let [rows, cols] = tensor.dims();
        let values = read_f32(tensor).await?;
        let entry = match layout {
            Some(Layout::Transposed) => (vec![cols, rows], super::transpose(&values, rows, cols)),
            Some(Layout::AsIs) => (vec![rows, cols], values),
            None => (vec![cols], values),
        };
        tensors.insert(name, entry);
    }
    Ok(Some(super::safetensors::serialize(&tensors)))
}
