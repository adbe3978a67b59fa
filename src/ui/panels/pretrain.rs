//! Learn panel: pre-train a language model in the tab. A corpus (bundled, a file, or pasted
//! text), the objective and the model's shape with its size before starting, probes the
//! person writes; then the live loss, held-out loss against the corpus's reference lines, and
//! the probes' answers as a timeline to scrub; at the end, one click to fine-tune the result.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::protocol::{
    Adaptation, Architecture, LmStart, ModelInfo, ModelOrigin, Objective, PretrainSettings,
    ToWorker, Vocabulary, pretrain_setting_message, training_memory_bytes,
};
use crate::ui::components::{Bar, LossChart, Panel, Tip};
use crate::ui::download;
use crate::ui::format::{human_bytes, human_seconds, thousands};
use crate::ui::state::{ModelArea, PretrainArea, default_probes};
use crate::ui::worker::{send, send_with};

fn use_sample(pretrain: PretrainArea, path: &'static str) {
    spawn_local(async move {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        match download::fetch(path).await {
            Ok(bytes) => pretrain.choose(name, bytes),
            Err(e) => pretrain.message.set(e),
        }
    });
}

/// The Learn panel.
#[component]
pub fn PretrainPanel() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    let problem = move || {
        if pretrain.corpus_label.with(Option::is_none) {
            Some("Choose a corpus to start.".to_string())
        } else {
            pretrain
                .settings
                .with(|s| s.validate(None).err().map(|e| pretrain_setting_message(&e)))
        }
    };
    let can_start = move || !pretrain.running() && problem().is_none();
    // Pausing or paused: the button resumes (a pause not yet taken is called off).
    let paused = move || pretrain.status.get().held();
    let start = move |_| {
        if let Some((name, bytes)) = pretrain.corpus.get_value() {
            let settings = pretrain.start();
            send_with(
                &ToWorker::Pretrain {
                    corpus_name: name,
                    settings,
                },
                vec![bytes],
            );
        }
    };
    view! {
        <Panel id="learn" number=7 title="Learn: pre-train a model yourself"
            purpose="Pre-training is how a model learns language before it sees a single label: it guesses hidden or next words in plain text, millions of times. Watch it happen.">
            <CorpusPicker />
            <PretrainFields />
            <div class="row">
                <button class="primary" data-testid="learn-start" disabled=move || !can_start() on:click=start>"Start pre-training"</button>
                <button data-testid="learn-pause" disabled=move || !pretrain.running()
                    on:click=move |_| send(if paused() { &ToWorker::Resume } else { &ToWorker::Pause })>
                    {move || if paused() { "Resume" } else { "Pause" }}
                </button>
                <button data-testid="learn-cancel" disabled=move || !pretrain.running() on:click=move |_| send(&ToWorker::Cancel)>"Cancel"</button>
                <span>"Status: " <b data-testid="learn-status" role="status">{move || pretrain.status.get().word()}</b></span>
            </div>
            {move || (!pretrain.running()).then(problem).flatten().map(|why| view! { <p class="hint">{why}</p> })}
            <p class="status" data-testid="learn-message">{move || pretrain.message.get()}</p>
            <PretrainProgress />
            <LossChart points=pretrain.losses />
            <HeldOutChart />
            <AccuracyChart />
            <ProbeTimeline />
            <PretrainResult />
        </Panel>
    }
}

