//! Data parallelism without shared memory: a fine-tuning step split between this thread and a
//! replica of the model on another. In the browser the replica is a second Web Worker, the
//! stable-Rust way to a second core (WebAssembly threads need a nightly std: BENCHMARKS.md,
//! "Threads in the browser's CPU path").
//!
//! Each step this side sends the replica the trainable weights as they are and one half of the
//! batch, computes the other half's gradients meanwhile, and adds the replica's, each half
//! weighted by its share of the labels the loss counts. The loss is a mean over those labels,
//! so the weighted sum is the whole batch's gradient. Clipping and AdamW then run here, once,
//! on the sum: the replica keeps no optimizer state and gets the new weights with its next
//! half. When the replica fails, the step computes its half here, and the caller goes on
//! without it.
//!
//! Half of MiniLM's values are its word-embedding table, and a half-batch uses a few hundred
//! of its 30,522 rows: when the table trains, the replica gets only those rows (its ids
//! renumbered into them) and answers their gradients only, which this side adds back into
//! the table's rows.

use std::collections::HashMap;

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::flat::{Gradients, Which, add_gradients, gradient_len, load, read_all, values};
use super::step::{Hook, clip_global_norm};
use crate::data::batch::Batch;
use crate::forward::to_tensors;
use crate::model::{BertClassifier, BertConfig, BertModel};
use crate::runtime::readback::{ReadbackError, read_f32};
use crate::shared::{Adaptation, IGNORE_INDEX, Task};

/// What a replica is built from: the model's shape and adaptation. All its weights follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSpec {
    /// The model's config (layers kept).
    pub config: BertConfig,
    /// The head's task.
    pub task: Task,
    /// The head's labels.
    pub num_labels: usize,
    /// What trains (frozen parts, LoRA adapters).
    pub adaptation: Adaptation,
    /// Seed of the replica's CPU dropout stream (not this side's: the halves draw apart).
    pub dropout_seed: u64,
    /// Values in all parameters and in the trainable ones, checked on arrival.
    pub values: (usize, usize),
}

impl ReplicaSpec {
    /// The spec of `model`, adapted as `adaptation` says, with `config` its config.
    pub fn of(
        model: &BertClassifier,
        config: &BertConfig,
        adaptation: &Adaptation,
        dropout_seed: u64,
    ) -> Self {
        let (trainable, all) = model.trainable_parameters();
        Self {
            config: config.clone(),
            task: model.task,
            num_labels: model.num_labels(),
            adaptation: *adaptation,
            dropout_seed,
            values: (all, trainable),
        }
    }
}

/// The replica's answer: its half's loss, the labels it counted, its gradients (the trainable
/// parameters that got one, in the model's order, flattened).
#[derive(Debug, Clone, PartialEq)]
pub struct PartGradients {
    /// Mean loss over the half's labels.
    pub loss: f64,
    /// Labels the loss counted.
    pub count: usize,
    /// The gradients, flattened.
    pub values: Vec<f32>,
}

/// A replica's part of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Half {
    /// Its rows of the batch; with `table_rows`, their ids renumbered.
    pub part: Batch,
    /// When the word-embedding table trains: how many of its rows come with the weights (the
    /// rows the part uses, in the order its ids were renumbered into) instead of all.
    pub table_rows: Option<usize>,
}

/// The replica as a step sees it: somewhere else, reached by messages.
pub trait Peer {
    /// Builds the replica: its shape, then all its weights in the model's order.
    fn set_up<'a>(
        &'a mut self,
        spec: &'a ReplicaSpec,
        weights: Vec<f32>,
    ) -> Hook<'a, Result<(), String>>;
    /// Sends the replica its part of a step: the trainable weights as they are now and its
    /// half of the batch.
    fn send(&mut self, weights: Vec<f32>, half: &Half) -> Result<(), String>;
    /// The replica's answer to the last `send`.
    fn receive(&mut self) -> Hook<'_, Result<PartGradients, String>>;
}

/// Builds the replica of `model` behind `peer`.
pub async fn set_up(
    peer: &mut dyn Peer,
    model: &BertClassifier,
    config: &BertConfig,
    adaptation: &Adaptation,
    dropout_seed: u64,
) -> Result<(), String> {
    let spec = ReplicaSpec::of(model, config, adaptation, dropout_seed);
    let weights = values(model, Which::All, None)
        .await
        .map_err(|e| e.to_string())?;
    peer.set_up(&spec, weights).await
}

