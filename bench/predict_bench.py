"""`anneal predict` beside PyTorch on the same machine (issue 10):

    python3 bench/predict_bench.py

Fine-tunes all-MiniLM-L6-v2 on the small sentiment sample once (`anneal finetune`, one epoch,
cached in .cache/bench/minilm-sentiment), then times, natively on the CPU, what a person waits
for at the terminal:
- one text of 128 tokens (reviews joined and cut at 128): latency;
- the first 1,000 reviews of the sentiment test sample, one per line: throughput;
each as `anneal predict --device cpu --input FILE` (the whole process: start, model load,
tokenizing, batches of 32, output) and as the same in transformers (`bench/torch_peer.py
predict`: load, tokenize, batches of 32 padded to their longest, softmax; Python's start and
imports are left out, which favours PyTorch). Medians of --runs after one warm-up, both with
every core. Also checks that both label the 1,000 reviews the same (the same fine-tuned model).
Prints a table; the results go to .cache/bench/predict-bench.json.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_bench import ROOT, MODEL, cli_build, cpu_model, log, run, torch_python  # noqa: E402

WORK = ROOT / ".cache/bench"
TUNED = WORK / "minilm-sentiment"


def inputs():
    with open(ROOT / "www/samples/rotten_tomatoes_test.csv", newline="") as f:
        reviews = [row["text"].replace("\n", " ") for row in csv.DictReader(f)]
    lines = WORK / "predict-1000.txt"
    lines.write_text("\n".join(reviews[:1000]) + "\n")
    long = WORK / "predict-one.txt"
    long.write_text(" ".join(reviews[:12]) + "\n")  # well over 128 tokens, cut at 128 by both
    return lines, long


def anneal(cli, path, runs):
    def once():
        out = subprocess.run([cli, "predict", "--model", TUNED, "--input", path, "--device", "cpu"],
                             check=True, capture_output=True, text=True).stdout
        return [json.loads(l)["label"] for l in out.splitlines() if l.strip()]

    labels = once()  # warm-up (and the file cache)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs_s": times,
            "labels": labels}


def pytorch(python, path, runs):
    out = subprocess.run([python, ROOT / "bench/torch_peer.py", "predict", "--model", TUNED,
                          "--input", path, "--threads", str(os.cpu_count()), "--runs", str(runs)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--python", help="a python with torch and transformers (default: a cached venv)")
    p.add_argument("--out", type=Path, default=WORK / "predict-bench.json")
    a = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    python = torch_python(a.python)
    cli = cli_build()
    if not (TUNED / "model.safetensors").exists():
        run([cli, "finetune", "--model", MODEL, "--train", ROOT / "www/samples/rotten_tomatoes_small.csv",
             "--epochs", "1", "--device", "cpu", "--out", TUNED])
    lines, long = inputs()
    results = {"cpu": cpu_model(), "threads": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M")}
    for name, path in (("one text, 128 tokens", long), ("1,000 reviews", lines)):
        log("timing", name)
        results[name] = {"anneal": anneal(cli, path, a.runs), "pytorch": pytorch(python, path, a.runs)}
    a.out.write_text(json.dumps(results, indent=1))

    print(f"{results['cpu']}, {results['threads']} threads, {results['date']}")
    print(f"{'input':<22} {'anneal predict':>15} {'PyTorch':>10} {'ratio':>7}")
    for name in ("one text, 128 tokens", "1,000 reviews"):
        r = results[name]
        ours, theirs = r["anneal"]["median_s"], r["pytorch"]["median_s"]
        print(f"{name:<22} {ours:>13.3f} s {theirs:>8.3f} s {ours / theirs:>7.2f}")
    ours, theirs = results["1,000 reviews"]["anneal"]["labels"], results["1,000 reviews"]["pytorch"]["labels"]
    same = sum(x == y for x, y in zip(ours, theirs))
    print(f"the same label for {same} of {len(theirs)} reviews")
    if len(ours) != len(theirs) or same < len(theirs) - 2:
        sys.exit("Anneal and PyTorch disagree on the labels: not the same model, or a bug")


if __name__ == "__main__":
    main()
