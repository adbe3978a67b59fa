//! Multi-task learning's settings: how the steps of an epoch are shared between the main task
//! and the auxiliary ones. Each step trains one task on a batch of its own examples (as MT-DNN
//! does); an epoch is one pass over the main task's batches, with the auxiliary tasks' steps
//! beside them in the share [`TaskSampling::probabilities`] gives them (proportional: every
//! batch of every task once).

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// How an epoch's steps are shared between the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TaskSampling {
    /// In proportion to the tasks' examples: every batch of every task once an epoch.
    #[default]
    Proportional,
    /// Every task equally often.
    Uniform,
    /// p ∝ n^(1/T) (T = 1 proportional, larger T nearer uniform), each task's n capped at
    /// `cap` examples when one is given (T5's examples-proportional mixing with a cap).
    Temperature {
        /// T, above 0.
        t: f64,
        /// Most examples counted for one task.
        cap: Option<usize>,
    },
}

impl TaskSampling {
    /// Each task's share of the steps, for tasks of `examples` examples.
    pub fn probabilities(&self, examples: &[usize]) -> Vec<f64> {
        let weights: Vec<f64> = match *self {
            TaskSampling::Proportional => examples.iter().map(|&n| n as f64).collect(),
            TaskSampling::Uniform => examples.iter().map(|&n| f64::from(n > 0)).collect(),
            TaskSampling::Temperature { t, cap } => examples
                .iter()
                .map(|&n| (n.min(cap.unwrap_or(usize::MAX)) as f64).powf(1.0 / t))
                .collect(),
        };
        let total: f64 = weights.iter().sum();
        weights
            .iter()
            .map(|w| if total > 0.0 { w / total } else { 0.0 })
            .collect()
    }

    /// Steps in an epoch for tasks of `batches` batches and `examples` examples each: one
    /// pass over the main task's (the first) batches, and as many steps of the other tasks
    /// as the probabilities give them beside it — every task's batches once, proportionally.
    pub fn steps_per_epoch(&self, batches: &[usize], examples: &[usize]) -> usize {
        let main = batches.first().copied().unwrap_or(0);
        match self {
            TaskSampling::Proportional => batches.iter().sum(),
            _ => match self.probabilities(examples).first() {
                Some(&p) if p > 0.0 => ((main as f64 / p).round() as usize).max(main),
                _ => main,
            },
        }
    }

    /// Which task each of an epoch's steps trains (the main task 0, each of its batches
    /// once): proportional sampling takes every batch of every task once; the others give
    /// the rest of [`steps_per_epoch`](Self::steps_per_epoch) to the other tasks, each step's
    /// task drawn by their probabilities. In a seeded order.
    pub fn schedule(&self, batches: &[usize], examples: &[usize], rng: &mut Rng) -> Vec<usize> {
        let main = batches.first().copied().unwrap_or(0);
        let mut tasks: Vec<usize> = match self {
            TaskSampling::Proportional => batches
                .iter()
                .enumerate()
                .flat_map(|(task, &n)| std::iter::repeat_n(task, n))
                .collect(),
            _ => {
                let p = self.probabilities(examples);
                let rest: f64 = p.iter().skip(1).sum();
                let mut tasks = vec![0; main];
                for _ in main..self.steps_per_epoch(batches, examples) {
                    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * rest;
                    let mut acc = 0.0;
                    let k = p[1..]
                        .iter()
                        .position(|&q| {
                            acc += q;
                            u < acc
                        })
                        .unwrap_or(p.len() - 2);
                    tasks.push(k + 1);
                }
                tasks
            }
        };
        rng.shuffle(&mut tasks);
        tasks
    }

    /// Whether the settings can work: a temperature above 0, a cap above 0.
    pub fn is_valid(&self) -> bool {
        match *self {
            TaskSampling::Temperature { t, cap } => {
                t.is_finite() && t > 0.0 && cap.is_none_or(|c| c > 0)
            }
            _ => true,
        }
    }

