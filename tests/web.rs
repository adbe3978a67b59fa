//! Browser tests: the engine on WebGPU inside headless Chromium (SwiftShader on machines
//! without a GPU), run by wasm-bindgen-test (`scripts/test` runs them):
//!
//! ```text
//! cargo test --target wasm32-unknown-unknown --profile web --no-default-features \
//!     --features worker --test web
//! ```
//!
//! They run in a dedicated worker, as the app's engine does: a long step there never blocks the
//! page that the test runner watches. The WebGPU device may be started only once per worker, so
//! the tests share it. The MiniLM test fetches the default model from the runner's server, which
//! serves the crate's folder (`scripts/assets.py` puts the model in `www/models/`).

#![cfg(all(target_arch = "wasm32", feature = "worker"))]

use anneal::checkpoint::{export_safetensors, load_classifier};
use anneal::data::batch::collate;
use anneal::data::features::Features;
use anneal::forward::to_tensors;
use anneal::model::activation::{gelu, tanh};
use anneal::model::{BertClassifier, BertConfig, BertModel, Task};
use anneal::runtime::readback::read_f32;
use anneal::train::{optimizer, train_step};
use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use wasm_bindgen_test::*;

#[path = "web/common.rs"]
mod common;

use common::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const VOCAB: usize = 40;

fn batch() -> Vec<Features> {
    vec![
        Features {
            ids: vec![2, 7, 9, 11, 3],
            labels: vec![1],
            type_ids: Vec::new(),
        },
        Features {
            ids: vec![2, 12, 30, 3],
            labels: vec![0],
            type_ids: Vec::new(),
        },
        Features {
            ids: vec![2, 5, 6, 8, 21, 33, 3],
            labels: vec![1],
            type_ids: Vec::new(),
        },
        Features {
            ids: vec![2, 17, 3],
            labels: vec![0],
            type_ids: Vec::new(),
        },
    ]
}

/// A random tiny classifier made on the CPU, as safetensors bytes, so both devices get the
/// same weights.
async fn tiny_weights() -> (BertConfig, Vec<u8>) {
    let config = BertConfig::tiny(VOCAB);
    let cpu = Device::flex();
    cpu.seed(3);
    let bert = BertModel::init(&config, true, &cpu);
    let model = BertClassifier::new(bert, &config, Task::Classify, 2, &cpu);
    let bytes = export_safetensors(&model).await.expect("readback on Flex");
    (config, bytes)
}

#[wasm_bindgen_test]
async fn async_readback_returns_exact_values() {
    let device = gpu().await;
    let values: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5 - 7.0).collect();
    let t = Tensor::<1>::from_data(TensorData::new(values.clone(), [1000]), &device);
    let back = read_f32(t.clone() * 2.0).await.expect("async readback");
    let want: Vec<f32> = values.iter().map(|v| v * 2.0).collect();
    assert_eq!(back, want);
}

#[wasm_bindgen_test]
async fn forward_on_webgpu_matches_the_cpu() {
    let (config, weights) = tiny_weights().await;
    let features = batch();
    let refs: Vec<&Features> = features.iter().collect();
    let b = collate(&refs, 0, Task::Classify);
    let mut outputs = Vec::new();
    for device in [Device::flex(), gpu().await] {
        let (model, _, _) = load_classifier(&config, &weights, Task::Classify, 2, None, &device)
            .expect("tiny weights load");
        let (tensors, _) = to_tensors(&b, &device);
        outputs.push(read_f32(model.forward(&tensors)).await.expect("readback"));
    }
    assert_eq!(outputs[0].len(), 4 * 2);
    let diff = largest_difference(&outputs[0], &outputs[1]);
    assert!(
        diff < 1e-4,
        "WebGPU and CPU logits differ by {diff}: {outputs:?}"
    );
}

