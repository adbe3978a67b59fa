//! A variant: one way of fine-tuning that a comparison runs beside the others, with the same
//! label subsets and seeds — a start (the checkpoint, random weights, self-pre-training) and
//! what it changes in the fine-tuning settings (a remedy such as typo augmentation or FGM, or
//! a hyperparameter search's trial). Engine-free: the command line parses them, the Worth
//! panel offers them, the worker runs them, with one meaning.

use serde::{Deserialize, Serialize};

use super::adaptation::{Adaptation, LoraSettings};
use super::adversarial::Adversarial;
use super::augment::{AugmentKind, Augmentation};
use super::settings::TrainSettings;

/// Where a fine-tuning run of the comparison starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartKind {
    /// The loaded checkpoint's weights (pre-trained on a large corpus by someone else).
    Pretrained,
    /// Random weights of the same architecture: what training from scratch gives.
    Scratch,
    /// The same architecture pre-trained (masked words, from random weights) on the task's own
    /// training texts, labels unused: self-pre-training.
    SelfPretrained,
}

impl StartKind {
    /// All three, in the order they are run and drawn.
    pub const ALL: [StartKind; 3] = [
        StartKind::Pretrained,
        StartKind::Scratch,
        StartKind::SelfPretrained,
    ];

    /// Its name in JSON (as serde writes it).
    pub fn key(self) -> &'static str {
        match self {
            StartKind::Pretrained => "pretrained",
            StartKind::Scratch => "scratch",
            StartKind::SelfPretrained => "self_pretrained",
        }
    }

    /// A short name for legends.
    pub fn describe(self) -> &'static str {
        match self {
            StartKind::Pretrained => "pre-trained checkpoint",
            StartKind::Scratch => "random initialisation",
            StartKind::SelfPretrained => "self-pre-trained on the task's text",
        }
    }
}

/// The name of the variant every other one is paired with: the checkpoint, fine-tuned with
/// the settings as given.
pub const BASELINE: &str = "baseline";

/// What a variant changes in the fine-tuning settings; every field left `None` keeps the
/// base settings' value. The settings that shape the data (length, split, seed) are not
/// here: every variant sees the same examples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Changes {
    /// Peak learning rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Passes over the training examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// Examples per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Share of the steps warming up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_ratio: Option<f64>,
    /// AdamW's weight decay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// What of the model trains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptation: Option<Adaptation>,
    /// Augmentation of the training examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub augment: Option<Augmentation>,
    /// Adversarial training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adversarial: Option<Adversarial>,
    /// Auxiliary tasks trained beside the main one (multi-task learning), by name (their
    /// files); the main task's data is the same.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aux: Vec<String>,
}

impl Changes {
    /// `base` with these changes.
    pub fn apply(&self, base: &TrainSettings) -> TrainSettings {
        TrainSettings {
            lr: self.lr.unwrap_or(base.lr),
            epochs: self.epochs.unwrap_or(base.epochs),
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            warmup_ratio: self.warmup_ratio.unwrap_or(base.warmup_ratio),
            weight_decay: self.weight_decay.unwrap_or(base.weight_decay),
            adaptation: self.adaptation.unwrap_or(base.adaptation),
            augment: self.augment.or(base.augment),
            adversarial: self.adversarial.or(base.adversarial),
            ..base.clone()
        }
    }

    /// Sets the setting a search grid names `key` (`lr`, `epochs`, `batch`, `warmup`,
    /// `weight_decay`, `lora` (a rank; 0 trains everything), `freeze` (lowest layers),
    /// `augment` (`typos[:COPIES[:RATE]]`, `eda[:COPIES[:ALPHA]]` or `none`), `adversarial` (`fgm[:EPSILON]`,
    /// `pgd[:EPSILON[:ALPHA[:STEPS]]]` or `none`)) to
    /// `value`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, String> {
            value
                .trim()
                .parse()
                .map_err(|_| format!("{key}: \"{value}\" is not a number"))
        }
        match key {
            "lr" => self.lr = Some(number(key, value)?),
            "epochs" => self.epochs = Some(number(key, value)?),
            "batch" | "batch_size" => self.batch_size = Some(number(key, value)?),
            "warmup" | "warmup_ratio" => self.warmup_ratio = Some(number(key, value)?),
            "weight_decay" => self.weight_decay = Some(number(key, value)?),
            "lora" => {
                let rank: usize = number(key, value)?;
                self.adaptation = Some(Adaptation {
                    lora: (rank > 0).then_some(LoraSettings {
                        rank,
                        alpha: 2.0 * rank as f64,
                        ..LoraSettings::DEFAULT
                    }),
                    ..Adaptation::FULL
                });
            }
            "freeze" => {
                self.adaptation = Some(Adaptation {
                    freeze_layers: number(key, value)?,
                    ..Adaptation::FULL
                })
            }
            "augment" => {
                self.augment = match value.trim() {
                    "none" => None,
                    v => Some(v.parse().map_err(|e| format!("{key}: {e}"))?),
                }
            }
            "adversarial" => {
                self.adversarial = match value.trim() {
                    "none" => None,
                    v => Some(v.parse().map_err(|e| format!("{key}: {e}"))?),
                }
            }
            other => {
                return Err(format!(
                    "unknown setting \"{other}\" (lr, epochs, batch, warmup, weight_decay, \
                     lora, freeze, augment, adversarial)"
                ));
            }
        }
        Ok(())
    }
}

