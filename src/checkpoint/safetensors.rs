//! Reading and writing the safetensors format from and to bytes.
//!
//! A file is an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name
//! to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data that follows),
//! and the data. Every length and offset is checked before use: a truncated or hostile file
//! gives an error, never a panic or an allocation of the size it claims.
//!
//! Why our own reader beside Hugging Face's `safetensors` crate, the format's reference: the
//! crate (0.8.0) was run over `tests/fixtures/bad_models` and says "invalid header length" for
//! both a cut-off file and a header length past the end, "invalid shape, data type, or offset
//! for tensor" without naming the tensor or the sizes, and "header too small" for an empty
//! file. A person fixing a download needs which tensor and how many bytes (`tensor
//! "embeddings.LayerNorm.bias": needs 16 bytes but its offsets span 12`); getting that on top of
//! the crate would mean parsing the header twice. The format is 8 bytes, JSON and offsets; this
//! reader is ~200 lines, checked by the malformed-model corpus, every truncation of a file
//! (`every_truncation_is_an_error_not_a_panic`) and the `safetensors` fuzz target.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Headers larger than this are refused (the format's own reference limit is 100 MB).
const MAX_HEADER: u64 = 100_000_000;

/// Why safetensors bytes cannot be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SafetensorsError {
    /// Fewer than the 8 bytes of the header length.
    #[error("the file is {0} bytes long, too short for a safetensors header")]
    TooShort(usize),
    /// The header length points past the end of the file.
    #[error("the header claims {claimed} bytes but only {available} follow (truncated file?)")]
    HeaderBeyondFile {
        /// Header length written in the file.
        claimed: u64,
        /// Bytes after the length field.
        available: usize,
    },
    /// The header is not the expected JSON.
    #[error("the header is not valid safetensors JSON: {0}")]
    BadHeader(String),
    /// A tensor's offsets or size do not fit the data.
    #[error("tensor \"{name}\": {reason}")]
    BadTensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Element types of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub enum Dtype {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,
    #[serde(other)]
    Other,
}

impl Dtype {
    fn size(self) -> Option<usize> {
        Some(match self {
            Dtype::F64 | Dtype::I64 => 8,
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F16 | Dtype::BF16 | Dtype::I16 => 2,
            Dtype::I8 | Dtype::U8 | Dtype::BOOL => 1,
            Dtype::Other => return None,
        })
    }
}

#[derive(Deserialize)]
struct Entry {
    dtype: Dtype,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// One tensor of a parsed file, borrowing its bytes.
#[derive(Debug, Clone)]
pub struct TensorView<'a> {
    /// Element type.
    pub dtype: Dtype,
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Little-endian element bytes.
    pub data: &'a [u8],
}

impl TensorView<'_> {
    /// The elements as f32, converting from f64, f16 and bf16; `None` for integer types.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        let d = self.data;
        Some(match self.dtype {
            Dtype::F32 => d
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F64 => d
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("chunk of 8")) as f32)
                .collect(),
            Dtype::F16 => d
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => d
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            _ => return None,
        })
    }
}

/// A parsed safetensors file.
#[derive(Debug)]
pub struct SafeTensors<'a> {
    /// Tensors by name.
    pub tensors: BTreeMap<String, TensorView<'a>>,
}

impl<'a> SafeTensors<'a> {
    /// Parses and checks the header; tensor data is borrowed, not copied.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SafetensorsError> {
        if bytes.len() < 8 {
            return Err(SafetensorsError::TooShort(bytes.len()));
        }
        let claimed = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        let available = bytes.len() - 8;
        if claimed > available as u64 || claimed > MAX_HEADER {
            return Err(SafetensorsError::HeaderBeyondFile { claimed, available });
        }
        let header_end = 8 + claimed as usize;
        let data = &bytes[header_end..];
        let raw: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&bytes[8..header_end])
                .map_err(|e| SafetensorsError::BadHeader(e.to_string()))?;
        let mut tensors = BTreeMap::new();
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let bad = |reason: String| SafetensorsError::BadTensor {
                name: name.clone(),
                reason,
            };
            let entry: Entry = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
            let size = entry
                .dtype
                .size()
                .ok_or_else(|| bad("unknown dtype".into()))?;
            let [begin, end] = entry.data_offsets;
            if begin > end || end > data.len() as u64 {
                return Err(bad(format!(
                    "data offsets {begin}..{end} fall outside the {} data bytes (truncated file?)",
                    data.len()
                )));
            }
            let elements = entry
                .shape
                .iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .and_then(|n| n.checked_mul(size));
            if elements != Some((end - begin) as usize) {
                return Err(bad(format!(
                    "shape {:?} of {:?} needs {} bytes but its offsets span {}",
                    entry.shape,
                    entry.dtype,
                    elements.map_or("too many".into(), |n| n.to_string()),
                    end - begin
                )));
            }
            let view = TensorView {
                dtype: entry.dtype,
                shape: entry.shape,
                data: &data[begin as usize..end as usize],
            };
            tensors.insert(name, view);
        }
        Ok(Self { tensors })
    }
}

/// Writes f32 tensors as a safetensors file, names in sorted order.
pub fn serialize(tensors: &BTreeMap<String, (Vec<usize>, Vec<f32>)>) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut offset = 0usize;
    for (name, (shape, values)) in tensors {
        let end = offset + values.len() * 4;
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut json = serde_json::to_string(&header).expect("a map of numbers serialises");
    while !(8 + json.len()).is_multiple_of(8) {
        json.push(' '); // the format pads the header with spaces to 8-byte alignment
    }
    let mut out = Vec::with_capacity(8 + json.len() + offset);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    for (_, values) in tensors.values() {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one() -> Vec<u8> {
        let mut m = BTreeMap::new();
        m.insert(
            "a.weight".to_string(),
            (vec![2, 3], vec![1., 2., 3., 4., 5., 6.]),
        );
        m.insert("b".to_string(), (vec![1], vec![-0.5]));
        serialize(&m)
    }

    #[test]
    fn round_trips_and_aligns_header() {
        let bytes = one();
        let header = u64::from_le_bytes(bytes[..8].try_into().unwrap());
        assert_eq!((8 + header) % 8, 0);
        let st = SafeTensors::parse(&bytes).unwrap();
        let a = &st.tensors["a.weight"];
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.to_f32().unwrap(), vec![1., 2., 3., 4., 5., 6.]);
        assert_eq!(st.tensors["b"].to_f32().unwrap(), vec![-0.5]);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = one();
        for len in 0..bytes.len() {
            assert!(
                SafeTensors::parse(&bytes[..len]).is_err(),
                "length {len} parsed"
            );
        }
    }

    #[test]
    fn header_length_beyond_file() {
        let mut bytes = one();
        bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        let err = SafeTensors::parse(&bytes).unwrap_err();
        assert!(
            matches!(err, SafetensorsError::HeaderBeyondFile { .. }),
            "{err}"
        );
    }

    #[test]
    fn converts_half_precision() {
        let v = half::f16::from_f32(1.5).to_le_bytes();
        let t = TensorView {
            dtype: Dtype::F16,
            shape: vec![1],
            data: &v,
        };
        assert_eq!(t.to_f32().unwrap(), vec![1.5]);
    }
}
