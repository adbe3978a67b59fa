#!/usr/bin/env python3
"""Adds two group columns to a text,label CSV for the fairness benchmarks (BENCHMARKS.md, "Who
the model fails"): `mentions` — which gendered words a review uses (male, female, both,
neither; a small fixed word list, lower-cased words) — and `words`, its length in words (which
`anneal evaluate --group-column words` cuts into 4 equal-count buckets).

  python3 bench/group_columns.py www/samples/rotten_tomatoes_valid.csv OUT.csv
"""
import csv, re, sys
from collections import Counter

MALE = set("he him his himself man men boy boys father son brother husband king actor mr guy".split())
FEMALE = set("she her hers herself woman women girl girls mother daughter sister wife queen actress ms lady".split())

rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
counts = Counter()
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f)
    out.writerow(["text", "label", "mentions", "words"])
    for r in rows:
        words = set(re.findall(r"[a-z]+", r["text"].lower()))
        m, w = bool(words & MALE), bool(words & FEMALE)
        group = "both" if m and w else "male" if m else "female" if w else "neither"
        counts[group] += 1
        out.writerow([r["text"], r["label"], group, len(r["text"].split())])
print(dict(counts), file=sys.stderr)
