//! `Compare` and `Search`: "what is it worth?" and the hyperparameter search, both a
//! comparison of variants on the loaded model and data with the fine-tuning settings of the
//! Train panel; progress as messages, cancel between steps, the scores so far kept when
//! cancelled.

use std::rc::Rc;

use super::super::outbox::post;
use super::super::plan::plan_run;
use super::super::state::{Base, RunControl, Shared, device_of};
use super::super::to_proto::recipe_error;
use crate::infer::attack::AttackProbe;
use crate::model::Task;
use crate::protocol::{
    CompareProgress, CompareSettings, Comparison, FromWorker, RequestKind, compare_setting_message,
};
use crate::shared::check_search;
use crate::train::compare::{Probe, Probes, compare, contextual_for};
use crate::train::recipe;
use crate::train::{Control, Hook};

/// Pause and cancel, nothing kept: a comparison's models are thrown away after scoring.
struct Steer(Rc<RunControl>);

impl Control for Steer {
    fn proceed(&mut self) -> Hook<'_, bool> {
        Box::pin(self.0.proceed())
    }
}

/// What a comparison is for: each has its own request, messages and panel.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::worker) enum Purpose {
    /// "What is it worth?": variants at label counts, paired with the baseline.
    Worth,
    /// A hyperparameter search: trials on all the labels, ranked.
    Search,
}

impl Purpose {
    fn kind(self) -> RequestKind {
        match self {
            Purpose::Worth => RequestKind::Compare,
            Purpose::Search => RequestKind::Search,
        }
    }

    fn progress(self, progress: CompareProgress) -> FromWorker {
        match self {
            Purpose::Worth => FromWorker::Comparing { progress },
            Purpose::Search => FromWorker::Searching { progress },
        }
    }

    fn done(self, comparison: Comparison, stopped: Option<String>) -> FromWorker {
        match self {
            Purpose::Worth => FromWorker::Compared {
                comparison,
                stopped,
            },
            Purpose::Search => FromWorker::Searched {
                comparison,
                stopped,
            },
        }
    }
}

/// Runs the comparison, posting each run's scores; answers with the whole comparison.
pub(in crate::worker) async fn run(
    session: &Shared,
    settings: CompareSettings,
    purpose: Purpose,
) -> Result<FromWorker, String> {
    let device = device_of(session)?;
    let Base {
        files, keep_layers, ..
    } = session.borrow().base.clone().ok_or("load a model first")?;
    let parsed = session
        .borrow()
        .data
        .clone()
        .ok_or("load a labelled data file first (Data panel)")?;
    settings
        .validate()
        .map_err(|e| compare_setting_message(&e))?;
    if purpose == Purpose::Search {
        check_search(&settings)?;
    }
    let mut plan = plan_run(&parsed, &files, &settings.finetune).map_err(|e| recipe_error(&e))?;
    let names = recipe::wants_names(settings.finetune.augment, &settings.variants);
    super::counterfactual::give_names(&mut plan, names).await?;
    plan.aux = super::train::aux_tasks(session, &files, &settings.finetune)?;
    let wanted = contextual_for(&settings, plan.data.train.len())
        .map_err(|e| compare_setting_message(&e))?;
    if let Some((wanted, used)) = wanted {
        let drawn = super::train::contextual(session, &mut plan, wanted, Some(&used)).await?;
        plan.notes.push(drawn);
    }
    let mut swaps = match settings.counterfactual {
        Some(kind) => {
            Some(super::counterfactual::compare_probe(kind, &plan, &files.tokenizer).await?)
        }
        None => None,
    };
    let mut probe = match settings.robustness {
        Some(_) if plan.task != Task::Classify => {
            return Err(format!(
                "The robustness test attacks text classifiers; this data is {}",
                plan.task.describe()
            ));
        }
        Some(r) => {
            let labels = plan.data.labels.clone();
            let examples = plan.valid_examples.classes(&labels, r.examples);
            let max_len = plan.max_len;
            Some(AttackProbe::new(
                &files.tokenizer,
                labels,
                examples,
                r.attack,
                max_len,
            ))
        }
        None => None,
    };
    let run = Rc::new(RunControl::new(purpose.kind()));
    session.borrow_mut().run = Some(run.clone());
    let mut on_event = |progress: CompareProgress| {
        post(&purpose.progress(progress), Vec::new());
    };
    let (comparison, stopped) = compare(
        &files,
        &plan,
        &settings,
        keep_layers,
        &device.autodiff(),
        &mut on_event,
        &mut Steer(run),
        Probes {
            attack: probe.as_mut().map(|p| p as &mut dyn Probe),
            counterfactual: swaps.as_mut().map(|p| p as &mut dyn Probe),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(purpose.done(comparison, stopped))
}
