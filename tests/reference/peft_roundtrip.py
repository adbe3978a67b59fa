#!/usr/bin/env python3
"""Checks a LoRA fine-tune's two exports against each other with Python `peft`: the PEFT adapter
(OUT/adapter) loaded onto the base model gives the logits of the merged export (OUT) within 1e-4.

  anneal finetune --model BASE --train DATA --lora-rank 8 --peft-adapter --out OUT
  python3 tests/reference/peft_roundtrip.py --base BASE --out OUT TEXT...

Needs torch, transformers and peft. Exits non-zero on any mismatch.
"""
import argparse, json, sys

import torch
from peft import PeftModel
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("texts", nargs="+")
    a = ap.parse_args()
    tuned = AutoConfig.from_pretrained(a.out)
    ner = tuned.architectures[0].endswith("ForTokenClassification")
    cls = AutoModelForTokenClassification if ner else AutoModelForSequenceClassification
    merged, info = cls.from_pretrained(a.out, output_loading_info=True)
    if any(info.values()):
        sys.exit(f"FAIL: the merged export loads with {info}")
    # A base that is itself a classifier with other labels gets a head of the run's size: the
    # adapter's modules_to_save replace it anyway.
    base = cls.from_pretrained(a.base, num_labels=len(tuned.id2label), id2label=tuned.id2label,
                               label2id=tuned.label2id, ignore_mismatched_sizes=True)
    peft = PeftModel.from_pretrained(base, f"{a.out}/adapter")
    # A check with untrained adapters (B = 0) would compare the base with itself.
    from safetensors.torch import load_file
    adapters = load_file(f"{a.out}/adapter/adapter_model.safetensors")
    untrained = [k for k, v in adapters.items() if "lora_B" in k and not v.abs().max() > 0]
    if untrained or not any("lora_B" in k for k in adapters):
        sys.exit(f"FAIL: adapters with B = 0: {untrained}")
    tok = AutoTokenizer.from_pretrained(a.out)
    batch = tok(a.texts, padding=True, return_tensors="pt")
    merged.eval(), peft.eval()
    with torch.no_grad():
        x, y = merged(**batch).logits, peft(**batch).logits
    if ner:  # padding positions are not compared
        keep = batch["attention_mask"].bool()
        x, y = x[keep], y[keep]
    diff = (x - y).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "rows": x.shape[0], "peft_trainable_modules": peft.peft_config["default"].modules_to_save}))
    if diff > 1e-4:
        sys.exit(f"FAIL: PEFT adapter and merged export differ by {diff}")
    print("OK: the PEFT adapter on the base model equals the merged export")


if __name__ == "__main__":
    main()
