//! Who the model fails. Scoring by group equals Fairlearn's `MetricFrame` on the same
//! predictions (tests/reference/fairlearn_groups.py): each group's metrics, the overall row,
//! and the difference, ratio and difference to overall between groups, to 1e-9; `anneal
//! evaluate --group-column` scores `anneal predict`'s own predictions that way. Every pair
//! `anneal counterfactual` reports is predicted again on its own with the labels and the
//! shift it reports.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{anneal, finetune_tiny};
use crate::common::*;
use anneal::shared::groups::{GroupSettings, group_report, named_values};

fn close(ours: f64, want: &Value, what: &str) {
    let want = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
    assert!(
        (ours - want).abs() < 1e-9,
        "{what}: {ours} vs Fairlearn's {want}"
    );
}

#[test]
fn group_metrics_equal_fairlearns_metric_frame() {
    let v: Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/fixtures/fairlearn_groups.json")).unwrap(),
    )
    .unwrap();
    for case in ["binary", "three"] {
        let c = &v[case];
        let labels: Vec<String> = serde_json::from_value(c["labels"].clone()).unwrap();
        let index = |l: &Value| {
            labels
                .iter()
                .position(|x| x == l.as_str().unwrap())
                .unwrap()
        };
        let gold: Vec<usize> = c["gold"].as_array().unwrap().iter().map(index).collect();
        let pred: Vec<usize> = c["pred"].as_array().unwrap().iter().map(index).collect();
        let groups: Vec<String> = serde_json::from_value(c["groups"].clone()).unwrap();
        let settings = GroupSettings {
            positive: c["positive"].as_str().map(String::from),
            bootstrap: 0,
            ..GroupSettings::default()
        };
        let r = group_report("g", &gold, &pred, &groups, &labels, &settings).unwrap();
        let fairlearn_metrics: Vec<&String> = c["overall"].as_object().unwrap().keys().collect();
        let ours: BTreeMap<String, f64> = named_values(&r.overall).into_iter().collect();
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            fairlearn_metrics,
            "{case}: the metrics named"
        );
        for (name, value) in &ours {
            close(
                *value,
                &c["overall"][name],
                &format!("{case} overall {name}"),
            );
        }
        assert_eq!(r.groups.len(), c["by_group"].as_object().unwrap().len());
        for (group, m) in &r.groups {
            assert_eq!(m.small, m.n < 30, "{case} {group}");
            for (name, value) in named_values(m) {
                close(
                    value,
                    &c["by_group"][group][&name],
                    &format!("{case} {group} {name}"),
                );
            }
        }
        for (name, d) in &r.disparity {
            close(
                d.difference,
                &c["difference"][name],
                &format!("{case} difference {name}"),
            );
            close(
                d.to_overall,
                &c["to_overall"][name],
                &format!("{case} to overall {name}"),
            );
            match d.ratio {
                Some(ratio) => close(ratio, &c["ratio"][name], &format!("{case} ratio {name}")),
                None => assert!(c["ratio"][name].is_null(), "{case} ratio {name}"),
            }
        }
    }
}

/// Sentiment texts where a name leans the label: "alice" mostly in positive texts, "bob" in
/// negative ones (the bias a counterfactual test should find), with the group column "who".
fn name_biased(n: usize, seed: u64) -> String {
    let mut rng = anneal::shared::rng::Rng::new(seed);
    let mut out = String::from("text,label,who\n");
    for line in synthetic_sentiment(n, seed).lines().skip(1) {
        let (text, label) = line.rsplit_once(',').unwrap();
        let (leaning, other) = match label {
            "positive" => ("alice", "bob"),
            _ => ("bob", "alice"),
        };
        let name = match rng.below(10) {
            0..=5 => leaning,
            6 | 7 => other,
            _ => "",
        };
        // A third of the texts with the leaning name have no sentiment word: only the name
        // says the label.
        let text = match name {
            "" => text.to_string(),
            name if name == leaning && rng.below(3) == 0 => {
                let fillers = ["the", "movie", "film", "plot", "acting", "it", "was", "is"];
                let words: Vec<&str> = (0..3).map(|_| fillers[rng.below(fillers.len())]).collect();
                format!("{name} met {}", words.join(" "))
            }
            name => format!("{name} met {text}"),
        };
        let who = name;
        out.push_str(&format!("{text},{label},{who}\n"));
    }
    out
}

