//! A whole fine-tuning run against PyTorch, step for step (tests/reference/trajectory_parity.py
//! writes the fixture): Anneal's loop — its epoch order, padding, AdamW and its state, warm-up
//! and decay, global-norm clipping — gives every step the loss PyTorch's loop gave. One step's
//! gradient is checked by the family fixtures; this checks what a run does with many of them.

use anneal::checkpoint::load_classifier;
use anneal::data::features::Features;
use anneal::model::{BertConfig, Task};
use anneal::train::{Event, TrainConfig, TrainData, fine_tune};
use burn::prelude::*;
use serde_json::Value;

use super::common::root;

fn features(v: &Value) -> Vec<Features> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| Features {
            ids: serde_json::from_value(e["ids"].clone()).unwrap(),
            labels: vec![e["label"].as_i64().unwrap()],
            type_ids: Vec::new(),
        })
        .collect()
}

#[test]
fn a_fine_tuning_run_takes_pytorchs_steps() {
    let dir = root().join("tests/fixtures/trajectory");
    let want: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let config = BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let device = Device::flex().autodiff();
    let (model, _, report) =
        load_classifier(&config, &weights, Task::Classify, 3, None, &device).unwrap();
    assert!(report.initialised.is_empty(), "{report:?}");

    let run = &want["run"];
    let train_config = TrainConfig {
        epochs: run["epochs"].as_u64().unwrap() as usize,
        batch_size: run["batch_size"].as_u64().unwrap() as usize,
        lr: run["lr"].as_f64().unwrap(),
        warmup_ratio: run["warmup_ratio"].as_f64().unwrap(),
        weight_decay: run["weight_decay"].as_f64().unwrap(),
        max_grad_norm: run["max_grad_norm"].as_f64().unwrap(),
        seed: run["seed"].as_u64().unwrap(),
        ..TrainConfig::default()
    };
    let data = TrainData {
        train: features(&want["train"]),
        valid: features(&want["valid"]),
        labels: ["a", "b", "c"].map(String::from).to_vec(),
        pad_id: 0,
        qa: None,
    };
    let mut losses = Vec::new();
    pollster::block_on(fine_tune(
        model,
        &data,
        &train_config,
        &mut |e| {
            if let Event::Step(s) = e {
                losses.push(s.loss)
            }
        },
        &mut || false,
    ))
    .unwrap();

    let expected: Vec<f64> = serde_json::from_value(want["losses"].clone()).unwrap();
    assert_eq!(losses.len(), expected.len(), "steps");
    assert!(
        want["clipped_steps"].as_u64().unwrap() > 0,
        "the fixture clips"
    );
    for (step, (got, want)) in losses.iter().zip(&expected).enumerate() {
        assert!(
            (got - want).abs() < 1e-4,
            "step {}: loss {got} against PyTorch's {want}\nall: {losses:?}\nPyTorch: {expected:?}",
            step + 1
        );
    }
}
