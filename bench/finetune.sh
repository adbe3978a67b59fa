#!/usr/bin/env bash
# Fine-tuning quality and time, Anneal against PyTorch + transformers with the same recipe
# (bench/pytorch_finetune.py), the same data splits and the same thread count, one after the
# other on the same machine. Prints one JSON line per run; results also go to .cache/bench/.
#
#   [SEED=42] [MODEL=dir] [TAG=name] bench/finetune.sh classify|ner
#   (PYTHON: a python with torch, transformers, seqeval; results in .cache/bench/$TAG, default seed-$SEED)
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:?classify or ner}
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
python=${PYTHON:-python3}
model=${MODEL:-www/models/all-MiniLM-L6-v2}
out=.cache/bench/${TAG:-seed-${SEED:-42}}
mkdir -p "$out"
threads=$(nproc)
seed=${SEED:-42}
if [ "$task" = classify ]; then
  train=www/samples/rotten_tomatoes_train.csv valid=www/samples/rotten_tomatoes_valid.csv test=www/samples/rotten_tomatoes_test.csv
else
  train=www/samples/wnut16_train.conll valid=www/samples/wnut16_valid.conll test=www/samples/wnut16_test.conll
fi
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/anneal-$task.time" \
  "$anneal" finetune --model "$model" --train "$train" --valid "$valid" --device cpu --seed "$seed" --out "$out/anneal-$task" 2> "$out/anneal-$task.log"
"$anneal" evaluate --model "$out/anneal-$task" --data "$test" --json --device cpu > "$out/anneal-$task.test.json"
echo "{\"anneal\": {\"time\": $(cat "$out/anneal-$task.time"), \"test\": $(cat "$out/anneal-$task.test.json")}}"
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/pytorch-$task.time" \
  "$python" bench/pytorch_finetune.py "$task" --model "$model" --train "$train" --valid "$valid" --test "$test" \
  --threads "$threads" --seed "$seed" > "$out/pytorch-$task.json" 2> "$out/pytorch-$task.log"
echo "{\"pytorch\": {\"time\": $(cat "$out/pytorch-$task.time"), \"result\": $(cat "$out/pytorch-$task.json")}}"
