//! The Evaluate panel's "Groups" view: the kept classifier's validation predictions scored by
//! the groups of a column of the data file (`shared::groups`, as Fairlearn's `MetricFrame`):
//! a row per group with bootstrap intervals, bars, the gap in words, the gaps by metric, and
//! the confusion matrix within one group.

use leptos::prelude::*;

use crate::protocol::{GroupMetrics, GroupReport, GroupSettings, ToWorker, ValidExample};
use crate::ui::components::Tip;
use crate::ui::state::{DataArea, GroupsArea};
use crate::ui::worker::send;

/// The view, for a classifier's validation examples and its labels.
#[component]
pub fn GroupsView(examples: Vec<ValidExample>, labels: Vec<String>) -> impl IntoView {
    let data = expect_context::<DataArea>();
    let area = expect_context::<GroupsArea>();
    let columns = move || {
        data.data
            .with(|d| d.as_ref().map(|d| d.groups.clone()).unwrap_or_default())
    };
    let column = RwSignal::new(String::new());
    let binary = labels.len() == 2;
    let positive = RwSignal::new(labels.last().cloned().unwrap_or_default());
    let (min_group, bootstrap) = (RwSignal::new(30usize), RwSignal::new(1000usize));
    let sent = StoredValue::new(examples.clone());
    let start = move |_| {
        let chosen = match column.get_untracked() {
            c if c.is_empty() => columns()
                .first()
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            c => c,
        };
        let settings = GroupSettings {
            positive: binary.then(|| positive.get_untracked()),
            min_group: min_group.get_untracked(),
            bootstrap: bootstrap.get_untracked(),
            ..GroupSettings::default()
        };
        sent.with_value(|v| ask(area, chosen, settings, v));
    };
    let number = |signal: RwSignal<usize>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                signal.set(v)
            }
        }
    };
    let label_options = labels.clone();
    view! {
        <h3><Tip term="Groups" text="Who the model fails: the validation examples scored separately for each value of a column of your data file (gender, dialect, source…), as Fairlearn's MetricFrame does — accuracy, macro-F1, the share predicted as each label, and for two labels the true and false positive rates — with the gap between groups (largest minus smallest, and smallest over largest) and 95% bootstrap intervals resampled within each group. Groups under the minimum size are marked: too few examples to say anything." /></h3>
        {move || {
            let found = columns();
            if found.is_empty() {
                return view! { <p class="empty" data-testid="groups-none">"The data file has no column to group by: add one beside the text and the label (2 to 50 values: gender, dialect, source; numbers are bucketed)."</p> }.into_any();
            }
            view! {
                <div class="settings">
                    <label>"Column"
                        <select data-testid="groups-column" on:change=move |ev| column.set(event_target_value(&ev))>
                            {found.into_iter().map(|g| {
                                let text = format!("{} ({} groups{})", g.name, g.counts.len(), g.buckets.map_or(String::new(), |b| format!(", {b} buckets")));
                                view! { <option value=g.name.clone()>{text}</option> }
                            }).collect_view()}
                        </select></label>
                    {binary.then(|| view! {
                        <label>"Positive label"
                            <select data-testid="groups-positive" on:change=move |ev| positive.set(event_target_value(&ev))>
                                {label_options.iter().rev().map(|l| view! { <option value=l.clone()>{l.clone()}</option> }).collect_view()}
                            </select></label>
                    })}
                    <label>"Smallest group" <input type="number" min="1" data-testid="groups-min" prop:value=move || min_group.get().to_string() on:change=number(min_group) /></label>
                    <label>"Bootstrap resamples" <input type="number" min="0" data-testid="groups-bootstrap" prop:value=move || bootstrap.get().to_string() on:change=number(bootstrap) /></label>
                </div>
            }.into_any()
        }}
        <div class="row">
            <button data-testid="groups-start" disabled=move || area.busy.get() || columns().is_empty() on:click=start>"Score by group"</button>
            <span data-testid="groups-status">{move || area.status.get()}</span>
        </div>
        {move || area.report.get().map(|(r, note, members)| report_view(r, note, members, examples.clone()))}
    }
}