/// One way of fine-tuning that a comparison runs at every label count and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Its name in the JSON, the legend and `--variants`: `baseline`, `scratch`,
    /// `self_pretrained`, `typos`, `fgm`, or a search trial's settings (`lr=5e-5 epochs=2`).
    pub name: String,
    /// Where its runs start.
    pub start: StartKind,
    /// What it changes in the fine-tuning settings.
    #[serde(default)]
    pub changes: Changes,
}

impl Variant {
    /// The checkpoint fine-tuned with the settings as given.
    pub fn baseline() -> Self {
        Self::of_start(StartKind::Pretrained)
    }

    /// A start with the settings as given: `baseline`, `scratch` or `self_pretrained`.
    pub fn of_start(start: StartKind) -> Self {
        let name = match start {
            StartKind::Pretrained => BASELINE,
            other => other.key(),
        };
        Self {
            name: name.into(),
            start,
            changes: Changes::default(),
        }
    }

    /// The checkpoint with `changes`, named `name`.
    pub fn changed(name: impl Into<String>, changes: Changes) -> Self {
        Self {
            name: name.into(),
            start: StartKind::Pretrained,
            changes,
        }
    }

    /// The comparison of starts: the baseline, random initialisation, and self-pre-training
    /// unless `self_pretrain` is false.
    pub fn starts(self_pretrain: bool) -> Vec<Variant> {
        StartKind::ALL
            .into_iter()
            .filter(|s| self_pretrain || *s != StartKind::SelfPretrained)
            .map(Self::of_start)
            .collect()
    }

