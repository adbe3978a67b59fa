"""An independent reference for extractive question answering, written from transformers'
`examples/pytorch/question-answering`: `run_qa.py`'s features (question first,
`truncation="only_second"`, a maximum length and a doc stride, overflowing windows, offsets
back to the passage's characters, training labels found by its walk over the offsets, `[CLS]`
when a window does not hold the answer) and `utils_qa.postprocess_qa_predictions` (the n best
start and end logits of every window, the best span over a question's windows, SQuAD v2's null
score). Windows are tokenized without padding (`--pad_to_max_length False`) and each window's
logits are taken at its own length.

Imported by family_parity.py (fixtures) and qa_roundtrip.py (an exported model's answers).
"""
import collections

import numpy as np


def features(tokenizer, examples, max_len, stride):
    """Windows of each example: ids, type ids (when the tokenizer returns them), each token's
    passage offsets (None outside the passage), the training labels, and the example's index."""
    pad_on_right = tokenizer.padding_side == "right"
    enc = tokenizer(
        [e["question"].lstrip() for e in examples],
        [e["context"] for e in examples],
        truncation="only_second" if pad_on_right else "only_first",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    out = []
    for i, ids in enumerate(enc["input_ids"]):
        example = enc["overflow_to_sample_mapping"][i]
        answers = examples[example]["answers"]
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        cls = ids.index(tokenizer.cls_token_id)
        if not answers:
            start = end = cls
        else:
            start_char = answers[0]["answer_start"]
            end_char = start_char + len(answers[0]["text"])
            first = 0
            while seq[first] != 1:
                first += 1
            last = len(ids) - 1
            while seq[last] != 1:
                last -= 1
            if not (offsets[first][0] <= start_char and offsets[last][1] >= end_char):
                start = end = cls
            else:
                # The walk as run_qa.py writes it: it may run past the passage's last token.
                while first < len(offsets) and offsets[first][0] <= start_char:
                    first += 1
                start = first - 1
                while offsets[last][1] >= end_char:
                    last -= 1
                end = last + 1
        window = {
            "example": example,
            "input_ids": ids,
            "offsets": [o if seq[k] == 1 else None for k, o in enumerate(offsets)],
            "start": start,
            "end": end,
        }
        if "token_type_ids" in enc:
            window["token_type_ids"] = enc["token_type_ids"][i]
        out.append(window)
    return out


def postprocess(examples, windows, logits, n_best=20, max_answer_len=30, v2=False, threshold=0.0):
    """The answer to each example from its windows' (start, end) logits, as utils_qa does it."""
    by_example = collections.defaultdict(list)
    for w, l in zip(windows, logits):
        by_example[w["example"]].append((w, l))
    answers = []
    for i, example in enumerate(examples):
        prelim, null = [], None
        for w, (starts, ends) in by_example[i]:
            starts, ends = np.asarray(starts, dtype=np.float32), np.asarray(ends, dtype=np.float32)
            offsets = w["offsets"]
            here = starts[0] + ends[0]
            if null is None or null["score"] > here:
                null = {"offsets": (0, 0), "score": here}
            for s in np.argsort(starts, kind="stable")[-1:-n_best - 1:-1].tolist():
                for e in np.argsort(ends, kind="stable")[-1:-n_best - 1:-1].tolist():
                    if s >= len(offsets) or e >= len(offsets) or offsets[s] is None or offsets[e] is None:
                        continue
                    if e < s or e - s + 1 > max_answer_len:
                        continue
                    prelim.append({"offsets": (offsets[s][0], offsets[e][1]), "score": starts[s] + ends[e]})
        if v2 and null is not None:
            prelim.append(null)
        preds = sorted(prelim, key=lambda p: p["score"], reverse=True)[:n_best]
        if v2 and not any(p["offsets"] == (0, 0) for p in preds):
            preds.append(null)
        context = example["context"]
        for p in preds:
            p["text"] = context[p["offsets"][0]:p["offsets"][1]]
        if not preds or (len(preds) == 1 and preds[0]["text"] == ""):
            preds.insert(0, {"text": "empty", "offsets": (0, 0), "score": np.float32(0.0)})
        scores = np.array([p["score"] for p in preds], dtype=np.float32)
        probs = np.exp(scores - scores.max())
        probs = probs / probs.sum()
        best = preds[0]
        answer = {"text": best["text"], "start": best["offsets"][0], "end": best["offsets"][1],
                  "score": float(best["score"]), "probability": float(probs[0])}
        if v2:
            k = next((j for j, p in enumerate(preds) if p["text"] != ""), 0)
            diff = float(null["score"] - preds[k]["score"])
            chosen = preds[k]
            answer = {"text": chosen["text"], "start": chosen["offsets"][0], "end": chosen["offsets"][1],
                      "score": float(chosen["score"]), "probability": float(probs[k]), "null_score_diff": diff}
            if diff > threshold:
                answer.update(text="", start=0, end=0)
        answers.append(answer)
    return answers