#[component]
fn CorpusPicker() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    let pasted = RwSignal::new(String::new());
    view! {
        <div class="row corpus">
            <span>"Corpus: "</span>
            <button data-testid="learn-sample-shakespeare" on:click=move |_| use_sample(pretrain, "samples/shakespeare.txt")>"Shakespeare (1.1 MB)"</button>
            <button data-testid="learn-sample-moby" on:click=move |_| use_sample(pretrain, "samples/moby_dick.txt")>"Moby-Dick, chapters 1–10"</button>
            <label class="file-button">"your text file…"
                <input type="file" data-testid="learn-file" accept=".txt,.jsonl,.csv,.tsv,.md"
                    on:change=move |ev| {
                        let input: HtmlInputElement = event_target(&ev);
                        if let Some(file) = download::files(input.files()).into_iter().next() {
                            spawn_local(async move {
                                match download::read(&file).await {
                                    Ok(bytes) => pretrain.choose(file.name(), bytes),
                                    Err(e) => pretrain.message.set(e),
                                }
                            });
                        }
                    } />
            </label>
            <b data-testid="learn-corpus">{move || pretrain.corpus_label.get().map(|(n, size)| format!("{n} ({})", human_bytes(size as u64)))}</b>
        </div>
        <details>
            <summary>"…or paste text"</summary>
            <textarea rows="4" data-testid="learn-paste" prop:value=move || pasted.get()
                on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
            <button on:click=move |_| pretrain.choose("pasted.txt".into(), pasted.get_untracked().into_bytes())>"Use this text"</button>
        </details>
        {move || pretrain.corpus_view.get().map(|c| view! {
            <p class="corpus-stats" data-testid="learn-corpus-stats">
                {format!("{} characters → {} training and {} held-out tokens; {} distinct of a {}-token vocabulary. ",
                    thousands(c.chars as u64), thousands(c.train_tokens as u64), thousands(c.heldout_tokens as u64), c.distinct, c.vocab_size)}
                <br />"How it splits: " <span class="tokens">{c.sample_tokens.iter().map(|t| view! { <span class="token">{t.replace('\n', "⏎")}</span> }).collect_view()}</span>
                {(!c.problems.is_empty()).then(|| view! { <br /><span class="warn">{format!("{} line(s) held no text: {}", c.problems.len(), c.problems.iter().take(5).cloned().collect::<Vec<_>>().join("; "))}</span> })}
            </p>
        })}
    }
}

/// A number field of the pre-training settings.
#[component]
fn PretrainNumber(
    term: &'static str,
    text: &'static str,
    testid: &'static str,
    get: fn(&PretrainSettings) -> String,
    set: fn(&mut PretrainSettings, &str) -> bool,
) -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    view! {
        <label class="setting">
            <Tip term=term text=text />
            <input type="number" data-testid=testid prop:value=move || get(&pretrain.settings.get())
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let mut next = pretrain.settings.get_untracked();
                    if set(&mut next, value.trim()) { pretrain.settings.set(next) }
                } />
        </label>
    }
}

fn arch_mut(s: &mut PretrainSettings) -> Option<&mut Architecture> {
    match &mut s.start {
        LmStart::Scratch { architecture, .. } => Some(architecture),
        LmStart::Loaded => None,
    }
}

fn arch_get(s: &PretrainSettings, f: fn(&Architecture) -> usize) -> String {
    match &s.start {
        LmStart::Scratch { architecture, .. } => f(architecture).to_string(),
        LmStart::Loaded => String::new(),
    }
}

