//! `anneal compare` end to end on a small file: the label counts (with `all`), every start at
//! every count, accuracy on the validation examples (not macro-F1), the data advantage, and
//! refusals of settings that cannot work.

use serde_json::Value;

use super::anneal;
use crate::common::*;

fn reviews(n: usize, offset: usize) -> String {
    let (good, bad) = (
        ["good", "great", "lovely", "fine"],
        ["bad", "awful", "dull", "poor"],
    );
    let mut csv = String::from("text,label\n");
    for i in offset..offset + n {
        let (word, label) = if i % 2 == 0 {
            (good[i % 4], "positive")
        } else {
            (bad[i % 4], "negative")
        };
        csv.push_str(&format!("a {word} film number {i},{label}\n"));
    }
    csv
}

#[test]
fn compare_fine_tunes_every_start_at_every_label_count() {
    let dir = temp_dir("compare-cli");
    let (train, valid) = (dir.join("train.csv"), dir.join("valid.csv"));
    std::fs::write(&train, reviews(40, 0)).unwrap();
    std::fs::write(&valid, reviews(30, 1000)).unwrap();
    let model = minilm();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "compare",
            "--model",
            model.to_str().unwrap(),
            "--train",
            train.to_str().unwrap(),
            "--valid",
            valid.to_str().unwrap(),
            "--layers",
            "1",
            "--max-len",
            "12",
            "--batch-size",
            "8",
            "--device",
            "cpu",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        anneal(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let (ok, stdout, stderr) = run(&[
        "--sizes",
        "8,all,16,500",
        "--min-steps",
        "4",
        "--self-pretrain-steps",
        "3",
    ]);
    assert!(ok, "{stderr}");
    let c: Value = serde_json::from_str(stdout.trim()).unwrap();
    // Sorted and de-duplicated; 500 is more than the 40 examples, as is all.
    assert_eq!(c["sizes"], serde_json::json!([8, 16, 40]), "{c}");
    assert_eq!(c["metric"], "accuracy");
    assert_eq!(c["valid_examples"], 30);
    for start in ["pretrained", "scratch", "self_pretrained"] {
        let per_size = c["starts"][start].as_array().unwrap();
        assert_eq!(per_size.len(), 3, "{start}: {c}");
        for seeds in per_size {
            let seeds = seeds.as_array().unwrap();
            assert_eq!(seeds.len(), 1, "{start}: {c}");
            // Accuracy on 30 examples: a whole number of thirtieths.
            let right = seeds[0].as_f64().unwrap() * 30.0;
            assert!((right - right.round()).abs() < 1e-6, "{start}: {right}/30");
        }
    }
    let advantage = &c["data_advantage"];
    // Read at the count nearest 100 on a log axis: 40 (16 is further).
    assert_eq!(advantage["labels"], 40, "{c}");
    assert!(
        advantage["sentence"]
            .as_str()
            .unwrap()
            .contains("40 labels"),
        "{c}"
    );
    assert!(
        stderr.contains("self-pre-trained on the task's text with 40 labels, seed 0"),
        "{stderr}"
    );

    // Two seeds, no self-pre-training: that start is left out.
    let (ok, stdout, stderr) = run(&[
        "--sizes",
        "8",
        "--seeds",
        "2",
        "--min-steps",
        "2",
        "--self-pretrain-steps",
        "0",
    ]);
    assert!(ok, "{stderr}");
    let c: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(c["starts"].get("self_pretrained").is_none(), "{c}");
    assert_eq!(
        c["starts"]["scratch"][0].as_array().unwrap().len(),
        2,
        "{c}"
    );
    // Two seeds: scratch's difference to the pre-trained start, paired by seed, with its
    // interval (the formula's own test is in shared/compare.rs; here, the wiring).
    let scores = |start: &str| -> Vec<f64> {
        serde_json::from_value(c["starts"][start][0].clone()).unwrap()
    };
    let (pre, scratch) = (scores("pretrained"), scores("scratch"));
    let mean = ((scratch[0] - pre[0]) + (scratch[1] - pre[1])) / 2.0;
    let paired = &c["paired"]["scratch"][0];
    assert_eq!(paired["size"], 8, "{c}");
    assert_eq!(paired["seeds"], 2, "{c}");
    assert!(
        (paired["mean_diff"].as_f64().unwrap() - mean).abs() < 1e-12,
        "{c}"
    );
    let ci: Vec<f64> = serde_json::from_value(paired["ci95"].clone()).unwrap();
    assert!(ci[0] <= mean && mean <= ci[1], "{c}");
    assert!(
        stderr.contains("scratch − pretrained, 8 labels: "),
        "{stderr}"
    );

    for (extra, says) in [
        (&["--sizes", "1"][..], "--sizes: \"1\" is not a label count"),
        (
            &["--seeds", "0"][..],
            "--seeds must be between 1 and 10, found 0",
        ),
        (
            &["--min-steps", "20000"][..],
            "--min-steps must be at most 10,000",
        ),
        (
            &["--augment", "typos"][..],
            "--augment and --adversarial are not part of the comparison yet",
        ),
        (
            &["--adversarial", "fgm"][..],
            "--augment and --adversarial are not part of the comparison yet",
        ),
    ] {
        let (ok, _, stderr) = run(extra);
        assert!(!ok && stderr.contains(says), "{extra:?}: {stderr}");
    }
}
