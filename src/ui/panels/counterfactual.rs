//! The Evaluate panel's "Counterfactuals" view: the kept classifier tested with swapped
//! identity terms (`shared::counterfactual`, CheckList's invariance test) on its validation
//! texts and on templates: the flip rate, the histogram of probability moves, the worst pairs.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::{
    CounterfactualAnswer, CounterfactualReport, SwapChoice, TagSwapReport, ToWorker,
};
use crate::shared::counterfactual::Swaps;
use crate::ui::components::Tip;
use crate::ui::download;
use crate::ui::state::CounterfactualArea;
use crate::ui::worker::send;

/// Templates offered at first.
const TEMPLATES: &str = "{name} was at the restaurant.\n{name} wrote this review of the film.";

/// The served first-name lists, female and male (from `www/samples`, pinned by
/// `scripts/assets.py`).
async fn name_lists() -> Result<(String, String), String> {
    let read = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let female = download::fetch("samples/first_names_female.txt").await?;
    let male = download::fetch("samples/first_names_male.txt").await?;
    Ok((read(female), read(male)))
}

/// The name lists as the test sends them.
async fn names_list() -> Result<SwapChoice, String> {
    let (female, male) = name_lists().await?;
    Ok(SwapChoice::Names { female, male })
}

/// The first-name swaps (the Train panel's preview of counterfactual augmentation of names).
pub(super) async fn name_swaps() -> Result<Swaps, String> {
    let (female, male) = name_lists().await?;
    Ok(Swaps::names(&female, &male))
}

/// Sends the test, the name lists fetched first when they are the swap.
async fn ask(
    area: CounterfactualArea,
    (kind, own): (String, Option<SwapChoice>),
    texts: Vec<String>,
    templates: Vec<String>,
    per_template: usize,
) {
    let swap = match kind.as_str() {
        "names" => names_list().await,
        "own" => own.ok_or_else(|| "choose a file of pairs first".to_string()),
        _ => Ok(SwapChoice::Gender),
    };
    match swap {
        Ok(swap) => send(&ToWorker::Counterfactual {
            swap,
            texts,
            templates,
            per_template,
        }),
        Err(e) => area.failed(e),
    }
}

/// The view, for a classifier's validation texts or a tagger's validation sentences (words
/// joined by spaces).
#[component]
pub fn CounterfactualView(texts: Vec<String>) -> impl IntoView {
    let area = expect_context::<CounterfactualArea>();
    let kind = RwSignal::new("gender".to_string());
    let own = StoredValue::new(None::<SwapChoice>);
    let use_valid = RwSignal::new(true);
    let templates = RwSignal::new(TEMPLATES.to_string());
    let per_template = RwSignal::new(20usize);
    let texts = StoredValue::new(texts);
    let start = move |_| {
        let chosen_kind = kind.get_untracked();
        let texts = match use_valid.get_untracked() {
            true => texts.get_value(),
            false => Vec::new(),
        };
        let templates: Vec<String> = templates
            .get_untracked()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let per_template = per_template.get_untracked();
        area.asked("testing…");
        let own = own.get_value();
        spawn_local(ask(
            area,
            (chosen_kind, own),
            texts,
            templates,
            per_template,
        ));
    };
    let pick_own = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = download::files(input.files()).into_iter().next() else {
            return;
        };
        spawn_local(async move {
            match download::read(&file).await {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    own.set_value(Some(SwapChoice::Custom {
                        file: file.name(),
                        text,
                    }));
                    kind.set("own".into());
                }
                Err(e) => area.failed(e),
            }
        });
    };
    view! {
        <h3><Tip term="Counterfactuals" text="Swap identity terms in a text — gendered words (he/she, his/her, man/woman…), first names (female/male lists), or your own pairs — and see whether the prediction moves. A model that is fair in this sense predicts the same for both. 'her' is read as 'his' before a noun and 'him' otherwise; a swap that would not read back the same is left out and counted." /></h3>
        <div class="settings">
            <label>"Swap"
                <select data-testid="cf-swap" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="gender">"Gendered words and pronouns"</option>
                    <option value="names">"First names (female ↔ male)"</option>
                    <option value="own">"My own pairs (file)"</option>
                </select></label>
            <label>"Pairs file " <input type="file" accept=".csv,.tsv,.txt" data-testid="cf-file" on:change=pick_own /></label>
            <label><input type="checkbox" data-testid="cf-valid" prop:checked=move || use_valid.get() on:change=move |ev| use_valid.set(event_target_checked(&ev)) />" the validation texts"</label>
            <label>"Names per template" <input type="number" min="0" data-testid="cf-per-template" prop:value=move || per_template.get().to_string()
                on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { per_template.set(v) } /></label>
        </div>
        <label class="block">"Templates with a {name} slot, one a line (filled from the swap list)"
            <textarea rows="3" data-testid="cf-templates" prop:value=move || templates.get() on:input=move |ev| templates.set(event_target_value(&ev))></textarea></label>
        <div class="row">
            <button data-testid="cf-start" disabled=move || area.busy.get() on:click=start>"Swap and predict"</button>
            <span data-testid="cf-status">{move || area.status.get()}</span>
        </div>
        {move || area.report.get().map(|answer| match answer {
            CounterfactualAnswer::Labels(r) => report_view(r).into_any(),
            CounterfactualAnswer::Types(r) => tag_report_view(r).into_any(),
        })}
    }
}

