#!/usr/bin/env python3
"""Regenerates tests/fixtures/lm_parity/ with PyTorch + transformers:

- mlm/ and clm/: tiny random `BertForMaskedLM` and causal `BertLMHeadModel` (is_decoder) saved
  with save_pretrained, the loss of a fixed batch and the loss after one plain SGD step (lr 1.0);
  for mlm also `pipeline("fill-mask")`'s top-5 on fixed texts, for clm the next-token top-5.
- attention.json: all-MiniLM-L6-v2's `output_attentions` (eval mode) on fixed sentences, when
  www/models/all-MiniLM-L6-v2 is present (scripts/assets.py fetches it).

  pip install torch transformers && python3 tests/reference/lm_parity.py
"""
import json
from pathlib import Path

import torch
from transformers import (AutoModel, AutoTokenizer, BertConfig, BertForMaskedLM, BertLMHeadModel,
                          BertTokenizerFast, pipeline)

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = ROOT / "tests" / "fixtures" / "lm_parity"
VOCAB = ROOT / "tests" / "fixtures" / "grad_parity" / "classify" / "vocab.txt"
IDS = [[2, 5, 7, 12, 9, 3], [2, 20, 21, 3, 0, 0]]
MASK = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]
MLM_INPUT = [[2, 5, 4, 12, 4, 3], [2, 4, 21, 3, 0, 0]]
MLM_LABELS = [[-100, -100, 7, -100, 9, -100], [-100, 20, -100, -100, -100, -100]]
CLM_LABELS = [[2, 5, 7, 12, 9, 3], [2, 20, 21, 3, -100, -100]]
FILL = ["the movie was [MASK] .", "alice [MASK] to paris and bob went to [MASK] ."]
SENTENCES = ["The cat sat on the mat.", "Attention is all you need, they said."]


def tiny(decoder):
    return BertConfig(vocab_size=39, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                      max_position_embeddings=64, is_decoder=decoder, initializer_range=0.2)


def perturb(model):
    """Non-trivial values where initialisation leaves constants (biases, LayerNorms), so that a
    loader that skipped them would fail the parity test."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                p += 0.1 * torch.randn_like(p)


def sgd_parity(model, batch):
    model.train()
    loss = model(**batch).loss
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= p.grad
        after = model(**batch).loss.item()
    return loss.item(), after


def main():
    vocab = {line.strip(): i for i, line in enumerate(VOCAB.read_text().splitlines())}
    tok = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    for name, cls, inputs, labels in [("mlm", BertForMaskedLM, MLM_INPUT, MLM_LABELS),
                                      ("clm", BertLMHeadModel, IDS, CLM_LABELS)]:
        torch.manual_seed(7)
        model = cls(tiny(name == "clm"))
        perturb(model)
        out_dir = HERE / name
        model.save_pretrained(out_dir)
        tok.save_pretrained(out_dir)
        expected = {"input_ids": inputs, "attention_mask": MASK, "labels": labels,
                    "torch": torch.__version__}
        model.eval()
        if name == "mlm":
            fill = pipeline("fill-mask", model=model, tokenizer=tok, top_k=5)
            expected["fill_mask"] = [
                [[{"token": tok.convert_ids_to_tokens(c["token"]), "score": c["score"]} for c in per_mask]
                 for per_mask in ([r] if isinstance(r[0], dict) else r)]
                for r in (fill(t) for t in FILL)]
            expected["fill_texts"] = FILL
        else:
            enc = tok(FILL[0].replace(" [MASK] .", ""), return_tensors="pt", add_special_tokens=False)
            enc["input_ids"] = torch.cat([torch.tensor([[tok.cls_token_id]]), enc["input_ids"]], 1)
            with torch.no_grad():
                logits = model(input_ids=enc["input_ids"]).logits[0, -1]
            probs = logits.softmax(-1)
            top = probs.topk(5)
            expected["next_text"] = FILL[0].replace(" [MASK] .", "")
            expected["next"] = [{"token": tok.convert_ids_to_tokens(int(i)), "score": float(s)}
                                for s, i in zip(top.values, top.indices)]
        batch = dict(input_ids=torch.tensor(inputs), attention_mask=torch.tensor(MASK),
                     labels=torch.tensor(labels))
        expected["loss"], expected["loss_after_sgd_step"] = sgd_parity(model, batch)
        (out_dir / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
        print(name, expected["loss"], expected["loss_after_sgd_step"])

    minilm = ROOT / "www" / "models" / "all-MiniLM-L6-v2"
    if minilm.exists():
        tok = AutoTokenizer.from_pretrained(minilm)
        model = AutoModel.from_pretrained(minilm, attn_implementation="eager").eval()
        out = []
        for s in SENTENCES:
            enc = tok(s, return_tensors="pt", padding=False, truncation=False)
            with torch.no_grad():
                att = model(**enc, output_attentions=True).attentions
            out.append({"text": s, "tokens": tok.convert_ids_to_tokens(enc["input_ids"][0]),
                        "attentions": [[[[round(float(x), 7) for x in row] for row in head]
                                        for head in layer[0]] for layer in att]})
        (HERE / "attention.json").write_text(json.dumps(out) + "\n")
        print("attention", [len(o["tokens"]) for o in out])


if __name__ == "__main__":
    main()
