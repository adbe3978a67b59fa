//! Any bytes as a safetensors file: parsing and converting every tensor must return, never panic.
#![no_main]

use anneal::checkpoint::safetensors::SafeTensors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(file) = SafeTensors::parse(bytes) {
        for view in file.tensors.values() {
            let _ = view.to_f32();
        }
    }
});
