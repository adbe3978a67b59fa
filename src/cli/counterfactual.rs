//! `anneal counterfactual`: swap identity terms (gendered words, first names, your own pairs)
//! in texts and measure how a fine-tuned classifier's prediction moves, or whether an entity
//! tagger still gives each swapped word its entity type (`infer::counterfactual`), as a
//! summary or one JSON object.

use std::path::{Path, PathBuf};

use clap::Args;

use super::predict::open_fine_tuned;
use super::shell::read;
use crate::data::Examples;
use crate::data::entities::split_words;
use crate::data::formats::{ParseOptions, column_cells, parse};
use crate::infer::counterfactual::{counterfactual, tag_counterfactual};
use crate::infer::texts::texts_of;
use crate::model::Task;
use crate::runtime::DeviceChoice;
use crate::shared::counterfactual::{CounterfactualReport, Swaps};
use crate::shared::tag_swaps::TagSwapReport;

/// Where `--swap names` finds its lists by default (scripts/assets.py puts them there).
pub(super) const NAMES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples");
/// The name lists' file names in that folder.
pub const NAME_FILES: [&str; 2] = ["first_names_female.txt", "first_names_male.txt"];

#[derive(Args, Debug)]
pub struct CounterfactualArgs {
    /// A fine-tuned model folder: a text classifier, or an entity tagger (then each swapped
    /// word must keep its predicted entity type).
    #[arg(long)]
    model: PathBuf,
    /// gender (gendered words and pronouns), names (first names by gender), or a file of your
    /// own pairs (two words a line, comma or tab between them).
    #[arg(long, default_value = "gender")]
    swap: String,
    /// A file of texts: the text column of a CSV/TSV (or --text-column), the text field of
    /// JSON lines, or one text a line; for a tagger also CoNLL (its sentences' words).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The column (CSV/TSV header, JSON-lines key) holding the texts of --data.
    #[arg(long, requires = "data")]
    text_column: Option<String>,
    /// A template with a {name} slot, filled with names from the swap list (repeatable).
    #[arg(long)]
    template: Vec<String>,
    /// A file of templates, one a line.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Names drawn for each template.
    #[arg(long, default_value_t = 50)]
    per_template: usize,
    /// Seed of the names drawn for templates.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The folder with first_names_female.txt and first_names_male.txt (--swap names).
    #[arg(long, default_value = NAMES_DIR)]
    names_dir: PathBuf,
    /// Texts to test.
    texts: Vec<String>,
    /// Longest input in tokens.
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    /// Pairs listed in the summary (--json lists them all).
    #[arg(long, default_value_t = 10)]
    show: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// auto, cpu or gpu.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
}

pub fn run(a: CounterfactualArgs) -> Result<(), String> {
    let swaps = swap_list(&a.swap, &a.names_dir)?;
    let (dir, model, labels) = open_fine_tuned(&a.model, a.device)?;
    match model.task {
        Task::Classify => {}
        Task::Ner => {
            let sentences = sentences_to_test(&a, &swaps)?;
            let report = pollster::block_on(tag_counterfactual(
                &model,
                &dir.tokenizer,
                &labels,
                &sentences,
                &swaps,
                a.max_len,
            ))
            .map_err(|e| e.to_string())?;
            match a.json {
                true => println!("{}", serde_json::to_string(&report).expect("json values")),
                false => print_tag_report(&report, a.show),
            }
            return Ok(());
        }
        Task::Qa => {
            return Err(format!(
                "{}: counterfactual tests need a text classifier or an entity tagger; this model does {}",
                a.model.display(),
                model.task.describe()
            ));
        }
    }
    let texts = texts_to_test(&a, &swaps)?;
    let report = pollster::block_on(counterfactual(
        &model,
        &dir.tokenizer,
        &labels,
        &texts,
        &swaps,
        a.max_len,
    ))
    .map_err(|e| e.to_string())?;
    match a.json {
        true => println!("{}", serde_json::to_string(&report).expect("json values")),
        false => print_report(&report, a.show),
    }
    Ok(())
}

/// The swap list `--swap` names.
pub(super) fn swap_list(swap: &str, names_dir: &Path) -> Result<Swaps, String> {
    match swap {
        "gender" => Ok(Swaps::gender()),
        "names" => {
            let [female, male] = NAME_FILES.map(|f| names_dir.join(f));
            let read_list = |p: &Path| {
                read(p).map_err(|e| {
                    format!("{e}: the name lists come with the samples (python3 scripts/assets.py), or give --names-dir")
                })
            };
            let (female, male) = (read_list(&female)?, read_list(&male)?);
            Ok(Swaps::names(
                &String::from_utf8_lossy(&female),
                &String::from_utf8_lossy(&male),
            ))
        }
        file => {
            let path = Path::new(file);
            let bytes = read(path)?;
            Swaps::custom(&String::from_utf8_lossy(&bytes)).map_err(|problems| {
                let lines: Vec<String> = problems
                    .iter()
                    .map(|(line, p)| format!("  line {line}: {p}"))
                    .collect();
                format!(
                    "{}: not a list of pairs:\n{}",
                    path.display(),
                    lines.join("\n")
                )
            })
        }
    }
}

