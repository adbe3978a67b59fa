//! Evaluate panel: accuracy, macro-F1, the per-class table and a confusion matrix whose cells
//! list their examples; entity-level scores per type for NER; the misclassified examples.

use leptos::prelude::*;

use crate::protocol::{Report, Scores, ValidExample};
use crate::ui::components::{Panel, Tip};
use crate::ui::state::RunArea;

fn scores_table(first: &'static str, rows: Vec<(String, Scores)>) -> impl IntoView {
    view! {
        <table class="scores">
            <thead><tr><th>{first}</th><th>"Precision"</th><th>"Recall"</th><th>"F1"</th><th>"Support"</th></tr></thead>
            <tbody>{rows.into_iter().map(|(name, s)| view! {
                <tr><td>{name}</td><td>{format!("{:.3}", s.precision)}</td><td>{format!("{:.3}", s.recall)}</td>
                    <td>{format!("{:.3}", s.f1)}</td><td>{s.support}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

fn example_list(examples: Vec<ValidExample>, ner: bool) -> impl IntoView {
    if examples.is_empty() {
        return view! { <p class="empty">"None."</p> }.into_any();
    }
    let shown = examples.len().min(100);
    view! {
        <p class="hint">{format!("{} example(s){}", examples.len(), if examples.len() > shown { ", the first 100 shown" } else { "" })}</p>
        <table class="examples">
            <thead><tr><th>"Line"</th><th>"Text"</th><th>"True"</th><th>"Predicted"</th>{(!ner).then(|| view! { <th>"Confidence"</th> })}</tr></thead>
            <tbody>{examples.into_iter().take(shown).map(|e| view! {
                <tr><td>{e.line}</td><td>{e.text}</td><td>{e.gold}</td><td>{e.predicted}</td>
                    {(!ner).then(|| view! { <td>{format!("{:.0}%", e.confidence * 100.0)}</td> })}</tr>
            }).collect_view()}</tbody>
        </table>
    }.into_any()
}

/// The evaluate panel.
#[component]
pub fn EvaluatePanel() -> impl IntoView {
    let run = expect_context::<RunArea>();
    let cell = RwSignal::new(None::<(String, String)>);
    view! {
        <Panel id="evaluate" number=4 title="Evaluate" purpose="How well the kept model does on the held-out validation examples.">
            {move || {
                let Some(result) = run.result.get() else {
                    return view! { <p class="empty">"Scores appear here after a run."</p> }.into_any();
                };
                let Some(report) = result.report.clone() else {
                    return view! { <p class="empty">"The run ended before its first evaluation."</p> }.into_any();
                };
                let examples = result.examples.clone();
                match report {
                    Report::Classify { examples: n, accuracy, macro_f1, weighted_f1, per_class, labels, matrix } => {
                        let wrong: Vec<ValidExample> = examples.iter().filter(|e| e.gold != e.predicted).cloned().collect();
                        let all = examples.clone();
                        view! {
                            <div class="metrics">
                                <div class="metric"><Tip term="Accuracy" text="Share of examples whose predicted label is right." />
                                    <span class="number" data-testid="metric-accuracy">{format!("{accuracy:.4}")}</span></div>
                                <div class="metric"><Tip term="Macro-F1" text="F1 (the balance of precision and recall) averaged over labels, each counting equally: honest when labels are unbalanced." />
                                    <span class="number" data-testid="metric-macro-f1">{format!("{macro_f1:.4}")}</span></div>
                                <div class="metric"><span>"Weighted F1"</span><span class="number">{format!("{weighted_f1:.4}")}</span></div>
                                <div class="metric"><span>"Examples"</span><span class="number">{n}</span></div>
                            </div>
                            {scores_table("Label", per_class)}
                            <h3><Tip term="Confusion matrix" text="Rows are true labels, columns predicted ones; the diagonal is right. Select a cell to see its examples." /></h3>
                            <table class="confusion">
                                <thead><tr><th>"true \\ predicted"</th>{labels.iter().map(|l| view! { <th>{l.clone()}</th> }).collect_view()}</tr></thead>
                                <tbody>{matrix.iter().enumerate().map(|(r, row)| {
                                    let max = matrix.iter().flatten().copied().max().unwrap_or(1).max(1);
                                    view! {
                                        <tr><th>{labels[r].clone()}</th>
                                        {row.iter().enumerate().map(|(c, &count)| {
                                            let (gold, predicted) = (labels[r].clone(), labels[c].clone());
                                            let shade = count as f64 / max as f64;
                                            view! {
                                                <td class:diagonal=r == c style=format!("--shade: {shade:.2}")>
                                                    <button class="cell" aria-label=format!("{count} examples, true {gold}, predicted {predicted}")
                                                        on:click=move |_| cell.set(Some((gold.clone(), predicted.clone())))>{count}</button>
                                                </td>
                                            }
                                        }).collect_view()}</tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                            {move || cell.get().map(|(g, p)| {
                                let chosen: Vec<ValidExample> = all.iter().filter(|e| e.gold == g && e.predicted == p).cloned().collect();
                                view! { <h3>{format!("True {g}, predicted {p}")}</h3>{example_list(chosen, false)} }
                            })}
                            <h3>"Misclassified"</h3>
                            {example_list(wrong, false)}
                        }.into_any()
                    }
                    Report::Ner { examples: n, precision, recall, f1, token_accuracy, per_type } => {
                        let wrong: Vec<ValidExample> = examples.into_iter().filter(|e| e.gold != e.predicted).collect();
                        view! {
                            <div class="metrics">
                                <div class="metric"><Tip term="Entity F1" text="An entity counts as found only when its type and both ends match exactly; F1 balances precision and recall." />
                                    <span class="number" data-testid="metric-entity-f1">{format!("{f1:.4}")}</span></div>
                                <div class="metric"><span>"Precision"</span><span class="number">{format!("{precision:.4}")}</span></div>
                                <div class="metric"><span>"Recall"</span><span class="number">{format!("{recall:.4}")}</span></div>
                                <div class="metric"><span>"Tag accuracy"</span><span class="number">{format!("{token_accuracy:.4}")}</span></div>
                                <div class="metric"><span>"Sentences"</span><span class="number">{n}</span></div>
                            </div>
                            {scores_table("Entity type", per_type)}
                            <h3>"Sentences with errors"</h3>
                            {example_list(wrong, true)}
                        }.into_any()
                    }
                }
            }}
        </Panel>
    }
}
