//! `anneal evaluate`, `anneal predict` and `anneal embed`.

use std::path::PathBuf;

use clap::Args;

use super::groups::{self, GroupArgs};
use super::model_dir::ModelDir;
use super::qa;
use super::shell::{DataArgs, load_data, pick_device, texts};
use crate::checkpoint::{load_classifier, load_encoder};
use crate::data::features::encode;
use crate::infer::embed::sentence_embeddings;
use crate::infer::predict_texts;
use crate::infer::rows::json_row;
use crate::model::{BertClassifier, Task};
use crate::runtime::DeviceChoice;
use crate::train::metrics::Scores;
use crate::train::{Evaluation, evaluate_predicting};

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// A fine-tuned model folder.
    #[arg(long)]
    model: PathBuf,
    /// Labeled data in any supported format.
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    data_args: DataArgs,
    #[command(flatten)]
    groups: GroupArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Longest input in tokens. [default: 128; question answering: the fine-tuning run's, else
    /// 384]
    #[arg(long)]
    max_len: Option<usize>,
    /// Question answering: tokens shared by the windows of a long passage. [default: the
    /// fine-tuning run's, else a third of the maximum length]
    #[arg(long)]
    doc_stride: Option<usize>,
    /// Examples per forward pass.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Keep the valid rows of a malformed file instead of refusing it.
    #[arg(long)]
    skip_invalid: bool,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A fine-tuned model folder.
    #[arg(long)]
    model: PathBuf,
    /// A file of texts: the text column of a CSV/TSV (text, sentence, review, content or
    /// document; else the first), the text field of JSON lines, or else one text per line.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Texts to predict.
    texts: Vec<String>,
    /// Question answering: the question to ask about --context.
    #[arg(long, requires = "context", conflicts_with_all = ["input", "texts"])]
    question: Option<String>,
    /// Question answering: the passage the answer is a span of.
    #[arg(long, requires = "question")]
    context: Option<String>,
    /// Question answering: a file of questions and passages (SQuAD JSON, JSONL, CSV, TSV); one
    /// JSON line per question.
    #[arg(long, conflicts_with_all = ["input", "texts", "question"])]
    data: Option<PathBuf>,
    /// Longest input in tokens. [default: 128; question answering: the fine-tuning run's, else
    /// 384]
    #[arg(long)]
    max_len: Option<usize>,
    /// Question answering: tokens shared by the windows of a long passage. [default: the
    /// fine-tuning run's, else a third of the maximum length]
    #[arg(long)]
    doc_stride: Option<usize>,
    /// Question answering: let "no answer" compete with the best span (SQuAD v2). [default:
    /// as the model was fine-tuned]
    #[arg(long)]
    version_2_with_negative: bool,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

#[derive(Args, Debug)]
pub struct EmbedArgs {
    /// Any BERT model folder.
    #[arg(long)]
    model: PathBuf,
    /// A file of texts: the text column of a CSV/TSV (text, sentence, review, content or
    /// document; else the first), the text field of JSON lines, or else one text per line.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Texts to embed.
    texts: Vec<String>,
    /// Longest input in tokens.
    #[arg(long, default_value_t = 512)]
    max_len: usize,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

pub(super) fn open_fine_tuned(
    path: &std::path::Path,
    device: DeviceChoice,
) -> Result<(ModelDir, BertClassifier, Vec<String>), String> {
    let dir = ModelDir::open(path)?;
    let (task, labels) = dir.fine_tuned()?;
    let picked = pick_device(device)?;
    let (model, _, report) = load_classifier(
        &dir.config,
        &dir.weights,
        task,
        labels.len(),
        None,
        &picked.device,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if !report.initialised.is_empty() {
        return Err(format!(
            "{}: the checkpoint lacks trained weights for {} (expected {} labels)",
            path.display(),
            report.initialised.join(", "),
            labels.len()
        ));
    }
    Ok((dir, model, labels))
}

/// A labelled file scored by a fine-tuned classifier or tagger.
pub(super) struct Scored {
    /// The file read.
    pub parsed: crate::data::Parsed,
    /// Its examples encoded (those with labels the model does not know left out and listed).
    pub encoded: crate::data::features::Encoded,
    /// The scores.
    pub report: Evaluation,
    /// Each encoded example's predicted label ids (one, or one per scored word).
    pub predicted: Vec<Vec<usize>>,
}

/// Reads `path` and scores the model on it; examples with labels it does not know are
/// listed on stderr and left out.
pub(super) fn score_file(
    (dir, model, labels): (&ModelDir, &BertClassifier, &[String]),
    path: &std::path::Path,
    options: &crate::data::ParseOptions,
    skip_invalid: bool,
    (max_len, batch_size): (usize, usize),
) -> Result<Scored, String> {
    let parsed = load_data(path, options, skip_invalid)?;
    let encoded =
        encode(&parsed.examples, &dir.tokenizer, labels, max_len).map_err(|e| e.to_string())?;
    if !encoded.unknown_labels.is_empty() {
        eprintln!(
            "{}: left out {} example(s) with labels the model does not know:",
            parsed.file,
            encoded.unknown_labels.len()
        );
        for p in encoded.unknown_labels.iter().take(20) {
            eprintln!("  line {}: {}", p.line, p.message);
        }
    }
    if encoded.features.is_empty() {
        return Err(format!("{}: no examples to evaluate", parsed.file));
    }
    let (report, predicted) = pollster::block_on(evaluate_predicting(
        model,
        &encoded.features,
        labels,
        batch_size,
        dir.tokenizer.pad_id(),
    ))
    .map_err(|e| e.to_string())?;
    Ok(Scored {
        parsed,
        encoded,
        report,
        predicted,
    })
}

pub fn evaluate(a: EvaluateArgs) -> Result<(), String> {
    let (dir, model, labels) = open_fine_tuned(&a.model, a.device)?;
    if model.task == Task::Qa {
        return evaluate_qa(&a, &dir, &model);
    }
    let scored = score_file(
        (&dir, &model, &labels),
        &a.data,
        &a.data_args.options(Some(model.task)),
        a.skip_invalid,
        (a.max_len.unwrap_or(128), a.batch_size),
    )?;
    let by_group = a.groups.report(
        &a.data,
        &scored.parsed,
        &scored.encoded.unknown_labels,
        &scored.encoded.features,
        &scored.predicted,
        &labels,
    )?;
    if a.json {
        let mut json = serde_json::to_value(&scored.report).expect("json values");
        if let Some(r) = &by_group {
            groups::add_to_json(&mut json, r);
        }
        println!("{json}");
        return Ok(());
    }
    print_evaluation(&scored.report);
    if let Some(r) = &by_group {
        groups::print(r);
    }
    Ok(())
}

/// `anneal evaluate` of a question-answering model.
fn evaluate_qa(a: &EvaluateArgs, dir: &ModelDir, model: &BertClassifier) -> Result<(), String> {
    if a.groups.wanted() {
        return Err(format!(
            "{}: scoring by group is for classification and entity recognition; this model answers questions",
            a.model.display()
        ));
    }
    let windows = qa::Windows::of(dir, a.max_len, a.doc_stride, false)?;
    let options = a.data_args.options(Some(Task::Qa));
    let report = qa::evaluate(
        model,
        dir,
        &a.data,
        &options,
        a.skip_invalid,
        &windows,
        a.batch_size,
    )?;
    match a.json {
        true => println!("{}", report.to_json()),
        false => qa::print_report(&report),
    }
    Ok(())
}

/// An evaluation's scores as tables.
fn print_evaluation(report: &Evaluation) {
    match report {
        Evaluation::Classify(r) => {
            println!(
                "examples {}  accuracy {:.4}  macro-F1 {:.4}  weighted-F1 {:.4}",
                r.examples, r.accuracy, r.macro_f1, r.weighted_f1
            );
            print_scores("label", &r.per_class);
            println!(
                "confusion (rows true, columns predicted): {:?}",
                r.confusion.labels
            );
            for row in &r.confusion.matrix {
                println!("  {row:?}");
            }
        }
        Evaluation::Ner(r) => {
            println!(
                "sentences {}  entity P {:.4}  R {:.4}  F1 {:.4}",
                r.examples, r.precision, r.recall, r.f1
            );
            print_scores("type", &r.per_type);
        }
        Evaluation::Qa(r) => qa::print_report(r),
    }
}

/// A table of precision, recall, F1 and support, one row per class or entity type.
fn print_scores(heading: &str, rows: &std::collections::BTreeMap<String, Scores>) {
    println!(
        "{heading:<20} {:>9} {:>9} {:>9} {:>8}",
        "precision", "recall", "f1", "support"
    );
    for (name, s) in rows {
        println!(
            "{name:<20} {:>9.4} {:>9.4} {:>9.4} {:>8}",
            s.precision, s.recall, s.f1, s.support
        );
    }
}

pub fn predict(a: PredictArgs) -> Result<(), String> {
    let (dir, model, labels) = open_fine_tuned(&a.model, a.device)?;
    if model.task == Task::Qa {
        let windows = qa::Windows::of(&dir, a.max_len, a.doc_stride, a.version_2_with_negative)?;
        let asked = (
            a.question.as_deref(),
            a.context.as_deref(),
            a.data.as_deref(),
        );
        return qa::predict(&model, &dir, asked, &windows);
    }
    if a.question.is_some() || a.data.is_some() {
        return Err(format!(
            "{}: --question, --context and --data are for question-answering models; this one is for {}",
            a.model.display(),
            model.task.describe()
        ));
    }
    let texts = texts(&a.input, &a.texts)?;
    let predictions = pollster::block_on(predict_texts(
        &model,
        &dir.tokenizer,
        &labels,
        &texts,
        a.max_len.unwrap_or(128),
    ))
    .map_err(|e| e.to_string())?;
    for (text, prediction) in texts.iter().zip(&predictions) {
        println!("{}", json_row(text, prediction));
    }
    Ok(())
}

pub fn embed(a: EmbedArgs) -> Result<(), String> {
    let texts = texts(&a.input, &a.texts)?;
    let dir = ModelDir::open(&a.model)?;
    let picked = pick_device(a.device)?;
    let (model, _, _) = load_encoder(&dir.config, &dir.weights, None, &picked.device)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
    let max_len = a.max_len.min(dir.config.max_len());
    let vectors = pollster::block_on(sentence_embeddings(
        &model,
        &dir.tokenizer,
        &texts,
        max_len,
        32,
    ))
    .map_err(|e| e.to_string())?;
    for v in vectors {
        println!("{}", serde_json::to_string(&v).expect("floats"));
    }
    Ok(())
}