    /// `baseline`, `scratch`, `self_pretrained`, `typos[:COPIES[:RATE]]`,
    /// `eda[:COPIES[:ALPHA]]`, `cda[:names|both]` (counterfactual), `tokens[..]`, `mentions[..]`, `fgm[:EPSILON]`,
    /// `pgd[:EPSILON[:ALPHA[:STEPS]]]` or `aux:FILE` (an auxiliary task).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let kind = s.split(':').next().unwrap_or_default();
        Ok(match kind {
            "baseline" | "pretrained" => Self::baseline(),
            "scratch" => Self::of_start(StartKind::Scratch),
            "self_pretrained" | "self-pretrained" => Self::of_start(StartKind::SelfPretrained),
            "typos" | "eda" | "mlm" | "tokens" | "mentions" | "cda" => Self::changed(
                s,
                Changes {
                    augment: Some(s.parse()?),
                    ..Changes::default()
                },
            ),
            "aux" => {
                let file = s.split_once(':').map(|(_, f)| f.trim()).unwrap_or_default();
                if file.is_empty() {
                    return Err("aux needs a file: aux:FILE".into());
                }
                Self::changed(
                    s,
                    Changes {
                        aux: vec![file.to_string()],
                        ..Changes::default()
                    },
                )
            }
            "fgm" | "pgd" => Self::changed(
                s,
                Changes {
                    adversarial: Some(s.parse()?),
                    ..Changes::default()
                },
            ),
            other => {
                return Err(format!(
                    "unknown variant \"{other}\" (baseline, scratch, self_pretrained, \
                     typos[:COPIES[:RATE]], eda[:COPIES[:ALPHA]], mlm[:COPIES[:RATE]], cda[:names|both], tokens[..], mentions[..], fgm[:EPSILON], \
                     pgd[:EPSILON[:ALPHA[:STEPS]]], aux:FILE)"
                ));
            }
        })
    }

    /// A comma-separated list of variants (at least one).
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        let list = s
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if list.is_empty() {
            return Err("no variants given (e.g. baseline,typos,fgm)".into());
        }
        Ok(list)
    }

    /// Whether this is the baseline every other variant is paired with.
    pub fn is_baseline(&self) -> bool {
        self.name == BASELINE
    }

    /// A short name for legends and progress: the start's, or what it adds.
    pub fn describe(&self) -> String {
        if self.changes == Changes::default() {
            return self.start.describe().to_string();
        }
        let only = |c: Changes| c == self.changes;
        if only(Changes {
            aux: self.changes.aux.clone(),
            ..Changes::default()
        }) {
            return format!("+ auxiliary task {}", self.changes.aux.join(", "));
        }
        match (self.changes.augment, self.changes.adversarial) {
            (Some(a), None)
                if a.kind == AugmentKind::Counterfactual
                    && only(Changes {
                        augment: Some(a),
                        ..Changes::default()
                    }) =>
            {
                format!("+ counterfactual copies ({})", a.swap.describe())
            }
            (Some(a), None)
                if only(Changes {
                    augment: Some(a),
                    ..Changes::default()
                }) =>
            {
                format!(
                    "+ {} ({}× at {:.0}%)",
                    a.kind.name(),
                    a.copies,
                    100.0 * a.rate
                )
            }
            (None, Some(a))
                if only(Changes {
                    adversarial: Some(a),
                    ..Changes::default()
                }) =>
            {
                format!("+ {}", a.describe())
            }
            _ => self.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_parse_by_name_with_their_parameters() {
        let list = Variant::parse_list("baseline, scratch,typos:2,fgm:0.5").unwrap();
        assert_eq!(list[0], Variant::baseline());
        assert!(list[0].is_baseline());
        assert_eq!(list[1].start, StartKind::Scratch);
        assert_eq!(list[1].name, "scratch");
        let typos = list[2].changes.augment.unwrap();
        assert_eq!((typos.kind, typos.copies), (AugmentKind::Typos, 2));
        assert_eq!(list[2].name, "typos:2");
        assert_eq!(list[2].describe(), "+ typos (2× at 10%)");
        let cda = Variant::parse("cda").unwrap();
        assert_eq!(
            cda.changes.augment.unwrap().kind,
            AugmentKind::Counterfactual
        );
        assert_eq!(
            cda.describe(),
            "+ counterfactual copies (gendered words swapped)"
        );
        assert!(
            Variant::parse("cda:2").is_err(),
            "one swapped copy, no count"
        );
        let names = Variant::parse("cda:names").unwrap();
        assert_eq!(
            names.changes.augment.unwrap().swap,
            crate::shared::CdaSwap::Names
        );
        assert_eq!(
            names.describe(),
            "+ counterfactual copies (first names swapped)"
        );
        assert!(names.changes.augment.unwrap().needs_names());
        assert_eq!(names.changes.augment.unwrap().spec(), "cda:names");
        assert_eq!(list[3].changes.adversarial.unwrap().epsilon, 0.5);
        assert_eq!(list[3].describe(), "+ FGM (ε 0.5)");
        let pgd = Variant::parse("pgd:1:0.2:2").unwrap();
        assert_eq!(pgd.changes.adversarial.unwrap().steps, 2);
        assert_eq!(pgd.describe(), "+ PGD-2 (ε 1, α 0.2)");
        assert!(
            Variant::parse_list("baseline,dropout")
                .unwrap_err()
                .contains("\"dropout\"")
        );
        let eda = Variant::parse("eda:8:0.05")
            .unwrap()
            .changes
            .augment
            .unwrap();
        assert_eq!(
            (eda.kind, eda.copies, eda.rate),
            (AugmentKind::Eda, 8, 0.05)
        );
        let aux = Variant::parse("aux:data/rt.csv").unwrap();
        assert_eq!(aux.changes.aux, ["data/rt.csv"]);
        assert_eq!(aux.describe(), "+ auxiliary task data/rt.csv");
        assert!(Variant::parse("aux").is_err());
        assert!(Variant::parse_list("fgm:big").is_err());
        assert!(Variant::parse_list(" , ").is_err());
    }

    #[test]
    fn changes_replace_only_what_they_name() {
        let base = TrainSettings {
            lr: 1e-4,
            epochs: 3,
            max_len: 64,
            ..TrainSettings::default()
        };
        let mut c = Changes::default();
        assert_eq!(c.apply(&base), base);
        c.set("lr", "5e-5").unwrap();
        c.set("epochs", "2").unwrap();
        c.set("lora", "4").unwrap();
        let s = c.apply(&base);
        assert_eq!((s.lr, s.epochs, s.max_len, s.batch_size), (5e-5, 2, 64, 32));
        let lora = s.adaptation.lora.unwrap();
        assert_eq!((lora.rank, lora.alpha), (4, 8.0));
        c.set("lora", "0").unwrap();
        assert!(c.apply(&base).adaptation.is_full());
        c.set("augment", "typos:3").unwrap();
        assert_eq!(c.apply(&base).augment.unwrap().copies, 3);
        c.set("augment", "none").unwrap();
        assert_eq!(c.apply(&base).augment, None);
        assert!(c.set("lr", "fast").unwrap_err().contains("\"fast\""));
        assert!(
            c.set("dropout", "0.1")
                .unwrap_err()
                .contains("unknown setting")
        );
    }
}
