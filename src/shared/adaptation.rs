//! What of a model trains when it is fine-tuned: all of it, all but frozen parts, or LoRA
//! adapters (PEFT's settings and names), with the check of each against the model.

use serde::{Deserialize, Serialize};

use super::settings_error::SettingsError;

/// Which dense layers of every encoder layer get LoRA adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoraTargets {
    /// The attention's query and value projections (the LoRA paper's choice, PEFT's default
    /// for these families).
    #[default]
    QueryValue,
    /// Every dense layer of the encoder: query, key, value, attention output, feed-forward.
    AllLinear,
}

impl std::str::FromStr for LoraTargets {
    type Err = String;
    /// `query-value` or `all-linear`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "query-value" | "qv" => Ok(LoraTargets::QueryValue),
            "all-linear" | "all" => Ok(LoraTargets::AllLinear),
            _ => Err(format!(
                "unknown LoRA targets \"{s}\" (query-value or all-linear)"
            )),
        }
    }
}

/// LoRA's settings, under PEFT's names (`r`, `lora_alpha`, `lora_dropout`, `target_modules`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoraSettings {
    /// Rank of the update. Default 8.
    pub rank: usize,
    /// The update is scaled by `alpha / rank`. Default 16.
    pub alpha: f64,
    /// Dropout on the update's input. Default 0.1.
    pub dropout: f64,
    /// The adapted layers. Default query and value.
    pub targets: LoraTargets,
}

impl LoraSettings {
    /// The learning rate LoRA runs start from when none is chosen: adapters start at zero and
    /// need larger steps than full fine-tuning's 1e-4 (MiniLM on the sentiment sample: 1e-4
    /// and 5e-4 under-fit in 3 epochs, 2e-3 came within a point of full fine-tuning;
    /// BENCHMARKS.md).
    pub const LR: f64 = 2e-3;

    /// PEFT's usual recipe for these encoders.
    pub const DEFAULT: LoraSettings = LoraSettings {
        rank: 8,
        alpha: 16.0,
        dropout: 0.1,
        targets: LoraTargets::QueryValue,
    };
}

impl Default for LoraSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What of the model trains. Frozen parameters get no gradients and no optimiser state;
/// with LoRA the whole encoder is frozen and only the adapters and the head train.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Adaptation {
    /// Freeze the embedding tables and their LayerNorm.
    pub freeze_embeddings: bool,
    /// Freeze the lowest this many encoder layers.
    pub freeze_layers: usize,
    /// Train LoRA adapters instead of the encoder's weights.
    pub lora: Option<LoraSettings>,
}

impl Adaptation {
    /// Full fine-tuning: nothing frozen, no adapters.
    pub const FULL: Adaptation = Adaptation {
        freeze_embeddings: false,
        freeze_layers: 0,
        lora: None,
    };

    /// Whether every parameter trains.
    pub fn is_full(&self) -> bool {
        !self.freeze_embeddings && self.freeze_layers == 0 && self.lora.is_none()
    }

    /// Checks the settings against a model of `layers` encoder layers (`None` before a model
    /// is loaded, when the layer count is not checked).
    pub fn validate(&self, layers: Option<usize>) -> Result<(), SettingsError> {
        if let Some(layers) = layers
            && self.freeze_layers > layers
        {
            return Err(SettingsError::FreezeLayers {
                asked: self.freeze_layers,
                layers,
            });
        }
        if let Some(l) = self.lora {
            if l.rank == 0 {
                return Err(SettingsError::LoraRank);
            }
            if !(l.alpha.is_finite() && l.alpha > 0.0) {
                return Err(SettingsError::LoraAlpha(l.alpha));
            }
            if !(l.dropout.is_finite() && (0.0..1.0).contains(&l.dropout)) {
                return Err(SettingsError::LoraDropout(l.dropout));
            }
            if self.freeze_embeddings || self.freeze_layers > 0 {
                return Err(SettingsError::LoraWithFreezing);
            }
        }
        Ok(())
    }
}
