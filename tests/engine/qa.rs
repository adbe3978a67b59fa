//! Question answering end to end: SQuAD's scores equal the official evaluation's on a fixture
//! (tests/reference/squad_metric_parity.py), the command line and the worker plan the same run
//! from the same file and settings, and `anneal finetune`, `evaluate` and `predict` on a tiny
//! model: EM/F1 at the end of training, the `evaluate` library's JSON fields, answers as the
//! passage's characters, and bad files refused with each question's line or id.

use serde_json::Value;

use super::{anneal, finetune_args, model_files};
use crate::common::*;
use anneal::data::qa::Span;
use anneal::data::{Answer, QaExample};
use anneal::train::squad::squad_report;

/// Questions about passages in the tiny vocabulary, as JSON lines; answers are whole words.
fn synthetic_questions(n: usize) -> String {
    let people = ["alice", "bob"];
    let places = ["paris", "london"];
    let films = ["movie", "film"];
    let mut out = String::new();
    for i in 0..n {
        let (who, other) = (people[i % 2], people[(i + 1) % 2]);
        let (place, film) = (places[(i / 2) % 2], films[(i / 3) % 2]);
        let context = format!(
            "{who} went to {place} with {other} . the {film} was really good and the plot was great ."
        );
        let (question, answer) = match i % 3 {
            0 => (format!("who went to {place}"), who.to_string()),
            1 => (format!("{who} went to"), place.to_string()),
            _ => ("the plot was".to_string(), "great".to_string()),
        };
        let start = context.find(&format!(" {answer} ")).map_or(0, |b| b + 1);
        let start = if context.starts_with(&format!("{answer} ")) {
            0
        } else {
            start
        };
        out.push_str(
            &serde_json::json!({
                "id": format!("q{i}"),
                "question": question,
                "context": context,
                "answer_text": answer,
                "answer_start": start,
            })
            .to_string(),
        );
        out.push('\n');
    }
    out
}

