"""The default model fine-tuned in headless Chromium, through the app, on a 500-example Rotten
Tomatoes subset (400 train / 100 validation): time per epoch and validation accuracy.

    scripts/app's build (dist/) must exist:  trunk build --release
    ~/.cache/anneal/venv-e2e/bin/python bench/browser_finetune.py --mode cpu --epochs 3
    ~/.cache/anneal/venv-e2e/bin/python bench/browser_finetune.py --mode webgpu --max-steps 4

`--mode webgpu` uses WebGPU (SwiftShader on a machine without a GPU: correct but slow, so
`--max-steps` cancels after that many steps and reports the step time); `--mode cpu` uses
burn's Flex backend in WebAssembly. Results go to .cache/bench/browser-<mode>.json.
"""
import argparse
import csv
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/e2e"))
import app as e2e  # noqa: E402
import server  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def subset(out: Path, n=500, seed=0):
    rows = list(csv.DictReader(open(ROOT / "www/samples/rotten_tomatoes_train.csv")))
    random.Random(seed).shuffle(rows)
    chosen = []
    for label in ("positive", "negative"):
        chosen += [r for r in rows if r["label"] == label][: n // 2]
    random.Random(seed + 1).shuffle(chosen)
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["text", "label"])
        w.writeheader()
        for r in chosen:
            w.writerow({"text": r["text"], "label": r["label"]})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["webgpu", "cpu"], required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--max-steps", type=int, default=0, help="cancel after this many steps")
    p.add_argument("--lr", default="0.0001")
    p.add_argument("--max-len", type=int, default=64)
    p.add_argument("--model", type=Path, help="a model folder to load from files instead of the default")
    p.add_argument("--layers", type=int, default=0, help="keep only the first N layers (0: all)")
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="anneal-bench-"))
    data = work / "rotten_tomatoes_500.csv"
    subset(data)
    srv, port, recorder = server.start(ROOT / "dist", work)
    options = e2e.browser(a.mode, work, work / "profile")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    app = e2e.App(driver)
    result = {"mode": a.mode, "model": str(a.model or "default"), "layers": a.layers or "all", "epochs": a.epochs, "lr": a.lr, "max_len": a.max_len, "batch_size": 16,
              "train_examples": 400, "valid_examples": 100}
    try:
        query = "?backend=cpu" if a.mode == "cpu" else ""
        driver.get(f"http://127.0.0.1:{port}/{query}")
        t0 = time.time()
        app.wait("the default model", lambda: "loaded all-MiniLM-L6-v2" in app.text("model-status"), 600)
        if a.layers:
            keep = driver.find_element(By.CSS_SELECTOR, "#model input[type=number]")
            keep.send_keys(str(a.layers))
        if a.model or a.layers:
            model = a.model or ROOT / "dist/models/all-MiniLM-L6-v2"
            files = [model / f for f in ("config.json", "model.safetensors", "tokenizer.json")]
            app.el("model-file-input").send_keys("\n".join(str(f.resolve()) for f in files))
            app.wait("the model from files", lambda: "loaded local-model" in app.text("model-status"), 600)
        result["backend"] = app.text("backend-info")
        result["model_load_s"] = round(time.time() - t0, 1)
        app.el("data-file-input").send_keys(str(data))
        app.wait("the data", lambda: "500 kept" in app.text("data-counts"), 60)
        driver.execute_script("""
            const r = document.querySelector('#data input[type=range]');
            const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            set.call(r, '0.2'); r.dispatchEvent(new Event('input', {bubbles: true}));""")
        app.set_number("train-epochs", a.epochs)
        app.set_number("train-max-len", a.max_len)
        app.set_number("train-batch-size", 16)
        app.set_number("train-lr", a.lr)
        app.el("train-start").click()
        started = time.time()
        epoch_times, seen_rows, step_times = [], 0, []
        while True:
            status = app.text("train-status")
            rows = driver.find_elements(By.CSS_SELECTOR, "#train table.epochs tbody tr")
            if len(rows) > seen_rows:
                seen_rows = len(rows)
                epoch_times.append(round(time.time() - started - sum(epoch_times), 1))
                print(f"[bench] epoch {seen_rows}: {epoch_times[-1]} s, {rows[-1].text}", flush=True)
            progress = app.panel_text("train")
            m = re.search(r"step (\d+) of (\d+).*?([\d.]+) s/step", progress, re.S)
            if m and int(m.group(1)) > len(step_times):
                step_times.append(float(m.group(3)))
                print(f"[bench] step {m.group(1)}/{m.group(2)}: {m.group(3)} s", flush=True)
                if a.max_steps and int(m.group(1)) >= a.max_steps:
                    driver.execute_script("arguments[0].click()", app.el("train-cancel"))
            if status in ("done", "failed"):
                break
            time.sleep(0.5)
        result["status"] = app.text("train-status")
        result["message"] = driver.find_element(By.CSS_SELECTOR, "#train p.status").text
        result["epoch_s"] = epoch_times
        result["step_s"] = step_times
        result["wall_s"] = round(time.time() - started, 1)
        try:
            result["valid_accuracy"] = float(app.text("metric-accuracy"))
            result["valid_macro_f1"] = float(app.text("metric-macro-f1"))
        except Exception:  # cancelled before the first evaluation
            result["valid_accuracy"] = None
    finally:
        driver.quit()
        srv.shutdown()
    out = ROOT / ".cache/bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"browser-{a.mode}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
