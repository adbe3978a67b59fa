//! Language models: parity with transformers' `BertForMaskedLM` and causal `BertLMHeadModel`
//! (loss before and after one SGD step, fill-mask and next-token top-5), the export's tensor
//! names, MiniLM's attention maps against `output_attentions`
//! (tests/reference/lm_parity.py), and `anneal pretrain` / `probe` / `attention` end to end.

use std::collections::BTreeSet;

use anneal::checkpoint::ModelFiles;
use anneal::checkpoint::safetensors::SafeTensors;
use anneal::checkpoint::{export_lm_safetensors, load_encoder, load_lm};
use anneal::infer::lm;
use anneal::model::{BatchTensors, BertConfig, Objective};
use anneal::runtime::readback::read_f32;
use burn::prelude::*;
use serde_json::Value;

use super::anneal;
use crate::common::*;

fn fixture(name: &str) -> (std::path::PathBuf, Value, ModelFiles) {
    let dir = root().join("tests/fixtures/lm_parity").join(name);
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        files.insert(f.to_string(), std::fs::read(dir.join(f)).unwrap());
    }
    let files = ModelFiles::from_files(name, files).unwrap();
    (dir, expected, files)
}

fn ints(v: &Value) -> Vec<Vec<i64>> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Loss before and after one SGD step equal PyTorch's for both objectives: equal gradients
/// through the tied decoder, the head's transform and the causal mask.
#[test]
fn language_model_gradients_match_pytorch() {
    for (name, objective) in [("mlm", Objective::Mlm), ("clm", Objective::Clm)] {
        let (_, expected, files) = fixture(name);
        let device = Device::flex().autodiff();
        let (model, report) = load_lm(&files.config, &files.weights, objective, &device).unwrap();
        assert!(
            report.initialised.is_empty() && report.unexpected.is_empty(),
            "{report:?}"
        );
        let (ids, mask, labels) = (
            ints(&expected["input_ids"]),
            ints(&expected["attention_mask"]),
            ints(&expected["labels"]),
        );
        let (b, s) = (ids.len(), ids[0].len());
        // The rows transformers scores: labelled tokens (MLM), or each token's successor (CLM).
        let (positions, targets) = anneal::model::hf_label_rows(&labels, objective);
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
        let before = pollster::block_on(read_f32(loss.clone())).unwrap()[0] as f64;
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let model = burn::optim::SgdConfig::new().init().step(1.0, model, grads);
        let (loss, _) = model.loss(&batch, int1(&positions), int1(&targets));
        let after = pollster::block_on(read_f32(loss)).unwrap()[0] as f64;
        let want = (
            expected["loss"].as_f64().unwrap(),
            expected["loss_after_sgd_step"].as_f64().unwrap(),
        );
        assert!(
            (before - want.0).abs() < 1e-5,
            "{name}: loss {before} vs PyTorch {}",
            want.0
        );
        assert!(
            (after - want.1).abs() < 1e-4,
            "{name}: after a step {after} vs PyTorch {}",
            want.1
        );
    }
}

/// `pipeline("fill-mask")`'s top-5 and a causal model's next-token top-5: same tokens in the
/// same order, probabilities within 1e-4.
#[test]
fn fill_mask_and_next_token_match_transformers() {
    let (_, expected, files) = fixture("mlm");
    let device = Device::flex();
    let (model, _) = load_lm(&files.config, &files.weights, Objective::Mlm, &device).unwrap();
    let texts: Vec<String> = serde_json::from_value(expected["fill_texts"].clone()).unwrap();
    for (text, want) in texts.iter().zip(expected["fill_mask"].as_array().unwrap()) {
        let dists = pollster::block_on(lm::fill_mask(&model, &files.tokenizer, text, 64)).unwrap();
        let want = want.as_array().unwrap();
        assert_eq!(dists.len(), want.len(), "{text}: one list per mask");
        for (p, w) in dists.iter().zip(want) {
            let got = lm::top_k(p, 5, &files.tokenizer);
            for (g, w) in got.iter().zip(w.as_array().unwrap()) {
                assert_eq!(g.token, w["token"].as_str().unwrap(), "{text}: {got:?}");
                assert!(
                    (g.score as f64 - w["score"].as_f64().unwrap()).abs() < 1e-4,
                    "{text}: {got:?} vs {w}"
                );
            }
        }
    }
    let err = pollster::block_on(lm::fill_mask(&model, &files.tokenizer, "no mask here", 64))
        .unwrap_err();
    assert!(err.to_string().contains("[MASK]"), "{err}");

    let (_, expected, files) = fixture("clm");
    let (model, _) = load_lm(&files.config, &files.weights, Objective::Clm, &device).unwrap();
    let text = expected["next_text"].as_str().unwrap();
    let p = pollster::block_on(lm::next_token(&model, &files.tokenizer, text, 64)).unwrap();
    let got = lm::top_k(&p, 5, &files.tokenizer);
    for (g, w) in got.iter().zip(expected["next"].as_array().unwrap()) {
        assert_eq!(g.token, w["token"].as_str().unwrap(), "{got:?}");
        assert!(
            (g.score as f64 - w["score"].as_f64().unwrap()).abs() < 1e-4,
            "{got:?} vs {w}"
        );
    }
}

