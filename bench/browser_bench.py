"""Anneal against its peers, side by side on this machine, in one run (issue 10):

    python3 bench/browser_bench.py            # everything; about 30 min on 2 cores
    python3 bench/browser_bench.py --only cpu # the browser's CPU path and the native ones
    python3 bench/browser_bench.py --only anneal-cpu --infer-runs 0  # Anneal's tab on the CPU
                                                     # alone: steps and the worker's peak memory

In one headless Chromium session, all-MiniLM-L6-v2 (fp32) is timed by
- Anneal's speed test (Model panel, the `train::speed` code `anneal bench` runs) on its CPU
  backend (Flex in WebAssembly, one thread) and on WebGPU: inference 1 x 128 and 16 x 128 to the
  last hidden states, and fine-tuning steps (forward, backward, AdamW) at 16 x 64 and 16 x 128;
- Transformers.js (npm, pinned in bench/peer/package-lock.json) on its `wasm` device with 1 thread
  and with every core, and on `webgpu`, running the same model exported to ONNX here by
  bench/torch_peer.py (checked against transformers' hidden states);
and, in the same run, natively: `anneal bench` (burn Flex, every core) and PyTorch (same threads).
Training has no browser peer: the browser's step is compared with the native ones.

Everything is served from 127.0.0.1 with cross-origin isolation (COOP/COEP, so that ONNX Runtime
Web may use threads); nothing is fetched from elsewhere. Set-up is idempotent and cached in
~/.cache/anneal: the npm packages (`npm ci`), the ONNX export, a venv with torch (about 6 GB
once); the app is built (`trunk build --release`) if dist/ has no worker, and the CLI with
`cargo build`. Prints a table; the full results go to .cache/bench/browser-bench.json.

Without a GPU, WebGPU is Chromium's SwiftShader (a CPU emulation, seconds per inference): it is
timed with few runs, no training steps and (for Transformers.js) one text by default. `--real-gpu` asks Chromium for Vulkan, for
a machine with a GPU (bench/gpu_bench.sh).
"""
import argparse
import functools
import hashlib
import http.server
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ANNEAL_CACHE", Path.home() / ".cache/anneal"))
PEERS = CACHE / "peers"
MODEL = ROOT / "www/models/all-MiniLM-L6-v2"
PEER_MODEL = PEERS / "models/all-MiniLM-L6-v2"
TORCH_PINS = ["torch==2.15.0", "transformers==5.24.0", "onnx==1.23.2", "onnxscript==0.7.2",
              "onnxruntime==1.32.0"]


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("$", " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def cpu_model():
    name, flags = platform.processor(), ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line
                break
    except OSError:
        pass
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni") if f" {f}" in flags]
    return f"{name} ({', '.join(simd) or 'no AVX2'}), {os.cpu_count()} cores"


# ---------------------------------------------------------------------------- set-up

def torch_python(given):
    """A python with torch, transformers, onnx and onnxruntime: the one given, or a cached venv."""
    if given:
        return given
    venv = CACHE / "venv-ref"
    py = venv / "bin/python"
    probe = "import torch, transformers, onnx, onnxscript, onnxruntime"
    if py.exists() and subprocess.run([py, "-c", probe], capture_output=True).returncode == 0:
        return str(py)
    log("setting up", venv, "(torch, transformers, onnx: about 6 GB, once)")
    if not py.exists():
        run([sys.executable, "-m", "venv", venv])
    run([py, "-m", "pip", "install", "--quiet", *TORCH_PINS])
    return str(py)


def peers():
    """The npm packages of bench/peer, installed once per lockfile."""
    lock = (ROOT / "bench/peer/package-lock.json").read_bytes()
    stamp = PEERS / ".lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest and (PEERS / "node_modules").exists()):
        PEERS.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ROOT / "bench/peer" / name, PEERS / name)
        # No install scripts: they fetch onnxruntime-node's native binaries, which a browser
        # peer does not use.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=PEERS)
        stamp.write_text(digest)
    dist = PEERS / "node_modules/@huggingface/transformers/dist"
    ort = PEERS / "node_modules/onnxruntime-web/dist"
    if not (dist / "transformers.js").exists() or not ort.exists():
        sys.exit(f"the Transformers.js install in {PEERS} is incomplete: remove it and run again")
    return dist, ort


