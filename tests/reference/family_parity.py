#!/usr/bin/env python3
"""Regenerates tests/fixtures/families/: for each encoder family Anneal loads (BERT, DistilBERT,
RoBERTa, XLM-RoBERTa, ELECTRA), a small randomly initialised model written by transformers as its
Hugging Face class writes it, a tokenizer of the family's kind trained here (WordPiece, byte-level
BPE, SentencePiece Unigram), and what transformers computes with them:

- the ids of the hard texts of tokenizer_parity.py as tokenizer.json defines them (the file's
  normalizer, pre-tokenizer, model and post-processor, through transformers' fast tokenizer),
  and of words given one by one (NER input, `is_split_into_words`, through the family's
  tokenizer class, with `add_prefix_space=True` where the family needs it) and their word ids.
  transformers 5's XLMRobertaTokenizer class drops the file's normalizer (it builds its own
  pipeline), so on text that NFKC changes it gives other ids than the file; those texts are
  listed under `class_differs` (Anneal follows the file, as `tokenizers` does);
- the encoder's last hidden states on a padded batch of two texts;
- for the sequence and the token classification head: the logits, the loss of fixed labels, and the
  loss after one plain SGD step (lr 0.1) on the gradients of every parameter;
- for the question-answering head (`*ForQuestionAnswering`): questions about a long passage of
  hard text cut into windows as run_qa.py cuts them (max length QA_LEN, doc stride QA_STRIDE;
  answers on a window's first and last passage token, across a window edge, none at all), the
  windows' ids, segments, offsets and labels; the logits, loss and loss after one SGD step on
  the windows padded into one batch; and the answers utils_qa's post-processing reads off each
  window's own logits (v1, and v2 with "no answer" competing);
- for the language-model heads (`*ForMaskedLM`, and `*ForCausalLM` / `BertLMHeadModel` where the
  family has one: not DistilBERT): the logits at the first scored positions, the loss and the loss
  after one SGD step, the model written as transformers saves it (its decoder tied).

No weights are downloaded. Run with torch and transformers:

  python3 tests/reference/family_parity.py
"""
import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForQuestionAnswering,
                          AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer,
                          PreTrainedTokenizerFast)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tokenizer_parity import TEXTS  # noqa: E402  (the hard-text fixture)
import qa_reference  # noqa: E402  (run_qa.py's features and post-processing)

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "families"
SAMPLES = Path(__file__).resolve().parents[2] / "www" / "samples"
BATCH = ["The film was a delight, warm and funny.", "Dull."]
WORDS = ["Ángela", "visited", "New", "York's", "Museum", "in", "2026", "!"]
LR = 0.1
QA_LEN, QA_STRIDE = 40, 10
QA_PASSAGE = " ".join([TEXTS[1], TEXTS[3], TEXTS[4], TEXTS[6], TEXTS[11], TEXTS[0], TEXTS[12]])
ROWS = 4  # scored rows whose language-model logits are kept


def corpus():
    lines = list(TEXTS) + BATCH + [" ".join(WORDS)]
    reviews = SAMPLES / "rotten_tomatoes_small.csv"
    if reviews.exists():
        lines += reviews.read_text(encoding="utf-8").splitlines()[:300]
    return lines