    /// In words.
    pub fn describe(&self) -> String {
        match self {
            TaskSampling::Proportional => "in proportion to their examples".into(),
            TaskSampling::Uniform => "equally often".into(),
            TaskSampling::Temperature { t, cap: None } => format!("by temperature {t}"),
            TaskSampling::Temperature { t, cap: Some(c) } => {
                format!("by temperature {t}, at most {c} examples counted a task")
            }
        }
    }
}

impl std::str::FromStr for TaskSampling {
    type Err = String;
    /// `proportional`, `uniform` or `temperature:T[:CAP]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.trim().split(':');
        let sampling = match parts.next().unwrap_or_default() {
            "proportional" => TaskSampling::Proportional,
            "uniform" => TaskSampling::Uniform,
            "temperature" => {
                let t = parts.next().unwrap_or("2");
                let t = t
                    .parse()
                    .map_err(|_| format!("\"{t}\" is not a temperature"))?;
                let cap = parts
                    .next()
                    .map(|c| c.parse().map_err(|_| format!("\"{c}\" is not a cap")))
                    .transpose()?;
                TaskSampling::Temperature { t, cap }
            }
            other => {
                return Err(format!(
                    "unknown task sampling \"{other}\" (proportional, uniform, temperature:T[:CAP])"
                ));
            }
        };
        if !sampling.is_valid() {
            return Err(format!("{s}: the temperature and the cap must be above 0"));
        }
        Ok(sampling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_flattens_the_proportions() {
        let n = [900, 100];
        assert_eq!(TaskSampling::Proportional.probabilities(&n), [0.9, 0.1]);
        assert_eq!(TaskSampling::Uniform.probabilities(&n), [0.5, 0.5]);
        let t2 = TaskSampling::Temperature { t: 2.0, cap: None }.probabilities(&n);
        assert!((t2[0] - 30.0 / 40.0).abs() < 1e-12, "{t2:?}"); // sqrt: 30 and 10
        let capped = TaskSampling::Temperature {
            t: 1.0,
            cap: Some(100),
        };
        assert_eq!(capped.probabilities(&n), [0.5, 0.5]);
        assert_eq!(
            "temperature:2".parse(),
            Ok(TaskSampling::Temperature { t: 2.0, cap: None })
        );
        assert_eq!(
            "temperature:3:500".parse(),
            Ok(TaskSampling::Temperature {
                t: 3.0,
                cap: Some(500)
            })
        );
        assert!("temperature:0".parse::<TaskSampling>().is_err());
        assert!("round_robin".parse::<TaskSampling>().is_err());
    }

    #[test]
    fn a_schedule_passes_over_the_main_task_once_and_shares_the_rest() {
        let mut rng = Rng::new(1);
        let s = TaskSampling::Proportional.schedule(&[6, 2], &[96, 32], &mut rng);
        assert_eq!(s.len(), 8);
        assert_eq!(s.iter().filter(|&&t| t == 1).count(), 2);
        assert_eq!(
            TaskSampling::Proportional.steps_per_epoch(&[6, 2], &[96, 32]),
            8
        );
        // Uniform: as many auxiliary steps as main ones.
        let u = TaskSampling::Uniform.schedule(&[90, 10], &[1440, 160], &mut rng);
        assert_eq!(u.len(), 180);
        assert_eq!(u.iter().filter(|&&t| t == 0).count(), 90);
        // Two auxiliary tasks by temperature: the rest split by their probabilities.
        let t = TaskSampling::Temperature { t: 2.0, cap: None };
        let n = [400, 1600, 100];
        let steps = t.steps_per_epoch(&[100, 400, 25], &n); // p = 20/70, 40/70, 10/70
        assert_eq!(steps, 350);
        let s = t.schedule(&[100, 400, 25], &n, &mut rng);
        assert_eq!(s.len(), 350);
        assert_eq!(s.iter().filter(|&&k| k == 0).count(), 100);
        let first = s.iter().filter(|&&k| k == 1).count();
        assert!(
            (170..230).contains(&first),
            "{first} of the 250 for a share of 4/5"
        );
        let again = t.schedule(&[100, 400, 25], &n, &mut Rng::new(7));
        assert_eq!(again, t.schedule(&[100, 400, 25], &n, &mut Rng::new(7)));
    }
}
