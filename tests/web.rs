//! Browser tests: the engine on WebGPU inside headless Chromium (SwiftShader on machines
//! without a GPU), run by wasm-bindgen-test (`scripts/test` runs them):
//!
//! ```text
//! cargo test --target wasm32-unknown-unknown --profile web --no-default-features \
//!     --features worker --test web
//! ```
//!
//! The WebGPU device may be started only once per page, so the tests share it.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use anneal::data::batch::collate;
use anneal::data::features::Features;
use anneal::model::checkpoint::{export_safetensors, load_classifier, read_f32};
use anneal::model::{BertClassifier, BertConfig, BertModel, Task};
use anneal::train::{optimizer, to_tensors, train_step};
use burn::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

async fn gpu() -> Device {
    if let Some(device) = GPU.with(|d| d.borrow().clone()) {
        return device;
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .expect("WebGPU starts (Chromium needs --enable-unsafe-webgpu; see webdriver.json)");
    GPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    device
}

const VOCAB: usize = 40;

fn batch() -> Vec<Features> {
    vec![
        Features {
            ids: vec![2, 7, 9, 11, 3],
            labels: vec![1],
        },
        Features {
            ids: vec![2, 12, 30, 3],
            labels: vec![0],
        },
        Features {
            ids: vec![2, 5, 6, 8, 21, 33, 3],
            labels: vec![1],
        },
        Features {
            ids: vec![2, 17, 3],
            labels: vec![0],
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
    let b = collate(&refs, 0, false);
    let mut outputs = Vec::new();
    for device in [Device::flex(), gpu().await] {
        let (model, _, _) = load_classifier(&config, &weights, Task::Classify, 2, None, &device)
            .expect("tiny weights load");
        let (tensors, _) = to_tensors(&b, &device);
        outputs.push(read_f32(model.forward(&tensors)).await.expect("readback"));
    }
    assert_eq!(outputs[0].len(), 4 * 2);
    let diff = outputs[0]
        .iter()
        .zip(&outputs[1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
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
    let b = collate(&refs, 0, false);
    let mut runs = Vec::new();
    for device in [Device::flex().autodiff(), gpu().await.autodiff()] {
        let (mut model, _, _) =
            load_classifier(&config, &weights, Task::Classify, 2, None, &device)
                .expect("tiny weights load");
        let (tensors, labels) = to_tensors(&b, &device);
        let mut optim = optimizer(0.0);
        let mut losses = Vec::new();
        for _ in 0..8 {
            let (next, loss) = train_step(model, &mut optim, &tensors, labels.clone(), 1e-2, 1.0);
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
