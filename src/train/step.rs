//! One optimizer step, the pieces every loop shares: AdamW with PyTorch's defaults, forward →
//! backward (plus, with adversarial training, the gradient at the perturbed embeddings) →
//! global-norm clipping → AdamW, and the future type the loops await. A leaf of `train/`: the
//! loops (`mod.rs`, `pretrain.rs`) and the split step (`parallel.rs`) use it.

use std::future::Future;
use std::pin::Pin;

use burn::module::{ModuleVisitor, Param};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use crate::model::{BatchTensors, BertClassifier};
use crate::shared::{Adversarial, AdversarialKind};

/// A new AdamW with PyTorch's defaults (betas 0.9/0.999, eps 1e-8) and the given decay.
pub fn optimizer(weight_decay: f64) -> ModuleOptimizer {
    AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(weight_decay as f32)
        .init()
}

/// One optimizer step: forward, backward ([`gradients`], adversarially when `adversarial`
/// says so), global-norm clipping, AdamW. Returns the updated model and the clean loss
/// tensor, not read back.
pub fn train_step(
    model: BertClassifier,
    optim: &mut ModuleOptimizer,
    batch: &BatchTensors,
    labels: Tensor<1, Int>,
    (lr, max_grad_norm): (f64, f64),
    adversarial: Option<Adversarial>,
) -> (BertClassifier, Tensor<1>) {
    let (grads, loss) = gradients(&model, batch, labels, adversarial);
    let grads = clip_global_norm(grads, &model, max_grad_norm);
    let model = optim.step(lr, model, grads);
    (model, loss)
}

/// A step's gradients before clipping, and its clean loss: the batch's gradient, plus, with
/// adversarial training, the gradient of the loss at the perturbed word embeddings
/// ([`adversarial_point`]). Without a gradient on the embedding table (frozen, LoRA) there is
/// nothing to perturb and the clean gradient is all.
pub fn gradients(
    model: &BertClassifier,
    batch: &BatchTensors,
    labels: Tensor<1, Int>,
    adversarial: Option<Adversarial>,
) -> (GradientsParams, Tensor<1>) {
    let (loss, _) = model.loss(batch, labels.clone());
    let mut grads = GradientsParams::from_grads(loss.backward(), model);
    if let Some(a) = adversarial
        && let Some(r) = adversarial_point(&grads, model, batch, labels.clone(), a)
    {
        let adversary = perturbed(model, r);
        let (adv_loss, _) = adversary.loss(batch, labels);
        let adv = GradientsParams::from_grads(adv_loss.backward(), &adversary);
        grads = summed(grads, adv, model);
    }
    (grads, loss.detach())
}

/// Where the adversary trains: FGM's [`fgm_perturbation`]; PGD's `steps` pushes of norm
/// `alpha`, each along the table's gradient at the point reached (the first at the clean
/// point, from `grads`), each projected into the ball of radius `epsilon` ([`project`]).
/// `None` when the table has no gradient.
pub fn adversarial_point(
    grads: &GradientsParams,
    model: &BertClassifier,
    batch: &BatchTensors,
    labels: Tensor<1, Int>,
    a: Adversarial,
) -> Option<Tensor<2>> {
    match a.kind {
        AdversarialKind::Fgm => fgm_perturbation(grads, model, a.epsilon),
        AdversarialKind::Pgd => {
            let mut r = project(fgm_perturbation(grads, model, a.alpha)?, a.epsilon);
            for _ in 1..a.steps {
                let adversary = perturbed(model, r.clone());
                let (loss, _) = adversary.loss(batch, labels.clone());
                let g = GradientsParams::from_grads(loss.backward(), &adversary);
                let push = fgm_perturbation(&g, &adversary, a.alpha)?;
                r = project(r + push, a.epsilon);
            }
            Some(r)
        }
    }
}

/// `r` scaled into the L2 ball of radius `epsilon` (unchanged when inside it).
pub fn project(r: Tensor<2>, epsilon: f64) -> Tensor<2> {
    let norm = r.clone().square().sum().sqrt().clamp_min(1e-12); // [1]
    let scale = norm.recip().mul_scalar(epsilon).clamp_max(1.0);
    r.mul(scale.reshape([1, 1]))
}

/// FGM's perturbation of the word-embedding table: `epsilon · g / ‖g‖`, `g` the table's
/// gradient in `grads` (only the rows a batch uses are non-zero); `None` when the table has
/// no gradient (frozen, or LoRA). On the inner device: a constant to the graph.
pub fn fgm_perturbation(
    grads: &GradientsParams,
    model: &BertClassifier,
    epsilon: f64,
) -> Option<Tensor<2>> {
    let table = &model.bert.embeddings.word_embeddings.weight;
    let g = grads.get::<2>(table.id)?;
    let norm = g.clone().square().sum().sqrt().clamp_min(1e-12); // [1]
    Some(g.div(norm.reshape([1, 1])).mul_scalar(epsilon))
}

