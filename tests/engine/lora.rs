//! Memory-light fine-tuning: LoRA adapters start at the pre-trained model, merge exactly into
//! a plain export, and alone (with the head) move in a step; frozen parts never move; the
//! command line trains with them and writes PEFT's adapter files.

use anneal::checkpoint::safetensors::SafeTensors;
use anneal::checkpoint::{export_safetensors, load_classifier, peft};
use anneal::model::{BatchTensors, BertClassifier, BertConfig, Task};
use anneal::runtime::readback::read_f32;
use anneal::shared::{Adaptation, LoraSettings, LoraTargets};
use burn::module::Param;
use burn::prelude::*;
use burn::tensor::Distribution;

use super::common::{max_diff, root, synthetic_sentiment, temp_dir, tiny_model_dir};

/// The BERT family fixture's sequence classifier (3 labels, every dropout 0).
fn fixture() -> (BertConfig, Vec<u8>) {
    let d = root().join("tests/fixtures/families/bert/classify");
    (
        BertConfig::from_json(&std::fs::read(d.join("config.json")).unwrap()).unwrap(),
        std::fs::read(d.join("model.safetensors")).unwrap(),
    )
}

fn load(device: &Device) -> BertClassifier {
    let (config, weights) = fixture();
    load_classifier(&config, &weights, Task::Classify, 3, None, device)
        .unwrap()
        .0
}

fn batch(device: &Device) -> BatchTensors {
    let ids = vec![2i64, 40, 41, 42, 43, 3, 2, 50, 51, 3, 0, 0];
    let mask = vec![1i64, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    let t = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [2, 6]), device);
    BatchTensors {
        input_ids: t(ids),
        attention_mask: t(mask),
        token_type_ids: Tensor::zeros([2, 6], device),
    }
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    pollster::block_on(read_f32(t))
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

fn lora(rank: usize, targets: LoraTargets) -> Adaptation {
    Adaptation {
        lora: Some(LoraSettings {
            rank,
            alpha: 2.0 * rank as f64,
            dropout: 0.0,
            targets,
        }),
        ..Adaptation::FULL
    }
}

#[test]
fn lora_starts_at_the_base_model_and_merges_exactly() {
    let device = Device::flex();
    device.seed(3);
    let base = load(&device);
    let b = batch(&device);
    let before = values(base.forward(&b));
    let mut adapted = base.clone().adapted(&lora(4, LoraTargets::AllLinear));
    assert_eq!(
        values(adapted.forward(&b)),
        before,
        "B = 0: no change at the start"
    );

    // Trained adapters: B no longer zero.
    let mut count = 0;
    for layer in &mut adapted.bert.layers {
        let a = &mut layer.attention;
        for l in [
            &mut a.lora_query,
            &mut a.lora_key,
            &mut a.lora_value,
            &mut a.lora_output,
            &mut layer.lora_intermediate,
            &mut layer.lora_output,
        ] {
            let l = l.as_mut().expect("all-linear adapts every dense layer");
            let dims = l.b.val().dims();
            l.b = Param::from_tensor(Tensor::random(
                dims,
                Distribution::Normal(0.0, 0.5),
                &device,
            ));
            count += 1;
        }
    }
    assert_eq!(count, 6 * adapted.bert.layers.len());
    let tuned = values(adapted.forward(&b));
    assert!(
        max_diff(tuned.clone(), before) > 1e-2,
        "the adapters change the output"
    );
    let merged = adapted.merged();
    assert!(merged.bert.layers[0].attention.lora_query.is_none());
    let diff = max_diff(values(merged.forward(&b)), tuned.clone());
    assert!(diff < 1e-5, "merged differs by {diff}");

    // The export is the merged model: loaded back as a plain checkpoint, the same logits.
    let (config, _) = fixture();
    let bytes = pollster::block_on(export_safetensors(&adapted)).unwrap();
    let (back, _, report) =
        load_classifier(&config, &bytes, Task::Classify, 3, None, &device).unwrap();
    assert!(
        report.unexpected.is_empty() && report.initialised.is_empty(),
        "{report:?}"
    );
    let diff = max_diff(values(back.forward(&b)), tuned);
    assert!(diff < 1e-5, "exported differs by {diff}");
}

