//! Integration tests of the engine and the `anneal` command: numerical parity with an
//! independent numpy implementation, tokenizer parity with Python, fine-tuning that learns,
//! export round trips, and the malformed-input corpus. One binary, as ripgrep's tests.
//!
//! Native only: it drives the `anneal` binary and `anneal::cli` (feature `cli`).

#![cfg(feature = "cli")]

#[path = "engine/attack.rs"]
mod attack;
mod common;
#[path = "engine/compare.rs"]
mod compare;
#[path = "engine/families.rs"]
mod families;
#[path = "engine/groups.rs"]
mod groups;
#[path = "engine/lm.rs"]
mod lm;
#[path = "engine/lora.rs"]
mod lora;
#[path = "engine/qa.rs"]
mod qa;
#[path = "engine/trajectory.rs"]
mod trajectory;

use std::path::PathBuf;
use std::process::Command;

use anneal::checkpoint::{export_config, export_safetensors, load_classifier, load_encoder};
use anneal::data::tokenizer::TextTokenizer;
use anneal::data::{ParseOptions, parse};
use anneal::forward::{predict_probabilities, to_tensors};
use anneal::model::{BertConfig, Task, mean_pool_normalized};
use anneal::runtime::readback::read_f32;
use anneal::train::prepare::prepare;
use anneal::train::{Evaluation, Event, TrainConfig, evaluate, fine_tune};
use burn::prelude::*;
use common::*;

fn forward_hidden(
    model_dir: &std::path::Path,
    ids: &[Vec<i64>],
    mask: &[Vec<i64>],
) -> (Vec<f32>, Vec<f32>) {
    let config =
        BertConfig::from_json(&std::fs::read(model_dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(model_dir.join("model.safetensors")).unwrap();
    let device = Device::flex();
    let (model, _, _) = load_encoder(&config, &weights, None, &device).unwrap();
    let (b, s) = (ids.len(), ids[0].len());
    let flat =
        |v: &[Vec<i64>]| Tensor::<2, Int>::from_data(TensorData::new(v.concat(), [b, s]), &device);
    let out = model.forward(flat(ids), flat(mask), Tensor::zeros([b, s], &device), false);
    let pooled = mean_pool_normalized(out.last_hidden_state.clone(), flat(mask));
    (
        pollster::block_on(read_f32(out.last_hidden_state)).unwrap(),
        pollster::block_on(read_f32(pooled)).unwrap(),
    )
}

fn check_parity(dir: &std::path::Path, ids: Vec<Vec<i64>>, mask: Vec<Vec<i64>>, tolerance: f64) {
    let reference = numpy_reference(dir, &ids, &mask);
    let (hidden, pooled) = forward_hidden(dir, &ids, &mask);
    // Padding positions are compared too: BERT computes them, and so must we.
    let expected: Vec<f64> = reference
        .last_hidden_state
        .iter()
        .flatten()
        .flatten()
        .copied()
        .collect();
    let diff = max_diff(hidden.iter().map(|&x| x as f64), expected.iter().copied());
    assert!(diff < tolerance, "hidden states differ by {diff}");
    let expected: Vec<f64> = reference.mean_pooled.iter().flatten().copied().collect();
    let diff = max_diff(pooled.iter().map(|&x| x as f64), expected);
    assert!(diff < tolerance, "mean-pooled embeddings differ by {diff}");
}

#[test]
fn tiny_random_bert_matches_numpy_reference() {
    let dir = tiny_model_dir("parity-tiny", 3);
    let ids = vec![vec![2, 5, 7, 12, 9, 3], vec![2, 20, 21, 3, 0, 0]];
    let mask = vec![vec![1, 1, 1, 1, 1, 1], vec![1, 1, 1, 1, 0, 0]];
    check_parity(&dir, ids, mask, 1e-4);
}

#[test]
fn minilm_matches_numpy_reference() {
    let dir = minilm();
    let tok =
        TextTokenizer::from_json(&std::fs::read(dir.join("tokenizer.json")).unwrap()).unwrap();
    let a = tok.encode("A man is eating food.", 128).unwrap().ids;
    let b = tok
        .encode("Transformers fine-tuned in a browser tab, on WebGPU!", 128)
        .unwrap()
        .ids;
    let seq = a.len().max(b.len());
    let pad = |v: &[u32]| {
        let mut ids: Vec<i64> = v.iter().map(|&x| x as i64).collect();
        let mut mask = vec![1; ids.len()];
        ids.resize(seq, 0);
        mask.resize(seq, 0);
        (ids, mask)
    };
    let ((ia, ma), (ib, mb)) = (pad(&a), pad(&b));
    check_parity(&dir, vec![ia, ib], vec![ma, mb], 1e-4);
}

#[test]
fn minilm_sentence_similarity_is_sentence_transformers() {
    let dir = minilm();
    let tok =
        TextTokenizer::from_json(&std::fs::read(dir.join("tokenizer.json")).unwrap()).unwrap();
    let embed = |text: &str| {
        let ids: Vec<i64> = tok
            .encode(text, 512)
            .unwrap()
            .ids
            .iter()
            .map(|&x| x as i64)
            .collect();
        let mask = vec![1; ids.len()];
        forward_hidden(&dir, &[ids], &[mask]).1
    };
    let a = embed("A man is eating food.");
    let b = embed("A man is eating a piece of bread.");
    let cosine: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!((cosine - 0.7553).abs() < 1e-4, "cosine {cosine}");
}

#[test]
fn tokenizer_ids_equal_python_tokenizers() {
    let dir = minilm();
    let tok =
        TextTokenizer::from_json(&std::fs::read(dir.join("tokenizer.json")).unwrap()).unwrap();
    let fixture: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/fixtures/tokenizer_parity.json")).unwrap(),
    )
    .unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<u32> = serde_json::from_value(case["ids"].clone()).unwrap();
        assert_eq!(tok.raw_ids(text, true).unwrap(), expected, "text {text:?}");
    }
}

fn train_tiny(
    task: Task,
    file: &str,
    data: &str,
    epochs: usize,
) -> (anneal::train::Outcome, Vec<f64>, Vec<String>, TextTokenizer) {
    let dir = tiny_model_dir(&format!("train-{file}"), 1);
    let tok = TextTokenizer::from_vocab(&vocab_txt(), true).unwrap();
    let parsed = parse(file, data.as_bytes(), &ParseOptions::default())
        .unwrap()
        .accept(false)
        .unwrap();
    assert_eq!(parsed.examples.task(), task);
    let prepared = prepare(parsed.examples, None, &tok, 32, 10, 0.2, 5).unwrap();
    let config = BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let device = Device::flex().autodiff();
    device.seed(42);
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let (model, _, report) = load_classifier(
        &config,
        &weights,
        task,
        prepared.data.labels.len(),
        None,
        &device,
    )
    .unwrap();
    assert!(
        report.initialised.contains(&"classifier".to_string()),
        "{report:?}"
    );
    let train_config = TrainConfig {
        epochs,
        batch_size: 16,
        lr: 2e-3,
        ..TrainConfig::default()
    };
    let mut losses = Vec::new();
    let outcome = pollster::block_on(fine_tune(
        model,
        &prepared.data,
        &train_config,
        &mut |e| {
            if let Event::Step(s) = e {
                losses.push(s.loss)
            }
        },
        &mut || false,
    ))
    .unwrap();
    (outcome, losses, prepared.data.labels, tok)
}

#[test]
fn fine_tuning_a_classifier_learns_and_round_trips_through_export() {
    let (outcome, losses, labels, tok) =
        train_tiny(Task::Classify, "s.csv", &synthetic_sentiment(240, 2), 10);
    let head: f64 = losses[..5].iter().sum::<f64>() / 5.0;
    let tail: f64 = losses[losses.len() - 5..].iter().sum::<f64>() / 5.0;
    assert!(tail < head * 0.5, "loss did not fall: {head} -> {tail}");
    let Some(Evaluation::Classify(report)) = &outcome.evaluation else {
        panic!("no evaluation")
    };
    assert!(
        report.accuracy >= 0.9,
        "validation accuracy {}",
        report.accuracy
    );

    // Export, reload, and get the same probabilities.
    let bytes = pollster::block_on(export_safetensors(&outcome.model)).unwrap();
    let config_json = export_config(&BertConfig::tiny(5 + WORDS.len()), Task::Classify, &labels);
    let config = BertConfig::from_json(config_json.as_bytes()).unwrap();
    assert_eq!(Task::from_architectures(&config), Some(Task::Classify));
    assert_eq!(config.labels().unwrap(), labels);
    let (reloaded, _, report) =
        load_classifier(&config, &bytes, Task::Classify, 2, None, &Device::flex()).unwrap();
    assert!(
        report.initialised.is_empty() && report.unexpected.is_empty(),
        "{report:?}"
    );
    let features = vec![anneal::data::features::Features {
        ids: tok.encode("the film was great", 32).unwrap().ids,
        labels: vec![0],
        type_ids: Vec::new(),
    }];
    let a = pollster::block_on(predict_probabilities(&outcome.model, &features, 8, 0)).unwrap();
    let b = pollster::block_on(predict_probabilities(&reloaded, &features, 8, 0)).unwrap();
    assert!(
        max_diff(
            a[0][0].iter().map(|&x| x as f64),
            b[0][0].iter().map(|&x| x as f64)
        ) < 1e-6
    );
    assert_eq!(labels[anneal::forward::argmax(&a[0][0])], "positive");
}