def onnx_model(python):
    if not (PEER_MODEL / "onnx/model.onnx").exists():
        run([python, ROOT / "bench/torch_peer.py", "export", "--model", MODEL, "--out", PEER_MODEL])
    return PEER_MODEL


def app_build(dist):
    if (dist / "worker_bg.wasm").exists():
        return
    log(f"{dist} has no build: building the app (trunk build --release)")
    run(["bash", "-c", "source scripts/web-tools && python3 scripts/assets.py && trunk build --release"],
        cwd=ROOT)


def cli_build():
    target = Path(os.environ.get("CARGO_TARGET_DIR", CACHE / "target"))
    run(["cargo", "build", "--locked", "--bin", "anneal"], cwd=ROOT,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    return target / "debug/anneal"


# ---------------------------------------------------------------------------- server

TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
         ".html": "text/html", ".json": "application/json", ".css": "text/css"}


def serve(dist, tjs, ort):
    routes = [("/peer/tjs/", tjs), ("/peer/ort/", ort), ("/peer/models/", PEER_MODEL.parent),
              ("/peer/", ROOT / "bench/peer"), ("/", dist)]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.answer(body=True)

        def do_HEAD(self):
            self.answer(body=False)

        def answer(self, body):
            path = self.path.split("?", 1)[0]
            if path.endswith("/"):
                path += "index.html"
            file = None
            for prefix, folder in routes:
                if path.startswith(prefix):
                    candidate = (folder / path[len(prefix):]).resolve()
                    if candidate.is_relative_to(folder.resolve()) and candidate.is_file():
                        file = candidate
                    break
            if file is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(file.stat().st_size))
            # Cross-origin isolation (threads for ONNX Runtime Web), and no HTTP cache, so each
            # load is a cold one.
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body:
                with open(file, "rb") as f:
                    shutil.copyfileobj(f, self.wfile)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


# ---------------------------------------------------------------------------- browser

def browser(real_gpu, work):
    sys.path.insert(0, str(ROOT / "tests/e2e"))
    import app as e2e
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = e2e.browser("webgpu", work, work / "profile")
    if real_gpu:
        for arg in ("--ignore-gpu-blocklist", "--enable-features=Vulkan", "--use-angle=vulkan",
                    "--use-vulkan"):
            options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(30)
    return driver, e2e


def forget(driver, port):
    """Clears what the last page kept (Cache Storage, IndexedDB), so each load is cold."""
    driver.execute_cdp_cmd("Storage.clearDataForOrigin",
                           {"origin": f"http://127.0.0.1:{port}", "storageTypes": "all"})


def wait(what, check, timeout):
    """Polls `check` until it returns something true. A page whose main thread is busy for
    longer than the script timeout (Transformers.js's single thread runs there) answers a poll
    with a script timeout: that is a poll without an answer, not a failure of the run."""
    from selenium.common.exceptions import TimeoutException

    end = time.time() + timeout
    while time.time() < end:
        try:
            value = check()
        except TimeoutException:
            log(f"the page was busy for 30 s while waiting for {what}; polling on")
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise TimeoutError(f"waited {timeout} s for {what}")


def speed_timings(driver):
    """The app's speed table so far (one row per case timed)."""
    return driver.execute_script(
        "const t = document.querySelector('[data-testid=speed-table]');"
        "return t ? JSON.parse(t.dataset.timings) : [];")