/// `anneal predict --input` on `texts` (one a line): each text's JSON answer.
fn predicted(model: &str, texts: &[String]) -> Vec<Value> {
    let dir = temp_dir("groups-predict");
    let file = dir.join("texts.txt");
    std::fs::write(&file, texts.join("\n") + "\n").unwrap();
    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        model,
        "--input",
        file.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let answers: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), texts.len(), "{stdout}");
    answers
}

/// Each text's predicted label by `anneal predict --input`, and its probabilities.
fn predictions(model: &str, texts: &[String]) -> Vec<(String, BTreeMap<String, f64>)> {
    predicted(model, texts)
        .into_iter()
        .map(|v| {
            let scores = serde_json::from_value(v["scores"].clone()).unwrap();
            (v["label"].as_str().unwrap().to_string(), scores)
        })
        .collect()
}

#[test]
fn evaluate_by_group_and_counterfactuals_hold_to_predict() {
    let model = tiny_model_dir("groups-model", 6);
    let work = temp_dir("groups-work");
    let (train, test) = (work.join("train.csv"), work.join("test.csv"));
    std::fs::write(&train, name_biased(300, 21)).unwrap();
    let test_csv = name_biased(90, 22);
    std::fs::write(&test, &test_csv).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--max-len", "32"]);
    assert!(ok, "{stderr}");
    let (out_s, test_s) = (out.to_str().unwrap(), test.to_str().unwrap());

    let (ok, stdout, stderr) = anneal(&[
        "evaluate",
        "--model",
        out_s,
        "--data",
        test_s,
        "--group-column",
        "who",
        "--bootstrap",
        "200",
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    let rows: Vec<(String, String, String)> = test_csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let who = if f[2].is_empty() { "(missing)" } else { f[2] };
            (f[0].to_string(), f[1].to_string(), who.to_string())
        })
        .collect();
    let texts: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let predicted = predictions(out_s, &texts);
    let labels = vec!["negative".to_string(), "positive".to_string()];
    let index = |l: &str| labels.iter().position(|x| x == l).unwrap();
    let gold: Vec<usize> = rows.iter().map(|r| index(&r.1)).collect();
    let pred: Vec<usize> = predicted.iter().map(|p| index(&p.0)).collect();
    let groups: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    let settings = GroupSettings {
        bootstrap: 200,
        ..GroupSettings::default()
    };
    let want = group_report("who", &gold, &pred, &groups, &labels, &settings).unwrap();
    assert_eq!(report["groups"].as_object().unwrap().len(), 3, "{report}");
    for (group, m) in &want.groups {
        let got = &report["groups"][group];
        assert_eq!(got["n"].as_u64().unwrap() as usize, m.n, "{group}");
        assert!(
            (got["accuracy"].as_f64().unwrap() - m.accuracy).abs() < 1e-12,
            "{group}"
        );
        assert_eq!(got["small"].as_bool(), Some(m.small), "{group}");
    }
    let d = &report["disparity"]["accuracy"];
    assert!(
        (d["difference"].as_f64().unwrap() - want.disparity["accuracy"].difference).abs() < 1e-12
    );
    assert_eq!(report["positive_label"], "positive");
    assert!(
        report["disparity"]["tpr"]["ci95"]["difference"].is_array(),
        "{report}"
    );

    let pairs_file = work.join("pairs.csv");
    std::fs::write(&pairs_file, "alice,bob\n").unwrap();
    let (ok, stdout, stderr) = anneal(&[
        "counterfactual",
        "--model",
        out_s,
        "--data",
        test_s,
        "--text-column",
        "text",
        "--swap",
        pairs_file.to_str().unwrap(),
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let r: Value = serde_json::from_str(stdout.trim()).unwrap();
    let named = texts
        .iter()
        .filter(|t| t.contains("alice") || t.contains("bob"))
        .count();
    assert_eq!(r["examples"].as_u64().unwrap() as usize, texts.len());
    assert_eq!(r["changed"].as_u64().unwrap() as usize, named);
    let pairs = r["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), named);
    assert!(
        r["flips"].as_u64().unwrap() > 0,
        "a name-biased model flips: {r}"
    );
    let originals: Vec<String> = pairs
        .iter()
        .map(|p| p["original"].as_str().unwrap().into())
        .collect();
    let swapped: Vec<String> = pairs
        .iter()
        .map(|p| p["swapped"].as_str().unwrap().into())
        .collect();
    let (before, after) = (predictions(out_s, &originals), predictions(out_s, &swapped));
    let mut flips = 0;
    for (i, p) in pairs.iter().enumerate() {
        let o = &originals[i];
        let back = o
            .replace("alice", "\0")
            .replace("bob", "alice")
            .replace('\0', "bob");
        assert_eq!(swapped[i], back, "the swap of {o:?}");
        assert_eq!(p["label_before"], before[i].0.as_str(), "{o:?}");
        assert_eq!(p["label_after"], after[i].0.as_str(), "{o:?}");
        let label = &before[i].0;
        let shift = after[i].1[label] - before[i].1[label];
        assert!((p["shift"].as_f64().unwrap() - shift).abs() < 1e-5, "{o:?}");
        flips += (before[i].0 != after[i].0) as u64;
        if i > 0 {
            let prev = pairs[i - 1]["shift"].as_f64().unwrap().abs();
            assert!(
                prev >= p["shift"].as_f64().unwrap().abs(),
                "largest shifts first"
            );
        }
    }
    assert_eq!(r["flips"].as_u64().unwrap(), flips);

    // The model card says the same: the evaluation, the groups, the counterfactual test.
    let card = work.join("README.md");
    let (ok, _, stderr) = anneal(&[
        "card",
        "--model",
        out_s,
        "--data",
        test_s,
        "--group-column",
        "who",
        "--bootstrap",
        "200",
        "--swap",
        pairs_file.to_str().unwrap(),
        "--out",
        card.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(
        text.starts_with("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    );
    let accuracy = report["accuracy"].as_f64().unwrap();
    assert!(
        text.contains(&format!("| accuracy | {accuracy:.4} |")),
        "{text}"
    );
    assert!(text.contains(&want.accuracy_sentence()), "{text}");
    assert!(
        text.contains(&format!("the prediction flipped for {flips} ")),
        "{text}"
    );
    assert!(
        text.contains("| epochs | 8 |"),
        "the settings from training.json: {text}"
    );
}

/// Counterfactual augmentation (`--augment cda`): every example with a gendered word gets
/// exactly one copy, its gender swap with its label (a tagger's tags, word for word); an
/// example without one gets none; the copies are the same every epoch.
#[test]
fn counterfactual_augmentation_swaps_and_keeps_labels() {
    use anneal::data::Examples;
    use anneal::data::augment::Copy;
    use anneal::shared::IGNORE_INDEX;
    use anneal::shared::counterfactual::Swaps;

    let mut csv = String::from("text,label\n");
    for i in 0..40 {
        let (who, label) = [("he", "positive"), ("she", "negative"), ("it", "positive")][i % 3];
        csv += &format!("{who} was really good with his plot {i},{label}\n");
    }
    let (model, _files, train, _) = super::planning("cda-classify", csv);
    let plan = anneal::cli::finetune_plan(super::finetune_args(
        &model,
        &train,
        &["--augment", "cda", "--max-len", "32"],
    ))
    .unwrap();
    let Examples::Classify(originals) = &plan.train_examples else {
        panic!("classification")
    };
    let aug = plan.data.augment.as_ref().unwrap();
    let (copies, features) = (aug.copies(1), aug.epoch(1).unwrap());
    // Every text has "his": all swap (the "it" ones on "his" alone).
    assert_eq!(copies.len(), originals.len());
    assert_eq!(aug.extra(), originals.len());
    assert_eq!(copies, aug.copies(2), "the same copies every epoch");
    for ((copy, f), original) in copies.iter().zip(&features).zip(originals) {
        let Copy::Text(text) = copy else {
            panic!("a text")
        };
        assert_eq!(*text, Swaps::gender().swap(&original.text).text);
        assert_eq!(
            plan.data.labels[f.labels[0] as usize], original.label,
            "{text}"
        );
    }

    let mut conll = String::new();
    for i in 0..30 {
        let who = ["alice", "bob"][i % 2];
        let pronoun = if i % 3 == 0 { "she" } else { "they" };
        conll += &format!("{who} B-PER\nsaid O\n{pronoun} O\nmet O\nher O\nbrother O\n. O\n\n");
    }
    let (model, _files, train, _) = super::planning("cda-ner", String::new());
    let train = train.with_extension("conll");
    std::fs::write(&train, &conll).unwrap();
    let plan = anneal::cli::finetune_plan(super::finetune_args(
        &model,
        &train,
        &["--augment", "cda", "--max-len", "32"],
    ))
    .unwrap();
    let Examples::Ner(originals) = &plan.train_examples else {
        panic!("entities")
    };
    let aug = plan.data.augment.as_ref().unwrap();
    let (copies, features) = (aug.copies(3), aug.epoch(3).unwrap());
    assert_eq!(
        copies.len(),
        originals.len(),
        "every sentence has her and brother"
    );
    for ((copy, f), original) in copies.iter().zip(&features).zip(originals) {
        let Copy::Tagged(words, tags) = copy else {
            panic!("a sentence")
        };
        assert_eq!(*tags, original.tags);
        assert_eq!(words.len(), original.tokens.len());
        assert!(words.contains(&"sister".to_string()), "{words:?}");
        let labels: Vec<&str> = (f.labels.iter())
            .filter(|&&l| l != IGNORE_INDEX)
            .map(|&l| plan.data.labels[l as usize].as_str())
            .collect();
        assert_eq!(labels, *tags, "one label per word, the original's tag");
    }
}

/// Counterfactual augmentation of names (`--augment cda:names`, `cda:both`): the first names
/// of the `--names-dir` lists swapped for their counterparts of the other gender (and, with
/// both, the gendered words too), one copy per example that has one, labels kept; a plan
/// made without the lists (the worker's, before it fetches them) refuses to make an epoch
/// rather than train without the copies; a folder without the lists is named.
#[test]
fn counterfactual_augmentation_of_names_swaps_the_listed_names() {
    use anneal::data::Examples;
    use anneal::data::augment::Copy;
    use anneal::protocol::{ColumnChoice, TrainSettings};
    use anneal::shared::counterfactual::Swaps;
    use anneal::worker::plan::{plan_run, read_data};

    let names = super::temp_dir("cda-names-lists");
    let (female, male) = ("Maria\nAnna\nLinda\n", "Carl\nJohn\nPeter\n");
    std::fs::write(names.join("first_names_female.txt"), female).unwrap();
    std::fs::write(names.join("first_names_male.txt"), male).unwrap();
    let mut csv = String::from("text,label\n");
    for i in 0..30 {
        let (text, label) = [
            ("Maria said she liked plot", "positive"),
            ("Peter said it was dull", "negative"),
            ("Nobody said it", "positive"),
        ][i % 3];
        csv += &format!("{text} {i},{label}\n");
    }
    let (model, files, train, data) = super::planning("cda-names", csv);
    let dir = names.to_str().unwrap();
    let plan_with = |spec: &str| {
        anneal::cli::finetune_plan(super::finetune_args(
            &model,
            &train,
            &["--augment", spec, "--names-dir", dir, "--max-len", "32"],
        ))
        .unwrap()
    };
    for (spec, maria, peter) in [
        (
            "cda:names",
            "Peter said she liked plot",
            "Maria said it was dull",
        ),
        (
            "cda:both",
            "Peter said he liked plot",
            "Maria said it was dull",
        ),
    ] {
        let plan = plan_with(spec);
        let Examples::Classify(originals) = &plan.train_examples else {
            panic!("classification")
        };
        let aug = plan.data.augment.as_ref().unwrap();
        assert!(!aug.wants_names());
        let named: Vec<_> = originals
            .iter()
            .filter(|e| !e.text.starts_with("Nobody"))
            .collect();
        let (copies, features) = (aug.copies(1), aug.epoch(1).unwrap());
        assert_eq!(copies.len(), named.len(), "{spec}: one copy per named text");
        for ((copy, f), original) in copies.iter().zip(&features).zip(&named) {
            let Copy::Text(text) = copy else {
                panic!("a text")
            };
            let want = match original.text.starts_with("Maria") {
                true => maria,
                false => peter,
            };
            assert!(text.starts_with(want), "{spec}: {} → {text}", original.text);
            assert_eq!(plan.data.labels[f.labels[0] as usize], original.label);
        }
        assert!(
            plan.notes.iter().any(
                |n| n.contains("first names") && n.contains(&format!("the {} of", named.len()))
            ),
            "{:?}",
            plan.notes
        );
    }

    // The worker plans first and fetches the lists after: no epoch until they are given.
    let (_, parsed) = read_data("train.csv", data.as_bytes(), ColumnChoice::default(), None);
    let settings = TrainSettings {
        max_len: 32,
        augment: Some("cda:names".parse().unwrap()),
        ..TrainSettings::default()
    };
    let mut plan = plan_run(&parsed.unwrap(), &files, &settings).unwrap();
    let aug = plan.data.augment.as_ref().unwrap();
    assert!(aug.wants_names());
    let refused = aug.epoch(1).unwrap_err().to_string();
    assert!(refused.contains("first-name lists"), "{refused}");
    anneal::train::recipe::give_names(&mut plan, Swaps::names(female, male));
    let Examples::Classify(originals) = &plan.train_examples else {
        panic!("classification")
    };
    let named = originals.iter().filter(|e| !e.text.starts_with("Nobody"));
    let copies = plan.data.augment.as_ref().unwrap().epoch(1).unwrap();
    assert_eq!(copies.len(), named.count());

    let empty = super::temp_dir("cda-names-none");
    let missing = anneal::cli::finetune_plan(super::finetune_args(
        &model,
        &train,
        &[
            "--augment",
            "cda:names",
            "--names-dir",
            empty.to_str().unwrap(),
        ],
    ))
    .unwrap_err()
    .message();
    assert!(missing.contains("first_names_female.txt"), "{missing}");
}

/// Each sentence's entity type per word by `anneal predict --input` (each sentence on its
/// own line, its words joined by spaces): the type of the entity whose characters cover the
/// word, `O` for none.
fn word_types(model: &str, sentences: &[String]) -> Vec<Vec<String>> {
    predicted(model, sentences)
        .into_iter()
        .zip(sentences)
        .map(|(v, sentence)| {
            let entities = v["entities"].as_array().unwrap();
            let mut start = 0;
            sentence
                .split(' ')
                .map(|word| {
                    let end = start + word.chars().count();
                    let kind = entities.iter().find(|e| {
                        e["start"].as_u64().unwrap() as usize <= start
                            && end <= e["end"].as_u64().unwrap() as usize
                    });
                    start = end + 1;
                    kind.map_or("O".to_string(), |e| e["label"].as_str().unwrap().into())
                })
                .collect()
        })
        .collect()
}

/// The counterfactual test of an entity tagger: a person swapped for a person keeps its
/// type, a person swapped for a city does not, and every swapped word's reported types are
/// the ones `anneal predict` gives the original and the swapped sentence on their own.
#[test]
fn a_tagger_s_counterfactual_test_holds_to_predict() {
    let model = tiny_model_dir("tag-swaps-model", 6);
    let work = temp_dir("tag-swaps-work");
    let train = work.join("train.conll");
    std::fs::write(&train, synthetic_ner(200, 31)).unwrap();
    let test = work.join("test.conll");
    std::fs::write(&test, synthetic_ner(40, 32)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--max-len", "16"]);
    assert!(ok, "{stderr}");
    let out_s = out.to_str().unwrap();
    let run = |pairs: &str| -> Value {
        let list = work.join("pairs.csv");
        std::fs::write(&list, pairs).unwrap();
        let (ok, stdout, stderr) = anneal(&[
            "counterfactual",
            "--model",
            out_s,
            "--data",
            test.to_str().unwrap(),
            "--swap",
            list.to_str().unwrap(),
            "--json",
            "--device",
            "cpu",
        ]);
        assert!(ok, "{stderr}");
        serde_json::from_str(stdout.trim()).unwrap()
    };
    let people = run("alice,bob\n");
    assert_eq!(people["examples"], 40);
    assert_eq!(people["changed"], 40, "every sentence has a person");
    assert_eq!(people["swapped_words"], 40);
    assert!(
        people["flip_rate"].as_f64().unwrap() < 0.1,
        "a person for a person: {people}"
    );
    let places = run("alice,paris\nbob,london\n");
    assert_eq!(
        places["swapped_words"], 80,
        "the person and the city of each"
    );
    assert!(
        places["flip_rate"].as_f64().unwrap() > 0.5,
        "a word-identity tagger retypes a person put where a city was: {places}"
    );
    for r in [&people, &places] {
        let pairs = r["pairs"].as_array().unwrap();
        let text = |k: &str| -> Vec<String> {
            pairs
                .iter()
                .map(|p| p[k].as_str().unwrap().into())
                .collect()
        };
        let (before, after) = (
            word_types(out_s, &text("original")),
            word_types(out_s, &text("swapped")),
        );
        let mut flips = 0;
        for (i, p) in pairs.iter().enumerate() {
            for w in p["words"].as_array().unwrap() {
                let at = w["position"].as_u64().unwrap() as usize;
                assert_eq!(w["type_before"].as_str().unwrap(), before[i][at], "{p}");
                assert_eq!(w["type_after"].as_str().unwrap(), after[i][at], "{p}");
                flips += usize::from(w["type_before"] != w["type_after"]);
            }
        }
        assert_eq!(r["flips"].as_u64().unwrap() as usize, flips);
    }

    // The model card of a tagger carries the same test.
    let card = work.join("README.md");
    let (ok, _, stderr) = anneal(&[
        "card",
        "--model",
        out_s,
        "--data",
        test.to_str().unwrap(),
        "--swap",
        work.join("pairs.csv").to_str().unwrap(),
        "--out",
        card.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&card).unwrap();
    assert!(
        text.contains("pipeline_tag: token-classification"),
        "{text}"
    );
    let sentence = format!(
        "the entity type of a swapped word changes for {} of 80 swapped words",
        places["flips"]
    );
    assert!(
        text.contains("## Counterfactual test: a list of word pairs swapped")
            && text.contains(&sentence),
        "{text}"
    );
}

/// The comparison's counterfactual test (`anneal compare --counterfactual`): every run's
/// model tested with a swap (here alice <-> bob) on the validation texts, its flip rate
/// recorded per seed beside its score and paired with the baseline's like the scores; on
/// data whose names lean the label, the name-biased baseline flips. (The names variant swaps
/// alice for carl: "bob" is an English word, which the name lists leave out.)
#[test]
fn a_comparison_tests_every_run_with_counterfactuals() {
    let model = tiny_model_dir("cf-compare-model", 6);
    let work = temp_dir("cf-compare");
    let (train, valid) = (work.join("train.csv"), work.join("valid.csv"));
    std::fs::write(&train, name_biased(300, 41)).unwrap();
    std::fs::write(&valid, name_biased(90, 42)).unwrap();
    let names = work.join("names");
    std::fs::create_dir_all(&names).unwrap();
    std::fs::write(names.join("first_names_female.txt"), "alice\n").unwrap();
    std::fs::write(names.join("first_names_male.txt"), "carl\n").unwrap();
    let pairs = work.join("pairs.csv");
    std::fs::write(&pairs, "alice,bob\n").unwrap();
    let (ok, stdout, stderr) = anneal(&[
        "compare",
        "--model",
        model.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--valid",
        valid.to_str().unwrap(),
        "--epochs",
        "8",
        "--lr",
        "2e-3",
        "--batch-size",
        "16",
        "--max-len",
        "32",
        "--device",
        "cpu",
        "--sizes",
        "all",
        "--seeds",
        "2",
        "--min-steps",
        "0",
        "--variants",
        "baseline,cda:names",
        "--names-dir",
        names.to_str().unwrap(),
        "--counterfactual",
        pairs.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let c: Value = serde_json::from_str(stdout.trim()).unwrap();
    let rates = |name: &str| -> Vec<f64> {
        c["flip_rate"][name][0]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {c}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (base, cda) = (rates("baseline"), rates("cda:names"));
    assert_eq!((base.len(), cda.len()), (2, 2), "{c}");
    assert!(
        base.iter().chain(&cda).all(|r| (0.0..=1.0).contains(r)),
        "{c}"
    );
    assert!(
        base.iter().any(|&r| r > 0.0),
        "a name-biased model flips: {c}"
    );
    let paired = &c["paired_flip_rate"]["cda:names"][0];
    let mean = (cda[0] - base[0] + cda[1] - base[1]) / 2.0;
    assert!(
        (paired["mean_diff"].as_f64().unwrap() - mean).abs() < 1e-12,
        "{c}"
    );
    assert_eq!(paired["seeds"], 2);
    assert!(
        stderr.contains("cda:names − baseline in flip rate, ")
            && stderr.contains("% flip when swapped"),
        "{stderr}"
    );
}
