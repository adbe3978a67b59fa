//! Evaluate panel: accuracy, macro-F1, the per-class table and a confusion matrix whose cells
//! list their examples; entity-level scores per type for NER; the misclassified examples; for
//! question answering, SQuAD's exact match and F1, F1 by question type, and the worst answers
//! with the gold and predicted spans marked in their passage; and for a classifier, the
//! views of who the model fails (scoring by group, `groups.rs`; counterfactuals,
//! `counterfactual.rs`) and the robustness test: its validation examples attacked, the
//! successful attacks with their edits marked.

use leptos::prelude::*;

use crate::protocol::{
    AdversarialExample, AttackKind, AttackReport, AttackSettings, Report, Scores, ToWorker,
    ValidExample,
};
use crate::ui::components::{Panel, Tip, passage};
use crate::ui::panels::counterfactual::CounterfactualView;
use crate::ui::panels::groups::GroupsView;
use crate::ui::state::{AttackArea, RunArea};
use crate::ui::worker::send;

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

/// Entity recognition's scores, the sentences with errors, and the counterfactual test.
fn ner_report(report: Report, examples: Vec<ValidExample>) -> impl IntoView {
    let Report::Ner {
        examples: n,
        precision,
        recall,
        f1,
        token_accuracy,
        per_type,
    } = report
    else {
        return ().into_any();
    };
    let sentences: Vec<String> = examples.iter().map(|e| e.text.clone()).collect();
    let wrong: Vec<ValidExample> = examples
        .into_iter()
        .filter(|e| e.gold != e.predicted)
        .collect();
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
        <CounterfactualView texts=sentences />
    }
    .into_any()
}

/// SQuAD's scores, by question type, and the worst answers in their passages.
fn qa_report(report: Report, examples: Vec<ValidExample>) -> impl IntoView {
    let Report::Qa {
        examples: n,
        exact_match,
        f1,
        has_answer,
        no_answer,
        by_type,
    } = report
    else {
        return view! { <p class="empty">"Not a question-answering report."</p> }.into_any();
    };
    let splits = [
        ("With an answer", has_answer),
        ("Without an answer", no_answer),
    ];
    let worst: Vec<ValidExample> = examples
        .into_iter()
        .filter(|e| e.qa.as_ref().is_some_and(|q| q.f1 < 100.0))
        .take(20)
        .collect();
    view! {
        <div class="metrics">
            <div class="metric"><Tip term="Exact match" text="Share of questions whose answer equals a gold answer once both are lower-cased, without punctuation, articles (a, an, the) and extra spaces: SQuAD's official measure." />
                <span class="number" data-testid="metric-exact-match">{format!("{exact_match:.2}")}</span></div>
            <div class="metric"><Tip term="F1" text="Overlap of the answer's words with the best gold answer's (the balance of precision and recall), averaged over questions: partial credit for a span that is nearly right." />
                <span class="number" data-testid="metric-f1">{format!("{f1:.2}")}</span></div>
            <div class="metric"><span>"Questions"</span><span class="number">{n}</span></div>
        </div>
        {splits.into_iter().filter_map(|(name, part)| part.map(|(em, f, count)| view! {
            <p>{format!("{name}: {count} questions, exact match {em:.2}, F1 {f:.2}")}</p>
        })).collect_view()}
        <table class="scores" data-testid="qa-by-type">
            <thead><tr><th>"Question"</th><th>"Count"</th><th>"Exact match"</th><th>"F1"</th></tr></thead>
            <tbody>{by_type.into_iter().map(|(kind, count, em, f)| view! {
                <tr><td>{kind}</td><td>{count}</td><td>{format!("{em:.1}")}</td><td>{format!("{f:.1}")}</td></tr>
            }).collect_view()}</tbody>
        </table>
        <h3>"The worst answers"</h3>
        <p class="hint"><mark class="gold">"gold answer"</mark>" "<mark class="predicted">"the model's answer"</mark></p>
        <ol class="qa-worst" data-testid="qa-worst">{worst.into_iter().map(|e| {
            let q = e.qa.clone().unwrap_or_else(|| crate::protocol::QaAnswerView { context: String::new(), gold: vec![], predicted: (0, 0), f1: 0.0 });
            let mut spans: Vec<(usize, usize, &'static str)> = q.gold.iter().map(|&(s, e)| (s, e, "gold")).collect();
            spans.push((q.predicted.0, q.predicted.1, "predicted"));
            view! {
                <li>
                    <p><b>{e.text.clone()}</b>{format!("  (line {}, F1 {:.0})", e.line, q.f1)}</p>
                    <p class="hint">{format!("gold: {} · answered: {}", e.gold, if e.predicted.is_empty() { "(no answer)".to_string() } else { e.predicted.clone() })}</p>
                    <p class="passage">{passage(&q.context, &spans)}</p>
                </li>
            }
        }).collect_view()}</ol>
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
                            <GroupsView examples=examples.clone() labels=labels.clone() />
                            <CounterfactualView texts=examples.iter().map(|e| e.text.clone()).collect() />
                            <RobustnessTest examples=examples />
                        }.into_any()
                    }
                    report @ Report::Qa { .. } => qa_report(report, examples).into_any(),
                    report @ Report::Ner { .. } => ner_report(report, examples).into_any(),
                }
            }}
        </Panel>
    }
}