def anneal_in_browser(driver, e2e, port, backend, infer_runs, step_runs, stop_after=None):
    """Anneal's speed test in the app; with `stop_after`, Stop is pressed once that many cases
    are timed (on SwiftShader a batch of 16 takes minutes, so only one text is timed)."""
    forget(driver, port)
    query = "?backend=cpu" if backend == "cpu" else ""
    t0 = time.time()
    driver.get(f"http://127.0.0.1:{port}/{query}")
    app = e2e.App(driver)
    wait("the default model", lambda: "loaded all-MiniLM-L6-v2" in app.text("model-status")
         or "could not" in app.text("model-status"), 900)
    load_s = time.time() - t0
    info = app.text("backend-info")
    log(f"anneal {backend}: loaded in {load_s:.1f} s on {info}")
    if "could not" in app.text("model-status"):
        raise RuntimeError(app.text("model-status"))
    driver.execute_script("document.querySelector('[data-testid=speed]').open = true")
    app.set_number("speed-infer-runs", infer_runs)
    app.set_number("speed-step-runs", step_runs)
    app.el("speed-start").click()
    finished = lambda s: s not in ("", "measuring…") and not s.startswith("measuring")
    status = wait("the speed test", lambda: (s := app.text("speed-status")) and (
        finished(s) or (stop_after and len(speed_timings(driver)) >= stop_after)) and s, 3600)
    if stop_after and len(speed_timings(driver)) >= stop_after:
        app.el("speed-stop").click()
        log(f"anneal {backend}: stopped after {stop_after} case(s)")
    elif not status.startswith("done"):
        raise RuntimeError(f"Anneal's speed test on {backend}: {status}")
    timings = [{"workload": t["case"]["workload"], "batch": t["case"]["batch"], "seq": t["case"]["seq"],
                "median_s": t["median_s"], "min_s": t["min_s"], "max_s": t["max_s"], "runs_s": t["runs_s"]}
               for t in speed_timings(driver)[:stop_after]]
    for t in timings:
        log(f"  {t['workload']} {t['batch']}x{t['seq']}: {t['median_s']*1e3:.1f} ms")
    memory = json.loads(app.el("speed-status").get_attribute("data-memory") or "null")
    log(f"anneal {backend}: memory after the test {memory}")
    return {"runner": f"anneal-{backend}", "backend": info, "load_s": load_s, "timings": timings,
            "memory": memory}


def tjs_in_browser(driver, port, device, threads, runs, warmup, shapes):
    forget(driver, port)
    t0 = time.time()
    driver.get(f"http://127.0.0.1:{port}/peer/tjs.html?device={device}&threads={threads}"
               f"&infer_runs={runs}&warmup={warmup}&shapes={shapes}")
    result = wait(f"Transformers.js on {device}",
                  lambda: driver.execute_script("return window.benchResult || (window.benchError && {error: window.benchError})"),
                  3600)
    if "error" in result:
        raise RuntimeError(f"Transformers.js on {device}: {result['error']}")
    result["runner"] = f"tjs-{device}-{threads}t" if device == "wasm" else f"tjs-{device}"
    result["wall_s"] = time.time() - t0
    for t in result["timings"]:
        calls = t.get("calls_per_run") or {}
        kernels = (f" ({calls['dispatches']} kernels, {calls['submits']} submits per run)"
                   if calls.get("dispatches") else "")
        log(f"  {result['runner']} {t['batch']}x{t['seq']}: {t['median_s']*1e3:.1f} ms{kernels}")
    return result


# ---------------------------------------------------------------------------- native

