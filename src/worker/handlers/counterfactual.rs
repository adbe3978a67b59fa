//! `Counterfactual`: the kept classifier tested with swapped identity terms (gendered words,
//! first names, the person's pairs) on the texts the Evaluate panel sends and on templates,
//! as `anneal counterfactual` tests it (`infer::counterfactual`).

use super::super::state::{Shared, tuned_classifier};
use super::super::store;
use crate::infer::counterfactual::counterfactual;
use crate::protocol::{FromWorker, SwapChoice};
use crate::shared::counterfactual::Swaps;
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
    if !wanted {
        return Ok(());
    }
    let mut lists = Vec::new();
    for file in NAME_LISTS {
        let bytes = store::fetch(file, file, false).await?.ok_or_else(|| {
            format!("{file} is not beside the app: counterfactual augmentation of names needs the first-name lists (python3 scripts/assets.py fetches them)")
        })?;
        lists.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    recipe::give_names(plan, Swaps::names(&lists[0], &lists[1]));
    Ok(())
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

/// Swaps the terms of `texts` and of the filled templates and predicts both forms.
pub(in crate::worker) async fn run(
    session: &Shared,
    choice: SwapChoice,
    mut texts: Vec<String>,
    templates: Vec<String>,
    per_template: usize,
) -> Result<FromWorker, String> {
    let tuned = tuned_classifier(session, "counterfactual tests here are for")?;
    let swaps = swaps(choice)?;
    if let Some(t) = templates.iter().find(|t| !t.contains("{name}")) {
        return Err(format!("the template \"{t}\" has no {{name}} slot"));
    }
    texts.extend(swaps.fill_templates(&templates, per_template, 42));
    if texts.is_empty() {
        return Err("no texts to test".into());
    }
    let report = counterfactual(
        &tuned.model,
        &tuned.files.tokenizer,
        &tuned.labels,
        &texts,
        &swaps,
        tuned.max_len,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(FromWorker::Counterfactuals { report })
}
