//! An area for a request whose answer replaces the last one — the Evaluate panel's Groups and
//! Counterfactuals views: the answer, a status line, and whether a request is out.

use leptos::prelude::*;

use crate::protocol::{CounterfactualAnswer, GroupReport};

/// The last answer to one kind of request.
pub struct AnswerArea<T: Send + Sync + 'static> {
    /// The last answer.
    pub report: RwSignal<Option<T>>,
    /// Status line (a failure's message, or what is under way).
    pub status: RwSignal<String>,
    /// A request is out.
    pub busy: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for AnswerArea<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for AnswerArea<T> {}

impl<T: Send + Sync + 'static> AnswerArea<T> {
    /// Nothing asked yet.
    pub fn new() -> Self {
        Self {
            report: RwSignal::new(None),
            status: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
        }
    }

    /// A request went out; `what` says what is under way.
    pub fn asked(&self, what: &str) {
        self.busy.set(true);
        self.status.set(what.to_string());
    }

    /// The worker answered.
    pub fn show(&self, report: T) {
        self.busy.set(false);
        self.status.set(String::new());
        self.report.set(Some(report));
    }

    /// The request failed, or could not be sent.
    pub fn failed(&self, message: String) {
        self.busy.set(false);
        self.status.set(message);
    }
}

impl<T: Send + Sync + 'static> Default for AnswerArea<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Scoring by group: the report, the note on how its groups were made, and each scored
/// example's group.
pub type GroupsArea = AnswerArea<(GroupReport, String, Vec<String>)>;

/// The counterfactual test.
pub type CounterfactualArea = AnswerArea<CounterfactualAnswer>;