/// The model's copy on the replica's side.
#[derive(Debug)]
pub struct Replica {
    model: BertClassifier,
}

impl Replica {
    /// A replica of the spec's model with `weights` (all parameters), on `device` (autodiff).
    pub fn new(spec: &ReplicaSpec, weights: &[f32], device: &Device) -> Result<Self, String> {
        let config = &spec.config;
        config.validate().map_err(|e| e.to_string())?;
        let bert = BertModel::init(config, spec.task == Task::Classify, device);
        let model = BertClassifier::new(bert, config, spec.task, spec.num_labels, device)
            .adapted(&spec.adaptation);
        let (trainable, all) = model.trainable_parameters();
        if (all, trainable) != spec.values {
            return Err(format!(
                "the replica's model has {all} values ({trainable} trainable), the original {} ({})",
                spec.values.0, spec.values.1
            ));
        }
        crate::model::dropout::seed(spec.dropout_seed);
        let model = load(model, weights, Which::All, None)?;
        Ok(Self { model })
    }

    /// Takes `weights` (the trainable parameters) and answers with `half`'s gradients.
    pub async fn gradients(
        &mut self,
        weights: &[f32],
        half: &Half,
    ) -> Result<PartGradients, String> {
        self.model = load(
            self.model.clone(),
            weights,
            Which::Trainable,
            half.table_rows,
        )?;
        part_gradients(&self.model, &half.part)
            .await
            .map_err(|e| e.to_string())
    }
}

/// One optimizer step on `batch`, half of it computed by the replica behind `peer`. Returns
/// the model, the batch's loss and, when the replica failed (its half was then computed
/// here), why.
pub async fn split_step(
    model: BertClassifier,
    optim: &mut ModuleOptimizer,
    batch: &Batch,
    lr: f64,
    max_norm: f64,
    peer: &mut dyn Peer,
) -> Result<(BertClassifier, f64, Option<String>), ReadbackError> {
    let task = model.task;
    // This side also clips, steps and flattens the weights: it takes the smaller half.
    let (mine, mut theirs) = halves(batch, task);
    let device = model.classifier.weight.val().device();
    let table = &model.bert.embeddings.word_embeddings.weight;
    let rows = table.val().is_require_grad().then(|| {
        let pad = model.bert.embeddings.padding_idx.unwrap_or(0);
        let rows = renumber(&mut theirs.input_ids, pad);
        let n = rows.len();
        (
            Tensor::<1, Int>::from_data(TensorData::new(rows, [n]), &device),
            n,
        )
    });
    let half = Half {
        part: theirs,
        table_rows: rows.as_ref().map(|(_, n)| *n),
    };
    // Sync point: the trainable weights as they are, for the replica (on the CPU: no queue).
    let sent = match values(&model, Which::Trainable, rows.as_ref().map(|(r, _)| r)).await {
        Ok(weights) => peer.send(weights, &half),
        Err(e) => Err(e.to_string()),
    };
    let (tensors, labels) = to_tensors(&mine, &device);
    let (loss, _) = model.loss(&tensors, labels);
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let own_loss = read_f32(loss).await?[0] as f64;
    // With rows of the table, the replica answers those rows' gradients instead of the table's.
    let [all_rows, width] = table.val().dims();
    let expected = match &rows {
        Some((_, n)) => (gradient_len(&model, &grads) + n * width).saturating_sub(all_rows * width),
        None => gradient_len(&model, &grads),
    };
    let received = match sent {
        Ok(()) => peer.receive().await.and_then(|g| {
            if g.values.len() == expected {
                Ok(g)
            } else {
                Err(format!(
                    "the replica answered {} gradient values, {expected} were expected",
                    g.values.len()
                ))
            }
        }),
        Err(e) => Err(e),
    };
    let (other, rows, failed) = match received {
        Ok(g) => (g, rows, None),
        Err(why) => {
            // The half with its own ids, and its gradient for the whole table.
            let (_, theirs) = halves(batch, task);
            (part_gradients(&model, &theirs).await?, None, Some(why))
        }
    };
    let own_count = labelled(&mine, task);
    let total = (own_count + other.count).max(1) as f64;
    let (own_weight, other_weight) = (own_count as f64 / total, other.count as f64 / total);
    let rows = rows.map(|(r, _)| (table.id, r));
    let grads = add_gradients(&model, grads, own_weight, &other.values, other_weight, rows);
    let grads = clip_global_norm(grads, &model, max_norm);
    let model = optim.step(lr, model, grads);
    let loss = own_loss * own_weight + other.loss * other_weight;
    Ok((model, loss, failed))
}