#[test]
fn fine_tuning_a_tagger_learns_entities() {
    let (outcome, _, labels, _) = train_tiny(Task::Ner, "n.conll", &synthetic_ner(200, 3), 4);
    assert_eq!(labels, vec!["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]);
    let Some(Evaluation::Ner(report)) = &outcome.evaluation else {
        panic!("no evaluation")
    };
    assert!(report.f1 >= 0.9, "entity F1 {}", report.f1);
}

#[test]
fn a_diverging_run_stops_and_keeps_finite_weights() {
    let dir = tiny_model_dir("nan", 1);
    let tok = TextTokenizer::from_vocab(&vocab_txt(), true).unwrap();
    let parsed = parse(
        "s.csv",
        synthetic_sentiment(64, 4).as_bytes(),
        &ParseOptions::default(),
    )
    .unwrap();
    let prepared = prepare(parsed.examples, None, &tok, 32, 10, 0.25, 5).unwrap();
    let config = BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let device = Device::flex().autodiff();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let (model, _, _) =
        load_classifier(&config, &weights, Task::Classify, 2, None, &device).unwrap();
    // A learning rate this large overflows the weights within a few steps.
    let train_config = TrainConfig {
        epochs: 3,
        batch_size: 8,
        lr: 1e30,
        warmup_ratio: 0.0,
        max_grad_norm: 1e30,
        ..TrainConfig::default()
    };
    let outcome = pollster::block_on(fine_tune(
        model,
        &prepared.data,
        &train_config,
        &mut |_| {},
        &mut || false,
    ))
    .unwrap();
    let reason = outcome.stopped.expect("the run should stop");
    assert!(reason.contains("last good weights"), "{reason}");
    let eval = pollster::block_on(evaluate(
        &outcome.model,
        &prepared.data.valid,
        &prepared.data.labels,
        8,
        0,
    ))
    .unwrap();
    assert!(eval.score().is_finite());
    let (t, _) = to_tensors(
        &anneal::data::batch::collate(
            &[&prepared.data.valid[0]],
            0,
            anneal::shared::Task::Classify,
        ),
        &Device::flex(),
    );
    let logits = pollster::block_on(read_f32(outcome.model.forward(&t))).unwrap();
    assert!(logits.iter().all(|x| x.is_finite()), "{logits:?}");
}

fn anneal(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anneal"))
        .args(args)
        .output()
        .expect("the anneal binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `anneal finetune` of a tiny model on the CPU with settings that make it learn in seconds.
fn finetune_tiny(
    model: &std::path::Path,
    train: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> (bool, String, String) {
    let mut args = vec![
        "finetune",
        "--model",
        model.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--epochs",
        "8",
        "--lr",
        "2e-3",
        "--batch-size",
        "16",
        "--device",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    anneal(&args)
}

fn corpus(dir: &str) -> Vec<(String, String)> {
    let path = root()
        .join("tests/fixtures")
        .join(dir)
        .join("expected.json");
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    map.into_iter().collect()
}

#[test]
fn every_malformed_data_file_gets_its_clear_error() {
    let cases = corpus("bad_data");
    assert!(cases.len() >= 25);
    for (file, phrase) in cases {
        let path = root().join("tests/fixtures/bad_data").join(&file);
        let (ok, stdout, stderr) = anneal(&["inspect", "--data", path.to_str().unwrap()]);
        let all = format!("{stdout}{stderr}");
        assert!(!ok, "{file}: inspect accepted it:\n{all}");
        assert!(
            all.contains(&phrase),
            "{file}: expected {phrase:?} in:\n{all}"
        );
        assert!(!all.contains("panicked"), "{file}: panicked:\n{all}");
    }
}

#[test]
fn every_malformed_model_gets_its_clear_error() {
    let cases = corpus("bad_models");
    assert!(cases.len() >= 10);
    for (name, phrase) in cases {
        let dir = root().join("tests/fixtures/bad_models").join(&name);
        let mut args = vec![
            "bench",
            "--model",
            dir.to_str().unwrap(),
            "--steps",
            "1",
            "--batch-size",
            "1",
            "--seq-len",
            "4",
            "--device",
            "cpu",
        ];
        if name.contains("layers") {
            args.extend(["--layers", "3"]);
        }
        let (ok, stdout, stderr) = anneal(&args);
        let all = format!("{stdout}{stderr}");
        assert!(!ok, "{name}: accepted:\n{all}");
        assert!(
            all.contains(&phrase),
            "{name}: expected {phrase:?} in:\n{all}"
        );
        assert!(!all.contains("panicked"), "{name}: panicked:\n{all}");
    }
}

/// `anneal bench` times both workloads of the speed test (the code the browser's Speed panel
/// runs) and prints each run; a shape longer than the model's positions is refused by name.
#[test]
fn the_command_line_times_inference_and_training_steps() {
    let model = tiny_model_dir("bench-model", 2);
    for what in ["forward", "step"] {
        let (ok, stdout, stderr) = anneal(&[
            "bench",
            "--model",
            model.to_str().unwrap(),
            "--what",
            what,
            "--batch-size",
            "2",
            "--seq-len",
            "8",
            "--runs",
            "3",
            "--warmup",
            "1",
            "--device",
            "cpu",
        ]);
        assert!(ok, "{what}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["what"], what);
        let runs: Vec<f64> = v["runs_s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_f64().unwrap())
            .collect();
        assert_eq!(runs.len(), 3, "{stdout}");
        let median = v["median_s"].as_f64().unwrap();
        assert!(
            runs.iter().all(|&r| r > 0.0) && runs.contains(&median),
            "{stdout}"
        );
        assert!(v["min_s"].as_f64().unwrap() <= median && median <= v["max_s"].as_f64().unwrap());
    }
    let (ok, _, stderr) = anneal(&[
        "bench",
        "--model",
        model.to_str().unwrap(),
        "--what",
        "forward",
        "--seq-len",
        "4096",
        "--device",
        "cpu",
    ]);
    assert!(
        !ok && stderr.contains("positions") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn the_command_line_fine_tunes_predicts_evaluates_and_embeds() {
    let model = tiny_model_dir("cli-model", 5);
    let work = temp_dir("cli-work");
    let train = work.join("train.csv");
    std::fs::write(&train, synthetic_sentiment(240, 8)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--max-len", "32"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("held out 24 of 240"), "{stderr}");
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "training.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }

    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        "it was really great",
        "awful film",
    ]);
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["label"], "positive", "{stdout}");
    assert_eq!(lines[1]["label"], "negative", "{stdout}");
    let p: f64 = lines[0]["scores"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((p - 1.0).abs() < 1e-5);

    // A file to predict is read as the browser reads it (`infer::texts::texts_of`): a CSV's
    // text column, not its raw lines (the header and the labels would be texts then).
    let texts = work.join("texts.csv");
    std::fs::write(
        &texts,
        "id,review\n1,\"it was really great\"\n2,awful film\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        "--input",
        texts.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let from_file: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_file, lines, "{stdout}");

    let test = work.join("test.jsonl");
    let jsonl: String = synthetic_sentiment(40, 9)
        .lines()
        .skip(1)
        .map(|l| {
            let (t, y) = l.rsplit_once(',').unwrap();
            format!("{}\n", serde_json::json!({"text": t, "label": y}))
        })
        .collect();
    std::fs::write(&test, jsonl).unwrap();
    let (ok, stdout, stderr) = anneal(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["task"], "classify");
    assert_eq!(report["examples"], 40);
    assert!(report["accuracy"].as_f64().unwrap() >= 0.9, "{report}");
    for key in ["macro_f1", "micro_f1", "weighted_f1"] {
        assert!(report[key].is_number(), "{key}");
    }
    assert_eq!(
        report["confusion"]["labels"],
        serde_json::json!(["negative", "positive"])
    );
    assert!(report["per_class"]["positive"]["support"].is_number());

    let (ok, stdout, stderr) = anneal(&[
        "embed",
        "--model",
        model.to_str().unwrap(),
        "--device",
        "cpu",
        "the movie",
        "a plot",
    ]);
    assert!(ok, "{stderr}");
    let rows: Vec<Vec<f64>> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!((rows.len(), rows[0].len()), (2, 32));
    let norm: f64 = rows[0].iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4);
}

#[test]
fn the_command_line_tags_entities_with_offsets() {
    let model = tiny_model_dir("cli-ner-model", 6);
    let work = temp_dir("cli-ner");
    let train = work.join("train.conll");
    std::fs::write(&train, synthetic_ner(200, 10)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &[]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        "alice went to paris.",
    ]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let entities = v["entities"].as_array().unwrap();
    let got: Vec<(String, String, u64, u64)> = entities
        .iter()
        .map(|e| {
            (
                e["text"].as_str().unwrap().into(),
                e["label"].as_str().unwrap().into(),
                e["start"].as_u64().unwrap(),
                e["end"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("alice".into(), "PER".into(), 0, 5),
            ("paris".into(), "LOC".into(), 14, 19)
        ],
        "{stdout}"
    );
}

#[test]
fn inputs_the_fuzzers_crashed_on_now_parse_without_panicking() {
    let dir = root().join("tests/fixtures/fuzz_regressions");
    // The inputs are the test: a missing or empty folder would pass it with nothing checked.
    let inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(
        !inputs.is_empty(),
        "{} holds none of the inputs the fuzzers crashed on",
        dir.display()
    );
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.is_empty(), "{} is empty", path.display());
        for name in ["a.csv", "a.tsv", "a.jsonl", "a.conll", "a.txt"] {
            for task in [None, Some(Task::Classify), Some(Task::Ner)] {
                let _ = parse(
                    name,
                    &bytes,
                    &ParseOptions {
                        task,
                        ..ParseOptions::default()
                    },
                );
            }
        }
        let _ = anneal::checkpoint::safetensors::SafeTensors::parse(&bytes);
    }
}

#[test]
fn malformed_rows_are_refused_or_skipped_and_listed() {
    let model = tiny_model_dir("cli-skip-model", 2);
    let work = temp_dir("cli-skip");
    let train = work.join("train.csv");
    let mut data = synthetic_sentiment(60, 3);
    data.push_str("\"unterminated,positive\n");
    std::fs::write(&train, data.replacen("\n", "\n,positive\n", 2)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("3 problems found")
            && stderr.contains("line 2: empty text")
            && stderr.contains("line 64: has 1 field")
            && stderr.contains("--skip-invalid"),
        "{stderr}"
    );
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--skip-invalid"]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("skipped 3 invalid row(s)") && stderr.contains("line 2: empty text"),
        "{stderr}"
    );
}

/// Loss before and after one SGD step equal PyTorch's (tests/reference/grad_parity.py): the
/// gradients of every parameter, not only the forward pass, match transformers.
#[test]
fn gradients_match_pytorch() {
    for (task, kind) in [("ner", Task::Ner), ("classify", Task::Classify)] {
        let dir = root().join("tests/fixtures/grad_parity").join(task);
        let expected: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
        let config =
            BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
        let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
        let device = Device::flex().autodiff();
        let n = config.labels().unwrap().len();
        let (model, _, report) =
            load_classifier(&config, &weights, kind, n, None, &device).unwrap();
        assert!(report.initialised.is_empty(), "{report:?}");
        let ids: Vec<Vec<i64>> = serde_json::from_value(expected["input_ids"].clone()).unwrap();
        let mask: Vec<Vec<i64>> =
            serde_json::from_value(expected["attention_mask"].clone()).unwrap();
        let labels: Vec<i64> = match kind {
            Task::Classify => serde_json::from_value(expected["labels"].clone()).unwrap(),
            _ => serde_json::from_value::<Vec<Vec<i64>>>(expected["labels"].clone())
                .unwrap()
                .concat(),
        };
        let (b, s) = (ids.len(), ids[0].len());
        let int2 = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [b, s]), &device);
        let batch = anneal::model::BatchTensors {
            input_ids: int2(ids.concat()),
            attention_mask: int2(mask.concat()),
            token_type_ids: Tensor::zeros([b, s], &device),
        };
        let labels =
            Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [labels.len()]), &device);
        let (loss, _) = model.loss(&batch, labels.clone());
        let before = pollster::block_on(read_f32(loss.clone())).unwrap()[0] as f64;
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let model = burn::optim::SgdConfig::new().init().step(1.0, model, grads);
        let after = pollster::block_on(read_f32(model.loss(&batch, labels).0)).unwrap()[0] as f64;
        let (want_before, want_after) = (
            expected["loss"].as_f64().unwrap(),
            expected["loss_after_sgd_step"].as_f64().unwrap(),
        );
        assert!(
            (before - want_before).abs() < 1e-5,
            "{task}: loss {before} vs PyTorch {want_before}"
        );
        assert!(
            (after - want_after).abs() < 1e-4,
            "{task}: loss after a step {after} vs PyTorch {want_after}"
        );
    }
}

/// Entity-level scores equal seqeval's on random, partly ill-formed tag sequences
/// (tests/reference/seqeval_parity.py).
#[test]
fn entity_metrics_match_seqeval() {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/fixtures/seqeval_parity.json")).unwrap(),
    )
    .unwrap();
    let gold: Vec<Vec<String>> = serde_json::from_value(v["gold"].clone()).unwrap();
    let pred: Vec<Vec<String>> = serde_json::from_value(v["pred"].clone()).unwrap();
    let r = anneal::train::metrics::ner_report(&gold, &pred);
    for (ours, key) in [
        (r.precision, "precision"),
        (r.recall, "recall"),
        (r.f1, "f1"),
    ] {
        assert!(
            (ours - v[key].as_f64().unwrap()).abs() < 1e-12,
            "{key}: {ours} vs {}",
            v[key]
        );
    }
    for (kind, s) in &r.per_type {
        let want = &v["per_type"][kind];
        assert!(
            (s.f1 - want["f1"].as_f64().unwrap()).abs() < 1e-12,
            "{kind}: {s:?} vs {want}"
        );
        assert_eq!(
            s.support as u64,
            want["support"].as_u64().unwrap(),
            "{kind}"
        );
    }
}

/// The model files of a folder, as the worker holds them after a load.
fn model_files(dir: &std::path::Path) -> anneal::checkpoint::ModelFiles {
    let files = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    anneal::checkpoint::ModelFiles::from_files("test-model", files).unwrap()
}

/// `anneal finetune ARGS` for a tiny model and a training file, as the process would see them.
fn finetune_args(model: &std::path::Path, train: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["anneal", "finetune", "--model"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(model.display().to_string());
    args.extend(["--train".to_string(), train.display().to_string()]);
    args.extend(["--out".to_string(), "unused".to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// What the planning tests share: a tiny model folder, its files, and `data` written to a
/// `train.csv` beside it (returned with its text).
fn planning(
    name: &str,
    data: String,
) -> (PathBuf, anneal::checkpoint::ModelFiles, PathBuf, String) {
    let model = tiny_model_dir(&format!("{name}-model"), 4);
    let files = model_files(&model);
    let train = temp_dir(name).join("train.csv");
    std::fs::write(&train, &data).unwrap();
    (model, files, train, data)
}

#[test]
fn the_command_line_and_the_worker_plan_the_same_run() {
    use anneal::data::DataError;
    use anneal::protocol::{ColumnChoice, TrainSettings};
    use anneal::train::recipe::RecipeError;
    use anneal::worker::plan::{plan_run, read_data};

    // One bad row: both shells skip it only when told to.
    let (model, files, train, data) = planning("plan", synthetic_sentiment(50, 5) + ",positive\n");
    let (summary, parsed) = read_data("train.csv", data.as_bytes(), ColumnChoice::default(), None);
    let parsed = parsed.expect("usable");
    assert_eq!((summary.rows, summary.examples), (51, 50));
    let positions = files.config.max_position_embeddings;

    // The defaults (the browser lowers the length to a model's shorter position table, as the
    // command line does), then settings given in both shells' terms.
    let defaults = TrainSettings {
        max_len: TrainSettings::default().max_len.min(positions),
        skip_invalid: true,
        ..TrainSettings::default()
    };
    let chosen = TrainSettings {
        epochs: 2,
        batch_size: 8,
        lr: 3e-4,
        max_len: 16,
        valid_fraction: 0.2,
        seed: 7,
        skip_invalid: true,
        ..TrainSettings::default()
    };
    let flags = [
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--lr",
        "3e-4",
        "--max-len",
        "16",
        "--valid-fraction",
        "0.2",
        "--seed",
        "7",
    ];
    for (settings, extra) in [(&defaults, vec![]), (&chosen, flags.to_vec())] {
        let mut extra = extra;
        extra.push("--skip-invalid");
        let cli = anneal::cli::finetune_plan(finetune_args(&model, &train, &extra)).unwrap();
        let worker = plan_run(&parsed, &files, settings).unwrap();
        assert_eq!(cli.config, worker.config);
        assert_eq!(cli.max_len, worker.max_len);
        assert_eq!(cli.data.labels, worker.data.labels);
        assert_eq!(cli.data.train, worker.data.train);
        assert_eq!(cli.data.valid, worker.data.valid);
        assert_eq!(cli.valid_examples, worker.valid_examples);
        assert_eq!(cli.total_steps(), worker.total_steps());
        assert_eq!(cli.notes, worker.notes);
    }
    let worker = plan_run(&parsed, &files, &chosen).unwrap();
    // 50 rows, 20% held out per label, batches of 8: the steps follow from the split.
    assert_eq!(worker.data.train.len() + worker.data.valid.len(), 50);
    assert_eq!(
        worker.total_steps(),
        2 * worker.data.train.len().div_ceil(8)
    );

    // Without --skip-invalid, both refuse the file the same way.
    let cli = anneal::cli::finetune_plan(finetune_args(&model, &train, &[])).unwrap_err();
    let strict = TrainSettings {
        skip_invalid: false,
        ..defaults
    };
    let worker = plan_run(&parsed, &files, &strict).unwrap_err();
    // The same problems; each shell names the file as it knows it (a path, a picked name).
    let problems = |e: &RecipeError| match e {
        RecipeError::Data(DataError::Invalid {
            problems, count, ..
        }) => (problems.clone(), *count),
        other => panic!("not the data refused: {other:?}"),
    };
    match &cli {
        anneal::cli::PlanFailure::Recipe(cli) => assert_eq!(problems(cli), problems(&worker)),
        other => panic!("{other:?}"),
    }
    assert_eq!(problems(&worker).0[0].line, 52);
}

#[test]
fn each_invalid_setting_gets_the_same_typed_error_from_the_command_line_and_the_worker() {
    use anneal::cli::PlanFailure;
    use anneal::protocol::{ColumnChoice, TrainSettings};
    use anneal::train::recipe::RecipeError;
    use anneal::worker::plan::{plan_run, read_data};
    use anneal::worker::to_proto::recipe_error;

    let (model, files, train, data) = planning("settings", synthetic_sentiment(30, 5));
    let parsed = read_data("train.csv", data.as_bytes(), ColumnChoice::default(), None)
        .1
        .unwrap();
    let base = TrainSettings {
        max_len: 64,
        ..TrainSettings::default()
    };
    type Change = fn(&mut TrainSettings);
    let cases: [(&[&str], Change, &str, &str); 13] = [
        (
            &["--batch-size", "0"],
            |s| s.batch_size = 0,
            "--batch-size must be at least 1",
            "Batch size must be at least 1",
        ),
        (
            &["--epochs", "0"],
            |s| s.epochs = 0,
            "--epochs must be at least 1",
            "Epochs must be at least 1",
        ),
        (
            &["--lr", "0"],
            |s| s.lr = 0.0,
            "--lr must be a number above 0",
            "Learning rate must be a number above 0",
        ),
        (
            &["--lr=-1e-4"],
            |s| s.lr = -1e-4,
            "--lr must be a number above 0",
            "Learning rate must be a number above 0",
        ),
        (
            &["--lr", "NaN"],
            |s| s.lr = f64::NAN,
            "found NaN",
            "found NaN",
        ),
        (
            &["--max-len", "65"],
            |s| s.max_len = 65,
            "--max-len must be between 8 and 64 tokens",
            "Max length must be between 8 and 64 tokens",
        ),
        (
            &["--valid-fraction", "0"],
            |s| s.valid_fraction = 0.0,
            "--valid-fraction must be above 0 and below 1",
            "Validation share must be above 0 and below 1",
        ),
        (
            &["--valid-fraction", "1"],
            |s| s.valid_fraction = 1.0,
            "--valid-fraction must be above 0 and below 1",
            "Validation share must be above 0 and below 1",
        ),
        (
            &["--freeze-layers", "3"],
            |s| s.adaptation.freeze_layers = 3,
            "--freeze-layers must be at most 2",
            "Frozen layers must be at most 2",
        ),
        (
            &["--lora-rank", "0"],
            |s| {
                s.adaptation.lora = Some(anneal::shared::LoraSettings {
                    rank: 0,
                    ..Default::default()
                })
            },
            "--lora-rank must be at least 1",
            "LoRA rank must be at least 1",
        ),
        (
            &["--lora-rank", "8", "--lora-dropout", "1"],
            |s| {
                s.adaptation.lora = Some(anneal::shared::LoraSettings {
                    dropout: 1.0,
                    ..Default::default()
                })
            },
            "--lora-dropout must be at least 0 and below 1",
            "LoRA dropout must be at least 0 and below 1",
        ),
        (
            &["--adversarial", "pgd", "--adv-steps", "11"],
            |s| {
                s.adversarial = Some(anneal::shared::Adversarial {
                    steps: 11,
                    ..anneal::shared::Adversarial::new(anneal::shared::AdversarialKind::Pgd)
                })
            },
            "--adv-steps must be between 1 and 10, found 11",
            "PGD steps must be between 1 and 10, found 11",
        ),
        (
            &["--adversarial", "pgd", "--adv-alpha", "0"],
            |s| {
                s.adversarial = Some(anneal::shared::Adversarial {
                    alpha: 0.0,
                    ..anneal::shared::Adversarial::new(anneal::shared::AdversarialKind::Pgd)
                })
            },
            "--adv-alpha must be a number above 0",
            "PGD step size must be a number above 0",
        ),
    ];
    for (flags, change, cli_words, browser_words) in cases {
        let mut settings = base.clone();
        change(&mut settings);
        let worker = match plan_run(&parsed, &files, &settings) {
            Err(RecipeError::Settings(e)) => e,
            other => panic!("{flags:?}: the worker accepted or failed otherwise: {other:?}"),
        };
        let cli = match anneal::cli::finetune_plan(finetune_args(&model, &train, flags)) {
            Err(PlanFailure::Recipe(RecipeError::Settings(e))) => e,
            other => panic!("{flags:?}: the command line accepted or failed otherwise: {other:?}"),
        };
        // Debug, not ==, so that NaN compares equal to NaN.
        assert_eq!(format!("{cli:?}"), format!("{worker:?}"), "{flags:?}");
        let browser = recipe_error(&RecipeError::Settings(worker));
        assert!(
            browser.contains(browser_words) && !browser.contains("--"),
            "{browser}"
        );
        let mut args: Vec<String> = finetune_args(&model, &train, flags);
        args.remove(0);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, stderr) = anneal(&args);
        assert!(!ok && stderr.contains(cli_words), "{flags:?}: {stderr}");
    }
}

/// Which top-level folders of `src/` each may import (`use crate::...` or a `crate::` path),
/// top-down: nothing runs back up and there is no cycle. ARCHITECTURE.md states the same.
const LAYERS: &[(&str, &[&str])] = &[
    ("shared", &[]),
    ("model", &["shared"]),
    ("data", &["shared"]),
    ("runtime", &["shared"]),
    ("checkpoint", &["shared", "model", "data", "runtime"]),
    ("forward", &["shared", "model", "data", "runtime"]),
    (
        "train",
        &[
            "shared",
            "model",
            "data",
            "runtime",
            "checkpoint",
            "forward",
        ],
    ),
    (
        "infer",
        &[
            "shared",
            "model",
            "data",
            "runtime",
            "checkpoint",
            "forward",
        ],
    ),
    ("protocol", &["shared"]),
    (
        "worker",
        &[
            "shared",
            "model",
            "data",
            "runtime",
            "checkpoint",
            "forward",
            "train",
            "infer",
            "protocol",
        ],
    ),
    (
        "cli",
        &[
            "shared",
            "model",
            "data",
            "runtime",
            "checkpoint",
            "forward",
            "train",
            "infer",
        ],
    ),
    ("ui", &["shared", "protocol"]),
];

#[test]
fn folders_import_only_the_folders_above_them() {
    fn sources(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap() {
                sources(&entry.unwrap().path(), out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_path_buf());
        }
    }
    let src = root().join("src");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if ["lib", "bin"].contains(&stem.as_str()) {
            continue;
        }
        let (_, allowed) = LAYERS
            .iter()
            .find(|(name, _)| *name == stem)
            .unwrap_or_else(|| panic!("src/{stem} is not in LAYERS: give it its place"));
        let mut files = Vec::new();
        sources(&path, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (at, _) in line.match_indices("crate::") {
                    let used: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    assert!(
                        used == stem || allowed.contains(&used.as_str()),
                        "{}:{}: src/{stem} may not use crate::{used} (allowed: {allowed:?})",
                        file.display(),
                        n + 1
                    );
                }
            }
        }
        seen.push(stem);
    }
    assert!(seen.len() >= 10, "{seen:?}");
    // The order of LAYERS is a topological order: each folder uses only earlier ones.
    for (i, (name, allowed)) in LAYERS.iter().enumerate() {
        for a in *allowed {
            let j = LAYERS.iter().position(|(n, _)| n == a).unwrap();
            assert!(j < i, "{name} uses {a}, which comes after it");
        }
    }
}

/// The modules of `src/` by path (`["train", "parallel"]`), with their files; `bin/` aside.
fn source_modules() -> std::collections::BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut modules = std::collections::BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut path: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if path.first().is_some_and(|p| p == "bin") {
            continue;
        }
        if path.last().is_some_and(|p| p == "mod" || p == "lib") {
            path.pop();
        }
        modules.insert(path, file);
    }
    modules
}

/// The modules of its own folder that module `at` names: `super::x`, `self::x`, `crate::a::b`
/// paths and groups (`super::{x, y}`), and in a folder's `mod.rs` (`is_folder`) its children
/// by bare name, each taken to the longest path that is a module. Comments and in-file tests
/// aside.
fn named_modules(
    at: &[String],
    text: &str,
    is_folder: bool,
    modules: &std::collections::BTreeMap<Vec<String>, PathBuf>,
) -> std::collections::BTreeSet<Vec<String>> {
    let code: String = text
        .lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let deepest = |mut base: Vec<String>, segments: &[String]| {
        for s in segments {
            base.push(s.clone());
            if !modules.contains_key(&base) {
                base.pop();
                break;
            }
        }
        base
    };
    let children: Vec<String> = modules
        .keys()
        .filter(|k| k.len() == at.len() + 1 && k.starts_with(at))
        .map(|k| k.last().unwrap().clone())
        .collect();
    let mut named = std::collections::BTreeSet::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let before = i.checked_sub(1).map(|j| bytes[j] as char);
        let step = code[i..].chars().next().map_or(1, char::len_utf8);
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            i += step;
            continue;
        }
        let rest = &code[i..];
        let word = ident(rest);
        if word.is_empty() {
            i += step;
            continue;
        }
        // `pub(in crate::x)` says who may see an item; it imports nothing.
        if code[..i].ends_with("(in ") {
            i += word.len();
            continue;
        }
        let (mut base, mut j) = match word.as_str() {
            "crate" => (Vec::new(), i + 5),
            "self" => (at.to_vec(), i + 4),
            "super" => (at.to_vec(), i),
            w if is_folder
                && children.iter().any(|c| c == w)
                && rest[w.len()..].starts_with("::") =>
            {
                (at.to_vec(), i)
            }
            _ => {
                i += word.len();
                continue;
            }
        };
        // Any run of `super::`, then the path's segments up to a group or its end.
        let mut segments = Vec::new();
        if word == "super" {
            while code[j..].starts_with("super::") {
                base.pop();
                j += 7;
            }
            // Back onto the last `::`, so that the segments below start after it.
            j = j.saturating_sub(2).max(i);
        } else if word != "crate" && word != "self" {
            segments.push(word.clone());
            j += word.len();
        }
        while code[j..].starts_with("::") {
            j += 2;
            let s = ident(&code[j..]);
            if s.is_empty() {
                break;
            }
            j += s.len();
            segments.push(s);
        }
        let target = deepest(base, &segments);
        if code[j..].starts_with('{') {
            let end = j + code[j..].find('}').unwrap_or(code.len() - j);
            for item in code[j + 1..end].split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if item.is_empty() {
                    continue;
                }
                named.insert(deepest(target.clone(), &[item.to_string()]));
            }
            j = end;
        } else if !(word == "crate" && segments.is_empty()) {
            named.insert(target);
        }
        i = j.max(i + 1);
    }
    named.retain(|m| m.as_slice() != at && !m.is_empty() && m[0] == at[0]);
    named
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let modules = source_modules();
    let edges: std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>> =
        modules
            .iter()
            .filter(|(m, _)| !m.is_empty())
            .map(|(m, file)| {
                let is_folder = file.file_name().is_some_and(|n| n == "mod.rs");
                let text = std::fs::read_to_string(file).unwrap();
                (m.clone(), named_modules(m, &text, is_folder, &modules))
            })
            .collect();
    // The test's own parser must see the imports it judges: a few that exist, by kind.
    let has = |from: &str, to: &str| {
        let path = |s: &str| s.split('/').map(String::from).collect::<Vec<_>>();
        edges
            .get(&path(from))
            .is_some_and(|e| e.contains(&path(to)))
    };
    assert!(has("train/parallel", "train/flat"), "super::flat::{{…}}");
    assert!(
        has("train", "train/parallel"),
        "a folder's child by bare name"
    );
    assert!(
        has("worker/handlers/train", "worker/outbox"),
        "super::super::"
    );
    assert!(has("data/formats", "data/parsed"), "super::parsed::");

    // Depth-first search for a way back to a module on the current path.
    fn visit(
        m: &Vec<String>,
        edges: &std::collections::BTreeMap<Vec<String>, std::collections::BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut std::collections::BTreeSet<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|p| p == m) {
            let circle: Vec<String> = path[at..].iter().chain([m]).map(|p| p.join("/")).collect();
            panic!("a circle of imports: {}", circle.join(" -> "));
        }
        if !done.insert(m.clone()) {
            return;
        }
        path.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
    }
    let mut done = std::collections::BTreeSet::new();
    for m in edges.keys() {
        visit(m, &edges, &mut Vec::new(), &mut done);
    }
}

