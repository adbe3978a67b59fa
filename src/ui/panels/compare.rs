//! "What is it worth?": one button fine-tunes the loaded model (the baseline) beside the
//! variants ticked — random weights of its architecture, that architecture self-pre-trained on
//! the task's texts, typo augmentation, FGM adversarial training — at growing label counts,
//! with the same examples and seeds; the chart draws validation score against labels on a log
//! axis (a band over seeds), the data advantage is said in examples, and each variant's paired
//! difference to the baseline gets its 95% interval.

use leptos::prelude::*;

use crate::protocol::{Comparison, PairedDiff, ToWorker, Variant};
use crate::shared::transfer_sentence;
use crate::ui::components::{Panel, Tip};
use crate::ui::state::{CompareArea, DataArea, ModelArea, RunArea};
use crate::ui::worker::send;

/// Colour of the `i`-th variant (the baseline is the first).
fn colour(i: usize) -> &'static str {
    const PALETTE: [&str; 6] = [
        "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2",
    ];
    PALETTE[i % PALETTE.len()]
}

/// The panel.
#[component]
pub fn ComparePanel() -> impl IntoView {
    let compare = expect_context::<CompareArea>();
    let (model, data, run) = (
        expect_context::<ModelArea>(),
        expect_context::<DataArea>(),
        expect_context::<RunArea>(),
    );
    let ready = move || model.model.with(Option::is_some) && data.data.with(Option::is_some);
    let aux_names = move || {
        data.aux
            .with_untracked(|a| a.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
    };
    let start = move |_| match compare.settings(run.settings.get_untracked(), &aux_names()) {
        Ok(settings) => {
            compare.live.start();
            send(&ToWorker::Compare { settings });
        }
        Err(e) => compare.live.message.set(e),
    };
    let number = |signal: RwSignal<usize>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                signal.set(v)
            }
        }
    };
    view! {
        <Panel id="worth" number=9 title="What is it worth?"
            purpose="Fine-tune the loaded model with 32, 100, 300… labels beside the same architecture with random weights, or pre-trained on your own texts, or with a remedy switched on (typo augmentation, adversarial training). Every variant sees the same examples with the same seeds, so the gap between the lines is what pre-training, or the remedy, is worth on your data.">
            <div class="settings">
                <label><Tip term="Label counts" text="How many labelled training examples each run gets, comma-separated; all is every one. Each seed draws one random order and a run takes its first N, so the 100 include the 32." />
                    <input type="text" data-testid="worth-sizes" prop:value=move || compare.sizes.get() on:change=move |ev| compare.sizes.set(event_target_value(&ev)) /></label>
                <label><Tip term="Seeds" text="Runs per start and count, with different examples and initial weights. More than one draws a band from the lowest to the highest score." />
                    <input type="number" min="1" max="10" data-testid="worth-seeds" prop:value=move || compare.seeds.get().to_string() on:change=number(compare.seeds) /></label>
                <label><Tip term="Self-pre-training steps" text="Masked-word steps on the training texts (labels unused) from random weights, before fine-tuning that start. 0 leaves it out." />
                    <input type="number" min="0" data-testid="worth-self-steps" prop:value=move || compare.self_steps.get().to_string() on:change=number(compare.self_steps) /></label>
                <label><Tip term="Least steps per run" text="A run with few labels takes more epochs so that it trains at least this many steps; every run is scored once, after its last epoch." />
                    <input type="number" min="1" data-testid="worth-min-steps" prop:value=move || compare.min_steps.get().to_string() on:change=number(compare.min_steps) /></label>
            </div>
            <VariantChoices />
            <p class="hint">"Each run uses the Train panel's settings (batch size, learning rate, epochs, length, layers, what trains) and is scored on the same validation examples. With two seeds or more, each variant's difference to the baseline gets a 95% interval: \"no effect measured\" when it holds 0. Augmentation and adversarial training set in the Train panel are not applied to the baseline here: tick them to measure them."</p>
            <div class="row">
                <button class="primary" data-testid="worth-start" disabled=move || !ready() || compare.live.running() on:click=start>"What is it worth?"</button>
                <button data-testid="worth-cancel" disabled=move || !compare.live.running() on:click=move |_| send(&ToWorker::Cancel)>"Cancel"</button>
                <span>"Status: " <b data-testid="worth-status" role="status">{move || compare.live.status.get().word()}</b></span>
            </div>
            {move || (!ready()).then(|| view! { <p class="hint">"Load a model (1) and labelled data (2) first."</p> })}
            <p class="status" data-testid="worth-message">{move || compare.live.message.get()}</p>
            <ul class="notes" data-testid="worth-notes">{move || compare.live.notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            {move || {
                let (done, all) = compare.live.runs.get();
                (all > 0).then(|| view! {
                    <div class="progress">
                        <progress data-testid="worth-progress" max=all.to_string() value=done.to_string() aria-label="comparison progress"></progress>
                        <span>{format!("{done} of {all} runs scored")}</span>
                        <span class="model-line">{move || compare.live.now.get()}</span>
                    </div>
                })
            }}
            {move || compare.live.comparison.get().map(|c| view! { <CompareChart comparison=c.clone() /> <CompareTable comparison=c.clone() /> <ProbeTable comparison=c.clone() probed=Probed::Attack /> <ProbeTable comparison=c probed=Probed::Flips /> })}
        </Panel>
    }
}

