//! Helpers shared by the integration tests: tiny generated models and data, and the numpy
//! reference implementation.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anneal::checkpoint::safetensors::{SafeTensors, serialize};
use anneal::model::{BertClassifier, BertConfig, BertModel, Task};
use burn::prelude::*;

/// Words of the tiny vocabulary, after the special tokens.
pub const WORDS: &[&str] = &[
    "the", "a", "movie", "film", "was", "is", "really", "very", "good", "great", "fine", "bad",
    "awful", "boring", "plot", "acting", "and", "but", "i", "it", "paris", "london", "alice",
    "bob", "went", "to", "met", "in", "with", ".", ",", "!", "##s", "##ed",
];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh empty folder under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = root()
        .join("target")
        .join("test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test folder");
    dir
}

/// The vocab.txt of the tiny model.
pub fn vocab_txt() -> String {
    let mut v = vec!["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
    v.extend(WORDS);
    v.join("\n") + "\n"
}

/// Writes a randomly initialised tiny BERT (encoder and pooler, no head) as a Hugging Face
/// folder with config.json, model.safetensors and vocab.txt.
pub fn tiny_model_dir(name: &str, seed: u64) -> PathBuf {
    let dir = temp_dir(name);
    let config = BertConfig::tiny(5 + WORDS.len());
    let device = Device::flex();
    device.seed(seed);
    let bert = BertModel::init(&config, true, &device);
    let model = BertClassifier::new(bert, &config, Task::Classify, 2, &device);
    let bytes = pollster::block_on(anneal::checkpoint::export_safetensors(&model)).unwrap();
    let parsed = SafeTensors::parse(&bytes).unwrap();
    let encoder: BTreeMap<String, (Vec<usize>, Vec<f32>)> = parsed
        .tensors
        .iter()
        .filter(|(k, _)| !k.starts_with("classifier"))
        .map(|(k, v)| (k.clone(), (v.shape.clone(), v.to_f32().unwrap())))
        .collect();
    std::fs::write(dir.join("model.safetensors"), serialize(&encoder)).unwrap();
    std::fs::write(dir.join("config.json"), config.to_json()).unwrap();
    std::fs::write(dir.join("vocab.txt"), vocab_txt()).unwrap();
    dir
}

/// The fetched all-MiniLM-L6-v2 folder; fails with the command that fetches it.
pub fn minilm() -> PathBuf {
    let dir = root().join("www/models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").exists(),
        "{} is missing: run `python3 scripts/assets.py` (the test command does)",
        dir.display()
    );
    dir
}

/// Output of the numpy reference for a batch of token ids.
pub struct Reference {
    pub last_hidden_state: Vec<Vec<Vec<f64>>>,
    pub pooled: Option<Vec<Vec<f64>>>,
    pub mean_pooled: Vec<Vec<f64>>,
}

/// Runs tests/reference/bert_numpy.py on a model folder.
pub fn numpy_reference(model: &Path, ids: &[Vec<i64>], mask: &[Vec<i64>]) -> Reference {
    let script = root().join("tests/reference/bert_numpy.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(model)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let request = serde_json::json!({"input_ids": ids, "attention_mask": mask});
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(request.to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the numpy reference failed (needs `pip install numpy`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Reference {
        last_hidden_state: serde_json::from_value(v["last_hidden_state"].clone()).unwrap(),
        pooled: serde_json::from_value(v["pooled"].clone()).unwrap(),
        mean_pooled: serde_json::from_value(v["mean_pooled"].clone()).unwrap(),
    }
}

/// Largest absolute difference between two equally long sequences.
pub fn max_diff(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Sentiment-like sentences over the tiny vocabulary, labeled by the words they contain.
pub fn synthetic_sentiment(n: usize, seed: u64) -> String {
    let mut rng = anneal::data::split::Rng::new(seed);
    let pos = ["good", "great", "fine"];
    let neg = ["bad", "awful", "boring"];
    let filler = [
        "the", "movie", "film", "was", "is", "really", "very", "plot", "acting", "it",
    ];
    let mut s = String::from("text,label\n");
    for _ in 0..n {
        let positive = rng.below(2) == 0;
        let mut words: Vec<&str> = (0..4).map(|_| filler[rng.below(filler.len())]).collect();
        let cue = if positive {
            pos[rng.below(3)]
        } else {
            neg[rng.below(3)]
        };
        words.insert(rng.below(words.len() + 1), cue);
        s.push_str(&format!(
            "{},{}\n",
            words.join(" "),
            if positive { "positive" } else { "negative" }
        ));
    }
    s
}

/// NER sentences: names are PER, cities are LOC.
pub fn synthetic_ner(n: usize, seed: u64) -> String {
    let mut rng = anneal::data::split::Rng::new(seed);
    let people = ["alice", "bob"];
    let places = ["paris", "london"];
    let mut s = String::new();
    for _ in 0..n {
        let p = people[rng.below(2)];
        let c = places[rng.below(2)];
        let (verb, prep) = if rng.below(2) == 0 {
            ("went", "to")
        } else {
            ("met", "in")
        };
        s.push_str(&format!(
            "{p}\tB-PER\n{verb}\tO\n{prep}\tO\n{c}\tB-LOC\n.\tO\n\n"
        ));
    }
    s
}
