// The peer side of bench/browser_bench.py: Transformers.js (served from /peer/tjs/, its ONNX
// Runtime files from /peer/ort/, the model from /peer/models/) loads all-MiniLM-L6-v2 exported by
// bench/torch_peer.py and times its forward pass to the last hidden state, as Anneal's speed
// test does. Nothing is fetched from elsewhere: remote models and every cache are off.
import { env, AutoModel, Tensor } from "/peer/tjs/transformers.js";

const query = new URLSearchParams(location.search);
const device = query.get("device") || "wasm";
const threads = Number(query.get("threads") || "1");
const runs = Number(query.get("infer_runs") || "20");
const warmup = Number(query.get("warmup") || "3");
const shapes = (query.get("shapes") || "1x128,16x128").split(",").map((s) => s.split("x").map(Number));

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = "/peer/models/";
env.useBrowserCache = false;
env.useCustomCache = false;
if ("experimental_useCrossOriginStorage" in env) env.experimental_useCrossOriginStorage = false;
env.backends.onnx.wasm.wasmPaths = "/peer/ort/";
env.backends.onnx.wasm.numThreads = threads;

// The same ids for every case: seeded, above the special tokens, as Anneal's speed test draws.
function inputs(batch, seq, vocab) {
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const n = batch * seq;
  const ids = new BigInt64Array(n).map(() => BigInt(1000 + (next() % (vocab - 1000))));
  return {
    input_ids: new Tensor("int64", ids, [batch, seq]),
    attention_mask: new Tensor("int64", new BigInt64Array(n).fill(1n), [batch, seq]),
    token_type_ids: new Tensor("int64", new BigInt64Array(n), [batch, seq]),
  };
}

// Kernels dispatched and submissions, counted on WebGPU's prototypes, so each run's work can be
// set beside Anneal's (tests/web.rs counts the worker's the same way).
const calls = { dispatches: 0, submits: 0 };
if (globalThis.GPUComputePassEncoder) {
  const wrap = (type, name, count) => {
    const f = type.prototype[name];
    type.prototype[name] = function (...a) { count(); return f.apply(this, a); };
  };
  wrap(GPUComputePassEncoder, "dispatchWorkgroups", () => calls.dispatches++);
  wrap(GPUComputePassEncoder, "dispatchWorkgroupsIndirect", () => calls.dispatches++);
  wrap(GPUQueue, "submit", () => calls.submits++);
}

async function main() {
  const t0 = performance.now();
  const model = await AutoModel.from_pretrained("all-MiniLM-L6-v2", { device, dtype: "fp32" });
  const loadS = (performance.now() - t0) / 1000;
  const vocab = model.config.vocab_size;
  const timings = [];
  for (const [batch, seq] of shapes) {
    const feed = inputs(batch, seq, vocab);
    const times = [];
    let perRun = null;
    for (let i = 0; i < warmup + runs; i++) {
      const before = { ...calls };
      const start = performance.now();
      const out = await model(feed);
      // The hidden states on the CPU, as a caller reads them.
      const data = out.last_hidden_state.data;
      if (!Number.isFinite(data[0])) throw new Error("non-finite output");
      if (i >= warmup) times.push((performance.now() - start) / 1000);
      perRun = { dispatches: calls.dispatches - before.dispatches, submits: calls.submits - before.submits };
    }
    const sorted = [...times].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    timings.push({ workload: "forward", batch, seq, median_s: median, min_s: sorted[0], max_s: sorted.at(-1), runs_s: times, calls_per_run: perRun });
  }
  window.benchResult = {
    peer: "transformers.js", device, threads, cross_origin_isolated: self.crossOriginIsolated,
    hardware_concurrency: navigator.hardwareConcurrency, load_s: loadS, timings,
  };
}

// device=none: only the page (bench/browser_bench.py asks it whether it is cross-origin isolated).
if (device !== "none") main().catch((e) => { window.benchError = String(e && e.stack || e); });
