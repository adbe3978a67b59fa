//! What a fine-tuning run reports as it goes: a step's numbers, and the scores of a class or
//! entity type.

use serde::{Deserialize, Serialize};

/// One optimizer step as the training loop reports it: the engine's `train::Event::Step`, the
/// worker's `TrainUpdate::Step`, the UI's progress and the CLI's progress bar all carry this
/// one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepStats {
    /// Steps done so far (1-based).
    pub step: usize,
    /// Steps in the run.
    pub total_steps: usize,
    /// Current epoch (1-based).
    pub epoch: usize,
    /// Mean loss of this step's batch.
    pub loss: f64,
    /// Learning rate used for this step.
    pub lr: f64,
    /// Training throughput since the start.
    pub examples_per_s: f64,
    /// Seconds this step took.
    pub step_s: f64,
    /// Estimated seconds left, evaluation excluded.
    pub eta_s: f64,
    /// The task this step trained: 0 the main task, k the k-th auxiliary task of a
    /// multi-task run.
    #[serde(default)]
    pub task: usize,
}

/// Precision, recall, F1 and support of one class or entity type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Scores {
    /// Of the predicted, the share that is right.
    pub precision: f64,
    /// Of the true, the share that is found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Number of true instances.
    pub support: usize,
}