/// The sentences a tagger is tested on: a CoNLL (or tokens JSON lines) file's sentences as
/// they are, else each text given split into words as prediction splits it.
fn sentences_to_test(a: &CounterfactualArgs, swaps: &Swaps) -> Result<Vec<Vec<String>>, String> {
    // A file read as a tagger's data without a problem: its sentences' words as they are.
    let tagged = a.data.as_ref().map(|path| -> Result<_, String> {
        let parsed = parse(
            &path.display().to_string(),
            &read(path)?,
            &ParseOptions::default(),
        );
        Ok(match parsed {
            Ok(p) if p.problems.is_empty() => match p.examples {
                Examples::Ner(v) => Some(v.into_iter().map(|e| e.tokens).collect::<Vec<_>>()),
                _ => None,
            },
            _ => None,
        })
    });
    let tagged = tagged.transpose()?.flatten();
    let texts = match tagged {
        Some(_) => other_texts(a, swaps)?,
        None => texts_to_test(a, swaps)?,
    };
    let split = texts
        .iter()
        .map(|t| split_words(t).into_iter().map(|w| w.text).collect());
    let sentences: Vec<Vec<String>> = tagged.into_iter().flatten().chain(split).collect();
    match sentences.is_empty() {
        true => Err("no sentences: give --data FILE, --template, --templates FILE or texts".into()),
        false => Ok(sentences),
    }
}

/// The texts given: a file's, templates filled with names, and the arguments.
fn texts_to_test(a: &CounterfactualArgs, swaps: &Swaps) -> Result<Vec<String>, String> {
    let mut texts = Vec::new();
    if let Some(path) = &a.data {
        let name = path.display().to_string();
        let bytes = read(path)?;
        match &a.text_column {
            Some(column) => {
                let cells = column_cells(&name, &bytes, column).map_err(|e| e.to_string())?;
                texts.extend(cells.into_values().filter(|t| !t.is_empty()));
            }
            None => texts.extend(texts_of(&name, &bytes)?),
        }
    }
    texts.extend(other_texts(a, swaps)?);
    if texts.is_empty() {
        return Err("no texts: give --data FILE, --template, --templates FILE or texts".into());
    }
    Ok(texts)
}

/// The texts given besides a file: templates filled with names, and the arguments.
fn other_texts(a: &CounterfactualArgs, swaps: &Swaps) -> Result<Vec<String>, String> {
    let mut texts = Vec::new();
    let mut templates = a.template.clone();
    if let Some(path) = &a.templates {
        let bytes = read(path)?;
        templates.extend(
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    if let Some(t) = templates.iter().find(|t| !t.contains("{name}")) {
        return Err(format!("the template \"{t}\" has no {{name}} slot"));
    }
    texts.extend(swaps.fill_templates(&templates, a.per_template, a.seed));
    texts.extend(a.texts.iter().cloned());
    Ok(texts)
}

fn print_report(r: &CounterfactualReport, show: usize) {
    println!("{}", r.sentence());
    if r.ambiguous > 0 {
        println!(
            "{} listed word(s) left alone: their swap would not read back the same (her: him or his?)",
            r.ambiguous
        );
    }
    for (label, s) in &r.by_label {
        println!(
            "  {label:<20} mean |shift| {:.4}  largest {:.4}",
            s.mean_abs_shift, s.max_abs_shift
        );
    }
    for p in r.pairs.iter().take(show) {
        println!(
            "  {:+.3}  [{} → {}]  {}  →  {}",
            p.shift, p.label_before, p.label_after, p.original, p.swapped
        );
    }
}

fn print_tag_report(r: &TagSwapReport, show: usize) {
    println!("{}", r.sentence());
    if r.ambiguous > 0 {
        println!(
            "{} listed word(s) left alone: their swap would not read back the same (her: him or his?)",
            r.ambiguous
        );
    }
    for (kind, t) in &r.by_type {
        println!("  {kind:<20} {} swapped, {} changed type", t.words, t.flips);
    }
    for p in r.pairs.iter().filter(|p| p.flips > 0).take(show) {
        let retyped = p.retyped().join("; ");
        println!("  [{retyped}]  {}  →  {}", p.original, p.swapped);
    }
}
