//! Any bytes under any of the data formats' file names: parsing must return, never panic.
#![no_main]

use anneal::data::{ParseOptions, Task, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for name in ["a.csv", "a.tsv", "a.jsonl", "a.conll", "a.txt"] {
        for task in [None, Some(Task::Classify), Some(Task::Ner)] {
            let options = ParseOptions { task, ..ParseOptions::default() };
            if let Ok(parsed) = parse(name, bytes, &options) {
                let _ = parsed.accept(false);
            }
        }
    }
});