/// One writer of a Hugging Face folder: the browser's export of a fine-tuned model (the worker's
/// `Export`: `folder_files`, then a zip) holds the very files, byte for byte, that `anneal
/// finetune` wrote for it, `training.json` aside; the tokenizer keeps the base's `vocab.txt`
/// and gains a `tokenizer_config.json` naming its special tokens.
#[test]
fn the_browser_exports_the_folder_the_command_line_writes() {
    use anneal::checkpoint::write::{Trained, folder_files};

    let model = tiny_model_dir("one-writer-model", 7);
    let work = temp_dir("one-writer");
    let train = work.join("train.csv");
    std::fs::write(&train, synthetic_sentiment(64, 2)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &[]);
    assert!(ok, "{stderr}");

    // What the worker holds after that run: the base model's files, the trained model.
    let base = model_files(&model);
    let tuned = model_files(&out);
    let (task, labels) = tuned.fine_tuned().unwrap();
    let (classifier, config, _) = load_classifier(
        &tuned.config,
        &tuned.weights,
        task,
        labels.len(),
        None,
        &Device::flex(),
    )
    .unwrap();
    let trained = Trained::Classifier {
        model: &classifier,
        config: &config,
        labels: &labels,
        peft: None,
    };
    let files =
        pollster::block_on(folder_files(&trained, &base.tokenizer_files().unwrap())).unwrap();
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let zip = anneal::checkpoint::zip::write("tuned", &files);
    let browser = anneal::checkpoint::zip::read("tuned.zip", &zip).unwrap();

    let mut cli: std::collections::BTreeMap<String, Vec<u8>> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    assert!(cli.remove("training.json").is_some());
    let names =
        |m: &std::collections::BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&cli),
        [
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
            "vocab.txt"
        ]
    );
    assert_eq!(names(&browser), names(&cli));
    for (name, bytes) in &cli {
        assert!(browser[name] == *bytes, "{name} differs");
    }
    assert_eq!(
        cli["vocab.txt"],
        std::fs::read(model.join("vocab.txt")).unwrap()
    );
    let tc: serde_json::Value = serde_json::from_slice(&cli["tokenizer_config.json"]).unwrap();
    assert_eq!(
        (tc["mask_token"].as_str(), tc["pad_token"].as_str()),
        (Some("[MASK]"), Some("[PAD]"))
    );
}

