#!/usr/bin/env python3
"""Writes tests/fixtures/squad_metric.json: SQuAD's exact match and F1 of hand-made answers, as
the official SQuAD v2.0 evaluation computes them, for Anneal's `train::squad` to equal.

The `evaluate` library's `squad` and `squad_v2` metrics fetch their scripts from the Hugging
Face Hub, which these machines cannot reach; the same official code ships in transformers 4's
wheel as `transformers/data/metrics/squad_metrics.py` (`normalize_answer`, `compute_exact`,
`compute_f1`, the gold answers that normalise to nothing dropped, HasAns/NoAns), which this
script runs unchanged, with its two package-relative imports (a tokenizer and a logger it does
not use here) left out:

  pip download --no-deps --only-binary=:all: transformers==4.57.1 -d DIR
  # transformers-4.57.1-py3-none-any.whl  sha256 b10d05da8fa67dc41644dbbf9bc45a44cb86ae33da6f9295f5fbf5b7890bd267
  python3 tests/reference/squad_metric_parity.py DIR/transformers-4.57.1-py3-none-any.whl

SQuAD v1.1's script differs from v2.0's only where an answer or a gold answer normalises to
nothing; the v1 cases here have none, so both give the numbers recorded.
"""
import hashlib
import json
import sys
import types
import zipfile
from pathlib import Path

WHEEL_SHA = "b10d05da8fa67dc41644dbbf9bc45a44cb86ae33da6f9295f5fbf5b7890bd267"
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "squad_metric.json"

# (question, gold answers, prediction): punctuation, articles, case, white space, Unicode,
# partial overlaps, repeated words, several gold answers.
V1 = [
    ("Who wrote it?", ["Mary Shelley", "Shelley"], "Mary Shelley"),
    ("When?", ["in 1818", "1818"], "1818."),
    ("What is it?", ["the Eiffel Tower"], "Eiffel tower"),
    ("Where?", ["an old, quiet café"], "the quiet café"),
    ("Which one?", ["A–B road"], "a–b road"),
    ("How many?", ["three hundred"], "three hundred and three"),
    ("Why?", ["because it rained"], "it rained, because"),
    ("Name it.", ["Zoë's façade"], "zoës façade"),
    ("What?", ["New  York\tCity"], "new york city"),
    ("Who?", ["the the cat"], "cat cat"),
    ("What?", ["東京 タワー"], "東京"),
    ("How?", ["by train"], "by bus"),
    ("What was it?", ["theatre"], "the atre"),
    ("Which?", ["an apple a day"], "apple day"),
]
# v2 adds questions without an answer, and answers where there is none.
V2 = V1[:6] + [
    ("Is there?", [], ""),
    ("Is there?", [], "something"),
    ("What?", ["the"], ""),
    ("What?", ["Paris"], ""),
]


def load_metrics(wheel):
    if hashlib.sha256(Path(wheel).read_bytes()).hexdigest() != WHEEL_SHA:
        sys.exit(f"{wheel}: not the pinned transformers 4.57.1 wheel")
    with zipfile.ZipFile(wheel) as z:
        code = z.read("transformers/data/metrics/squad_metrics.py").decode("utf-8")
    code = code.replace("from ...models.bert import BasicTokenizer", "BasicTokenizer = None")
    code = code.replace("from ...utils import logging", "import logging\nlogging.get_logger = logging.getLogger")
    module = types.ModuleType("squad_metrics")
    exec(compile(code, "squad_metrics.py", "exec"), module.__dict__)
    return module


def score(m, cases):
    examples, preds = [], {}
    for i, (question, golds, prediction) in enumerate(cases):
        qid = f"q{i}"
        examples.append(types.SimpleNamespace(qas_id=qid, answers=[{"text": g} for g in golds]))
        preds[qid] = prediction
    exact, f1 = m.get_raw_scores(examples, preds)
    out = dict(m.make_eval_dict(exact, f1))
    has = [f"q{i}" for i, c in enumerate(cases) if c[1]]
    no = [f"q{i}" for i, c in enumerate(cases) if not c[1]]
    if has and no:
        m.merge_eval(out, m.make_eval_dict(exact, f1, qid_list=has), "HasAns")
        m.merge_eval(out, m.make_eval_dict(exact, f1, qid_list=no), "NoAns")
    return {"cases": [{"question": q, "answers": g, "prediction": p} for q, g, p in cases],
            "scores": dict(out), "per_question": {"exact": exact, "f1": f1}}


def main():
    m = load_metrics(sys.argv[1])
    OUT.write_text(json.dumps({"source": "transformers 4.57.1 data/metrics/squad_metrics.py (SQuAD v2.0's official evaluation)",
                               "v1": score(m, V1), "v2": score(m, V2)}, ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")
    print(OUT)


if __name__ == "__main__":
    main()
