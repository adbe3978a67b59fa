#!/usr/bin/env python3
"""Regenerates tests/fixtures/trajectory/: a whole fine-tuning run in PyTorch, step for step, for
Anneal's training loop to repeat (tests/engine/trajectory.rs).

A small random BertForSequenceClassification (dropout 0, so nothing is random once the weights
are fixed) is trained on ragged examples for several epochs exactly as Anneal's loop trains:
the epoch order from Anneal's SplitMix64 shuffle (src/shared/rng.rs, seeded by the run's seed),
batches padded to their longest example, AdamW (eps 1e-8, decoupled weight decay), a linear
warm-up then linear decay (get_linear_schedule_with_warmup, warm-up steps rounded up), and
clip_grad_norm_ at 1.0, which the learning rate here makes bind on some steps. Each step's loss
is kept: equal losses over the whole run mean the optimizer, its state, the schedule, the
clipping and the order are PyTorch's, not only one gradient. After each epoch the validation
loss (mean cross-entropy over the validation examples, dropout off) is kept too, for the
epoch chart, the fit diagnosis and keeping the best epoch by loss.

  pip install torch transformers && python3 tests/reference/trajectory_parity.py
"""
import json
import math
import random
from pathlib import Path

import torch
from torch.nn.utils import clip_grad_norm_
from transformers import BertConfig, BertForSequenceClassification, get_linear_schedule_with_warmup

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "trajectory"
MASK64 = (1 << 64) - 1
RUN = {"epochs": 5, "batch_size": 5, "lr": 1e-2, "warmup_ratio": 0.1, "weight_decay": 0.01,
       "max_grad_norm": 1.0, "seed": 7}


class SplitMix64:
    """src/shared/rng.rs, bit for bit."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.next_u64() % (i + 1)
            items[i], items[j] = items[j], items[i]


def examples(n, rng):
    out = []
    for _ in range(n):
        words = [rng.randint(5, 29) for _ in range(rng.randint(1, 10))]
        # A label the words decide (the most frequent residue mod 3), so that the loss falls.
        label = max(range(3), key=lambda r: (sum(w % 3 == r for w in words), -r))
        out.append({"ids": [2] + words + [3], "label": label})
    return out


def batch_of(examples):
    seq = max(len(e["ids"]) for e in examples)
    ids = torch.tensor([e["ids"] + [0] * (seq - len(e["ids"])) for e in examples])
    mask = torch.tensor([[1] * len(e["ids"]) + [0] * (seq - len(e["ids"])) for e in examples])
    return ids, mask, torch.tensor([e["label"] for e in examples])


def main():
    torch.manual_seed(0)
    rng = random.Random(0)
    config = BertConfig(vocab_size=30, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0, num_labels=3, pad_token_id=0)
    model = BertForSequenceClassification(config)
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT)
    train, valid = examples(23, rng), examples(6, rng)

    opt = torch.optim.AdamW(model.parameters(), lr=RUN["lr"], eps=1e-8, weight_decay=RUN["weight_decay"])
    steps_per_epoch = math.ceil(len(train) / RUN["batch_size"])
    total = steps_per_epoch * RUN["epochs"]
    sched = get_linear_schedule_with_warmup(opt, math.ceil(RUN["warmup_ratio"] * total), total)
    order, shuffler = list(range(len(train))), SplitMix64(RUN["seed"])
    losses, clipped, valid_losses = [], 0, []
    for _ in range(RUN["epochs"]):
        model.train()
        shuffler.shuffle(order)
        for i in range(0, len(order), RUN["batch_size"]):
            ids, mask, labels = batch_of([train[j] for j in order[i:i + RUN["batch_size"]]])
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            losses.append(loss.item())
            loss.backward()
            norm = clip_grad_norm_(model.parameters(), RUN["max_grad_norm"])
            clipped += int(norm.item() > RUN["max_grad_norm"])
            opt.step()
            sched.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            ids, mask, labels = batch_of(valid)
            valid_losses.append(model(input_ids=ids, attention_mask=mask, labels=labels).loss.item())
    assert 0 < clipped < total, f"clipping should bind on some steps, not all: {clipped} of {total}"
    out = {"run": RUN, "train": train, "valid": valid, "losses": losses, "clipped_steps": clipped,
           "valid_losses": valid_losses,
           "torch": torch.__version__}
    (OUT / "expected.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{total} steps, {clipped} clipped; first loss {losses[0]:.5f}, last {losses[-1]:.5f}")


if __name__ == "__main__":
    main()