#[test]
fn only_the_adapters_and_the_head_move_under_lora_and_frozen_parts_never() {
    let device = Device::flex().autodiff();
    for (adaptation, moves, stays) in [
        (
            lora(2, LoraTargets::QueryValue),
            vec!["lora", "pooler", "classifier"],
            vec![
                "embeddings",
                "query",
                "layer0.output",
                "layer1.intermediate",
            ],
        ),
        (
            Adaptation {
                freeze_embeddings: true,
                freeze_layers: 1,
                ..Adaptation::FULL
            },
            vec![
                "layer1.query",
                "layer1.intermediate",
                "pooler",
                "classifier",
            ],
            vec!["embeddings", "query", "layer0.output"],
        ),
    ] {
        device.seed(5);
        let model = load(&device).adapted(&adaptation);
        let (trainable, all) = model.trainable_parameters();
        assert!(trainable < all, "{adaptation:?}: {trainable} of {all}");
        let snapshot = |m: &BertClassifier| {
            let l = &m.bert.layers;
            let mut v = vec![
                (
                    "embeddings",
                    values(m.bert.embeddings.word_embeddings.weight.val()),
                ),
                ("query", values(l[0].attention.query.weight.val())),
                ("layer0.output", values(l[0].output.weight.val())),
                ("layer1.query", values(l[1].attention.query.weight.val())),
                (
                    "layer1.intermediate",
                    values(l[1].intermediate.weight.val()),
                ),
                (
                    "pooler",
                    values(m.bert.pooler.as_ref().unwrap().weight.val()),
                ),
                ("classifier", values(m.classifier.weight.val())),
            ];
            if let Some(lora) = &l[1].attention.lora_value {
                v.push(("lora", values(lora.b.val())));
            }
            v
        };
        let before = snapshot(&model);
        let b = batch(&device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &device);
        let loss = model.loss(&b, y).0;
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let model = burn::optim::SgdConfig::new().init().step(0.5, model, grads);
        for ((name, old), (_, new)) in before.into_iter().zip(snapshot(&model)) {
            let moved = max_diff(old, new) > 0.0;
            if moves.contains(&name) {
                assert!(moved, "{adaptation:?}: {name} should train");
            }
            if stays.contains(&name) {
                assert!(!moved, "{adaptation:?}: {name} should stay frozen");
            }
        }
    }
}

#[test]
fn the_peft_adapter_has_peft_names_and_shapes() {
    let device = Device::flex();
    device.seed(1);
    let (config, _) = fixture();
    let settings = LoraSettings {
        rank: 4,
        ..LoraSettings::DEFAULT
    };
    let model = load(&device).adapted(&Adaptation {
        lora: Some(settings),
        ..Adaptation::FULL
    });
    let bytes = pollster::block_on(peft::adapter_safetensors(&model))
        .unwrap()
        .unwrap();
    let file = SafeTensors::parse(&bytes).unwrap();
    let shape = |name: &str| file.tensors[name].shape.clone();
    let p = "base_model.model.bert.encoder.layer.1.attention.self";
    assert_eq!(shape(&format!("{p}.query.lora_A.weight")), vec![4, 32]);
    assert_eq!(shape(&format!("{p}.value.lora_B.weight")), vec![32, 4]);
    assert_eq!(shape("base_model.model.classifier.weight"), vec![3, 32]);
    assert_eq!(shape("base_model.model.bert.pooler.dense.bias"), vec![32]);
    // query and value in 2 layers, A and B each, plus pooler and classifier weights and biases.
    assert_eq!(file.tensors.len(), 2 * 2 * 2 + 4);
    let json: serde_json::Value = serde_json::from_str(&peft::adapter_config(
        &config,
        &settings,
        Task::Classify,
        "base",
    ))
    .unwrap();
    assert_eq!(json["r"], 4);
    assert_eq!(
        json["target_modules"],
        serde_json::json!(["query", "value"])
    );
    assert_eq!(json["task_type"], "SEQ_CLS");
    // A model without adapters has no adapter to write.
    let plain = load(&device);
    assert!(
        pollster::block_on(peft::adapter_safetensors(&plain))
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_command_line_fine_tunes_with_lora_and_writes_a_peft_adapter() {
    let model = tiny_model_dir("lora-model", 5);
    let work = temp_dir("lora-work");
    let train = work.join("train.csv");
    std::fs::write(&train, synthetic_sentiment(240, 8)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = super::finetune_tiny(
        &model,
        &train,
        &out,
        &[
            "--max-len",
            "32",
            "--lora-rank",
            "4",
            "--lora-targets",
            "all-linear",
            "--peft-adapter",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("training LoRA rank 4"), "{stderr}");
    for f in [
        "model.safetensors",
        "adapter/adapter_model.safetensors",
        "adapter/adapter_config.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("training.json")).unwrap()).unwrap();
    let (trainable, all) = (
        record["trainable_parameters"].as_u64().unwrap(),
        record["parameters"].as_u64().unwrap(),
    );
    // The adapters (2 layers x 6 dense layers x rank 4), the pooler and the new classifier,
    // its bias included: every parameter of the new head trains.
    let (h, ff, labels) = (32, 64, 2);
    let adapters = 2 * 4 * (4 * (h + h) + (h + ff) + (ff + h));
    assert_eq!(
        trainable,
        adapters + h * h + h + h * labels + labels,
        "{trainable} of {all}"
    );
    let score = record["evaluation"]["accuracy"].as_f64();
    assert!(score.is_some_and(|a| a > 0.6), "{record}");

    // Settings out of range are refused by name before anything trains.
    let (ok, _, stderr) = super::finetune_tiny(&model, &train, &out, &["--lora-rank", "0"]);
    assert!(!ok && stderr.contains("--lora-rank"), "{stderr}");
    let (ok, _, stderr) = super::finetune_tiny(&model, &train, &out, &["--freeze-layers", "9"]);
    assert!(
        !ok && stderr.contains("--freeze-layers") && stderr.contains("at most 2"),
        "{stderr}"
    );
    let (ok, _, stderr) = super::finetune_tiny(&model, &train, &out, &["--peft-adapter"]);
    assert!(!ok && stderr.contains("--lora-rank"), "{stderr}");
}
