//! Search: choose hyperparameters on the validation set. The values typed for each setting
//! make a grid (or a random draw of its points); every trial is fine-tuned on all the training
//! examples with the same seeds and scored on the validation set, by the comparison engine
//! that "What is it worth?" runs. The table of trials sorts by any column; the winner's margin
//! over the runner-up is said with its interval over seeds, and one click trains with a
//! trial's settings in the Train panel (kept, evaluated and exportable as any run).

use leptos::prelude::*;

use crate::protocol::ToWorker;
use crate::shared::{Search, SortBy, Trial, trial_settings};
use crate::ui::components::{Panel, Tip};
use crate::ui::state::{DataArea, ModelArea, RunArea, SEARCHED, SearchArea};
use crate::ui::worker::send;

/// The panel.
#[component]
pub fn SearchPanel() -> impl IntoView {
    let search = expect_context::<SearchArea>();
    let (model, data, run) = (
        expect_context::<ModelArea>(),
        expect_context::<DataArea>(),
        expect_context::<RunArea>(),
    );
    let live = search.live;
    let ready = move || model.model.with(Option::is_some) && data.data.with(Option::is_some);
    let start = move |_| match search.settings(run.settings.get_untracked()) {
        Ok(settings) => {
            live.start();
            send(&ToWorker::Search { settings });
        }
        Err(e) => live.message.set(e),
    };
    let number = |signal: RwSignal<usize>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                signal.set(v)
            }
        }
    };
    view! {
        <Panel id="search" number=10 title="Search settings"
            purpose="Try several learning rates, epochs, batch sizes or remedies, each fine-tuned on all your training examples with the same seeds and scored on the validation set, and train with the one that scores best — told whether it is really better or within noise.">
            <div class="settings">
                {SEARCHED.iter().zip(search.values).map(|((key, label, example, tip), value)| view! {
                    <label><Tip term=*label text=*tip />
                        <input type="text" data-testid=format!("search-{key}") placeholder=*example
                            prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev)) /></label>
                }).collect_view()}
                <label><Tip term="Random trials" text="Run this many of the grid's combinations, drawn at random (seeded by the Train panel's seed); 0 runs every combination." />
                    <input type="number" min="0" data-testid="search-random" prop:value=move || search.random.get().to_string() on:change=number(search.random) /></label>
                <label><Tip term="Seeds" text="Runs per trial, each with its own example order and initial head. From two seeds, the winner's margin over the runner-up gets a 95% interval, so that noise is not crowned." />
                    <input type="number" min="1" max="10" data-testid="search-seeds" prop:value=move || search.seeds.get().to_string() on:change=number(search.seeds) /></label>
            </div>
            <p class="hint" data-testid="search-plan">{move || search.plan().unwrap_or_else(|e| e)}</p>
            <p class="hint">"Every other setting is the Train panel's. Trials are scored on the validation set (the Data panel's split), never on a test file: keep one aside to report the winner's score."</p>
            <div class="row">
                <button class="primary" data-testid="search-start" disabled=move || !ready() || live.running() || search.grid().is_err() on:click=start>"Search"</button>
                <button data-testid="search-cancel" disabled=move || !live.running() on:click=move |_| send(&ToWorker::Cancel)>"Cancel"</button>
                <span>"Status: " <b data-testid="search-status" role="status">{move || live.status.get().word()}</b></span>
            </div>
            {move || (!ready()).then(|| view! { <p class="hint">"Load a model (1) and labelled data (2) first."</p> })}
            <p class="status" data-testid="search-message">{move || live.message.get()}</p>
            <ul class="notes" data-testid="search-notes">{move || live.notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            {move || {
                let (done, all) = live.runs.get();
                (all > 0).then(|| view! {
                    <div class="progress">
                        <progress data-testid="search-progress" max=all.to_string() value=done.to_string() aria-label="search progress"></progress>
                        <span>{format!("{done} of {all} runs scored")}</span>
                        <span class="model-line">{move || live.now.get()}</span>
                    </div>
                })
            }}
            {move || search.ranked().map(|ranked| view! { <TrialTable ranked=ranked /> })}
        </Panel>
    }
}

