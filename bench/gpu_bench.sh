#!/usr/bin/env bash
# The WebGPU half of bench/browser_bench.py on a machine with a real GPU: Chromium asked for
# Vulkan, Anneal's speed test (inference and training steps) and Transformers.js's webgpu
# device, every case with the full run counts. Needs what browser_bench.py needs (Chromium and
# chromedriver, node/npm, python3 with a torch venv or --python) plus a Vulkan driver; run it
# from the repository root after `trunk build --release` and `python3 scripts/assets.py`.
#
#   bench/gpu_bench.sh [extra browser_bench.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v vulkaninfo >/dev/null; then
  vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" | head -4 || true
else
  echo "[gpu-bench] vulkaninfo not found: Chromium may fall back to SwiftShader" >&2
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
exec python3 bench/browser_bench.py --only webgpu --real-gpu --out .cache/bench/gpu-bench.json "$@"