/// Only the runtime (natively) and the worker's device room and its CPU replica (in the
/// browser) name a concrete device; the model's dropout and activation only ask whether a
/// tensor is on Flex, to pick a CPU kernel. In-file tests aside.
#[test]
fn only_the_runtime_and_the_worker_name_a_device() {
    let allowed = [
        "src/runtime/mod.rs",
        "src/worker/device.rs",
        "src/worker/replica.rs",
    ];
    let compares = ["src/model/dropout.rs", "src/model/activation.rs"];
    let mut seen = Vec::new();
    for (module, file) in source_modules() {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for name in ["Device::flex()", "Device::wgpu", "Device::webgpu"] {
                if !line.contains(name) {
                    continue;
                }
                let compared =
                    line.contains("== Device::flex()") || line.contains("!= Device::flex()");
                let ok = allowed.contains(&relative.as_str())
                    || (compares.contains(&relative.as_str()) && compared);
                assert!(
                    ok,
                    "{relative}:{}: {module:?} names a device: {line}",
                    n + 1
                );
                seen.push(relative.clone());
            }
        }
    }
    assert!(
        seen.iter().any(|f| f == "src/runtime/mod.rs"),
        "the check sees nothing: {seen:?}"
    );
}

/// No function is longer than 80 lines but the two training loops (flat and explicit, read
/// top-down as nanoGPT's) and exact t-SNE (one algorithm, its steps in order).
#[test]
fn no_function_is_longer_than_80_lines_but_the_loops_and_tsne() {
    let allowed = [
        ("src/train/mod.rs", "fine_tune_tasks"),
        ("src/train/pretrain/mod.rs", "pretrain"),
        ("src/infer/projection.rs", "tsne"),
    ];
    // A line's braces outside comments, string and character literals: the change in depth,
    // and whether it opens any.
    fn braces(line: &str) -> (i64, bool) {
        let (mut depth, mut in_string, mut escaped, mut opens) = (0, false, false, false);
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            } else if c == '"' {
                in_string = true;
            } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
                i += 2; // '{' or '}'
            } else if c == '{' {
                depth += 1;
                opens = true;
            } else if c == '}' {
                depth -= 1;
            }
            i += 1;
        }
        (depth, opens)
    }
    let mut long = Vec::new();
    let mut functions = 0;
    for file in source_modules().into_values() {
        let relative = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| *w == "fn") else {
                continue;
            };
            let before_ok = words[..at]
                .iter()
                .all(|w| ["pub", "async", "const", "unsafe"].contains(w) || w.starts_with("pub("));
            if !before_ok || line.trim_start().starts_with("//") {
                continue;
            }
            let name: String = words[at + 1]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let (mut depth, mut opened, mut end) = (0, false, start);
            for (j, l) in lines.iter().enumerate().skip(start) {
                let (d, opens) = braces(l);
                if !opened && !opens && l.trim_end().ends_with(';') {
                    break; // a declaration without a body
                }
                opened |= opens;
                depth += d;
                end = j;
                if opened && depth == 0 {
                    break;
                }
            }
            functions += 1;
            let length = end - start + 1;
            if length > 80 && !allowed.contains(&(relative.as_str(), name.as_str())) {
                long.push(format!(
                    "{relative}:{}: {name} is {length} lines",
                    start + 1
                ));
            }
        }
    }
    assert!(
        functions > 500,
        "only {functions} functions found: the scan is broken"
    );
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// Augmentation: the command line and the worker plan it alike; an epoch adds `copies` fresh
/// copies of each training example (their labels kept, each text changed), drawn from the
/// epoch's seed; the validation examples are never touched; and a run with it trains.
#[test]
fn augmentation_adds_fresh_copies_each_epoch_and_never_to_validation() {
    use anneal::protocol::{ColumnChoice, TrainSettings};
    use anneal::shared::{AugmentKind, Augmentation};
    use anneal::worker::plan::{plan_run, read_data};

    let (model, files, train, data) = planning("augment", synthetic_sentiment(60, 3));
    let parsed = read_data("train.csv", data.as_bytes(), ColumnChoice::default(), None)
        .1
        .unwrap();
    let flags = [
        "--max-len",
        "32",
        "--batch-size",
        "8",
        "--augment",
        "typos:2",
        "--augment-rate",
        "0.3",
    ];
    let cli = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags)).unwrap();
    let settings = TrainSettings {
        max_len: 32,
        batch_size: 8,
        augment: Some(Augmentation {
            copies: 2,
            rate: 0.3,
            ..Augmentation::new(AugmentKind::Typos)
        }),
        ..TrainSettings::default()
    };
    let worker = plan_run(&parsed, &files, &settings).unwrap();
    let plain = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags[..4])).unwrap();
    assert_eq!(cli.config, worker.config);
    assert_eq!(cli.notes, worker.notes);
    assert!(
        cli.notes
            .iter()
            .any(|n| n.contains("augmentation: 2 typos copies")),
        "{:?}",
        cli.notes
    );
    let n = cli.data.train.len();
    assert_eq!(cli.steps_per_epoch(), (3 * n).div_ceil(8));
    assert_eq!(plain.steps_per_epoch(), n.div_ceil(8));
    // Validation and training examples as without augmentation.
    assert_eq!(cli.data.valid, plain.data.valid);
    assert_eq!(cli.data.train, plain.data.train);

    let aug = cli.data.augment.as_ref().unwrap();
    let (one, again, other) = (aug.texts(1), aug.texts(1), aug.texts(2));
    assert_eq!(one, again, "a seed repeats its copies");
    assert_ne!(one, other, "another epoch, other copies");
    assert_eq!(one.len(), 2 * n);
    for (i, t) in one.iter().enumerate() {
        assert_ne!(t, &cli.train_texts[i % n], "copy {i} unchanged");
    }
    let features = aug.epoch(1).unwrap();
    for (i, f) in features.iter().enumerate() {
        assert_eq!(
            f.labels,
            cli.data.train[i % n].labels,
            "copy {i} changed label"
        );
    }

    // A short run with it trains, and refuses NER data.
    let out = temp_dir("augment-out").join("out");
    let (ok, _, stderr) = finetune_tiny(
        &model,
        &train,
        &out,
        &["--max-len", "32", "--augment", "typos"],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("augmentation: 1 typos copy"), "{stderr}");
    let ner = temp_dir("augment-ner").join("ner.conll");
    std::fs::write(
        &ner,
        "Alice B-PER\nwent O\n\nBob B-PER\nran O\n\n".repeat(10),
    )
    .unwrap();
    let (ok, _, stderr) = finetune_tiny(&model, &ner, &out, &["--augment", "typos"]);
    assert!(
        !ok && stderr.contains("--augment")
            && stderr.contains("typos is for text classification, not named entity recognition"),
        "{stderr}"
    );
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--augment", "mentions"]);
    assert!(
        !ok && stderr.contains("mentions is for named entity recognition, not text classification"),
        "{stderr}"
    );
}

