//! Predictions written out: one JSON object per text (the command line's `predict` output and
//! the browser's JSONL download), and a CSV table (the browser's CSV download).

use serde_json::{Map, Value, json};

use super::Prediction;
use crate::data::QaExample;
use crate::data::qa::Answered;

/// An answer as a JSON object: `{"answer", "score", "start", "end"}` (its probability among the
/// n best, its character span in the passage), `"id"` first for a file's questions, and
/// SQuAD v2's `"null_score_diff"` when "no answer" competed.
pub fn qa_row(id: Option<&str>, a: &Answered) -> Value {
    let mut row = Map::new();
    if let Some(id) = id {
        row.insert("id".into(), id.into());
    }
    row.insert("answer".into(), a.answer.text.clone().into());
    row.insert("score".into(), json!(a.answer.probability));
    row.insert("start".into(), a.answer.start.into());
    row.insert("end".into(), a.answer.end.into());
    if let Some(d) = a.null_score_diff {
        row.insert("null_score_diff".into(), json!(d));
    }
    Value::Object(row)
}

/// One [`qa_row`] per question, with its id.
pub fn qa_jsonl(questions: &[QaExample], answers: &[Answered]) -> String {
    let mut out = String::new();
    for (q, a) in questions.iter().zip(answers) {
        out.push_str(&qa_row(Some(&q.id), a).to_string());
        out.push('\n');
    }
    out
}

/// `id,question,answer,score,start,end`, one row per question; texts always quoted.
pub fn qa_csv(questions: &[QaExample], answers: &[Answered]) -> String {
    let mut out = String::from("id,question,answer,score,start,end\n");
    for (q, a) in questions.iter().zip(answers) {
        out.push_str(&format!(
            "{},{},{},{:.6},{},{}\n",
            field(&q.id),
            field(&q.question),
            field(&a.answer.text),
            a.answer.probability,
            a.answer.start,
            a.answer.end
        ));
    }
    out
}

/// `{"text", "label", "scores": {label: p}}` for a class, `{"text", "entities": [{"text",
/// "label", "start", "end", "score"}]}` for entities (character offsets).
pub fn json_row(text: &str, prediction: &Prediction) -> Value {
    match prediction {
        Prediction::Classify { label, scores } => {
            let scores: Map<String, Value> =
                scores.iter().map(|(l, p)| (l.clone(), json!(p))).collect();
            json!({"text": text, "label": label, "scores": scores})
        }
        Prediction::Ner { entities } => json!({"text": text, "entities": entities}),
    }
}

/// One [`json_row`] per line.
pub fn jsonl(texts: &[String], predictions: &[Prediction]) -> String {
    let mut out = String::new();
    for (text, p) in texts.iter().zip(predictions) {
        out.push_str(&json_row(text, p).to_string());
        out.push('\n');
    }
    out
}

fn field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A CSV table: `text,label,score,p_<label>...` (labels in name order) for classes,
/// `text,entities` with `span (TYPE); ...` for entities. Texts are always quoted.
pub fn csv(texts: &[String], predictions: &[Prediction]) -> String {
    let mut out = String::new();
    for (i, (text, p)) in texts.iter().zip(predictions).enumerate() {
        match p {
            Prediction::Classify { label, scores } => {
                let mut sorted = scores.clone();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                if i == 0 {
                    out.push_str("text,label,score");
                    for (l, _) in &sorted {
                        out.push(',');
                        out.push_str(&field(&format!("p_{l}")));
                    }
                    out.push('\n');
                }
                let top = scores
                    .iter()
                    .find(|(l, _)| l == label)
                    .map_or(0.0, |(_, p)| *p);
                out.push_str(&format!("{},{},{top:.6}", field(text), field(label)));
                for (_, p) in &sorted {
                    out.push_str(&format!(",{p:.6}"));
                }
            }
            Prediction::Ner { entities } => {
                if i == 0 {
                    out.push_str("text,entities\n");
                }
                let shown: Vec<String> = entities
                    .iter()
                    .map(|e| format!("{} ({})", e.text, e.label))
                    .collect();
                out.push_str(&format!("{},{}", field(text), field(&shown.join("; "))));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::entities::Entity;

    fn classes() -> (Vec<String>, Vec<Prediction>) {
        (
            vec!["a \"quoted\" text".into(), "plain".into()],
            vec![
                Prediction::Classify {
                    label: "pos".into(),
                    scores: vec![("pos".into(), 0.75), ("neg".into(), 0.25)],
                },
                Prediction::Classify {
                    label: "neg".into(),
                    scores: vec![("pos".into(), 0.125), ("neg".into(), 0.875)],
                },
            ],
        )
    }

    #[test]
    fn classes_as_csv_and_jsonl() {
        let (texts, predictions) = classes();
        assert_eq!(
            csv(&texts, &predictions),
            "text,label,score,\"p_neg\",\"p_pos\"\n\
             \"a \"\"quoted\"\" text\",\"pos\",0.750000,0.250000,0.750000\n\
             \"plain\",\"neg\",0.875000,0.875000,0.125000\n"
        );
        let lines: Vec<Value> = jsonl(&texts, &predictions)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[1]["label"], "neg");
        assert_eq!(lines[1]["scores"]["neg"], 0.875);
        assert_eq!(lines[0]["text"], "a \"quoted\" text");
    }

    #[test]
    fn entities_as_csv_and_json() {
        let texts = vec!["alice went to paris".to_string()];
        let predictions = vec![Prediction::Ner {
            entities: vec![Entity {
                text: "paris".into(),
                label: "LOC".into(),
                start: 14,
                end: 19,
                score: 0.5,
            }],
        }];
        assert_eq!(
            csv(&texts, &predictions),
            "text,entities\n\"alice went to paris\",\"paris (LOC)\"\n"
        );
        let row = json_row(&texts[0], &predictions[0]);
        assert_eq!(row["entities"][0]["start"], 14);
        assert_eq!(row["entities"][0]["label"], "LOC");
    }
}
