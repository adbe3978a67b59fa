//! Memory-light fine-tuning, the policy: what of a classifier trains for an [`Adaptation`].
//! Freezing takes parameters out of training (`require_grad` off): no gradients, no optimiser
//! state; dropout still applies in frozen parts, as in PyTorch. With LoRA the encoder is frozen
//! and adapters ([`super::lora::Lora`]) are added to the target layers; the merge folds them
//! back for export.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;

use super::encoder::{BertAttention, BertLayer};
use super::heads::BertClassifier;
use super::lora::Lora;
use crate::shared::{Adaptation, LoraTargets};

fn adapter(l: &Linear, a: &Adaptation, device: &Device) -> Option<Lora> {
    let lora = a.lora.as_ref()?;
    let [d_in, d_out] = l.weight.val().dims();
    Some(Lora::new(
        d_in,
        d_out,
        lora.rank,
        lora.alpha,
        lora.dropout,
        device,
    ))
}

fn merge(l: &mut Linear, lora: &mut Option<Lora>) {
    if let Some(lora) = lora.take() {
        let delta = lora.delta();
        l.weight = l.weight.clone().map(|w| w + delta);
    }
}

impl BertAttention {
    fn adapt(&mut self, a: &Adaptation, device: &Device) {
        let all = a
            .lora
            .as_ref()
            .is_some_and(|l| l.targets == LoraTargets::AllLinear);
        self.lora_query = adapter(&self.query, a, device);
        self.lora_value = adapter(&self.value, a, device);
        if all {
            self.lora_key = adapter(&self.key, a, device);
            self.lora_output = adapter(&self.output, a, device);
        }
    }

    fn merge(&mut self) {
        merge(&mut self.query, &mut self.lora_query);
        merge(&mut self.key, &mut self.lora_key);
        merge(&mut self.value, &mut self.lora_value);
        merge(&mut self.output, &mut self.lora_output);
    }
}

impl BertLayer {
    fn adapt(&mut self, a: &Adaptation, device: &Device) {
        self.attention.adapt(a, device);
        if a.lora
            .as_ref()
            .is_some_and(|l| l.targets == LoraTargets::AllLinear)
        {
            self.lora_intermediate = adapter(&self.intermediate, a, device);
            self.lora_output = adapter(&self.output, a, device);
        }
    }

    fn merge(&mut self) {
        self.attention.merge();
        merge(&mut self.intermediate, &mut self.lora_intermediate);
        merge(&mut self.output, &mut self.lora_output);
    }
}

impl BertClassifier {
    /// The model prepared for `a`: the embeddings and the lowest layers frozen as asked; with
    /// LoRA, the whole encoder frozen and adapters added to the target layers, the head
    /// (pooler or `pre_classifier`, classifier) trained fully. New adapters draw from the
    /// device's generator: seed it first for a reproducible start.
    pub fn adapted(mut self, a: &Adaptation) -> Self {
        if a.is_full() {
            return self;
        }
        let device = self.classifier.weight.val().device();
        let pooler = self.bert.pooler.take();
        if a.lora.is_some() {
            self.bert = self.bert.no_grad();
            for layer in &mut self.bert.layers {
                layer.adapt(a, &device);
            }
        } else {
            if a.freeze_embeddings {
                self.bert.embeddings = self.bert.embeddings.no_grad();
            }
            let n = a.freeze_layers.min(self.bert.layers.len());
            self.bert.layers = std::mem::take(&mut self.bert.layers)
                .into_iter()
                .enumerate()
                .map(|(i, l)| if i < n { l.no_grad() } else { l })
                .collect();
        }
        self.bert.pooler = pooler;
        self
    }

    /// The same model with every adapter folded into its layer's weight: a plain model, as
    /// transformers loads it.
    pub fn merged(&self) -> Self {
        let mut model = self.clone();
        for layer in &mut model.bert.layers {
            layer.merge();
        }
        model
    }

    /// Parameters that get gradients (and AdamW's two moments each), and all parameters.
    pub fn trainable_parameters(&self) -> (usize, usize) {
        let mut count = Count::default();
        self.visit(&mut count);
        (count.trainable, count.all)
    }
}

#[derive(Default)]
struct Count {
    trainable: usize,
    all: usize,
}

impl burn::module::ModuleVisitor for Count {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let n = param.lazy_shape().num_elements();
        self.all += n;
        if param.val().is_require_grad() {
            self.trainable += n;
        }
    }
}