/// Eight AdamW steps on one batch, dropout off: the loss falls on WebGPU, and step by step it
/// equals the CPU's.
#[wasm_bindgen_test]
async fn training_steps_on_webgpu_match_the_cpu_and_lower_the_loss() {
    let (mut config, weights) = tiny_weights().await;
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    let features = batch();
    let refs: Vec<&Features> = features.iter().collect();
    let b = collate(&refs, 0, Task::Classify);
    let mut runs = Vec::new();
    for device in [Device::flex().autodiff(), gpu().await.autodiff()] {
        let (mut model, _, _) =
            load_classifier(&config, &weights, Task::Classify, 2, None, &device)
                .expect("tiny weights load");
        let (tensors, labels) = to_tensors(&b, &device);
        let mut optim = optimizer(0.0);
        let mut losses = Vec::new();
        for _ in 0..8 {
            let (next, loss) = train_step(
                model,
                &mut optim,
                &tensors,
                labels.clone(),
                (1e-2, 1.0),
                None,
            );
            model = next;
            losses.push(read_f32(loss).await.expect("loss readback")[0]);
        }
        runs.push(losses);
    }
    let (cpu, webgpu) = (&runs[0], &runs[1]);
    assert!(webgpu.iter().all(|l| l.is_finite()), "{webgpu:?}");
    assert!(
        webgpu[7] < webgpu[0] * 0.5,
        "the loss should fall: {webgpu:?}"
    );
    for (step, (a, b)) in cpu.iter().zip(webgpu).enumerate() {
        assert!(
            (a - b).abs() < 1e-3,
            "step {step}: CPU {a} vs WebGPU {b}\n{cpu:?}\n{webgpu:?}"
        );
    }
}

/// SwiftShader's `tanh` is NaN from 89 up, which burn's own GELU backward reached for inputs
/// above ~13 (src/model/activation.rs). Ours stay finite and exact there.
#[wasm_bindgen_test]
async fn gelu_gradient_and_tanh_stay_finite_for_large_inputs() {
    let device = gpu().await.autodiff();
    let xs = vec![
        -100.0f32, -20.0, -1.0, 0.0, 1.0, 10.0, 13.5, 20.0, 100.0, 1000.0,
    ];
    let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device).require_grad();
    let grads = gelu(x.clone()).sum().backward();
    let slope = read_f32(x.grad(&grads).expect("a gradient"))
        .await
        .expect("readback");
    // Φ(x) + x φ(x): 0 far left, 0.5 at 0, 1.0833 at 1, 1 far right.
    let want = [
        0.0, 0.0, -0.0833155, 0.5, 1.0833155, 1.0, 1.0, 1.0, 1.0, 1.0,
    ];
    for ((x, got), want) in xs.iter().zip(&slope).zip(want) {
        assert!(
            (got - want).abs() < 1e-5,
            "GELU slope at {x}: {got}, want {want}"
        );
    }
    let t = read_f32(tanh(x.inner())).await.expect("readback");
    assert_eq!(t[7..], [1.0, 1.0, 1.0], "tanh of {:?}: {t:?}", &xs[7..]);
    assert_eq!(t[0], -1.0);
}

/// Every parameter's gradient, flattened, in the module's order.
async fn gradients(model: &BertClassifier, grads: &GradientsParams) -> Vec<(Vec<usize>, Vec<f32>)> {
    struct Collect<'a> {
        grads: &'a GradientsParams,
        out: Vec<(Vec<usize>, Tensor<1>)>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                self.out.push((g.dims().to_vec(), g.flatten::<1>(0, D - 1)));
            }
        }
    }
    let mut collect = Collect {
        grads,
        out: Vec::new(),
    };
    model.visit(&mut collect);
    let mut out = Vec::new();
    for (dims, g) in collect.out {
        out.push((dims, read_f32(g).await.expect("gradient readback")));
    }
    out
}

