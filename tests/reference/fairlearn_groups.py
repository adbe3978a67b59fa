#!/usr/bin/env python3
"""Regenerates tests/fixtures/fairlearn_groups.json: random gold labels, predictions and groups
(a small group, a group missing a label, a group where a label is never predicted) and what
Fairlearn's MetricFrame gives them (by_group, overall, difference(), ratio() and
difference(method="to_overall")), so Anneal's group metrics are checked against Fairlearn's
with scikit-learn's definitions. Two cases: binary (TPR, FPR, FNR, precision of "pos") and
three labels (accuracy, macro-F1, selection rate of each label).

  pip install fairlearn==0.13.0 scikit-learn && python3 tests/reference/fairlearn_groups.py
"""
import functools, json, math, random
from pathlib import Path

import numpy as np
from fairlearn.metrics import (MetricFrame, false_negative_rate, false_positive_rate,
                               selection_rate, true_positive_rate)
from sklearn.metrics import accuracy_score, f1_score, precision_score

rng = random.Random(11)


def case(labels, positive, sizes, right):
    gold, pred, groups = [], [], []
    for group, (n, p_right) in sizes.items():
        for _ in range(n):
            g = rng.choice(labels)
            if group == "c" and len(labels) == 3:
                g = rng.choice(labels[:2])  # c never has the third label as gold
            p = g if rng.random() < p_right else rng.choice(labels)
            if group == "d":
                p = labels[0]  # d is always predicted as the first label
            gold.append(g), pred.append(p), groups.append(group)
    metrics = {
        "accuracy": accuracy_score,
        "macro_f1": functools.partial(f1_score, average="macro", zero_division=0),
    }
    for label in labels:
        metrics[f"selection_rate:{label}"] = functools.partial(selection_rate, pos_label=label)
    if positive is not None:
        metrics["tpr"] = functools.partial(true_positive_rate, pos_label=positive)
        metrics["fpr"] = functools.partial(false_positive_rate, pos_label=positive)
        metrics["fnr"] = functools.partial(false_negative_rate, pos_label=positive)
        metrics["precision"] = functools.partial(precision_score, pos_label=positive, zero_division=0)
    mf = MetricFrame(metrics=metrics, y_true=np.array(gold), y_pred=np.array(pred),
                     sensitive_features=np.array(groups))
    num = lambda v: None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v)
    return {
        "labels": labels, "positive": positive, "gold": gold, "pred": pred, "groups": groups,
        "by_group": {g: {m: float(mf.by_group.loc[g, m]) for m in metrics} for g in mf.by_group.index},
        "overall": {m: float(mf.overall[m]) for m in metrics},
        "difference": {m: float(v) for m, v in mf.difference().items()},
        "ratio": {m: num(v) for m, v in mf.ratio().items()},
        "to_overall": {m: float(v) for m, v in mf.difference(method="to_overall").items()},
    }


out = {
    "binary": case(["neg", "pos"], "pos", {"a": (300, 0.85), "b": (120, 0.7), "c": (17, 0.5), "d": (40, 0.9)}, None),
    "three": case(["x", "y", "z"], None, {"a": (250, 0.8), "b": (90, 0.6), "c": (60, 0.7), "d": (25, 0.9)}, None),
}
path = Path(__file__).resolve().parent.parent / "fixtures" / "fairlearn_groups.json"
path.write_text(json.dumps(out) + "\n")
for name, c in out.items():
    print(name, c["difference"]["accuracy"], c["ratio"]["accuracy"])
