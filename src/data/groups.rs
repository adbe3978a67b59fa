//! The group of each example, read from a column of its file (a CSV/TSV column, a JSON-lines
//! key), for scoring by group (`shared::groups`). Numeric columns can be bucketed; an example
//! whose cell is empty or missing is in the group "(missing)", counted, never dropped.

use super::formats::{column_cells, columns};
use super::parsed::{DataError, Examples};
use crate::shared::groups::{GroupColumn, MISSING_GROUP, bucket_numbers, group_counts};

/// Most groups a column may have to be offered as a group column (a text column has about as
/// many as examples).
pub const MAX_GROUPS: usize = 50;

/// More distinct numbers than this in a group column: bucketed (by quantiles) unless the
/// caller says how many buckets.
pub const AUTO_BUCKET_OVER: usize = 12;
/// Buckets a numeric column gets when bucketed without being asked.
pub const AUTO_BUCKETS: usize = 4;

/// Each example's group.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleGroups {
    /// The column they come from.
    pub column: String,
    /// One group per example, in the examples' order.
    pub values: Vec<String>,
    /// Examples whose cell was empty or missing (in the group "(missing)").
    pub missing: usize,
    /// Buckets the numbers were put in, when they were.
    pub buckets: Option<usize>,
}

impl ExampleGroups {
    /// How the groups were made, for a note: "groups from column \"age\" (4 buckets by
    /// quantile; 3 examples without a value)".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.buckets {
            parts.push(format!("{b} buckets of equal counts"));
        }
        if self.missing > 0 {
            parts.push(format!(
                "{} example(s) without a value, in the group \"{MISSING_GROUP}\"",
                self.missing
            ));
        }
        let detail = match parts.is_empty() {
            true => String::new(),
            false => format!(" ({})", parts.join("; ")),
        };
        format!("groups from column \"{}\"{detail}", self.column)
    }
}

/// Reads `column` of file `name` and gives each of `examples` its group; `buckets` puts
/// numbers in that many equal-count ranges (else a numeric column with more than
/// [`AUTO_BUCKET_OVER`] distinct values gets [`AUTO_BUCKETS`]).
pub fn example_groups(
    name: &str,
    bytes: &[u8],
    examples: &Examples,
    column: &str,
    buckets: Option<usize>,
) -> Result<ExampleGroups, DataError> {
    let cells = column_cells(name, bytes, column)?;
    let file_error = |message: String| DataError::File {
        file: name.to_string(),
        message,
    };
    if cells.is_empty() && !examples.is_empty() {
        return Err(file_error(format!(
            "no row has a \"{column}\" value to group by"
        )));
    }
    let mut missing = 0;
    let values: Vec<String> = examples
        .lines()
        .iter()
        .map(|line| match cells.get(line) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => {
                missing += 1;
                MISSING_GROUP.to_string()
            }
        })
        .collect();
    let distinct = values
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let bucketed = match buckets {
        Some(b) => Some((
            b,
            bucket_numbers(&values, b).ok_or_else(|| {
                file_error(format!(
                    "column \"{column}\" holds a value that is not a number, so it cannot be bucketed: {}",
                    first_non_number(&values, &examples.lines())
                ))
            })?,
        )),
        None if distinct > AUTO_BUCKET_OVER => {
            bucket_numbers(&values, AUTO_BUCKETS).map(|v| (AUTO_BUCKETS, v))
        }
        None => None,
    };
    let (buckets, values) = match bucketed {
        Some((b, v)) => (Some(b), v),
        None => (None, values),
    };
    Ok(ExampleGroups {
        column: column.to_string(),
        values,
        missing,
        buckets,
    })
}

