//! Task heads over the encoder, equal to Hugging Face's `*ForTokenClassification` (dropout →
//! linear) and `*ForSequenceClassification`, whose head differs by family:
//!
//! | family        | sequence head on the first token's hidden state                       |
//! |---------------|-----------------------------------------------------------------------|
//! | BERT          | pooler (dense → tanh) → dropout → `classifier`                        |
//! | DistilBERT    | `pre_classifier` → ReLU → dropout → `classifier`                      |
//! | RoBERTa, XLM-R| dropout → `classifier.dense` → tanh → dropout → `classifier.out_proj` |
//! | ELECTRA       | dropout → `classifier.dense` → GELU → dropout → `classifier.out_proj` |
//!
//! and `*ForQuestionAnswering`: `qa_outputs` (hidden → 2: a start and an end logit) on every
//! token's hidden state, after dropout in DistilBERT only (`qa_dropout`); its loss is the mean of
//! the start and the end position's cross-entropy over the positions of the sequence.

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};

use super::activation::{gelu, tanh};
use super::bert::BertModel;
use super::config::{BertConfig, Family};
use super::dropout::Dropout;
use super::encoder::dense;
use crate::shared::{IGNORE_INDEX, QA_OUTPUTS, Task};

impl Task {
    /// The Hugging Face class that loads this task's checkpoints of `family`.
    pub fn architecture(self, family: Family) -> String {
        let task = match self {
            Task::Classify => "ForSequenceClassification",
            Task::Ner => "ForTokenClassification",
            Task::Qa => "ForQuestionAnswering",
        };
        format!("{}{task}", family.class_prefix())
    }

    /// The task of a checkpoint, from the `architectures` of its config.
    pub fn from_architectures(config: &BertConfig) -> Option<Task> {
        config.architectures.iter().flatten().find_map(|a| {
            if a.ends_with("ForSequenceClassification") {
                Some(Task::Classify)
            } else if a.ends_with("ForTokenClassification") {
                Some(Task::Ner)
            } else if a.ends_with("ForQuestionAnswering") {
                Some(Task::Qa)
            } else {
                None
            }
        })
    }
}

/// An encoder with a classification head.
#[derive(Module, Debug)]
pub struct BertClassifier {
    /// The encoder; a BERT one has a pooler exactly when the task is [`Task::Classify`].
    pub bert: BertModel,
    /// The classifier's dropout ([`BertConfig::classifier_dropout`]).
    pub dropout: Dropout,
    /// The sequence head's hidden → hidden layer in the families without a pooler:
    /// `pre_classifier` (DistilBERT), `classifier.dense` (RoBERTa, XLM-R, ELECTRA).
    pub pre_classifier: Option<Linear>,
    /// `classifier` (`classifier.out_proj` in RoBERTa and ELECTRA; `qa_outputs` for
    /// [`Task::Qa`]): hidden → number of labels.
    pub classifier: Linear,
    /// The task, which decides pooled or per-token logits.
    #[module(skip)]
    pub task: Task,
}

/// The input of one batch, padded to its longest sequence.
#[derive(Debug, Clone)]
pub struct BatchTensors {
    /// `[batch, seq]`.
    pub input_ids: Tensor<2, Int>,
    /// `[batch, seq]`, 1 for tokens and 0 for padding.
    pub attention_mask: Tensor<2, Int>,
    /// `[batch, seq]`, all zeros for single sentences.
    pub token_type_ids: Tensor<2, Int>,
}

/// A task's head taken off its encoder — the pooler (BERT's sequence classifiers), the
/// dropout, the hidden layer some families have, the output layer — so that one encoder can
/// carry several tasks' heads in turn (multi-task training, `train/multitask.rs`).
#[derive(Module, Debug)]
pub struct Head {
    /// `pooler.dense` (a BERT sequence classifier's).
    pub pooler: Option<Linear>,
    /// The classifier's dropout.
    pub dropout: Dropout,
    /// The sequence head's hidden layer (DistilBERT, RoBERTa, XLM-R, ELECTRA).
    pub pre_classifier: Option<Linear>,
    /// Hidden -> labels.
    pub classifier: Linear,
    /// The task.
    #[module(skip)]
    pub task: Task,
}

