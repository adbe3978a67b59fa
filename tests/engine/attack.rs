//! `anneal attack`: every adversarial example it reports is misclassified when predicted again
//! by `anneal predict`, and within its budget (character edits counted with a swap as one, or
//! words replaced); its clean accuracy is `anneal evaluate`'s; its rates add up.

use serde_json::Value;

use super::{anneal, finetune_tiny};
use crate::common::*;
use anneal::infer::attack::edit_distance;

/// Words of `a` and `b` (split at whitespace) that differ, position by position.
fn words_changed(a: &str, b: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    assert_eq!(a.len(), b.len(), "{a:?} / {b:?}");
    a.iter().zip(&b).filter(|(x, y)| x != y).count()
}

#[test]
fn attacks_report_real_flips_within_their_budget() {
    let model = tiny_model_dir("attack-model", 5);
    let work = temp_dir("attack-work");
    let (train, test) = (work.join("train.csv"), work.join("test.csv"));
    std::fs::write(&train, synthetic_sentiment(240, 8)).unwrap();
    std::fs::write(&test, synthetic_sentiment(40, 9)).unwrap();
    let out = work.join("out");
    let (ok, _, stderr) = finetune_tiny(&model, &train, &out, &["--max-len", "32"]);
    assert!(ok, "{stderr}");
    let (out_s, test_s) = (out.to_str().unwrap(), test.to_str().unwrap());

    let (ok, stdout, stderr) = anneal(&[
        "evaluate", "--model", out_s, "--data", test_s, "--json", "--device", "cpu",
    ]);
    assert!(ok, "{stderr}");
    let evaluated: Value = serde_json::from_str(stdout.trim()).unwrap();

    for (kind, max_edits) in [("chars", 2usize), ("words", 2)] {
        let edits = max_edits.to_string();
        let (ok, stdout, stderr) = anneal(&[
            "attack",
            "--model",
            out_s,
            "--data",
            test_s,
            "--attack",
            kind,
            "--max-edits",
            &edits,
            // A tiny model's embeddings are near random: any neighbour will do.
            "--similarity=-1",
            "--json",
            "--device",
            "cpu",
        ]);
        assert!(ok, "{kind}: {stderr}");
        let r: Value = serde_json::from_str(stdout.trim()).unwrap();
        let rate = |k: &str| r[k].as_f64().unwrap();
        for k in [
            "clean_accuracy",
            "attacked_accuracy",
            "attack_success_rate",
            "words_perturbed",
        ] {
            assert!((0.0..=1.0).contains(&rate(k)), "{kind}: {k} {r}");
        }
        assert!(
            (rate("clean_accuracy") - evaluated["accuracy"].as_f64().unwrap()).abs() < 1e-9,
            "{r}"
        );
        let examples = r["examples"].as_array().unwrap();
        let n = r["examples_scored"].as_f64().unwrap();
        assert_eq!(n, 40.0);
        // Accuracy under attack: the clean hits less the successful attacks.
        assert!(
            (rate("attacked_accuracy") - (rate("clean_accuracy") - examples.len() as f64 / n))
                .abs()
                < 1e-9,
            "{r}"
        );
        assert!(
            !examples.is_empty(),
            "{kind}: a tiny model should be easy to fool: {r}"
        );
        assert!(rate("queries") > 0.0);

        // Each one predicted again by `anneal predict`: wrong, and within the budget.
        let mut args = vec![
            "predict",
            "--model",
            out_s,
            "--device",
            "cpu",
            "--max-len",
            "128",
        ];
        args.extend(examples.iter().map(|e| e["perturbed"].as_str().unwrap()));
        let (ok, stdout, stderr) = anneal(&args);
        assert!(ok, "{stderr}");
        for (e, line) in examples.iter().zip(stdout.lines()) {
            let p: Value = serde_json::from_str(line).unwrap();
            assert_eq!(p["label"], e["predicted"], "{e}");
            assert_ne!(
                p["label"], e["label"],
                "{kind}: not an adversarial example: {e}"
            );
            let (original, perturbed) = (
                e["original"].as_str().unwrap(),
                e["perturbed"].as_str().unwrap(),
            );
            match kind {
                "chars" => assert!(edit_distance(original, perturbed) <= max_edits, "{e}"),
                _ => assert!(
                    (1..=max_edits).contains(&words_changed(original, perturbed)),
                    "{e}"
                ),
            }
        }
    }

    // Refused: no edits allowed; a label the model does not know is listed, not attacked.
    let (ok, _, stderr) = anneal(&[
        "attack",
        "--model",
        out_s,
        "--data",
        test_s,
        "--max-edits",
        "0",
    ]);
    assert!(!ok && stderr.contains("--max-edits"), "{stderr}");
    let odd = work.join("odd.csv");
    std::fs::write(
        &odd,
        "text,label\nthe film was good,positive\nthe film was fine,neutral\n",
    )
    .unwrap();
    let (ok, _, stderr) = anneal(&[
        "attack",
        "--model",
        out_s,
        "--data",
        odd.to_str().unwrap(),
        "--device",
        "cpu",
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 3: label \"neutral\""), "{stderr}");
}
