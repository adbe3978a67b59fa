"""The PyTorch side of bench/browser_bench.py, run in a venv with torch, transformers, onnx and
onnxruntime.

    python bench/torch_peer.py export --model DIR --out PEER_DIR
        writes PEER_DIR/{config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx}: the
        fp32 BertModel exported by torch.onnx (inputs input_ids, attention_mask, token_type_ids;
        output last_hidden_state; batch and sequence axes dynamic), then checked against
        transformers' hidden states with onnxruntime on random ids. Prints the largest difference.
    python bench/torch_peer.py time --model DIR --threads N
        median seconds of the forward pass (no grad, 1 x 128 and 16 x 128) and of a fine-tuning
        step (BertForSequenceClassification, cross-entropy, backward, clip_grad_norm_ 1.0, AdamW;
        16 x 64 and 16 x 128) on random ids: the cases of Anneal's speed test. Prints JSON.
    python bench/torch_peer.py predict --model FINE_TUNED --input LINES --threads N
        what `anneal predict` does, in transformers: load the fine-tuned classifier and its
        tokenizer, tokenize every line (cut at 128 tokens), batches of 32 in file order padded to
        their longest, softmax. Median seconds of the whole (load included, Python's start and
        imports not) over --runs, and the labels. Prints JSON.
"""
import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModel, BertForSequenceClassification


def ids_for(batch, seq, vocab, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(min(1000, vocab // 2), vocab, (batch, seq), generator=g)
    return ids, torch.ones_like(ids), torch.zeros_like(ids)


def export(a):
    out = Path(a.out)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(Path(a.model) / name, out / name)
    model = AutoModel.from_pretrained(a.model, attn_implementation="eager").eval()
    vocab = model.config.vocab_size
    sample = ids_for(2, 16, vocab)
    # Traced with padding: with every position attended, transformers skips building the mask
    # and the trace would have none.
    sample[1][1, 8:] = 0
    axes = {0: "batch", 1: "sequence"}
    class Hidden(torch.nn.Module):
        """The encoder with its inputs by name (transformers' forward takes more, in another order)."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    torch.onnx.export(
        Hidden(model), sample, str(out / "onnx/model.onnx"), dynamo=False, opset_version=14,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                      "last_hidden_state": axes})
    import onnxruntime as ort

    session = ort.InferenceSession(str(out / "onnx/model.onnx"), providers=["CPUExecutionProvider"])
    # A fresh copy to compare with: exporting leaves the traced one changed.
    model = AutoModel.from_pretrained(a.model).eval()
    worst = 0.0
    for batch, seq in ((1, 128), (3, 37)):
        ids, mask, types = ids_for(batch, seq, vocab, seed=batch)
        mask[-1, seq // 2:] = 0  # padding too
        with torch.no_grad():
            want = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state.numpy()
        got = session.run(["last_hidden_state"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                                                  "token_type_ids": types.numpy()})[0]
        worst = max(worst, float(abs(got - want).max()))
        print(f"[export] {batch} x {seq}: largest difference {float(abs(got - want).max()):.2e}", file=sys.stderr)
    print(json.dumps({"onnx": str(out / "onnx/model.onnx"), "max_abs_diff": worst}))
    if worst > 1e-4:
        sys.exit(f"the ONNX export differs from transformers by {worst} (more than 1e-4)")


def timed(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs_s": times}


def time_all(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    results = []
    encoder = AutoModel.from_pretrained(a.model).eval()
    vocab = encoder.config.vocab_size
    for batch, seq in ((1, 128), (16, 128)):
        ids, mask, types = ids_for(batch, seq, vocab)

        def forward():
            with torch.no_grad():
                encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state.numpy()

        results.append({"workload": "forward", "batch": batch, "seq": seq,
                        **timed(forward, a.infer_runs, 3)})
    del encoder
    for batch, seq in ((16, 64), (16, 128)):
        model = BertForSequenceClassification.from_pretrained(a.model, num_labels=2).train()
        opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
        ids, mask, types = ids_for(batch, seq, vocab)
        labels = torch.randint(0, 2, (batch,), generator=torch.Generator().manual_seed(1))

        def step():
            loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
            loss.item()

        results.append({"workload": "step", "batch": batch, "seq": seq, **timed(step, a.step_runs, 2)})
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "timings": results}))


def predict_all(a):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    torch.set_num_threads(a.threads)
    lines = [l for l in Path(a.input).read_text().splitlines() if l.strip()]

    def predict(texts):
        tokenizer = AutoTokenizer.from_pretrained(a.model)
        model = AutoModelForSequenceClassification.from_pretrained(a.model).eval()
        labels = []
        with torch.no_grad():
            for i in range(0, len(texts), 32):
                enc = tokenizer(texts[i:i + 32], padding="longest", truncation=True, max_length=128,
                                return_tensors="pt")
                probs = model(**enc).logits.softmax(-1)
                labels += [model.config.id2label[int(k)] for k in probs.argmax(-1)]
        return labels

    timing = timed(lambda: predict(lines), a.runs, 1)
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "texts": len(lines),
                      "labels": predict(lines), **timing}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["export", "time", "predict"])
    p.add_argument("--model", required=True)
    p.add_argument("--out")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--infer-runs", type=int, default=20)
    p.add_argument("--step-runs", type=int, default=5)
    p.add_argument("--input", help="predict: a file with one text per line")
    p.add_argument("--runs", type=int, default=5, help="predict: timed runs")
    a = p.parse_args()
    {"export": export, "time": time_all, "predict": predict_all}[a.what](a)


if __name__ == "__main__":
    main()