impl BertClassifier {
    /// A new head with `num_labels` outputs over `bert`, initialised as Hugging Face does
    /// (question answering: `num_labels` is [`QA_OUTPUTS`]).
    pub fn new(
        bert: BertModel,
        config: &BertConfig,
        task: Task,
        num_labels: usize,
        device: &Device,
    ) -> Self {
        let mut bert = bert;
        if task != Task::Classify {
            bert.pooler = None;
        }
        let h = config.hidden_size;
        let pre_classifier = (task == Task::Classify && config.family() != Family::Bert)
            .then(|| dense(h, h, config.initializer_range, device));
        Self {
            bert,
            dropout: Dropout::new(match task {
                Task::Qa => config.qa_dropout(),
                _ => config.classifier_dropout(task == Task::Classify),
            }),
            pre_classifier,
            classifier: dense(
                config.hidden_size,
                num_labels,
                config.initializer_range,
                device,
            ),
            task,
        }
    }

    /// Its head, the encoder dropped.
    pub fn into_head(self) -> Head {
        Head {
            pooler: self.bert.pooler,
            dropout: self.dropout,
            pre_classifier: self.pre_classifier,
            classifier: self.classifier,
            task: self.task,
        }
    }

    /// This model with `head` in place of its own, and its own head.
    pub fn swap_head(self, head: Head) -> (Self, Head) {
        let BertClassifier {
            mut bert,
            dropout,
            pre_classifier,
            classifier,
            task,
        } = self;
        let own = Head {
            pooler: std::mem::replace(&mut bert.pooler, head.pooler),
            dropout,
            pre_classifier,
            classifier,
            task,
        };
        let model = BertClassifier {
            bert,
            dropout: head.dropout,
            pre_classifier: head.pre_classifier,
            classifier: head.classifier,
            task: head.task,
        };
        (model, own)
    }

    /// Number of labels the head predicts.
    pub fn num_labels(&self) -> usize {
        self.classifier.weight.dims()[1]
    }

    /// Logits: `[batch, labels]` for [`Task::Classify`], `[batch, seq, labels]` flattened to
    /// `[batch * seq, labels]` for [`Task::Ner`] and [`Task::Qa`] (whose two "labels" are the
    /// start and the end logit).
    pub fn forward(&self, batch: &BatchTensors) -> Tensor<2> {
        let out = self.bert.forward(
            batch.input_ids.clone(),
            batch.attention_mask.clone(),
            batch.token_type_ids.clone(),
            false,
        );
        match self.task {
            Task::Classify => {
                let [batch, _, hidden] = out.last_hidden_state.dims();
                let first = || {
                    out.last_hidden_state
                        .clone()
                        .slice([0..batch, 0..1])
                        .reshape([batch, hidden])
                };
                let d = |x| self.dropout.forward(x);
                let x = match (&self.pre_classifier, self.bert.family) {
                    (None, _) => {
                        let pooled = out.pooled.expect("a BERT classifier has a pooler");
                        d(pooled)
                    }
                    (Some(pre), Family::DistilBert) => d(relu(pre.forward(first()))),
                    (Some(pre), Family::Electra) => d(gelu(pre.forward(d(first())))),
                    (Some(pre), _) => d(tanh(pre.forward(d(first())))),
                };
                self.classifier.forward(x)
            }
            Task::Ner | Task::Qa => {
                let [batch, seq, hidden] = out.last_hidden_state.dims();
                let h = self
                    .dropout
                    .forward(out.last_hidden_state)
                    .reshape([batch * seq, hidden]);
                self.classifier.forward(h)
            }
        }
    }

    /// Mean cross-entropy over the labels that are not [`IGNORE_INDEX`], and the logits.
    /// Question answering: the mean of the start and the end positions' cross-entropy, each a
    /// mean over the examples whose position is not [`IGNORE_INDEX`].
    ///
    /// # Shapes
    /// - `labels`: `[rows]`, matching the rows of [`forward`](Self::forward)'s logits;
    ///   question answering: `[batch * 2]`, each example's start and end position
    pub fn loss(&self, batch: &BatchTensors, labels: Tensor<1, Int>) -> (Tensor<1>, Tensor<2>) {
        let logits = self.forward(batch);
        let loss = match self.task {
            Task::Qa => {
                let [batch, seq] = batch.input_ids.dims();
                span_loss(logits.clone(), labels, batch, seq)
            }
            _ => cross_entropy(logits.clone(), labels),
        };
        (loss, logits)
    }
}

