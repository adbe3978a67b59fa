//! `Counterfactual`: the kept classifier or entity tagger tested with swapped identity terms
//! (gendered words, first names, the person's pairs) on the texts the Evaluate panel sends and
//! on templates, as `anneal counterfactual` tests it (`infer::counterfactual`); and the
//! first-name lists that counterfactual augmentation of names fetches.

use super::super::state::Shared;
use super::super::store;
use crate::data::entities::split_words;
use crate::data::tokenizer::TextTokenizer;
use crate::infer::counterfactual::{CounterfactualProbe, counterfactual, tag_counterfactual};
use crate::model::Task;
use crate::protocol::{CounterfactualAnswer, FromWorker, SwapChoice};
use crate::shared::counterfactual::{SwapKind, Swaps};
use crate::train::recipe::{self, Plan};

/// Where the worker finds the pinned first-name lists: beside the app (copied there from
/// `www/samples`), as the UI fetches them.
const NAME_LISTS: [&str; 2] = [
    "samples/first_names_female.txt",
    "samples/first_names_male.txt",
];

/// Gives counterfactual augmentation of names (the run's or a comparison's variants') the
/// pinned first-name lists when `wanted`; the plan's notes say what it adds.
pub(in crate::worker) async fn give_names(plan: &mut Plan, wanted: bool) -> Result<(), String> {
    if wanted {
        recipe::give_names(plan, name_swaps().await?);
    }
    Ok(())
}

/// The first-name swaps of the pinned lists beside the app.
async fn name_swaps() -> Result<Swaps, String> {
    let mut lists = Vec::new();
    for file in NAME_LISTS {
        let bytes = store::fetch(file, file, false).await?.ok_or_else(|| {
            format!("{file} is not beside the app: swapping first names needs the name lists (python3 scripts/assets.py fetches them)")
        })?;
        lists.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(Swaps::names(&lists[0], &lists[1]))
}

/// A comparison's counterfactual test (`CompareSettings::counterfactual`) on the plan's
/// validation examples: gendered words, or first names fetched from beside the app.
pub(in crate::worker) async fn compare_probe<'a>(
    kind: SwapKind,
    plan: &Plan,
    tokenizer: &'a TextTokenizer,
) -> Result<CounterfactualProbe<'a>, String> {
    let swaps = match kind {
        SwapKind::Gender => Swaps::gender(),
        SwapKind::Names => name_swaps().await?,
        SwapKind::Custom => {
            return Err("a comparison's counterfactual test swaps gendered words or first names here; your own pairs: anneal compare --counterfactual FILE".into());
        }
    };
    let labels = plan.data.labels.clone();
    CounterfactualProbe::of_examples(tokenizer, labels, &plan.valid_examples, swaps, plan.max_len)
}

/// The swap list the request names.
fn swaps(choice: SwapChoice) -> Result<Swaps, String> {
    match choice {
        SwapChoice::Gender => Ok(Swaps::gender()),
        SwapChoice::Names { female, male } => Ok(Swaps::names(&female, &male)),
        SwapChoice::Custom { file, text } => Swaps::custom(&text).map_err(|problems| {
            let lines: Vec<String> = problems
                .iter()
                .take(10)
                .map(|(line, p)| format!("line {line}: {p}"))
                .collect();
            format!("{file}: not a list of pairs: {}", lines.join("; "))
        }),
    }
}

/// Swaps the terms of `texts` and of the filled templates and predicts both forms: a
/// classifier's labels, or a tagger's entity types (a validation sentence is its words
/// joined by spaces; a template's text is split as prediction splits it).
pub(in crate::worker) async fn run(
    session: &Shared,
    choice: SwapChoice,
    texts: Vec<String>,
    templates: Vec<String>,
    per_template: usize,
) -> Result<FromWorker, String> {
    let tuned = session
        .borrow()
        .tuned
        .clone()
        .ok_or("fine-tune a model first (Train panel), or import a fine-tuned one")?;
    let swaps = swaps(choice)?;
    if let Some(t) = templates.iter().find(|t| !t.contains("{name}")) {
        return Err(format!("the template \"{t}\" has no {{name}} slot"));
    }
    let filled = swaps.fill_templates(&templates, per_template, 42);
    if texts.is_empty() && filled.is_empty() {
        return Err("no texts to test".into());
    }
    let (model, tokenizer, labels) = (&tuned.model, &tuned.files.tokenizer, &tuned.labels);
    let report = match model.task {
        Task::Classify => {
            let texts: Vec<String> = texts.into_iter().chain(filled).collect();
            let r = counterfactual(model, tokenizer, labels, &texts, &swaps, tuned.max_len);
            CounterfactualAnswer::Labels(r.await.map_err(|e| e.to_string())?)
        }
        Task::Ner => {
            let words = |t: &String| t.split(' ').map(String::from).collect::<Vec<_>>();
            let split = |t: &String| split_words(t).into_iter().map(|w| w.text).collect();
            let sentences: Vec<Vec<String>> = texts
                .iter()
                .map(words)
                .chain(filled.iter().map(split))
                .collect();
            let r = tag_counterfactual(model, tokenizer, labels, &sentences, &swaps, tuned.max_len);
            CounterfactualAnswer::Types(r.await.map_err(|e| e.to_string())?)
        }
        Task::Qa => {
            return Err(format!(
                "counterfactual tests are for text classifiers and entity taggers; this model does {}",
                Task::Qa.describe()
            ));
        }
    };
    Ok(FromWorker::Counterfactuals { report })
}
