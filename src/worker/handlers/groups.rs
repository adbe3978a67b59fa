//! `Groups`: the kept classifier's validation predictions (sent by the Evaluate panel) scored
//! by the groups of a column of the data file, read when the file was parsed
//! (`data::groups::group_columns`), as `anneal evaluate --group-column` scores them.

use super::super::state::Shared;
use crate::protocol::{FromWorker, GroupSettings};
use crate::shared::groups::group_report;

/// Scores `examples` (line, true label, predicted label) by the groups of `column`.
pub(in crate::worker) fn run(
    session: &Shared,
    column: &str,
    settings: GroupSettings,
    examples: Vec<(usize, String, String)>,
) -> Result<FromWorker, String> {
    let s = session.borrow();
    let tuned = s
        .tuned
        .as_ref()
        .ok_or("fine-tune a model first (Train panel)")?;
    let data = s
        .data
        .as_ref()
        .ok_or("load the data file again (Data panel)")?;
    let groups = s
        .groups
        .iter()
        .find(|g| g.column == column)
        .ok_or_else(|| format!("the data file has no group column \"{column}\""))?;
    let by_line: std::collections::HashMap<usize, &String> = data
        .examples
        .lines()
        .into_iter()
        .zip(&groups.values)
        .collect();
    let index = |label: &str| tuned.labels.iter().position(|l| l == label);
    let (mut gold, mut predicted, mut of) = (Vec::new(), Vec::new(), Vec::new());
    for (line, g, p) in &examples {
        if let (Some(g), Some(p), Some(group)) = (index(g), index(p), by_line.get(line)) {
            gold.push(g);
            predicted.push(p);
            of.push((*group).clone());
        }
    }
    if gold.len() < examples.len() {
        return Err(format!(
            "{} of the {} validation examples are not in the loaded data file: load the file the model was trained on",
            examples.len() - gold.len(),
            examples.len()
        ));
    }
    let report = group_report(column, &gold, &predicted, &of, &tuned.labels, &settings)
        .map_err(|e| e.to_string())?;
    Ok(FromWorker::Grouped {
        report,
        note: groups.describe(),
        members: of,
    })
}
