#!/usr/bin/env python3
"""An independent BERT forward pass in numpy (float64), the reference for Anneal's parity tests.

Written from the Hugging Face `BertModel` definition (modeling_bert.py, eager attention), not
from Anneal's code. Reads a model folder (config.json + model.safetensors) and a JSON request on
stdin: {"input_ids": [[...], ...], "attention_mask": [[...], ...]} (and optionally
"token_type_ids", else all 0). Prints JSON:
{"last_hidden_state": [batch][seq][hidden], "pooled": [batch][hidden] or null,
 "mean_pooled": [batch][hidden] (attention-masked mean, L2-normalised)}.

  python3 tests/reference/bert_numpy.py MODEL_DIR < request.json
"""
import json, math, struct, sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"]).astype(np.float64)
    prefix = "bert." if any(k.startswith("bert.") for k in out) else ""
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in out.items()}


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def linear(x, w, name):
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def forward(cfg, w, ids, mask, types=None):
    ids, mask = np.asarray(ids), np.asarray(mask, dtype=np.float64)
    types = np.zeros_like(ids) if types is None else np.asarray(types)
    batch, seq = ids.shape
    eps = cfg.get("layer_norm_eps", 1e-12)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][np.arange(seq)][None]
         + w["embeddings.token_type_embeddings.weight"][types])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    heads = cfg["num_attention_heads"]
    d = cfg["hidden_size"] // heads
    bias = (1.0 - mask)[:, None, None, :] * -1e30
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        split = lambda t: t.reshape(batch, seq, heads, d).transpose(0, 2, 1, 3)
        q, k, v = (split(linear(x, w, p + "attention.self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, heads * d)
        x = layer_norm(linear(ctx, w, p + "attention.output.dense") + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(linear(x, w, p + "intermediate.dense"))
        x = layer_norm(linear(h, w, p + "output.dense") + x,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = np.tanh(linear(x[:, 0], w, "pooler.dense")) if "pooler.dense.weight" in w else None
    m = mask[:, :, None]
    mean = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    mean = mean / np.maximum(np.linalg.norm(mean, axis=-1, keepdims=True), 1e-12)
    return x, pooled, mean


def main():
    model = sys.argv[1]
    cfg = json.load(open(f"{model}/config.json"))
    w = load_safetensors(f"{model}/model.safetensors")
    req = json.load(sys.stdin)
    x, pooled, mean = forward(cfg, w, req["input_ids"], req["attention_mask"], req.get("token_type_ids"))
    json.dump({"last_hidden_state": x.tolist(), "pooled": None if pooled is None else pooled.tolist(),
               "mean_pooled": mean.tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
