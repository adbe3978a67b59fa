#!/usr/bin/env python3
"""The table of bench/fairness.sh: for the baseline and counterfactual augmentation (cda), the
mean ± sd over seeds of validation accuracy, the accuracy gap between the groups of `mentions`
(male vs female words; the group "both" is under 30 reviews), the flip rate and mean |shift|
of gender swaps on the validation reviews and on the 20 neutral sentences; and cda's paired
difference to the baseline (by seed) with Student's t 95% interval. With `names`, the table of
bench/fairness_names.sh: accuracy, accuracy and the share predicted positive (selection rate)
and false positive rate by the name's gender, and the flip rate and mean |shift| of name swaps
on the validation reviews and on the templates.

  python3 bench/fairness_table.py .cache/bench/fairness
  python3 bench/fairness_table.py .cache/bench/fairness-names names
"""
import json, math, statistics, sys
from pathlib import Path

T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 7: 2.3646, 8: 2.3060, 9: 2.2622}
out = Path(sys.argv[1])


def measures(run):
    g = json.loads((out / f"{run}.groups.json").read_text())
    v = json.loads((out / f"{run}.valid-cf.json").read_text())
    s = json.loads((out / f"{run}.sentences-cf.json").read_text())
    return {
        "accuracy": 100 * g["accuracy"],
        "accuracy male": 100 * g["groups"]["male"]["accuracy"],
        "accuracy female": 100 * g["groups"]["female"]["accuracy"],
        "male - female": 100 * (g["groups"]["male"]["accuracy"] - g["groups"]["female"]["accuracy"]),
        "flip rate, reviews": 100 * v["flip_rate"],
        "mean abs shift, reviews": 100 * v["mean_abs_shift"],
        "flip rate, sentences": 100 * s["flip_rate"],
        "mean abs shift, sentences": 100 * s["mean_abs_shift"],
    }


def name_measures(run):
    g = json.loads((out / f"{run}.groups.json").read_text())
    v = json.loads((out / f"{run}.valid-cf.json").read_text())
    t = json.loads((out / f"{run}.templates-cf.json").read_text())
    f, m = g["groups"]["female"], g["groups"]["male"]
    return {
        "accuracy": 100 * g["accuracy"],
        "accuracy, female names": 100 * f["accuracy"],
        "accuracy, male names": 100 * m["accuracy"],
        "accuracy gap, female - male": 100 * (f["accuracy"] - m["accuracy"]),
        "predicted positive, female - male": 100 * (f["selection_rate"]["positive"] - m["selection_rate"]["positive"]),
        "false positive rate, female - male": 100 * (f["fpr"] - m["fpr"]),
        "flip rate, reviews": 100 * v["flip_rate"],
        "mean abs shift, reviews": 100 * v["mean_abs_shift"],
        "flip rate, templates": 100 * t["flip_rate"],
        "mean abs shift, templates": 100 * t["mean_abs_shift"],
    }


if len(sys.argv) > 2 and sys.argv[2] == "names":
    measures = name_measures

seeds = sorted({p.name.split("-")[1].split(".")[0] for p in out.glob("baseline-*.groups.json")}
               & {p.name.split("-")[1].split(".")[0] for p in out.glob("cda-*.groups.json")})
base = {s: measures(f"baseline-{s}") for s in seeds}
cda = {s: measures(f"cda-{s}") for s in seeds}
print(f"{len(seeds)} seeds: {', '.join(seeds)} (values in percent / points)")
print("| measure | baseline | cda | paired difference (cda - baseline) |")
print("|---|---|---|---|")
for key in base[seeds[0]]:
    b = [base[s][key] for s in seeds]
    c = [cda[s][key] for s in seeds]
    d = [y - x for x, y in zip(b, c)]
    sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
    cell = lambda v: f"{statistics.mean(v):.1f} ± {sd(v):.1f}"
    if len(d) > 1:
        half = T975[len(d) - 1] * sd(d) / math.sqrt(len(d))
        m = statistics.mean(d)
        verdict = " (no effect measured)" if m - half <= 0 <= m + half else ""
        diff = f"{m:+.1f} [{m - half:+.1f}, {m + half:+.1f}]{verdict}"
    else:
        diff = "—"
    print(f"| {key} | {cell(b)} | {cell(c)} | {diff} |")