/// The real default model (its first layer, dropout off) on 16 sequences of up to 16 tokens:
/// the loss and every gradient on WebGPU equal the CPU's. Before GELU was written out, the
/// feed-forward gradients held NaNs here and fine-tuning stopped at its second step.
#[wasm_bindgen_test]
async fn minilm_gradients_on_webgpu_match_the_cpu() {
    let dir = "/www/models/all-MiniLM-L6-v2";
    let mut config = BertConfig::from_json(&fetch(&format!("{dir}/config.json")).await)
        .expect("MiniLM's config");
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    let cpu = Device::flex();
    cpu.seed(1);
    let raw = fetch(&format!("{dir}/model.safetensors")).await;
    let (model, config, _) =
        load_classifier(&config, &raw, Task::Classify, 2, Some(1), &cpu).expect("MiniLM loads");
    drop(raw);
    // The new head is random: export it so both devices start from the same weights.
    let weights = export_safetensors(&model).await.expect("export");
    let mut seed = 7u64;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let features: Vec<Features> = (0..16)
        .map(|i| {
            let words = 2 + next(13) as usize;
            let mut ids = vec![101]; // [CLS]
            ids.extend((0..words).map(|_| 1000 + next(29_000) as u32));
            ids.push(102); // [SEP]
            Features {
                ids,
                labels: vec![i % 2],
                type_ids: Vec::new(),
            }
        })
        .collect();
    let refs: Vec<&Features> = features.iter().collect();
    let b = collate(&refs, 0, Task::Classify);
    let mut runs = Vec::new();
    for device in [Device::flex().autodiff(), gpu().await.autodiff()] {
        let (model, _, _) = load_classifier(&config, &weights, Task::Classify, 2, None, &device)
            .expect("weights load");
        let (tensors, labels) = to_tensors(&b, &device);
        let (loss, _) = model.loss(&tensors, labels);
        let loss_value = read_f32(loss.clone()).await.expect("loss readback")[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        runs.push((loss_value, gradients(&model, &grads).await));
    }
    let ((cpu_loss, cpu), (gpu_loss, gpu)) = (&runs[0], &runs[1]);
    assert!(
        (cpu_loss - gpu_loss).abs() < 1e-5,
        "loss: CPU {cpu_loss}, WebGPU {gpu_loss}"
    );
    assert_eq!(cpu.len(), gpu.len());
    assert!(cpu.len() > 20, "{} gradients", cpu.len());
    for (i, ((dims, a), (_, b))) in cpu.iter().zip(gpu).enumerate() {
        let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                y.is_finite() && (x - y).abs() <= 1e-3 * scale + 1e-8,
                "parameter {i} {dims:?}, element {j}: CPU {x}, WebGPU {y}"
            );
        }
    }
}

