#!/usr/bin/env bash
# Extractive question answering, Anneal against PyTorch + transformers with the same recipe
# (bench/pytorch_qa.py): all-MiniLM-L6-v2 (no QA head: a new one) fine-tuned on 2,000 SQuAD v1.1
# training questions, 2 epochs, lr 1e-4, batch 16, max length 256, doc stride 64, seed 42, and
# scored on 1,000 SQuAD v1.1 dev questions (exact match and F1); each side's seconds per epoch
# (its steps; evaluation aside). One after the other on the same machine, the same thread count.
# Prints one JSON line per side; results also go to .cache/bench/qa-$TAG.
#
#   [SEED=42] [TAG=name] [PYTHON=python-with-torch] bench/qa.sh
set -euo pipefail
cd "$(dirname "$0")/.."
anneal=${ANNEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/anneal/target}/debug/anneal}
python=${PYTHON:-$HOME/.cache/anneal/venv-ref/bin/python}
model=${MODEL:-www/models/all-MiniLM-L6-v2}
seed=${SEED:-42}
out=.cache/bench/qa-${TAG:-seed-$seed}
mkdir -p "$out"
python3 scripts/assets.py
# 2,000 training questions (whole passages of seeded random articles) and 1,000 dev questions.
python3 - "$out" <<'PY'
import json, random, sys
from pathlib import Path
squad, out = Path.home() / ".cache/anneal/squad", Path(sys.argv[1])
def take(name, n, seed):
    data = json.loads((squad / name).read_text(encoding="utf-8"))["data"]
    paragraphs = [(a["title"], p) for a in data for p in a["paragraphs"]]
    random.Random(seed).shuffle(paragraphs)
    picked, count = [], 0
    for title, p in paragraphs:
        if count >= n:
            break
        qas = p["qas"][: n - count]
        picked.append({"title": title, "paragraphs": [dict(p, qas=qas)]})
        count += len(qas)
    return {"version": "1.1", "data": picked}
(out / "train.json").write_text(json.dumps(take("train-v1.1.json", 2000, 42)), encoding="utf-8")
(out / "dev.json").write_text(json.dumps(take("dev-v1.1.json", 1000, 43)), encoding="utf-8")
PY
recipe=(--epochs 2 --lr 1e-4 --batch-size 16 --max-len 256 --doc-stride 64 --seed "$seed")
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/anneal.time" \
  "$anneal" finetune --model "$model" --train "$out/train.json" --valid "$out/dev.json" --device cpu \
  "${recipe[@]}" --out "$out/anneal" 2> "$out/anneal.log"
"$anneal" evaluate --model "$out/anneal" --data "$out/dev.json" --json --device cpu > "$out/anneal.dev.json"
epochs=$(python3 -c "import json,sys; h=json.load(open('$out/anneal/training.json'))['history']; print(json.dumps([e['epoch_s'] for e in h if e.get('event') == 'evaluated']))")
echo "{\"anneal\": {\"time\": $(cat "$out/anneal.time"), \"epoch_s\": $epochs, \"dev\": $(cat "$out/anneal.dev.json")}}"
/usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o "$out/pytorch.time" \
  "$python" bench/pytorch_qa.py --model "$model" --train "$out/train.json" --valid "$out/dev.json" \
  "${recipe[@]}" --threads "$(nproc)" > "$out/pytorch.json" 2> "$out/pytorch.log"
echo "{\"pytorch\": {\"time\": $(cat "$out/pytorch.time"), \"result\": $(cat "$out/pytorch.json")}}"
