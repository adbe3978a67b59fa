//! `Attack`: the robustness test of the fine-tuned (or imported) classifier on examples the UI
//! sends (the Evaluate panel's validation examples), as `anneal attack` runs it; progress after
//! each example.

use super::super::outbox::post;
use super::super::state::{Shared, tuned_classifier};
use crate::infer::attack::attack;
use crate::protocol::{AttackSettings, FromWorker};

/// Attacks `examples` (text, label by name) with `settings`; answers with the report.
pub(in crate::worker) async fn run(
    session: &Shared,
    settings: AttackSettings,
    examples: Vec<(String, String)>,
) -> Result<FromWorker, String> {
    let tuned = tuned_classifier(session, "the robustness test attacks")?;
    if settings.max_edits == 0 || settings.budget == 0 || settings.candidates == 0 {
        return Err("edits, queries and candidates must each be at least 1".into());
    }
    let indexed: Vec<(String, usize)> = examples
        .into_iter()
        .filter_map(|(text, label)| Some((text, tuned.labels.iter().position(|l| *l == label)?)))
        .collect();
    if indexed.is_empty() {
        return Err("no examples with a label the model knows to attack".into());
    }
    let mut on_progress = |done, total| post(&FromWorker::Attacking { done, total }, Vec::new());
    let report = attack(
        &tuned.model,
        &tuned.files.tokenizer,
        &tuned.labels,
        &indexed,
        &settings,
        tuned.max_len,
        &mut on_progress,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(FromWorker::Attacked { report })
}
