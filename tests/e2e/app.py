"""End-to-end test of the built app in headless Chromium, driven over WebDriver.

    python3 tests/e2e/app.py --mode webgpu|cpu --dist dist --out target/e2e

`webgpu` runs Chromium with WebGPU on SwiftShader; `cpu` runs it without WebGPU, so the
worker must fall back to burn's Flex backend. Each run: loads a tiny model through the fake
Hub (download, cache list, delete) and from files, drops every malformed data file of the
engine's corpus and checks its message, checks that markup in data stays text, trains one
epoch, reads the metrics, predicts, exports, imports the export and predicts the same; trains
entity recognition and question answering (the SQuAD sample; a typed question answered, and
the export's answer reproduced in Python);
pre-trains a small language model in the Learn panel and shows its attention; and
screenshots each panel into --out.

Privacy: the server is also the browser's proxy and refuses every request that is not for
127.0.0.1, so nothing leaves the machine. A request that the app made (its page, workers, or
anything they start, told apart from Chromium's own start-up traffic over DevTools by
`netwatch.py`) for any other host fails the test; a probe page first shows that such a request,
from the page and from a worker, is caught.
"""
import argparse
import json
import math
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

sys.path.insert(0, str(Path(__file__).parent))
import fixtures  # noqa: E402
import netwatch  # noqa: E402
import server  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# The families besides BERT, each loaded from the local Hub.
FAMILIES = ("distilbert", "roberta", "xlm-roberta", "electra")


def log(*args):
    print("[e2e]", *args, flush=True)


class App:
    def __init__(self, driver):
        self.d = driver

    def el(self, testid):
        return self.d.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def text(self, testid):
        return self.el(testid).text

    def wait(self, what, predicate, timeout=120):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            try:
                value = predicate()
                if value:
                    return value
            except WebDriverException as e:  # element not there yet
                last = e
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout}s waiting for {what} ({last})\n{self.dump()}")

    def dump(self):
        lines = []
        for entry in self.d.get_log("browser")[-30:]:
            lines.append(f"  console: {entry['message'][:400]}")
        try:
            lines.append("  model-status: " + self.text("model-status"))
            lines.append("  train-status: " + self.text("train-status"))
        except WebDriverException:
            pass
        return "\n".join(lines)

    def set_number(self, testid, value):
        field = self.el(testid)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(str(value), Keys.TAB)

    def panel_text(self, panel):
        return self.d.find_element(By.ID, panel).text


def browser(mode, downloads, profile):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", f"--user-data-dir={profile}", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-extensions",
                "--window-size=1280,1600", "--disable-dev-shm-usage",
                # Chromium's own traffic (autofill, sign-in, time, hints), so that what is left
                # is the app's: every request must then be for 127.0.0.1.
                "--disable-features=AutofillServerCommunication,OptimizationGuideModelDownloading,"
                "OptimizationHintsFetching,OptimizationTargetPrediction,OptimizationHints,MediaRouter,"
                "Translate,NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,"
                "AccountConsistency,SigninInterceptBubble,PrivacySandboxSettings4,"
                "SafeBrowsingDownloadProtection,OptimizationGuideOnDeviceModel,OnDeviceModelService,"
                "DownloadBubble,DownloadBubbleV2,SafeBrowsingDeepScanning,FileTypePolicies,"
                "DownloadWarningSurvey,DownloadsLocationChange",
                "--disable-client-side-phishing-detection", "--disable-domain-reliability",
                "--no-pings", "--disable-breakpad", "--metrics-recording-only",
                "--no-default-browser-check", "--password-store=basic", "--disable-sync",
                "--disable-signin-promo", "--google-base-url=http://127.0.0.1:9",
                "--variations-server-url=http://127.0.0.1:9", "--gaia-url=http://127.0.0.1:9",
                "--gcm-checkin-url=http://127.0.0.1:9", "--gcm-registration-url=http://127.0.0.1:9",
                "--gcm-mcs-endpoint=http://127.0.0.1:9",
                "--component-updater=url-source=http://127.0.0.1:9",
                "--safebrowsing-disable-download-protection", "--safebrowsing-disable-auto-update",
                ]:
        options.add_argument(arg)
    if mode == "webgpu":
        options.add_argument("--enable-unsafe-webgpu")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "safebrowsing.enabled": False,
                                              "safebrowsing.disable_download_protection": True,
                                              # Typing would fetch a spelling dictionary.
                                              "browser.enable_spellchecking": False,
                                              "spellcheck.dictionaries": []})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def saved_models(driver):
    return [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#model table.saved tbody tr")]


def lost_device(driver, app, fixtures_dir, out):
    """Crashes Chromium's GPU process in the middle of a run (DevTools' Browser.crashGpuProcess,
    a real device loss): the run fails with a message that says so, a fresh worker starts with a
    new device, and the best epoch found before the loss is still saved."""
    before = saved_models(driver)
    app.el("data-file-input").send_keys(str(fixtures_dir / "sentiment.csv"))
    app.wait("the data", lambda: "No problems found." in app.text("data-problems"), 30)
    app.set_number("train-epochs", 40)
    driver.execute_script("arguments[0].click()", app.el("train-start"))
    app.wait("a first epoch", lambda: driver.find_elements(By.CSS_SELECTOR, "#train table.epochs tbody tr"), 300)
    app.wait("its model to be saved", lambda: len(saved_models(driver)) > len(before), 60)
    driver.execute_cdp_cmd("Browser.crashGpuProcess", {})
    app.wait("the run to fail", lambda: app.text("train-status") == "failed", 120)
    message = driver.find_element(By.CSS_SELECTOR, "#train p.status").text
    assert "The GPU device was lost" in message, message
    alert = driver.find_element(By.CSS_SELECTOR, "div.fatal[role=alert]").text
    assert "The GPU device was lost" in alert, alert
    backend = app.wait("a new worker and device", lambda: (t := app.text("backend-info")) and "starting" not in t and t, 90)
    after = saved_models(driver)
    assert len(after) == len(before) + 1, (before, after)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(out / "webgpu-lost-device.png"))
    log("webgpu", f"lost device: run failed with the message, new worker on {backend!r}, "
        f"the epoch saved before the loss is listed")