/// Contextual augmentation: a masked language model (a small random BERT with its MLM head,
/// the family fixture) fills a share of each text's words; each copy keeps the text's other
/// words in place, its labels are kept, and a model without an MLM head is refused by name.
#[test]
fn contextual_augmentation_fills_masked_words_from_a_language_model() {
    use anneal::shared::augment::words_of;
    use anneal::train::recipe;
    use burn::prelude::*;

    let family = common::root().join("tests/fixtures/families/bert");
    let lm_dir = temp_dir("contextual-lm");
    for (from, to) in [
        ("mlm/config.json", "config.json"),
        ("mlm/model.safetensors", "model.safetensors"),
        ("tokenizer.json", "tokenizer.json"),
    ] {
        std::fs::copy(family.join(from), lm_dir.join(to)).unwrap();
    }
    let model = common::minilm();
    let train = temp_dir("contextual").join("train.csv");
    std::fs::write(&train, synthetic_sentiment(24, 4)).unwrap();
    let flags = ["--max-len", "24", "--augment", "mlm:2", "--epochs", "2"];
    let mut plan = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags)).unwrap();
    let lm_files = model_files(&lm_dir);
    let (lm, report) = anneal::checkpoint::load_lm(
        &lm_files.config,
        &lm_files.weights,
        anneal::model::Objective::Mlm,
        &Device::flex(),
    )
    .unwrap();
    assert!(report.initialised.is_empty(), "{report:?}");
    let wanted = recipe::contextual_wanted(&plan).expect("mlm wants its copies");
    assert_eq!((wanted.0.copies, wanted.1), (2, 2));
    let note = pollster::block_on(recipe::draw_contextual(
        &mut plan,
        &lm,
        &lm_files.tokenizer,
        wanted,
        None,
    ))
    .unwrap();
    assert!(recipe::contextual_wanted(&plan).is_none(), "drawn once");
    // Every training text has its copies, by text, for any run of the plan to take.
    assert!(
        plan.train_texts
            .iter()
            .all(|t| plan.contextual.get(t).is_some_and(|c| c.len() == 4))
    );
    assert!(
        note.contains("contextual augmentation: 4 copies of each of the"),
        "{note}"
    );
    let aug = plan.data.augment.as_ref().unwrap();
    let n = plan.data.train.len();
    let copies = aug.texts(3);
    assert_eq!(copies.len(), 2 * n);
    assert_eq!(copies, aug.texts(3), "a seed repeats its copies");
    let words = |t: &str| -> Vec<String> {
        words_of(t)
            .iter()
            .map(|w| t[w.start..w.end].to_lowercase())
            .collect()
    };
    let mut changed = 0;
    for (i, copy) in copies.iter().enumerate() {
        let (a, b) = (words(&plan.train_texts[i % n]), words(copy));
        assert_eq!(a.len(), b.len(), "{copy:?}");
        let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        changed += usize::from(differ > 0);
        assert!(differ * 2 <= a.len().max(2), "{copy:?} of {a:?}");
    }
    assert!(
        changed * 2 >= copies.len(),
        "{changed} of {} copies changed",
        copies.len()
    );
    for (i, f) in aug.epoch(3).unwrap().iter().enumerate() {
        assert_eq!(
            f.labels,
            plan.data.train[i % n].labels,
            "copy {i} changed label"
        );
    }

    // The command line: with --mlm-model it trains; the sentence model alone has no MLM head.
    let out = temp_dir("contextual-out").join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "finetune",
            "--model",
            model.to_str().unwrap(),
            "--train",
            train.to_str().unwrap(),
            "--layers",
            "1",
            "--epochs",
            "1",
            "--max-len",
            "24",
            "--device",
            "cpu",
            "--augment",
            "mlm",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        anneal(&args)
    };
    let (ok, _, stderr) = run(&["--mlm-model", lm_dir.to_str().unwrap()]);
    assert!(
        ok && stderr.contains("note: contextual augmentation: "),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&[]);
    assert!(!ok && stderr.contains("no masked-LM head"), "{stderr}");

    // As a comparison's variant: the copies are drawn once for every training text, and the
    // contextual run is paired with the baseline; two rates cannot share one draw.
    let compare = |variants: &str| {
        anneal(&[
            "compare",
            "--model",
            model.to_str().unwrap(),
            "--train",
            train.to_str().unwrap(),
            "--layers",
            "1",
            "--max-len",
            "24",
            "--device",
            "cpu",
            "--sizes",
            "8,16",
            "--seeds",
            "1",
            "--min-steps",
            "1",
            "--variants",
            variants,
            "--mlm-model",
            lm_dir.to_str().unwrap(),
        ])
    };
    let (ok, stdout, stderr) = compare("baseline,mlm");
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("note: contextual augmentation: "),
        "{stderr}"
    );
    // Drawn for the texts the runs use (one seed's 16 at most), not the whole file.
    let drawn: usize = stderr
        .split(" of each of the ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        drawn <= 16 && drawn < plan.train_texts.len(),
        "{drawn}: {stderr}"
    );
    let c: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for size in 0..2 {
        assert_eq!(
            c["variants"]["mlm"][size].as_array().unwrap().len(),
            1,
            "{c}"
        );
    }
    let (ok, _, stderr) = compare("baseline,mlm:1:0.1,mlm:1:0.3");
    assert!(!ok && stderr.contains("one set of copies"), "{stderr}");
}

