//! Every encoder family against transformers (tests/reference/family_parity.py writes the
//! fixtures: small random models as each Hugging Face class saves them, a tokenizer of the
//! family's kind, and what transformers computes with them): tokenizer ids, hidden states,
//! both heads' logits, loss and loss after one SGD step, the language-model heads (masked, and
//! causal where transformers has one) the same way, and an export that gives back the file's
//! tensors exactly under the file's names.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anneal::checkpoint::safetensors::SafeTensors;
use anneal::checkpoint::{
    export_config, export_lm_config, export_lm_safetensors, export_safetensors, load_classifier,
    load_encoder, load_lm,
};
use anneal::data::tokenizer::TextTokenizer;
use anneal::model::{BatchTensors, BertConfig, Family, Objective, Task, hf_label_rows};
use anneal::runtime::readback::read_f32;
use burn::prelude::*;
use serde_json::Value;

use super::common::{max_diff, root};

fn dir(family: &str) -> PathBuf {
    root().join("tests/fixtures/families").join(family)
}

fn expected(family: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir(family).join("expected.json")).unwrap()).unwrap()
}

fn ints<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    ints(v)
}

/// The tokenizer gives transformers' ids on the hard texts and on pre-split words, with the
/// same word of every token, and pads with the id transformers pads with.
fn tokenizer_matches(family: &str, e: &Value) {
    let tok = TextTokenizer::from_json(&std::fs::read(dir(family).join("tokenizer.json")).unwrap())
        .unwrap();
    for case in e["texts"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let want: Vec<u32> = ints(&case["ids"]);
        assert_eq!(tok.raw_ids(text, true).unwrap(), want, "{family}: {text:?}");
    }
    let words: Vec<String> = ints(&e["words"]);
    let got = tok.encode_words(&words, 512).unwrap();
    assert_eq!(
        got.ids,
        ints::<Vec<u32>>(&e["word_input_ids"]),
        "{family}: words"
    );
    assert_eq!(
        got.word_ids,
        ints::<Vec<Option<usize>>>(&e["word_ids"]),
        "{family}: word ids"
    );
    let ids: Vec<Vec<i64>> = ints(&e["input_ids"]);
    let mask: Vec<Vec<i64>> = ints(&e["attention_mask"]);
    let padded = ids[1][mask[1].iter().position(|&m| m == 0).unwrap()];
    assert_eq!(tok.pad_id() as i64, padded, "{family}: pad id");
}

fn batch(e: &Value, device: &Device) -> BatchTensors {
    let ids: Vec<Vec<i64>> = ints(&e["input_ids"]);
    let mask: Vec<Vec<i64>> = ints(&e["attention_mask"]);
    let (b, s) = (ids.len(), ids[0].len());
    let int2 = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [b, s]), device);
    BatchTensors {
        input_ids: int2(ids.concat()),
        attention_mask: int2(mask.concat()),
        token_type_ids: Tensor::zeros([b, s], device),
    }
}

