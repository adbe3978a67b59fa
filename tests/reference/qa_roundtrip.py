#!/usr/bin/env python3
"""Checks that a question-answering model Anneal exported gives Anneal's answers in
transformers: the folder (or zip) loaded with `AutoModelForQuestionAnswering` and
`AutoTokenizer`, the questions cut into run_qa.py's windows, each window's logits read through
utils_qa's post-processing (qa_reference.py), against the lines `anneal predict --data` printed.

  anneal predict --model OUT --data QUESTIONS > anneal.jsonl
  python3 tests/reference/qa_roundtrip.py OUT QUESTIONS anneal.jsonl [--max-len 384 --doc-stride 128]

Needs torch and transformers. Exits non-zero on the first answer that differs (text or span).
"""
import argparse
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qa_reference  # noqa: E402


def questions(path):
    """SQuAD JSON, or JSON lines with question, context, id (answers unused)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{") and '"paragraphs"' in text[:100000]:
        out = []
        for article in json.loads(text)["data"]:
            for p in article["paragraphs"]:
                for qa in p["qas"]:
                    out.append({"id": qa["id"], "question": qa["question"], "context": p["context"], "answers": []})
        return out
    return [dict(json.loads(l), answers=[]) for l in text.splitlines() if l.strip()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("questions")
    p.add_argument("answers")
    p.add_argument("--max-len", type=int)
    p.add_argument("--doc-stride", type=int)
    a = p.parse_args()
    folder = Path(a.model)
    if folder.suffix == ".zip":
        unzipped = Path(tempfile.mkdtemp())
        zipfile.ZipFile(folder).extractall(unzipped)
        folder = unzipped
    record = json.loads((folder / "training.json").read_text()) if (folder / "training.json").exists() else {}
    max_len = a.max_len or record.get("max_len") or 384
    stride = a.doc_stride or record.get("doc_stride") or max_len // 3
    v2 = bool(record.get("version_2_with_negative"))
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForQuestionAnswering.from_pretrained(folder).eval()
    examples = questions(a.questions)
    windows = qa_reference.features(tok, examples, max_len, stride)
    logits = []
    with torch.no_grad():
        for w in windows:
            args = {"input_ids": torch.tensor([w["input_ids"]])}
            if "token_type_ids" in w:
                args["token_type_ids"] = torch.tensor([w["token_type_ids"]])
            o = model(**args)
            logits.append((o.start_logits[0].tolist(), o.end_logits[0].tolist()))
    want = qa_reference.postprocess(examples, windows, logits, v2=v2)
    got = [json.loads(l) for l in Path(a.answers).read_text().splitlines() if l.strip()]
    if len(got) != len(want):
        sys.exit(f"{len(got)} answers from Anneal, {len(want)} questions")
    worst = 0.0
    for e, g, w in zip(examples, got, want):
        if (g["answer"], g["start"], g["end"]) != (w["text"], w["start"], w["end"]):
            sys.exit(f"question {e['id']}: Anneal answered {g}, transformers {w}")
        worst = max(worst, abs(g["score"] - w["probability"]))
    print(f"{len(want)} answers equal ({len(windows)} windows of {max_len} tokens, stride {stride}); "
          f"scores within {worst:.2e}")


if __name__ == "__main__":
    main()