/// Score against labels (log axis), one line per start through the seeds' means, a band from
/// the lowest to the highest seed.
#[component]
fn CompareChart(comparison: Comparison) -> impl IntoView {
    let (w, h, pad) = (600.0, 260.0, 40.0);
    let sizes = comparison.sizes.clone();
    let (lo_n, hi_n) = (
        *sizes.first().unwrap_or(&1) as f64,
        *sizes.last().unwrap_or(&2) as f64,
    );
    let span = (hi_n.ln() - lo_n.ln()).max(1e-9);
    let x = move |n: usize| {
        if sizes.len() < 2 {
            w / 2.0
        } else {
            pad + ((n as f64).ln() - lo_n.ln()) / span * (w - 2.0 * pad)
        }
    };
    let all: Vec<f64> = comparison
        .variants
        .values()
        .flatten()
        .flatten()
        .copied()
        .collect();
    let (lo, hi) = score_range(&all);
    let y = move |v: f64| h - pad - (v - lo) / (hi - lo) * (h - 2.0 * pad);
    let metric = match comparison.metric.as_str() {
        "accuracy" => "accuracy",
        "squad_f1" => "F1",
        _ => "entity F1",
    };
    let mut layers = Vec::new();
    for (i, variant) in comparison.order.iter().enumerate() {
        let Some(scores) = comparison.variants.get(&variant.name) else {
            continue;
        };
        let (colour, name) = (colour(i), variant.describe());
        let pts = spread(&comparison.sizes, scores);
        if pts.iter().any(|p| p.3 > p.2) {
            let upper = pts.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.3)));
            let lower = pts
                .iter()
                .rev()
                .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.2)));
            let band = upper.chain(lower).collect::<Vec<_>>().join(" ");
            layers.push(view! { <polygon points=band fill=colour fill-opacity="0.15" stroke="none"></polygon> }.into_any());
        }
        let line = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1)))
            .collect::<Vec<_>>()
            .join(" ");
        layers.push(
            view! { <polyline points=line fill="none" stroke=colour stroke-width="2"></polyline> }
                .into_any(),
        );
        for p in &pts {
            let tip = format!("{name}: {} labels, {:.1}%", p.0, 100.0 * p.1);
            layers.push(view! {
                <circle cx=x(p.0) cy=y(p.1) r="4" fill=colour data-testid="worth-point" data-variant=variant.name.clone()><title>{tip}</title></circle>
            }.into_any());
        }
    }
    let advantage = comparison.data_advantage.clone();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" data-testid="worth-chart"
            aria-label=format!("validation {metric} against the number of labels, one line per variant")>
            {comparison.sizes.iter().map(|&n| view! {
                <line x1=x(n) x2=x(n) y1=pad y2=h - pad class="reference"></line>
                <text x=x(n) y=h - pad + 14.0 text-anchor="middle" class="tick">{n.to_string()}</text>
            }).collect_view()}
            <text x=w / 2.0 y=h - 4.0 text-anchor="middle" class="tick">"labelled examples (log scale)"</text>
            <text x=2 y=pad class="tick">{format!("{:.0}%", 100.0 * hi)}</text>
            <text x=2 y=h - pad class="tick">{format!("{:.0}%", 100.0 * lo)}</text>
            {layers}
        </svg>
        <Legend comparison=comparison.clone() />
        {advantage.map(|a| view! { <p class="finding" data-testid="worth-advantage">{a.sentence}</p> })}
        <PairedTable comparison=comparison.clone() />
    }
}

/// The colour and name of each variant with scores.
#[component]
fn Legend(comparison: Comparison) -> impl IntoView {
    view! {
    <p class="legend">
        {comparison.order.iter().enumerate().filter(|(_, v)| comparison.variants.contains_key(&v.name)).map(|(i, v)| view! {
            <span class="legend-item"><span class="swatch" style=format!("background: {}", colour(i))></span>{v.describe()}</span>
        }).collect_view()}
    </p>
    }
}

