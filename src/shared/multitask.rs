//! Multi-task learning's settings: how the steps of an epoch are shared between the main task
//! and the auxiliary ones. Each step trains one task on a batch of its own examples (as MT-DNN
//! does); an epoch has as many steps as all the tasks' batches together, and which task a
//! step trains is drawn from [`TaskSampling::probabilities`].

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

    /// Which task each of an epoch's steps trains, for tasks of `batches` batches each (their
    /// sum is the epoch's steps): proportional sampling takes every batch once, in a seeded
    /// order; the others draw each step's task from their probabilities (of `examples`).
    pub fn schedule(&self, batches: &[usize], examples: &[usize], rng: &mut Rng) -> Vec<usize> {
        let steps: usize = batches.iter().sum();
        let mut tasks: Vec<usize> = match self {
            TaskSampling::Proportional => batches
                .iter()
                .enumerate()
                .flat_map(|(task, &n)| std::iter::repeat_n(task, n))
                .collect(),
            _ => {
                let p = self.probabilities(examples);
                (0..steps)
                    .map(|_| {
                        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                        let mut acc = 0.0;
                        p.iter()
                            .position(|&q| {
                                acc += q;
                                u < acc
                            })
                            .unwrap_or(p.len() - 1)
                    })
                    .collect()
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
    fn a_schedule_has_every_batch_once_or_draws_by_probability() {
        let mut rng = Rng::new(1);
        let s = TaskSampling::Proportional.schedule(&[6, 2], &[96, 32], &mut rng);
        assert_eq!(s.len(), 8);
        assert_eq!(s.iter().filter(|&&t| t == 1).count(), 2);
        let u = TaskSampling::Uniform.schedule(&[900, 100], &[9000, 1000], &mut rng);
        let aux = u.iter().filter(|&&t| t == 1).count();
        assert_eq!(u.len(), 1000);
        assert!((400..600).contains(&aux), "{aux}");
        let again = TaskSampling::Uniform.schedule(&[900, 100], &[9000, 1000], &mut Rng::new(7));
        let same = TaskSampling::Uniform.schedule(&[900, 100], &[9000, 1000], &mut Rng::new(7));
        assert_eq!(again, same);
    }
}
