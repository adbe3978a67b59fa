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
    for start in ["baseline", "scratch", "self_pretrained"] {
        let per_size = c["variants"][start].as_array().unwrap();
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
    assert!(c["variants"].get("self_pretrained").is_none(), "{c}");
    assert_eq!(
        c["variants"]["scratch"][0].as_array().unwrap().len(),
        2,
        "{c}"
    );
    // Two seeds: scratch's difference to the pre-trained start, paired by seed, with its
    // interval (the formula's own test is in shared/compare.rs; here, the wiring).
    let scores = |start: &str| -> Vec<f64> {
        serde_json::from_value(c["variants"][start][0].clone()).unwrap()
    };
    let (pre, scratch) = (scores("baseline"), scores("scratch"));
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
        stderr.contains("scratch − baseline, 8 labels: "),
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
            "--augment and --adversarial would apply to every run, the baseline too",
        ),
        (
            &["--adversarial", "fgm"][..],
            "--augment and --adversarial would apply to every run, the baseline too",
        ),
        (
            &["--variants", "baseline,dropout"][..],
            "--variants: unknown variant \"dropout\"",
        ),
        (
            &["--variants", "baseline,fgm,fgm"][..],
            "--variants name \"fgm\" twice",
        ),
        (
            &["--variants", "baseline,typos:0"][..],
            "--variants \"typos:0\": ",
        ),
        (
            &[
                "--variants",
                "baseline,self_pretrained",
                "--self-pretrain-steps",
                "0",
            ][..],
            "--variants include self_pretrained, which needs at least one",
        ),
    ] {
        let (ok, _, stderr) = run(extra);
        assert!(!ok && stderr.contains(says), "{extra:?}: {stderr}");
    }
}

/// `reviews` written as a training and a validation file in a fresh folder.
fn files(name: &str, train: usize, valid: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = temp_dir(name);
    let (t, v) = (dir.join("train.csv"), dir.join("valid.csv"));
    std::fs::write(&t, reviews(train, 0)).unwrap();
    std::fs::write(&v, reviews(valid, 1000)).unwrap();
    (t, v)
}

#[test]
fn compare_measures_remedies_as_variants_paired_with_the_baseline() {
    let (train, valid) = files("compare-variants-cli", 40, 30);
    let model = minilm();
    let (ok, stdout, stderr) = anneal(&[
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
        "--sizes",
        "16",
        "--seeds",
        "2",
        "--min-steps",
        "2",
        "--variants",
        "baseline,typos:1:0.3,fgm",
        "--attack",
        "chars",
        "--attack-examples",
        "30",
    ]);
    assert!(ok, "{stderr}");
    let c: Value = serde_json::from_str(stdout.trim()).unwrap();
    let names: Vec<&String> = c["variants"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["baseline", "fgm", "typos:1:0.3"], "{c}");
    for name in names {
        assert_eq!(c["variants"][name][0].as_array().unwrap().len(), 2, "{c}");
    }
    let order = c["order"].as_array().unwrap();
    assert_eq!(order[1]["changes"]["augment"]["rate"], 0.3, "{c}");
    assert_eq!(order[2]["changes"]["adversarial"]["epsilon"], 1.0, "{c}");
    for name in ["typos:1:0.3", "fgm"] {
        assert_eq!(c["paired"][name][0]["seeds"], 2, "{name}: {c}");
    }
    assert!(c["data_advantage"].is_null(), "no scratch start: {c}");
    assert!(stderr.contains("fgm − baseline, 16 labels: "), "{stderr}");
}

