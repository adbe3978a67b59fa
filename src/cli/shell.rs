//! What every command shares: reading and writing files with their names in errors, data
//! files read and worded with the command line's remedies, texts to predict, the device, and
//! lines above a progress bar. A leaf of `cli/`: each command's file uses it, and `cli/mod.rs`
//! only parses and dispatches.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::data::{DataError, ParseOptions, Parsed, Remedy, Task};
use crate::runtime::DeviceChoice;

/// How to read a data file, shared by several commands.
#[derive(Args, Debug, Clone)]
pub(super) struct DataArgs {
    /// classify or ner; inferred from the file when omitted.
    #[arg(long)]
    task: Option<Task>,
    /// Name of the text column (classification).
    #[arg(long)]
    text_column: Option<String>,
    /// Name of the label column (classification).
    #[arg(long)]
    label_column: Option<String>,
}

impl DataArgs {
    pub(super) fn options(&self, task: Option<Task>) -> ParseOptions {
        ParseOptions {
            task: task.or(self.task),
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
        }
    }
}

pub(super) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))
}

pub(super) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

pub(super) fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))
}

/// Writes a model folder's files (`checkpoint::write::folder_files`) into `out`, making it and
/// any subfolder the files name.
pub(super) fn write_folder(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    for (name, bytes) in files {
        let path = out.join(name);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        write(&path, bytes)?;
    }
    Ok(())
}

/// A data error in the command line's terms: what to fix, and the flag that gets around it.
pub(super) fn data_error(e: &DataError) -> String {
    e.with_remedy(&Remedy {
        name_column: &|which| format!(" (or name it with --{which}-column)"),
        skip_invalid: "; fix the file or pass --skip-invalid to keep only the valid rows",
    })
}

/// Reads and parses a data file, saying on stderr how many rows it has and which run over
/// several lines.
pub(super) fn read_data(path: &Path, options: &ParseOptions) -> Result<Parsed, String> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    let parsed = crate::data::parse(&name, &bytes, options).map_err(|e| data_error(&e))?;
    eprintln!("{name}: {}", parsed.counts());
    for line in parsed.multiline_notes() {
        eprintln!("{name}: {line}");
    }
    Ok(parsed)
}

/// Reads, parses and accepts a data file, listing the skipped rows on stderr.
pub(super) fn load_data(
    path: &Path,
    options: &ParseOptions,
    skip_invalid: bool,
) -> Result<Parsed, String> {
    let parsed = read_data(path, options)?;
    let skipped = parsed.problems.clone();
    let parsed = parsed.accept(skip_invalid).map_err(|e| data_error(&e))?;
    report_skipped(&parsed.file, &skipped);
    Ok(parsed)
}

/// Lists the rows a run leaves out.
pub(super) fn report_skipped(name: &str, skipped: &[crate::data::Problem]) {
    if !skipped.is_empty() {
        eprintln!("{name}: skipped {} invalid row(s):", skipped.len());
        for p in skipped.iter().take(crate::data::MAX_LISTED_PROBLEMS) {
            eprintln!("  line {}: {}", p.line, p.message);
        }
        if skipped.len() > crate::data::MAX_LISTED_PROBLEMS {
            eprintln!(
                "  ... and {} more",
                skipped.len() - crate::data::MAX_LISTED_PROBLEMS
            );
        }
    }
}

/// Texts from arguments, or one per line of a file.
pub(super) fn texts(input: &Option<PathBuf>, args: &[String]) -> Result<Vec<String>, String> {
    let mut out = args.to_vec();
    if let Some(path) = input {
        // The browser's file prediction reads files with the same function.
        out.extend(crate::infer::texts::texts_of(
            &path.display().to_string(),
            &read(path)?,
        )?);
    }
    if out.is_empty() {
        return Err("no texts: give them as arguments or with --input FILE".into());
    }
    Ok(out)
}

/// A line above a progress bar. A hidden bar (stderr not a terminal, e.g. in scripts and logs)
/// drops `println`, so the line goes straight to stderr there.
pub(super) fn say_above(bar: &indicatif::ProgressBar, line: String) {
    if bar.is_hidden() {
        eprintln!("{line}")
    } else {
        bar.println(line)
    }
}

pub(super) fn pick_device(choice: DeviceChoice) -> Result<crate::runtime::Picked, String> {
    let picked = crate::runtime::pick(choice)?;
    eprintln!("device: {}", picked.description);
    Ok(picked)
}
