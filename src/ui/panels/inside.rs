//! Look inside panel: the attention of any model for a sentence the person types. A grid of
//! small maps (one per layer and head; a row of a map is where that token looks) and a head
//! view of one layer (lines from each token to the tokens it attends to, one colour per head;
//! hover a token to follow its lines, click a head to show it alone). Below: the embedding map
//! of the data's examples before and after fine-tuning, and a word's nearest tokens.

use leptos::prelude::*;

use crate::protocol::{
    AttentionOf, AttentionView, EmbeddingMap, MapStage, Projection, TableOf, ToWorker,
};
use crate::ui::components::{Panel, Tip};
use crate::ui::state::{DataArea, ModelArea, PretrainArea};
use crate::ui::worker::send;

/// Colour of head `h` of `n`.
fn head_colour(h: usize, n: usize) -> String {
    format!("hsl({:.0}, 70%, 50%)", 360.0 * h as f64 / n.max(1) as f64)
}

/// The Look inside panel.
#[component]
pub fn InsidePanel() -> impl IntoView {
    let (pretrain, model) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
    );
    let text = RwSignal::new("The cat sat on the mat because it was tired.".to_string());
    let of = RwSignal::new(AttentionOf::Loaded);
    let layer = RwSignal::new(0usize);
    let solo = RwSignal::new(None::<usize>);
    let show = move |_| {
        layer.set(0);
        solo.set(None);
        send(&ToWorker::Attention {
            of: of.get_untracked(),
            text: text.get_untracked(),
        });
    };
    let has_model = move || match of.get() {
        AttentionOf::Loaded => model.model.with(Option::is_some),
        AttentionOf::Pretrained => pretrain.result.with(Option::is_some),
    };
    view! {
        <Panel id="inside" number=8 title="Look inside"
            purpose="Attention is how each token gathers information from the others. See it for any model: the pre-trained MiniLM, one you fine-tuned, or one you pre-trained above.">
            <div class="row">
                <select data-testid="inside-of" on:change=move |ev| of.set(if event_target_value(&ev) == "pretrained" { AttentionOf::Pretrained } else { AttentionOf::Loaded })>
                    <option value="loaded">"the loaded (or fine-tuned) model"</option>
                    <option value="pretrained">"the model pre-trained above"</option>
                </select>
                <input type="text" class="wide" data-testid="inside-text" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev)) />
                <button class="primary" data-testid="inside-show" disabled=move || !has_model() on:click=show>"Show attention"</button>
            </div>
            {move || pretrain.attention.get().map(|v| view! {
                <p class="hint">{format!("{}: {} tokens, {} layers x {} heads{}. Click a map to see that layer's heads as lines.",
                    v.model, v.tokens.len(), v.maps.len(), v.maps.first().map_or(0, Vec::len),
                    if v.causal { "; causal: no token sees a later one" } else { "" })}</p>
                <HeadView view=v.clone() layer=layer solo=solo />
                <AttentionGrid view=v layer=layer solo=solo />
            })}
            <EmbeddingMaps />
            <WordNeighbours />
            <p class="status" data-testid="inside-message">{move || pretrain.inside_message.get()}</p>
        </Panel>
    }
}

/// Colour of label `i` of `n`.
fn label_colour(i: usize, n: usize) -> String {
    format!(
        "hsl({:.0}, 65%, 45%)",
        25.0 + 360.0 * i as f64 / n.max(1) as f64
    )
}

/// Sentence embeddings of the data's examples by the loaded model and by the fine-tuned one,
/// side by side, coloured by label; hover a point for its text.
#[component]
fn EmbeddingMaps() -> impl IntoView {
    let (pretrain, model, data) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
        expect_context::<DataArea>(),
    );
    let projection = RwSignal::new(Projection::Pca);
    let limit = RwSignal::new(300usize);
    let ready = move || model.model.with(Option::is_some) && data.data.with(Option::is_some);
    let draw = move |_| {
        pretrain
            .inside_message
            .set("embedding the examples…".into());
        send(&ToWorker::EmbeddingMap {
            projection: projection.get_untracked(),
            limit: limit.get_untracked(),
        });
    };
    view! {
        <h3>"Embedding map"</h3>
        <p class="hint">"Each dot is one of your labelled examples, placed by the model's sentence embedding (mean of its token vectors) squeezed to two dimensions. Before fine-tuning, labels mix; after, they separate."</p>
        <div class="row">
            <select data-testid="map-projection" on:change=move |ev| projection.set(if event_target_value(&ev) == "tsne" { Projection::Tsne } else { Projection::Pca })>
                <option value="pca">"PCA (linear; share of variance shown)"</option>
                <option value="tsne">"t-SNE (keeps neighbours; distances between clusters mean little)"</option>
            </select>
            <label>"examples " <input type="number" min="10" max="2000" data-testid="map-limit" prop:value=move || limit.get().to_string()
                on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { limit.set(v) } /></label>
            <button class="primary" data-testid="map-draw" disabled=move || !ready() on:click=draw>"Draw the map"</button>
        </div>
        <div class="maps">
            {move || pretrain.maps.get().into_iter().map(|m| view! { <MapView map=m /> }).collect_view()}
        </div>
    }
}