/// Each variant's difference to the baseline per label count, paired by seed (the same
/// examples and run seed), with its 95% interval; "no effect measured" when it holds 0.
#[component]
fn PairedTable(comparison: Comparison) -> impl IntoView {
    // An auxiliary task's difference also says whether the transfer was negative.
    let rows: Vec<(String, PairedDiff, Option<String>)> = comparison
        .order
        .iter()
        .flat_map(|v| {
            let name = v.describe();
            let aux = (!v.changes.aux.is_empty()).then(|| v.changes.aux.join(", "));
            comparison
                .paired
                .get(&v.name)
                .into_iter()
                .flatten()
                .map(move |d| {
                    let transfer = aux.as_ref().map(|t| transfer_sentence(t, d));
                    (name.clone(), d.clone(), transfer)
                })
        })
        .collect();
    (!rows.is_empty()).then(|| view! {
        <table class="worth" data-testid="worth-paired">
            <caption>"Difference to the baseline (the pre-trained model as set), paired by seed (same examples, same seed), with its 95% interval"</caption>
            <thead><tr><th>"Variant"</th><th>"Labels"</th><th>"Difference"</th></tr></thead>
            <tbody>{rows.into_iter().map(|(name, d, transfer)| view! {
                <tr class:muted=!d.measured()><td>{name}</td><td>{d.size}</td><td data-testid="worth-paired-diff">{d.describe()}
                    {transfer.map(|t| view! { <br /><span data-testid="worth-transfer">{t}</span> })}</td></tr>
            }).collect_view()}</tbody>
        </table>
    })
}

/// Each label count that has scores, with their mean, lowest and highest over the seeds.
fn spread(sizes: &[usize], scores: &[Vec<f64>]) -> Vec<(usize, f64, f64, f64)> {
    sizes
        .iter()
        .zip(scores)
        .filter(|(_, s)| !s.is_empty())
        .map(|(n, s)| {
            let mean = s.iter().sum::<f64>() / s.len() as f64;
            let min = s.iter().copied().fold(f64::MAX, f64::min);
            let max = s.iter().copied().fold(f64::MIN, f64::max);
            (*n, mean, min, max)
        })
        .collect()
}

/// The vertical range for these scores: a little margin, within 0..=1, at least 5 points
/// tall (all scores may be equal, even all 1).
fn score_range(scores: &[f64]) -> (f64, f64) {
    let finite = scores.iter().copied().filter(|s| s.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), s| {
        (a.min(s), b.max(s))
    });
    if min > max {
        return (0.0, 1.0);
    }
    let hi = (max + 0.02).min(1.0);
    let lo = (min - 0.02).max(0.0).min(hi - 0.05);
    (lo, hi)
}

/// What the comparison runs beside the baseline, and what it also tests every run with.
#[component]
fn VariantChoices() -> impl IntoView {
    let (compare, data) = (
        expect_context::<CompareArea>(),
        expect_context::<DataArea>(),
    );
    let tick = |signal: RwSignal<bool>| move |ev| signal.set(event_target_checked(&ev));
    view! {
        <fieldset class="variants">
            <legend>"Beside the pre-trained model (the baseline), compare"</legend>
            <label><input type="checkbox" data-testid="worth-scratch" prop:checked=move || compare.scratch.get() on:change=tick(compare.scratch) />
                <Tip term="random initialisation" text="The same architecture with random weights: what training from scratch gives with these labels." /></label>
            <label><input type="checkbox" data-testid="worth-typos" prop:checked=move || compare.typos.get() on:change=tick(compare.typos) />
                <Tip term="+ augmentation" text="Each epoch adds changed copies of the training examples: the Train panel's augmentation when one is set there (typos, EDA, contextual, same-tag words or mentions, with its copies and share), else typos in 10% of the words, 1 copy." /></label>
            <label><input type="checkbox" data-testid="worth-fgm" prop:checked=move || compare.fgm.get() on:change=tick(compare.fgm) />
                <Tip term="+ adversarial training (FGM)" text="Each step also trains on the batch with the word embeddings pushed along the loss gradient (the Train panel's epsilon when set there, else 1); about twice a step's work." /></label>
            {move || (!data.aux.with(Vec::is_empty)).then(|| view! {
                <label><input type="checkbox" data-testid="worth-aux" prop:checked=move || compare.aux.get() on:change=tick(compare.aux) />
                    <Tip term="+ auxiliary tasks (multi-task)" text="Each run also trains on the Data panel's auxiliary files, with the Train panel's task sampling. Below the baseline over the whole interval is negative transfer: the other task hurts yours." /></label>
            })}
            <label><input type="checkbox" data-testid="worth-robust" prop:checked=move || compare.robust.get() on:change=tick(compare.robust) />
                <Tip term="and attack every run (robustness test)" text="After training, each run's model is attacked on the first 100 validation examples: at most 2 character edits (typos) of its most important words, greedily, as `anneal attack --attack chars` does. Accuracy under attack is compared like the scores. Text classification only; it adds time to every run." /></label>
            <label><Tip term="and test every run with counterfactuals" text="After training, each run's model predicts every validation example and its swapped form (gendered words, or first names from the pinned lists); the share whose prediction flips (a tagger: swapped words whose entity type changes) is compared like the scores. Pair it with counterfactual augmentation (Train panel) ticked as the augmentation to see whether it makes the model lean less on them." />
                <select data-testid="worth-counterfactual" prop:value=move || compare.counterfactual.get() on:change=move |ev| compare.counterfactual.set(event_target_value(&ev))>
                    <option value="none">"no"</option>
                    <option value="gender">"gendered words"</option>
                    <option value="names">"first names"</option>
                </select></label>
        </fieldset>
    }
}

