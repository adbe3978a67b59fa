//! A model's parameters as one flat vector and back, in the model's own order: what crosses
//! between a training step's two halves (`parallel.rs`). Values and gradients, all parameters
//! or those that train, the word-embedding table cut to the rows a half-batch uses.

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;

use crate::model::BertClassifier;
use crate::runtime::readback::{ReadbackError, read_f32};

/// Which parameters [`values`] and [`load`] cover.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Which {
    /// Every parameter.
    All,
    /// Those that train (`require_grad`).
    Trainable,
}

/// The parameters' values in the model's order, flattened; of the word-embedding table, only
/// `table_rows` when given.
pub(super) async fn values(
    model: &BertClassifier,
    which: Which,
    table_rows: Option<&Tensor<1, Int>>,
) -> Result<Vec<f32>, ReadbackError> {
    struct Collect<'a> {
        which: Which,
        table: (ParamId, Option<&'a Tensor<1, Int>>),
        tensors: &'a mut Vec<Tensor<1>>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let mut value = param.val().detach();
            if self.which == Which::All || value.is_require_grad() {
                if let (id, Some(rows)) = self.table
                    && id == param.id
                {
                    value = value.select(0, rows.clone());
                }
                let n = value.shape().num_elements();
                self.tensors.push(value.reshape([n]));
            }
        }
    }
    let mut tensors = Vec::new();
    model.visit(&mut Collect {
        which,
        table: (model.bert.embeddings.word_embeddings.weight.id, table_rows),
        tensors: &mut tensors,
    });
    read_all(tensors).await
}

/// The model with the parameters `which` names set from `values` (as [`values`] made them);
/// the word-embedding table then has `table_rows` rows when given.
pub(super) fn load(
    model: BertClassifier,
    values: &[f32],
    which: Which,
    table_rows: Option<usize>,
) -> Result<BertClassifier, String> {
    struct Set<'a> {
        which: Which,
        table: (ParamId, Option<usize>),
        values: &'a [f32],
        at: usize,
        short: bool,
    }
    impl ModuleMapper for Set<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let value = param.val();
            if self.which == Which::Trainable && !value.is_require_grad() {
                return param;
            }
            let mut shape = value.shape();
            if let (id, Some(rows)) = self.table
                && id == param.id
            {
                shape[0] = rows;
            }
            let end = self.at + shape.num_elements();
            let Some(slice) = self.values.get(self.at..end) else {
                self.short = true;
                return param;
            };
            self.at = end;
            let tensor = Tensor::from_data(TensorData::new(slice.to_vec(), shape), &value.device());
            let id = param.id;
            param.transform_for_load(tensor, id)
        }
    }
    let mut set = Set {
        which,
        table: (model.bert.embeddings.word_embeddings.weight.id, table_rows),
        values,
        at: 0,
        short: false,
    };
    let model = model.map(&mut set);
    if set.short || set.at != values.len() {
        return Err(format!(
            "{} weight values arrived for a model that has {}",
            values.len(),
            if set.short {
                "more".to_string()
            } else {
                set.at.to_string()
            }
        ));
    }
    Ok(model)
}

/// Collects the gradients `grads` holds for `model`'s parameters, in the model's order.
pub(super) struct Gradients<'a> {
    /// The gradients of a backward pass.
    pub grads: &'a GradientsParams,
    /// Each parameter's gradient that `grads` holds, flattened, in the model's order.
    pub tensors: &'a mut Vec<Tensor<1>>,
}

impl ModuleVisitor for Gradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let n = g.shape().num_elements();
            self.tensors.push(g.reshape([n]));
        }
    }
}

/// Values in the gradients `grads` holds for `model`.
pub(super) fn gradient_len(model: &BertClassifier, grads: &GradientsParams) -> usize {
    let mut tensors = Vec::new();
    model.visit(&mut Gradients {
        grads,
        tensors: &mut tensors,
    });
    tensors.iter().map(|t| t.shape().num_elements()).sum()
}

/// `own * grads + other_weight * other`, `other` flattened in the model's order (its length
/// checked by the caller); with `table`, `other` holds only those rows of that parameter's
/// gradient (the word-embedding table's), added into them.
pub(super) fn add_gradients(
    model: &BertClassifier,
    mut grads: GradientsParams,
    own: f64,
    other: &[f32],
    other_weight: f64,
    table: Option<(ParamId, Tensor<1, Int>)>,
) -> GradientsParams {
    struct Add<'a> {
        grads: &'a mut GradientsParams,
        own: f64,
        other: &'a [f32],
        other_weight: f64,
        table: Option<(ParamId, Tensor<1, Int>)>,
        at: usize,
    }
    impl ModuleVisitor for Add<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.remove::<D>(param.id) {
                let rows = match &self.table {
                    Some((id, rows)) if *id == param.id => Some(rows.clone()),
                    _ => None,
                };
                let mut shape = g.shape();
                if let Some(rows) = &rows {
                    shape[0] = rows.dims()[0];
                }
                let end = self.at + shape.num_elements();
                let theirs = Tensor::<D>::from_data(
                    TensorData::new(self.other[self.at..end].to_vec(), shape),
                    &g.device(),
                )
                .mul_scalar(self.other_weight);
                self.at = end;
                let own = g.mul_scalar(self.own);
                let sum = match rows {
                    Some(rows) => own.select_assign(0, rows, theirs, IndexingUpdateOp::Add),
                    None => own + theirs,
                };
                self.grads.register::<D>(param.id, sum);
            }
        }
    }
    model.visit(&mut Add {
        grads: &mut grads,
        own,
        other,
        other_weight,
        table,
        at: 0,
    });
    grads
}

/// Reads tensors back, one after another, into one flat vector.
pub(super) async fn read_all(tensors: Vec<Tensor<1>>) -> Result<Vec<f32>, ReadbackError> {
    let total = tensors.iter().map(|t| t.shape().num_elements()).sum();
    let mut out = Vec::with_capacity(total);
    for t in tensors {
        out.extend_from_slice(&read_f32(t).await?);
    }
    Ok(out)
}
