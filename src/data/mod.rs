//! Labeled data and unlabelled corpora: file formats with line-numbered problems, label maps, validation splits,
//! tokenization, sub-word label alignment and batching. Pure: bytes in, values out.

pub mod augment;
pub mod batch;
pub mod conll;
pub mod corpus;
pub mod delimited;
pub mod entities;
pub mod features;
pub mod formats;
pub mod groups;
pub mod masking;
pub mod parsed;
pub mod qa;
pub mod split;
pub mod squad;
pub mod tokenizer;
pub mod vocab;

pub use crate::shared::Task;
pub use formats::{ParseOptions, parse};
pub use parsed::{
    Answer, DataError, Examples, MAX_LISTED_PROBLEMS, MultiLine, Parsed, Problem, QaExample,
    Remedy, TextExample, TokenExample, unusable,
};

/// Helpers shared by the parsers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Examples, ParseOptions, Parsed, parse};

    /// Parses `s` as file `name` with the default options; panics if it cannot.
    pub fn classify(name: &str, s: &str) -> Parsed {
        parse(name, s.as_bytes(), &ParseOptions::default()).unwrap()
    }

    /// (text, label, line) of each classification example.
    pub fn texts(p: &Parsed) -> Vec<(String, String, usize)> {
        match &p.examples {
            Examples::Classify(v) => v
                .iter()
                .map(|e| (e.text.clone(), e.label.clone(), e.line))
                .collect(),
            _ => panic!("not classification"),
        }
    }
}