/// Multi-task learning: with an auxiliary entity task the shared encoder takes both tasks'
/// gradients (its weights end elsewhere than the same run's without it, while a step of the
/// auxiliary task leaves the main head as it was), each epoch has both tasks' batches, the
/// auxiliary task is scored, and `anneal finetune --aux` says so and records it.
#[test]
fn a_two_task_run_trains_one_encoder_with_both_tasks_gradients() {
    use anneal::data::batch::collate;
    use anneal::forward::to_tensors;
    use anneal::train::{Event, fine_tune_tasks, optimizer, recipe, train_step};
    use burn::prelude::*;

    let (model, files, train, _) = planning("multitask", synthetic_sentiment(40, 5));
    let ner = temp_dir("multitask-aux").join("aux.conll");
    std::fs::write(&ner, synthetic_ner(30, 2)).unwrap();
    let flags = ["--max-len", "24", "--batch-size", "8", "--epochs", "1"];
    let plan = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags)).unwrap();
    let parsed = anneal::data::parse(
        "aux.conll",
        &std::fs::read(&ner).unwrap(),
        &Default::default(),
    )
    .unwrap();
    let settings = anneal::shared::TrainSettings {
        max_len: 24,
        batch_size: 8,
        ..Default::default()
    };
    let aux = vec![recipe::plan_aux("aux.conll", parsed, &files, &settings).unwrap()];
    assert_eq!(aux[0].task, anneal::shared::Task::Ner);
    let device = Device::flex().autodiff();
    let run = |with_aux: bool| {
        device.seed(3);
        let (classifier, _, _) = recipe::load(&plan, &files, None, &device).unwrap();
        let heads = recipe::load_heads(&aux, &files, None, &device).unwrap();
        let start_head = heads[0].classifier.weight.val();
        let (tasks, heads) = if with_aux {
            (&aux[..], heads)
        } else {
            (&[][..], Vec::new())
        };
        let mut events = Vec::new();
        let mut on_event = |e: Event| events.push(e);
        let (outcome, heads) = pollster::block_on(fine_tune_tasks(
            classifier,
            tasks,
            heads,
            &plan.data,
            &plan.config,
            &mut on_event,
            &mut anneal::train::pretrain::RunToEnd,
        ))
        .unwrap();
        (outcome, heads, events, start_head)
    };
    let read = |t: Tensor<2>| pollster::block_on(anneal::runtime::readback::read_f32(t)).unwrap();
    let (alone, _, alone_events, _) = run(false);
    let (together, heads, events, start_head) = run(true);
    let steps = |events: &[Event], task: usize| {
        events
            .iter()
            .filter(|e| matches!(e, Event::Step(s) if s.task == task))
            .count()
    };
    let main_batches = plan.data.train.len().div_ceil(8);
    let aux_batches = aux[0].data.train.len().div_ceil(8);
    assert_eq!(steps(&alone_events, 0), main_batches);
    assert_eq!(
        steps(&events, 0),
        main_batches,
        "proportional: each batch once"
    );
    assert_eq!(steps(&events, 1), aux_batches);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::AuxEvaluated { task: 1, .. })),
        "the auxiliary task was not scored"
    );
    let query = |m: &anneal::model::BertClassifier| m.bert.layers[0].attention.query.weight.val();
    let moved = read(query(&alone.model))
        .iter()
        .zip(read(query(&together.model)))
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(
        moved > 1e-5,
        "the auxiliary task's gradients did not reach the encoder"
    );
    let head_moved = read(start_head)
        .iter()
        .zip(read(heads[0].classifier.weight.val()))
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(head_moved > 1e-5, "the auxiliary head did not train");

    // One auxiliary step by hand: the encoder moves, the resting main head does not.
    device.seed(3);
    let (classifier, _, _) = recipe::load(&plan, &files, None, &device).unwrap();
    let head = recipe::load_heads(&aux, &files, None, &device)
        .unwrap()
        .remove(0);
    let main_head = classifier.classifier.weight.val();
    let encoder = query(&classifier);
    let (joined, own) = classifier.swap_head(head);
    let features: Vec<_> = aux[0].data.train.iter().take(8).collect();
    let (tensors, labels) = to_tensors(
        &collate(&features, aux[0].data.pad_id, aux[0].task),
        &device,
    );
    let mut optim = optimizer(0.0);
    let (stepped, _) = train_step(joined, &mut optim, &tensors, labels, (1e-3, 1.0), None);
    let (back, _) = stepped.swap_head(own);
    assert_eq!(back.task, plan.task);
    assert_eq!(
        read(back.classifier.weight.val()),
        read(main_head),
        "the main head moved"
    );
    assert_ne!(
        read(query(&back)),
        read(encoder),
        "the encoder did not move"
    );

    // The command line.
    let out = temp_dir("multitask-out").join("out");
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        model.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--aux",
        ner.to_str().unwrap(),
        "--task-sampling",
        "temperature:2",
        "--epochs",
        "1",
        "--max-len",
        "24",
        "--batch-size",
        "8",
        "--device",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("multi-task: each step trains one task, chosen by temperature 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("epoch 1, auxiliary ") && stderr.contains("entity F1"),
        "{stderr}"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("training.json")).unwrap()).unwrap();
    let history = record["history"].to_string();
    assert!(
        history.contains("AuxEvaluated") || history.contains("aux_evaluated"),
        "{history}"
    );

    // The auxiliary head is kept beside the model, in Anneal's own files, and a run reopened
    // from that folder with the same auxiliary file starts from it, not from a new head.
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("aux_heads.json")).unwrap())
            .unwrap();
    assert_eq!(index[0]["name"], "aux.conll", "{index}");
    assert_eq!(
        index[0]["task"],
        serde_json::to_value(anneal::shared::Task::Ner).unwrap()
    );
    assert_eq!(record["aux_tasks"], index, "training.json says it too");
    let saved = model_files(&out);
    let parsed = anneal::data::parse(
        "aux.conll",
        &std::fs::read(&ner).unwrap(),
        &Default::default(),
    )
    .unwrap();
    let reopened = vec![recipe::plan_aux("aux.conll", parsed, &saved, &settings).unwrap()];
    let note = recipe::restored_heads(&reopened, &saved).unwrap();
    assert!(note.contains("aux.conll restored"), "{note}");
    assert!(recipe::restored_heads(&reopened, &files).is_none());
    let head = |files: &anneal::checkpoint::ModelFiles, seed: u64| {
        device.seed(seed);
        let heads = recipe::load_heads(&reopened, files, None, &device).unwrap();
        read(heads[0].classifier.weight.val())
    };
    assert_eq!(head(&saved, 5), head(&saved, 6), "restored, not drawn");
    assert_ne!(head(&saved, 5), head(&files, 5), "not a new head");
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        out.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--aux",
        ner.to_str().unwrap(),
        "--epochs",
        "1",
        "--max-len",
        "24",
        "--device",
        "cpu",
        "--out",
        temp_dir("multitask-reopened").join("out").to_str().unwrap(),
    ]);
    assert!(
        ok && stderr
            .contains("the auxiliary head of aux.conll restored from the saved multi-task run"),
        "{stderr}"
    );
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        model.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--aux",
        ner.to_str().unwrap(),
        "--task-sampling",
        "temperature:0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("above 0"), "{stderr}");
}

