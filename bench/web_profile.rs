//! Profiles in the browser, not tests: where one text's time goes, piece by piece, in MiniLM's
//! first layer on WebGPU and on the browser's CPU path (BENCHMARKS.md, "Where one text's time
//! goes on WebGPU" and "... on the browser's CPU"). They log tables and check only that the
//! pieces chain to the layer's output. Run them as the browser tests run (scripts/test has the
//! environment; the model comes from `scripts/assets.py`):
//!
//! ```text
//! CHROMEDRIVER=$(command -v chromedriver) WASM_BINDGEN_TEST_TIMEOUT=1800 \
//!   cargo test --target wasm32-unknown-unknown --profile web --no-default-features \
//!   --features worker --test web_profile -- --nocapture
//! ```

#![cfg(all(target_arch = "wasm32", feature = "worker"))]

#[path = "../tests/web/common.rs"]
mod common;

use anneal::model::BertConfig;
use anneal::runtime::readback::read_f32;
use burn::prelude::*;
use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// One timed piece of [`one_text_piece_by_piece`]: its median over the timed runs
/// and the calls of its last run.
struct Piece {
    name: &'static str,
    median_s: f64,
    calls: GpuCalls,
    /// Multiply-adds times two, for the matrix products; 0 otherwise.
    flops: f64,
}

/// Runs `f` once to compile its kernels, then `runs` times, each to a readback of its output
/// (a sync point, as in the speed test), and returns the output with the timing.
async fn time_piece<const D: usize>(
    name: &'static str,
    flops: f64,
    runs: usize,
    f: impl Fn() -> Tensor<D>,
) -> (Tensor<D>, Piece) {
    let mut times = Vec::new();
    let mut last = None;
    for run in 0..=runs {
        let before = GpuCalls::now();
        let start = web_time::Instant::now();
        let out = f();
        read_f32(out.clone()).await.expect("readback");
        let elapsed = start.elapsed().as_secs_f64();
        if run > 0 {
            times.push(elapsed);
            last = Some((out, GpuCalls::now().since(before)));
        }
    }
    times.sort_by(f64::total_cmp);
    let (out, calls) = last.expect("at least one timed run");
    let piece = Piece {
        name,
        median_s: anneal::shared::speed::median(&times),
        calls,
        flops,
    };
    (out, piece)
}

/// Where one text's time goes on WebGPU (BENCHMARKS.md, "Where one text's time goes on
/// WebGPU"): [`one_text_piece_by_piece`] on the worker's GPU, median of 3 (SwiftShader runs a
/// layer in about a second).
#[wasm_bindgen_test]
async fn one_text_on_webgpu_piece_by_piece() {
    one_text_piece_by_piece(gpu().await, "WebGPU", 3).await;
}

/// Where one text's time goes on the browser's CPU path, burn Flex in this worker with its
/// SIMD128 kernels (BENCHMARKS.md, "Where one text's time goes on the browser's CPU"): the
/// same pieces, median of 15.
#[wasm_bindgen_test]
async fn one_text_on_the_cpu_piece_by_piece() {
    one_text_piece_by_piece(Device::flex(), "the CPU (Flex, SIMD128, one thread)", 15).await;
}

