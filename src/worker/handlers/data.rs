//! `ParseData`: a labeled file parsed, summarised for the Data panel, and kept for training
//! when it can be trained on.

use std::rc::Rc;

use super::super::plan::read_data;
use super::super::state::Shared;
use crate::protocol::{ColumnChoice, FromWorker};

/// Parses `bytes` (a file called `name`) with the columns the person picked, if any.
pub(in crate::worker) fn parse(
    session: &Shared,
    name: &str,
    bytes: &[u8],
    columns: ColumnChoice,
) -> FromWorker {
    let files = session.borrow().base.as_ref().map(|b| b.files.clone());
    let (data, usable) = read_data(name, bytes, columns, files.as_ref().map(|f| &f.tokenizer));
    session.borrow_mut().data = usable.map(Rc::new);
    FromWorker::DataParsed { data }
}
