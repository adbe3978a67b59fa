#!/usr/bin/env python3
"""Times MiniLM's training step in the browser's CPU path (or WebGPU) with each choice of what
trains: everything, LoRA r=8 on query and value, and the embeddings plus the lowest 3 layers
frozen, and the worker's peak memory under each. Uses the app's own speed test (the code
`anneal bench` runs), in headless Chromium.

    python3 bench/adaptation_browser.py [--mode cpu|webgpu] [--dist dist] [--runs 3]

Needs a built `dist/` (trunk build --release) and the e2e venv (scripts/test makes both).
"""
import argparse
import json
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
from selenium.webdriver.support.select import Select  # noqa: E402

CHOICES = [("full", None), ("lora", {"rank": 8}), ("freeze", {"layers": 3})]


def time_steps(driver, port, mode, choice, opts, runs):
    driver.get(f"http://127.0.0.1:{port}/" + ("?backend=cpu" if mode == "cpu" else ""))
    app = e2e.App(driver)
    app.wait("the default model", lambda: "loaded all-MiniLM-L6-v2" in app.text("model-status"), 600)
    if choice != "full":
        Select(app.el("train-adaptation")).select_by_value(choice)
        if choice == "lora":
            app.set_number("train-lora-rank", opts["rank"])
        else:
            app.set_number("train-freeze-layers", opts["layers"])
    trained = app.text("model-trainable")
    driver.execute_script("document.querySelector('[data-testid=speed]').open = true")
    app.set_number("speed-infer-runs", 0)
    app.set_number("speed-step-runs", runs)
    app.el("speed-start").click()
    status = app.wait("the speed test", lambda: (s := app.text("speed-status")).startswith(("done", "failed", "stopped")) and s, 3600)
    if not status.startswith("done"):
        raise RuntimeError(status)
    timings = json.loads(app.el("speed-table").get_attribute("data-timings"))
    # A fresh page (and worker) per choice: its WebAssembly memory, which never shrinks, is
    # the peak of loading the model and these steps; on WebGPU also the GPU pools' reserve.
    memory = json.loads(app.el("speed-status").get_attribute("data-memory"))
    return {"choice": choice, "trained": trained,
            "steps": {f"{t['case']['batch']}x{t['case']['seq']}": t["median_s"] for t in timings},
            "wasm_memory_mb": round(memory["wasm_bytes"] / 1e6),
            "device_reserved_mb": memory["device_reserved_bytes"] and round(memory["device_reserved_bytes"] / 1e6)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["cpu", "webgpu"], default="cpu")
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="anneal-adapt-"))
    (work / "hub").mkdir()
    srv, port, _ = server.start(a.dist, work / "hub")
    options = e2e.browser(a.mode, work, work / "profile")
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        for choice, opts in CHOICES:
            t0 = time.time()
            r = time_steps(driver, port, a.mode, choice, opts, a.runs)
            print(json.dumps(dict(r, mode=a.mode, wall_s=round(time.time() - t0, 1))), flush=True)
    finally:
        driver.quit()
        srv.shutdown()


if __name__ == "__main__":
    main()