/// EDA with the real model: the synonyms are its nearest whole words (found after loading,
/// as both shells do), every word of a copy is a word of its text or a synonym of one, the
/// labels are kept, a seed repeats the copies, and a short run says what it found.
#[test]
fn eda_augments_with_the_models_own_neighbours_and_keeps_labels() {
    use anneal::shared::augment::words_of;
    use anneal::train::recipe;
    use burn::prelude::*;

    let model = common::minilm();
    let reviews = [
        "A wonderful film with a brilliant cast",
        "The movie was boring and the story weak",
        "An excellent picture, funny and smart",
        "A terrible film: dull, slow and stupid",
    ];
    let mut csv = String::from("text,label\n");
    for i in 0..24 {
        let label = if i % 2 == 0 { "positive" } else { "negative" };
        csv.push_str(&format!("\"{} {i}\",{label}\n", reviews[i % 4]));
    }
    let train = temp_dir("eda").join("train.csv");
    std::fs::write(&train, &csv).unwrap();
    let flags = [
        "--max-len",
        "24",
        "--augment",
        "eda:3",
        "--eda-alpha",
        "0.3",
    ];
    let mut plan = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags)).unwrap();
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("EDA's paper used 16 copies at alpha 0.05")),
        "{:?}",
        plan.notes
    );
    let files = model_files(&model);
    let device = Device::flex().autodiff();
    let (classifier, _, _) = recipe::load(&plan, &files, None, &device).unwrap();
    let note = pollster::block_on(recipe::find_synonyms(&mut plan, &classifier, &files))
        .unwrap()
        .unwrap();
    assert!(
        note.contains("EDA's synonyms: ") && note.contains("antonyms"),
        "{note}"
    );
    let aug = plan.data.augment.as_ref().unwrap();
    let synonyms = aug.synonyms();
    assert!(synonyms.words.len() >= 10, "{synonyms:?}");
    assert!(
        synonyms.of("film").contains(&"movie".to_string()),
        "{synonyms:?}"
    );
    let vocab: Vec<String> = files
        .tokenizer
        .whole_words()
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    for (word, near) in &synonyms.words {
        assert!(
            near.iter().all(|n| n != word && vocab.contains(n)),
            "{word}: {near:?}"
        );
    }

    let n = plan.data.train.len();
    let copies = aug.texts(7);
    assert_eq!(copies, aug.texts(7), "a seed repeats its copies");
    assert_eq!(copies.len(), 3 * n);
    let words = |t: &str| -> Vec<String> {
        words_of(t)
            .iter()
            .map(|w| t[w.start..w.end].to_lowercase())
            .collect()
    };
    let mut changed = 0;
    for (i, copy) in copies.iter().enumerate() {
        let original = words(&plan.train_texts[i % n]);
        changed += usize::from(words(copy) != original);
        for w in words(copy) {
            let from_text = original.contains(&w);
            let a_synonym = original.iter().any(|o| synonyms.of(o).contains(&w));
            assert!(from_text || a_synonym, "{w} in {copy:?} of {original:?}");
        }
    }
    assert!(
        changed * 4 >= copies.len() * 3,
        "{changed} of {} copies changed",
        copies.len()
    );
    for (i, f) in aug.epoch(7).unwrap().iter().enumerate() {
        assert_eq!(
            f.labels,
            plan.data.train[i % n].labels,
            "copy {i} changed label"
        );
    }

    // A short run with it trains and says what it found.
    let out = temp_dir("eda-out").join("out");
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        model.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--layers",
        "1",
        "--epochs",
        "1",
        "--max-len",
        "24",
        "--device",
        "cpu",
        "--augment",
        "eda:1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("note: EDA's synonyms: "), "{stderr}");
}

