#!/usr/bin/env python3
"""Puts first names into the Rotten Tomatoes reviews by templates, for the benchmark of
counterfactual augmentation of names (BENCHMARKS.md, "Who the model fails"; issue 32).

A share of the reviews (60%) gets a first name in one of four templates ("Maria wrote: ...",
"... (Maria's verdict)"), drawn from a pool of 100 female and 100 male names of the pinned
lists (www/samples/first_names_*.txt; names on both lists, and the names the swap list leaves
out as English words, are not drawn). In the TRAINING file the name's gender goes with the
label — a positive review gets a female name with probability BIAS (0.8), a negative one a
male name with the same probability — the kind of spurious correlation a data set collected
from unequal sources carries. In the VALIDATION file the gender is drawn 50/50, independent of
the label. Both files get the column `name_gender` (female, male, none) to score by.

  python3 bench/name_templates.py TRAIN.csv VALID.csv OUT_TRAIN.csv OUT_VALID.csv [BIAS]
"""
import csv, random, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
samples = root / "www" / "samples"
swaps_src = (root / "src" / "shared" / "counterfactual.rs").read_text()
block = re.search(r"WORD_NAMES: &\[&str\] = &\[(.*?)\];", swaps_src, re.S).group(1)
word_names = set(re.findall(r'"([a-z]+)"', block))

def names(file):
    return {l.strip() for l in open(samples / file, encoding="utf-8") if l.strip().isalpha()}

female, male = names("first_names_female.txt"), names("first_names_male.txt")
both = {n.lower() for n in female} & {n.lower() for n in male}
usable = lambda s: sorted(n for n in s if n.lower() not in both and n.lower() not in word_names)
rng = random.Random(7)
pool = {"female": rng.sample(usable(female), 100), "male": rng.sample(usable(male), 100)}
TEMPLATES = ["{name} wrote: {text}", "{text} ({name}'s verdict)", "{name}'s review: {text}",
             "As {name} put it: {text}"]
bias = float(sys.argv[5]) if len(sys.argv) > 5 else 0.8

def named(src, dst, biased, seed):
    r = random.Random(seed)
    rows = list(csv.DictReader(open(src, newline="", encoding="utf-8")))
    counts = {}
    with open(dst, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["text", "label", "name_gender"])
        for row in rows:
            text, label, gender = row["text"], row["label"], "none"
            if r.random() < 0.6:
                if biased:
                    female_odds = bias if label == "positive" else 1 - bias
                else:
                    female_odds = 0.5
                gender = "female" if r.random() < female_odds else "male"
                text = r.choice(TEMPLATES).format(name=r.choice(pool[gender]), text=text)
            counts[(gender, label)] = counts.get((gender, label), 0) + 1
            out.writerow([text, label, gender])
    print(dst, dict(sorted(counts.items())), file=sys.stderr)

named(sys.argv[1], sys.argv[3], True, 1)
named(sys.argv[2], sys.argv[4], False, 2)
