//! Memory-light fine-tuning: frozen parts and LoRA adapters, as Python `peft` defines them.
//!
//! LoRA (Hu et al., 2021) keeps a dense layer's weight `W` frozen and learns a low-rank update:
//! `y = x W + b + (alpha / r) * dropout(x) A B`, with `A` `[in, r]` drawn as PEFT draws it
//! (Kaiming-uniform, bound `1 / sqrt(in)`) and `B` `[r, out]` zero, so training starts from the
//! pre-trained model exactly. Only `A`, `B` and the classification head get gradients and AdamW
//! state. [`BertClassifier::merged`] folds `(alpha / r) A B` into `W` for an export that
//! transformers loads as a plain model.
//!
//! Freezing takes parameters out of training (`require_grad` off): no gradients, no optimiser
//! state. Dropout still applies in frozen parts, as in PyTorch.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::module::linear;

use super::dropout::Dropout;
use super::encoder::{BertAttention, BertLayer};
use super::heads::BertClassifier;
use crate::shared::{Adaptation, LoraTargets};

/// A low-rank update of one dense layer.
#[derive(Module, Debug)]
pub struct Lora {
    /// `lora_A`, `[in, rank]`.
    pub a: Param<Tensor<2>>,
    /// `lora_B`, `[rank, out]`, zero at the start.
    pub b: Param<Tensor<2>>,
    /// `lora_dropout`, on the update's input only.
    pub dropout: Dropout,
    /// `alpha / rank`.
    #[module(skip)]
    pub scale: f64,
}

impl Lora {
    /// A new adapter for a `d_in` → `d_out` layer, initialised as PEFT does.
    pub fn new(
        d_in: usize,
        d_out: usize,
        rank: usize,
        alpha: f64,
        dropout: f64,
        device: &Device,
    ) -> Self {
        let bound = 1.0 / (d_in as f64).sqrt();
        Self {
            a: Param::from_tensor(Tensor::random(
                [d_in, rank],
                Distribution::Uniform(-bound, bound),
                device,
            )),
            b: Param::from_tensor(Tensor::zeros([rank, d_out], device)),
            dropout: Dropout::new(dropout),
            scale: alpha / rank as f64,
        }
    }

    /// The update for inputs `[..., in]`: `[..., out]`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        let x = self.dropout.forward(x);
        linear(linear(x, self.a.val(), None), self.b.val(), None) * self.scale
    }

    /// `(alpha / r) A B`, `[in, out]`: what merging adds to the weight.
    pub fn delta(&self) -> Tensor<2> {
        self.a.val().matmul(self.b.val()) * self.scale
    }
}

/// A dense layer's output with its adapter's update, if it has one, computed as rows (see
/// [`as_rows`]).
pub fn with_lora<const D: usize>(dense: &Linear, lora: &Option<Lora>, x: Tensor<D>) -> Tensor<D> {
    as_rows(x, |x| match lora {
        Some(lora) => dense.forward(x.clone()) + lora.forward(x),
        None => dense.forward(x),
    })
}

/// `f` of `x` `[..., d_in]` taken as rows: `x` viewed as `[rows, d_in]`, `f` (rows to rows of
/// `d_out`), then the leading dimensions restored, as PyTorch's `F.linear` computes a dense
/// layer. burn's rank-3 dense layer keeps a batched product against the weight broadcast to
/// every example; on the CPU its weight gradient was then one product per example plus a serial
/// sum over them (a few percent of a MiniLM step and 60 MB of peak memory, BENCHMARKS.md). As
/// rows it is one product.
pub fn as_rows<const D: usize>(x: Tensor<D>, f: impl FnOnce(Tensor<2>) -> Tensor<2>) -> Tensor<D> {
    let mut dims = x.dims();
    let d_in = dims[D - 1];
    let y = f(x.reshape([dims.iter().product::<usize>() / d_in.max(1), d_in]));
    dims[D - 1] = y.dims()[1];
    y.reshape(dims)
}

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