/// The export has exactly transformers' tensor names (nothing missing, nothing unexpected:
/// the decoder is tied) and the same values.
#[test]
fn language_model_export_has_transformers_names() {
    for (name, objective) in [("mlm", Objective::Mlm), ("clm", Objective::Clm)] {
        let (_, _, files) = fixture(name);
        let (model, _) =
            load_lm(&files.config, &files.weights, objective, &Device::flex()).unwrap();
        let bytes = pollster::block_on(export_lm_safetensors(&model)).unwrap();
        let ours = SafeTensors::parse(&bytes).unwrap();
        let theirs = SafeTensors::parse(&files.weights).unwrap();
        let names = |s: &SafeTensors| s.tensors.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(names(&ours), names(&theirs), "{name}");
        for (k, v) in &theirs.tensors {
            assert_eq!(ours.tensors[k].to_f32(), v.to_f32(), "{name}: {k}");
        }
        let config: Value = serde_json::from_str(&anneal::checkpoint::export_lm_config(
            &files.config,
            objective,
        ))
        .unwrap();
        assert_eq!(
            config["architectures"][0],
            objective.architecture(anneal::model::Family::Bert)
        );
        assert_eq!(
            config["is_decoder"].as_bool().unwrap_or(false),
            objective == Objective::Clm
        );
    }
}

/// MiniLM's attention probabilities equal transformers' `output_attentions` within 1e-4.
#[test]
fn minilm_attention_matches_transformers() {
    let dir = minilm();
    let config = BertConfig::from_json(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let tokenizer = anneal::data::tokenizer::TextTokenizer::from_json(
        &std::fs::read(dir.join("tokenizer.json")).unwrap(),
    )
    .unwrap();
    let (bert, _, _) = load_encoder(&config, &weights, None, &Device::flex()).unwrap();
    let expected: Vec<Value> = serde_json::from_slice(
        &std::fs::read(root().join("tests/fixtures/lm_parity/attention.json")).unwrap(),
    )
    .unwrap();
    for e in expected {
        let text = e["text"].as_str().unwrap();
        let maps = pollster::block_on(lm::attention(&bert, &tokenizer, text, 512)).unwrap();
        let tokens: Vec<String> = serde_json::from_value(e["tokens"].clone()).unwrap();
        assert_eq!(maps.tokens, tokens);
        let want: Vec<Vec<Vec<Vec<f64>>>> =
            serde_json::from_value(e["attentions"].clone()).unwrap();
        let flat = |v: &Vec<Vec<Vec<Vec<f32>>>>| {
            v.iter()
                .flatten()
                .flatten()
                .flatten()
                .map(|&x| x as f64)
                .collect::<Vec<_>>()
        };
        let theirs: Vec<f64> = want.iter().flatten().flatten().flatten().copied().collect();
        assert_eq!(flat(&maps.attentions).len(), theirs.len());
        let worst = max_diff(flat(&maps.attentions), theirs);
        assert!(worst < 1e-4, "{text}: largest difference {worst}");
    }
}

/// `anneal pretrain` learns on a small corpus with each objective and vocabulary, ends with
/// its JSON line, and writes a folder that `probe` and `attention` read; rows of attention
/// sum to 1 and a causal model's maps are empty above the diagonal.
#[test]
fn pretrain_probe_and_attention_from_the_command_line() {
    let dir = temp_dir("pretrain-cli");
    let corpus = dir.join("corpus.txt");
    let text: String = (0..400)
        .map(|i| {
            format!(
                "the cat sat on the mat number {} .\nthe dog ran to the park .\n",
                i % 7
            )
        })
        .collect();
    std::fs::write(&corpus, &text).unwrap();
    for (objective, tokenizer) in [("mlm", "wordpiece:80"), ("clm", "char")] {
        let out = dir.join(format!("model-{objective}"));
        let (ok, stdout, stderr) = anneal(&[
            "pretrain",
            "--corpus",
            corpus.to_str().unwrap(),
            "--objective",
            objective,
            "--layers",
            "1",
            "--hidden",
            "32",
            "--heads",
            "2",
            "--tokenizer",
            tokenizer,
            "--steps",
            "60",
            "--batch-size",
            "8",
            "--seq-len",
            "24",
            "--lr",
            "3e-3",
            "--eval-every",
            "30",
            "--device",
            "cpu",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok, "{stderr}");
        let line: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(line["steps"], 60);
        let heldout = line["heldout_loss"].as_f64().unwrap();
        let history: Value =
            serde_json::from_slice(&std::fs::read(out.join("pretraining.json")).unwrap()).unwrap();
        let first = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "evaluated")
            .unwrap();
        let initial = first["scores"]["loss"].as_f64().unwrap();
        assert!(
            heldout < initial - 0.5,
            "{objective}: held-out loss {initial} -> {heldout}"
        );
        let key = if objective == "mlm" {
            "heldout_masked_accuracy"
        } else {
            "heldout_next_token_accuracy"
        };
        assert!(line[key].as_f64().unwrap() > 0.0, "{line}");

        let probe_text = if objective == "mlm" {
            "the cat [MASK] on the mat"
        } else {
            "the cat s"
        };
        let (ok, stdout, stderr) = anneal(&[
            "probe",
            "--model",
            out.to_str().unwrap(),
            "--generate",
            "5",
            "--expect",
            "sat",
            probe_text,
        ]);
        assert!(ok, "{stderr}");
        let p: Value = serde_json::from_str(stdout.trim()).unwrap();
        let top = if objective == "mlm" {
            &p["masks"][0]
        } else {
            &p["next"]
        };
        assert_eq!(top.as_array().unwrap().len(), 5, "{p}");
        if objective == "clm" {
            assert_eq!(p["generated"].as_str().unwrap().chars().count(), 5, "{p}");
        }

        let (ok, stdout, stderr) =
            anneal(&["attention", "--model", out.to_str().unwrap(), "the cat sat"]);
        assert!(ok, "{stderr}");
        let a: Value = serde_json::from_str(stdout.trim()).unwrap();
        let n = a["tokens"].as_array().unwrap().len();
        let maps: Vec<Vec<Vec<Vec<f64>>>> =
            serde_json::from_value(a["attentions"].clone()).unwrap();
        assert_eq!((maps.len(), maps[0].len(), maps[0][0].len()), (1, 2, n));
        for row in maps.iter().flatten().flatten() {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-5);
        }
        if objective == "clm" {
            for (q, row) in maps[0][0].iter().enumerate() {
                assert!(row[q + 1..].iter().all(|&x| x == 0.0), "row {q}: {row:?}");
            }
        }
    }
    // A model without a language-model head is refused by name.
    let (ok, _, stderr) = anneal(&["probe", "--model", minilm().to_str().unwrap(), "a [MASK] b"]);
    assert!(!ok && stderr.contains("no language-model head"), "{stderr}");
}

