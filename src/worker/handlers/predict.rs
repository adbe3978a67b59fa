//! `Predict` and `PredictFile`: one text as the person types, or every text of a file as CSV
//! and JSONL to download, with the fine-tuned (or imported) model.

use std::rc::Rc;

use super::super::state::{Shared, Tuned};
use super::super::to_proto::prediction_view;
use crate::infer::texts::texts_of;
use crate::infer::{Prediction, predict_texts, rows};
use crate::protocol::{FromWorker, PredictionView};

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

/// One text, as the Try-it panel shows it.
pub(in crate::worker) async fn one(
    session: &Shared,
    text: String,
) -> Result<PredictionView, String> {
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
    let texts = texts_of(name, bytes)?;
    let predictions = predict(session, &texts).await?;
    Ok(FromWorker::BatchPredicted {
        count: texts.len(),
        csv: rows::csv(&texts, &predictions),
        jsonl: rows::jsonl(&texts, &predictions),
    })
}