/// The settings searched in this search's trials, in [`SEARCHED`]'s order.
fn searched_keys(ranked: &Search) -> Vec<(&'static str, &'static str)> {
    SEARCHED
        .iter()
        .filter(|(key, ..)| ranked.trials.iter().any(|t| t.value(key).is_some()))
        .map(|(key, label, ..)| (*key, *label))
        .collect()
}

/// A column's header: a click sorts the table by it, a second click the other way.
#[component]
fn SortHeader(by: SortBy, label: &'static str, testid: String) -> impl IntoView {
    let search = expect_context::<SearchArea>();
    let arrow = {
        let by = by.clone();
        move || match search.sort.get() {
            (b, true) if b == by => " ▲",
            (b, false) if b == by => " ▼",
            _ => "",
        }
    };
    let click = move |_| {
        search.sort.update(|(b, ascending)| {
            if *b == by {
                *ascending = !*ascending;
            } else {
                // Scores start best first; settings and spreads smallest first.
                *ascending = by != SortBy::Mean;
                *b = by.clone();
            }
        })
    };
    view! { <th><button class="sort" data-testid=testid on:click=click>{label}{arrow}</button></th> }
}

/// The trials, sortable by any column, the winner marked, its margin said; each row can be
/// trained with in the Train panel.
#[component]
fn TrialTable(ranked: Search) -> impl IntoView {
    let search = expect_context::<SearchArea>();
    let run = expect_context::<RunArea>();
    let keys = searched_keys(&ranked);
    let train_with = move |trial: &Trial| {
        let changes = trial.changes.clone();
        move |_| {
            let settings = trial_settings(&changes, &run.settings.get_untracked());
            run.settings.set(settings);
            send(&ToWorker::Train {
                settings: run.start(),
            });
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash("train");
            }
        }
    };
    let best = ranked.best.clone();
    let rows = {
        let ranked = ranked.clone();
        let keys = keys.clone();
        move || {
            let (by, ascending) = search.sort.get();
            ranked
                .sorted(&by, ascending)
                .into_iter()
                .map(|t| {
                    let rank = 1 + ranked.trials.iter().position(|r| r.name == t.name).unwrap_or(0);
                    let is_best = t.name == best;
                    let seeds: Vec<String> = t.scores.iter().map(|s| format!("{:.1}", 100.0 * s)).collect();
                    view! {
                        <tr data-testid="search-trial" data-name=t.name.clone() data-best=is_best.to_string() class:best=is_best>
                            <td>{rank}{if is_best { " ★" } else { "" }}</td>
                            {keys.iter().map(|(k, _)| view! { <td>{t.value(k).unwrap_or("").to_string()}</td> }).collect_view()}
                            <td data-testid="search-mean">{format!("{:.1}%", 100.0 * t.mean)}</td>
                            <td>{format!("± {:.1}", 100.0 * t.sd)}</td>
                            <td>{seeds.join(", ")}</td>
                            <td><button data-testid="search-train" disabled=move || run.running() on:click=train_with(t)>"Train with these"</button></td>
                        </tr>
                    }
                })
                .collect_view()
        }
    };
    let metric = ranked.metric.replace('_', " ");
    view! {
        <table class="worth search" data-testid="search-table">
            <caption>{format!("Trials, by mean validation {metric} over seeds (click a column to sort)")}</caption>
            <thead><tr>
                <th>"#"</th>
                {keys.iter().map(|(k, label)| view! { <SortHeader by=SortBy::Setting(k.to_string()) label=*label testid=format!("search-sort-{k}") /> }).collect_view()}
                <SortHeader by=SortBy::Mean label="Mean" testid="search-sort-mean".into() />
                <SortHeader by=SortBy::Spread label="Spread" testid="search-sort-spread".into() />
                <th>"Per seed"</th><th></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="finding" data-testid="search-finding">{ranked.sentence.clone()}</p>
    }
}
