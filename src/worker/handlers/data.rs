//! `ParseData`: a labeled file parsed, summarised for the Data panel, and kept for training
//! when it can be trained on; `AddAux`/`ClearAux`: the auxiliary tasks of multi-task
//! training, parsed the same way. A parsed file's group columns are kept with it (scoring by
//! group).

use std::rc::Rc;

use super::super::plan::read_data;
use super::super::state::Shared;
use crate::data::groups::group_columns;
use crate::protocol::{AuxSummary, ColumnChoice, FromWorker};

/// Parses `bytes` (a file called `name`) with the columns the person picked, if any.
pub(in crate::worker) fn parse(
    session: &Shared,
    name: &str,
    bytes: &[u8],
    columns: ColumnChoice,
) -> FromWorker {
    let files = session.borrow().base.as_ref().map(|b| b.files.clone());
    let (mut data, usable) = read_data(name, bytes, columns, files.as_ref().map(|f| &f.tokenizer));
    let found = usable
        .as_ref()
        .map(|p| group_columns(name, bytes, &p.examples))
        .unwrap_or_default();
    let (summaries, groups) = found.into_iter().unzip();
    data.groups = summaries;
    let mut s = session.borrow_mut();
    s.data = usable.map(Rc::new);
    s.groups = groups;
    FromWorker::DataParsed { data }
}

/// Adds an auxiliary task's file (multi-task training), parsed as a data file is; refuses
/// question answering and a file with no usable examples, naming it.
pub(in crate::worker) fn add_aux(
    session: &Shared,
    name: &str,
    bytes: &[u8],
) -> Result<FromWorker, String> {
    let (summary, usable) = read_data(name, bytes, ColumnChoice::default(), None);
    let parsed = match (summary.error, usable) {
        (Some(e), _) => return Err(format!("{name}: {e}")),
        (None, None) => return Err(format!("{name}: no usable examples")),
        (None, Some(p)) => p,
    };
    if parsed.examples.task() == crate::shared::Task::Qa {
        return Err(format!(
            "{name}: an auxiliary task classifies texts or tags entities; question answering is not one yet"
        ));
    }
    let mut s = session.borrow_mut();
    s.aux.retain(|(n, _)| n != name);
    s.aux.push((name.to_string(), Rc::new(parsed)));
    Ok(aux_tasks(&s.aux))
}

/// Removes the auxiliary tasks.
pub(in crate::worker) fn clear_aux(session: &Shared) -> FromWorker {
    session.borrow_mut().aux.clear();
    FromWorker::AuxTasks { tasks: Vec::new() }
}

fn aux_tasks(aux: &[(String, Rc<crate::data::Parsed>)]) -> FromWorker {
    let tasks = aux
        .iter()
        .map(|(name, p)| AuxSummary {
            name: name.clone(),
            task: p.examples.task(),
            examples: p.examples.len(),
            labels: crate::data::split::label_counts(&p.examples).len(),
            problems: p.problems.len(),
        })
        .collect();
    FromWorker::AuxTasks { tasks }
}
