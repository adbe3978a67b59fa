//! A whole fine-tuning run against PyTorch, step for step (tests/reference/trajectory_parity.py
//! writes the fixture): Anneal's loop — its epoch order, padding, AdamW and its state, warm-up
//! and decay, global-norm clipping — gives every step the loss PyTorch's loop gave. One step's
//! gradient is checked by the family fixtures; this checks what a run does with many of them.
//! Each epoch's validation loss is PyTorch's too, and keeping the best epoch by that loss,
//! with patience, stops where PyTorch's losses say it should.

use anneal::checkpoint::load_classifier;
use anneal::data::features::Features;
use anneal::model::{BertConfig, Task};
use anneal::shared::BestBy;
use anneal::train::{Event, Outcome, TrainConfig, TrainData, fine_tune};
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

fn expected() -> Value {
    let dir = root().join("tests/fixtures/trajectory");
    serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap()
}

/// The fixture's run with `change` made to its settings: the outcome, each step's loss and
/// each epoch's validation loss.
fn train(change: impl FnOnce(&mut TrainConfig)) -> (Outcome, Vec<f64>, Vec<f64>) {
    let dir = root().join("tests/fixtures/trajectory");
    let want = expected();
    let config = BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let device = Device::flex().autodiff();
    let (model, _, report) =
        load_classifier(&config, &weights, Task::Classify, 3, None, &device).unwrap();
    assert!(report.initialised.is_empty(), "{report:?}");

    let run = &want["run"];
    let mut train_config = TrainConfig {
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
        augment: None,
    };
    change(&mut train_config);
    let (mut losses, mut valid_losses) = (Vec::new(), Vec::new());
    let outcome = pollster::block_on(fine_tune(
        model,
        &data,
        &train_config,
        &mut |e| match e {
            Event::Step(s) => losses.push(s.loss),
            Event::Evaluated { valid_loss, .. } => valid_losses.push(valid_loss),
            _ => {}
        },
        &mut || false,
    ))
    .unwrap();
    (outcome, losses, valid_losses)
}

#[test]
fn a_fine_tuning_run_takes_pytorchs_steps() {
    let want = expected();
    let (_, losses, valid_losses) = train(|_| {});
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
    let expected: Vec<f64> = serde_json::from_value(want["valid_losses"].clone()).unwrap();
    assert_eq!(valid_losses.len(), expected.len(), "epochs");
    for (epoch, (got, want)) in valid_losses.iter().zip(&expected).enumerate() {
        assert!(
            (got - want).abs() < 1e-4,
            "epoch {}: validation loss {got} against PyTorch's {want}",
            epoch + 1
        );
    }
}

/// Kept by validation loss with a patience of 2, the run stops where PyTorch's validation
/// losses stop improving for two epochs, and keeps the epoch of the lowest.
#[test]
fn keeping_the_best_epoch_by_validation_loss_stops_where_the_loss_says() {
    let valid: Vec<f64> = serde_json::from_value(expected()["valid_losses"].clone()).unwrap();
    let (mut lowest, mut since, mut stop) = (0, 0, valid.len());
    for (i, v) in valid.iter().enumerate() {
        if *v < valid[lowest] || i == 0 {
            (lowest, since) = (i, 0);
        } else {
            since += 1;
            if since == 2 {
                stop = i + 1;
                break;
            }
        }
    }
    assert!(
        stop < valid.len(),
        "the fixture's losses should stop a patience of 2 early"
    );
    let (outcome, _, valid_losses) = train(|c| {
        c.best_by = BestBy::Loss;
        c.patience = Some(2);
    });
    assert_eq!(valid_losses.len(), stop, "epochs run");
    assert_eq!(outcome.best_epoch, lowest + 1);
    let reason = outcome.stopped.expect("stopped early");
    assert!(reason.contains("validation loss"), "{reason}");
}
