#!/usr/bin/env bash
# Pre-training quality and time, Anneal against PyTorch + transformers with the same recipe
# (bench/pytorch_pretrain.py), the same tokens (PyTorch reads the tokenizer.json Anneal wrote)
# and the same thread count, one after the other on the same machine. The two recipes of
# issue 9's goals:
#
#   mlm:  a tiny BERT (2 x 128, 2 heads) from scratch, MiniLM's WordPiece, Shakespeare,
#         batch 32, length 64, AdamW 1e-3, 1,000 steps: held-out masked-token accuracy
#   char: next-token prediction with characters (4 x 128, 4 heads, context 64, batch 12,
#         dropout 0), Shakespeare, 2,000 steps: held-out loss in nats per character
#
#   [STEPS=N] [TAG=name] bench/pretrain.sh mlm|char
#   (PYTHON: a python with torch and transformers; results in .cache/bench/$TAG, default pretrain)
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=${1:?mlm or char}
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
python=${PYTHON:-python3}
out=.cache/bench/${TAG:-pretrain}
mkdir -p "$out"
threads=$(nproc)
corpus=www/samples/shakespeare.txt
if [ "$recipe" = mlm ]; then
  steps=${STEPS:-1000}
  anneal_args=(--objective mlm --preset tiny --tokenizer model --tokenizer-from www/models/all-MiniLM-L6-v2
               --batch-size 32 --seq-len 64 --lr 1e-3)
  torch_args=(--objective mlm --layers 2 --hidden 128 --heads 2 --context 128 --batch 32 --seq 64 --lr 1e-3)
else
  steps=${STEPS:-2000}
  anneal_args=(--objective clm --preset char --tokenizer char --dropout 0 --batch-size 12 --seq-len 64 --lr 1e-3)
  torch_args=(--objective clm --layers 4 --hidden 128 --heads 4 --context 64 --dropout 0 --batch 12 --seq 64 --lr 1e-3)
fi
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/anneal-$recipe.time" \
  "$anneal" pretrain --corpus "$corpus" "${anneal_args[@]}" --steps "$steps" --device cpu \
  --out "$out/anneal-$recipe" > "$out/anneal-$recipe.json" 2> "$out/anneal-$recipe.log"
echo "{\"anneal\": {\"time\": $(cat "$out/anneal-$recipe.time"), \"result\": $(cat "$out/anneal-$recipe.json")}}"
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/pytorch-$recipe.time" \
  "$python" bench/pytorch_pretrain.py --corpus "$corpus" --tokenizer "$out/anneal-$recipe/tokenizer.json" \
  "${torch_args[@]}" --steps "$steps" --threads "$threads" > "$out/pytorch-$recipe.json" 2> "$out/pytorch-$recipe.log"
echo "{\"pytorch\": {\"time\": $(cat "$out/pytorch-$recipe.time"), \"result\": $(tail -1 "$out/pytorch-$recipe.json")}}"
