#!/usr/bin/env bash
# Who does the model fail, and does counterfactual augmentation help? (issue 32). For each seed,
# all-MiniLM-L6-v2 is fine-tuned on the 2,000-review Rotten Tomatoes sample (2 epochs, max
# length 64) as it is and with --augment cda (each review with gendered words also trained with
# them swapped), the same split and run seed for both; then each model is
#   - scored by group on the 1,280 validation reviews (bench/group_columns.py adds which
#     gendered words a review uses, `mentions`, and its length, `words`),
#   - tested with counterfactuals: the gendered words of the validation reviews swapped, and
#     the 20 neutral sentences of bench/gendered_sentences.txt swapped,
# and bench/fairness_table.py prints the means over seeds and the paired differences with
# their 95% intervals. Accuracy and flips are measured, not time.
#
#   [SEEDS="1 2 3 4 5"] bench/fairness.sh      (results in .cache/bench/fairness/)
set -euo pipefail
cd "$(dirname "$0")/.."
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
out=.cache/bench/fairness
mkdir -p "$out"
python3 bench/group_columns.py www/samples/rotten_tomatoes_valid.csv "$out/valid_groups.csv"
for seed in ${SEEDS:-1 2 3 4 5}; do
  for variant in baseline cda; do
    run="$out/$variant-$seed"
    extra=()
    [ "$variant" = cda ] && extra=(--augment cda)
    if [ ! -f "$run/model.safetensors" ]; then
      "$anneal" finetune --model www/models/all-MiniLM-L6-v2 \
        --train www/samples/rotten_tomatoes_small.csv --epochs 2 --max-len 64 --lr 1e-4 \
        --seed "$seed" --device cpu "${extra[@]}" --out "$run" 2> "$run.log"
    fi
    "$anneal" evaluate --model "$run" --data "$out/valid_groups.csv" --group-column mentions \
      --max-len 64 --json --device cpu > "$run.groups.json" 2>> "$run.log"
    "$anneal" counterfactual --model "$run" --swap gender --data www/samples/rotten_tomatoes_valid.csv \
      --max-len 64 --json --device cpu > "$run.valid-cf.json" 2>> "$run.log"
    "$anneal" counterfactual --model "$run" --swap gender --data bench/gendered_sentences.txt \
      --max-len 64 --json --device cpu > "$run.sentences-cf.json" 2>> "$run.log"
    echo "seed $seed $variant done" >&2
  done
done
python3 bench/fairness_table.py "$out"