/// Sends the validation predictions to be scored by the groups of `column`.
fn ask(area: GroupsArea, column: String, settings: GroupSettings, examples: &[ValidExample]) {
    let examples = examples
        .iter()
        .map(|e| (e.line, e.gold.clone(), e.predicted.clone()))
        .collect();
    area.asked("scoring by group…");
    send(&ToWorker::Groups {
        column,
        settings,
        examples,
    });
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

fn rate(x: Option<f64>) -> String {
    x.map_or("–".into(), pct)
}

/// One group's row: its metrics, the accuracy interval, a bar.
fn group_row(
    name: String,
    m: GroupMetrics,
    ci: Option<[f64; 2]>,
    positive: Option<String>,
) -> impl IntoView {
    let selected = positive.and_then(|p| m.selection_rate.get(&p).copied());
    let (lo, hi) = ci.map_or((m.accuracy, m.accuracy), |[lo, hi]| (lo, hi));
    let interval = ci.map_or(String::new(), |_| format!(" [{}–{}]", pct(lo), pct(hi)));
    let bar = format!("width: {:.1}%", 100.0 * m.accuracy);
    let whisker = format!("left: {:.1}%; width: {:.1}%", 100.0 * lo, 100.0 * (hi - lo));
    let shown = format!("{name}{}", if m.small { " (small)" } else { "" });
    view! {
        <tr data-testid="groups-row" data-group=name class:small=m.small>
            <td>{shown}</td><td>{m.n}</td>
            <td>{format!("{}{interval}", pct(m.accuracy))}</td>
            <td class="bar-cell"><div class="group-bar" style=bar></div><div class="group-whisker" style=whisker></div></td>
            <td>{pct(m.macro_f1)}</td><td>{rate(selected)}</td>
            <td>{rate(m.tpr)}</td><td>{rate(m.fpr)}</td><td>{rate(m.fnr)}</td><td>{rate(m.precision)}</td>
        </tr>
    }
}

fn report_view(
    r: GroupReport,
    note: String,
    members: Vec<String>,
    examples: Vec<ValidExample>,
) -> impl IntoView {
    let sentence = r.accuracy_sentence();
    let positive = r.positive.clone();
    let rows: Vec<_> = r
        .groups
        .iter()
        .map(|(g, m)| {
            let ci = r.intervals.get(g).and_then(|i| i.get("accuracy")).copied();
            group_row(g.clone(), m.clone(), ci, positive.clone()).into_any()
        })
        .collect();
    let overall = group_row(
        "all examples".into(),
        r.overall.clone(),
        None,
        positive.clone(),
    );
    let chosen = RwSignal::new(r.groups.keys().next().cloned().unwrap_or_default());
    let names: Vec<String> = r.groups.keys().cloned().collect();
    view! {
        <p class="hint">{note}{format!("; {} resamples, seed {}", r.settings.bootstrap, r.settings.seed)}</p>
        <p class="finding" data-testid="groups-gap">{sentence}</p>
        <table class="scores groups" data-testid="groups-table">
            <thead><tr><th>{r.column.clone()}</th><th>"n"</th><th>"Accuracy % [95%]"</th><th></th><th>"Macro-F1"</th>
                <th>{positive.clone().map_or("Selected".to_string(), |p| format!("Predicted {p}"))}</th>
                <th>"TPR"</th><th>"FPR"</th><th>"FNR"</th><th>"Precision"</th></tr></thead>
            <tbody>{rows}{overall}</tbody>
        </table>
        <table class="scores" data-testid="groups-disparity">
            <thead><tr><th>"Metric"</th><th><Tip term="Difference" text="Largest group value minus smallest (Fairlearn's difference()), with its 95% bootstrap interval." /></th>
                <th><Tip term="Ratio" text="Smallest group value over largest (Fairlearn's ratio()); 1 is parity." /></th><th>"Lowest"</th><th>"Highest"</th></tr></thead>
            <tbody>{r.disparity.iter().map(|(name, d)| view! {
                <tr><td>{name.clone()}</td>
                    <td>{format!("{}{}", pct(d.difference), d.ci95.as_ref().map_or(String::new(), |c| format!(" [{}–{}]", pct(c.difference[0]), pct(c.difference[1]))))}</td>
                    <td>{d.ratio.map_or("–".into(), |x| format!("{x:.3}"))}</td><td>{d.lowest.clone()}</td><td>{d.highest.clone()}</td></tr>
            }).collect_view()}</tbody>
        </table>
        <h3>"Confusion within one group"</h3>
        <label>"Group "
            <select data-testid="groups-confusion-group" on:change=move |ev| chosen.set(event_target_value(&ev))>
                {names.into_iter().map(|g| view! { <option value=g.clone()>{g.clone()}</option> }).collect_view()}
            </select></label>
        {move || confusion(&examples, &members, &chosen.get())}
    }
}

/// The confusion matrix of the examples in `group`.
fn confusion(examples: &[ValidExample], members: &[String], group: &str) -> impl IntoView + use<> {
    let inside: Vec<&ValidExample> = examples
        .iter()
        .zip(members)
        .filter(|(_, g)| *g == group)
        .map(|(e, _)| e)
        .collect();
    let mut labels: Vec<String> = inside
        .iter()
        .flat_map(|e| [e.gold.clone(), e.predicted.clone()])
        .collect();
    labels.sort();
    labels.dedup();
    let count = |g: &str, p: &str| {
        inside
            .iter()
            .filter(|e| e.gold == g && e.predicted == p)
            .count()
    };
    view! {
        <table class="confusion" data-testid="groups-confusion">
            <thead><tr><th>"true \\ predicted"</th>{labels.iter().map(|l| view! { <th>{l.clone()}</th> }).collect_view()}</tr></thead>
            <tbody>{labels.iter().map(|g| view! {
                <tr><th>{g.clone()}</th>{labels.iter().map(|p| view! { <td class:diagonal=g == p>{count(g, p)}</td> }).collect_view()}</tr>
            }).collect_view()}</tbody>
        </table>
    }
}
