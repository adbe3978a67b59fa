"""Loads a model zip exported by the browser app in Python transformers and prints its
loading report and class probabilities, to compare with the app's Predict panel.

    ~/.cache/anneal/venv-ref/bin/python tests/reference/browser_export.py target/e2e/webgpu-export.zip "the film was really good"
"""
import sys
import tempfile
import zipfile
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, PreTrainedTokenizerFast


def main():
    archive, texts = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(archive).extractall(tmp)
        folder = next(Path(tmp).iterdir())
        model, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
        print("loading:", {k: sorted(v) if isinstance(v, set) else v for k, v in info.items()})
        tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"))
        for text in texts:
            with torch.no_grad():
                p = model(**tokenizer(text, return_tensors="pt")).logits.softmax(-1)[0]
            ranked = sorted(((model.config.id2label[i], float(v)) for i, v in enumerate(p)), key=lambda x: -x[1])
            print(text, "->", " | ".join(f"{label} {v * 100:.1f}%" for label, v in ranked))


if __name__ == "__main__":
    main()