def wordpiece():
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(corpus(), trainers.WordPieceTrainer(
        vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                   ("[CLS]", tok.token_to_id("[CLS]")))
    tok.decoder = decoders.WordPiece()
    return tok, {"tokenizer_class": "BertTokenizer", "do_lower_case": True}


SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def byte_level_bpe():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(corpus(), trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True,
                                                      add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok, {"tokenizer_class": "RobertaTokenizer"}


def unigram():
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC(),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.train_from_iterator(corpus(), trainers.UnigramTrainer(
        vocab_size=300, special_tokens=SPECIAL, unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    return tok, {"tokenizer_class": "XLMRobertaTokenizer"}


SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
             hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=0.02)
ROBERTA = dict(SMALL, max_position_embeddings=66, pad_token_id=1, bos_token_id=0, eos_token_id=2,
               type_vocab_size=1, layer_norm_eps=1e-5)
FAMILIES = {
    "bert": (wordpiece, dict(model_type="bert", max_position_embeddings=64, **SMALL), False),
    "distilbert": (wordpiece, dict(model_type="distilbert", dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                                   dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0,
                                   max_position_embeddings=64, activation="gelu"), False),
    "roberta": (byte_level_bpe, dict(model_type="roberta", **ROBERTA), True),
    "xlm-roberta": (unigram, dict(model_type="xlm-roberta", **ROBERTA), False),
    "electra": (wordpiece, dict(model_type="electra", embedding_size=16, max_position_embeddings=64, **SMALL),
                False),
}


def randomize(model, gen):
    """Every parameter random (biases and LayerNorms included), so that a misplaced tensor shows."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            norm = "LayerNorm" in name or "layer_norm" in name
            p.copy_(1.0 + 0.1 * noise if norm and name.endswith("weight") else 0.1 * noise)


def run_head(model, batch, labels):
    model.train()  # every dropout is 0 in these configs
    out = model(**batch, labels=labels)
    out.loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
        after = model(**batch, labels=labels).loss.item()
    return {"logits": out.logits.detach().flatten().tolist(), "loss": out.loss.item(),
            "loss_after_sgd_step": after}


def run_lm(model, batch, labels, objective):
    """Logits at the rows transformers scores (labelled tokens; for a causal model each token
    whose successor is labelled), the loss and the loss after one SGD step."""
    model.train()
    out = model(**batch, labels=labels)
    scored = labels.clone()
    if objective == "clm":
        scored = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], -100)], dim=1)
    logits = out.logits[scored != -100][:ROWS]
    out.loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
        after = model(**batch, labels=labels).loss.item()
    # Vocabulary-wide rows: the first few, to 7 significant digits, keep the fixture small.
    logits = [float(f"{x:.7g}") for x in logits.detach().flatten().tolist()]
    return {"logits": logits, "loss": out.loss.item(), "loss_after_sgd_step": after,
            "labels": labels.tolist()}


def qa_examples(tok):
    """Questions about QA_PASSAGE whose answers sit where windows are hard: a window's last and
    first passage token, across the edge between two windows, inside one; and one without."""
    probe = qa_reference.features(tok, [{"question": "Which word?", "context": QA_PASSAGE, "answers": []}],
                                  QA_LEN, QA_STRIDE)
    assert len(probe) >= 3, f"{len(probe)} windows: the passage must need three or more"
    spans = lambda w: [o for o in w["offsets"] if o is not None and o[1] > o[0]]
    first, second = spans(probe[0]), spans(probe[1])
    picks = {
        "last-of-window": (first[-1][0], first[-1][1]),
        "first-of-window": (second[0][0], second[0][1]),
        "across-edge": (first[-2][0], second[QA_STRIDE + 1][1]),
        "inside": (spans(probe[2])[3][0], spans(probe[2])[5][1]),
    }
    examples = [{"id": k, "question": "Which word?", "context": QA_PASSAGE,
                 "answers": [{"text": QA_PASSAGE[a:b], "answer_start": a}]} for k, (a, b) in picks.items()]
    examples.append({"id": "none", "question": " Is it there?", "context": QA_PASSAGE, "answers": []})
    return examples


def question_answering(d, tok, config, gen, seed):
    """The QA head saved under d/qa, its windows, what it computes and the answers read off it."""
    config = AutoConfig.for_model(**{k: v for k, v in config.to_dict().items()
                                     if k not in ("id2label", "label2id", "architectures")})
    torch.manual_seed(seed)
    model = AutoModelForQuestionAnswering.from_config(config)
    randomize(model, gen)
    model.save_pretrained(d / "qa")
    examples = qa_examples(tok)
    windows = qa_reference.features(tok, examples, QA_LEN, QA_STRIDE)
    padded = tok.pad({"input_ids": [w["input_ids"] for w in windows]}, return_tensors="pt")
    batch = {"input_ids": padded["input_ids"], "attention_mask": padded["attention_mask"]}
    if "token_type_ids" in windows[0]:
        n = padded["input_ids"].shape[1]
        batch["token_type_ids"] = torch.tensor([w["token_type_ids"] + [0] * (n - len(w["token_type_ids"]))
                                                for w in windows])
    model.train()  # every dropout is 0 in these configs (DistilBERT's qa_dropout set to 0)
    starts = torch.tensor([w["start"] for w in windows])
    ends = torch.tensor([w["end"] for w in windows])
    out = model(**batch, start_positions=starts, end_positions=ends)
    logits = torch.stack([out.start_logits, out.end_logits], dim=-1)
    out.loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
        after = model(**batch, start_positions=starts, end_positions=ends).loss.item()
    # The post-processing on the saved (unstepped) model, each window alone.
    model = AutoModelForQuestionAnswering.from_pretrained(d / "qa").eval()
    per_window = []
    with torch.no_grad():
        for w in windows:
            args = {"input_ids": torch.tensor([w["input_ids"]])}
            if "token_type_ids" in w:
                args["token_type_ids"] = torch.tensor([w["token_type_ids"]])
            o = model(**args)
            per_window.append((o.start_logits[0].tolist(), o.end_logits[0].tolist()))
    return {
        "max_len": QA_LEN, "stride": QA_STRIDE, "examples": examples, "windows": windows,
        "logits": logits.detach().flatten().tolist(), "loss": out.loss.item(), "loss_after_sgd_step": after,
        "window_logits": per_window,
        "answers": qa_reference.postprocess(examples, windows, per_window),
        "answers_v2": qa_reference.postprocess(examples, windows, per_window, v2=True),
    }


def language_models(d, family, fields, batch, vocab, seed):
    """The family's language models, saved under d/mlm and d/clm, and what they compute."""
    ids, mask = batch["input_ids"], batch["attention_mask"]
    gen = torch.Generator().manual_seed(100 + seed)
    out = {}
    objectives = [("mlm", AutoModelForMaskedLM, {})]
    if family != "distilbert":  # transformers has no causal DistilBERT
        objectives.append(("clm", AutoModelForCausalLM, {"is_decoder": True}))
    for objective, cls, extra in objectives:
        config = AutoConfig.for_model(vocab_size=vocab, **fields, **extra)
        torch.manual_seed(100 + seed)
        model = cls.from_config(config)
        randomize(model, gen)
        model.save_pretrained(d / objective)
        labels = torch.randint(0, vocab, ids.shape, generator=gen)
        if objective == "mlm":  # about half the real tokens scored, never padding
            labels[(mask == 0) | (torch.rand(ids.shape, generator=gen) < 0.5)] = -100
        else:
            labels[mask == 0] = -100
        out[objective] = run_lm(model, batch, labels, objective)
    return out


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    for seed, (family, (make_tokenizer, fields, prefix_space)) in enumerate(FAMILIES.items()):
        d = OUT / family
        d.mkdir(parents=True)
        tok, tok_config = make_tokenizer()
        tok.save(str(d / "tokenizer.json"))
        (d / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=1) + "\n")
        hf_tok = AutoTokenizer.from_pretrained(d)
        file_tok = PreTrainedTokenizerFast(tokenizer_file=str(d / "tokenizer.json"))
        word_tok = AutoTokenizer.from_pretrained(d, add_prefix_space=True) if prefix_space else hf_tok

        texts = [{"text": t, "ids": file_tok(t)["input_ids"]} for t in TEXTS]
        class_differs = [t for t in TEXTS if hf_tok(t)["input_ids"] != file_tok(t)["input_ids"]]
        words = word_tok(WORDS, is_split_into_words=True)
        batch = hf_tok(BATCH, padding=True, return_tensors="pt")
        batch = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
        ids, mask = batch["input_ids"], batch["attention_mask"]

        config = AutoConfig.for_model(vocab_size=len(hf_tok), **fields)
        gen = torch.Generator().manual_seed(seed)
        expected = {"transformers": transformers.__version__, "torch": torch.__version__,
                    "texts": texts, "class_differs": class_differs, "words": WORDS, "word_input_ids": words["input_ids"],
                    "word_ids": words.word_ids(), "input_ids": ids.tolist(),
                    "attention_mask": mask.tolist(), "lr": LR}
        for task, cls in [("classify", AutoModelForSequenceClassification),
                          ("ner", AutoModelForTokenClassification)]:
            labels = ["negative", "neutral", "positive"] if task == "classify" else ["O", "B-LOC", "I-LOC", "B-PER"]
            config.id2label = dict(enumerate(labels))
            config.label2id = {l: i for i, l in enumerate(labels)}
            torch.manual_seed(seed)
            model = cls.from_config(config)
            randomize(model, gen)
            model.save_pretrained(d / task)
            model.eval()
            with torch.no_grad():
                hidden = model.base_model(**batch).last_hidden_state
            if task == "classify":
                expected["hidden"] = hidden.flatten().tolist()
                y = torch.tensor([2, 0])
            else:
                y = torch.randint(0, len(labels), ids.shape, generator=gen)
                y[mask == 0] = -100
                y[:, 0] = -100
            expected[task] = dict(run_head(model, batch, y), labels=y.tolist())
        qa_config = AutoConfig.for_model(vocab_size=len(hf_tok), **fields,
                                         **({"qa_dropout": 0.0} if family == "distilbert" else {}))
        # The family's tokenizer class (BERT and ELECTRA's return segments); for XLM-R, whose
        # class builds another pipeline than the file's (see above), the file's, as Anneal reads it.
        qa_tok = hf_tok if family != "xlm-roberta" else PreTrainedTokenizerFast(
            tokenizer_file=str(d / "tokenizer.json"),
            **{k: getattr(hf_tok, k) for k in ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token")})
        expected["qa"] = question_answering(d, qa_tok, qa_config, torch.Generator().manual_seed(200 + seed), seed)
        expected.update(language_models(d, family, fields, batch, len(hf_tok), seed))
        # One line per entry (values compact): vocabulary-wide logits would fill pages otherwise.
        lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                 for k, v in expected.items()]
        (d / "expected.json").write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
        print(family, "vocab", len(hf_tok), "classify loss", expected["classify"]["loss"],
              "texts where the class differs from the file:", len(class_differs))


if __name__ == "__main__":
    main()
