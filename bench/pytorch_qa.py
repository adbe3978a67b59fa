#!/usr/bin/env python3
"""Extractive question answering with `anneal finetune`'s recipe, in PyTorch + transformers, for
BENCHMARKS.md: run_qa.py's features (tests/reference/qa_reference.py: question first,
truncation only_second, the maximum length and doc stride), a new `qa_outputs` head on the
checkpoint (`BertForQuestionAnswering`), AdamW (eps 1e-8, no weight decay), linear warm-up over
10% of the steps then linear decay, global-norm clipping at 1.0, dynamic padding, dropout from
config.json, the windows shuffled each epoch with the seed; after each epoch the validation
questions answered through utils_qa's post-processing and scored with SQuAD v1.1's exact match
and F1; the best epoch by F1 is reported.

  python bench/pytorch_qa.py --model DIR --train SQUAD.json --valid SQUAD.json \\
      [--epochs 2 --lr 1e-4 --batch-size 16 --max-len 256 --doc-stride 64 --seed 42 --threads N]

Needs torch and transformers. Prints one JSON object.
"""
import argparse, collections, json, math, random, re, statistics, string, sys, time
from pathlib import Path

import torch
from torch.nn.utils import clip_grad_norm_
from transformers import AutoTokenizer, BertForQuestionAnswering, get_linear_schedule_with_warmup

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reference"))
import qa_reference  # noqa: E402


def squad(path):
    out = []
    for article in json.loads(Path(path).read_text(encoding="utf-8"))["data"]:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                out.append({"id": qa["id"], "question": qa["question"], "context": p["context"],
                            "answers": qa["answers"]})
    return out


# SQuAD v1.1's official scoring, as its evaluation script defines it.
def normalize(s):
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1(pred, gold):
    p, g = normalize(pred).split(), normalize(gold).split()
    same = sum((collections.Counter(p) & collections.Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def scores(examples, answers):
    em = sum(max(float(normalize(a["text"]) == normalize(g["text"])) for g in e["answers"])
             for e, a in zip(examples, answers))
    f = sum(max(f1(a["text"], g["text"]) for g in e["answers"]) for e, a in zip(examples, answers))
    return {"exact_match": 100 * em / len(examples), "f1": 100 * f / len(examples), "n": len(examples)}


def collate(tok, windows, with_labels):
    batch = tok.pad({"input_ids": [w["input_ids"] for w in windows]}, return_tensors="pt")
    if "token_type_ids" in windows[0]:
        n = batch["input_ids"].shape[1]
        batch["token_type_ids"] = torch.tensor([w["token_type_ids"] + [0] * (n - len(w["token_type_ids"]))
                                                for w in windows])
    if with_labels:
        batch["start_positions"] = torch.tensor([w["start"] for w in windows])
        batch["end_positions"] = torch.tensor([w["end"] for w in windows])
    return batch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--doc-stride", type=int, default=64)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    tok = AutoTokenizer.from_pretrained(a.model)
    model = BertForQuestionAnswering.from_pretrained(a.model)
    train, valid = squad(a.train), squad(a.valid)
    train_windows = qa_reference.features(tok, train, a.max_len, a.doc_stride)
    valid_windows = qa_reference.features(tok, valid, a.max_len, a.doc_stride)

    def evaluate():
        model.eval()
        logits = []
        with torch.no_grad():
            order = sorted(range(len(valid_windows)), key=lambda i: len(valid_windows[i]["input_ids"]))
            by_index = {}
            for i in range(0, len(order), 64):
                chunk = [valid_windows[j] for j in order[i:i + 64]]
                out = model(**collate(tok, chunk, False))
                for k, w in enumerate(chunk):
                    n = len(w["input_ids"])
                    by_index[order[i + k]] = (out.start_logits[k, :n].tolist(), out.end_logits[k, :n].tolist())
            logits = [by_index[i] for i in range(len(valid_windows))]
        return scores(valid, qa_reference.postprocess(valid, valid_windows, logits))

    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, eps=1e-8, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train_windows) / a.batch_size)
    total = steps_per_epoch * a.epochs
    sched = get_linear_schedule_with_warmup(opt, math.ceil(0.1 * total), total)
    best, epoch_times, history = None, [], []
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = list(range(len(train_windows)))
        rng.shuffle(order)
        start = time.perf_counter()
        losses = []
        for i in range(0, len(order), a.batch_size):
            loss = model(**collate(tok, [train_windows[j] for j in order[i:i + a.batch_size]], True)).loss
            losses.append(loss.item())
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        epoch_times.append(time.perf_counter() - start)
        v = evaluate()
        history.append({"epoch": epoch, "epoch_s": epoch_times[-1], "train_loss": statistics.mean(losses), **v})
        if best is None or v["f1"] > best["f1"]:
            best = dict(v, epoch=epoch)
    print(json.dumps({"best": best, "history": history, "train_windows": len(train_windows),
                      "valid_windows": len(valid_windows), "median_epoch_s": statistics.median(epoch_times),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
