"""Issue 9's character recipe (next token, 4 x 128, 4 heads, context 64, batch 12, the Learn
panel's defaults for "next token") pre-trained in headless Chromium through the app, on the
bundled Shakespeare sample: tokens per second of the browser's path, and the wall time of
--steps steps (the held-out evaluation at step 0 and at the end included).

    scripts/app's build (dist/) must exist:  trunk build --release
    ~/.cache/anneal/venv-e2e/bin/python bench/browser_pretrain.py --mode cpu --steps 100

`--mode cpu` is burn's Flex backend in WebAssembly (one thread); `--mode webgpu` uses WebGPU
(SwiftShader on a machine without a GPU). Results go to .cache/bench/browser-pretrain-<mode>.json.
"""
import argparse
import json
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["webgpu", "cpu"], required=True)
    p.add_argument("--steps", type=int, default=100)
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="anneal-bench-"))
    srv, port, _ = server.start(ROOT / "dist", work)
    options = e2e.browser(a.mode, work, work / "profile")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    app = e2e.App(driver)
    result = {"mode": a.mode, "recipe": "char: clm, 4 x 128, 4 heads, context 64, batch 12", "steps": a.steps}
    try:
        query = "?autoload=0" + ("&backend=cpu" if a.mode == "cpu" else "")
        driver.get(f"http://127.0.0.1:{port}/{query}")
        app.wait("the backend", lambda: "starting" not in app.text("backend-info") and app.text("backend-info"), 120)
        result["backend"] = app.text("backend-info")
        driver.execute_script("arguments[0].click()", app.el("learn-sample-shakespeare"))
        app.wait("the corpus", lambda: "shakespeare" in app.text("learn-corpus"), 60)
        e2e.set_value(driver, app.el("learn-objective"), "clm")
        app.wait("the character preset", lambda: "ROMEO" in app.el("learn-probes").get_attribute("value"), 10)
        e2e.set_value(driver, app.el("learn-steps"), str(a.steps))
        e2e.set_value(driver, app.el("learn-eval-every"), str(a.steps))
        result["size"] = app.text("learn-size")
        started = time.time()
        driver.execute_script("arguments[0].click()", app.el("learn-start"))
        app.wait("pre-training to finish", lambda: app.text("learn-status") in ("done", "failed"), 7200)
        result["wall_s"] = round(time.time() - started, 1)
        result["status"] = app.text("learn-status")
        progress = driver.find_element("css selector", "#learn .progress span").text
        m = re.search(r"([\d.]+) tokens/s", progress)
        result["tokens_per_s"] = float(m.group(1)) if m else None
        result["progress"] = progress
        result["heldout"] = app.text("learn-heldout")
        if result["tokens_per_s"]:
            result["est_2000_steps_s"] = round(2000 * 12 * 64 / result["tokens_per_s"], 0)
    finally:
        driver.quit()
        srv.shutdown()
    out = ROOT / ".cache/bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"browser-pretrain-{a.mode}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
