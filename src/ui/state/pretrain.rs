//! Pre-training's area (the Learn and Look inside panels): the corpus, the pre-training
//! settings and run (curves, evaluations with their probe results, kept as a timeline), the
//! kept model, and the attention maps shown.

use leptos::prelude::*;

use super::run::{RunStatus, StepPoint};
use crate::protocol::{
    AttentionView, CorpusView, EmbeddingMap, LmResult, LmUpdate, NeighbourList, Objective,
    PretrainSettings, ProbeResult, ProbeSpec,
};

/// One held-out evaluation and what the probes answered then.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Steps done (0: before training).
    pub step: usize,
    /// Held-out loss, nats per token.
    pub loss: f64,
    /// Held-out accuracy.
    pub accuracy: f64,
    /// Best so far.
    pub best: bool,
    /// The probes' answers.
    pub probes: Vec<ProbeResult>,
}

/// The Learn panel's state.
#[derive(Clone, Copy)]
pub struct PretrainArea {
    /// The chosen corpus: (file name, bytes).
    pub corpus: StoredValue<Option<(String, Vec<u8>)>>,
    /// Its name and size, for display (tracked).
    pub corpus_label: RwSignal<Option<(String, usize)>>,
    /// Settings of the next run.
    pub settings: RwSignal<PretrainSettings>,
    /// The probes, one per line: `text | expected word`.
    pub probe_lines: RwSignal<String>,
    /// Where the run stands.
    pub status: RwSignal<RunStatus>,
    /// Status line or error.
    pub message: RwSignal<String>,
    /// The corpus as the run sees it.
    pub corpus_view: RwSignal<Option<CorpusView>>,
    /// Parameters and shape of the model being trained.
    pub model_line: RwSignal<String>,
    /// Loss of each step.
    pub losses: RwSignal<Vec<StepPoint>>,
    /// (step, total, tokens/s, eta seconds).
    pub progress: RwSignal<Option<(usize, usize, f64, f64)>>,
    /// Every evaluation, in order: the probe timeline.
    pub checkpoints: RwSignal<Vec<Checkpoint>>,
    /// The evaluation the timeline shows (None: the latest).
    pub scrub: RwSignal<Option<usize>>,
    /// How the run ended.
    pub result: RwSignal<Option<LmResult>>,
    /// Probes run on demand after the run.
    pub probed: RwSignal<Vec<ProbeResult>>,
    /// The attention maps shown.
    pub attention: RwSignal<Option<AttentionView>>,
    /// The embedding maps shown (the loaded model's, then the fine-tuned one's).
    pub maps: RwSignal<Vec<EmbeddingMap>>,
    /// A word and its nearest tokens in each table.
    pub neighbours: RwSignal<Option<(String, Vec<NeighbourList>)>>,
    /// What the Look inside panel is waiting for, or its last error.
    pub inside_message: RwSignal<String>,
}

/// Default probes for an objective: a famous line with its expected word.
pub fn default_probes(objective: Objective) -> String {
    match objective {
        Objective::Mlm => {
            "to be, or not to [MASK], that is the question | be\nthe king is [MASK] . | dead".into()
        }
        Objective::Clm => "ROMEO:\nTo be, or not to | be".into(),
    }
}

impl PretrainArea {
    /// A fresh area.
    pub fn new() -> Self {
        let objective = Objective::Mlm;
        Self {
            corpus: StoredValue::new(None),
            corpus_label: RwSignal::new(None),
            settings: RwSignal::new(PretrainSettings::defaults(objective)),
            probe_lines: RwSignal::new(default_probes(objective)),
            status: RwSignal::new(RunStatus::Idle),
            message: RwSignal::new(String::new()),
            corpus_view: RwSignal::new(None),
            model_line: RwSignal::new(String::new()),
            losses: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            checkpoints: RwSignal::new(Vec::new()),
            scrub: RwSignal::new(None),
            result: RwSignal::new(None),
            probed: RwSignal::new(Vec::new()),
            attention: RwSignal::new(None),
            maps: RwSignal::new(Vec::new()),
            neighbours: RwSignal::new(None),
            inside_message: RwSignal::new(String::new()),
        }
    }

    /// A corpus was chosen.
    pub fn choose(&self, name: String, bytes: Vec<u8>) {
        self.corpus_label.set(Some((name.clone(), bytes.len())));
        self.corpus.set_value(Some((name, bytes)));
        self.message.set(String::new());
    }

    /// Whether a run is in progress (tracked).
    pub fn running(&self) -> bool {
        self.status.get().in_progress()
    }

    /// A run starts: the settings it runs with, the probes included; old curves cleared.
    pub fn start(&self) -> PretrainSettings {
        let mut settings = self.settings.get_untracked();
        settings.probes = ProbeSpec::parse_lines(&self.probe_lines.get_untracked());
        self.status.set(RunStatus::Running);
        self.message
            .set("preparing the corpus and the vocabulary…".into());
        self.losses.set(Vec::new());
        self.checkpoints.set(Vec::new());
        self.progress.set(None);
        self.scrub.set(None);
        self.result.set(None);
        self.probed.set(Vec::new());
        settings
    }

    /// Progress from the worker.
    pub fn update(&self, update: LmUpdate) {
        match update {
            LmUpdate::Started {
                total_steps,
                parameters,
                architecture: a,
                corpus,
                notes,
            } => {
                self.model_line.set(format!(
                    "{} layers x {} wide, {} heads, context {}: {} parameters",
                    a.layers,
                    a.hidden,
                    a.heads,
                    a.context,
                    crate::ui::format::thousands(parameters)
                ));
                self.corpus_view.set(Some(corpus));
                self.progress.set(Some((0, total_steps, 0.0, f64::NAN)));
                self.message.set(notes.join("; "));
            }
            LmUpdate::Step {
                step,
                total_steps,
                loss,
                tokens_per_s,
                eta_s,
            } => {
                self.losses.update(|l| l.push(StepPoint { step, loss }));
                self.progress
                    .set(Some((step, total_steps, tokens_per_s, eta_s)));
            }
            LmUpdate::Evaluated {
                step,
                loss,
                accuracy,
                best,
                probes,
                ..
            } => self.checkpoints.update(|c| {
                c.push(Checkpoint {
                    step,
                    loss,
                    accuracy,
                    best,
                    probes,
                })
            }),
        }
    }

    /// The run ended.
    pub fn finish(&self, result: LmResult) {
        self.status.set(RunStatus::Done);
        self.message.set(
            match (&result.stopped, &result.saved_as, &result.save_error) {
                (Some(why), _, _) => format!("stopped: {why}"),
                (None, Some(key), _) => format!(
                    "done: kept step {} (the best held-out loss), saved in this browser as {}",
                    result.best_step,
                    key.trim_end_matches('/').rsplit('/').next().unwrap_or(key)
                ),
                (None, None, Some(e)) => format!("done, but keeping it in the browser failed: {e}"),
                (None, None, None) => format!("done: kept step {}", result.best_step),
            },
        );
        self.result.set(Some(result));
    }

    /// The run or a request failed.
    pub fn failed(&self, message: String) {
        if self.running() {
            self.status.set(RunStatus::Failed);
        }
        self.message.set(message);
    }

    /// The worker restarted: the run is gone.
    pub fn lost(&self, message: &str) {
        if self.status.get_untracked() != RunStatus::Done {
            self.status.set(RunStatus::Failed);
        }
        self.message.set(format!(
            "the worker stopped ({message}); the best model so far, if any, is kept in this browser"
        ));
    }
}
