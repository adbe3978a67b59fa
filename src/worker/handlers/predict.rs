//! `Predict` and `PredictFile`: one text as the person types, or every text of a file as CSV
//! and JSONL to download, with the fine-tuned (or imported) model.

use std::rc::Rc;

use super::super::state::{Shared, Tuned};
use super::super::to_proto::{answer_view, prediction_view};
use crate::data::{Examples, ParseOptions, parse};
use crate::infer::qa::{ask, question};
use crate::infer::texts::texts_of;
use crate::infer::{Prediction, predict_texts, rows};
use crate::protocol::{FromWorker, PredictionView};
use crate::shared::Task;

/// The model to predict with, unless a run is using the device.
fn tuned(session: &Shared) -> Result<Rc<Tuned>, String> {
    if session.borrow().run.is_some() {
        return Err("training is in progress; predictions use the model once it finishes".into());
    }
    session
        .borrow()
        .tuned
        .clone()
        .ok_or_else(|| "no fine-tuned model yet: train one, or import an exported model".into())
}

async fn predict(session: &Shared, texts: &[String]) -> Result<Vec<Prediction>, String> {
    let tuned = tuned(session)?;
    predict_texts(
        &tuned.model,
        &tuned.files.tokenizer,
        &tuned.labels,
        texts,
        tuned.max_len,
    )
    .await
    .map_err(|e| e.to_string())
}

/// The questions of `questions` answered by a question-answering model.
async fn answer(
    tuned: &Tuned,
    questions: &[crate::data::QaExample],
) -> Result<crate::infer::qa::Asked, String> {
    let (stride, reading) = tuned.qa;
    ask(
        &tuned.model,
        &tuned.files.tokenizer,
        questions,
        tuned.max_len,
        stride,
        16,
        reading,
    )
    .await
    .map_err(|e| e.to_string())
}

/// One text, as the Try-it panel shows it; for a question-answering model, the text is the
/// question and `context` its passage.
pub(in crate::worker) async fn one(
    session: &Shared,
    text: String,
    context: Option<String>,
) -> Result<PredictionView, String> {
    let tuned = tuned(session)?;
    if tuned.model.task == Task::Qa {
        let context = context
            .filter(|c| !c.trim().is_empty())
            .ok_or("paste a passage to ask about")?;
        if text.trim().is_empty() {
            return Err("type a question about the passage".into());
        }
        let asked = answer(&tuned, &[question(&text, &context)]).await?;
        return match (asked.answers.first(), asked.problems.first()) {
            (Some(a), _) => Ok(answer_view(&context, a)),
            (None, Some(p)) => Err(p
                .message
                .trim_start_matches("question question: ")
                .to_string()),
            (None, None) => Err("no answer".into()),
        };
    }
    let texts = [text];
    let prediction = predict(session, &texts).await?.remove(0);
    Ok(prediction_view(&texts[0], prediction))
}

/// Every text of a file, as CSV and JSONL.
pub(in crate::worker) async fn file(
    session: &Shared,
    name: &str,
    bytes: &[u8],
) -> Result<FromWorker, String> {
    let tuned = tuned(session)?;
    if tuned.model.task == Task::Qa {
        let options = ParseOptions {
            task: Some(Task::Qa),
            ..ParseOptions::default()
        };
        let parsed = parse(name, bytes, &options).map_err(|e| e.to_string())?;
        let Examples::Qa(questions) = parsed.examples else {
            return Err(format!("{name}: not a question-answering file"));
        };
        let asked = answer(&tuned, &questions).await?;
        return Ok(FromWorker::BatchPredicted {
            count: asked.answers.len(),
            csv: rows::qa_csv(&asked.questions, &asked.answers),
            jsonl: rows::qa_jsonl(&asked.questions, &asked.answers),
        });
    }
    let texts = texts_of(name, bytes)?;
    let predictions = predict(session, &texts).await?;
    Ok(FromWorker::BatchPredicted {
        count: texts.len(),
        csv: rows::csv(&texts, &predictions),
        jsonl: rows::jsonl(&texts, &predictions),
    })
}
