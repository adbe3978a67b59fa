//! A multi-task run's auxiliary heads, kept beside its model in Anneal's own two files so
//! that the run can be reopened with its auxiliary tasks where they were: `aux_heads.json`
//! (each head's task file, task and labels) and `aux_heads.safetensors` (each head's tensors
//! under its usual names, prefixed `aux.{i}.`). Transformers reads neither: the model folder
//! it loads is unchanged.

pub use super::folder::{AUX_INDEX, AUX_WEIGHTS, AuxHeadInfo};
use super::names::{Need, walk_head};
use super::{CheckpointError, Source, export_walk};
use crate::model::Head;
use crate::model::heads::BertClassifier;
use crate::runtime::readback::ReadbackError;

/// The two files for `heads` (none without heads), each head over `model`'s encoder, whose
/// family names the tensors.
///
/// Sync point: reads every head's parameters back from the device, asynchronously.
pub async fn aux_head_files(
    model: &BertClassifier,
    heads: &[(AuxHeadInfo, Head)],
) -> Result<Vec<(String, Vec<u8>)>, ReadbackError> {
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let mut joined: Vec<BertClassifier> = heads
        .iter()
        .map(|(_, head)| model.clone().swap_head(head.clone()).0)
        .collect();
    let weights = export_walk(&mut |f| {
        for (i, m) in joined.iter_mut().enumerate() {
            walk_head(m, &mut |name, need, slot| {
                f(&format!("aux.{i}.{name}"), need, slot)
            });
        }
    })
    .await?;
    let infos: Vec<&AuxHeadInfo> = heads.iter().map(|(info, _)| info).collect();
    let index = serde_json::to_vec_pretty(&infos).expect("json values");
    Ok(vec![
        (AUX_INDEX.to_string(), index),
        (AUX_WEIGHTS.to_string(), weights),
    ])
}

/// Puts the `i`-th kept head of `weights` in place of `model`'s own head (a model made for
/// that task and labels): every tensor of it must be there, in its shape.
pub fn load_aux_head(
    weights: &[u8],
    i: usize,
    model: &mut BertClassifier,
) -> Result<(), CheckpointError> {
    let mut source = Source::new(weights, model.bert.family)?;
    walk_head(model, &mut |name, _, slot| {
        source.load(&format!("aux.{i}.{name}"), Need::Required, slot)
    });
    if !source.problems.is_empty() {
        return Err(CheckpointError::Mismatch(source.problems));
    }
    Ok(())
}
