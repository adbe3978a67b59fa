//! Data panel: a file (picked, dropped or pasted) or a sample, parsed by the worker, shown as a
//! preview with its label distribution and every problem by line; question answering's
//! questions with their answers marked in the passage, lengths in tokens against the maximum
//! length, and the windows long passages need.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::protocol::{
    ColumnChoice, DataSummary, GroupColumn, LineProblem, RowSpan, Task, ToWorker,
};
use crate::ui::components::{Bar, Panel, Tip, passage};
use crate::ui::download;
use crate::ui::state::{DataArea, RunArea};
use crate::ui::worker::send_with;

/// The last file given, kept to re-parse it with other columns.
#[derive(Clone, Copy)]
struct Source(StoredValue<Option<(String, Vec<u8>)>>);

fn parse(source: Source, area: DataArea, columns: ColumnChoice) {
    if let Some((name, bytes)) = source.0.get_value() {
        area.parsing();
        send_with(&ToWorker::ParseData { name, columns }, vec![bytes]);
    }
}

fn use_bytes(source: Source, area: DataArea, name: String, bytes: Vec<u8>) {
    source.0.set_value(Some((name, bytes)));
    parse(source, area, ColumnChoice::default());
}

fn use_file(source: Source, area: DataArea, file: web_sys::File) {
    spawn_local(async move {
        match download::read(&file).await {
            Ok(bytes) => use_bytes(source, area, file.name(), bytes),
            Err(e) => area.unreadable(file.name(), e),
        }
    });
}

fn use_sample(source: Source, area: DataArea, path: &'static str) {
    spawn_local(async move {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        match download::fetch(path).await {
            Ok(bytes) => use_bytes(source, area, name, bytes),
            Err(e) => area.unreadable(name, e),
        }
    });
}

/// The data panel.
#[component]
pub fn DataPanel() -> impl IntoView {
    let area = expect_context::<DataArea>();
    let source = Source(StoredValue::new(None));
    let pasted = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = download::files(ev.data_transfer().and_then(|d| d.files()))
            .into_iter()
            .next()
        {
            use_file(source, area, file);
        }
    };
    view! {
        <Panel id="data" number=2 title="Data" purpose="Labeled examples of your task: texts with a label (sentiment, topic, spam), words with entity tags (NER), or questions about passages with their answers (SQuAD).">
            <div class="dropzone" class:dragging=move || dragging.get()
                on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <p>"Drop a CSV, TSV, JSONL, CoNLL or SQuAD JSON file here, or "</p>
                <label class="file-button">
                    "choose a file…"
                    <input type="file" data-testid="data-file-input" accept=".csv,.tsv,.jsonl,.json,.conll,.txt,.iob,.bio"
                        on:change=move |ev| {
                            let input: HtmlInputElement = event_target(&ev);
                            if let Some(file) = download::files(input.files()).into_iter().next() {
                                use_file(source, area, file);
                            }
                            input.set_value("");
                        } />
                </label>
                <p>"or try a sample: "
                    <button data-testid="data-sample-sentiment" on:click=move |_| use_sample(source, area, "samples/rotten_tomatoes_small.csv")>
                        "Movie review sentiment"
                    </button>
                    " "
                    <button data-testid="data-sample-ner" on:click=move |_| use_sample(source, area, "samples/wnut16_train.conll")>
                        "Named entities (WNUT-16)"
                    </button>
                    " "
                    <button data-testid="data-sample-qa" on:click=move |_| use_sample(source, area, "samples/squad_sample.json")>
                        "Questions on Wikipedia (SQuAD v1.1)"
                    </button>
                </p>
            </div>
            <details>
                <summary>"Paste text instead"</summary>
                <textarea rows="5" class="wide" spellcheck="false" placeholder="text,label&#10;I loved it,positive&#10;Dull and long,negative"
                    prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                <button disabled=move || pasted.get().trim().is_empty()
                    on:click=move |_| use_bytes(source, area, "pasted.txt".into(), pasted.get_untracked().into_bytes())>"Use pasted text"</button>
            </details>
            <DataSummaryView source=source />
            <AuxFiles />
        </Panel>
    }
}

