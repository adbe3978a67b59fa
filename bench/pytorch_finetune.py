#!/usr/bin/env python3
"""The same fine-tuning recipe as `anneal finetune`, in PyTorch + transformers, for BENCHMARKS.md.

Recipe (Anneal's defaults): the whole model, AdamW (eps 1e-8, no weight decay), peak lr 1e-4 with
linear warm-up over 10% of the steps then linear decay, batch 32, 3 epochs, max length 128,
dynamic padding, global-norm clipping at 1.0, dropout from config.json; the best epoch by
validation macro-F1 (entity F1 for NER) is kept and scored on the test file.

  python bench/pytorch_finetune.py classify --model DIR --train F --valid F --test F [--threads N]
  python bench/pytorch_finetune.py ner      --model DIR --train F --valid F --test F

Needs torch, transformers and seqeval. Prints one JSON object.
"""
import argparse, copy, csv, json, math, random, statistics, time

import torch
from torch.nn.utils import clip_grad_norm_
from transformers import (AutoTokenizer, BertForSequenceClassification, BertForTokenClassification,
                          get_linear_schedule_with_warmup)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["text"], r["label"]) for r in csv.DictReader(f)]


def read_conll(path):
    out, words, tags = [], [], []
    for line in open(path, encoding="utf-8"):
        fields = line.split()
        if not fields:
            if words:
                out.append((words, tags))
            words, tags = [], []
        else:
            words.append(fields[0])
            tags.append(fields[-1])
    if words:
        out.append((words, tags))
    return out


def batches(items, size, shuffle, rng):
    order = list(range(len(items)))
    if shuffle:
        rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [items[j] for j in order[i:i + size]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["classify", "ner"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    tok = AutoTokenizer.from_pretrained(a.model)

    if a.task == "classify":
        train, valid, test = read_csv(a.train), read_csv(a.valid), read_csv(a.test)
        names = sorted({y for _, y in train + valid})
        model = BertForSequenceClassification.from_pretrained(a.model, num_labels=len(names))

        def encode(batch):
            enc = tok([t for t, _ in batch], padding=True, truncation=True, max_length=a.max_len, return_tensors="pt")
            enc["labels"] = torch.tensor([names.index(y) for _, y in batch])
            return enc

    else:
        train, valid, test = read_conll(a.train), read_conll(a.valid), read_conll(a.test)
        types = sorted({t.split("-", 1)[1] for _, tags in train + valid for t in tags if t != "O"})
        names = ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]
        model = BertForTokenClassification.from_pretrained(a.model, num_labels=len(names))

        def encode(batch):
            enc = tok([w for w, _ in batch], is_split_into_words=True, padding=True, truncation=True,
                      max_length=a.max_len, return_tensors="pt")
            labels = []
            for i, (_, tags) in enumerate(batch):
                prev, row = None, []
                for w in enc.word_ids(i):
                    row.append(-100 if w is None or w == prev else names.index(tags[w]))
                    prev = w
                labels.append(row)
            enc["labels"] = torch.tensor(labels)
            return enc

    def evaluate(data):
        model.eval()
        gold, pred = [], []
        with torch.no_grad():
            for b in batches(data, 64, False, rng):
                enc = encode(b)
                labels = enc.pop("labels")
                p = model(**enc).logits.argmax(-1)
                if a.task == "classify":
                    gold += labels.tolist()
                    pred += p.tolist()
                else:
                    for g_row, p_row in zip(labels.tolist(), p.tolist()):
                        keep = [i for i, g in enumerate(g_row) if g != -100]
                        gold.append([names[g_row[i]] for i in keep])
                        pred.append([names[p_row[i]] for i in keep])
        if a.task == "classify":
            acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
            f1s = []
            for c in range(len(names)):
                tp = sum(g == c and p == c for g, p in zip(gold, pred))
                pp, ap_ = sum(p == c for p in pred), sum(g == c for g in gold)
                prec, rec = (tp / pp if pp else 0.0), (tp / ap_ if ap_ else 0.0)
                f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
            return {"accuracy": acc, "macro_f1": sum(f1s) / len(f1s), "score": sum(f1s) / len(f1s)}
        from seqeval.metrics import f1_score, precision_score, recall_score
        f1 = f1_score(gold, pred)
        return {"precision": precision_score(gold, pred), "recall": recall_score(gold, pred), "f1": f1, "score": f1}

    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, eps=1e-8, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train) / a.batch_size)
    total = steps_per_epoch * a.epochs
    sched = get_linear_schedule_with_warmup(opt, math.ceil(0.1 * total), total)
    best, best_state, epoch_times, history = None, None, [], []
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        for b in batches(train, a.batch_size, True, rng):
            loss = model(**encode(b)).loss
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        epoch_times.append(time.perf_counter() - start)
        v = evaluate(valid)
        history.append({"epoch": epoch, **v})
        if best is None or v["score"] > best[1]:
            best, best_state = (epoch, v["score"]), copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    result = {"task": a.task, "best_epoch": best[0], "test": evaluate(test), "history": history,
              "median_epoch_s": statistics.median(epoch_times), "threads": torch.get_num_threads(),
              "torch": torch.__version__}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
