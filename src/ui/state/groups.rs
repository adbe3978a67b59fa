//! The Evaluate panel's "Groups" view: the last evaluation by group and how its groups were
//! made.

use leptos::prelude::*;

use crate::protocol::GroupReport;

/// Scoring by group.
#[derive(Clone, Copy)]
pub struct GroupsArea {
    /// The last report, the note on its groups, and the group of each example scored.
    pub report: RwSignal<Option<(GroupReport, String, Vec<String>)>>,
    /// Status line (a failure's message).
    pub status: RwSignal<String>,
    /// A request is out.
    pub busy: RwSignal<bool>,
}

impl GroupsArea {
    /// Nothing scored yet.
    pub fn new() -> Self {
        Self {
            report: RwSignal::new(None),
            status: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
        }
    }

    /// The worker answered.
    pub fn show(&self, report: GroupReport, note: String, members: Vec<String>) {
        self.busy.set(false);
        self.status.set(String::new());
        self.report.set(Some((report, note, members)));
    }

    /// The request failed.
    pub fn failed(&self, message: String) {
        self.busy.set(false);
        self.status.set(message);
    }
}

impl Default for GroupsArea {
    fn default() -> Self {
        Self::new()
    }
}