/// The language-model head on WebGPU: loss before and after one SGD step equal PyTorch's
/// `BertForMaskedLM` and causal `BertLMHeadModel` (the fixtures of tests/engine/lm.rs), so the
/// causal mask, the tied decoder and the gathered positions work there as on the CPU.
#[wasm_bindgen_test]
async fn language_model_step_on_webgpu_matches_pytorch() {
    use anneal::checkpoint::load_lm;
    use anneal::model::{BatchTensors, Objective};
    let fixtures: [(Objective, &[u8], &[u8], &str); 2] = [
        (
            Objective::Mlm,
            include_bytes!("fixtures/lm_parity/mlm/config.json"),
            include_bytes!("fixtures/lm_parity/mlm/model.safetensors"),
            include_str!("fixtures/lm_parity/mlm/expected.json"),
        ),
        (
            Objective::Clm,
            include_bytes!("fixtures/lm_parity/clm/config.json"),
            include_bytes!("fixtures/lm_parity/clm/model.safetensors"),
            include_str!("fixtures/lm_parity/clm/expected.json"),
        ),
    ];
    let device = gpu().await.autodiff();
    for (objective, config, weights, expected) in fixtures {
        let config = BertConfig::from_json(config).unwrap();
        let e: serde_json::Value = serde_json::from_str(expected).unwrap();
        let grid = |k: &str| -> Vec<Vec<i64>> { serde_json::from_value(e[k].clone()).unwrap() };
        let (ids, mask, labels) = (grid("input_ids"), grid("attention_mask"), grid("labels"));
        let (b, s) = (ids.len(), ids[0].len());
        let (positions, targets) = anneal::model::hf_label_rows(&labels, objective);
        let (model, _) = load_lm(&config, weights, objective, &device).unwrap();
        let int2 = |v: Vec<Vec<i64>>| {
            Tensor::<2, Int>::from_data(TensorData::new(v.concat(), [b, s]), &device)
        };
        let int1 = |v: &Vec<i64>| {
            Tensor::<1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device)
        };
        let batch = BatchTensors {
            input_ids: int2(ids),
            attention_mask: int2(mask),
            token_type_ids: Tensor::zeros([b, s], &device),
        };
        let (loss, _) = model.loss(&batch, int1(&positions), int1(&targets));
        let before = read_f32(loss.clone()).await.unwrap()[0] as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = burn::optim::SgdConfig::new().init().step(1.0, model, grads);
        let after = read_f32(model.loss(&batch, int1(&positions), int1(&targets)).0)
            .await
            .unwrap()[0] as f64;
        let want = (
            e["loss"].as_f64().unwrap(),
            e["loss_after_sgd_step"].as_f64().unwrap(),
        );
        assert!(
            (before - want.0).abs() < 1e-4,
            "{objective:?}: {before} vs PyTorch {}",
            want.0
        );
        assert!(
            (after - want.1).abs() < 1e-3,
            "{objective:?}: after a step {after} vs PyTorch {}",
            want.1
        );
    }
}

/// `x W^T + b` for `W` stored `[out, in]` (Hugging Face's Linear), in f64.
fn linear64(x: &[f64], w: &[f32], b: &[f32], inputs: usize) -> Vec<f64> {
    let rows = x.len() / inputs;
    let outputs = b.len();
    let mut y = vec![0.0; rows * outputs];
    for r in 0..rows {
        for o in 0..outputs {
            let mut acc = b[o] as f64;
            for i in 0..inputs {
                acc += x[r * inputs + i] * w[o * inputs + i] as f64;
            }
            y[r * outputs + o] = acc;
        }
    }
    y
}

fn layer_norm64(x: &mut [f64], gamma: &[f32], beta: &[f32], eps: f64) {
    let h = gamma.len();
    for row in x.chunks_mut(h) {
        let mean = row.iter().sum::<f64>() / h as f64;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / h as f64;
        for (i, v) in row.iter_mut().enumerate() {
            *v = (*v - mean) / (var + eps).sqrt() * gamma[i] as f64 + beta[i] as f64;
        }
    }
}