/// What a comparison also measured of each run besides its score.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Probed {
    /// Accuracy under attack (the robustness test).
    Attack,
    /// The counterfactual flip rate.
    Flips,
}

/// With the robustness or the counterfactual test: each variant's mean accuracy under attack
/// (or flip rate) per label count, and its paired difference to the baseline's.
#[component]
fn ProbeTable(comparison: Comparison, probed: Probed) -> impl IntoView {
    let (scores, paired) = match probed {
        Probed::Attack => (&comparison.attacked, &comparison.paired_attacked),
        Probed::Flips => (&comparison.flip_rate, &comparison.paired_flip_rate),
    };
    let rows: Vec<(String, usize, f64, Option<PairedDiff>)> = comparison
        .order
        .iter()
        .flat_map(|v| {
            let scores = scores.get(&v.name).cloned().unwrap_or_default();
            let paired = paired.get(&v.name).cloned().unwrap_or_default();
            let name = v.describe();
            comparison
                .sizes
                .iter()
                .zip(scores)
                .filter(|(_, s)| !s.is_empty())
                .map(move |(&size, s)| {
                    let mean = s.iter().sum::<f64>() / s.len() as f64;
                    let diff = paired.iter().find(|d| d.size == size).cloned();
                    (name.clone(), size, mean, diff)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let (testid, cell, caption, measure) = match probed {
        Probed::Attack => (
            "worth-attacked",
            "worth-attacked-accuracy",
            "Under attack (at most 2 character edits, the first 100 validation examples): accuracy, and the difference to the baseline paired by seed",
            "Accuracy under attack",
        ),
        Probed::Flips => (
            "worth-flips",
            "worth-flip-rate",
            "Counterfactual test (the validation examples with their terms swapped): the share whose prediction flips (a tagger: of swapped words whose type changes), and the difference to the baseline paired by seed — lower leans less on the terms",
            "Flip rate",
        ),
    };
    (!rows.is_empty()).then(|| view! {
        <table class="worth" data-testid=testid>
            <caption>{caption}</caption>
            <thead><tr><th>"Variant"</th><th>"Labels"</th><th>{measure}</th><th>"Difference"</th></tr></thead>
            <tbody>{rows.into_iter().map(|(name, size, mean, d)| view! {
                <tr><td>{name}</td><td>{size}</td><td data-testid=cell>{format!("{:.1}%", 100.0 * mean)}</td>
                    <td>{d.map_or(String::new(), |d| d.describe())}</td></tr>
            }).collect_view()}</tbody>
        </table>
    })
}

/// The numbers behind the chart.
#[component]
fn CompareTable(comparison: Comparison) -> impl IntoView {
    let variants: Vec<&Variant> = comparison
        .order
        .iter()
        .filter(|v| comparison.variants.contains_key(&v.name))
        .collect();
    let means: Vec<Vec<Option<f64>>> = variants.iter().map(|v| comparison.means(&v.name)).collect();
    view! {
        <table class="worth" data-testid="worth-table">
            <thead><tr><th>"labels"</th>{variants.iter().map(|v| view! { <th>{v.describe()}</th> }).collect_view()}</tr></thead>
            <tbody>
                {comparison.sizes.iter().enumerate().map(|(i, n)| view! {
                    <tr><td>{n.to_string()}</td>
                        {means.iter().map(|m| view! { <td>{m[i].map_or("…".to_string(), |v| format!("{:.1}%", 100.0 * v))}</td> }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
