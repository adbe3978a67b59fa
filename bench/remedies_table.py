"""The table of `anneal compare --variants ... --attack ...` JSON: per variant and label count,
the mean and sd over seeds, clean and under attack, and the paired difference to the baseline
with its 95% interval (as the comparison computed it)."""
import json
import statistics
import sys

c = json.load(open(sys.argv[1]))
print("| variant | labels | clean accuracy | paired difference | under attack | paired difference |")
print("|---|---|---|---|---|---|")


def cell(scores):
    s = [100 * x for x in scores]
    sd = f" ± {statistics.stdev(s):.1f}" if len(s) > 1 else ""
    return f"{statistics.mean(s):.1f}{sd}"


def diff(paired, name, size):
    for d in paired.get(name, []):
        if d["size"] == size:
            lo, hi = (100 * x for x in d["ci95"])
            mark = "" if lo > 0 or hi < 0 else " (no effect measured)"
            return f"{100 * d['mean_diff']:+.1f} [{lo:+.1f}, {hi:+.1f}]{mark}"
    return "—"


for v in c["order"]:
    name = v["name"]
    for i, size in enumerate(c["sizes"]):
        clean = c["variants"][name][i]
        attacked = c.get("attacked", {}).get(name, [[]] * len(c["sizes"]))[i]
        print(f"| {name} | {size} | {cell(clean)} | {diff(c['paired'], name, size)} | "
              f"{cell(attacked) if attacked else '—'} | {diff(c.get('paired_attacked', {}), name, size)} |")
