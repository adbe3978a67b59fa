#!/usr/bin/env bash
# Counterfactual augmentation of names (issue 32): the Rotten Tomatoes sample with first names
# put in by templates (bench/name_templates.py: in the training file a name's gender goes with
# the label 80/20, in the validation file it is drawn 50/50), all-MiniLM-L6-v2 fine-tuned on
# it (2 epochs, max length 64) as it is and with --augment cda:names (each named review also
# trained with its names swapped for names of the other gender), the same split and run seed
# for both, for each seed; then each model is
#   - scored by the name's gender on the validation reviews (`name_gender`: female, male, none;
#     the positive label `positive`, so TPR and FPR by group),
#   - tested with counterfactuals: the names of the validation reviews swapped, and 600 neutral
#     sentences from three templates with a {name} slot,
# and bench/fairness_table.py names prints the means over seeds and the paired differences with
# their 95% intervals. Accuracy and flips are measured, not time.
#
#   [SEEDS="1 2 3 4 5"] bench/fairness_names.sh      (results in .cache/bench/fairness-names/)
set -euo pipefail
cd "$(dirname "$0")/.."
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
out=.cache/bench/fairness-names
mkdir -p "$out"
python3 bench/name_templates.py www/samples/rotten_tomatoes_small.csv \
  www/samples/rotten_tomatoes_valid.csv "$out/train.csv" "$out/valid.csv"
for seed in ${SEEDS:-1 2 3 4 5}; do
  for variant in baseline cda; do
    run="$out/$variant-$seed"
    extra=()
    [ "$variant" = cda ] && extra=(--augment cda:names)
    if [ ! -f "$run/model.safetensors" ]; then
      "$anneal" finetune --model www/models/all-MiniLM-L6-v2 --train "$out/train.csv" \
        --epochs 2 --max-len 64 --lr 1e-4 --seed "$seed" --device cpu "${extra[@]}" \
        --out "$run" 2> "$run.log"
    fi
    "$anneal" evaluate --model "$run" --data "$out/valid.csv" --group-column name_gender \
      --positive-label positive --max-len 64 --json --device cpu > "$run.groups.json" 2>> "$run.log"
    "$anneal" counterfactual --model "$run" --swap names --data "$out/valid.csv" \
      --max-len 64 --json --device cpu > "$run.valid-cf.json" 2>> "$run.log"
    "$anneal" counterfactual --model "$run" --swap names --template "{name} was at the restaurant." \
      --template "{name} wrote this review." --template "I watched it with {name}." \
      --per-template 200 --max-len 64 --json --device cpu > "$run.templates-cf.json" 2>> "$run.log"
    echo "seed $seed $variant done" >&2
  done
done
python3 bench/fairness_table.py "$out" names