def groups_and_counterfactuals(mode, driver, app, fixtures_dir):
    """Who the model fails: the validation examples scored by the data file's "who" column
    (alice, bob, none), each group's row, the gap in words and the confusion matrix within a
    group; then counterfactuals: first names on a template (the served name lists), and the
    person's own pairs (alice <-> bob) on the validation texts, every pair shown swapped."""
    listed = app.text("data-group-columns")
    assert listed.startswith("who: "), listed
    Select(app.el("groups-column")).select_by_value("who")
    app.set_number("groups-bootstrap", 100)
    driver.execute_script("arguments[0].click()", app.el("groups-start"))
    app.wait("the groups", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="groups-row"]')
             or (app.text("groups-status") not in ("", "scoring by group…")), 60)
    rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="groups-row"]')
    groups = sorted(r.get_attribute("data-group") for r in rows)
    assert groups == ["(missing)", "alice", "all examples", "bob"], (groups, app.text("groups-status"))
    counts = {r.get_attribute("data-group"): int(r.find_elements(By.TAG_NAME, "td")[1].text) for r in rows}
    assert counts["all examples"] == sum(v for k, v in counts.items() if k != "all examples"), counts
    gap = app.text("groups-gap")
    assert gap.startswith("accuracy is "), gap
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="groups-confusion"] td'), "no confusion within a group"
    log(mode, f"groups by who: {counts}; {gap}")

    Select(app.el("cf-swap")).select_by_value("names")
    driver.execute_script("arguments[0].click()", app.el("cf-valid"))  # templates only
    set_value(driver, app.el("cf-templates"), "{name} was good", "input")
    app.set_number("cf-per-template", 5)
    driver.execute_script("arguments[0].click()", app.el("cf-start"))
    app.wait("the name swaps", lambda: "swapping changed" in app.text("cf-summary")
             if driver.find_elements(By.CSS_SELECTOR, '[data-testid="cf-summary"]') else app.text("cf-status") not in ("", "testing…"), 60)
    summary = app.text("cf-summary")
    assert summary.startswith("swapping changed 5 of 5 texts"), (summary, app.text("cf-status"))
    log(mode, f"counterfactual, names on a template: {summary}")

    app.el("cf-file").send_keys(str(fixtures_dir / "pairs.csv"))
    app.wait("the pairs file", lambda: Select(app.el("cf-swap")).first_selected_option.get_attribute("value") == "own", 10)
    driver.execute_script("arguments[0].click()", app.el("cf-valid"))  # the validation texts again
    set_value(driver, app.el("cf-templates"), "", "input")
    before = app.text("cf-summary")
    driver.execute_script("arguments[0].click()", app.el("cf-start"))
    app.wait("the own swaps", lambda: app.text("cf-summary") != before or app.text("cf-status") not in ("", "testing…"), 60)
    summary = app.text("cf-summary")
    named = counts["alice"] + counts["bob"]
    assert summary.startswith(f"swapping changed {named} of {counts['all examples']} texts"), (summary, counts, app.text("cf-status"))
    for pair in driver.find_elements(By.CSS_SELECTOR, '[data-testid="cf-pair"]'):
        original, swapped = pair.find_element(By.TAG_NAME, "span").text, pair.find_element(By.TAG_NAME, "b").text
        want = original.replace("alice", "\0").replace("bob", "alice").replace("\0", "bob")
        assert swapped == want, (original, swapped)
    log(mode, f"counterfactual, own pairs on the validation texts: {summary}")


def ner(mode, driver, app, fixtures_dir):
    """Entity recognition from a base model: one epoch, the entity-level F1, and a typed sentence
    answered in the entity view (after one epoch of a tiny model the spans found vary from run
    to run, so only the answer is checked, not which entities it holds); the counterfactual test
    of the tagger (alice <-> bob), and counterfactual augmentation of names (its preview; on the
    CPU path a run with it)."""
    files = [fixtures_dir / "tiny-bert" / f for f in ("config.json", "model.safetensors", "vocab.txt")]
    app.el("model-file-input").send_keys("\n".join(str(f) for f in files))
    app.wait("the base model", lambda: "loaded local-model" in app.text("model-status"), 90)
    app.el("data-file-input").send_keys(str(fixtures_dir / "ner.conll"))
    app.wait("the NER data", lambda: "named entity recognition" in app.panel_text("data")
             and "No problems found." in app.text("data-problems"), 30)
    app.set_number("train-epochs", 1)
    app.set_number("train-lr", 0.001)
    # Mention replacement: the preview changes the first sentences' mentions, every tag kept.
    Select(app.el("train-augment")).select_by_value("mentions")
    app.set_number("train-augment-rate", 1)
    previews = app.wait("the mention preview", lambda: driver.find_elements(
        By.CSS_SELECTOR, '[data-testid="augment-preview"] li'), 10)
    assert len(previews) == 3 and all(" → " in p.text for p in previews), [p.text for p in previews]
    # PGD adversarial training, two steps.
    Select(app.el("train-adversarial")).select_by_value("pgd")
    app.wait("the PGD fields", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="train-adv-steps"]'), 10)
    app.set_number("train-adv-steps", 2)
    # Multi-task: the sentiment file as an auxiliary task (a head of its own on the same
    # encoder), as many of its steps as the main task's, scored every epoch.
    driver.execute_script("arguments[0].open = true", app.el("data-aux"))
    app.el("data-aux-input").send_keys(str(fixtures_dir / "sentiment.csv"))
    app.wait("the auxiliary task", lambda: "sentiment.csv: " in app.text("data-aux-list"), 30)
    Select(app.el("train-task-sampling")).select_by_value("uniform")
    driver.execute_script("arguments[0].click()", app.el("train-start"))
    app.wait("NER training to finish", lambda: app.text("train-status") in ("done", "failed"), 420)
    assert app.text("train-status") == "done", app.panel_text("train")
    assert "multi-task: each step trains one task, chosen equally often" in app.panel_text("train"), app.panel_text("train")
    aux_rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="train-aux-epoch"]')
    assert len(aux_rows) == 1 and "sentiment.csv" in aux_rows[0].text, [r.text for r in aux_rows]
    log(mode, f"NER with an auxiliary task: {aux_rows[0].text!r}")
    app.el("data-aux-clear").click()
    app.wait("no auxiliary task", lambda: not driver.find_elements(By.CSS_SELECTOR, '[data-testid="data-aux-task"]'), 30)
    assert "augmentation: 1 mentions copy of each training example" in app.panel_text("train"), app.panel_text("train")
    assert "adversarial training: PGD-2 (ε 1, α 0.3)" in app.panel_text("train"), app.panel_text("train")
    Select(app.el("train-augment")).select_by_value("none")
    Select(app.el("train-adversarial")).select_by_value("none")
    entity_f1 = float(app.text("metric-entity-f1"))
    assert 0.0 <= entity_f1 <= 1.0, entity_f1
    app.el("predict-input").send_keys(Keys.CONTROL, "a")
    app.el("predict-input").send_keys(Keys.DELETE)
    app.el("predict-input").send_keys("alice went to london .")
    shown = app.wait("the entity view", lambda: "alice" in app.text("predict-output") and app.text("predict-output"), 60)
    log(mode, f"NER: one epoch, entity-level F1 {entity_f1}; prediction: {shown!r}")

    # The tagger's counterfactual test: the person's own pairs (alice <-> bob) on the
    # validation sentences, each swapped word's entity type before and after, by type.
    app.el("cf-file").send_keys(str(fixtures_dir / "pairs.csv"))
    app.wait("the pairs file", lambda: Select(app.el("cf-swap")).first_selected_option.get_attribute("value") == "own", 10)
    set_value(driver, app.el("cf-templates"), "", "input")
    driver.execute_script("arguments[0].click()", app.el("cf-start"))
    app.wait("the tagger's swaps", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="cf-types"] td')
             or app.text("cf-status") not in ("", "testing…"), 60)
    summary = app.text("cf-summary")
    found = re.match(r"the entity type of a swapped word changes for (\d+) of (\d+) swapped words", summary)
    assert found, (summary, app.text("cf-status"))
    rows = [[td.text for td in r.find_elements(By.TAG_NAME, "td")]
            for r in driver.find_elements(By.CSS_SELECTOR, '[data-testid="cf-types"] tbody tr')]
    assert sum(int(r[1]) for r in rows) == int(found.group(2)) > 0, (rows, summary)
    assert sum(int(r[2]) for r in rows) == int(found.group(1)), (rows, summary)
    log(mode, f"NER counterfactual, own pairs on the validation sentences: {summary}")

    # Counterfactual augmentation of names: the preview swaps the first sentences' names with
    # the served lists, and (CPU: one more run) the worker fetches the same lists to train.
    Select(app.el("train-augment")).select_by_value("cda:names")
    previews = app.wait("the names preview", lambda: driver.find_elements(
        By.CSS_SELECTOR, '[data-testid="augment-preview"] li'), 30)
    pairs = [p.text.split(" → ", 1) for p in previews]
    assert pairs and all(a != b and len(a.split()) == len(b.split()) for a, b in pairs), pairs
    if mode == "cpu":
        driver.execute_script("arguments[0].click()", app.el("train-start"))
        app.wait("the run with names swapped", lambda: app.text("train-status") in ("done", "failed"), 300)
        assert app.text("train-status") == "done", app.panel_text("train")
        assert "the counterfactual copy (first names swapped, the label kept)" in app.panel_text("train"), app.panel_text("train")
    Select(app.el("train-augment")).select_by_value("none")
    log(mode, f"counterfactual augmentation of names: preview {pairs[0]}")


