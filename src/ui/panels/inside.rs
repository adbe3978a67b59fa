//! Look inside panel: the attention of any model for a sentence the person types. A grid of
//! small maps (one per layer and head; a row of a map is where that token looks) and a head
//! view of one layer (lines from each token to the tokens it attends to, one colour per head;
//! hover a token to follow its lines, click a head to show it alone).

use leptos::prelude::*;

use crate::protocol::{AttentionOf, AttentionView, ToWorker};
use crate::ui::components::{Panel, Tip};
use crate::ui::state::{LearnArea, ModelArea};
use crate::ui::worker::send;

/// Colour of head `h` of `n`.
fn head_colour(h: usize, n: usize) -> String {
    format!("hsl({:.0}, 70%, 50%)", 360.0 * h as f64 / n.max(1) as f64)
}

/// The Look inside panel.
#[component]
pub fn InsidePanel() -> impl IntoView {
    let (learn, model) = (expect_context::<LearnArea>(), expect_context::<ModelArea>());
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
        AttentionOf::Pretrained => learn.result.with(Option::is_some),
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
            {move || learn.attention.get().map(|v| view! {
                <p class="hint">{format!("{}: {} tokens, {} layers x {} heads{}. Click a map to see that layer's heads as lines.",
                    v.model, v.tokens.len(), v.maps.len(), v.maps.first().map_or(0, Vec::len),
                    if v.causal { "; causal: no token sees a later one" } else { "" })}</p>
                <HeadView view=v.clone() layer=layer solo=solo />
                <AttentionGrid view=v layer=layer solo=solo />
            })}
        </Panel>
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