/// Counts of |shift| in tenths (0–0.1, …, 0.9–1).
fn histogram(r: &CounterfactualReport) -> [usize; 10] {
    let mut bins = [0; 10];
    for p in &r.pairs {
        bins[((p.shift.abs() * 10.0) as usize).min(9)] += 1;
    }
    bins
}

fn report_view(r: CounterfactualReport) -> impl IntoView {
    let bins = histogram(&r);
    let most = bins.iter().copied().max().unwrap_or(1).max(1);
    view! {
        <p class="finding" data-testid="cf-summary">{r.sentence()}</p>
        {(r.ambiguous > 0).then(|| view! { <p class="hint">{format!("{} listed word(s) left alone: their swap would not read back the same (her → him or his?).", r.ambiguous)}</p> })}
        <div class="metrics">
            <div class="metric"><Tip term="Flip rate" text="Share of the changed texts whose predicted label changed with the swap." /><span class="number" data-testid="cf-flip-rate">{format!("{:.1}%", 100.0 * r.flip_rate)}</span></div>
            <div class="metric"><span>"Mean |shift|"</span><span class="number">{format!("{:.3}", r.mean_abs_shift)}</span></div>
            <div class="metric"><span>"Largest |shift|"</span><span class="number">{format!("{:.3}", r.max_abs_shift)}</span></div>
            <div class="metric"><span>"Changed texts"</span><span class="number">{format!("{} of {}", r.changed, r.examples)}</span></div>
        </div>
        <p class="hint">"How far the predicted label's probability moved (|after − before|), texts per tenth:"</p>
        <div class="histogram" data-testid="cf-histogram">
            {bins.iter().enumerate().map(|(i, &n)| view! {
                <div class="hbar" title=format!("{:.1}–{:.1}: {n}", i as f64 / 10.0, (i + 1) as f64 / 10.0)>
                    <div class="fill" style=format!("height: {:.0}%", 100.0 * n as f64 / most as f64)></div>
                    <span>{n}</span>
                </div>
            }).collect_view()}
        </div>
        <h3>"The largest moves"</h3>
        <ul class="examples" data-testid="cf-pairs">
            {r.pairs.iter().take(20).map(|p| view! {
                <li data-testid="cf-pair">
                    <span>{p.original.clone()}</span>" → "<b>{p.swapped.clone()}</b>
                    <span class="muted">{format!("  {} → {} ({:+.3})", p.label_before, p.label_after, p.shift)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// An entity tagger's answer: how many swapped words kept their entity type, by type, and the
/// sentences where one did not.
fn tag_report_view(r: TagSwapReport) -> impl IntoView {
    let flipped: Vec<_> = r
        .pairs
        .iter()
        .filter(|p| p.flips > 0)
        .take(20)
        .cloned()
        .collect();
    view! {
        <p class="finding" data-testid="cf-summary">{r.sentence()}</p>
        <div class="metrics">
            <div class="metric"><Tip term="Flip rate" text="Share of the swapped words whose predicted entity type changed with the swap: a name swapped for a name should stay a person." /><span class="number" data-testid="cf-flip-rate">{format!("{:.1}%", 100.0 * r.flip_rate)}</span></div>
            <div class="metric"><span>"Swapped words"</span><span class="number">{r.swapped_words}</span></div>
            <div class="metric"><span>"Changed sentences"</span><span class="number">{format!("{} of {}", r.changed, r.examples)}</span></div>
        </div>
        <table class="scores" data-testid="cf-types">
            <thead><tr><th>"Type before the swap"</th><th>"Swapped words"</th><th>"Changed type"</th></tr></thead>
            <tbody>{r.by_type.iter().map(|(kind, t)| view! {
                <tr><td>{kind.clone()}</td><td>{t.words}</td><td>{t.flips}</td></tr>
            }).collect_view()}</tbody>
        </table>
        <h3>"Sentences where a swapped word changed type"</h3>
        <ul class="examples" data-testid="cf-pairs">
            {flipped.into_iter().map(|p| {
                let retyped = p.retyped().join("; ");
                view! {
                    <li data-testid="cf-pair">
                        <span>{p.original}</span>" → "<b>{p.swapped}</b>
                        <span class="muted">{format!("  {retyped}")}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