#[component]
fn PretrainFields() -> impl IntoView {
    let (pretrain, model) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
    );
    let objective = move || pretrain.settings.with(|s| s.objective);
    let scratch = move || {
        pretrain
            .settings
            .with(|s| matches!(s.start, LmStart::Scratch { .. }))
    };
    view! {
        <div class="settings">
            <label class="setting"><Tip term="Objective" text="Masked words (BERT): hide 15% of the tokens and guess them from both sides. Next token (GPT): guess each token from the ones before it." />
                <select data-testid="learn-objective" on:change=move |ev| {
                    let o = if event_target_value(&ev) == "clm" { Objective::Clm } else { Objective::Mlm };
                    pretrain.settings.set(PretrainSettings::defaults(o));
                    pretrain.probe_lines.set(default_probes(o));
                }>
                    <option value="mlm" selected=move || objective() == Objective::Mlm>"masked words (BERT)"</option>
                    <option value="clm" selected=move || objective() == Objective::Clm>"next token (GPT)"</option>
                </select>
            </label>
            <label class="setting"><Tip term="Start" text="From scratch: random weights, nothing known. The loaded model: continue pre-training it on your text (domain adaptation); a new prediction head is added if it has none." />
                <select data-testid="learn-start-from" on:change=move |ev| {
                    let loaded = event_target_value(&ev) == "loaded";
                    pretrain.settings.update(|s| s.start = if loaded { LmStart::Loaded } else { PretrainSettings::defaults(s.objective).start });
                }>
                    <option value="scratch" selected=scratch>"random weights (from scratch)"</option>
                    <option value="loaded" disabled=move || model.model.with(Option::is_none) selected=move || !scratch()>"the loaded model"</option>
                </select>
            </label>
            {move || scratch().then(|| view! { <ShapeFields /> })}
            <PretrainNumber term="Steps" text="Optimizer steps. Each step reads one batch of blocks of the corpus." testid="learn-steps"
                get={|s| s.steps.to_string()} set={|s, v| v.parse().map(|x| s.steps = x).is_ok()} />
            <PretrainNumber term="Batch" text="Blocks of text per step." testid="learn-batch"
                get={|s| s.batch_size.to_string()} set={|s, v| v.parse().map(|x| s.batch_size = x).is_ok()} />
            <PretrainNumber term="Block length" text="Tokens per block (the model reads this many at once)." testid="learn-seq-len"
                get={|s| s.seq_len.to_string()} set={|s, v| v.parse().map(|x| s.seq_len = x).is_ok()} />
            <PretrainNumber term="Learning rate" text="1e-3 suits a small model from scratch; 5e-5 to continue a pre-trained one." testid="learn-lr"
                get={|s| s.lr.to_string()} set={|s, v| v.parse().map(|x| s.lr = x).is_ok()} />
            <PretrainNumber term="Warm-up" text="Share of the steps over which the learning rate rises from 0 to its peak; it then falls linearly to 0." testid="learn-warmup"
                get={|s| s.warmup_ratio.to_string()} set={|s, v| v.parse().map(|x| s.warmup_ratio = x).is_ok()} />
            <PretrainNumber term="Weight decay" text="Pulls every weight a little towards 0 at each step (AdamW's decoupled decay); BERT used 0.01." testid="learn-weight-decay"
                get={|s| s.weight_decay.to_string()} set={|s, v| v.parse().map(|x| s.weight_decay = x).is_ok()} />
            <PretrainNumber term="Evaluate every" text="Steps between scores on the held-out text and runs of your probes." testid="learn-eval-every"
                get={|s| s.eval_every.to_string()} set={|s, v| v.parse().map(|x| s.eval_every = x).is_ok()} />
            {move || (objective() == Objective::Clm).then(|| view! {
                <PretrainNumber term="Sample length" text="Tokens the model writes after each probe at every evaluation." testid="learn-sample-length"
                    get={|s| s.sample_tokens.to_string()} set={|s, v| v.parse().map(|x| s.sample_tokens = x).is_ok()} />
                <PretrainNumber term="Temperature" text="Divides the scores before drawing: below 1 the model plays safe, above 1 it takes risks; 0 always writes the most likely token." testid="learn-temperature"
                    get={|s| s.sampling.temperature.to_string()} set={|s, v| v.parse().map(|x| s.sampling.temperature = x).is_ok()} />
                <PretrainNumber term="Top-k" text="Draw only among the k most likely tokens (0: all of them)." testid="learn-top-k"
                    get={|s| s.sampling.top_k.to_string()} set={|s, v| v.parse().map(|x| s.sampling.top_k = x).is_ok()} />
                <PretrainNumber term="Top-p" text="Draw only among the most likely tokens whose probabilities add up to p (1: all of them)." testid="learn-top-p"
                    get={|s| s.sampling.top_p.to_string()} set={|s, v| v.parse().map(|x| s.sampling.top_p = x).is_ok()} />
            })}
        </div>
        <SizeLine />
        <label class="probes"><Tip term="Probes" text="One per line. A masked model fills the [MASK]; a next-token model continues the text. After | write the word you expect, to follow its rank as the model learns." />
            <textarea rows="3" data-testid="learn-probes" prop:value=move || pretrain.probe_lines.get()
                on:change=move |ev| pretrain.probe_lines.set(event_target_value(&ev))></textarea>
        </label>
    }
}

