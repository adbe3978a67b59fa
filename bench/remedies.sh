#!/usr/bin/env bash
# "What is each remedy worth?" on the Rotten Tomatoes sample (issue 31's goals): all-MiniLM-L6-v2
# fine-tuned at 100 and 500 labels, 5 seeds, as the baseline and with each remedy (typo
# augmentation, FGM, PGD), every variant on the same subsets and run seeds; every run scored on
# the 1,280 validation reviews and attacked (at most 2 character edits) on the first 100. Prints
# each variant's mean, and its paired difference to the baseline with a 95% interval, clean and
# under attack. Accuracy, not time, is measured, so the numbers do not depend on the load.
#
#   [SIZES=100,500] [SEEDS=5] [VARIANTS=baseline,typos:2:0.3,fgm,pgd] bench/remedies.sh
#   (results in .cache/bench/remedies/, the log next to them)
set -euo pipefail
cd "$(dirname "$0")/.."
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
sizes=${SIZES:-100,500}
seeds=${SEEDS:-5}
variants=${VARIANTS:-baseline,typos:2:0.3,fgm,pgd}
out=.cache/bench/remedies
mkdir -p "$out"
name="$out/remedies-${sizes//,/_}-$seeds"
"$anneal" compare --model www/models/all-MiniLM-L6-v2 \
  --train www/samples/rotten_tomatoes_train.csv --valid www/samples/rotten_tomatoes_valid.csv \
  --sizes "$sizes" --seeds "$seeds" --variants "$variants" --attack chars --attack-examples 100 \
  --max-len 64 --batch-size 16 --lr 1e-4 --min-steps 50 --device cpu \
  > "$name.json" 2> >(tee "$name.log" >&2)
python3 bench/remedies_table.py "$name.json"