#[component]
fn DataSummaryView(source: Source) -> impl IntoView {
    let area = expect_context::<DataArea>();
    move || {
        let Some(d) = area.data.get() else {
            let message = area.message.get();
            if !message.is_empty() {
                return view! { <p class="error" role="alert">{message}</p> }.into_any();
            }
            return view! { <p class="empty">"No data yet. Each problem in a file is listed with its line number."</p> }.into_any();
        };
        if d.task == Some(Task::Qa) && d.error.is_none() {
            return view! { <QaSummary d=d /> }.into_any();
        }
        let ner = d.task == Some(Task::Ner);
        let total: usize = d.labels.iter().map(|(_, n)| n).sum::<usize>().max(1);
        let columns = d.columns.clone();
        let pick = move |text: bool| {
            move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                let mut choice = ColumnChoice::default();
                let chosen = (!value.is_empty()).then_some(value);
                if text {
                    choice.text = chosen
                } else {
                    choice.label = chosen
                }
                parse(source, area, choice);
            }
        };
        let options = move || {
            columns
                .iter()
                .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
                .collect_view()
        };
        view! {
            <div class="summary">
                <h3>{d.file.clone()}</h3>
                {d.error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {(!d.columns.is_empty()).then(|| view! {
                    <div class="row">
                        <label>"Text column " <select on:change=pick(true)><option value="">"(detect)"</option>{options()}</select></label>
                        <label>"Label column " <select on:change=pick(false)><option value="">"(detect)"</option>{options()}</select></label>
                    </div>
                })}
                {(d.error.is_none()).then(|| view! {
                    <p data-testid="data-counts">{format!("{} {unit} read: {} kept, {} skipped · task: {}", d.rows, d.examples, d.rows.saturating_sub(d.examples), d.task.map_or("", Task::describe), unit = if ner { "sentences" } else { "rows" })}</p>
                })}
                <MultiLineRows spans=d.multiline.clone() />
                <div class="labels">
                    {d.labels.iter().map(|(l, n)| view! { <Bar label=format!("{l} ({n})") value=*n as f32 / total as f32 /> }).collect_view()}
                </div>
                <ul class="notes">{d.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
                {group_columns(&d.groups)}
                <Problems problems=d.problems.clone() unit="rows" />
                <table class="preview">
                    <thead><tr><th>"Line"</th><th>"Text"</th><th>{if ner { "Tags" } else { "Label" }}</th></tr></thead>
                    <tbody>{d.preview.iter().map(|r| view! { <tr><td>{r.line}</td><td>{r.text.clone()}</td><td>{r.label.clone()}</td></tr> }).collect_view()}</tbody>
                </table>
                <SplitControls />
            </div>
        }.into_any()
    }
}

/// A question-answering file: counts, windows at the chosen length, problems, and the first
/// questions with their answers marked in the passage.
/// The columns that can group the examples (the Evaluate panel scores by them), each with its
/// groups and their counts.
fn group_columns(columns: &[GroupColumn]) -> impl IntoView + use<> {
    (!columns.is_empty()).then(|| {
        let items = columns
            .iter()
            .map(|c| {
                let shown: Vec<String> = c
                    .counts
                    .iter()
                    .take(8)
                    .map(|(g, n)| format!("{g} {n}"))
                    .collect();
                let more = c.counts.len().saturating_sub(8);
                let text = format!(
                    "{}{}: {}{}",
                    c.name,
                    c.buckets
                        .map_or(String::new(), |b| format!(" ({b} buckets)")),
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                );
                view! { <li data-testid="data-group-column">{text}</li> }
            })
            .collect_view();
        view! {
            <p class="hint">"Columns to score by group (Evaluate panel):"</p>
            <ul class="notes" data-testid="data-group-columns">{items}</ul>
        }
    })
}

#[component]
fn QaSummary(d: DataSummary) -> impl IntoView {
    let run = expect_context::<RunArea>();
    let lengths = d.qa.clone();
    let windows = move || {
        let s = run.settings.get();
        let l = lengths.as_ref()?;
        let (len, stride) = (s.max_len, s.stride());
        let each: Vec<Option<usize>> = l
            .lengths
            .iter()
            .map(|&x| l.windows(x, len, stride))
            .collect();
        let total: usize = each.iter().flatten().sum();
        let long = each.iter().filter(|w| w.is_some_and(|w| w > 1)).count();
        let none = each.iter().filter(|w| w.is_none()).count();
        let longest = l
            .lengths
            .iter()
            .map(|(q, p)| q + p + l.added)
            .max()
            .unwrap_or(0);
        Some(format!(
            "At max length {len} and doc stride {stride}: {total} windows; {long} question(s) need more than one; the longest question with its passage is {longest} tokens{}",
            if none > 0 {
                format!("; {none} question(s) leave no room for the passage and will be left out")
            } else {
                String::new()
            }
        ))
    };
    let row_tokens = d.qa.clone();
    view! {
        <div class="summary">
            <h3>{d.file.clone()}</h3>
            <p data-testid="data-counts">{format!("{} questions read: {} kept, {} skipped · task: {}", d.rows, d.examples, d.rows.saturating_sub(d.examples), Task::Qa.describe())}</p>
            {d.qa.as_ref().map(|l| view! { <p>{format!("{} passages · {} question(s) without an answer", l.passages, l.unanswerable)}</p> })}
            <MultiLineRows spans=d.multiline.clone() />
            <p data-testid="data-windows">{move || windows().unwrap_or_else(|| "Load a model to see the questions' lengths in its tokens.".into())}</p>
            <ul class="notes">{d.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
            <Problems problems=d.problems.clone() unit="questions" />
            <ol class="qa-preview" data-testid="qa-preview">{d.preview.iter().enumerate().map(|(i, r)| {
                let spans: Vec<(usize, usize, &'static str)> = r.spans.iter().map(|&(s, e)| (s, e, "gold")).collect();
                let tokens = row_tokens.as_ref().and_then(|l| l.lengths.get(i)).map(|(q, p)| format!(" · {q} + {p} tokens"));
                view! {
                    <li>
                        <p><b>{r.label.clone()}</b>{format!("  (line {}){}", r.line, tokens.unwrap_or_default())}</p>
                        {r.spans.is_empty().then(|| view! { <p class="hint">"No answer in the passage."</p> })}
                        <p class="passage">{passage(&r.text, &spans)}</p>
                    </li>
                }
            }).collect_view()}</ol>
            <SplitControls />
        </div>
    }
}

/// Every problem of a file with its line, or that there is none; `unit` names what training
/// keeps (rows, questions).
#[component]
fn Problems(problems: Vec<LineProblem>, unit: &'static str) -> impl IntoView {
    view! {
        <div data-testid="data-problems" class="problems">
            {if problems.is_empty() {
                view! { <p class="ok">"No problems found."</p> }.into_any()
            } else {
                view! {
                    <p class="warn">{format!("{} problem(s). Training uses only the valid {unit} when the box below is ticked.", problems.len())}</p>
                    <ul>{problems.iter().map(|p| view! { <li><b>{format!("line {}: ", p.line)}</b>{p.message.clone()}</li> }).collect_view()}</ul>
                }.into_any()
            }}
        </div>
    }
}

/// Rows that run over several lines: where each runs, and a warning where it looks like rows
/// swallowed by a quote that never closes.
#[component]
fn MultiLineRows(spans: Vec<RowSpan>) -> impl IntoView {
    (!spans.is_empty()).then(|| {
        let items = spans
            .into_iter()
            .map(|s| match s.warning {
                Some(w) => view! { <li class="warn"><b>{format!("lines {}-{}: ", s.first, s.last)}</b>{w}</li> }.into_any(),
                None => view! { <li>{format!("lines {}-{} are one row: a quoted field holds line breaks", s.first, s.last)}</li> }.into_any(),
            })
            .collect_view();
        view! { <ul data-testid="data-multiline" class="notes">{items}</ul> }
    })
}

#[component]
fn SplitControls() -> impl IntoView {
    let run = expect_context::<RunArea>();
    view! {
        <div class="row">
            <label>
                <input type="checkbox" prop:checked=move || run.settings.get().skip_invalid
                    on:change=move |ev| { let on = event_target_checked(&ev); run.settings.update(|s| s.skip_invalid = on); } />
                " Continue with the valid rows"
            </label>
            <label>
                <Tip term="Validation share" text="Examples held out of training to measure how well the model does on data it has not seen." />
                <input type="range" min="0.05" max="0.5" step="0.05" prop:value=move || run.settings.get().valid_fraction.to_string()
                    on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { run.settings.update(|s| s.valid_fraction = v) } } />
                {move || format!(" {:.0}%", run.settings.get().valid_fraction * 100.0)}
            </label>
        </div>
    }
}

/// Auxiliary tasks for multi-task training: labelled files (classification or entities) that
/// train the same encoder beside the main data, each with a head of its own.
#[component]
fn AuxFiles() -> impl IntoView {
    let area = expect_context::<DataArea>();
    let add = move |file: web_sys::File| {
        spawn_local(async move {
            match download::read(&file).await {
                Ok(bytes) => send_with(&ToWorker::AddAux { name: file.name() }, vec![bytes]),
                Err(e) => area.aux_message.set(format!("{}: {e}", file.name())),
            }
        });
    };
    view! {
        <details class="aux" data-testid="data-aux">
            <summary><Tip term="Auxiliary tasks (multi-task learning)" text="Other labelled files — another classification set or an entity set — trained beside your data with the same encoder and a head of their own, each step one task's batch. It can help a small task when the other one is related and larger, and it can hurt (negative transfer): the Worth panel's comparison, or `anneal compare --variants baseline,aux:FILE`, measures which. Only your main task's model is kept and exported." /></summary>
            <label class="file-button">
                "add a file…"
                <input type="file" data-testid="data-aux-input" accept=".csv,.tsv,.jsonl,.conll,.txt,.iob,.bio"
                    on:change=move |ev| {
                        let input: HtmlInputElement = event_target(&ev);
                        if let Some(file) = download::files(input.files()).into_iter().next() {
                            add(file);
                        }
                        input.set_value("");
                    } />
            </label>
            {move || (!area.aux.with(Vec::is_empty)).then(|| view! {
                <button data-testid="data-aux-clear" on:click=move |_| send_with(&ToWorker::ClearAux, Vec::new())>"Remove them"</button>
            })}
            <ul data-testid="data-aux-list">
                {move || area.aux.get().into_iter().map(|a| view! {
                    <li data-testid="data-aux-task">{format!(
                        "{}: {} {}, {} {}{}",
                        a.name,
                        a.examples,
                        if a.task == Task::Ner { "sentences" } else { "examples" },
                        a.labels,
                        if a.task == Task::Ner { "tags" } else { "labels" },
                        if a.problems > 0 { format!(" ({} rows with problems left out)", a.problems) } else { String::new() },
                    )}</li>
                }).collect_view()}
            </ul>
            {move || {
                let m = area.aux_message.get();
                (!m.is_empty()).then(|| view! { <p class="error" role="alert">{m}</p> })
            }}
        </details>
    }
}