/// `part`'s loss, label count and flattened gradients under `model`.
async fn part_gradients(
    model: &BertClassifier,
    part: &Batch,
) -> Result<PartGradients, ReadbackError> {
    let device = model.classifier.weight.val().device();
    let (tensors, labels) = to_tensors(part, &device);
    let (loss, _) = model.loss(&tensors, labels);
    let grads = GradientsParams::from_grads(loss.backward(), model);
    let loss = read_f32(loss).await?[0] as f64;
    let mut tensors = Vec::new();
    model.visit(&mut Gradients {
        grads: &grads,
        tensors: &mut tensors,
    });
    Ok(PartGradients {
        loss,
        count: labelled(part, model.task),
        values: read_all(tensors).await?,
    })
}

/// Renumbers `ids` into the rows of the word-embedding table they use and returns those rows
/// (the padding id keeps its number: RoBERTa's positions count from it).
fn renumber(ids: &mut [i64], pad: usize) -> Vec<i64> {
    let mut rows = vec![pad as i64; pad + 1];
    let mut index = HashMap::from([(pad as i64, pad as i64)]);
    for id in ids {
        let next = rows.len() as i64;
        *id = *index.entry(*id).or_insert_with(|| {
            rows.push(*id);
            next
        });
    }
    rows
}

/// Labels the loss counts in `batch` (question answering: its rows, each a start and an end).
fn labelled(batch: &Batch, task: Task) -> usize {
    match task {
        Task::Ner => batch.labels.iter().filter(|&&l| l != IGNORE_INDEX).count(),
        Task::Classify | Task::Qa => batch.size,
    }
}