/// One embedding map.
#[component]
fn MapView(map: EmbeddingMap) -> impl IntoView {
    let (w, h, pad) = (320.0, 320.0, 12.0);
    let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for p in &map.points {
        (x0, x1, y0, y1) = (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y));
    }
    let (sx, sy) = ((x1 - x0).max(1e-9) as f64, (y1 - y0).max(1e-9) as f64);
    let n = map.labels.len();
    let title = match map.stage {
        MapStage::Loaded => format!("{} (before fine-tuning)", map.model),
        MapStage::FineTuned => format!("{} (fine-tuned)", map.model),
    };
    let axes = map.explained.map_or_else(
        || "t-SNE axes have no units".to_string(),
        |e| {
            format!(
                "the axes hold {:.0}% and {:.0}% of the variance",
                100.0 * e[0],
                100.0 * e[1]
            )
        },
    );
    view! {
        <figure class="map" data-testid="embedding-map">
            <figcaption><b>{title}</b><br/>{format!("{} examples; {axes}; nearest neighbour has the same label for {:.0}%",
                map.points.len(), 100.0 * map.neighbour_agreement)}</figcaption>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label="embedding map">
                {map.points.iter().map(|p| {
                    let cx = pad + (p.x - x0) as f64 / sx * (w - 2.0 * pad);
                    let cy = h - pad - (p.y - y0) as f64 / sy * (h - 2.0 * pad);
                    let tip = format!("{} (line {}): {}", map.labels.get(p.label).cloned().unwrap_or_default(), p.line, p.text);
                    view! { <circle cx=cx cy=cy r="3.5" fill=label_colour(p.label, n) fill-opacity="0.75" data-testid="map-point"><title>{tip}</title></circle> }
                }).collect_view()}
            </svg>
            <p class="legend">{map.labels.iter().enumerate().map(|(i, l)| view! {
                <span class="legend-item"><span class="swatch" style=format!("background: {}", label_colour(i, n))></span>{l.clone()}</span>
            }).collect_view()}</p>
        </figure>
    }
}

/// A word's nearest tokens in each embedding table: the model pre-trained here at step 0 and
/// after, and the loaded model.
#[component]
fn WordNeighbours() -> impl IntoView {
    let (pretrain, model) = (
        expect_context::<PretrainArea>(),
        expect_context::<ModelArea>(),
    );
    let word = RwSignal::new("king".to_string());
    let ready = move || model.model.with(Option::is_some) || pretrain.result.with(Option::is_some);
    let ask = move || {
        pretrain.inside_message.set("looking up neighbours…".into());
        send(&ToWorker::Neighbours {
            word: word.get_untracked(),
            k: 10,
        });
    };
    view! {
        <h3>"Word neighbours"</h3>
        <p class="hint">"The tokens whose input vectors point the same way as a word's (cosine similarity). At random initialisation they are noise; pre-training pulls related words together."</p>
        <div class="row">
            <input type="text" data-testid="neighbours-word" prop:value=move || word.get()
                on:input=move |ev| word.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { ask() } />
            <button class="primary" data-testid="neighbours-show" disabled=move || !ready() on:click=move |_| ask()>"Find neighbours"</button>
        </div>
        {move || pretrain.neighbours.get().map(|(w, lists)| view! {
            <div class="neighbours" data-testid="neighbours">
                {lists.into_iter().map(|l| {
                    let when = match l.of {
                        TableOf::PretrainedAtStart => "pre-trained here, at step 0",
                        TableOf::Pretrained => "pre-trained here, as kept",
                        TableOf::Loaded => "the loaded model",
                    };
                    let looked = match (&l.token, l.whole_word) {
                        (None, _) => format!("no token for \"{w}\""),
                        (Some(t), true) => format!("\"{t}\""),
                        (Some(t), false) => format!("\"{t}\" (the first piece of \"{w}\")"),
                    };
                    view! {
                        <div class="neighbour-list" data-testid="neighbour-list">
                            <p><b>{when}</b>{format!(" · {} · {looked}", l.model)}</p>
                            <ol>{l.nearest.into_iter().map(|t| view! { <li>{format!("{} ({:.2})", t.token, t.score)}</li> }).collect_view()}</ol>
                        </div>
                    }
                }).collect_view()}
            </div>
        })}
    }
}

