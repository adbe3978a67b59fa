//! The Evaluate panel's "Counterfactuals" view: the last counterfactual test.

use leptos::prelude::*;

use crate::protocol::CounterfactualReport;

/// The counterfactual test.
#[derive(Clone, Copy)]
pub struct CounterfactualArea {
    /// The last report.
    pub report: RwSignal<Option<CounterfactualReport>>,
    /// Status line (a failure's message).
    pub status: RwSignal<String>,
    /// A request is out.
    pub busy: RwSignal<bool>,
}

impl CounterfactualArea {
    /// Nothing tested yet.
    pub fn new() -> Self {
        Self {
            report: RwSignal::new(None),
            status: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
        }
    }

    /// The worker answered.
    pub fn show(&self, report: CounterfactualReport) {
        self.busy.set(false);
        self.status.set(String::new());
        self.report.set(Some(report));
    }

    /// The request failed, or the browser could not read a list.
    pub fn failed(&self, message: String) {
        self.busy.set(false);
        self.status.set(message);
    }
}

impl Default for CounterfactualArea {
    fn default() -> Self {
        Self::new()
    }
}