QA_PASSAGE = ("Alice went to Paris with Bob in 2019. The film they saw there was really good, "
              "and the plot was great. Bob went to London the next year.")
QA_QUESTION = "Who went to Paris?"


def question_answering(mode, driver, app, fixtures_dir, downloads, out):
    """Extractive question answering from a base model: the SQuAD sample (its questions with
    the answers marked in their passages, and the windows they need at the chosen length), one
    epoch of the tiny model, exact match and F1 with the worst answers marked, a question about
    a pasted passage answered with its span marked, and the exported zip giving the same answer
    in Python (tests/reference/qa_numpy.py: the tokenizers package's windows, the numpy BERT,
    utils_qa's post-processing)."""
    files = [fixtures_dir / "tiny-bert" / f for f in ("config.json", "model.safetensors", "vocab.txt")]
    app.el("model-file-input").send_keys("\n".join(str(f) for f in files))
    app.wait("the base model", lambda: "loaded local-model" in app.text("model-status"), 90)
    driver.execute_script("arguments[0].click()", app.el("data-sample-qa"))
    app.wait("the SQuAD sample", lambda: "extractive question answering" in app.panel_text("data")
             and "No problems found." in app.text("data-problems"), 60)
    assert driver.find_elements(By.CSS_SELECTOR, "#data .qa-preview mark.gold"), "no answer marked in a passage"
    app.set_number("train-max-len", 64)
    app.set_number("train-doc-stride", 16)
    windows = app.wait("the window count", lambda: "At max length 64 and doc stride 16" in (t := app.text("data-windows")) and t, 10)
    app.set_number("train-epochs", 1)
    app.set_number("train-batch-size", 32)
    app.set_number("train-lr", 0.001)
    started = time.time()
    driver.execute_script("arguments[0].click()", app.el("train-start"))
    app.wait("QA training to finish", lambda: app.text("train-status") in ("done", "failed"), 900)
    assert app.text("train-status") == "done", app.panel_text("train")
    em, f1 = float(app.text("metric-exact-match")), float(app.text("metric-f1"))
    assert 0.0 <= em <= f1 <= 100.0, (em, f1)
    assert driver.find_elements(By.CSS_SELECTOR, "#evaluate [data-testid=qa-worst] mark.gold"), "no worst answer shown"
    log(mode, f"QA: {windows}; one epoch in {time.time() - started:.0f}s: exact match {em}, F1 {f1}")

    context = app.el("predict-context")
    context.send_keys(QA_PASSAGE)
    app.el("predict-input").send_keys(Keys.CONTROL, "a")
    app.el("predict-input").send_keys(Keys.DELETE)
    app.el("predict-input").send_keys(QA_QUESTION)
    shown = app.wait("the answer", lambda: (t := app.text("qa-answer")) and "“" in t and t, 60)
    marked = driver.find_element(By.CSS_SELECTOR, "#predict [data-testid=qa-passage] mark.answer").text
    assert marked and marked in QA_PASSAGE and marked in shown, (marked, shown)

    assert "AutoModelForQuestionAnswering" in app.text("export-python"), app.text("export-python")
    before = set(downloads.glob("*.zip"))
    app.el("export-model").click()
    zip_path = app.wait("the exported QA zip", lambda: next((p for p in downloads.glob("*.zip") if p not in before), None), 120)
    app.wait("the download to complete", lambda: not list(downloads.glob("*.crdownload")), 60)
    shutil.copy(zip_path, out / f"{mode}-qa-export.zip")
    unzipped = Path(tempfile.mkdtemp(prefix="anneal-qa-"))
    zipfile.ZipFile(zip_path).extractall(unzipped)
    sys.path.insert(0, str(ROOT / "tests" / "reference"))
    import qa_numpy  # noqa: E402  (numpy and tokenizers, in the test's venv)
    folder = next(unzipped.rglob("config.json")).parent  # the zip holds one folder
    reference = qa_numpy.answer(folder, QA_QUESTION, QA_PASSAGE, 64, 16)
    assert reference["answer"] == marked, f"the app answered {marked!r}, the Python reference {reference}"
    driver.execute_script("document.getElementById('predict').scrollIntoView()")
    driver.find_element(By.ID, "predict").screenshot(str(out / f"{mode}-qa-predict.png"))
    driver.find_element(By.ID, "evaluate").screenshot(str(out / f"{mode}-qa-evaluate.png"))
    log(mode, f"QA: {QA_QUESTION!r} answered {marked!r}; the export answers the same in Python")


def set_value(driver, element, value, event="change"):
    """Sets a field's value and fires the event the page listens to."""
    driver.execute_script("arguments[0].value = arguments[1];"
                          "arguments[0].dispatchEvent(new Event(arguments[2], {bubbles: true}))",
                          element, value, event)