#[component]
fn ShapeFields() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    view! {
        <label class="setting"><Tip term="Preset" text="tiny: 2 layers x 128; small: 4 x 256; char: 4 x 128 with a 64-character context. Edit the numbers next to it freely." />
            <select data-testid="learn-preset" on:change=move |ev| {
                if let Some(a) = Architecture::preset(&event_target_value(&ev)) {
                    pretrain.settings.update(|s| if let Some(arch) = arch_mut(s) { *arch = a; s.seq_len = s.seq_len.min(a.context) });
                }
            }>
                {Architecture::PRESETS.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
            </select>
        </label>
        <PretrainNumber term="Layers" text="Transformer blocks stacked." testid="learn-layers"
            get={|s| arch_get(s, |a| a.layers)} set={|s, v| v.parse().ok().zip(arch_mut(s)).map(|(x, a)| a.layers = x).is_some()} />
        <PretrainNumber term="Width" text="Numbers per token inside the model (hidden size)." testid="learn-hidden"
            get={|s| arch_get(s, |a| a.hidden)} set={|s, v| v.parse().ok().zip(arch_mut(s)).map(|(x, a)| a.hidden = x).is_some()} />
        <PretrainNumber term="Heads" text="Attention heads per layer; each can look at different tokens. Must divide the width." testid="learn-heads"
            get={|s| arch_get(s, |a| a.heads)} set={|s, v| v.parse().ok().zip(arch_mut(s)).map(|(x, a)| a.heads = x).is_some()} />
        <PretrainNumber term="Context" text="Longest input in tokens (positions the model knows)." testid="learn-context"
            get={|s| arch_get(s, |a| a.context)} set={|s, v| v.parse().ok().zip(arch_mut(s)).map(|(x, a)| a.context = x).is_some()} />
        <label class="setting"><Tip term="Vocabulary" text="A new WordPiece or BPE vocabulary is trained on your corpus first (a big borrowed vocabulary would be most of a tiny model's weights); characters need none; or take the loaded model's." />
            <select data-testid="learn-vocabulary" on:change=move |ev| {
                let v = match event_target_value(&ev).as_str() {
                    "char" => Vocabulary::Char,
                    "model" => Vocabulary::Model,
                    "bpe" => Vocabulary::Bpe { size: 4096 },
                    _ => Vocabulary::WordPiece { size: 4096 },
                };
                pretrain.settings.update(|s| if let LmStart::Scratch { vocabulary, .. } = &mut s.start { *vocabulary = v });
            }>
                {move || {
                    let current = pretrain.settings.with(|s| match s.start { LmStart::Scratch { vocabulary, .. } => vocabulary, LmStart::Loaded => Vocabulary::Model });
                    [("wordpiece", "WordPiece, 4,096 (trained here)", matches!(current, Vocabulary::WordPiece { .. })),
                     ("bpe", "byte-level BPE, 4,096 (trained here)", matches!(current, Vocabulary::Bpe { .. })),
                     ("char", "characters", current == Vocabulary::Char),
                     ("model", "the loaded model's", current == Vocabulary::Model)]
                        .into_iter().map(|(v, label, on)| view! { <option value=v selected=on>{label}</option> }).collect_view()
                }}
            </select>
        </label>
    }
}

/// Parameters and memory of the run, before it starts.
#[component]
fn SizeLine() -> impl IntoView {
    let (pretrain, model) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
    );
    move || {
        let s = pretrain.settings.get();
        let loaded = model.model.get();
        let (a, vocab) = match (&s.start, &loaded) {
            (
                LmStart::Scratch {
                    architecture,
                    vocabulary,
                },
                _,
            ) => (
                *architecture,
                match vocabulary {
                    Vocabulary::WordPiece { size } | Vocabulary::Bpe { size } => *size,
                    Vocabulary::Char => 100,
                    Vocabulary::Model => loaded.as_ref().map_or(30_522, |m| m.vocab),
                },
            ),
            (LmStart::Loaded, Some(m)) => (
                Architecture {
                    layers: m.layers,
                    hidden: m.hidden,
                    heads: m.heads,
                    context: m.max_positions,
                },
                m.vocab,
            ),
            (LmStart::Loaded, None) => return None,
        };
        let parameters = a.parameters(vocab) as u64;
        let info = ModelInfo {
            layers: a.layers,
            hidden: a.hidden,
            heads: a.heads,
            intermediate: 4 * a.hidden,
            parameters,
            ..Default::default()
        };
        let memory = training_memory_bytes(&info, s.batch_size, s.seq_len, &Adaptation::FULL);
        let table = (vocab * a.hidden) as f64 / parameters as f64;
        Some(view! {
            <p class="size" data-testid="learn-size">{format!(
                "About {} parameters ({:.0}% of them the {}-token embedding table) and {} of memory to train.",
                thousands(parameters), 100.0 * table, thousands(vocab as u64), human_bytes(memory))}</p>
        })
    }
}