/// A word's nearest tokens in MiniLM's embedding table are related words, sorted by cosine,
/// without the word itself or special tokens; a word that is not one token is looked up by its
/// first piece, and said so.
#[test]
fn minilm_word_neighbours_are_related_words() {
    use anneal::infer::embed::nearest_tokens;
    let dir = minilm();
    let files = ModelFiles::from_files(
        "minilm",
        ["config.json", "model.safetensors", "tokenizer.json"]
            .into_iter()
            .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
            .collect(),
    )
    .unwrap();
    let device = Device::flex();
    let (bert, _, _) = load_encoder(&files.config, &files.weights, None, &device).unwrap();
    let table = bert.embeddings.word_embeddings.weight.val();
    let found = pollster::block_on(nearest_tokens(table.clone(), &files.tokenizer, "king", 10))
        .unwrap()
        .unwrap();
    assert!(found.whole_word && found.token == "king");
    let words: Vec<&str> = found.nearest.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(words.len(), 10);
    assert!(
        !words.contains(&"king") && !words.iter().any(|w| w.starts_with('[')),
        "{words:?}"
    );
    let related = [
        "kings", "queen", "prince", "monarch", "throne", "royal", "kingdom", "emperor",
    ];
    assert!(words.iter().any(|w| related.contains(w)), "{words:?}");
    assert!(found.nearest.windows(2).all(|w| w[0].1 >= w[1].1));
    let piece = pollster::block_on(nearest_tokens(table, &files.tokenizer, "annealing", 5))
        .unwrap()
        .unwrap();
    assert!(
        !piece.whole_word && "annealing".starts_with(&piece.token),
        "{piece:?}"
    );
}