/// Layers x heads of small maps; a cell's darkness is the attention weight.
#[component]
fn AttentionGrid(
    view: AttentionView,
    layer: RwSignal<usize>,
    solo: RwSignal<Option<usize>>,
) -> impl IntoView {
    let n = view.tokens.len();
    let heads = view.maps.first().map_or(0, Vec::len);
    view! {
        <div class="attention-grid" data-testid="attention-grid" style=format!("grid-template-columns: 4rem repeat({heads}, minmax(0, 1fr))")>
            <span></span>
            {(0..heads).map(|h| view! { <span class="grid-head" style=format!("color: {}", head_colour(h, heads))>{format!("head {}", h + 1)}</span> }).collect_view()}
            {view.maps.into_iter().enumerate().map(|(l, layer_maps)| view! {
                <span class="grid-layer">{format!("layer {}", l + 1)}</span>
                {layer_maps.into_iter().enumerate().map(|(h, map)| view! {
                    <svg class="attention-map" viewBox=format!("0 0 {n} {n}") role="img" data-testid="attention-map"
                        aria-label=format!("layer {} head {}", l + 1, h + 1)
                        class:selected=move || layer.get() == l && solo.get() == Some(h)
                        on:click=move |_| { layer.set(l); solo.set(Some(h)); }>
                        {map.into_iter().enumerate().flat_map(|(q, row)| row.into_iter().enumerate().filter(|(_, w)| *w > 0.02).map(move |(k, w)| view! {
                            <rect x=k y=q width="1" height="1" fill="currentColor" fill-opacity=format!("{w:.2}")></rect>
                        })).collect_view()}
                    </svg>
                }).collect_view()}
            }).collect_view()}
        </div>
    }
}

/// One layer's heads as lines from each token (left) to the tokens it attends to (right).
#[component]
fn HeadView(
    view: AttentionView,
    layer: RwSignal<usize>,
    solo: RwSignal<Option<usize>>,
) -> impl IntoView {
    let hover = RwSignal::new(None::<usize>);
    let tokens = view.tokens.clone();
    let n = tokens.len();
    let heads = view.maps.first().map_or(0, Vec::len);
    let (row_h, w) = (18.0, 360.0);
    let height = row_h * n as f64 + 10.0;
    let maps = StoredValue::new(view.maps);
    let label = move |i: usize, x: f64, anchor: &'static str| {
        let t = tokens[i].clone();
        view! {
            <text x=x y=row_h * (i as f64 + 1.0) text-anchor=anchor class="head-token"
                class:focused=move || hover.get() == Some(i)
                on:mouseenter=move |_| hover.set(Some(i)) on:mouseleave=move |_| hover.set(None)>{t}</text>
        }
    };
    view! {
        <div class="head-view" data-testid="attention-head-view">
            <p>
                <Tip term="Head view" text="Each line joins a token (left) to a token it attends to (right); the stronger the attention, the darker the line. Hover a token to see only its lines." />
                {move || format!(" layer {} · ", layer.get() + 1)}
                {(0..heads).map(|h| view! {
                    <button class="head-chip" style=format!("border-color: {}", head_colour(h, heads))
                        class:active=move || solo.get().is_none_or(|s| s == h)
                        on:click=move |_| solo.update(|s| *s = if *s == Some(h) { None } else { Some(h) })>{format!("{}", h + 1)}</button>
                }).collect_view()}
            </p>
            <svg viewBox=format!("0 0 {w} {height}") class="head-lines" role="img" aria-label="attention lines">
                {(0..n).map(|i| label(i, 110.0, "end")).collect_view()}
                {(0..n).map(|i| label(i, w - 110.0, "start")).collect_view()}
                {move || {
                    let (l, only, focus) = (layer.get(), solo.get(), hover.get());
                    maps.with_value(|maps| {
                        let Some(layer_maps) = maps.get(l) else { return Vec::new() };
                        let mut lines = Vec::new();
                        for (h, map) in layer_maps.iter().enumerate() {
                            if only.is_some_and(|s| s != h) { continue }
                            for (q, row) in map.iter().enumerate() {
                                if focus.is_some_and(|f| f != q) { continue }
                                for (k, &wgt) in row.iter().enumerate() {
                                    if wgt < 0.05 { continue }
                                    lines.push(view! {
                                        <line x1=115.0 y1=row_h * (q as f64 + 1.0) - 4.0 x2=w - 115.0 y2=row_h * (k as f64 + 1.0) - 4.0
                                            stroke=head_colour(h, heads) stroke-opacity=format!("{:.2}", wgt) stroke-width="2"></line>
                                    });
                                }
                            }
                        }
                        lines
                    })
                }}
            </svg>
        </div>
    }
}