/// `model` with `r` added to its word-embedding table, the table a new leaf of the graph (its
/// gradient is the gradient at the perturbed point; the parameter's id is kept).
pub fn perturbed(model: &BertClassifier, r: Tensor<2>) -> BertClassifier {
    let mut out = model.clone();
    let table = out.bert.embeddings.word_embeddings.weight.clone();
    out.bert.embeddings.word_embeddings.weight = table.map(|t| (t + r).detach().require_grad());
    out
}

/// `a + b`, parameter by parameter (a gradient either lacks is the other's).
fn summed<M: Module>(mut a: GradientsParams, mut b: GradientsParams, model: &M) -> GradientsParams {
    struct Sum<'a> {
        a: &'a mut GradientsParams,
        b: &'a mut GradientsParams,
    }
    impl ModuleVisitor for Sum<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            match (self.a.remove::<D>(param.id), self.b.remove::<D>(param.id)) {
                (Some(x), Some(y)) => self.a.register::<D>(param.id, x + y),
                (Some(x), None) | (None, Some(x)) => self.a.register::<D>(param.id, x),
                (None, None) => {}
            }
        }
    }
    model.visit(&mut Sum {
        a: &mut a,
        b: &mut b,
    });
    a
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BertConfig, BertModel, Task};
    use burn::tensor::TensorData;

    fn tiny() -> (BertClassifier, BatchTensors, Tensor<1, Int>) {
        let mut config = BertConfig::tiny(20);
        config.hidden_dropout_prob = 0.0;
        config.attention_probs_dropout_prob = 0.0;
        config.initializer_range = 0.2;
        let device = Device::flex().autodiff();
        let model = BertClassifier::new(
            BertModel::init(&config, true, &device),
            &config,
            Task::Classify,
            3,
            &device,
        );
        let int = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [2, 5]), &device);
        let batch = BatchTensors {
            input_ids: int(vec![2, 5, 7, 9, 3, 2, 11, 12, 3, 0]),
            attention_mask: int(vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 0]),
            token_type_ids: int(vec![0; 10]),
        };
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &device);
        (model, batch, labels)
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// FGM's perturbation by hand: the table's gradient scaled to norm epsilon, zero on the
    /// rows the batch does not use; the loss at the perturbed point is higher (the gradient's
    /// direction), by about epsilon times the gradient's norm.
    #[test]
    fn fgm_perturbs_the_embeddings_by_epsilon_along_the_gradient() {
        let (model, batch, labels) = tiny();
        let (loss, _) = model.loss(&batch, labels.clone());
        let clean: f32 = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let id = model.bert.embeddings.word_embeddings.weight.id;
        let g = values(grads.get::<2>(id).unwrap());
        let norm = g.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
        let eps = 1e-2;
        let r = values(fgm_perturbation(&grads, &model, eps).unwrap());
        let r_norm = r.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
        assert!((r_norm - eps).abs() < 1e-7, "{r_norm}");
        for (a, b) in r.iter().zip(&g) {
            assert!((*a as f64 - eps * *b as f64 / norm).abs() < 1e-9);
        }
        let hidden = model.bert.embeddings.word_embeddings.weight.dims()[1];
        let row = |i: usize| &r[i * hidden..(i + 1) * hidden];
        assert!(
            row(4).iter().all(|x| *x == 0.0),
            "token 4 is not in the batch"
        );
        assert!(row(5).iter().any(|x| *x != 0.0));
        let r_tensor = fgm_perturbation(&grads, &model, eps).unwrap();
        let adv: f32 = perturbed(&model, r_tensor)
            .loss(&batch, labels)
            .0
            .into_scalar();
        let rise = (adv - clean) as f64;
        assert!(
            rise > 0.0 && (rise - eps * norm).abs() < 0.05 * eps * norm,
            "{rise} against {}",
            eps * norm
        );
    }

    /// FGM's gradient is the clean gradient plus the gradient at the perturbed point, for every
    /// parameter (checked on the classifier and the perturbed table itself).
    #[test]
    fn fgm_sums_the_clean_and_the_perturbed_gradients() {
        let (model, batch, labels) = tiny();
        let eps = 0.5;
        let a = Adversarial {
            epsilon: eps,
            ..Adversarial::new(AdversarialKind::Fgm)
        };
        let (fgm, _) = gradients(&model, &batch, labels.clone(), Some(a));
        let clean =
            GradientsParams::from_grads(model.loss(&batch, labels.clone()).0.backward(), &model);
        let r = fgm_perturbation(&clean, &model, eps).unwrap();
        let adversary = perturbed(&model, r);
        let adv =
            GradientsParams::from_grads(adversary.loss(&batch, labels).0.backward(), &adversary);
        let ids = [
            model.classifier.weight.id,
            model.bert.embeddings.word_embeddings.weight.id,
        ];
        for id in ids {
            let want: Vec<f32> = values(clean.get::<2>(id).unwrap())
                .iter()
                .zip(values(adv.get::<2>(id).unwrap()))
                .map(|(a, b)| a + b)
                .collect();
            let got = values(fgm.get::<2>(id).unwrap());
            for (x, y) in got.iter().zip(&want) {
                assert!((x - y).abs() < 1e-6);
            }
            assert_ne!(
                got,
                values(clean.get::<2>(id).unwrap()),
                "the adversarial half counts"
            );
        }
    }

    fn norm(t: Tensor<2>) -> f64 {
        values(t)
            .iter()
            .map(|x| (*x as f64).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    /// The projection scales a perturbation outside the ball onto its surface and leaves one
    /// inside alone.
    #[test]
    fn projection_keeps_a_perturbation_in_the_ball() {
        let device = Device::flex();
        let r = Tensor::<2>::from_data(
            TensorData::new(vec![3.0f32, 4.0, 0.0, 0.0], [2, 2]),
            &device,
        );
        let out = values(project(r.clone(), 2.5));
        assert_eq!(out, vec![1.5, 2.0, 0.0, 0.0]);
        assert_eq!(values(project(r, 10.0)), vec![3.0, 4.0, 0.0, 0.0]);
    }

    /// PGD: with big steps every push ends on the ball's surface, never outside; with small
    /// ones it goes at most `steps · alpha` from the clean point, further than one step; one
    /// step of size epsilon is FGM; and the loss at the point reached is above the clean loss.
    #[test]
    fn pgd_climbs_the_loss_and_stays_within_epsilon() {
        let (model, batch, labels) = tiny();
        let (loss, _) = model.loss(&batch, labels.clone());
        let clean: f32 = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let pgd = |epsilon, alpha, steps| Adversarial {
            kind: AdversarialKind::Pgd,
            epsilon,
            alpha,
            steps,
        };
        let point = |a| adversarial_point(&grads, &model, &batch, labels.clone(), a).unwrap();
        let big = norm(point(pgd(0.05, 0.04, 3)));
        assert!((big - 0.05).abs() < 1e-6, "on the surface: {big}");
        let small = norm(point(pgd(1.0, 0.01, 3)));
        assert!(small <= 0.03 + 1e-6 && small > 0.01 + 1e-4, "{small}");
        let one = values(point(pgd(0.02, 0.02, 1)));
        let fgm = values(fgm_perturbation(&grads, &model, 0.02).unwrap());
        for (x, y) in one.iter().zip(&fgm) {
            assert!((x - y).abs() < 1e-9);
        }
        let r = point(pgd(0.05, 0.02, 4));
        let adv: f32 = perturbed(&model, r)
            .loss(&batch, labels.clone())
            .0
            .into_scalar();
        assert!(adv > clean, "{adv} against {clean}");
    }

    /// A PGD step trains on the clean gradient plus the gradient at PGD's point.
    #[test]
    fn pgd_sums_the_clean_gradient_and_the_one_at_its_point() {
        let (model, batch, labels) = tiny();
        let a = Adversarial {
            kind: AdversarialKind::Pgd,
            epsilon: 0.3,
            alpha: 0.1,
            steps: 3,
        };
        let (got, _) = gradients(&model, &batch, labels.clone(), Some(a));
        let clean =
            GradientsParams::from_grads(model.loss(&batch, labels.clone()).0.backward(), &model);
        let r = adversarial_point(&clean, &model, &batch, labels.clone(), a).unwrap();
        let adversary = perturbed(&model, r);
        let adv =
            GradientsParams::from_grads(adversary.loss(&batch, labels).0.backward(), &adversary);
        let id = model.classifier.weight.id;
        let want: Vec<f32> = values(clean.get::<2>(id).unwrap())
            .iter()
            .zip(values(adv.get::<2>(id).unwrap()))
            .map(|(a, b)| a + b)
            .collect();
        for (x, y) in values(got.get::<2>(id).unwrap()).iter().zip(&want) {
            assert!((x - y).abs() < 1e-6);
        }
    }
}
