//! `anneal inspect`: validate a data file and summarise it; exit 0 only if it is usable.

use std::path::PathBuf;

use clap::Args;

use super::model_dir::ModelDir;
use super::shell::{DataArgs, data_error, read};
use crate::data::features::encode;
use crate::data::split::{label_counts, label_names};
use crate::data::{MAX_LISTED_PROBLEMS, Task};

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The data file.
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    data_args: DataArgs,
    /// A model folder, to count the examples its tokenizer would cut at --max-len.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Longest input in tokens.
    #[arg(long, default_value_t = 128)]
    max_len: usize,
}

pub fn run(a: InspectArgs) -> Result<(), String> {
    let bytes = read(&a.data)?;
    let name = a.data.display().to_string();
    let parsed = crate::data::parse(&name, &bytes, &a.data_args.options(None))
        .map_err(|e| data_error(&e))?;
    let task = parsed.examples.task();
    println!("file: {name}");
    println!(
        "task: {}",
        match task {
            Task::Classify => "classify",
            Task::Ner => "ner",
            Task::Qa => "qa",
        }
    );
    for note in &parsed.notes {
        println!("note: {note}");
    }
    println!("examples: {}", parsed.examples.len());
    println!("{}", parsed.counts());
    let multiline = parsed.multiline_notes();
    if !multiline.is_empty() {
        println!("rows over several lines: {}", multiline.len());
        for line in &multiline {
            println!("  {line}");
        }
    }
    let counts = label_counts(&parsed.examples);
    println!("{}:", if task == Task::Ner { "tags" } else { "labels" });
    for (label, n) in &counts {
        println!("  {label}: {n}");
    }
    if let Some(dir) = &a.model {
        let dir = ModelDir::open(dir)?;
        let labels = label_names(counts.keys().map(String::as_str), task == Task::Ner);
        let encoded = encode(&parsed.examples, &dir.tokenizer, &labels, a.max_len)
            .map_err(|e| e.to_string())?;
        println!(
            "longer than {} tokens (cut): {}",
            a.max_len,
            encoded.truncated_lines.len()
        );
    }
    let mut unusable = Vec::new();
    if !parsed.problems.is_empty() {
        println!("problems: {}", parsed.problems.len());
        for p in parsed.problems.iter().take(MAX_LISTED_PROBLEMS) {
            println!("  line {}: {}", p.line, p.message);
        }
        if parsed.problems.len() > MAX_LISTED_PROBLEMS {
            println!(
                "  ... and {} more",
                parsed.problems.len() - MAX_LISTED_PROBLEMS
            );
        }
        unusable.push(format!("{} problem(s)", parsed.problems.len()));
    }
    unusable.extend(
        crate::data::unusable(&parsed.examples)
            .into_iter()
            .map(String::from),
    );
    if unusable.is_empty() {
        println!("usable: yes");
        Ok(())
    } else {
        println!("usable: no");
        Err(format!("{name}: not usable as is: {}", unusable.join("; ")))
    }
}