/// The batch's first `size / 2` rows and the rest, each cut to its own longest row (the
/// columns cut are padding every row of the half ignores). Question answering keeps every
/// column: its softmax runs over the padded positions too, as transformers' does.
pub fn halves(batch: &Batch, task: Task) -> (Batch, Batch) {
    let rows = |from: usize, to: usize| {
        let row = |r: usize| &batch.attention_mask[r * batch.seq..(r + 1) * batch.seq];
        let seq = match task {
            Task::Qa => batch.seq,
            _ => (from..to)
                .map(|r| row(r).iter().rposition(|&m| m != 0).map_or(0, |p| p + 1))
                .max()
                .unwrap_or(0)
                .max(1),
        };
        let cut = |v: &Vec<i64>| -> Vec<i64> {
            (from..to)
                .flat_map(|r| v[r * batch.seq..r * batch.seq + seq].iter().copied())
                .collect()
        };
        Batch {
            size: to - from,
            seq,
            input_ids: cut(&batch.input_ids),
            attention_mask: cut(&batch.attention_mask),
            labels: match task {
                Task::Ner => cut(&batch.labels),
                Task::Classify => batch.labels[from..to].to_vec(),
                Task::Qa => batch.labels[from * 2..to * 2].to_vec(),
            },
            token_type_ids: if batch.token_type_ids.is_empty() {
                Vec::new()
            } else {
                cut(&batch.token_type_ids)
            },
        }
    };
    let half = batch.size / 2;
    (rows(0, half), rows(half, batch.size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{optimizer, train_step};

    /// The replica on this thread: the same code the browser's second worker runs, reached by
    /// calls instead of messages.
    struct Here {
        device: Device,
        replica: Option<Replica>,
        sent: Option<(Vec<f32>, Half)>,
        fail: bool,
    }

    impl Peer for Here {
        fn set_up<'a>(
            &'a mut self,
            spec: &'a ReplicaSpec,
            weights: Vec<f32>,
        ) -> Hook<'a, Result<(), String>> {
            // Through JSON, as the message carries it.
            let spec: ReplicaSpec =
                serde_json::from_str(&serde_json::to_string(spec).unwrap()).unwrap();
            self.replica = Some(Replica::new(&spec, &weights, &self.device).unwrap());
            Box::pin(async { Ok(()) })
        }
        fn send(&mut self, weights: Vec<f32>, half: &Half) -> Result<(), String> {
            // Through JSON, as the message carries it.
            let half = serde_json::from_str(&serde_json::to_string(half).unwrap()).unwrap();
            self.sent = Some((weights, half));
            Ok(())
        }
        fn receive(&mut self) -> Hook<'_, Result<PartGradients, String>> {
            Box::pin(async move {
                if self.fail {
                    return Err("gone".to_string());
                }
                let (weights, part) = self.sent.take().expect("a part was sent");
                self.replica
                    .as_mut()
                    .unwrap()
                    .gradients(&weights, &part)
                    .await
            })
        }
    }

    fn batch(size: usize, seq: usize, task: Task, pad: i64) -> Batch {
        let mut rng = crate::shared::rng::Rng::new(7);
        let lengths: Vec<usize> = (0..size).map(|r| 2 + (r * 5 + 3) % (seq - 1)).collect();
        let mut b = Batch {
            size,
            seq,
            input_ids: vec![pad; size * seq],
            attention_mask: vec![0; size * seq],
            labels: Vec::new(),
            token_type_ids: Vec::new(),
        };
        for (r, &len) in lengths.iter().enumerate() {
            for p in 0..len {
                b.input_ids[r * seq + p] = 5 + rng.below(90) as i64;
                b.attention_mask[r * seq + p] = 1;
            }
        }
        b.labels = match task {
            Task::Ner => (0..size * seq)
                .map(|i| match b.attention_mask[i] {
                    0 => IGNORE_INDEX,
                    _ if i % seq == 0 => IGNORE_INDEX,
                    _ => rng.below(3) as i64,
                })
                .collect(),
            Task::Classify => (0..size).map(|_| rng.below(3) as i64).collect(),
            Task::Qa => {
                // A second segment from the row's middle; a span inside the row.
                b.token_type_ids = (0..size * seq)
                    .map(|i| i64::from(b.attention_mask[i] == 1 && i % seq >= lengths[i / seq] / 2))
                    .collect();
                lengths
                    .iter()
                    .flat_map(|&len| {
                        let start = rng.below(len) as i64;
                        [start, start + rng.below(len - start as usize) as i64]
                    })
                    .collect()
            }
        };
        b
    }

    fn model(task: Task, family: &str, device: &Device) -> (BertClassifier, BertConfig) {
        let mut config = BertConfig::tiny(100);
        config.model_type = Some(family.into());
        config.pad_token_id = if family == "roberta" { 1 } else { 0 };
        config.hidden_dropout_prob = 0.0;
        config.attention_probs_dropout_prob = 0.0;
        let bert = BertModel::init(&config, task == Task::Classify, device);
        let outputs = if task == Task::Qa {
            crate::shared::QA_OUTPUTS
        } else {
            3
        };
        (
            BertClassifier::new(bert, &config, task, outputs, device),
            config,
        )
    }

    async fn all(model: &BertClassifier) -> Vec<f32> {
        values(model, Which::All, None).await.unwrap()
    }

    /// Three steps split with a replica give the whole batch's steps (no dropout), for both
    /// tasks, with uneven rows; and with the replica gone mid-run the step still does.
    #[test]
    fn split_steps_are_whole_batch_steps() {
        pollster::block_on(async {
            let device = Device::flex().autodiff();
            let frozen = Adaptation {
                freeze_embeddings: true,
                freeze_layers: 1,
                ..Adaptation::FULL
            };
            for (task, family, adaptation) in [
                (Task::Classify, "bert", Adaptation::FULL),
                (Task::Ner, "bert", Adaptation::FULL),
                // Positions counted from the padding id, which keeps its number in the replica.
                (Task::Classify, "roberta", Adaptation::FULL),
                (Task::Classify, "bert", frozen),
                // Spans over pairs of texts: segments travel, the softmax keeps every column.
                (Task::Qa, "bert", Adaptation::FULL),
            ] {
                let (model, config) = model(task, family, &device);
                let model = model.adapted(&adaptation);
                let batch = batch(7, 12, task, config.pad_token_id as i64);
                let (mut whole, mut split) = (model.clone(), model);
                let mut peer = Here {
                    device: device.clone(),
                    replica: None,
                    sent: None,
                    fail: false,
                };
                set_up(&mut peer, &split, &config, &adaptation, 1)
                    .await
                    .unwrap();
                // Spans: the start and end softmaxes ignore a shift of every position's logit,
                // so the head's bias and the last LayerNorm's have gradients that are zero but
                // for rounding, which AdamW's first step scales up to ±lr (in PyTorch too).
                // Plain SGD compares the gradients as they are.
                let optim = || match task {
                    Task::Qa => burn::optim::SgdConfig::new().init(),
                    _ => optimizer(0.01),
                };
                let (mut o1, mut o2) = (optim(), optim());
                let start = all(&split).await;
                for step in 0..3 {
                    peer.fail = step == 2;
                    let (tensors, labels) = to_tensors(&batch, &device);
                    let (next, loss) =
                        train_step(whole, &mut o1, &tensors, labels, (1e-3, 1.0), None);
                    whole = next;
                    let whole_loss = read_f32(loss).await.unwrap()[0] as f64;
                    let (next, split_loss, failed) =
                        split_step(split, &mut o2, &batch, 1e-3, 1.0, &mut peer)
                            .await
                            .unwrap();
                    split = next;
                    assert_eq!(failed.is_some(), step == 2, "{task:?} {family} step {step}");
                    assert!(
                        (whole_loss - split_loss).abs() < 1e-5,
                        "{task:?} {family} step {step}: {whole_loss} vs {split_loss}"
                    );
                    let (a, b) = (all(&whole).await, all(&split).await);
                    let worst = a
                        .iter()
                        .zip(&b)
                        .map(|(x, y)| (x - y).abs())
                        .fold(0.0, f32::max);
                    assert!(
                        worst < 1e-5,
                        "{task:?} {family} step {step}: weights differ by {worst}"
                    );
                    assert_ne!(b, start, "{task:?} {family} step {step}: nothing trained");
                }
            }
        });
    }

    #[test]
    fn halves_cut_each_half_to_its_longest_row() {
        let b = batch(5, 12, Task::Ner, 0);
        let (first, second) = halves(&b, Task::Ner);
        assert_eq!((first.size, second.size), (2, 3));
        for (half, rows) in [(&first, 0..2), (&second, 2..5)] {
            let longest = rows
                .clone()
                .map(|r| b.attention_mask[r * 12..(r + 1) * 12].iter().sum::<i64>() as usize)
                .max()
                .unwrap();
            assert_eq!(half.seq, longest);
            for (i, r) in rows.clone().enumerate() {
                let row = |v: &Vec<i64>| v[r * 12..r * 12 + longest].to_vec();
                let mine = |v: &Vec<i64>| v[i * longest..(i + 1) * longest].to_vec();
                assert_eq!(mine(&half.input_ids), row(&b.input_ids));
                assert_eq!(mine(&half.labels), row(&b.labels));
            }
            // Every label of its rows counted; none was cut with the padding.
            let kept = b.labels[rows.start * 12..rows.end * 12]
                .iter()
                .filter(|&&l| l != IGNORE_INDEX)
                .count();
            assert_eq!(labelled(half, Task::Ner), kept);
        }
        let c = batch(5, 12, Task::Classify, 0);
        let (first, second) = halves(&c, Task::Classify);
        assert_eq!([first.labels, second.labels].concat(), c.labels);
        let q = batch(5, 12, Task::Qa, 0);
        let (first, second) = halves(&q, Task::Qa);
        assert_eq!((first.seq, second.seq), (12, 12));
        assert_eq!([first.labels, second.labels].concat(), q.labels);
        assert_eq!(
            [first.token_type_ids, second.token_type_ids].concat(),
            q.token_type_ids
        );
    }

    #[test]
    fn renumbered_ids_point_at_their_rows_and_padding_keeps_its_number() {
        let original = vec![7, 1, 42, 7, 3, 1, 1];
        let mut ids = original.clone();
        let rows = renumber(&mut ids, 1);
        assert_eq!(rows, vec![1, 1, 7, 42, 3]);
        assert!(
            ids.iter()
                .zip(&original)
                .all(|(&i, &o)| rows[i as usize] == o)
        );
        assert!(
            ids.iter()
                .zip(&original)
                .all(|(&i, &o)| (i == 1) == (o == 1))
        );
    }

    #[test]
    fn weights_travel_in_order_and_wrong_counts_are_refused() {
        pollster::block_on(async {
            let device = Device::flex().autodiff();
            let (a, _) = model(Task::Classify, "bert", &device);
            let (b, _) = model(Task::Classify, "bert", &device);
            let wa = all(&a).await;
            assert_ne!(wa, all(&b).await);
            let b = load(b, &wa, Which::All, None).unwrap();
            assert_eq!(all(&b).await, wa);
            assert!(b.classifier.weight.val().is_require_grad());
            assert!(load(b.clone(), &wa[1..], Which::All, None).is_err());
            let mut longer = wa.clone();
            longer.push(0.0);
            assert!(load(b, &longer, Which::All, None).is_err());
        });
    }
}