/// The worker is built with WebAssembly SIMD (`.cargo/config.toml`), so burn's Flex kernels
/// (gemm's matmul, macerator's elementwise and reductions) run their SIMD128 code here. The real
/// MiniLM's embeddings and first layer through them equal a plain scalar computation of the
/// same layer (f64, loops written out here from Hugging Face's BertLayer) within 1e-5, padding
/// included.
#[wasm_bindgen_test]
async fn flex_simd_kernels_match_a_scalar_first_layer_of_minilm() {
    // The SIMD build, or this does not compile (.cargo/config.toml sets +simd128 for wasm32).
    const _: () = assert!(cfg!(target_feature = "simd128"));
    let dir = "/www/models/all-MiniLM-L6-v2";
    let config = BertConfig::from_json(&fetch(&format!("{dir}/config.json")).await)
        .expect("MiniLM's config");
    let raw = fetch(&format!("{dir}/model.safetensors")).await;
    let cpu = Device::flex();
    let (encoder, config, _) =
        anneal::checkpoint::load_encoder(&config, &raw, Some(1), &cpu).expect("MiniLM loads");
    let (batch, seq, hidden) = (4usize, 16usize, config.hidden_size);
    let lengths = [16usize, 16, 11, 5];
    let mut seed = 11u64;
    let mut ids = Vec::new();
    let mut mask = Vec::new();
    for &len in &lengths {
        for t in 0..seq {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ids.push(match t {
                0 => 101,
                t if t + 1 == len => 102,
                t if t >= len => 0,
                _ => 1000 + ((seed >> 33) % 29_000) as i64,
            });
            mask.push((t < len) as i64);
        }
    }
    let int2 =
        |v: &Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v.clone(), [batch, seq]), &cpu);
    let out = encoder.forward(
        int2(&ids),
        int2(&mask),
        Tensor::<2, Int>::zeros([batch, seq], &cpu),
        false,
    );
    let got = read_f32(out.last_hidden_state).await.expect("readback");

    let st = anneal::checkpoint::safetensors::SafeTensors::parse(&raw).expect("safetensors");
    let w = |name: &str| st.tensors[name].to_f32().expect(name);
    let eps = config.layer_norm_eps;
    let (words, positions, types) = (
        w("embeddings.word_embeddings.weight"),
        w("embeddings.position_embeddings.weight"),
        w("embeddings.token_type_embeddings.weight"),
    );
    let mut x = vec![0.0f64; batch * seq * hidden];
    for (r, &id) in ids.iter().enumerate() {
        let p = r % seq;
        for i in 0..hidden {
            x[r * hidden + i] = words[id as usize * hidden + i] as f64
                + positions[p * hidden + i] as f64
                + types[i] as f64;
        }
    }
    layer_norm64(
        &mut x,
        &w("embeddings.LayerNorm.weight"),
        &w("embeddings.LayerNorm.bias"),
        eps,
    );
    let l = "encoder.layer.0";
    let proj = |x: &[f64], name: &str| {
        linear64(
            x,
            &w(&format!("{l}.{name}.weight")),
            &w(&format!("{l}.{name}.bias")),
            hidden,
        )
    };
    let (q, k, v) = (
        proj(&x, "attention.self.query"),
        proj(&x, "attention.self.key"),
        proj(&x, "attention.self.value"),
    );
    let heads = config.num_attention_heads;
    let dh = hidden / heads;
    let mut context = vec![0.0f64; batch * seq * hidden];
    for b in 0..batch {
        for h in 0..heads {
            for i in 0..seq {
                let row = |t: usize| (b * seq + t) * hidden + h * dh;
                let scores: Vec<f64> = (0..seq)
                    .map(|j| {
                        if mask[b * seq + j] == 0 {
                            return f64::NEG_INFINITY;
                        }
                        (0..dh).map(|d| q[row(i) + d] * k[row(j) + d]).sum::<f64>()
                            / (dh as f64).sqrt()
                    })
                    .collect();
                let top = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
                let total: f64 = e.iter().sum();
                for d in 0..dh {
                    context[row(i) + d] = (0..seq).map(|j| e[j] / total * v[row(j) + d]).sum();
                }
            }
        }
    }
    let mut a = proj(&context, "attention.output.dense");
    a.iter_mut().zip(&x).for_each(|(a, x)| *a += x);
    layer_norm64(
        &mut a,
        &w(&format!("{l}.attention.output.LayerNorm.weight")),
        &w(&format!("{l}.attention.output.LayerNorm.bias")),
        eps,
    );
    let mut inter = proj(&a, "intermediate.dense");
    inter
        .iter_mut()
        .for_each(|v| *v = *v * 0.5 * (1.0 + libm::erf(*v / std::f64::consts::SQRT_2)));
    let mut y = linear64(
        &inter,
        &w(&format!("{l}.output.dense.weight")),
        &w(&format!("{l}.output.dense.bias")),
        config.intermediate_size,
    );
    y.iter_mut().zip(&a).for_each(|(y, a)| *y += a);
    layer_norm64(
        &mut y,
        &w(&format!("{l}.output.LayerNorm.weight")),
        &w(&format!("{l}.output.LayerNorm.bias")),
        eps,
    );

    assert_eq!(got.len(), y.len());
    let worst = got
        .iter()
        .zip(&y)
        .map(|(g, r)| (*g as f64 - r).abs())
        .fold(0.0, f64::max);
    web_sys::console::log_1(
        &format!("MiniLM layer 0, Flex SIMD vs scalar f64: largest difference {worst:.2e}").into(),
    );
    assert!(worst < 1e-5, "largest difference {worst}");
}

