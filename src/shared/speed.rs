//! "How fast is this device?" in numbers: the workloads a speed test times, and their medians.
//! Engine-free, so `anneal bench`, the worker's speed test and the UI share one meaning of each
//! number (and `bench/browser_bench.py` reads the same JSON from all of them).

use serde::{Deserialize, Serialize};

/// What is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// The encoder's forward pass on the inference device, to its last hidden state read back
    /// (what Transformers.js's `feature-extraction` runs before pooling).
    Forward,
    /// A fine-tuning step: forward, backward, gradient clipping and AdamW, to the loss read back.
    Step,
}

impl Workload {
    /// A short name for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Workload::Forward => "inference",
            Workload::Step => "training step",
        }
    }
}

/// One workload at one shape, run `runs` times after `warmup` untimed runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeedCase {
    /// What is timed.
    pub workload: Workload,
    /// Texts per batch.
    pub batch: usize,
    /// Tokens per text (every position attended).
    pub seq: usize,
    /// Timed runs.
    pub runs: usize,
    /// Untimed runs before them.
    pub warmup: usize,
}

impl SpeedCase {
    /// The cases of the peer benchmark (issue 10): inference at 1 x 128 and 16 x 128, training
    /// steps at 16 x 64 and 16 x 128, and question answering's step at 16 x 256 (windows of the
    /// QA recipe in BENCHMARKS.md), with `infer_runs` and `step_runs` timed runs (0 leaves that
    /// workload out).
    pub fn standard(infer_runs: usize, step_runs: usize) -> Vec<SpeedCase> {
        let case = |workload, batch, seq, runs| SpeedCase {
            workload,
            batch,
            seq,
            runs,
            warmup: 2,
        };
        vec![
            case(Workload::Forward, 1, 128, infer_runs),
            case(Workload::Forward, 16, 128, infer_runs),
            case(Workload::Step, 16, 64, step_runs),
            case(Workload::Step, 16, 128, step_runs),
            case(Workload::Step, 16, 256, step_runs),
        ]
        .into_iter()
        .filter(|c| c.runs > 0)
        .collect()
    }

    /// What the case is, e.g. "training step 16 x 64".
    pub fn describe(&self) -> String {
        format!("{} {} x {}", self.workload.describe(), self.batch, self.seq)
    }

    /// Why the case cannot run on a model with `max_positions` positions, if it cannot.
    pub fn check(&self, max_positions: usize) -> Result<(), String> {
        if self.runs == 0 || self.batch == 0 || self.seq < 2 {
            return Err(format!(
                "{}: runs and batch must be at least 1 and tokens at least 2",
                self.describe()
            ));
        }
        if self.seq > max_positions {
            return Err(format!(
                "{}: the model has only {max_positions} positions",
                self.describe()
            ));
        }
        Ok(())
    }
}

/// The times of one case, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The case.
    pub case: SpeedCase,
    /// Median of the timed runs.
    pub median_s: f64,
    /// Fastest run.
    pub min_s: f64,
    /// Slowest run.
    pub max_s: f64,
    /// Every timed run, in order.
    pub runs_s: Vec<f64>,
}

impl Timing {
    /// The timing of `case` from its runs' seconds (at least one).
    pub fn of(case: SpeedCase, runs_s: Vec<f64>) -> Timing {
        let mut sorted = runs_s.clone();
        sorted.sort_by(f64::total_cmp);
        Timing {
            case,
            median_s: median(&sorted),
            min_s: sorted.first().copied().unwrap_or(f64::NAN),
            max_s: sorted.last().copied().unwrap_or(f64::NAN),
            runs_s,
        }
    }

    /// Texts per second at the median.
    pub fn texts_per_s(&self) -> f64 {
        self.case.batch as f64 / self.median_s
    }
}

/// The median of sorted values (the mean of the middle two for an even count; NaN for none).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert!(median(&[]).is_nan());
        let t = Timing::of(SpeedCase::standard(3, 1)[1], vec![0.4, 0.1, 0.2]);
        assert_eq!((t.median_s, t.min_s, t.max_s), (0.2, 0.1, 0.4));
        assert_eq!(t.runs_s, vec![0.4, 0.1, 0.2]);
        assert_eq!(t.texts_per_s(), 16.0 / 0.2);
    }

    #[test]
    fn cases_are_checked_against_the_model() {
        let cases = SpeedCase::standard(20, 5);
        assert_eq!(cases[0].describe(), "inference 1 x 128");
        assert_eq!(SpeedCase::standard(3, 0).len(), 2);
        assert_eq!(
            SpeedCase::standard(0, 1)[0].describe(),
            "training step 16 x 64"
        );
        assert!(cases.iter().all(|c| c.check(512).is_ok()));
        let err = cases[3].check(64).unwrap_err();
        assert!(err.contains("only 64 positions"), "{err}");
        let zero = SpeedCase {
            runs: 0,
            ..cases[0]
        };
        assert!(zero.check(512).is_err());
    }
}