#[component]
fn PretrainProgress() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    move || {
        pretrain.progress.get().map(|(step, total, tps, eta)| {
        let fraction = step as f64 / total.max(1) as f64;
        view! {
            <div class="progress">
                <progress data-testid="learn-progress" max="1" value=fraction.to_string() aria-label="pre-training progress"></progress>
                <span>{format!("step {step} of {total} · {:.0} tokens/s · ETA {}", tps, human_seconds(eta))}</span>
                <span class="model-line">{move || pretrain.model_line.get()}</span>
            </div>
        }
    })
    }
}

#[component]
fn PretrainResult() -> impl IntoView {
    let (pretrain, model) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
    );
    move || {
        pretrain.result.get().map(|r| {
        let key = r.saved_as.clone();
        view! {
            <div class="row">
                {key.map(|key| view! {
                    <button class="primary" data-testid="learn-use" on:click=move |_| {
                        model.loading("loading the pre-trained model…");
                        send(&ToWorker::LoadModel { origin: ModelOrigin::Saved { key: key.clone() }, keep_layers: None });
                        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("data")) { el.scroll_into_view() }
                    }>"Fine-tune this model"</button>
                })}
                <button data-testid="learn-probe-again" on:click=move |_| {
                    let probes = crate::protocol::ProbeSpec::parse_lines(&pretrain.probe_lines.get_untracked());
                    let sampling = pretrain.settings.with_untracked(|s| s.sampling);
                    send(&ToWorker::Probe { probes, sampling });
                }>"Run the probes again"</button>
            </div>
            {move || {
                let probed = pretrain.probed.get();
                (!probed.is_empty()).then(|| view! { <div class="probes-now">{probed.into_iter().map(|p| view! { <ProbeCard probe=p /> }).collect_view()}</div> })
            }}
        }
    })
    }
}

/// One probe's answer: the text, the top tokens as bars, the expected word's rank, a sample.
#[component]
pub fn ProbeCard(probe: crate::protocol::ProbeResult) -> impl IntoView {
    view! {
        <div class="probe" data-testid="learn-probe">
            <p class="probe-text">{probe.text.replace('\n', "⏎")}</p>
            {probe.error.map(|e| view! { <p class="warn">{e}</p> })}
            {probe.top.first().map(|t| view! { <span class="hidden-test" data-testid="learn-probe-top">{t.token.clone()}</span> })}
            {probe.top.into_iter().map(|t| view! { <Bar label=t.token.replace('\n', "⏎") value=t.score /> }).collect_view()}
            {probe.expected.map(|e| view! {
                <p class="expected" data-testid="learn-probe-expected">{format!("\"{}\": rank {} ({:.2}%)", e.token, thousands(e.rank as u64), 100.0 * e.score)}</p>
            })}
            {probe.generated.map(|g| view! { <pre class="generated">{g}</pre> })}
        </div>
    }
}

/// Held-out loss per evaluation against the corpus's reference lines.
#[component]
fn HeldOutChart() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    let (w, h, pad) = (600.0, 200.0, 34.0);
    move || {
        let points = pretrain.checkpoints.get();
        let corpus = pretrain.corpus_view.get()?;
        let total = pretrain.progress.get().map_or(1, |p| p.1).max(1) as f64;
        let refs = [
            ("uniform guess", corpus.uniform),
            ("unigram table", corpus.unigram),
            ("bigram table (in sample)", corpus.bigram),
        ];
        let hi = points
            .iter()
            .map(|p| p.loss)
            .chain(refs.iter().map(|r| r.1))
            .fold(f64::MIN, f64::max);
        let lo = points
            .iter()
            .map(|p| p.loss)
            .chain(refs.iter().map(|r| r.1))
            .fold(f64::MAX, f64::min)
            .min(hi - 1e-6);
        let y = move |v: f64| h - pad - (v - lo) / (hi - lo) * (h - 2.0 * pad);
        let x = move |s: usize| pad + s as f64 / total * (w - 2.0 * pad);
        let line = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.step), y(p.loss)))
            .collect::<Vec<_>>()
            .join(" ");
        let last = points.last().cloned();
        Some(view! {
            <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label="held-out loss per evaluation" data-testid="learn-heldout-chart">
                {refs.iter().map(|(name, v)| view! {
                    <line x1=pad x2=w - pad y1=y(*v) y2=y(*v) class="reference"></line>
                    <text x=w - pad y=y(*v) - 3.0 text-anchor="end" class="tick">{format!("{name}: {v:.2}")}</text>
                }).collect_view()}
                <polyline points=line class="loss-smooth"></polyline>
                {points.iter().map(|p| view! { <circle cx=x(p.step) cy=y(p.loss) r="3" class="heldout-point"></circle> }).collect_view()}
                <text x=2 y=pad class="tick">{format!("{hi:.2}")}</text>
                <text x=2 y=h - pad class="tick">{format!("{lo:.2}")}</text>
            </svg>
            {last.map(|p| view! { <p data-testid="learn-heldout">{format!(
                "Held-out after step {}: loss {:.3} nats/token (perplexity {:.1}), accuracy {:.1}%; always guessing \"{}\" scores {:.1}%.",
                p.step, p.loss, p.loss.exp(), 100.0 * p.accuracy, corpus.top_token.replace('\n', "⏎"), 100.0 * corpus.top_share)}</p> })}
        })
    }
}

