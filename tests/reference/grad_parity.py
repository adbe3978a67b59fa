#!/usr/bin/env python3
"""Regenerates tests/fixtures/grad_parity/*/expected.json with PyTorch + transformers: the loss of a
fixed batch, and the loss after one plain SGD step (lr 1.0) on the gradients of every parameter.
Equal numbers in Anneal mean equal gradients, not just equal forward passes.

  pip install torch transformers && python3 tests/reference/grad_parity.py
"""
import json
from pathlib import Path

import torch
from transformers import BertForSequenceClassification, BertForTokenClassification

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "grad_parity"
IDS = [[2, 5, 7, 12, 9, 3], [2, 20, 21, 3, 0, 0]]
MASK = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]
LABELS = {"ner": [[-100, 1, 0, 3, 0, -100], [-100, 2, 4, -100, -100, -100]], "classify": [1, 0]}


def main():
    for task, cls in [("ner", BertForTokenClassification), ("classify", BertForSequenceClassification)]:
        model = cls.from_pretrained(HERE / task)
        model.train()  # dropout is 0 in these configs
        batch = dict(input_ids=torch.tensor(IDS), attention_mask=torch.tensor(MASK), labels=torch.tensor(LABELS[task]))
        loss = model(**batch).loss
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= p.grad
            after = model(**batch).loss.item()
        out = {"input_ids": IDS, "attention_mask": MASK, "labels": LABELS[task], "loss": loss.item(),
               "loss_after_sgd_step": after, "torch": torch.__version__}
        (HERE / task / "expected.json").write_text(json.dumps(out, indent=1) + "\n")
        print(task, out["loss"], out["loss_after_sgd_step"])


if __name__ == "__main__":
    main()
