#!/usr/bin/env bash
# "What is pre-training worth?" on the bundled sentiment data (issue 9's goal): all-MiniLM-L6-v2
# fine-tuned at growing label counts from the checkpoint, from random weights of its
# architecture, and from that architecture self-pre-trained on the training texts; every run
# scored by accuracy on the same 1,280 validation reviews. Accuracy, not time, is measured here,
# so the numbers do not depend on the machine's load.
#
#   [SIZES=32,100,300] [SEEDS=3] [SELF=200] bench/compare.sh
#   (results in .cache/bench/compare/compare-SIZES-SEEDS.json, the log next to it)
set -euo pipefail
cd "$(dirname "$0")/.."
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
sizes=${SIZES:-32,100,300}
seeds=${SEEDS:-3}
out=.cache/bench/compare
mkdir -p "$out"
name="$out/compare-${sizes//,/_}-$seeds"
"$anneal" compare --model www/models/all-MiniLM-L6-v2 \
  --train www/samples/rotten_tomatoes_train.csv --valid www/samples/rotten_tomatoes_valid.csv \
  --sizes "$sizes" --seeds "$seeds" --self-pretrain-steps "${SELF:-200}" \
  --max-len 64 --batch-size 16 --lr 1e-4 --min-steps 50 --device cpu \
  > "$name.json" 2> >(tee "$name.log" >&2)
python3 - "$name.json" <<'PY'
import json, statistics, sys
c = json.load(open(sys.argv[1]))
print(f"{'labels':>7} " + " ".join(f"{k:>26}" for k in c["variants"]))
for i, n in enumerate(c["sizes"]):
    cells = []
    for scores in c["variants"].values():
        s = [100 * x for x in scores[i]]
        spread = f" ± {statistics.stdev(s):.1f}" if len(s) > 1 else ""
        cells.append(f"{statistics.mean(s):.1f}%{spread} ({', '.join(f'{x:.1f}' for x in s)})")
    print(f"{n:>7} " + " ".join(f"{x:>26}" for x in cells))
print(c["data_advantage"]["sentence"])
PY
