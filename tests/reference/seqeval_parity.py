#!/usr/bin/env python3
"""Regenerates tests/fixtures/seqeval_parity.json: random gold and predicted tag sequences
(ill-formed ones included: I- after O, type switches) and the scores seqeval gives them, so
Anneal's entity metrics are checked against seqeval's.

  pip install seqeval && python3 tests/reference/seqeval_parity.py
"""
import json, random
from pathlib import Path

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

rng = random.Random(5)
TAGS = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


def sentence(n):
    return [rng.choice(TAGS) for _ in range(n)]


gold, pred = [], []
for _ in range(400):
    n = rng.randint(1, 12)
    g = sentence(n)
    p = [t if rng.random() < 0.7 else rng.choice(TAGS) for t in g]
    gold.append(g)
    pred.append(p)
report = classification_report(gold, pred, output_dict=True, zero_division=0)
out = {
    "gold": gold, "pred": pred,
    "precision": float(precision_score(gold, pred)), "recall": float(recall_score(gold, pred)), "f1": float(f1_score(gold, pred)),
    "per_type": {k: {"precision": float(v["precision"]), "recall": float(v["recall"]), "f1": float(v["f1-score"]), "support": int(v["support"])}
                 for k, v in report.items() if k in ("PER", "LOC", "ORG")},
}
path = Path(__file__).resolve().parent.parent / "fixtures" / "seqeval_parity.json"
path.write_text(json.dumps(out) + "\n")
print(out["precision"], out["recall"], out["f1"])
