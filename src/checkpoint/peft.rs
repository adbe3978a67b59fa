//! A LoRA-trained model as a Python `peft` adapter: `adapter_config.json` and
//! `adapter_model.safetensors`, which `PeftModel.from_pretrained(base, folder)` loads onto the
//! base checkpoint.
//!
//! Names as PEFT saves them: `base_model.model.{layer}.lora_A.weight` (`[r, in]`) and
//! `lora_B.weight` (`[out, r]`) for each adapted layer, and the head, trained fully, under
//! `base_model.model.{name}` (its `modules_to_save`).

use serde_json::json;

use super::names::{Layout, walk_head, walk_lora};
use super::{Pending, write_pending};
use crate::model::config::{BertConfig, Family};
use crate::model::heads::BertClassifier;
use crate::runtime::readback::ReadbackError;
use crate::shared::{LoraSettings, LoraTargets, Task};

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
        (_, Task::Qa) => vec!["qa_outputs"],
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
        "task_type": match task {
            Task::Classify => "SEQ_CLS",
            Task::Ner => "TOKEN_CLS",
            Task::Qa => "QUESTION_ANS",
        },
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
    let mut pending = Vec::new();
    walk_lora(&mut model.bert, &mut |name, lora| {
        for (part, value) in [("lora_A", lora.a.val()), ("lora_B", lora.b.val())] {
            let name = format!("{PREFIX}{name}.{part}.weight");
            pending.push(Pending::matrix(name, Layout::Transposed, value));
        }
    });
    if pending.is_empty() {
        return Ok(None);
    }
    walk_head(&mut model, &mut |name, _, slot| {
        pending.push(Pending::of(format!("{PREFIX}{name}"), slot))
    });
    write_pending(pending).await.map(Some)
}
