//! LoRA adapters, as Python `peft` defines them: the adapter itself and the dense layer that
//! runs with one. A leaf of `model/` (it knows only dropout): the encoder and the embeddings
//! use it; which layers get adapters, freezing and the merge for export are `adapt.rs`'s.
//!
//! LoRA (Hu et al., 2021) keeps a dense layer's weight `W` frozen and learns a low-rank update:
//! `y = x W + b + (alpha / r) * dropout(x) A B`, with `A` `[in, r]` drawn as PEFT draws it
//! (Kaiming-uniform, bound `1 / sqrt(in)`) and `B` `[r, out]` zero, so training starts from the
//! pre-trained model exactly. Only `A`, `B` and the classification head get gradients and AdamW
//! state. `BertClassifier::merged` (`adapt.rs`) folds `(alpha / r) A B` into `W` for an
//! export that transformers loads as a plain model.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::module::linear;

use super::dropout::Dropout;

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