/// Held-out accuracy per evaluation against always guessing the most frequent token.
#[component]
fn AccuracyChart() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    let (w, h, pad) = (600.0, 160.0, 28.0);
    move || {
        let points = pretrain.checkpoints.get();
        let corpus = pretrain.corpus_view.get()?;
        if points.is_empty() {
            return None;
        }
        let total = pretrain.progress.get().map_or(1, |p| p.1).max(1) as f64;
        let top = corpus.top_share;
        let finite = points.iter().map(|p| p.accuracy).filter(|a| a.is_finite());
        let hi = finite.fold(top, f64::max).clamp(0.01, 1.0) * 1.1;
        let y = move |v: f64| h - pad - v.clamp(0.0, hi) / hi * (h - 2.0 * pad);
        let x = move |s: usize| pad + s as f64 / total * (w - 2.0 * pad);
        let line = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.step), y(p.accuracy)))
            .collect::<Vec<_>>()
            .join(" ");
        let guess = format!(
            "always \"{}\": {:.1}%",
            corpus.top_token.replace('\n', "⏎"),
            100.0 * top
        );
        Some(view! {
            <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" data-testid="learn-accuracy-chart"
                aria-label="held-out accuracy per evaluation against always guessing the most frequent token">
                <line x1=pad x2=w - pad y1=y(top) y2=y(top) class="reference"></line>
                <text x=w - pad y=y(top) - 3.0 text-anchor="end" class="tick">{guess}</text>
                <polyline points=line class="loss-smooth"></polyline>
                {points.iter().map(|p| view! { <circle cx=x(p.step) cy=y(p.accuracy) r="3" class="heldout-point"></circle> }).collect_view()}
                <text x=2 y=pad class="tick">{format!("{:.0}%", 100.0 * hi)}</text>
                <text x=2 y=h - pad class="tick">"0%"</text>
                <text x=w / 2.0 y=h - 6.0 text-anchor="middle" class="tick">"held-out accuracy (masked or next token)"</text>
            </svg>
        })
    }
}

/// Every evaluation's probe answers, scrubbed from step 0 to now.
#[component]
fn ProbeTimeline() -> impl IntoView {
    let pretrain = expect_context::<PretrainArea>();
    move || {
        let checkpoints = pretrain.checkpoints.get();
        if checkpoints.is_empty() || checkpoints.iter().all(|c| c.probes.is_empty()) {
            return None;
        }
        let last = checkpoints.len() - 1;
        let at = pretrain.scrub.get().unwrap_or(last).min(last);
        let shown = checkpoints[at].clone();
        Some(view! {
            <div class="timeline">
                <label><Tip term="Timeline" text="What the probes answered at each evaluation: drag back to step 0 to see noise, then frequent words, then grammar." />
                    <input type="range" min="0" max=last.to_string() prop:value=at.to_string() data-testid="learn-scrub"
                        on:input=move |ev| {
                            let v: usize = event_target_value(&ev).parse().unwrap_or(last);
                            pretrain.scrub.set(if v >= last { None } else { Some(v) });
                        } />
                    <b data-testid="learn-scrub-step">{format!("step {}", shown.step)}</b>
                </label>
                <div class="probes-now">{shown.probes.into_iter().map(|p| view! { <ProbeCard probe=p /> }).collect_view()}</div>
            </div>
        })
    }
}