/// The columns of a file that can group its examples, each with its groups (numbers
/// bucketed as [`example_groups`] does): every column with 2 to [`MAX_GROUPS`] groups that is
/// not the label column (a column equal to each example's label) — and each one's groups, in
/// the examples' order, so that an evaluation can be grouped later without the file.
pub fn group_columns(
    name: &str,
    bytes: &[u8],
    examples: &Examples,
) -> Vec<(GroupColumn, ExampleGroups)> {
    let (texts, labels): (Vec<&str>, Vec<&str>) = match examples {
        Examples::Classify(v) => v.iter().map(|e| (e.text.trim(), e.label.as_str())).unzip(),
        _ => (Vec::new(), Vec::new()),
    };
    let same = |values: &[String], cells: &[&str]| {
        !cells.is_empty() && values.iter().zip(cells).all(|(v, c)| v == c)
    };
    columns(name, bytes)
        .into_iter()
        .filter_map(|column| example_groups(name, bytes, examples, &column, None).ok())
        .filter(|g| !same(&g.values, &labels) && !same(&g.values, &texts))
        .filter_map(|g| {
            let counts = group_counts(&g.values);
            (2..=MAX_GROUPS).contains(&counts.len()).then(|| {
                let summary = GroupColumn {
                    name: g.column.clone(),
                    counts,
                    buckets: g.buckets,
                    missing: g.missing,
                };
                (summary, g)
            })
        })
        .collect()
}

fn first_non_number(values: &[String], lines: &[usize]) -> String {
    values
        .iter()
        .zip(lines)
        .find(|(v, _)| v.as_str() != MISSING_GROUP && v.trim().parse::<f64>().is_err())
        .map(|(v, l)| format!("line {l}: \"{v}\""))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::classify;

    #[test]
    fn each_example_gets_its_rows_cell_multi_line_rows_included() {
        let csv = "text,label,dialect\nfine,pos,a\n\"two\nlines\",neg,b\nno cell,pos\nlast,neg,\n";
        let p = classify("d.csv", csv);
        let g = example_groups("d.csv", csv.as_bytes(), &p.examples, "Dialect", None).unwrap();
        assert_eq!(g.values, ["a", "b", MISSING_GROUP, MISSING_GROUP]);
        assert_eq!(g.missing, 2);
        assert!(g.describe().contains("2 example(s) without a value"));
    }

    #[test]
    fn json_lines_numbers_are_bucketed_and_unknown_columns_named() {
        let lines: String = (0..20)
            .map(|i| {
                format!(
                    "{{\"text\": \"t{i}\", \"label\": \"x{}\", \"age\": {i}}}\n",
                    i % 2
                )
            })
            .collect();
        let p = classify("d.jsonl", &lines);
        let g = example_groups("d.jsonl", lines.as_bytes(), &p.examples, "age", None).unwrap();
        assert_eq!(g.buckets, Some(AUTO_BUCKETS));
        assert_eq!(g.values[0], "[0, 5)");
        let two = example_groups("d.jsonl", lines.as_bytes(), &p.examples, "age", Some(2)).unwrap();
        assert_eq!(two.values[19], "[10, 19]");
        let err =
            example_groups("d.jsonl", lines.as_bytes(), &p.examples, "sex", None).unwrap_err();
        assert!(
            err.to_string().contains("no row has a \"sex\" value"),
            "{err}"
        );
        let csv = "text,label,who\na,x,1\nb,y,k\n";
        let p = classify("w.csv", csv);
        let err = example_groups("w.csv", csv.as_bytes(), &p.examples, "who", Some(2)).unwrap_err();
        assert!(err.to_string().contains("line 3: \"k\""), "{err}");
        let err = example_groups("w.csv", csv.as_bytes(), &p.examples, "whom", None).unwrap_err();
        assert!(
            err.to_string().contains("columns: text, label, who"),
            "{err}"
        );
    }

    #[test]
    fn group_columns_leave_out_the_text_and_the_label() {
        let csv = "text,label,who,id\na b,x,m,1\nc d,y,f,2\ne f,x,f,3\n";
        let p = classify("g.csv", csv);
        let found = group_columns("g.csv", csv.as_bytes(), &p.examples);
        let names: Vec<&str> = found.iter().map(|(c, _)| c.name.as_str()).collect();
        assert_eq!(names, ["who", "id"]);
        assert_eq!(
            found
                .iter()
                .find(|(c, _)| c.name == "who")
                .unwrap()
                .0
                .counts[0],
            ("f".to_string(), 2)
        );
    }
}