def anneal_native(cli, infer_runs, step_runs):
    timings = []
    for what, batch, seq, runs in (("forward", 1, 128, infer_runs), ("forward", 16, 128, infer_runs),
                                   ("step", 16, 64, step_runs), ("step", 16, 128, step_runs)):
        out = subprocess.run([cli, "bench", "--model", MODEL, "--what", what, "--batch-size", str(batch),
                              "--seq-len", str(seq), "--runs", str(runs), "--device", "cpu"],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        timings.append({"workload": what, "batch": batch, "seq": seq, "median_s": r["median_s"],
                        "min_s": r["min_s"], "max_s": r["max_s"], "runs_s": r["runs_s"]})
        log(f"  anneal-native {what} {batch}x{seq}: {r['median_s']*1e3:.1f} ms")
    return {"runner": "anneal-native", "threads": os.cpu_count(), "timings": timings}


def pytorch(python, infer_runs, step_runs):
    out = subprocess.run([python, ROOT / "bench/torch_peer.py", "time", "--model", MODEL,
                          "--threads", str(os.cpu_count()), "--infer-runs", str(infer_runs),
                          "--step-runs", str(step_runs)], check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["runner"] = "pytorch"
    for t in r["timings"]:
        log(f"  pytorch {t['workload']} {t['batch']}x{t['seq']}: {t['median_s']*1e3:.1f} ms")
    return r


# ---------------------------------------------------------------------------- report

def median_of(results, runner, workload, batch, seq):
    for r in results:
        if r["runner"] == runner:
            for t in r["timings"]:
                if (t["workload"], t["batch"], t["seq"]) == (workload, batch, seq):
                    return t["median_s"]
    return None


def table(results, threads):
    runners = [r["runner"] for r in results]
    cases = [("forward", 1, 128), ("forward", 16, 128), ("step", 16, 64), ("step", 16, 128)]
    ms = lambda v: "–" if v is None else (f"{v * 1e3:.1f} ms" if v < 1 else f"{v:.2f} s")
    lines = ["| case | " + " | ".join(runners) + " |", "|---|" + "---|" * len(runners)]
    for w, b, s in cases:
        cells = [ms(median_of(results, r, w, b, s)) for r in runners]
        lines.append(f"| {'inference' if w == 'forward' else 'training step'} {b} x {s} | " + " | ".join(cells) + " |")
    lines.append("| model load | " + " | ".join(
        (f"{r['load_s']:.1f} s" if "load_s" in r else "–") for r in results) + " |")
    ratios = [("browser CPU inference 1 x 128, Anneal / Transformers.js wasm 1 thread", "anneal-cpu", "tjs-wasm-1t", ("forward", 1, 128)),
              ("browser CPU inference 16 x 128, Anneal / Transformers.js wasm 1 thread", "anneal-cpu", "tjs-wasm-1t", ("forward", 16, 128)),
              (f"browser CPU inference 1 x 128, Anneal (1 thread) / Transformers.js wasm {threads} threads", "anneal-cpu", f"tjs-wasm-{threads}t", ("forward", 1, 128)),
              ("browser WebGPU inference 1 x 128, Anneal / Transformers.js webgpu", "anneal-webgpu", "tjs-webgpu", ("forward", 1, 128)),
              ("browser WebGPU inference 16 x 128, Anneal / Transformers.js webgpu", "anneal-webgpu", "tjs-webgpu", ("forward", 16, 128)),
              ("native inference 1 x 128, Anneal / PyTorch", "anneal-native", "pytorch", ("forward", 1, 128)),
              ("native inference 16 x 128, Anneal / PyTorch", "anneal-native", "pytorch", ("forward", 16, 128)),
              ("native training step 16 x 128, Anneal / PyTorch", "anneal-native", "pytorch", ("step", 16, 128)),
              ("browser CPU training step 16 x 64 / native Anneal", "anneal-cpu", "anneal-native", ("step", 16, 64)),
              ("browser CPU training step 16 x 64 / PyTorch", "anneal-cpu", "pytorch", ("step", 16, 64))]
    lines += ["", "| ratio (lower is better for Anneal) | value |", "|---|---|"]
    for label, a, b, case in ratios:
        x, y = median_of(results, a, *case), median_of(results, b, *case)
        if x is not None and y is not None:
            lines.append(f"| {label} | {x / y:.2f} |")
    return "\n".join(lines)


def with_selenium():
    """Re-runs this script in the end-to-end test's venv (Selenium), made as scripts/test makes it."""
    try:
        import selenium  # noqa: F401
        return
    except ImportError:
        pass
    venv = CACHE / "venv-e2e"
    py = venv / "bin/python"
    ready = py.exists() and subprocess.run([py, "-c", "import selenium"], capture_output=True).returncode == 0
    if not ready:
        run([sys.executable, "-m", "venv", venv])
        run([py, "-m", "pip", "install", "--quiet", "selenium==4.51.0"])
    os.execv(py, [str(py), __file__, *sys.argv[1:]])


def main():
    with_selenium()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--only", choices=["cpu", "webgpu", "native", "anneal-cpu"], action="append",
                   help="run only these parts (repeatable); default all")
    p.add_argument("--infer-runs", type=int, default=20)
    p.add_argument("--step-runs", type=int, default=5)
    p.add_argument("--webgpu-infer-runs", type=int, default=None, help="default 3 on SwiftShader, else --infer-runs")
    p.add_argument("--webgpu-step-runs", type=int, default=None, help="default 0 on SwiftShader, else --step-runs")
    p.add_argument("--real-gpu", action="store_true", help="ask Chromium for Vulkan (a machine with a GPU)")
    p.add_argument("--python", help="a python with torch, transformers, onnx, onnxruntime (default: a cached venv)")
    p.add_argument("--out", type=Path, default=ROOT / ".cache/bench/browser-bench.json")
    a = p.parse_args()
    parts = set(a.only or ["cpu", "webgpu", "native"])
    threads = os.cpu_count()
    gpu_infer = a.webgpu_infer_runs if a.webgpu_infer_runs is not None else (a.infer_runs if a.real_gpu else 3)
    gpu_steps = a.webgpu_step_runs if a.webgpu_step_runs is not None else (a.step_runs if a.real_gpu else 0)

    peered = bool(parts & {"cpu", "webgpu", "native"})
    python = torch_python(a.python) if peered else None
    tjs, ort = peers() if peered else (PEERS / "node_modules", PEERS / "node_modules")
    if peered:
        onnx_model(python)
    if parts & {"cpu", "webgpu", "anneal-cpu"}:
        app_build(a.dist)
    cli = cli_build() if "native" in parts else None

    results = []
    work = Path(tempfile.mkdtemp(prefix="anneal-bench-"))
    server, port = serve(a.dist, tjs, ort)
    driver = None
    try:
        if parts & {"cpu", "webgpu", "anneal-cpu"}:
            driver, e2e = browser(a.real_gpu, work)
            driver.get(f"http://127.0.0.1:{port}/peer/tjs.html?device=none")
            isolated = driver.execute_script("return self.crossOriginIsolated")
            log(f"cross-origin isolated: {isolated}; Chromium {driver.capabilities.get('browserVersion')}")
        if "anneal-cpu" in parts and "cpu" not in parts:
            results.append(anneal_in_browser(driver, e2e, port, "cpu", a.infer_runs, a.step_runs))
        if "cpu" in parts:
            results.append(anneal_in_browser(driver, e2e, port, "cpu", a.infer_runs, a.step_runs))
            results.append(tjs_in_browser(driver, port, "wasm", 1, a.infer_runs, 3, "1x128,16x128"))
            if threads > 1:
                results.append(tjs_in_browser(driver, port, "wasm", threads, a.infer_runs, 3, "1x128,16x128"))
        if "webgpu" in parts:
            # On SwiftShader a batch of 16 takes minutes in both (Anneal's 1 x 128 and 16 x 128
            # with 3 runs each did not finish in 19 minutes): one text only there.
            results.append(anneal_in_browser(driver, e2e, port, "webgpu", gpu_infer, gpu_steps,
                                             stop_after=None if a.real_gpu else 1))
            shapes = "1x128,16x128" if a.real_gpu else "1x128"
            results.append(tjs_in_browser(driver, port, "webgpu", 1, gpu_infer, 2, shapes))
        if driver:
            browser_version = driver.capabilities.get("browserVersion")
            driver.quit()
            driver = None
        else:
            browser_version = None
        if "native" in parts:
            results.append(anneal_native(cli, a.infer_runs, a.step_runs))
            results.append(pytorch(python, a.infer_runs, a.step_runs))
    finally:
        if driver:
            driver.quit()
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu_model(), "chromium": browser_version,
              "model": "all-MiniLM-L6-v2 fp32", "results": results}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1))
    print(f"{report['date']}, {report['cpu']}, Chromium {browser_version}; medians\n")
    print(table(results, threads))
    log("full results:", a.out)


if __name__ == "__main__":
    main()
