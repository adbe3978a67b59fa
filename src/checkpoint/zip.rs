//! Zip archives of model folders: the browser's export and import format.
//!
//! Written uncompressed ("stored"): safetensors weights barely compress, and a stored zip
//! costs no code size in the worker. Reading accepts stored entries, which covers Anneal's own
//! exports; compressed zips from elsewhere get a message asking to unzip and pick the files.
//! Folder prefixes inside the archive are dropped, so `my-model/config.json` reads as
//! `config.json`.

use std::collections::BTreeMap;

fn crc32(bytes: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// Writes `files` (name, bytes) as a stored zip, each under `folder/`.
pub fn write(folder: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in files {
        let path = format!("{folder}/{name}");
        let crc = crc32(bytes);
        let offset = out.len() as u32;
        let size = bytes.len() as u32;
        let header = |signature: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&signature.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&0u32.to_le_bytes()); // time and date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(path.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(path.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(bytes);
        central.extend(header(0x0201_4b50, true));
    }
    let (start, length) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// Reads the files of a zip by base name. Errors say what is wrong, for `name`.
pub fn read(name: &str, bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let bad = |what: &str| format!("{name}: not a readable zip ({what})");
    let end = (0..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(0x0605_4b50))
        .ok_or_else(|| bad("no end of central directory"))?;
    let count = u16_at(bytes, end + 10).ok_or_else(|| bad("truncated"))?;
    let mut at = u32_at(bytes, end + 16).ok_or_else(|| bad("truncated"))?;
    let mut files = BTreeMap::new();
    for _ in 0..count {
        if u32_at(bytes, at) != Some(0x0201_4b50) {
            return Err(bad("broken central directory"));
        }
        let field = |o: usize| u16_at(bytes, at + o).ok_or_else(|| bad("truncated"));
        let method = field(10)?;
        let crc = u32_at(bytes, at + 16).ok_or_else(|| bad("truncated"))? as u32;
        let size = u32_at(bytes, at + 20).ok_or_else(|| bad("truncated"))?;
        let (name_len, extra, comment) = (field(28)?, field(30)?, field(32)?);
        let local = u32_at(bytes, at + 42).ok_or_else(|| bad("truncated"))?;
        let path = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| bad("truncated"))?;
        let path = String::from_utf8_lossy(path).to_string();
        at += 46 + name_len + extra + comment;
        if path.ends_with('/') {
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or(&path).to_string();
        if method != 0 {
            return Err(format!(
                "{name}: {path} is compressed; Anneal reads uncompressed zips (its own exports). \
                 Unzip it and pick the files instead"
            ));
        }
        let data_at = local
            + 30
            + u16_at(bytes, local + 26).ok_or_else(|| bad("truncated"))?
            + u16_at(bytes, local + 28).ok_or_else(|| bad("truncated"))?;
        let data = bytes
            .get(data_at..data_at + size)
            .ok_or_else(|| bad(&format!("{path} runs past the end")))?;
        if crc32(data) != crc {
            return Err(bad(&format!("{path} fails its checksum")));
        }
        files.insert(base, data.to_vec());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trip_drops_the_folder() {
        let zip = write("m", &[("config.json", b"{}"), ("w.bin", &[1, 2, 3])]);
        let files = read("m.zip", &zip).unwrap();
        assert_eq!(files["config.json"], b"{}");
        assert_eq!(files["w.bin"], vec![1, 2, 3]);
    }

    #[test]
    fn corrupt_archives_are_errors_not_panics() {
        let zip = write("m", &[("a", b"hello")]);
        for cut in 0..zip.len() {
            let _ = read("m.zip", &zip[..cut]);
        }
        let mut flipped = zip.clone();
        flipped[35] ^= 0xFF; // inside the stored data of "a"
        assert!(read("m.zip", &flipped).unwrap_err().contains("checksum"));
        assert!(read("x.zip", b"not a zip").is_err());
    }
}
