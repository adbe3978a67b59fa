#!/usr/bin/env python3
"""Checks that an Anneal export is a Hugging Face model: `transformers` loads it with no missing
or unexpected keys, and its probabilities equal `anneal predict`'s within 1e-4.

  python3 tests/reference/hf_roundtrip.py --anneal PATH/TO/anneal --model EXPORT_DIR TEXT...

For token-classification exports it compares each word's tag probabilities (first sub-word) on
whitespace-split texts. Needs torch and transformers. Exits non-zero on any mismatch.
"""
import argparse, json, subprocess, sys

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anneal", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("texts", nargs="+")
    a = ap.parse_args()
    config = AutoConfig.from_pretrained(a.model)
    ner = config.architectures[0].endswith("ForTokenClassification")
    cls = AutoModelForTokenClassification if ner else AutoModelForSequenceClassification
    model, info = cls.from_pretrained(a.model, output_loading_info=True)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    print(json.dumps({"loading_info": {k: list(v) for k, v in info.items()}}))
    if bad:
        sys.exit(f"FAIL: loading reported {bad}")
    # Byte-level BPE (RoBERTa) words need a leading space each, as in running text: the setting
    # transformers asks for with is_split_into_words, and what Anneal does.
    byte_level = "ByteLevel" in str(AutoTokenizer.from_pretrained(a.model).backend_tokenizer.pre_tokenizer)
    tok = AutoTokenizer.from_pretrained(a.model, **({"add_prefix_space": True} if ner and byte_level else {}))
    out = subprocess.run([a.anneal, "predict", "--model", a.model, "--device", "cpu", *a.texts],
                         check=True, capture_output=True, text=True).stdout
    ours = [json.loads(l) for l in out.splitlines()]
    worst = 0.0
    for text, mine in zip(a.texts, ours):
        if ner:
            enc = tok(text.split(), is_split_into_words=True, truncation=True, max_length=128, return_tensors="pt")
            with torch.no_grad():
                probs = model(**enc).logits.softmax(-1)[0]
            # Each word's tag from its first sub-word; entities read as conlleval and Anneal do:
            # a start at B-X, or at I-X after anything but X.
            tags, prev = [], None
            for i, w in enumerate(enc.word_ids(0)):
                if w is not None and w != prev:
                    tags.append(config.id2label[int(probs[i].argmax())])
                prev = w
            starts, before = [], "O"
            for t in tags:
                kind = t.split("-", 1)[1] if "-" in t else None
                if t.startswith("B-") or (t.startswith("I-") and (before == "O" or before.split("-", 1)[1] != kind)):
                    starts.append(kind)
                before = t
            theirs = [e["label"] for e in mine["entities"]]
            print(json.dumps({"text": text, "transformers_entity_starts": starts, "anneal_entities": theirs}))
            if starts != theirs:
                sys.exit(f"FAIL: entities differ on {text!r}")
        else:
            enc = tok(text, truncation=True, max_length=128, return_tensors="pt")
            with torch.no_grad():
                probs = model(**enc).logits.softmax(-1)[0].tolist()
            for i, p in enumerate(probs):
                worst = max(worst, abs(p - mine["scores"][config.id2label[i]]))
            print(json.dumps({"text": text, "transformers": probs, "anneal": mine["scores"]}))
    print(json.dumps({"max_abs_diff": worst}))
    if worst > 1e-4:
        sys.exit(f"FAIL: probabilities differ by {worst}")
    print("OK")


if __name__ == "__main__":
    main()