/// Distance of `got` from the exact `want` in units of the last place of `want` in f32.
fn ulps(got: f32, want: f64) -> f64 {
    let w = (want as f32).abs();
    let spacing = f64::from(f32::from_bits(w.to_bits() + 1)) - f64::from(w);
    (f64::from(got) - want).abs() / spacing
}

/// burn Flex's f32 `erf`, `exp`, softmax and GELU run four lanes at a time here (explicit
/// SIMD128 in patches/burn-flex, since the size-optimised bundle is not auto-vectorised): `erf`
/// and `exp` within 3 and 1 ulp of libm's f64 functions, the same bound natively; the leftover
/// lanes (a length that is not a multiple of 4), the copying path (a shared tensor), NaN and
/// the infinities included; GELU with the bits of its written-out form.
#[wasm_bindgen_test]
async fn flex_simd128_lanes_erf_exp_softmax_and_gelu() {
    let device = Device::flex();
    let n = (1 << 16) + 3;
    type Op = fn(Tensor<1>) -> Tensor<1>;
    for (name, lo, hi, op, exact, bound) in [
        (
            "erf",
            -5.0f64,
            5.0,
            Tensor::<1>::erf as Op,
            libm::erf as fn(f64) -> f64,
            3.0,
        ),
        (
            "exp",
            -103.0,
            88.7,
            Tensor::<1>::exp as Op,
            libm::exp as fn(f64) -> f64,
            1.0,
        ),
    ] {
        let xs: Vec<f32> = (0..n)
            .map(|i| (lo + (hi - lo) * i as f64 / (n - 1) as f64) as f32)
            .collect();
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device);
        let shared = read_f32(op(x.clone())).await.unwrap();
        let unique = read_f32(op(x)).await.unwrap();
        assert_eq!(shared, unique, "{name}: in-place and copying paths differ");
        let (worst, at) = xs
            .iter()
            .zip(&unique)
            .map(|(&x, &got)| (ulps(got, exact(f64::from(x))), x))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        assert!(worst <= bound, "{name}({at}) is {worst} ulp off");
    }
    let edges = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0, 0.0, 1e30];
    let t = || Tensor::<1>::from_data(TensorData::new(edges.to_vec(), [6]), &device);
    let erf = read_f32(t().erf()).await.unwrap();
    let exp = read_f32(t().exp()).await.unwrap();
    assert!(erf[0].is_nan() && exp[0].is_nan());
    assert_eq!(&erf[1..], &[1.0, -1.0, -0.0, 0.0, 1.0]);
    assert_eq!(erf[3].to_bits(), (-0.0f32).to_bits());
    assert_eq!(&exp[1..], &[f32::INFINITY, 0.0, 1.0, 1.0, f32::INFINITY]);

    // Softmax rows of 7 (four lanes and three left over) against f64.
    let rows: Vec<f32> = (0..21)
        .map(|i| ((i * 37) % 23) as f32 * 0.9 - 9.0)
        .collect();
    let got = read_f32(burn::tensor::activation::softmax(
        Tensor::<2>::from_data(TensorData::new(rows.clone(), [3, 7]), &device),
        1,
    ))
    .await
    .unwrap();
    for (row, got) in rows.chunks(7).zip(got.chunks(7)) {
        let max = row
            .iter()
            .fold(f64::NEG_INFINITY, |m, &x| m.max(f64::from(x)));
        let e: Vec<f64> = row.iter().map(|&x| (f64::from(x) - max).exp()).collect();
        let sum: f64 = e.iter().sum();
        for (g, e) in got.iter().zip(&e) {
            assert!(
                (f64::from(*g) - e / sum).abs() < 1e-7,
                "softmax {g} vs {}",
                e / sum
            );
        }
    }

    // GELU in one pass (inference), four lanes at a time on a contiguous tensor and one at a
    // time on a strided view, gives the bits of the written-out form that training uses (the
    // same `gelu` on an autodiff device).
    let xs: Vec<f32> = (0..n)
        .map(|i| -12.0 + 24.0 * i as f32 / (n - 1) as f32)
        .collect();
    let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device);
    let trained =
        Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &device.clone().autodiff());
    let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let written = bits(read_f32(gelu(trained)).await.unwrap());
    let lanes = bits(read_f32(gelu(x.clone())).await.unwrap());
    assert_eq!(lanes, written, "GELU lanes vs written out");
    let square =
        Tensor::<2>::from_data(TensorData::new(xs[..1 << 16].to_vec(), [256, 256]), &device);
    let strided = gelu(square.transpose()).transpose().reshape([1 << 16]);
    let strided = bits(read_f32(strided).await.unwrap());
    assert_eq!(
        strided,
        written[..1 << 16],
        "GELU one lane at a time vs written out"
    );
}

