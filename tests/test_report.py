"""The run report: a self-contained page that works offline, checked as HTML and in a real
browser (headless Chromium), and figures a person can read."""

import base64
import html.parser
import json
import shutil
import subprocess

import numpy as np
import pytest

from minigru.speech import config, run
from minigru.speech.figures import curves_figure, gates_figure
from minigru.speech.report import write_report
from minigru.training import RunFolder


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "run"
    cfg = config.make_config({"limit": 8, "epochs": 3, "hidden": 16, "threads": 1,
                              "synthetic": {"sample_rate": 8000}})
    run.train_run(cfg, folder, log=None, quiet=True)
    return write_report(folder, max_errors=20, max_correct=4)


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _parse(path):
    page = _Page()
    page.feed(path.read_text())
    return page.tags


def test_the_report_embeds_everything_it_shows(report):
    assert report == RunFolder(report.parent).report
    tags = _parse(report)
    sources = [a["src"] for t, a in tags if t in ("img", "audio")]
    assert sources and all(s.startswith("data:") for s in sources), "nothing may be fetched"
    assert not [a for t, a in tags if t in ("link", "iframe") or (t == "script" and "src" in a)]
    for s in sources:
        kind, data = s[5:].split(";base64,")
        raw = base64.b64decode(data)
        assert raw.startswith(b"\x89PNG" if kind == "image/png" else b"RIFF"), kind
    clips = [a for t, a in tags if t == "div" and "clip" in a.get("class", "")]
    wrong = [c for c in clips if "wrong" in c["class"]]
    assert all(c["data-true"] != c["data-pred"] for c in wrong)
    cells = [a for t, a in tags if t == "td" and "cell" in a.get("class", "")]
    assert len(cells) == 100
    summary = json.loads((report.parent / "summary.json").read_text())
    errors = sum(int(c["data-count"]) for c in cells if c["data-true"] != c["data-pred"])
    assert errors == round((1 - summary["test_accuracy"]) * summary["n_test"])
    assert len(wrong) == min(errors, 20)
    assert sum(int(c["data-embedded"]) for c in cells) == len(clips)


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("no Chromium to open the report in: install the distribution's chromium "
                "package (apt-get install -y chromium; .ci/run does)")


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_the_report_works_in_a_real_browser(report, tmp_path):
    browser = _chromium()
    url = report.as_uri() + "#selftest"
    result = subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--virtual-time-budget=30000", "--dump-dom", url],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"Chromium could not start: {result.stderr[-2000:]}"
    start = result.stdout.find('<pre id="selftest">')
    assert start >= 0, "the page did not load"
    body = result.stdout[start + len('<pre id="selftest">'):].split("</pre>", 1)[0]
    assert body, f"the page's self-test did not finish: {result.stderr[-1000:]}"
    check = json.loads(body)
    assert check["errors"] == [], check["errors"]
    assert check["images"] > 0 and check["images_decoded"] == check["images"]
    assert check["audio"] > 0 and len(check["audio_durations"]) == check["audio"]
    assert min(check["audio_durations"]) > 0.1
    clicked = check["clicked"]
    assert clicked["visible"] == clicked["embedded"] > 0 and clicked["all_match"]
    shot = report.parent / "report.png"
    subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}",
                    f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                   capture_output=True, timeout=300, check=True)
    assert shot.stat().st_size > 20000


def test_learning_curves_read_at_a_glance():
    history = [{"epoch": e, "train_loss": 2.0 / e, "val_loss": 2.2 / e + (e == 5) * 0.5,
                "train_accuracy": 0.1 * e, "val_accuracy": 0.09 * e} for e in range(1, 9)]
    fig = curves_figure(history)
    loss, acc = fig.axes
    assert loss.get_yscale() == "log"
    for ax in (loss, acc):
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert all(float(t).is_integer() for t in ticks)
        labels = [text.get_text() for text in ax.get_legend().get_texts()]
        assert not any("_" in label for label in labels), labels
        assert "best epoch (8)" in labels
    assert "training loss" in [t.get_text() for t in loss.get_legend().get_texts()]


def test_gate_figure_has_units_seconds_and_named_rows():
    feats = np.random.default_rng(0).standard_normal((50, 26))
    gates = np.random.default_rng(1).uniform(0, 1, (50, 8))
    fig = gates_figure(feats, gates, gates, 0.01, 13)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 3 and images[-1].get_xlabel() == "time (s)"
    assert images[0].images[0].get_extent()[1] == pytest.approx(0.5)
    bars = [ax for ax in fig.axes if not ax.images]
    assert [b.get_ylabel() for b in bars] == ["coefficient value", "activation (0-1)",
                                              "activation (0-1)"]
    assert [t.get_text() for t in images[0].get_yticklabels()] == ["MFCC", "deltas"]