/// Multi-task as a variant: `aux:FILE` trains the same runs beside an auxiliary task (here an
/// entity file), paired with the single-task baseline by seed, and says whether the transfer
/// was negative, a help, or not measured; a file that cannot be read is named.
#[test]
fn an_auxiliary_task_is_a_variant_paired_with_the_single_task_run() {
    let (train, valid) = files("compare-aux", 32, 20);
    let ner = temp_dir("compare-aux-ner").join("aux.conll");
    std::fs::write(
        &ner,
        "Alice B-PER\nwent O\nto O\nParis B-LOC\n\n".repeat(24),
    )
    .unwrap();
    let model = minilm();
    let aux = format!("aux:{}", ner.display());
    let args = |variants: &str| {
        vec![
            "compare".to_string(),
            "--model".into(),
            model.display().to_string(),
            "--train".into(),
            train.display().to_string(),
            "--valid".into(),
            valid.display().to_string(),
            "--layers".into(),
            "1".into(),
            "--max-len".into(),
            "12".into(),
            "--batch-size".into(),
            "8".into(),
            "--device".into(),
            "cpu".into(),
            "--sizes".into(),
            "16".into(),
            "--seeds".into(),
            "2".into(),
            "--min-steps".into(),
            "2".into(),
            "--variants".into(),
            variants.to_string(),
        ]
    };
    let argv = args(&format!("baseline,{aux}"));
    let (ok, stdout, stderr) = anneal(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{stderr}");
    let c: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(c["variants"][&aux][0].as_array().unwrap().len(), 2, "{c}");
    assert_eq!(c["paired"][&aux][0]["seeds"], 2, "{c}");
    assert!(
        stderr.contains("auxiliary task ") && stderr.contains("training and"),
        "{stderr}"
    );
    assert!(
        [
            "negative transfer at 16 labels",
            "helps the main task at 16 labels",
            "no effect on the main task measured"
        ]
        .iter()
        .any(|s| stderr.contains(s)),
        "{stderr}"
    );
    let argv = args("baseline,aux:/no/such/file.csv");
    let (ok, _, stderr) = anneal(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!ok && stderr.contains("/no/such/file.csv"), "{stderr}");
}

/// The engine itself: each variant trains with its remedy (typo and EDA copies lengthen its epochs;
/// FGM changes the weights it ends with), on the same examples and seed as the baseline, so
/// running one of its runs again gives the same score.
#[test]
fn each_variant_trains_with_its_remedy_and_a_rerun_is_the_same_run() {
    use anneal::shared::{CompareProgress, CompareSettings, LabelCount, TrainSettings, Variant};
    use anneal::train::compare::{Probes, compare, rerun};
    use anneal::train::pretrain::RunToEnd;
    use burn::prelude::*;

    let (train, valid) = files("compare-variants-engine", 24, 12);
    let model = minilm();
    let flags = [
        "--valid",
        valid.to_str().unwrap(),
        "--layers",
        "1",
        "--max-len",
        "12",
        "--batch-size",
        "8",
        "--epochs",
        "1",
    ];
    let plan = anneal::cli::finetune_plan(super::finetune_args(&model, &train, &flags)).unwrap();
    let files = super::model_files(&model);
    let settings = CompareSettings {
        sizes: vec![LabelCount::Count(16)],
        seeds: 1,
        variants: Variant::parse_list("baseline,typos:2,fgm,eda:2").unwrap(),
        self_pretrain_steps: 0,
        min_steps: 0,
        finetune: TrainSettings {
            epochs: 1,
            batch_size: 8,
            max_len: 12,
            ..TrainSettings::default()
        },
        robustness: None,
        counterfactual: None,
    };
    let device = Device::flex().autodiff();
    let mut steps = std::collections::BTreeMap::new();
    let mut on_event = |e: CompareProgress| {
        if let CompareProgress::Step {
            variant,
            total_steps,
            ..
        } = e
        {
            steps.insert(variant, total_steps);
        }
    };
    let (c, stopped) = pollster::block_on(compare(
        &files,
        &plan,
        &settings,
        Some(1),
        &device,
        &mut on_event,
        &mut RunToEnd,
        Probes::default(),
    ))
    .unwrap();
    assert_eq!(stopped, None);
    // 16 examples in batches of 8: 2 steps; two typo copies of each add 32 examples: 6.
    assert_eq!(steps["baseline"], 2, "{steps:?}");
    assert_eq!(steps["typos:2"], 6, "{steps:?}");
    assert_eq!(steps["fgm"], 2, "{steps:?}");
    assert_eq!(steps["eda:2"], 6, "{steps:?}");

    let again = |name: &str| {
        let variant = c.variant(name).unwrap();
        let mut to_end = RunToEnd;
        let run = rerun(
            &files,
            &plan,
            &settings,
            Some(1),
            variant,
            (0, 0),
            &device,
            &mut to_end,
        );
        let (score, model) = pollster::block_on(run).unwrap().unwrap();
        assert_eq!(
            score, c.variants[name][0][0],
            "{name}: the same run, the same score"
        );
        let weight = model.classifier.weight.val().reshape([-1]);
        pollster::block_on(anneal::runtime::readback::read_f32::<1>(weight)).unwrap()
    };
    // EDA's synonyms are found again from the checkpoint: the same copies, the same run.
    again("eda:2");
    let (plain, fgm) = (again("baseline"), again("fgm"));
    let moved = plain
        .iter()
        .zip(&fgm)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(moved > 1e-6, "FGM trained the same weights as the baseline");
}

#[test]
fn search_ranks_trials_by_their_mean_and_saves_the_winner_as_it_ran() {
    let (train, valid) = files("search-cli", 32, 20);
    let model = minilm();
    let out = temp_dir("search-cli-out").join("best");
    let (ok, stdout, stderr) = anneal(&[
        "search",
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
        "--grid",
        "lr=1e-5,3e-4",
        "--grid",
        "epochs=1,2",
        "--random",
        "3",
        "--seeds",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let s: Value = serde_json::from_str(stdout.trim()).unwrap();
    let trials = s["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 3, "{s}");
    let means: Vec<f64> = trials.iter().map(|t| t["mean"].as_f64().unwrap()).collect();
    assert!(
        means.windows(2).all(|w| w[0] >= w[1]),
        "best first: {means:?}"
    );
    for t in trials {
        let scores: Vec<f64> = serde_json::from_value(t["scores"].clone()).unwrap();
        assert_eq!(scores.len(), 2, "{t}");
        assert!((t["mean"].as_f64().unwrap() - (scores[0] + scores[1]) / 2.0).abs() < 1e-12);
        let name = t["name"].as_str().unwrap();
        assert!(
            name.starts_with("lr=") && name.contains(" epochs="),
            "{name}"
        );
    }
    assert_eq!(s["best"], trials[0]["name"], "{s}");
    assert_eq!(s["runner_up"], trials[1]["name"], "{s}");
    let margin = &s["margin"];
    let diff = |i: usize| {
        trials[0]["scores"][i].as_f64().unwrap() - trials[1]["scores"][i].as_f64().unwrap()
    };
    assert!(
        (margin["mean_diff"].as_f64().unwrap() - (diff(0) + diff(1)) / 2.0).abs() < 1e-12,
        "{s}"
    );
    assert_eq!(margin["seeds"], 2);
    assert!(s["sentence"].as_str().unwrap().starts_with("Best: "), "{s}");

    // The saved winner is its first seed's run: the same score, and evaluating the folder on
    // the validation file gives it again.
    let record: Value =
        serde_json::from_slice(&std::fs::read(out.join("search.json")).unwrap()).unwrap();
    let first = trials[0]["scores"][0].as_f64().unwrap();
    assert_eq!(record["score"].as_f64().unwrap(), first, "{record}");
    let (ok, stdout, stderr) = anneal(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        valid.to_str().unwrap(),
        "--max-len",
        "12",
        "--device",
        "cpu",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let e: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        (e["accuracy"].as_f64().unwrap() - first).abs() < 1e-9,
        "{e} vs {first}"
    );

    for (grid, says) in [
        ("lr=fast", "--grid: lr: \"fast\" is not a number"),
        ("depth=2", "--grid: unknown setting \"depth\""),
        ("lr=2", "--grid \"lr=2\": "),
    ] {
        let (ok, _, stderr) = anneal(&[
            "search",
            "--model",
            model.to_str().unwrap(),
            "--train",
            train.to_str().unwrap(),
            "--grid",
            grid,
        ]);
        assert!(!ok && stderr.contains(says), "{grid}: {stderr}");
    }
}
