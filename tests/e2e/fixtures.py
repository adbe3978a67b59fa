"""Writes the browser test's inputs: a tiny random BERT (Hugging Face folder) and small data.

Pure Python (no numpy), seeded, so every run gets the same files.
    python3 tests/e2e/fixtures.py OUT_DIR
"""
import json
import random
import struct
import sys
from pathlib import Path

WORDS = ("the movie film was is really very plot acting it good great fine bad awful boring "
         "alice bob paris london went met to in .").split()
HIDDEN, LAYERS, HEADS, FF, POSITIONS = 32, 2, 2, 64, 64


def tensors(vocab):
    shapes = {
        "bert.embeddings.word_embeddings.weight": [vocab, HIDDEN],
        "bert.embeddings.position_embeddings.weight": [POSITIONS, HIDDEN],
        "bert.embeddings.token_type_embeddings.weight": [2, HIDDEN],
        "bert.embeddings.LayerNorm.weight": [HIDDEN],
        "bert.embeddings.LayerNorm.bias": [HIDDEN],
        "bert.pooler.dense.weight": [HIDDEN, HIDDEN],
        "bert.pooler.dense.bias": [HIDDEN],
    }
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            shapes[p + name + ".weight"] = [HIDDEN, HIDDEN]
            shapes[p + name + ".bias"] = [HIDDEN]
        shapes[p + "intermediate.dense.weight"] = [FF, HIDDEN]
        shapes[p + "intermediate.dense.bias"] = [FF]
        shapes[p + "output.dense.weight"] = [HIDDEN, FF]
        shapes[p + "output.dense.bias"] = [HIDDEN]
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[p + norm + ".weight"] = [HIDDEN]
            shapes[p + norm + ".bias"] = [HIDDEN]
    return shapes


def safetensors(shapes, rng):
    header, blobs, offset = {}, [], 0
    for name, shape in sorted(shapes.items()):
        n = 1
        for d in shape:
            n *= d
        if name.endswith("LayerNorm.weight"):
            values = [1.0] * n
        elif name.endswith("bias") or "LayerNorm" in name:
            values = [0.0] * n
        else:
            values = [rng.gauss(0.0, 0.02) for _ in range(n)]
        blob = struct.pack(f"<{n}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def sentiment(n, rng):
    """Reviews with a group column, "who": the name a review starts with (alice, bob), empty
    when it names no one (scoring by group, counterfactual swaps)."""
    pos, neg = ["good", "great", "fine"], ["bad", "awful", "boring"]
    filler = "the movie film was is really very plot acting it".split()
    rows = ["text,label,who"]
    for _ in range(n):
        positive = rng.random() < 0.5
        words = [rng.choice(filler) for _ in range(4)]
        words.insert(rng.randrange(5), rng.choice(pos if positive else neg))
        who = rng.choice(["alice", "bob", ""])
        if who:
            words = [who, "met"] + words
        rows.append(f"{' '.join(words)},{'positive' if positive else 'negative'},{who}")
    return "\n".join(rows) + "\n"


def ner(n, rng):
    """CoNLL sentences such as "alice went to paris ." with PER and LOC entities."""
    people, places = ["alice", "bob"], ["paris", "london"]
    sentences = []
    for _ in range(n):
        who, where = rng.choice(people), rng.choice(places)
        words = [(who, "B-PER"), (rng.choice(["went", "was"]), "O"), (rng.choice(["to", "in"]), "O"),
                 (where, "B-LOC"), (".", "O")]
        if rng.random() < 0.5:
            words = [(rng.choice(["bob", "alice"]), "B-PER"), ("met", "O")] + words
        sentences.append("\n".join(f"{w}\t{t}" for w, t in words))
    return "\n\n".join(sentences) + "\n"


def main():
    main_to(Path(sys.argv[1]))


def main_to(out):
    rng = random.Random(7)
    model = out / "tiny-bert"
    model.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": len(vocab),
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "intermediate_size": FF, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": POSITIONS,
        "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
    }
    (model / "config.json").write_text(json.dumps(config, indent=1))
    (model / "vocab.txt").write_text("\n".join(vocab) + "\n")
    (model / "model.safetensors").write_bytes(safetensors(tensors(len(vocab)), rng))
    (out / "sentiment.csv").write_text(sentiment(240, rng))
    (out / "ner.conll").write_text(ner(120, rng))
    # Markup in data must show as text, never run or render.
    evil = ['"<script>window.__anneal_pwned = 1</script> good film",positive',
            '"<img src=x onerror=window.__anneal_pwned=2> <b>bold</b> awful plot",negative']
    (out / "markup.csv").write_text("text,label\n" + "\n".join(evil * 5) + "\n")
    (out / "texts.txt").write_text("the film was good\nawful boring plot\n")
    (out / "pairs.csv").write_text("alice,bob\n")


if __name__ == "__main__":
    main()
