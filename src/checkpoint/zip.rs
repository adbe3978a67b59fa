//! Zip archives of model folders: the browser's export and import format, through the `zip`
//! crate (zip-rs), so that a folder zipped by any operating system's "compress" (deflate)
//! reads as well as Anneal's own exports.
//!
//! Written uncompressed ("stored"): safetensors weights barely compress, and storing keeps an
//! export of a 90 MB model fast in a browser. Read: stored and deflated entries, each checked
//! against its CRC-32 by the crate. On top, the checks a hostile archive needs here: an entry's
//! declared size is capped before anything is allocated (a zip bomb gets a message, not an
//! out-of-memory), folders inside the archive are dropped (`my-model/config.json` reads as
//! `config.json`), and the macOS metadata a Finder zip adds (`__MACOSX/`, `._*`) is skipped.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The largest entry read: a bigger one is refused before it is inflated. 4 GiB is the wasm32
/// address space, and larger than any checkpoint a browser tab can train.
const MAX_ENTRY: u64 = 4 << 30;

/// Writes `files` (name, bytes) as a stored zip, each under `folder/`.
pub fn write(folder: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        // No clock in a wasm worker: the entries carry zip's earliest date, 1980-01-01.
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(DateTime::default())
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        zip.start_file(format!("{folder}/{name}"), options)
            .expect("writing a zip to memory cannot fail");
        zip.write_all(bytes)
            .expect("writing a zip to memory cannot fail");
    }
    zip.finish()
        .expect("writing a zip to memory cannot fail")
        .into_inner()
}

/// Reads the files of a zip by base name. Errors say what is wrong, for `name`.
pub fn read(name: &str, bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("{name}: not a readable zip ({e})"))?;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("{name}: entry {i}: {e}"))?;
        let path = entry
            .name()
            .map_err(|e| format!("{name}: entry {i}: {e}"))?
            .to_string();
        let base = path.rsplit('/').next().unwrap_or(&path).to_string();
        if entry.is_dir() || path.starts_with("__MACOSX/") || base.starts_with("._") {
            continue;
        }
        if entry.size() > MAX_ENTRY {
            return Err(format!(
                "{name}: {path} would be {} bytes unpacked, more than a browser tab can hold",
                entry.size()
            ));
        }
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry
            .by_ref()
            .take(MAX_ENTRY)
            .read_to_end(&mut data)
            .map_err(|e| format!("{name}: {path}: {e}"))?;
        files.insert(base, data);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_drops_the_folder() {
        let zip = write("m", &[("config.json", b"{}"), ("w.bin", &[1, 2, 3])]);
        let files = read("m.zip", &zip).unwrap();
        assert_eq!(files["config.json"], b"{}");
        assert_eq!(files["w.bin"], vec![1, 2, 3]);
    }

    #[test]
    fn a_folder_compressed_by_an_operating_system_reads() {
        // What "compress" in a file manager makes: deflated entries, a folder entry, and
        // (from macOS) resource forks under __MACOSX/.
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default());
        zip.add_directory("my-model/", deflated).unwrap();
        let config = br#"{"model_type": "bert", "hidden_size": 4}"#.repeat(50);
        zip.start_file("my-model/config.json", deflated).unwrap();
        zip.write_all(&config).unwrap();
        zip.start_file("__MACOSX/my-model/._config.json", deflated)
            .unwrap();
        zip.write_all(b"resource fork").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < config.len(), "the entry is compressed");
        let files = read("my-model.zip", &bytes).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), vec!["config.json"]);
        assert_eq!(files["config.json"], config);
    }

    #[test]
    fn corrupt_archives_are_errors_not_panics() {
        let zip = write("m", &[("a", b"hello")]);
        for cut in 0..zip.len() {
            let _ = read("m.zip", &zip[..cut]);
        }
        let at = zip
            .windows(5)
            .position(|w| w == b"hello")
            .expect("the stored data");
        let mut flipped = zip.clone();
        flipped[at + 2] ^= 0xFF;
        let err = read("m.zip", &flipped).unwrap_err();
        assert!(err.to_lowercase().contains("checksum"), "{err}");
        assert!(read("x.zip", b"not a zip").is_err());
    }
}