def learn(mode, driver, app, out):
    """Pre-training in the tab: a small model on the bundled Moby-Dick sample (next-token on
    characters on WebGPU, masked words with a WordPiece vocabulary trained in the tab on the
    CPU), the held-out loss falling well below a uniform guess, the probes' answers changing
    between step 0 and the end (scrubbed on the timeline), the model kept and loadable to
    fine-tune, and the attention grid and head view of the pre-trained and the loaded model."""
    driver.execute_script("document.getElementById('learn').scrollIntoView()")
    driver.execute_script("arguments[0].click()", app.el("learn-sample-moby"))
    app.wait("the corpus", lambda: "moby_dick.txt" in app.text("learn-corpus"), 30)
    if mode == "webgpu":
        objective = app.el("learn-objective")
        set_value(driver, objective, "clm")
        app.wait("the character preset", lambda: "ROMEO" in app.el("learn-probes").get_attribute("value"), 10)
        probes = "Call me Ishm | a\nIt was the whale | ,"
        # SwiftShader runs every kernel on the CPU, slowly (about 4 s a step here): fewer
        # steps at a higher learning rate, short samples.
        steps, every = 20, 10
        set_value(driver, app.el("learn-sample-length"), "4")
        set_value(driver, app.el("learn-lr"), "0.003")
    else:
        probes = "call me [MASK] . | ishmael\nthe [MASK] was white . | whale"
        steps, every = 150, 50
    for testid, value in [("learn-layers", 1), ("learn-hidden", 64), ("learn-heads", 2), ("learn-steps", steps),
                          ("learn-batch", 8), ("learn-seq-len", 32), ("learn-eval-every", every)]:
        set_value(driver, app.el(testid), str(value))
    set_value(driver, app.el("learn-probes"), probes)
    size = app.text("learn-size")
    assert "parameters" in size, size
    started = time.time()
    driver.execute_script("arguments[0].click()", app.el("learn-start"))
    app.wait("pre-training to finish", lambda: app.text("learn-status") in ("done", "failed"), 900)
    assert app.text("learn-status") == "done", app.panel_text("learn")
    stats = app.text("learn-corpus-stats")
    vocab = int(re.search(r"of a ([\d,]+)-token vocabulary", stats).group(1).replace(",", ""))
    heldout = app.text("learn-heldout")
    loss = float(re.search(r"loss ([\d.]+) nats", heldout).group(1))
    assert loss < math.log(vocab) - 0.5, (loss, vocab, heldout)
    dots = app.el("learn-accuracy-chart").find_elements(By.TAG_NAME, "circle")
    assert len(dots) == steps // every + 1, len(dots)  # one per evaluation, step 0 included
    scrub = app.el("learn-scrub")
    last = scrub.get_attribute("max")
    assert int(last) == steps // every, last  # evaluations at step 0, then every `every` steps
    tops_end = [e.get_attribute("textContent") for e in driver.find_elements(By.CSS_SELECTOR, '.timeline [data-testid="learn-probe-top"]')]
    set_value(driver, scrub, "0", "input")
    app.wait("step 0 on the timeline", lambda: app.text("learn-scrub-step") == "step 0", 10)
    tops_start = [e.get_attribute("textContent") for e in driver.find_elements(By.CSS_SELECTOR, '.timeline [data-testid="learn-probe-top"]')]
    assert len(tops_start) == 2 and tops_start != tops_end, (tops_start, tops_end)
    set_value(driver, scrub, last, "input")
    driver.find_element(By.ID, "learn").screenshot(str(out / f"{mode}-learn.png"))
    driver.execute_script("document.querySelector('[data-testid=learn-heldout-chart]').scrollIntoView()")
    driver.save_screenshot(str(out / f"{mode}-learn-curves.png"))
    log(mode, f"pre-trained {vocab}-token {'characters' if mode == 'webgpu' else 'WordPiece'} model {steps} steps "
        f"in {time.time() - started:.1f}s: held-out loss {loss} (uniform {math.log(vocab):.2f}); "
        f"probe top-1 {tops_start} at step 0, {tops_end} at the end")

    # Attention of the pre-trained model, then of the loaded one.
    driver.execute_script("document.getElementById('inside').scrollIntoView()")
    set_value(driver, app.el("inside-of"), "pretrained")
    driver.execute_script("arguments[0].click()", app.el("inside-show"))
    maps = app.wait("the pre-trained model's maps", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="attention-map"]'), 60)
    assert len(maps) == 2, len(maps)  # 1 layer x 2 heads
    assert app.el("attention-head-view").find_elements(By.CSS_SELECTOR, "line"), "no attention lines"
    driver.execute_script("document.querySelector('[data-testid=attention-head-view]').scrollIntoView()")
    driver.save_screenshot(str(out / f"{mode}-inside.png"))
    driver.execute_script("arguments[0].click()", app.el("learn-use"))  # the step bar may cover it
    app.wait("the pre-trained model as the base", lambda: "loaded scratch-" in app.text("model-status"), 60)
    set_value(driver, app.el("inside-of"), "loaded")
    driver.execute_script("arguments[0].click()", app.el("inside-show"))
    app.wait("the loaded model's maps", lambda: "scratch-" in app.panel_text("inside"), 60)
    log(mode, "attention grid and head view shown; the pre-trained model loaded as the base to fine-tune")