/// A BERT-base-sized model (12 x 768, 109.5 M parameters, random weights) fits WebGPU and
/// trains with LoRA (rank 8 on query and value): its largest tensor, the 30,522 x 768 word
/// table, fits a storage binding; three AdamW steps on one batch are finite and lower the loss.
/// The device's reserved memory is logged beside the Model panel's estimate (BENCHMARKS.md).
#[wasm_bindgen_test]
async fn bert_base_sized_model_trains_with_lora_on_webgpu() {
    use anneal::protocol::{ModelInfo, trainable_parameters, training_memory_bytes};
    use anneal::shared::{Adaptation, LoraSettings};

    let device = gpu().await.autodiff();
    device.seed(11);
    let config = BertConfig {
        hidden_size: 768,
        num_hidden_layers: 12,
        num_attention_heads: 12,
        intermediate_size: 3072,
        max_position_embeddings: 512,
        hidden_dropout_prob: 0.0,
        attention_probs_dropout_prob: 0.0,
        ..BertConfig::tiny(30522)
    };
    let adaptation = Adaptation {
        lora: Some(LoraSettings {
            dropout: 0.0,
            ..LoraSettings::DEFAULT
        }),
        ..Adaptation::FULL
    };
    let bert = BertModel::init(&config, true, &device);
    let model = BertClassifier::new(bert, &config, Task::Classify, 2, &device).adapted(&adaptation);
    let (trainable, all) = model.trainable_parameters();
    assert!(
        all > 109_000_000 && trainable * 100 < all,
        "{trainable} of {all}"
    );

    let features = batch();
    let refs: Vec<&Features> = features.iter().collect();
    let b = collate(&refs, 0, Task::Classify);
    let (tensors, labels) = to_tensors(&b, &device);
    let mut optim = optimizer(0.0);
    let mut model = model;
    let mut losses = Vec::new();
    for _ in 0..3 {
        let (next, loss) = train_step(
            model,
            &mut optim,
            &tensors,
            labels.clone(),
            (1e-3, 1.0),
            None,
        );
        model = next;
        losses.push(read_f32(loss).await.expect("loss readback")[0]);
    }
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[2] < losses[0], "the loss should fall: {losses:?}");

    let info = ModelInfo {
        layers: 12,
        hidden: 768,
        heads: 12,
        intermediate: 3072,
        parameters: all as u64,
        ..Default::default()
    };
    let [rows, seq] = tensors.input_ids.dims();
    let estimate = training_memory_bytes(&info, rows, seq, &adaptation);
    let usage = gpu()
        .await
        .memory_pool_usage()
        .expect("WebGPU reports its memory");
    console_log!(
        "BERT-base-sized, LoRA r=8 q/v, batch {rows} x {seq}: {} of {all} parameters train \
         (estimate {}); losses {losses:?}; device memory in use {} MB, reserved {} MB; \
         the Model panel's estimate {} MB",
        trainable,
        trainable_parameters(&info, &adaptation),
        usage.bytes_in_use >> 20,
        usage.bytes_reserved >> 20,
        estimate >> 20
    );
    // The weights alone are 438 MB: a report below that is not this model's memory.
    assert!(usage.bytes_reserved >= 4 * all as u64, "{usage:?}");
}