#[test]
fn squad_scores_equal_the_official_evaluation() {
    let fixture: Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/fixtures/squad_metric.json")).unwrap(),
    )
    .unwrap();
    for (part, v2) in [("v1", false), ("v2", true)] {
        let cases = fixture[part]["cases"].as_array().unwrap();
        let examples: Vec<QaExample> = cases
            .iter()
            .enumerate()
            .map(|(i, c)| QaExample {
                id: format!("q{i}"),
                question: c["question"].as_str().unwrap().into(),
                context: String::new(),
                answers: c["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| Answer {
                        text: a.as_str().unwrap().into(),
                        start: 0,
                    })
                    .collect(),
                line: i + 1,
            })
            .collect();
        let spans: Vec<Span> = cases
            .iter()
            .map(|c| Span {
                text: c["prediction"].as_str().unwrap().into(),
                start: 0,
                end: 0,
                score: 0.0,
                probability: 1.0,
            })
            .collect();
        let report = squad_report(&examples, &spans, v2);
        let want = &fixture[part]["scores"];
        let got = report.to_json();
        let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9;
        let (exact_key, total_key) = if v2 {
            ("exact", "total")
        } else {
            ("exact_match", "n")
        };
        assert!(
            close(&got[exact_key], &want["exact"]),
            "{part}: {got} vs {want}"
        );
        assert!(close(&got["f1"], &want["f1"]), "{part}: {got} vs {want}");
        assert_eq!(got[total_key], want["total"], "{part}");
        if v2 {
            for key in [
                "HasAns_exact",
                "HasAns_f1",
                "HasAns_total",
                "NoAns_exact",
                "NoAns_f1",
            ] {
                assert!(
                    close(&got[key], &want[key]),
                    "{part} {key}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn the_command_line_and_the_worker_plan_the_same_question_answering_run() {
    use anneal::protocol::{ColumnChoice, TrainSettings};
    use anneal::worker::plan::{plan_run, read_data};

    let model = tiny_model_dir("qa-plan-model", 4);
    let files = model_files(&model);
    let data = synthetic_questions(60);
    let train = temp_dir("qa-plan").join("train.jsonl");
    std::fs::write(&train, &data).unwrap();
    let (summary, parsed) = read_data(
        "train.jsonl",
        data.as_bytes(),
        ColumnChoice::default(),
        Some(&files.tokenizer),
    );
    assert_eq!(summary.task, Some(anneal::shared::Task::Qa));
    let lengths = summary.qa.expect("lengths in tokens");
    assert_eq!(lengths.lengths.len(), 60);
    assert_eq!(lengths.added, 3);
    let settings = TrainSettings {
        max_len: 16,
        doc_stride: Some(4),
        batch_size: 8,
        ..TrainSettings::default()
    };
    let flags = ["--max-len", "16", "--doc-stride", "4", "--batch-size", "8"];
    let cli = anneal::cli::finetune_plan(finetune_args(&model, &train, &flags)).unwrap();
    let worker = plan_run(&parsed.unwrap(), &files, &settings).unwrap();
    assert_eq!(cli.data.train, worker.data.train);
    assert_eq!(cli.data.valid, worker.data.valid);
    assert_eq!(cli.valid_examples, worker.valid_examples);
    assert_eq!(cli.notes, worker.notes);
    let questions = worker.data.qa.expect("validation questions");
    assert_eq!(questions.windows.len(), worker.data.valid.len());
    // Passages longer than 16 tokens: more windows than questions, each at most 16 tokens, and
    // the Data panel's count of them is the windows cut.
    assert!(worker.data.train.len() > 54, "{}", worker.data.train.len());
    assert!(worker.data.train.iter().all(|f| f.ids.len() <= 16));
    let counted: usize = lengths
        .lengths
        .iter()
        .map(|&l| lengths.windows(l, 16, 4).unwrap())
        .sum();
    assert_eq!(counted, worker.data.train.len() + worker.data.valid.len());
    // A stride of half the length or more is refused, in each shell's words.
    let refused = anneal::cli::finetune_plan(finetune_args(
        &model,
        &train,
        &["--max-len", "16", "--doc-stride", "8"],
    ))
    .unwrap_err()
    .message();
    assert!(
        refused.starts_with("--doc-stride must be below half"),
        "{refused}"
    );
}

#[test]
fn anneal_fine_tunes_evaluates_and_answers_questions() {
    let model = tiny_model_dir("qa-cli-model", 6);
    let work = temp_dir("qa-cli");
    let train = work.join("train.jsonl");
    std::fs::write(&train, synthetic_questions(90)).unwrap();
    let out = work.join("out");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        &path(&model),
        "--train",
        &path(&train),
        "--epochs",
        "2",
        "--lr",
        "2e-3",
        "--batch-size",
        "8",
        "--max-len",
        "24",
        "--doc-stride",
        "6",
        "--device",
        "cpu",
        "--out",
        &path(&out),
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("validation exact match"), "{stderr}");
    assert!(
        stderr.contains("need more than one (doc stride 6)"),
        "{stderr}"
    );
    let config: Value =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"][0], "BertForQuestionAnswering");
    let record: Value =
        serde_json::from_slice(&std::fs::read(out.join("training.json")).unwrap()).unwrap();
    assert_eq!(
        (record["max_len"].as_u64(), record["doc_stride"].as_u64()),
        (Some(24), Some(6))
    );

    // `evaluate --json`: the `evaluate` library's squad fields, on the 0-100 scale.
    let (ok, stdout, stderr) = anneal(&[
        "evaluate",
        "--model",
        &path(&out),
        "--data",
        &path(&train),
        "--json",
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let scores: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (em, f1) = (
        scores["exact_match"].as_f64().unwrap(),
        scores["f1"].as_f64().unwrap(),
    );
    assert!(
        (0.0..=100.0).contains(&em) && em <= f1 && f1 <= 100.0,
        "{scores}"
    );
    assert_eq!(scores["n"], 90);

    // One question: the answer is the passage's characters from start to end.
    let context = "bob went to london with alice . the film was really good .";
    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        &path(&out),
        "--question",
        "who went to london",
        "--context",
        context,
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (start, end) = (
        answer["start"].as_u64().unwrap() as usize,
        answer["end"].as_u64().unwrap() as usize,
    );
    let chars: Vec<char> = context.chars().collect();
    assert_eq!(
        answer["answer"].as_str().unwrap(),
        chars[start..end].iter().collect::<String>()
    );
    let score = answer["score"].as_f64().unwrap();
    assert!(score > 0.0 && score <= 1.0, "{answer}");

    // A file of questions: one line each, with its id.
    let (ok, stdout, stderr) = anneal(&[
        "predict",
        "--model",
        &path(&out),
        "--data",
        &path(&train),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 90);
    assert_eq!(lines[3]["id"], "q3");
    // A question for a classifier's flags, and texts for a question-answering model, are refused.
    let (ok, _, stderr) = anneal(&[
        "predict",
        "--model",
        &path(&out),
        "just a text",
        "--device",
        "cpu",
    ]);
    assert!(
        !ok && stderr.contains("--question and --context"),
        "{stderr}"
    );

    // Bad questions are refused with their lines (flat file) or ids (SQuAD JSON).
    let bad = work.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"data": [{"title": "t", "paragraphs": [{"context": "alice went to paris .", "qas": [
            {"id": "good", "question": "who", "answers": [{"text": "alice", "answer_start": 0}]},
            {"id": "off", "question": "where", "answers": [{"text": "paris", "answer_start": 3}]},
            {"id": "good", "question": "again", "answers": [{"text": "alice", "answer_start": 0}]}]}]}]}"#,
    )
    .unwrap();
    let (ok, _, stderr) = anneal(&[
        "finetune",
        "--model",
        &path(&model),
        "--train",
        &path(&bad),
        "--device",
        "cpu",
        "--out",
        &path(&work.join("bad-out")),
    ]);
    assert!(!ok && !stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("question off: answer_start 3 does not point at \"paris\"")
            && stderr.contains("it occurs at 14")
            && stderr.contains("the id \"good\" repeats the question of line 2"),
        "{stderr}"
    );
}

/// A question-answering model reads passages as its run did: the windows recorded beside it
/// (`training.json`, the command line's whole record or the browser's kept run's three keys)
/// come back with its files, so that the tab and `anneal qa` ask it the same way; a record
/// that is not JSON is named.
#[test]
fn a_models_recorded_windows_come_back_with_its_files() {
    use anneal::checkpoint::ModelFiles;
    use anneal::checkpoint::folder::{RUN_RECORD, Recorded};

    let dir = minilm();
    let files = |record: Option<Vec<u8>>| {
        let mut files: std::collections::BTreeMap<String, Vec<u8>> =
            ["config.json", "model.safetensors", "tokenizer.json"]
                .iter()
                .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
                .collect();
        if let Some(r) = record {
            files.insert(RUN_RECORD.into(), r);
        }
        ModelFiles::from_files("qa-model", files)
    };
    assert_eq!(files(None).unwrap().recorded, Recorded::default());
    let kept = Recorded::qa_json(256, 64, true);
    assert_eq!(
        files(Some(kept)).unwrap().recorded,
        Recorded {
            max_len: Some(256),
            doc_stride: Some(64),
            unanswerable: Some(true),
        }
    );
    let cli = br#"{"task": "qa", "max_len": 128, "doc_stride": 32, "version_2_with_negative": null, "config": {"epochs": 2}}"#;
    let recorded = files(Some(cli.to_vec())).unwrap().recorded;
    assert_eq!(
        (recorded.max_len, recorded.doc_stride),
        (Some(128), Some(32))
    );
    assert_eq!(recorded.unanswerable, None);
    let broken = files(Some(b"{not json".to_vec())).unwrap_err();
    assert!(broken.starts_with("qa-model/training.json: "), "{broken}");
}