fn read(t: Tensor<2>) -> Vec<f64> {
    pollster::block_on(read_f32(t))
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

/// The file's tensors (buffers aside) and the export's are the same names with the same bits.
fn export_is_exact(family: &str, file: &[u8], exported: &[u8]) {
    let (a, b) = (
        SafeTensors::parse(file).unwrap(),
        SafeTensors::parse(exported).unwrap(),
    );
    let names = |s: &SafeTensors| -> BTreeSet<String> {
        s.tensors
            .keys()
            .filter(|k| !k.ends_with("position_ids"))
            .cloned()
            .collect()
    };
    assert_eq!(names(&a), names(&b), "{family}: exported names");
    for name in names(&a) {
        let (x, y) = (&a.tensors[&name], &b.tensors[&name]);
        assert_eq!(x.shape, y.shape, "{family}: {name}");
        let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
        assert!(
            bits(x.to_f32().unwrap()) == bits(y.to_f32().unwrap()),
            "{family}: {name} changed in export"
        );
    }
}

/// Equal lengths and every value within `tolerance`.
fn assert_close(what: &str, got: Vec<f64>, want: Vec<f64>, tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let diff = max_diff(got, want);
    assert!(diff < tolerance, "{what}: differ by {diff}");
}

/// The loss within 1e-5 of transformers' and the loss after one SGD step within 1e-4.
fn losses_match(what: &str, before: f64, after: f64, want: &Value) {
    let (want_before, want_after) = (
        want["loss"].as_f64().unwrap(),
        want["loss_after_sgd_step"].as_f64().unwrap(),
    );
    assert!(
        (before - want_before).abs() < 1e-5,
        "{what}: loss {before} vs transformers {want_before}"
    );
    assert!(
        (after - want_after).abs() < 1e-4,
        "{what}: loss after a step {after} vs transformers {want_after}"
    );
}

fn check(family: &str, want: Family) {
    let e = expected(family);
    tokenizer_matches(family, &e);

    // The encoder's hidden states, padding positions included.
    let files = |task: &str| {
        let d = dir(family).join(task);
        let config = BertConfig::from_json(&std::fs::read(d.join("config.json")).unwrap())
            .unwrap_or_else(|err| panic!("{family}: {err}"));
        (config, std::fs::read(d.join("model.safetensors")).unwrap())
    };
    let (config, weights) = files("classify");
    assert_eq!(config.family(), want);
    let device = Device::flex();
    let (encoder, _, _) = load_encoder(&config, &weights, None, &device).unwrap();
    let b = batch(&e, &device);
    let out = encoder.forward(b.input_ids, b.attention_mask, b.token_type_ids, false);
    let [n, s, h] = out.last_hidden_state.dims();
    let hidden = read(out.last_hidden_state.reshape([n * s, h]));
    assert_close(
        &format!("{family}: hidden states"),
        hidden,
        floats(&e["hidden"]),
        1e-4,
    );

    for (name, task) in [("classify", Task::Classify), ("ner", Task::Ner)] {
        let (config, weights) = files(name);
        let want_head = &e[name];
        let labels = config.labels().unwrap();
        let device = Device::flex().autodiff();
        let (model, kept, report) =
            load_classifier(&config, &weights, task, labels.len(), None, &device).unwrap();
        assert!(
            report.initialised.is_empty() && report.unexpected.is_empty(),
            "{family} {name}: {report:?}"
        );

        let exported = pollster::block_on(export_safetensors(&model)).unwrap();
        export_is_exact(&format!("{family} {name}"), &weights, &exported);
        let json = export_config(&kept, task, &labels);
        let back = BertConfig::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.family(), want);
        assert_eq!(Task::from_architectures(&back), Some(task));
        let raw: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            raw["architectures"][0],
            task.architecture(want),
            "{family} {name}"
        );
        if want == Family::DistilBert {
            assert!(
                raw.get("dim").is_some() && raw.get("hidden_size").is_none(),
                "{json}"
            );
        }

        let b = batch(&e, &device);
        let y: Vec<i64> = match task {
            Task::Classify => ints(&want_head["labels"]),
            Task::Ner => ints::<Vec<Vec<i64>>>(&want_head["labels"]).concat(),
        };
        let y = Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [y.len()]), &device);
        let (loss, logits) = model.loss(&b, y.clone());
        assert_close(
            &format!("{family} {name}: logits"),
            read(logits),
            floats(&want_head["logits"]),
            1e-4,
        );
        let before = read(loss.clone().unsqueeze())[0];
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let lr = e["lr"].as_f64().unwrap();
        let model = burn::optim::SgdConfig::new().init().step(lr, model, grads);
        let after = read(model.loss(&b, y).0.unsqueeze())[0];
        losses_match(&format!("{family} {name}"), before, after, want_head);
    }
    language_models_match(family, want, &e);
}

/// The family's language models (`*ForMaskedLM`; `*ForCausalLM` / `BertLMHeadModel` where
/// transformers has one): load with nothing left out, the first scored rows' logits, the loss
/// before and after one SGD step, and the export, names, bits and config.
fn language_models_match(family: &str, want: Family, e: &Value) {
    for (name, objective) in [("mlm", Objective::Mlm), ("clm", Objective::Clm)] {
        assert_eq!(
            e.get(name).is_some(),
            want.has_lm(objective),
            "{family}: {name} fixture"
        );
        let Some(want_lm) = e.get(name) else { continue };
        let d = dir(family).join(name);
        let config = BertConfig::from_json(&std::fs::read(d.join("config.json")).unwrap()).unwrap();
        let weights = std::fs::read(d.join("model.safetensors")).unwrap();
        let device = Device::flex().autodiff();
        let (model, report) = load_lm(&config, &weights, objective, &device).unwrap();
        assert!(
            report.initialised.is_empty() && report.unexpected.is_empty(),
            "{family} {name}: {report:?}"
        );

        let exported = pollster::block_on(export_lm_safetensors(&model)).unwrap();
        export_is_exact(&format!("{family} {name}"), &weights, &exported);
        let raw: Value = serde_json::from_str(&export_lm_config(&config, objective)).unwrap();
        assert_eq!(raw["architectures"][0], objective.architecture(want));
        assert_eq!(raw["model_type"], want.model_type());

        let b = batch(e, &device);
        let (positions, targets) =
            hf_label_rows(&ints::<Vec<Vec<i64>>>(&want_lm["labels"]), objective);
        let int1 = |v: Vec<i64>| {
            Tensor::<1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device)
        };
        let (positions, targets) = (int1(positions), int1(targets));
        let (loss, logits) = model.loss(&b, positions.clone(), targets.clone());
        let want_logits = floats(&want_lm["logits"]);
        let got: Vec<f64> = read(logits).into_iter().take(want_logits.len()).collect();
        assert_close(&format!("{family} {name}: logits"), got, want_logits, 1e-4);
        let before = read(loss.clone().unsqueeze())[0];
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let lr = e["lr"].as_f64().unwrap();
        let model = burn::optim::SgdConfig::new().init().step(lr, model, grads);
        let after = read(model.loss(&b, positions, targets).0.unsqueeze())[0];
        losses_match(&format!("{family} {name}"), before, after, want_lm);
    }
}

#[test]
fn bert_matches_transformers() {
    check("bert", Family::Bert);
}

#[test]
fn distilbert_matches_transformers() {
    check("distilbert", Family::DistilBert);
}

#[test]
fn roberta_matches_transformers() {
    check("roberta", Family::Roberta);
}

#[test]
fn xlm_roberta_matches_transformers() {
    check("xlm-roberta", Family::XlmRoberta);
}

#[test]
fn electra_matches_transformers() {
    check("electra", Family::Electra);
}
