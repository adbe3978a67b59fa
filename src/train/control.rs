//! How a caller steers a run between steps: pause, cancel, keep each new best model, split
//! steps with a replica. The browser worker, the command line and the tests each implement it.

use super::parallel::Peer;
use super::step::Hook;
use crate::model::{BertClassifier, Head};

/// How a caller steers a run between steps. The browser worker pauses here (the future
/// resolves on resume) and saves each new best model off the device, so that a lost GPU
/// loses nothing that was learned.
///
/// `M` is the model being trained: a [`BertClassifier`] when fine-tuning, a
/// [`crate::model::BertLm`] when pre-training.
pub trait Control<M = BertClassifier> {
    /// Awaited before every step; resolving to `false` ends the run, keeping the best model.
    fn proceed(&mut self) -> Hook<'_, bool>;
    /// Awaited after an evaluation that improved the validation score, with that model and
    /// the epoch (fine-tuning) or step (pre-training) it was made at.
    fn new_best<'a>(&'a mut self, _at: usize, _model: &'a M) -> Hook<'a, ()> {
        Box::pin(async {})
    }
    /// A multi-task run's auxiliary heads at that best model (off the autodiff graph), told
    /// just before [`new_best`](Self::new_best) so that the model is kept with them.
    fn best_heads(&mut self, _heads: &[Head]) {}
    /// Awaited after every evaluation with the model as it is (pre-training runs its probes
    /// here).
    fn evaluated<'a>(&'a mut self, _step: usize, _model: &'a M) -> Hook<'a, ()> {
        Box::pin(async {})
    }
    /// A replica of the model to split each step's batch with (`parallel.rs`), already set
    /// up for this run's model; `None` (the default) computes every step here.
    fn peer(&mut self) -> Option<&mut dyn Peer> {
        None
    }
    /// Called once the peer failed (its half was computed here): `why`, in words. From then
    /// on [`peer`](Self::peer) should say `None`.
    fn peer_failed(&mut self, _why: String) {}
}