/// A `Control` that snapshots the counters before every run of the speed test, so that the
/// calls of each run are the differences between consecutive snapshots.
struct CountRuns(Vec<GpuCalls>);

impl anneal::train::Control for CountRuns {
    fn proceed(&mut self) -> anneal::train::Hook<'_, bool> {
        self.0.push(GpuCalls::now());
        Box::pin(async { true })
    }
}

/// The WebGPU work of the speed test's cases (the code `anneal bench` and the Model panel
/// time) on the real MiniLM: a training step (forward, backward, clipping, AdamW) reads back
/// one buffer, its loss, and an inference one, the hidden states; the same calls every run
/// once warm. Logs the kernels dispatched, submissions, uploads and buffers made per run, and
/// the median time here (BENCHMARKS.md, "WebGPU: kernels per step").
#[wasm_bindgen_test]
async fn speed_cases_on_webgpu_read_back_one_buffer_per_run() {
    use anneal::shared::Adaptation;
    use anneal::shared::speed::{SpeedCase, Workload};
    use anneal::train::speed::time_case;

    let dir = "/www/models/all-MiniLM-L6-v2";
    let config = BertConfig::from_json(&fetch(&format!("{dir}/config.json")).await)
        .expect("MiniLM's config");
    let weights = fetch(&format!("{dir}/model.safetensors")).await;
    let device = gpu().await;
    // Small shapes: SwiftShader runs every shader on the CPU (MiniLM's 1 x 128 takes 13 s
    // there), and the calls made per run do not depend on the shape.
    for (workload, batch, seq) in [(Workload::Forward, 1, 32), (Workload::Step, 2, 16)] {
        let case = SpeedCase {
            workload,
            batch,
            seq,
            runs: 2,
            // Fusion compiles new kernels over a step's first three runs (AdamW's first
            // step has no moments yet; then fused graphs are found); inference's first run.
            warmup: if workload == Workload::Step { 3 } else { 1 },
        };
        let mut counts = CountRuns(Vec::new());
        let timing = time_case(
            &config,
            &weights,
            None,
            case,
            (&Adaptation::FULL, None),
            &device,
            &mut counts,
        )
        .await
        .expect("the case runs");
        let end = GpuCalls::now();
        let mut snapshots = counts.0;
        snapshots.push(end);
        let runs: Vec<GpuCalls> = snapshots.windows(2).map(|w| w[1].since(w[0])).collect();
        let last = runs[runs.len() - 1];
        console_log!(
            "{} on WebGPU, per run once warm: {}; median {:.2} s; first run: {}",
            case.describe(),
            last.describe(),
            timing.median_s,
            runs[0].describe()
        );
        for (i, run) in runs.iter().enumerate() {
            assert_eq!(
                run.get("readbacks"),
                1.0,
                "{} run {i}: {}",
                case.describe(),
                run.describe()
            );
        }
        assert!(last.get("dispatches") > 50.0, "{}", last.describe());
        // Once warm, the same kernels every run (nothing is compiled any more).
        let before = runs[runs.len() - 2];
        for counter in ["dispatches", "submits", "readbacks"] {
            assert_eq!(
                before.get(counter),
                last.get(counter),
                "{counter}: {runs:?}"
            );
        }
        assert_eq!(last.get("pipelines"), 0.0, "{}", last.describe());
    }
}
