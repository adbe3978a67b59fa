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
use anneal::data::batch::collate;
use anneal::data::features::Features;
use anneal::data::qa::windows;
use anneal::data::tokenizer::TextTokenizer;
use anneal::data::{Answer, QaExample};
use anneal::forward::{span_logits, to_tensors};
use anneal::model::{BatchTensors, BertConfig, Family, Objective, Task, hf_label_rows};
use anneal::runtime::readback::read_f32;
use anneal::shared::QA_OUTPUTS;
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
            _ => ints::<Vec<Vec<i64>>>(&want_head["labels"]).concat(),
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
    question_answering_matches(family, want, &e);
    language_models_match(family, want, &e);
}

/// The question-answering head: `run_qa.py`'s windows (ids, segments, offsets, labels) of
/// questions whose answers sit on and across window edges, the head's logits, loss and loss
/// after one SGD step on those windows batched, the export, and the answers `utils_qa`'s
/// post-processing reads off each window (v1, and v2 with "no answer" competing).
fn question_answering_matches(family: &str, want: Family, e: &Value) {
    let qa = &e["qa"];
    let tok = TextTokenizer::from_json(&std::fs::read(dir(family).join("tokenizer.json")).unwrap())
        .unwrap();
    let examples: Vec<QaExample> = qa["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| QaExample {
            id: x["id"].as_str().unwrap().into(),
            question: x["question"].as_str().unwrap().trim_start().into(),
            context: x["context"].as_str().unwrap().into(),
            answers: x["answers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| Answer {
                    text: a["text"].as_str().unwrap().into(),
                    start: a["answer_start"].as_u64().unwrap() as usize,
                })
                .collect(),
            line: 1,
        })
        .collect();
    let (max_len, stride) = (
        qa["max_len"].as_u64().unwrap() as usize,
        qa["stride"].as_u64().unwrap() as usize,
    );
    let mut windowed = windows(&examples, &tok, max_len, stride).unwrap();
    let want_windows = qa["windows"].as_array().unwrap();
    assert_eq!(
        windowed.features.len(),
        want_windows.len(),
        "{family}: windows"
    );
    for (i, (f, w)) in windowed.features.iter().zip(want_windows).enumerate() {
        let at = format!("{family}: window {i}");
        assert_eq!(f.ids, ints::<Vec<u32>>(&w["input_ids"]), "{at}: ids");
        if let Some(types) = w.get("token_type_ids") {
            assert_eq!(f.type_ids, ints::<Vec<u32>>(types), "{at}: segments");
        }
        let offsets: Vec<Option<(usize, usize)>> = ints(&w["offsets"]);
        assert_eq!(
            windowed.questions.windows[i].offsets, offsets,
            "{at}: offsets"
        );
        assert_eq!(
            windowed.questions.windows[i].example,
            w["example"].as_u64().unwrap() as usize
        );
        let labels = vec![w["start"].as_i64().unwrap(), w["end"].as_i64().unwrap()];
        assert_eq!(f.labels, labels, "{at}: labels");
    }

    let d = dir(family).join("qa");
    let config = BertConfig::from_json(&std::fs::read(d.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(d.join("model.safetensors")).unwrap();
    assert_eq!(Task::from_architectures(&config), Some(Task::Qa));
    let device = Device::flex().autodiff();
    let load = || load_classifier(&config, &weights, Task::Qa, QA_OUTPUTS, None, &device).unwrap();
    let (model, kept, report) = load();
    assert!(
        report.initialised.is_empty() && report.unexpected.is_empty(),
        "{family} qa: {report:?}"
    );
    let exported = pollster::block_on(export_safetensors(&model)).unwrap();
    export_is_exact(&format!("{family} qa"), &weights, &exported);
    let names = ["LABEL_0".to_string(), "LABEL_1".to_string()];
    let raw: Value = serde_json::from_str(&export_config(&kept, Task::Qa, &names)).unwrap();
    assert_eq!(raw["architectures"][0], Task::Qa.architecture(want));

    let rows: Vec<&Features> = windowed.features.iter().collect();
    let batch = collate(&rows, tok.pad_id(), Task::Qa);
    let (b, y) = to_tensors(&batch, &device);
    let (loss, logits) = model.loss(&b, y.clone());
    assert_close(
        &format!("{family} qa: logits"),
        read(logits),
        floats(&qa["logits"]),
        1e-4,
    );
    let before = read(loss.clone().unsqueeze())[0];
    let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
    let model = burn::optim::SgdConfig::new()
        .init()
        .step(e["lr"].as_f64().unwrap(), model, grads);
    let after = read(model.loss(&b, y).0.unsqueeze())[0];
    losses_match(&format!("{family} qa"), before, after, qa);

    let (model, _, _) = load();
    let logits = pollster::block_on(span_logits(
        &model.valid(),
        &windowed.features,
        3,
        tok.pad_id(),
    ))
    .unwrap();
    for (i, (got, want)) in logits
        .iter()
        .zip(qa["window_logits"].as_array().unwrap())
        .enumerate()
    {
        let want: (Vec<f64>, Vec<f64>) = ints(want);
        let got0: Vec<f64> = got.0.iter().map(|&x| x as f64).collect();
        assert_close(
            &format!("{family} qa: window {i} start logits"),
            got0,
            want.0,
            1e-4,
        );
    }
    for (key, v2) in [("answers", false), ("answers_v2", true)] {
        windowed.questions.reading.unanswerable = v2;
        let answers = windowed.questions.answers(&logits);
        for (a, w) in answers.iter().zip(qa[key].as_array().unwrap()) {
            let at = format!("{family} {key} {}", w["text"]);
            assert_eq!(a.answer.text, w["text"].as_str().unwrap(), "{at}");
            assert_eq!(
                a.answer.start,
                w["start"].as_u64().unwrap() as usize,
                "{at}"
            );
            assert_eq!(a.answer.end, w["end"].as_u64().unwrap() as usize, "{at}");
            let p = w["probability"].as_f64().unwrap();
            assert!(
                (a.answer.probability as f64 - p).abs() < 1e-4,
                "{at}: probability"
            );
            if let Some(diff) = w.get("null_score_diff") {
                let got = a.null_score_diff.unwrap() as f64;
                assert!(
                    (got - diff.as_f64().unwrap()).abs() < 1e-3,
                    "{at}: null score"
                );
            }
        }
    }
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