/// `anneal pretrain` and the Learn panel share one settings type: the same defaults for each
/// objective, the same settings from the same choices, and each invalid setting refused with
/// the same typed error, worded with the flag on the command line and the field in the browser.
#[test]
fn the_command_line_and_the_browser_share_pretraining_settings() {
    use anneal::protocol::pretrain_setting_message;
    use anneal::shared::{Architecture, LmStart, PretrainSettings, Vocabulary};

    let args = |flags: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "anneal",
            "pretrain",
            "--corpus",
            "missing.txt",
            "--out",
            "o",
        ]
        .map(String::from)
        .to_vec();
        a.extend(flags.iter().map(|f| f.to_string()));
        a
    };
    let cli = |flags: &[&str]| anneal::cli::pretrain_settings(args(flags)).unwrap();

    assert_eq!(cli(&[]), Ok(PretrainSettings::defaults(Objective::Mlm)));
    assert_eq!(
        cli(&["--objective", "clm"]),
        Ok(PretrainSettings::defaults(Objective::Clm))
    );
    let chosen = [
        "--preset",
        "small",
        "--tokenizer",
        "bpe:500",
        "--steps",
        "20",
        "--batch-size",
        "4",
        "--seq-len",
        "32",
        "--lr",
        "5e-4",
        "--warmup-ratio",
        "0.1",
        "--weight-decay",
        "0",
        "--dropout",
        "0",
        "--eval-every",
        "5",
        "--eval-batches",
        "2",
        "--heldout",
        "0.2",
        "--seed",
        "7",
    ];
    let browser = PretrainSettings {
        start: LmStart::Scratch {
            architecture: Architecture::preset("small").unwrap(),
            vocabulary: Vocabulary::Bpe { size: 500 },
        },
        steps: 20,
        batch_size: 4,
        seq_len: 32,
        lr: 5e-4,
        warmup_ratio: 0.1,
        weight_decay: 0.0,
        dropout: 0.0,
        eval_every: 5,
        eval_batches: 2,
        heldout_share: 0.2,
        seed: 7,
        ..PretrainSettings::defaults(Objective::Mlm)
    };
    assert_eq!(cli(&chosen), Ok(browser));

    type Change = fn(&mut PretrainSettings);
    let cases: [(&[&str], Change, &str, &str); 12] = [
        (
            &["--steps", "0"],
            |s| s.steps = 0,
            "--steps must be at least 1",
            "Steps must be at least 1",
        ),
        (
            &["--batch-size", "0"],
            |s| s.batch_size = 0,
            "--batch-size must be",
            "Batch must be",
        ),
        (
            &["--seq-len", "3"],
            |s| s.seq_len = 3,
            "--seq-len must be between 4",
            "Block length must be between 4",
        ),
        (
            &["--lr", "1"],
            |s| s.lr = 1.0,
            "--lr must be a number above 0",
            "Learning rate must be",
        ),
        (
            &["--warmup-ratio", "1"],
            |s| s.warmup_ratio = 1.0,
            "--warmup-ratio must be",
            "Warm-up must be",
        ),
        (
            &["--weight-decay=-0.1"],
            |s| s.weight_decay = -0.1,
            "--weight-decay must be",
            "Weight decay must be",
        ),
        (
            &["--dropout", "1"],
            |s| s.dropout = 1.0,
            "--dropout must be",
            "Dropout must be",
        ),
        (
            &["--eval-every", "0"],
            |s| s.eval_every = 0,
            "--eval-every must be",
            "Evaluate every must be",
        ),
        (
            &["--eval-batches", "0"],
            |s| s.eval_batches = 0,
            "--eval-batches must be",
            "Evaluation batches must be",
        ),
        (
            &["--heldout", "0.5"],
            |s| s.heldout_share = 0.5,
            "--heldout must be",
            "Held-out share must be",
        ),
        (
            &["--heads", "3"],
            |s| {
                if let LmStart::Scratch { architecture, .. } = &mut s.start {
                    architecture.heads = 3
                }
            },
            "--heads: the width 128 is not a multiple of the 3 heads",
            "Model shape: the width 128 is not a multiple of the 3 heads",
        ),
        (
            &["--tokenizer", "wordpiece:10"],
            |s| {
                if let LmStart::Scratch { vocabulary, .. } = &mut s.start {
                    *vocabulary = Vocabulary::WordPiece { size: 10 }
                }
            },
            "--tokenizer must be at least 64 tokens",
            "Vocabulary size must be at least 64 tokens",
        ),
    ];
    for (flags, change, cli_words, browser_words) in cases {
        let mut settings = PretrainSettings::default();
        change(&mut settings);
        let browser = settings.validate(None).unwrap_err();
        assert_eq!(cli(flags), Err(browser.clone()), "{flags:?}");
        let message = pretrain_setting_message(&browser);
        assert!(
            message.starts_with(browser_words) && !message.contains("--"),
            "{message}"
        );
        // The command refuses them before it reads the corpus (which does not exist here).
        let a = args(flags);
        let a: Vec<&str> = a[1..].iter().map(String::as_str).collect();
        let (ok, _, stderr) = anneal(&a);
        assert!(!ok && stderr.contains(cli_words), "{flags:?}: {stderr}");
    }
}
