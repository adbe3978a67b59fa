#!/usr/bin/env python3
"""Checks that an `anneal pretrain` export is a Hugging Face language model: transformers loads
it with no missing or unexpected keys (AutoModelForMaskedLM for BertForMaskedLM,
AutoModelForCausalLM for a causal BertLMHeadModel), and `pipeline("fill-mask")`'s top-5 (or the
next-token top-5) has the same tokens as `anneal probe`, probabilities within 1e-4.

  python3 tests/reference/lm_roundtrip.py --anneal PATH/TO/anneal --model EXPORT_DIR TEXT...

Needs torch and transformers. Exits non-zero on any mismatch.
"""
import argparse, json, subprocess, sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer, pipeline


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anneal", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("texts", nargs="+")
    a = ap.parse_args()
    config = AutoConfig.from_pretrained(a.model)
    causal = config.is_decoder
    cls = AutoModelForCausalLM if causal else AutoModelForMaskedLM
    model, info = cls.from_pretrained(a.model, output_loading_info=True)
    model.eval()
    print(json.dumps({"class": type(model).__name__, "loading_info": {k: list(v) for k, v in info.items()}}))
    if any(info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")):
        sys.exit(f"FAIL: loading reported {info}")
    tok = AutoTokenizer.from_pretrained(a.model)
    out = subprocess.run([a.anneal, "probe", "--model", a.model, "--device", "cpu", *a.texts],
                         check=True, capture_output=True, text=True).stdout
    ours = [json.loads(line) for line in out.splitlines()]
    fill = None if causal else pipeline("fill-mask", model=model, tokenizer=tok, top_k=5)
    worst = 0.0
    for text, mine in zip(a.texts, ours):
        if causal:
            ids = [tok.cls_token_id] + tok(text, add_special_tokens=False)["input_ids"]
            with torch.no_grad():
                probs = model(input_ids=torch.tensor([ids])).logits[0, -1].softmax(-1)
            top = probs.topk(5)
            theirs = [[(tok.convert_ids_to_tokens(int(i)), float(s)) for s, i in zip(top.values, top.indices)]]
            mine = [[(c["token"], c["score"]) for c in mine["next"]]]
        else:
            r = fill(text)
            per_mask = [r] if isinstance(r[0], dict) else r
            theirs = [[(tok.convert_ids_to_tokens(c["token"]), c["score"]) for c in m] for m in per_mask]
            mine = [[(c["token"], c["score"]) for c in m] for m in mine["masks"]]
        for t, m in zip(theirs, mine):
            if [x[0] for x in t] != [x[0] for x in m]:
                sys.exit(f"FAIL: {text!r}: transformers {t} vs anneal {m}")
            worst = max(worst, max(abs(x[1] - y[1]) for x, y in zip(t, m)))
        print(json.dumps({"text": text, "top5": theirs[0]}))
    print(json.dumps({"max_abs_probability_difference": worst}))
    if worst > 1e-4:
        sys.exit(f"FAIL: probabilities differ by {worst}")


if __name__ == "__main__":
    main()