/// Entity recognition's augmentations, through the recipe both shells use: every augmented
/// sentence keeps one label per word, on the word's first sub-word, equal to the copy's tag;
/// mention replacement changes mentions (and sentence lengths) but never the entity types'
/// order, token replacement never a tag; a short run with each trains.
#[test]
fn entity_augmentation_keeps_every_tag_on_its_word() {
    use anneal::data::Examples;
    use anneal::data::augment::Copy;
    use anneal::shared::IGNORE_INDEX;
    use anneal::shared::mentions::mentions;

    let mut conll = String::new();
    let people = ["ada lovelace", "bob", "carl friedrich gauss", "dora"];
    let places = ["new york", "paris", "rio de janeiro"];
    for i in 0..48 {
        let tagged = |words: &str, kind: &str| {
            words
                .split(' ')
                .enumerate()
                .map(|(j, w)| format!("{w} {}-{kind}\n", if j == 0 { "B" } else { "I" }))
                .collect::<String>()
        };
        conll += &tagged(people[i % 4], "PER");
        conll += "flew O\nto O\n";
        conll += &tagged(places[i % 3], "LOC");
        conll += ". O\n\n";
    }
    let (model, _files, train, _) = planning("ner-augment", String::new());
    let train = train.with_extension("conll");
    std::fs::write(&train, &conll).unwrap();
    for kind in ["mentions", "tokens"] {
        let spec = format!("{kind}:2:0.6");
        let plan = anneal::cli::finetune_plan(finetune_args(
            &model,
            &train,
            &["--augment", &spec, "--max-len", "32"],
        ))
        .unwrap();
        let Examples::Ner(originals) = &plan.train_examples else {
            panic!("entity data")
        };
        let n = plan.data.train.len();
        assert_eq!(originals.len(), n);
        let aug = plan.data.augment.as_ref().unwrap();
        let (copies, features) = (aug.copies(5), aug.epoch(5).unwrap());
        assert_eq!(copies.len(), 2 * n);
        let (mut changed, mut lengths) = (0, 0);
        for (i, (copy, f)) in copies.iter().zip(&features).enumerate() {
            let Copy::Tagged(words, tags) = copy else {
                panic!("a tagged copy")
            };
            let original = &originals[i % n];
            let labels: Vec<&str> = f
                .labels
                .iter()
                .filter(|&&l| l != IGNORE_INDEX)
                .map(|&l| plan.data.labels[l as usize].as_str())
                .collect();
            assert_eq!(
                labels, *tags,
                "copy {i}: one label per word, the copy's tag"
            );
            assert_eq!(words.len(), tags.len());
            let types = |t: &[String]| {
                mentions(t)
                    .iter()
                    .map(|m| m.0.to_string())
                    .collect::<Vec<_>>()
            };
            assert_eq!(types(tags), types(&original.tags), "copy {i}");
            if kind == "tokens" {
                assert_eq!(
                    *tags, original.tags,
                    "copy {i}: token replacement keeps every tag"
                );
            }
            changed += usize::from(*words != original.tokens);
            lengths += usize::from(words.len() != original.tokens.len());
        }
        assert!(
            changed > n / 2,
            "{kind}: {changed} of {} copies changed",
            2 * n
        );
        if kind == "mentions" {
            assert!(lengths > 0, "mentions of other lengths replace each other");
        }
        let out = temp_dir(&format!("ner-augment-{kind}")).join("out");
        let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--augment", &spec]);
        assert!(ok, "{stderr}");
        assert!(stderr.contains(&format!("2 {kind} copies")), "{stderr}");
    }
}

/// Adversarial training from the command line: a run with FGM trains and says so; a zero
/// epsilon is refused by its flag.
#[test]
fn adversarial_training_runs_and_refuses_a_zero_epsilon() {
    let model = tiny_model_dir("fgm-model", 5);
    let work = temp_dir("fgm-work");
    let train = work.join("train.csv");
    std::fs::write(&train, synthetic_sentiment(120, 4)).unwrap();
    let out = work.join("out");
    for (flags, says, kind) in [
        (
            &["--adversarial", "fgm"][..],
            "adversarial training: FGM (ε 1) on the word embeddings, about 2 times",
            "fgm",
        ),
        (
            &[
                "--adversarial",
                "pgd",
                "--adv-steps",
                "2",
                "--adv-alpha",
                "0.5",
            ][..],
            "adversarial training: PGD-2 (ε 1, α 0.5) on the word embeddings, about 3 times",
            "pgd",
        ),
    ] {
        let mut all = vec!["--max-len", "32"];
        all.extend_from_slice(flags);
        let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &all);
        assert!(ok, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("training.json")).unwrap()).unwrap();
        assert_eq!(record["config"]["adversarial"]["kind"], kind, "{record}");
    }
    for (flags, says) in [
        (
            &["--adversarial", "fgm", "--adv-epsilon", "0"][..],
            "--adv-epsilon epsilon must be a number above 0",
        ),
        (
            &["--adversarial", "pgd", "--adv-steps", "0"][..],
            "--adv-steps must be between 1 and 10, found 0",
        ),
        (
            &["--adversarial", "pgd", "--adv-alpha=-1"][..],
            "--adv-alpha must be a number above 0",
        ),
    ] {
        let (ok, _, stderr) = finetune_tiny(&model, &train, &out, flags);
        assert!(!ok && stderr.contains(says), "{flags:?}: {stderr}");
    }
}

/// `--eval-every N`: the validation loss between epochs at every N-th step (not at an epoch's
/// last step, which the epoch's own evaluation measures), said on stderr and kept in
/// `training.json`; zero steps refused.
#[test]
fn validation_at_a_step_interval_is_measured_between_epochs() {
    let model = tiny_model_dir("eval-every-model", 6);
    let work = temp_dir("eval-every");
    let train = work.join("train.csv");
    // 80 examples: 72 train after the split, 5 steps an epoch at batch 16, 8 epochs.
    std::fs::write(&train, synthetic_sentiment(80, 2)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(
        &model,
        &train,
        &out,
        &["--max-len", "32", "--eval-every", "7"],
    );
    assert!(ok, "{stderr}");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("training.json")).unwrap()).unwrap();
    let validated: Vec<(u64, u64, f64)> = record["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "validated")
        .map(|e| {
            (
                e["step"].as_u64().unwrap(),
                e["epoch"].as_u64().unwrap(),
                e["valid_loss"].as_f64().unwrap(),
            )
        })
        .collect();
    let steps: Vec<u64> = validated.iter().map(|v| v.0).collect();
    // Every 7th step but 35, which ends epoch 7 and is the epoch's own evaluation.
    assert_eq!(steps, [7, 14, 21, 28], "{validated:?}");
    assert_eq!(validated[0].1, 2, "step 7 is in epoch 2");
    assert!(validated.iter().all(|v| v.2.is_finite() && v.2 > 0.0));
    assert!(stderr.contains("step 14: validation loss "), "{stderr}");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--eval-every", "0"]);
    assert!(
        !ok && stderr.contains("--eval-every must be at least 1 step"),
        "{stderr}"
    );
}
