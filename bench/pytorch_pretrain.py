#!/usr/bin/env python3
"""The same pre-training recipe as `anneal pretrain`, in PyTorch + transformers, for BENCHMARKS.md.

Recipe (Anneal's): the corpus tokenized without special tokens in pieces of ~8,192 characters cut
at line breaks, the last 10% of the tokens held out; each step draws `batch` blocks at random
offsets of the training tokens, framed `[CLS] block [SEP]` (mlm) or `[CLS] block` (clm) to
`seq` tokens; BERT's masking (15% of non-special tokens; 80% [MASK], 10% random, 10% kept) or
next-token targets; AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01), linear warm-up over 5%
of the steps then linear decay, global-norm clipping at 1.0; a new BertForMaskedLM or causal
BertLMHeadModel (intermediate 4x, GELU, initializer_range 0.02). Held-out scores on up to 8
batches of non-overlapping blocks of the tail, with the same masks at every evaluation.

  python bench/pytorch_pretrain.py --corpus www/samples/shakespeare.txt --tokenizer DIR/tokenizer.json \\
      --objective mlm --layers 2 --hidden 128 --heads 2 --steps 1000 --batch 32 --seq 64 --lr 1e-3

Give it the tokenizer.json that `anneal pretrain` wrote, so that both see the same tokens.
Prints one JSON line per evaluation and a final JSON object. With `--score DIR` it only scores
an exported model (Anneal's) on the same held-out blocks with the same masks as its own runs.
"""
import argparse, json, math, random, time

import torch
from tokenizers import Tokenizer
from torch.nn.utils import clip_grad_norm_
from transformers import BertConfig, BertForMaskedLM, BertLMHeadModel, get_linear_schedule_with_warmup


def pieces(text, size=8192):
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            nl = text.rfind("\n", start, end)
            if nl >= start:
                end = nl + 1
        yield text[start:end]
        start = end


def frame(block, a, cls, sep):
    return [cls] + block + ([sep] if a.objective == "mlm" else [])


def batch(blocks, a, ids, rng):
    cls, sep, mask_id, pad = ids["[CLS]"], ids["[SEP]"], ids["[MASK]"], ids["[PAD]"]
    special = {ids[t] for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]}
    framed = [frame(b, a, cls, sep) for b in blocks]
    seq = max(len(f) for f in framed)
    inputs, att, labels = [], [], []
    for f in framed:
        lab = [-100] * seq
        inp = list(f)
        if a.objective == "mlm":
            chosen = [i for i in range(len(f)) if f[i] not in special and rng.random() < 0.15]
            if not chosen:
                cands = [i for i in range(len(f)) if f[i] not in special]
                chosen = [rng.choice(cands)] if cands else []
            for i in chosen:
                lab[i] = f[i]
                r = rng.random()
                if r < 0.8:
                    inp[i] = mask_id
                elif r < 0.9:
                    inp[i] = rng.randrange(a.vocab)
        else:
            lab[: len(f)] = f  # BertLMHeadModel shifts the labels itself
        inputs.append(inp + [pad] * (seq - len(f)))
        att.append([1] * len(f) + [0] * (seq - len(f)))
        labels.append(lab)
    return dict(input_ids=torch.tensor(inputs), attention_mask=torch.tensor(att), labels=torch.tensor(labels))


@torch.no_grad()
def score(model, heldout, a, ids):
    model.eval()
    rng = random.Random(a.seed ^ 0x5EEDE7A1)
    total, correct, count = 0.0, 0, 0
    for i in range(0, len(heldout), a.batch):
        b = batch(heldout[i:i + a.batch], a, ids, rng)
        logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
        labels = b["labels"]
        if a.objective == "clm":
            logits, labels = logits[:, :-1], labels[:, 1:]
        keep = labels != -100
        lg, lb = logits[keep], labels[keep]
        total += torch.nn.functional.cross_entropy(lg, lb, reduction="sum").item()
        correct += (lg.argmax(-1) == lb).sum().item()
        count += lb.numel()
    model.train()
    return {"loss": total / count, "accuracy": correct / count, "predicted": count}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--objective", choices=["mlm", "clm"], default="mlm")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-ratio", type=float, default=0.05)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-batches", type=int, default=8)
    ap.add_argument("--heldout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--score", help="only score this exported model (e.g. Anneal's) on the held-out "
                    "blocks, with the same masks as this script's own evaluations")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tok = Tokenizer.from_file(a.tokenizer)
    tok.no_padding()  # all-MiniLM-L6-v2's tokenizer.json pads and truncates to 128
    tok.no_truncation()
    ids = tok.get_vocab()
    a.vocab = tok.get_vocab_size()
    text = open(a.corpus, encoding="utf-8").read()
    stream = []
    for p in pieces(text):
        stream += tok.encode(p, add_special_tokens=False).ids
    cut = len(stream) - round(len(stream) * a.heldout)
    train, tail = stream[:cut], stream[cut:]
    content = a.seq - (2 if a.objective == "mlm" else 1)
    heldout = [tail[i:i + content] for i in range(0, len(tail), content)]
    heldout = [b for b in heldout if len(b) >= 2][: a.eval_batches * a.batch]
    config = BertConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers,
                        num_attention_heads=a.heads, intermediate_size=4 * a.hidden,
                        max_position_embeddings=max(a.context, a.seq), hidden_dropout_prob=a.dropout,
                        attention_probs_dropout_prob=a.dropout, pad_token_id=ids["[PAD]"],
                        is_decoder=a.objective == "clm")
    cls = BertForMaskedLM if a.objective == "mlm" else BertLMHeadModel
    if a.score:
        scored = cls.from_pretrained(a.score)
        print(json.dumps({"scored": a.score, **score(scored, heldout, a, ids)}))
        return
    model = cls(config)
    model.train()
    params = sum(p.numel() for p in model.parameters())
    optim = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(optim, math.ceil(a.steps * a.warmup_ratio), a.steps)
    rng = random.Random(a.seed)
    evals, losses = [], []
    start = time.perf_counter()
    train_s = 0.0
    for step in range(a.steps + 1):
        if step == 0 or step == a.steps or step % a.eval_every == 0:
            e = {"step": step, **score(model, heldout, a, ids)}
            evals.append(e)
            print(json.dumps(e), flush=True)
        if step == a.steps:
            break
        t0 = time.perf_counter()
        span = min(content, len(train))
        blocks = []
        for _ in range(a.batch):
            s = rng.randrange(len(train) - span + 1)
            blocks.append(train[s:s + span])
        loss = model(**batch(blocks, a, ids, rng)).loss
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        sched.step()
        optim.zero_grad()
        losses.append(loss.item())
        train_s += time.perf_counter() - t0
    tokens = a.steps * a.batch * a.seq
    print(json.dumps({"objective": a.objective, "parameters": params, "steps": a.steps,
                      "train_loss": sum(losses[-50:]) / len(losses[-50:]),
                      "heldout_loss": evals[-1]["loss"], "heldout_accuracy": evals[-1]["accuracy"],
                      "best_heldout_loss": min(e["loss"] for e in evals),
                      "train_s": train_s, "wall_s": time.perf_counter() - start,
                      "tokens_per_s": tokens / train_s, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