def inside_and_worth(mode, driver, app, fixtures_dir, out):
    """With the model pre-trained in the tab as the base and the sentiment data: a word's
    neighbours in each embedding table (step 0, after pre-training, the loaded model), the
    embedding map of the examples coloured by label (the loaded model, and the fine-tuned one
    beside it), and "What is pre-training worth?" drawing a point per start at each label count."""
    app.el("data-file-input").send_keys(str(fixtures_dir / "sentiment.csv"))
    app.wait("the sentiment data", lambda: "text classification" in app.panel_text("data")
             and "No problems found." in app.text("data-problems"), 30)
    driver.execute_script("document.getElementById('inside').scrollIntoView()")
    set_value(driver, app.el("neighbours-word"), "the", "input")
    driver.execute_script("arguments[0].click()", app.el("neighbours-show"))
    lists = app.wait("the neighbour lists", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="neighbour-list"]'), 60)
    kinds = [l.text.splitlines()[0] for l in lists]
    assert len(lists) == 3 and "step 0" in kinds[0] and "loaded" in kinds[2], kinds
    for l in lists:
        assert len(l.find_elements(By.TAG_NAME, "li")) == 10, l.text
    set_value(driver, app.el("map-limit"), "60")
    driver.execute_script("arguments[0].click()", app.el("map-draw"))
    maps = app.wait("the embedding maps", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="embedding-map"]'), 120)
    points = maps[0].find_elements(By.CSS_SELECTOR, '[data-testid="map-point"]')
    colours = {p.get_attribute("fill") for p in points}
    assert len(points) == 60 and len(colours) == 2, (len(points), colours)
    caption = maps[0].find_element(By.TAG_NAME, "figcaption").text
    assert "of the variance" in caption, caption
    driver.execute_script("arguments[0].scrollIntoView()", maps[0])
    driver.save_screenshot(str(out / f"{mode}-embedding-map.png"))
    log(mode, f"word neighbours in {len(lists)} tables; {len(maps)} embedding map(s) of 60 examples: {caption!r}")

    # What is it worth? Two label counts, three starts, typo augmentation and FGM, two seeds, a
    # few steps each, every run attacked and tested with first names swapped too.
    app.set_number("train-epochs", 1)
    app.set_number("train-max-len", 16)
    app.set_number("train-batch-size", 8)
    driver.execute_script("document.getElementById('worth').scrollIntoView()")
    for testid, value in [("worth-sizes", "8,16"), ("worth-seeds", "2"), ("worth-self-steps", "3"), ("worth-min-steps", "2")]:
        set_value(driver, app.el(testid), value)
    # An auxiliary task (the entity file) as a variant: multi-task against the single task.
    driver.execute_script("arguments[0].open = true", app.el("data-aux"))
    app.el("data-aux-input").send_keys(str(fixtures_dir / "ner.conll"))
    app.wait("the auxiliary task", lambda: "ner.conll: " in app.text("data-aux-list"), 30)
    driver.execute_script("document.getElementById('worth').scrollIntoView()")
    for tick in ("worth-typos", "worth-fgm", "worth-aux", "worth-robust"):
        if not app.el(tick).is_selected():
            driver.execute_script("arguments[0].click()", app.el(tick))
    # And every run's counterfactual flip rate with first names swapped (the served lists).
    Select(app.el("worth-counterfactual")).select_by_value("names")
    started = time.time()
    driver.execute_script("arguments[0].click()", app.el("worth-start"))
    app.wait("the comparison to finish", lambda: app.text("worth-status") in ("done", "failed"), 900)
    assert app.text("worth-status") == "done", app.panel_text("worth")
    by_variant = {}
    for p in driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-point"]'):
        by_variant[p.get_attribute("data-variant")] = by_variant.get(p.get_attribute("data-variant"), 0) + 1
    want = {"baseline": 2, "scratch": 2, "self_pretrained": 2, "typos": 2, "fgm": 2, "aux": 2}
    assert by_variant == want, (by_variant, app.panel_text("worth"))
    advantage = app.text("worth-advantage")
    assert "labels" in advantage, advantage
    # Two seeds: each variant's difference to the baseline, paired by seed, with its interval.
    paired = [c.text for c in driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-paired-diff"]')]
    assert len(paired) == 10 and all("95% interval" in p and "over 2 seeds" in p for p in paired), paired
    assert "+ typos" in app.text("worth-paired"), app.text("worth-paired")
    transfer = [c.text for c in driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-transfer"]')]
    assert len(transfer) == 2 and all("ner.conll" in t for t in transfer), transfer
    # The robustness test: every run attacked, accuracy under attack per variant and count.
    attacked = [float(c.text.rstrip("%")) for c in driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-attacked-accuracy"]')]
    assert len(attacked) == 12 and all(0.0 <= a <= 100.0 for a in attacked), (attacked, app.panel_text("worth"))
    flips = [float(c.text.rstrip("%")) for c in driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-flip-rate"]')]
    assert len(flips) == 12 and all(0.0 <= f <= 100.0 for f in flips), (flips, app.panel_text("worth"))
    driver.execute_script("arguments[0].scrollIntoView()", app.el("worth-chart"))
    driver.save_screenshot(str(out / f"{mode}-worth.png"))
    log(mode, f"what it is worth: 24 runs in {time.time() - started:.1f}s; {advantage}; paired: {paired[0]}; {transfer[0]}")
    search(mode, driver, app, out)
    # The scores are kept in the browser across a reload, the search's too.
    driver.refresh()
    app.wait("the kept comparison", lambda: "kept in this browser" in app.text("worth-message")
             and len(driver.find_elements(By.CSS_SELECTOR, '[data-testid="worth-point"]')) == 12, 60)
    app.wait("the kept search", lambda: "kept in this browser" in app.text("search-message")
             and len(driver.find_elements(By.CSS_SELECTOR, '[data-testid="search-trial"]')) == 2, 60)


def search(mode, driver, app, out):
    """A hyperparameter search on the loaded model and data: two learning rates with
    contextual augmentation (words refilled by the masked language model pre-trained in the
    tab, drawn once for every run), two seeds, each trial on all the training examples scored
    on the validation set; the table sorts by any column, the winner is marked and said with
    its margin, and one click trains with its settings in the Train panel."""
    driver.execute_script("document.getElementById('search').scrollIntoView()")
    set_value(driver, app.el("search-lr"), "5e-5, 1e-3")
    set_value(driver, app.el("search-epochs"), "1")
    set_value(driver, app.el("search-batch"), "32")  # few steps: SwiftShader is slow
    # On WebGPU the tab pre-trained a next-character model, which cannot refill masked words:
    # contextual augmentation is refused by name there, and the search augments with typos.
    augment = "mlm:1" if mode == "cpu" else "typos:1"
    if mode == "webgpu":
        set_value(driver, app.el("search-augment"), "mlm:1")
        driver.execute_script("arguments[0].click()", app.el("search-start"))
        app.wait("the refusal", lambda: app.text("search-status") == "failed", 120)
        assert "no MLM head" in app.text("search-message"), app.text("search-message")
    set_value(driver, app.el("search-augment"), augment)
    set_value(driver, app.el("search-seeds"), "2")
    plan = app.text("search-plan")
    assert plan.startswith("2 trials × 2 seeds = 4 fine-tuning runs"), plan
    started = time.time()
    driver.execute_script("arguments[0].click()", app.el("search-start"))
    app.wait("the search to finish", lambda: app.text("search-status") in ("done", "failed"), 900)
    assert app.text("search-status") == "done", app.panel_text("search")
    rows = lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="search-trial"]')
    names = lambda: [r.get_attribute("data-name") for r in rows()]
    best = [r.get_attribute("data-name") for r in rows() if r.get_attribute("data-best") == "true"]
    assert len(rows()) == 2 and len(best) == 1 and names()[0] == best[0], (names(), best)
    if mode == "cpu":
        notes = app.text("search-notes")
        assert "contextual augmentation: " in notes and "; filled by scratch-" in notes, notes
    means = [float(c.text.rstrip("%")) for c in driver.find_elements(By.CSS_SELECTOR, '[data-testid="search-mean"]')]
    assert means[0] >= means[1], means
    finding = app.text("search-finding")
    assert finding.startswith(f"Best: {best[0]}") and "2 seeds" in finding, finding
    # Sorting by the learning rate: numbers as numbers, then the other way.
    driver.execute_script("arguments[0].click()", app.el("search-sort-lr"))
    assert names() == [f"lr=5e-5 epochs=1 batch=32 augment={augment}", f"lr=1e-3 epochs=1 batch=32 augment={augment}"], names()
    driver.execute_script("arguments[0].click()", app.el("search-sort-lr"))
    assert names() == [f"lr=1e-3 epochs=1 batch=32 augment={augment}", f"lr=5e-5 epochs=1 batch=32 augment={augment}"], names()
    driver.execute_script("arguments[0].click()", app.el("search-sort-mean"))
    assert names()[0] == best[0], names()
    driver.execute_script("arguments[0].scrollIntoView()", app.el("search-table"))
    driver.save_screenshot(str(out / f"{mode}-search.png"))
    log(mode, f"search: 4 runs in {time.time() - started:.1f}s; {finding}")
    # Train with the winner's settings: the Train panel takes them and runs.
    winner_lr = best[0].split()[0].split("=")[1]
    button = rows()[0].find_element(By.CSS_SELECTOR, '[data-testid="search-train"]')
    driver.execute_script("arguments[0].click()", button)
    app.wait("the winner's run", lambda: app.text("train-status") in ("done", "failed"), 600)
    assert app.text("train-status") == "done", app.panel_text("train")
    lr = float(app.el("train-lr").get_attribute("value"))
    assert abs(lr - float(winner_lr)) < 1e-12, (lr, winner_lr)
    assert app.el("train-epochs").get_attribute("value") == "1"
    assert app.el("train-batch-size").get_attribute("value") == "32"
    assert app.el("train-augment").get_attribute("value") == augment.split(":")[0], app.el("train-augment").get_attribute("value")
    if mode == "cpu":
        assert "contextual augmentation: " in app.panel_text("train"), app.panel_text("train")


def run(mode, dist, out):
    work = Path(tempfile.mkdtemp(prefix="anneal-e2e-"))
    fixtures_dir = work / "fixtures"
    fixtures.main_to(fixtures_dir)
    hub = work / "hub"
    shutil.copytree(fixtures_dir / "tiny-bert", hub / "tiny" / "bert")
    # One small random model of each other family, as transformers saved it fine-tuned for three
    # labels (tests/reference/family_parity.py), in the Hub's layout.
    for family in FAMILIES:
        src = ROOT / "tests/fixtures/families" / family
        shutil.copytree(src / "classify", hub / "tiny" / family)
        shutil.copy(src / "tokenizer.json", hub / "tiny" / family / "tokenizer.json")
    downloads = work / "downloads"
    downloads.mkdir()
    out.mkdir(parents=True, exist_ok=True)
    srv, port, recorder = server.start(dist, hub, netwatch.PROBE_FILES)
    options = browser(mode, downloads, work / "profile")
    options.add_argument(f"--proxy-server=http://127.0.0.1:{port}")
    options.add_argument("--proxy-bypass-list=<-loopback>")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    app = App(driver)
    watch = netwatch.NetWatch(driver.capabilities["goog:chromeOptions"]["debuggerAddress"])
    try:
        netwatch.probe(driver, watch, port)
        log(mode, "privacy check: a probe page's outside requests, from the page and from a worker, are caught")
        driver.get(f"http://127.0.0.1:{port}/?autoload=0")
        backend = app.wait("the backend", lambda: app.text("backend-info") if "starting" not in app.text("backend-info") else None, 90)
        log(mode, "backend:", backend)
        if mode == "webgpu":
            assert backend.startswith("WebGPU"), backend
        else:
            assert backend.startswith("CPU"), backend
            assert "Running on the CPU" in app.panel_text("train"), "no CPU advice shown"

        # The Hub layout, from a local server: download, keep, list, delete.
        driver.find_element(By.CSS_SELECTOR, "#model details summary").click()
        fields = driver.find_elements(By.CSS_SELECTOR, "#model details input")
        hub_id, revision, hub_base = fields[1], fields[2], fields[3]
        hub_id.send_keys("tiny/bert")
        hub_base.send_keys(Keys.CONTROL, "a")
        hub_base.send_keys(f"http://127.0.0.1:{port}/hub")
        driver.find_element(By.XPATH, "//button[text()='Load from Hub']").click()
        app.wait("the Hub model", lambda: "loaded bert" in app.text("model-status"), 90)
        saved = app.wait("the cached download", lambda: "downloaded" in app.panel_text("model") and app.panel_text("model"))
        assert "/hub/tiny/bert/resolve/main" in saved, saved
        driver.find_element(By.CSS_SELECTOR, "#model table.saved button.danger").click()
        app.wait("the cache entry to go", lambda: "/hub/tiny/bert" not in app.panel_text("model"))

        # Every other family from the Hub field: DistilBERT, RoBERTa, XLM-R, ELECTRA.
        for family in FAMILIES:
            hub_id.clear()
            hub_id.send_keys(f"tiny/{family}")
            driver.find_element(By.XPATH, "//button[text()='Load from Hub']").click()
            app.wait(f"the Hub {family}", lambda: f"loaded {family}" in app.text("model-status"), 90)
            facts = app.panel_text("model")
            assert "negative, neutral, positive" in facts, facts
        log(mode, "Hub: " + ", ".join(FAMILIES) + " loaded, each fine-tuned with its three labels")
        while driver.find_elements(By.CSS_SELECTOR, "#model table.saved button.danger"):
            before = app.panel_text("model")
            driver.find_element(By.CSS_SELECTOR, "#model table.saved button.danger").click()
            app.wait("a cache entry to go", lambda: app.panel_text("model") != before)

        # The model from files.
        model_files = [fixtures_dir / "tiny-bert" / f for f in ("config.json", "model.safetensors", "vocab.txt")]
        app.el("model-file-input").send_keys("\n".join(str(f) for f in model_files))
        app.wait("the model from files", lambda: "loaded local-model" in app.text("model-status"), 90)

        # The speed test on it: the one case that fits its 64 positions is timed (two warm-up
        # steps, one timed), the others are left out with the reason.
        driver.execute_script("document.querySelector('[data-testid=speed]').open = true")
        app.set_number("speed-infer-runs", 2)
        app.set_number("speed-step-runs", 1)
        app.el("speed-start").click()
        status = app.wait("the speed test", lambda: (s := app.text("speed-status")).startswith("done") and s, 300)
        assert "left out inference 1 x 128: the model has only 64 positions" in status, status
        two_cores = driver.execute_script("return navigator.hardwareConcurrency") >= 2
        # On the CPU the steps are timed as training runs them: split with a second worker.
        assert ("training steps split between two CPU workers" in status) == (mode == "cpu" and two_cores), status
        timings = json.loads(app.el("speed-table").get_attribute("data-timings"))
        assert [(t["case"]["workload"], t["case"]["batch"], t["case"]["seq"]) for t in timings] == [("step", 16, 64)], timings
        assert len(timings[0]["runs_s"]) == 1 and 0 < timings[0]["median_s"] < 300, timings
        # The worker's memory after the test: its WebAssembly memory (the weights alone are in
        # it), and the GPU pools' reserve on WebGPU only.
        memory = json.loads(app.el("speed-status").get_attribute("data-memory"))
        assert memory["wasm_bytes"] >= 1 << 20 and "worker's memory peaked at" in status, (memory, status)
        assert (memory["device_reserved_bytes"] or 0) > 0 if mode == "webgpu" else memory["device_reserved_bytes"] is None, memory
        log(mode, f"speed test: training step 16 x 64 of the tiny model {timings[0]['median_s'] * 1e3:.0f} ms; longer cases left out; memory {memory}")

        # Every malformed file of the engine's corpus shows its message.
        corpus = ROOT / "tests/fixtures/bad_data"
        expected = json.loads((corpus / "expected.json").read_text())
        for name, phrase in expected.items():
            app.el("data-file-input").send_keys(str(corpus / name))
            shown = app.wait(f"the message for {name}",
                             lambda: name in (t := app.panel_text("data")) and phrase in t and t, 30)
            # The browser words each remedy in its own terms, never as a command-line flag.
            flag = re.search(r"--[a-z]", shown)
            assert not flag, f"{name}: the Data panel shows a command-line flag: {shown}"
        log(mode, f"{len(expected)} malformed files: each message shown, none naming a command-line flag")

        # Markup in data is shown as text.
        app.el("data-file-input").send_keys(str(fixtures_dir / "markup.csv"))
        app.wait("the markup preview", lambda: "<script>" in app.panel_text("data"), 30)
        assert driver.execute_script("return window.__anneal_pwned === undefined"), "markup ran"
        assert not driver.find_elements(By.CSS_SELECTOR, "#data table.preview b, #data table.preview img, #data table.preview script")

        # A file with a bad row is refused at the start of a run unless the person says to
        # train on the valid rows, and the refusal says so in the browser's terms.
        bad_row = fixtures_dir / "one-bad-row.csv"
        bad_row.write_text((fixtures_dir / "sentiment.csv").read_text() + ",positive\n")
        app.el("data-file-input").send_keys(str(bad_row))
        app.wait("the bad row", lambda: "1 problem(s)" in app.text("data-problems"), 30)
        app.wait("start to be possible", lambda: app.el("train-start").is_enabled(), 30)
        driver.execute_script("arguments[0].click()", app.el("train-start"))
        app.wait("the refusal", lambda: app.text("train-status") == "failed", 60)
        refusal = driver.find_element(By.CSS_SELECTOR, "#train p.status").text
        assert "Continue with the valid rows" in refusal and not re.search(r"--[a-z]", refusal), refusal
        log(mode, "a file with a bad row is refused in the browser's words:", refusal.splitlines()[0])

        if mode == "cpu":
            # A run too large for the device is stopped before its first step, with settings
            # that fit: one batch of 8,000 texts of 64 tokens needs more than WebAssembly's
            # 4 GiB. The Model panel warns first (at the maximum length).
            filler = " ".join(["the movie was really very good"] * 11)
            big = fixtures_dir / "big.csv"
            big.write_text("text,label\n" + "".join(f"{filler} {'good' if i % 2 else 'bad'},"
                                                    f"{'positive' if i % 2 else 'negative'}\n"
                                                    for i in range(9000)))
            app.el("data-file-input").send_keys(str(big))
            app.wait("the big file", lambda: "No problems found." in app.text("data-problems"), 60)
            app.set_number("train-max-len", 64)
            app.set_number("train-batch-size", 9000)
            warning = app.wait("the fit warning", lambda: driver.find_elements(
                By.CSS_SELECTOR, '[data-testid="model-fit"]') and app.text("model-fit"), 10)
            assert "WebAssembly can address" in warning and "batch size" in warning, warning
            driver.execute_script("arguments[0].click()", app.el("train-start"))
            app.wait("the stop", lambda: app.text("train-status") == "failed", 120)
            stop = driver.find_element(By.CSS_SELECTOR, "#train p.status").text
            assert "would not fit the device" in stop and "this would fit: batch size" in stop, stop
            log(mode, "a run too large for WebAssembly's memory is stopped before it starts:",
                stop.splitlines()[0])

        # The one-click samples.
        # Clicked from script: after the refused run the page may sit under the sticky step bar.
        driver.execute_script("arguments[0].click()", app.el("data-sample-ner"))
        app.wait("the NER sample", lambda: "named entity recognition" in app.panel_text("data"), 60)
        driver.execute_script("arguments[0].click()", app.el("data-sample-sentiment"))
        app.wait("the sentiment sample", lambda: "text classification" in app.panel_text("data")
                 and "rotten_tomatoes" in app.panel_text("data"), 60)

        # Train one epoch on the small sentiment set.
        app.el("data-file-input").send_keys(str(fixtures_dir / "sentiment.csv"))
        app.wait("the data", lambda: "No problems found." in app.text("data-problems"), 30)
        app.set_number("train-epochs", 1)
        app.set_number("train-max-len", 16)
        app.set_number("train-batch-size", 16)
        app.set_number("train-lr", 0.001)
        # Keep the epoch by validation loss, early stopping after 2 epochs without a better one.
        app.set_number("train-patience", 2)
        Select(app.el("train-best-by")).select_by_value("loss")
        # The validation loss every 2 steps too, as dots on the loss chart.
        app.set_number("train-eval-every", 2)
        # Typo augmentation: a preview of the first texts changed.
        Select(app.el("train-augment")).select_by_value("typos")
        previews = app.wait("the augmentation preview", lambda: driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="augment-preview"] li'), 10)
        assert len(previews) == 3 and all(" → " in p.text for p in previews), [p.text for p in previews]
        before, after = previews[0].text.split(" → ", 1)
        assert before != after, previews[0].text
        # EDA instead, one copy: the worker looks up the synonyms of the previewed words in the
        # loaded model's embeddings, the preview uses them, and the paper's settings are offered.
        Select(app.el("train-augment")).select_by_value("eda")
        app.wait("EDA's synonyms", lambda: "words of these examples have neighbours" in app.text("eda-synonyms"), 60)
        assert "antonyms" in app.text("eda-synonyms"), app.text("eda-synonyms")
        assert "copies at alpha" in app.text("eda-paper"), app.text("eda-paper")
        app.set_number("train-augment-copies", 1)
        previews = app.wait("the EDA preview", lambda: driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="augment-preview"] li'), 10)
        assert len(previews) == 3, [p.text for p in previews]
        log(mode, f"EDA: {app.text('eda-synonyms')[:120]}")
        # LoRA adapters on every dense layer: the export merges them into the weights, so the
        # imported export below must predict exactly what the adapted model predicts.
        full_memory = app.text("model-memory")
        Select(app.el("train-adaptation")).select_by_value("lora")
        app.wait("the LoRA fields", lambda: driver.find_elements(By.CSS_SELECTOR, '[data-testid="train-lora-rank"]'), 10)
        app.set_number("train-lora-rank", 4)
        Select(app.el("train-lora-targets")).select_by_value("all-linear")
        trained = app.text("model-trainable")
        assert app.text("model-memory") != full_memory and not trained.endswith("(100.00%)"), (trained, full_memory)
        log(mode, f"LoRA rank 4 on every dense layer: trained parameters {trained}, memory {app.text('model-memory')}")
        started = time.time()
        # From script, as in the other runs: a setting's tooltip can sit over the button.
        driver.execute_script("arguments[0].click()", app.el("train-start"))
        if mode == "webgpu":  # steps take seconds on SwiftShader: time to pause and resume
            app.wait("the first step", lambda: app.el("train-progress").get_attribute("value") not in ("0", None), 300)
            app.el("train-pause").click()
            # The step in flight finishes first ("pausing"); "paused" means no step runs.
            app.wait("the pause asked for", lambda: app.text("train-status") in ("pausing", "paused")
                     and app.text("train-pause") == "Resume", 30)
            app.wait("the pause", lambda: app.text("train-status") == "paused", 120)
            paused_at = app.el("train-progress").get_attribute("value")
            time.sleep(3)
            assert app.el("train-progress").get_attribute("value") == paused_at, "steps went on while paused"
            app.el("train-pause").click()
            app.wait("the resume", lambda: app.text("train-status") in ("running", "done"), 60)
        app.wait("training to finish", lambda: app.text("train-status") in ("done", "failed"), 420)
        assert app.text("train-status") == "done", app.panel_text("train")
        assert "training LoRA rank 4 (alpha 16) on every dense layer" in app.panel_text("train"), app.panel_text("train")
        assert "augmentation: 1 eda copy of each training example" in app.panel_text("train"), app.panel_text("train")
        assert "EDA's synonyms: " in app.panel_text("train"), app.panel_text("train")
        dots = driver.find_elements(By.CSS_SELECTOR, '[data-testid="valid-point"]')
        assert dots, "no validation loss between epochs on the loss chart"
        app.set_number("train-eval-every", "")  # the later runs validate per epoch only
        if mode == "cpu" and two_cores:
            # Data parallelism on the CPU: a second worker computed half of every step.
            assert "split between two CPU workers" in app.panel_text("train"), app.panel_text("train")
            log(mode, "each step split between two CPU workers")
        accuracy = float(app.text("metric-accuracy"))
        macro_f1 = float(app.text("metric-macro-f1"))
        assert 0.0 <= accuracy <= 1.0 and 0.0 <= macro_f1 <= 1.0
        log(mode, f"trained one epoch in {time.time() - started:.1f}s: accuracy {accuracy}, macro-F1 {macro_f1}")
        assert float(app.el("train-progress").get_attribute("value")) == 1.0
        # Over/underfitting: the epoch's validation loss, and the diagnosis (one epoch: too short).
        valid_loss = float(app.text("epoch-valid-loss"))
        assert 0.0 < valid_loss < 10.0, valid_loss
        assert app.el("train-diagnosis").get_attribute("data-verdict") == "TooShort", app.text("train-diagnosis")
        log(mode, f"validation loss {valid_loss}; diagnosis: {app.text('train-diagnosis')}")

        # Confusion cells open their examples.
        driver.find_element(By.CSS_SELECTOR, "#evaluate table.confusion button.cell").click()
        app.wait("the examples of a cell", lambda: "True " in app.panel_text("evaluate"), 10)

        # The robustness test: ten validation examples attacked with typos; every example shown
        # has its edits marked, and accuracy under attack is at most the clean accuracy.
        set_value(driver, app.el("attack-limit"), "10")
        driver.execute_script("arguments[0].click()", app.el("attack-start"))
        def attack_done():
            if driver.find_elements(By.CSS_SELECTOR, '[data-testid="attack-report"]'):
                return True
            status = app.text("attack-status")  # a failure's message, or the progress
            return bool(status) and "attacked" not in status and status != "attacking…"
        app.wait("the robustness test", attack_done, 300)
        assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="attack-report"]'), app.text("attack-status")
        attacked = [e for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="attack-example"]')]
        assert all(e.find_elements(By.TAG_NAME, "mark") for e in attacked), [e.text for e in attacked]
        log(mode, f"robustness test on 10 examples: {app.text('attack-accuracy')} under attack, "
                  f"{len(attacked)} successful attack(s)")

        groups_and_counterfactuals(mode, driver, app, fixtures_dir)

        # Predict as you type.
        sentence = "the film was really good"
        app.el("predict-input").send_keys(sentence)
        first = app.wait("a prediction", lambda: "%" in app.text("predict-output") and app.text("predict-output"), 60)
        log(mode, "prediction:", first.replace("\n", " | "))

        # Export, import the export, predict the same.
        app.el("export-model").click()
        zip_path = app.wait("the exported zip", lambda: next((p for p in downloads.glob("*.zip")), None), 120)
        app.wait("the download to complete", lambda: not list(downloads.glob("*.crdownload")), 60)
        shutil.copy(zip_path, out / f"{mode}-export.zip")
        # The model card beside the weights: the run's scores, the groups and the swaps above.
        with zipfile.ZipFile(zip_path) as z:
            cards = [n for n in z.namelist() if n.endswith("README.md")]
            assert len(cards) == 1, z.namelist()
            card = z.read(cards[0]).decode("utf-8")
        for heading in ("pipeline_tag: text-classification", "## Evaluation", "## Who the model fails: scores by who",
                        "## Counterfactual test: a list of word pairs swapped", "## How to use"):
            assert heading in card, (heading, card[:2000])
        log(mode, f"model card in the export: {len(card)} characters, {card.count(chr(10) + '## ')} sections")
        for panel in ("model", "data", "train", "evaluate", "predict", "export"):
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", panel)
            driver.find_element(By.ID, panel).screenshot(str(out / f"{mode}-{panel}.png"))
        # The fine-tuned model and the run survive a reload.
        driver.refresh()
        app.wait("the kept fine-tuned model", lambda: any(
            "fine-tuned" in r.text for r in driver.find_elements(By.CSS_SELECTOR, "#model table.saved tr")), 60)
        assert "Past runs (1)" in app.panel_text("train"), app.panel_text("train")
        app.el("import-model-input").send_keys(str(zip_path))
        app.wait("the imported model", lambda: f"loaded {zip_path.stem}" in app.text("model-status"), 90)
        app.el("predict-input").send_keys(Keys.CONTROL, "a")
        app.el("predict-input").send_keys(Keys.DELETE)
        app.wait("the output to clear", lambda: True, 1)
        app.el("predict-input").send_keys(sentence)
        time.sleep(1.0)
        second = app.wait("the same prediction", lambda: app.text("predict-output") == first and first, 60)
        log(mode, "imported export predicts the same:", second.replace("\n", " | "))

        if mode == "webgpu":
            lost_device(driver, app, fixtures_dir, out)
        ner(mode, driver, app, fixtures_dir)
        question_answering(mode, driver, app, fixtures_dir, downloads, out)
        learn(mode, driver, app, out)
        inside_and_worth(mode, driver, app, fixtures_dir, out)
    finally:
        logs = driver.get_log("browser")
        (out / f"{mode}-console.log").write_text("\n".join(e["message"] for e in logs))
        watch.close()
        driver.quit()
        srv.shutdown()
    # The second CPU worker never failed mid-run (the first would have computed its halves, and
    # training gone on slower).
    lost = [line for line in (out / f"{mode}-console.log").read_text().splitlines()
            if "second CPU worker failed" in line]
    assert not lost, lost
    # What the proxy saw: everything the browser asked for, Chromium's own requests included
    # (all refused when not for 127.0.0.1).
    requests = [f"{m} {u}" for m, u in recorder.requests]
    (out / f"{mode}-requests.txt").write_text("\n".join(requests) + "\n")
    assert recorder.requests, "the recorder saw no requests: the proxy is not in the path"
    # What the app's page and workers asked for, by target.
    app_requests = [f"{kind} {url}" for kind, url in watch.seen()]
    (out / f"{mode}-app-requests.txt").write_text("\n".join(app_requests) + "\n")
    assert app_requests, "DevTools reported no request of the app: the privacy check is blind"
    assert not watch.errors, f"the DevTools watcher failed: {watch.errors}"
    leaks = watch.leaks()
    assert not leaks, f"the app made requests outside 127.0.0.1: {leaks}"
    own = sorted({u for m, u in recorder.leaks if "leak-from-" not in u})
    if own:
        log(mode, f"Chromium's own requests outside 127.0.0.1, refused by the proxy (not the app's): {own}")
    log(mode, f"{len(app_requests)} requests of the app's page and workers, all to 127.0.0.1; "
        f"{len(recorder.requests)} through the proxy")
    shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["webgpu", "cpu"], required=True)
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--out", type=Path, default=ROOT / "target/e2e")
    a = p.parse_args()
    run(a.mode, a.dist.resolve(), a.out.resolve())
    log(a.mode, "passed")


if __name__ == "__main__":
    main()
