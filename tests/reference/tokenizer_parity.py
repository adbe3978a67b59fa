#!/usr/bin/env python3
"""Regenerates tests/fixtures/tokenizer_parity.json: hard texts and the ids Python `tokenizers`
gives for them with all-MiniLM-L6-v2's tokenizer.json (padding and truncation off).

  pip install tokenizers && python3 tests/reference/tokenizer_parity.py www/models/all-MiniLM-L6-v2
"""
import json, sys
from pathlib import Path

from tokenizers import Tokenizer

TEXTS = [
    "A man is eating food.",
    "Café naïve résumé — Zoë's façade, Ångström, coöperate.",
    "Ünïcödé ÀÉÎÕÜ ß ﬁ ﬀ Ⅻ ½ ²",
    "I love it 😀🚀👍🏽 so much!!! ❤️",
    "東京は日本の首都です。我爱自然语言处理。한국어 텍스트",
    "Visit https://example.com/path?q=1&x=%20y#frag or mail me@example.org",
    "Numbers: 3.14159, 1,000,000, -42, 1e-12, 0x1F, 2026-11-26 12:34:56",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 150,
    "  odd\twhitespace\n\nand\u00a0non-breaking\u2003spaces\u200b zero-width  ",
    "<script>alert('x')</script> &amp; <b>bold</b>",
    "Don't won't can't y'all O'Neil's rock'n'roll",
    "ÉCOLE Ecole école ECOLE",
    "@user #hashtag RT: lol omg ur gr8 b4 2day",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947",
    "",
    "[CLS] [SEP] [MASK] [PAD] [UNK] literal specials",
    "tab\tseparated\tvalues\tand\rcarriage returns",
]


def main():
    model = Path(sys.argv[1])
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    cases = [{"text": t, "ids": tok.encode(t).ids} for t in TEXTS]
    out = Path(__file__).resolve().parent.parent / "fixtures" / "tokenizer_parity.json"
    out.write_text(json.dumps({"tokenizers": __import__("tokenizers").__version__, "cases": cases},
                              ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