/// The robustness test of the kept classifier on its validation examples: an attack (typos or
/// embedding-neighbour swaps, as `anneal attack`), TextAttack's summary, and each successful
/// attack with its changed words marked.
#[component]
fn RobustnessTest(examples: Vec<ValidExample>) -> impl IntoView {
    let attack = expect_context::<AttackArea>();
    let (kind, edits, limit) = (
        RwSignal::new(AttackKind::Chars),
        RwSignal::new(2usize),
        RwSignal::new(50usize),
    );
    let start = move |_| {
        let chosen: Vec<(String, String)> = examples
            .iter()
            .take(limit.get_untracked())
            .map(|e| (e.text.clone(), e.gold.clone()))
            .collect();
        let settings = AttackSettings {
            max_edits: edits.get_untracked().max(1),
            ..AttackSettings::new(kind.get_untracked())
        };
        attack.report.set(None);
        attack.status.set("attacking…".into());
        attack.progress.set(Some((0, chosen.len())));
        send(&ToWorker::Attack {
            settings,
            examples: chosen,
        });
    };
    let number = |signal: RwSignal<usize>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                signal.set(v)
            }
        }
    };
    view! {
        <h3><Tip term="Robustness test" text="Attacks the kept model on its validation examples: the words that matter most to the prediction are changed first — one character edit each (typos), or swapped for a nearest neighbour in the model's own embeddings (embedding neighbours can be antonyms: read the examples) — until the prediction flips or the edits run out. Every example shown really flips the model. Train with typo augmentation or adversarial training and compare (Worth panel)." /></h3>
        <div class="settings">
            <label>"Attack"
                <select data-testid="attack-kind" on:change=move |ev| kind.set(if event_target_value(&ev) == "words" { AttackKind::Words } else { AttackKind::Chars })>
                    <option value="chars">"Typos (character edits)"</option>
                    <option value="words">"Word swaps (embedding neighbours)"</option>
                </select></label>
            <label>"Edits at most" <input type="number" min="1" data-testid="attack-edits" prop:value=move || edits.get().to_string() on:change=number(edits) /></label>
            <label>"Examples" <input type="number" min="1" data-testid="attack-limit" prop:value=move || limit.get().to_string() on:change=number(limit) /></label>
        </div>
        <div class="row">
            <button data-testid="attack-start" disabled=move || attack.progress.get().is_some() on:click=start>"Attack the validation examples"</button>
            <span data-testid="attack-status">{move || match attack.progress.get() {
                Some((done, all)) => format!("{done} of {all} examples attacked"),
                None => attack.status.get(),
            }}</span>
        </div>
        {move || attack.report.get().map(attack_report)}
    }
}

/// TextAttack's summary and the successful attacks, their changed spans marked.
fn attack_report(r: AttackReport) -> impl IntoView {
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    view! {
        <div class="metrics" data-testid="attack-report">
            <div class="metric"><span>"Clean accuracy"</span><span class="number">{pct(r.clean_accuracy)}</span></div>
            <div class="metric"><span>"Under attack"</span><span class="number" data-testid="attack-accuracy">{pct(r.attacked_accuracy)}</span></div>
            <div class="metric"><Tip term="Success rate" text="Successful attacks over the examples attacked (those predicted right before)." /><span class="number">{pct(r.attack_success_rate)}</span></div>
            <div class="metric"><span>"Words changed"</span><span class="number">{pct(r.words_perturbed)}</span></div>
            <div class="metric"><span>"Queries each"</span><span class="number">{format!("{:.0}", r.queries)}</span></div>
        </div>
        <ul class="examples attacked">
            {r.examples.into_iter().map(|e| view! {
                <li data-testid="attack-example">{marked(&e)}<span class="muted">{format!(" — {} → {} ({} edit{})", e.label, e.predicted, e.edits, if e.edits == 1 { "" } else { "s" })}</span>
                    <br /><span class="muted">{e.original.clone()}</span></li>
            }).collect_view()}
        </ul>
    }
}

/// The perturbed text with its changed byte ranges in `<mark>`.
fn marked(e: &AdversarialExample) -> impl IntoView + use<> {
    let text = &e.perturbed;
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut spans = e.changed.clone();
    spans.sort_unstable();
    for (start, end) in spans {
        let (Some(before), Some(changed)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        pieces.push(view! { <span>{before.to_string()}</span> }.into_any());
        pieces.push(view! { <mark>{changed.to_string()}</mark> }.into_any());
        at = end;
    }
    pieces.push(view! { <span>{text.get(at..).unwrap_or_default().to_string()}</span> }.into_any());
    view! { <span class="perturbed">{pieces}</span> }
}
