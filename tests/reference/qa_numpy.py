#!/usr/bin/env python3
"""A question answered by an exported BERT question-answering model without torch: the Python
`tokenizers` package cuts run_qa.py's windows (question first, truncation only_second, the
maximum length and doc stride), the independent numpy BERT (bert_numpy.py) and the
`qa_outputs` layer give each window's start and end logits, and qa_reference.py's copy of
utils_qa's post-processing reads the answer. The end-to-end test holds the app's answer to it.

  python3 tests/reference/qa_numpy.py MODEL_DIR --question Q --context C --max-len 64 --doc-stride 16

Prints {"answer", "start", "end", "probability"}. Needs numpy and tokenizers.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bert_numpy  # noqa: E402
import qa_reference  # noqa: E402


def windows(tok, question, context, max_len, stride):
    tok.no_padding()
    tok.enable_truncation(max_len, stride=stride, strategy="only_second")
    enc = tok.encode(question.lstrip(), context)
    out = []
    for w in [enc] + enc.overflowing:
        seq = w.sequence_ids
        out.append({"example": 0, "input_ids": w.ids, "token_type_ids": w.type_ids,
                    "offsets": [o if seq[k] == 1 else None for k, o in enumerate(w.offsets)]})
    return out


def answer(model, question, context, max_len, stride):
    model = Path(model)
    cfg = json.loads((model / "config.json").read_text())
    weights = bert_numpy.load_safetensors(model / "model.safetensors")
    ws = windows(Tokenizer.from_file(str(model / "tokenizer.json")), question, context, max_len, stride)
    logits = []
    for w in ws:
        x, _, _ = bert_numpy.forward(cfg, weights, [w["input_ids"]], [[1] * len(w["input_ids"])], [w["token_type_ids"]])
        l = bert_numpy.linear(x[0], weights, "qa_outputs")  # [seq, 2]
        logits.append((l[:, 0].astype(np.float32).tolist(), l[:, 1].astype(np.float32).tolist()))
    example = {"question": question, "context": context, "answers": []}
    a = qa_reference.postprocess([example], ws, logits)[0]
    return {"answer": a["text"], "start": a["start"], "end": a["end"], "probability": a["probability"]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--question", required=True)
    p.add_argument("--context", required=True)
    p.add_argument("--max-len", type=int, default=384)
    p.add_argument("--doc-stride", type=int, default=128)
    a = p.parse_args()
    print(json.dumps(answer(a.model, a.question, a.context, a.max_len, a.doc_stride)))


if __name__ == "__main__":
    main()
