//! One optimizer step, the pieces every loop shares: AdamW with PyTorch's defaults, forward →
//! backward → global-norm clipping → AdamW, and the future type the loops await. A leaf of
//! `train/`: the loops (`mod.rs`, `pretrain.rs`) and the split step (`parallel.rs`) use it.

use std::future::Future;
use std::pin::Pin;

use burn::module::{ModuleVisitor, Param};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use crate::model::{BatchTensors, BertClassifier};

/// A new AdamW with PyTorch's defaults (betas 0.9/0.999, eps 1e-8) and the given decay.
pub fn optimizer(weight_decay: f64) -> ModuleOptimizer {
    AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(weight_decay as f32)
        .init()
}

/// One optimizer step: forward, backward, global-norm clipping, AdamW. Returns the updated
/// model and the loss tensor, not read back.
pub fn train_step(
    model: BertClassifier,
    optim: &mut ModuleOptimizer,
    batch: &BatchTensors,
    labels: Tensor<1, Int>,
    lr: f64,
    max_grad_norm: f64,
) -> (BertClassifier, Tensor<1>) {
    let (loss, _) = model.loss(batch, labels);
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let grads = clip_global_norm(grads, &model, max_grad_norm);
    let model = optim.step(lr, model, grads);
    (model, loss.detach())
}

/// Scales all gradients by `min(1, max_norm / global_norm)`, as `torch.nn.utils.clip_grad_norm_`.
/// The scale stays on the device: no readback.
pub(crate) fn clip_global_norm<M: Module>(
    mut grads: GradientsParams,
    model: &M,
    max_norm: f64,
) -> GradientsParams {
    struct SquaredNorm<'a> {
        grads: &'a GradientsParams,
        total: Option<Tensor<1>>,
    }
    impl ModuleVisitor for SquaredNorm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                let s = g.square().sum();
                self.total = Some(match self.total.take() {
                    Some(t) => t + s,
                    None => s,
                });
            }
        }
    }
    struct Scale<'a> {
        grads: &'a mut GradientsParams,
        factor: Tensor<1>,
    }
    impl ModuleVisitor for Scale<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.remove::<D>(param.id) {
                let factor = self.factor.clone().reshape([1; D]);
                self.grads.register::<D>(param.id, g * factor);
            }
        }
    }
    let mut norm = SquaredNorm {
        grads: &grads,
        total: None,
    };
    model.visit(&mut norm);
    let Some(total) = norm.total else {
        return grads;
    };
    let factor = (total.sqrt() + 1e-6)
        .recip()
        .mul_scalar(max_norm)
        .clamp_max(1.0);
    model.visit(&mut Scale {
        grads: &mut grads,
        factor,
    });
    grads
}

/// A future the loop awaits, borrowed from its [`Control`].
pub type Hook<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