/// transformers' question-answering loss: `(CE(start) + CE(end)) / 2`, the cross-entropies
/// over the `seq` positions of each row.
///
/// # Shapes
/// - `logits`: `[batch * seq, 2]`, `positions`: `[batch * 2]` (start, end per row); output `[1]`
pub fn span_loss(
    logits: Tensor<2>,
    positions: Tensor<1, Int>,
    batch: usize,
    seq: usize,
) -> Tensor<1> {
    let logits = logits.reshape([batch, seq, QA_OUTPUTS]);
    let positions = positions.reshape([batch, QA_OUTPUTS]);
    let side = |i: usize| {
        let l = logits
            .clone()
            .slice([0..batch, 0..seq, i..i + 1])
            .reshape([batch, seq]);
        let p = positions
            .clone()
            .slice([0..batch, i..i + 1])
            .reshape([batch]);
        cross_entropy(l, p)
    };
    (side(0) + side(1)) / 2.0
}

/// Mean negative log-likelihood of `labels` under `logits`, skipping [`IGNORE_INDEX`].
///
/// # Shapes
/// - `logits`: `[rows, classes]`, `labels`: `[rows]`; output `[1]`
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let [rows, _] = logits.dims();
    let keep = labels.clone().not_equal_elem(IGNORE_INDEX); // [rows]
    let safe = labels
        .mask_fill(keep.clone().bool_not(), 0)
        .reshape([rows, 1]);
    let picked = log_softmax(logits, 1).gather(1, safe).reshape([rows]); // [rows]
    let weight = keep.float();
    let count = weight.clone().sum().clamp_min(1.0);
    (picked * weight).sum().neg() / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ids: Vec<i64>, mask: Vec<i64>, shape: [usize; 2]) -> BatchTensors {
        let device = Device::flex();
        let int = |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, shape), &device);
        BatchTensors {
            input_ids: int(ids),
            attention_mask: int(mask),
            token_type_ids: Tensor::zeros(shape, &device),
        }
    }

    fn classifier(model_type: &str, task: Task) -> BertClassifier {
        let mut config = BertConfig::tiny(20);
        config.model_type = Some(model_type.into());
        config.pad_token_id = 1;
        let device = Device::flex();
        BertClassifier::new(
            BertModel::init(&config, true, &device),
            &config,
            task,
            3,
            &device,
        )
    }

    #[test]
    fn logits_are_one_row_per_text_or_per_token() {
        let b = batch(
            vec![2, 5, 3, 1, 2, 6, 7, 3],
            vec![1, 1, 1, 0, 1, 1, 1, 1],
            [2, 4],
        );
        for family in ["bert", "distilbert", "roberta", "electra"] {
            let m = classifier(family, Task::Classify);
            assert_eq!(m.forward(&b).dims(), [2, 3], "{family}");
            assert_eq!(m.bert.pooler.is_some(), family == "bert", "{family}");
            assert_eq!(m.pre_classifier.is_some(), family != "bert", "{family}");
            let m = classifier(family, Task::Ner);
            assert_eq!(m.forward(&b).dims(), [8, 3], "{family}");
            assert!(m.bert.pooler.is_none());
        }
    }

    /// The mean over the labels that count, as PyTorch's `CrossEntropyLoss(ignore_index=-100)`.
    #[test]
    fn cross_entropy_skips_the_ignored_labels() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data(
            TensorData::new(vec![2.0f32, 0.0, 0.0, 3.0, 1.0, 1.0], [3, 2]),
            &device,
        );
        let labels =
            Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, IGNORE_INDEX, 1], [3]), &device);
        let loss: f32 = cross_entropy(logits.clone(), labels).into_scalar();
        let nll = |own: f64, other: f64| -(own - (own.exp() + other.exp()).ln());
        let expected = (nll(2.0, 0.0) + nll(1.0, 1.0)) / 2.0;
        assert!(
            (loss as f64 - expected).abs() < 1e-6,
            "{loss} against {expected}"
        );
        let none =
            Tensor::<1, Int>::from_data(TensorData::new(vec![IGNORE_INDEX; 3], [3]), &device);
        assert_eq!(cross_entropy(logits, none).into_scalar::<f32>(), 0.0);
    }

    #[test]
    fn architectures_name_the_task_and_read_back() {
        for model_type in ["bert", "distilbert", "roberta", "xlm-roberta", "electra"] {
            for task in [Task::Classify, Task::Ner] {
                let mut config = BertConfig::tiny(20);
                config.model_type = Some(model_type.into());
                config.architectures = Some(vec![task.architecture(config.family())]);
                assert_eq!(
                    Task::from_architectures(&config),
                    Some(task),
                    "{model_type}"
                );
            }
        }
    }
}