/// The first layer of the real all-MiniLM-L6-v2 at 1 x 128 (the peer benchmark's inference
/// case) on `device`, cut into the pieces of `BertLayer::forward`, each timed to a readback
/// (median of `runs` after a run that compiles) with the GPU kernels it dispatches, beside the
/// whole layer, the embeddings and a readback alone. The pieces, chained, must give the
/// layer's own output, so the profile times the model's computation. Logs a table; times are
/// not checked.
async fn one_text_piece_by_piece(device: Device, on: &str, runs: usize) {
    use anneal::checkpoint::load_encoder;
    use burn::tensor::activation::softmax;

    let dir = "/www/models/all-MiniLM-L6-v2";
    let config = BertConfig::from_json(&fetch(&format!("{dir}/config.json")).await)
        .expect("MiniLM's config");
    let weights = fetch(&format!("{dir}/model.safetensors")).await;
    let (encoder, _, _) =
        load_encoder(&config, &weights, Some(1), &device).expect("MiniLM's first layer");
    let (seq, hidden) = (128, config.hidden_size);
    let (heads, inner) = (config.num_attention_heads, config.intermediate_size);
    let head_dim = hidden / heads;
    let ids: Vec<i64> = (0..seq).map(|i| 1000 + (i as i64 * 7919) % 20000).collect();
    let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, seq]), &device);
    let types = Tensor::<2, Int>::zeros([1, seq], &device);
    let mask_bias = Tensor::<4>::zeros([1, 1, 1, seq], &device); // every position attended
    let layer = &encoder.layers[0];
    let attention = &layer.attention;
    let dense = |d_in: usize, d_out: usize| 2.0 * (seq * d_in * d_out) as f64;
    let split = |t: Tensor<3>| t.reshape([1, seq, heads, head_dim]).swap_dims(1, 2);
    let mut pieces = Vec::new();

    let (x, piece) = time_piece("embeddings (gather, sum, layer norm)", 0.0, runs, || {
        encoder.embeddings.forward(ids.clone(), types.clone())
    })
    .await;
    pieces.push(piece);
    let (_, piece) = time_piece("readback alone (128 x 384, computed)", 0.0, runs, || {
        x.clone()
    })
    .await;
    pieces.push(piece);
    let (whole, whole_piece) = time_piece("the whole layer, one graph", 0.0, runs, || {
        layer.forward(x.clone(), mask_bias.clone()).0
    })
    .await;

    let mut layer_pieces = Vec::new();
    let (q, piece) = time_piece(
        "query dense 384 -> 384",
        dense(hidden, hidden),
        runs,
        || attention.query.forward(x.clone()),
    )
    .await;
    layer_pieces.push(piece);
    let (k, piece) = time_piece("key dense 384 -> 384", dense(hidden, hidden), runs, || {
        attention.key.forward(x.clone())
    })
    .await;
    layer_pieces.push(piece);
    let (v, piece) = time_piece(
        "value dense 384 -> 384",
        dense(hidden, hidden),
        runs,
        || attention.value.forward(x.clone()),
    )
    .await;
    layer_pieces.push(piece);
    let score_flops = 2.0 * (heads * seq * seq * head_dim) as f64;
    let scale = (head_dim as f64).sqrt().recip();
    let (scores, piece) = time_piece(
        "scores (q / √d) kᵀ (12 heads)",
        score_flops,
        runs,
        || split(q.clone().mul_scalar(scale)).matmul(split(k.clone()).swap_dims(2, 3)),
    )
    .await;
    layer_pieces.push(piece);
    let (probs, piece) = time_piece("mask + softmax (12 x 128 x 128)", 0.0, runs, || {
        softmax(scores.clone() + mask_bias.clone(), 3)
    })
    .await;
    layer_pieces.push(piece);
    let (context, piece) = time_piece("context p v, heads merged", score_flops, runs, || {
        probs
            .clone()
            .matmul(split(v.clone()))
            .swap_dims(1, 2)
            .reshape([1, seq, hidden])
    })
    .await;
    layer_pieces.push(piece);
    let (projected, piece) = time_piece(
        "output dense 384 -> 384",
        dense(hidden, hidden),
        runs,
        || attention.output.forward(context.clone()),
    )
    .await;
    layer_pieces.push(piece);
    let (h, piece) = time_piece("residual + layer norm", 0.0, runs, || {
        attention.layer_norm.forward(projected.clone() + x.clone())
    })
    .await;
    layer_pieces.push(piece);
    let (up, piece) = time_piece(
        "intermediate dense 384 -> 1536",
        dense(hidden, inner),
        runs,
        || layer.intermediate.forward(h.clone()),
    )
    .await;
    layer_pieces.push(piece);
    let (activated, piece) = time_piece("activation (GELU, 128 x 1536)", 0.0, runs, || {
        layer.activate(up.clone())
    })
    .await;
    layer_pieces.push(piece);
    let (down, piece) = time_piece(
        "output dense 1536 -> 384",
        dense(inner, hidden),
        runs,
        || layer.output.forward(activated.clone()),
    )
    .await;
    layer_pieces.push(piece);
    let (out, piece) = time_piece("residual + layer norm", 0.0, runs, || {
        layer.layer_norm.forward(down.clone() + h.clone())
    })
    .await;
    layer_pieces.push(piece);

    // The largest product (the intermediate dense layer's, without its bias) three ways: as
    // the layer computes it, with the weight stored transposed (PyTorch's [out, in], read as
    // a column-major view), and as a product of matrices rather than of rank-3 tensors.
    let weight = layer.intermediate.weight.val(); // [hidden, inner]
    let transposed = weight
        .clone()
        .transpose()
        .into_data_async()
        .await
        .expect("readback");
    let transposed = Tensor::<2>::from_data(transposed, &device); // [inner, hidden], contiguous
    let flops = dense(hidden, inner);
    let mut ways = Vec::new();
    let (as_is, piece) = time_piece("x W, W [384, 1536] as stored", flops, runs, || {
        h.clone().matmul(weight.clone().unsqueeze())
    })
    .await;
    ways.push(piece);
    let (col_major, piece) = time_piece(
        "x W, W stored [1536, 384] (column-major view)",
        flops,
        runs,
        || h.clone().matmul(transposed.clone().transpose().unsqueeze()),
    )
    .await;
    ways.push(piece);
    let (flat, piece) = time_piece("x W as [128, 384] x [384, 1536]", flops, runs, || {
        h.clone().reshape([seq, hidden]).matmul(weight.clone())
    })
    .await;
    ways.push(piece);
    let as_is = read_f32(as_is).await.expect("readback");
    for other in [read_f32(col_major).await, read_f32(flat).await] {
        let other = other.expect("readback");
        let diff = largest_difference(&as_is, &other);
        assert!(diff < 1e-3, "the same product differs by {diff}");
    }

    let whole = read_f32(whole).await.expect("readback");
    let chained = read_f32(out).await.expect("readback");
    let diff = largest_difference(&whole, &chained);
    assert!(
        diff < 1e-3,
        "the pieces give another layer output than the layer: largest difference {diff}"
    );

    let sum: f64 = layer_pieces.iter().map(|p| p.median_s).sum();
    let products: f64 = layer_pieces
        .iter()
        .filter(|p| p.flops > 0.0)
        .map(|p| p.median_s)
        .sum();
    let dispatches: f64 = layer_pieces.iter().map(|p| p.calls.get("dispatches")).sum();
    // The CPU dispatches no GPU kernels: its column says so rather than 0.
    let kernels = |n: f64| {
        if dispatches > 0.0 {
            n.to_string()
        } else {
            "–".to_string()
        }
    };
    let row = |p: &Piece, share: f64| {
        let rate = if p.flops > 0.0 {
            format!("{:.2}", p.flops / p.median_s / 1e9)
        } else {
            "–".into()
        };
        format!(
            "| {} | {:.1} ms | {:.0}% | {} | {} |",
            p.name,
            p.median_s * 1e3,
            share * 100.0,
            kernels(p.calls.get("dispatches")),
            rate
        )
    };
    let mut table = vec![
        "| piece (first layer, 1 x 128) | median | share of the pieces | kernels | GFLOP/s |"
            .into(),
        "|---|---|---|---|---|".to_string(),
    ];
    table.extend(layer_pieces.iter().map(|p| row(p, p.median_s / sum)));
    table.push(format!(
        "| **the pieces together** | {:.1} ms | 100% (matrix products {:.0}%) | {} | |",
        sum * 1e3,
        products / sum * 100.0,
        kernels(dispatches)
    ));
    table.push(row(&whole_piece, whole_piece.median_s / sum));
    table.extend(pieces.iter().map(|p| row(p, p.median_s / sum)));
    table.push("| **the largest product, three ways** | | | | |".into());
    table.extend(ways.iter().map(|p| row(p, p.median_s / sum)));
    console_log!(
        "One text (1 x {seq}) on {on}, MiniLM's first layer in pieces, median of {runs} \
         runs each (pieces chained: largest difference from the layer {diff:e}); a forward \
         pass is the embeddings and {} such layers (about {:.0} ms):\n{}",
        config.num_hidden_layers,
        (pieces[0].median_s + config.num_hidden_layers as f64 * whole_piece.median_s) * 1e3,
        table.join("\n")
    );
}
