"""``report.html``: one self-contained page per run, to see and hear what the model gets wrong.

The page holds the run's configuration, its learning curves and, for the test set, the
confusion matrix as a table whose cells open the clips behind them. Every misclassified test
clip (up to ``max_errors``) and a sample of correct ones (``max_correct``, drawn with the run's
seed) gets an audio player, the model's probabilities (averaged over the draws of its noise
floor, as every answer is: ``minigru.speech.views``), and a figure of its features and, for a
GRU, the update and reset gates over time. Images are PNG and audio 16-bit WAV, embedded as
base64 ``data:`` URIs, so the file works offline, from any folder, with no server; the only
script is a few lines of plain JavaScript that show the clips of a clicked cell.

Opened with ``#selftest`` at the end of its address, the page checks itself (every image
decoded, every audio element with a duration, a click on a cell showing exactly that cell's
clips, no error on the console) and writes the result as JSON into ``<pre id="selftest">``,
which is how ``tests/test_report.py`` checks it in headless Chromium.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile

from ..data.loader import DataLoader
from ..data.speech import source_audio
from ..training import RunFolder, evaluate_mean
from .config import pipeline_of
from .datasets import one_split
from .figures import figure_png, plot_clip
from .predict import load_model
from .run import EVAL_BATCH
from .views import split_views

SCRIPT = """
var errors = [];
window.addEventListener('error', function (e) { errors.push(String(e.message)); });
var consoleError = console.error;
console.error = function () { errors.push(Array.from(arguments).join(' '));
                              consoleError.apply(console, arguments); };
function showCell(t, p) {
  var shown = 0;
  document.querySelectorAll('.clip').forEach(function (c) {
    var on = (t === null) || (c.dataset.true === t && c.dataset.pred === p);
    c.style.display = on ? '' : 'none';
    if (on) { shown += 1; }
  });
  var title = document.getElementById('shown');
  title.textContent = t === null ? 'all embedded clips' :
    'true ' + t + ', predicted ' + p + ': ' + shown + ' clip(s) embedded';
  return shown;
}
function selftest() {
  var out = {errors: errors};
  var imgs = Array.from(document.images);
  out.images = imgs.length;
  out.images_decoded = imgs.filter(function (i) {
    return i.complete && i.naturalWidth > 0; }).length;
  var audios = Array.from(document.querySelectorAll('audio'));
  out.audio = audios.length;
  Promise.all(audios.map(function (a) {
    return new Promise(function (resolve) {
      if (a.readyState >= 1) { resolve(a.duration); return; }
      a.addEventListener('loadedmetadata', function () { resolve(a.duration); });
      a.addEventListener('error', function () { resolve(-1); });
      a.load();
    });
  })).then(function (durations) {
    out.audio_durations = durations;
    var cell = document.querySelector('td.cell[data-count]:not([data-count="0"]) button');
    if (cell) {
      var td = cell.parentElement;
      cell.click();
      var visible = Array.from(document.querySelectorAll('.clip')).filter(function (c) {
        return c.style.display !== 'none'; });
      out.clicked = {true: td.dataset.true, pred: td.dataset.pred,
                     embedded: Number(td.dataset.embedded), visible: visible.length,
                     all_match: visible.every(function (c) {
                       return c.dataset.true === td.dataset.true &&
                              c.dataset.pred === td.dataset.pred; })};
      showCell(null, null);
    }
    out.errors = errors;
    document.getElementById('selftest').textContent = JSON.stringify(out);
  });
}
window.addEventListener('load', function () {
  if (location.hash === '#selftest') { selftest(); }
});
"""

STYLE = """
body { font-family: sans-serif; margin: 2em; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
td.cell button { border: none; background: none; cursor: pointer; font-size: 1em; width: 100%; }
td.diag { background: #e8f1fb; } td.off { background: #fde8e8; }
.clip { border: 1px solid #ddd; border-radius: 6px; padding: 0.8em; margin: 0.8em 0; }
.clip.wrong { border-color: #d66; } .bar { background: #4a7fc1; height: 0.8em; }
.probs td { border: none; padding: 1px 4px; } img { max-width: 100%; }
"""


def _data_uri(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _wav_bytes(signal: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    peak = max(float(np.max(np.abs(signal))), 1e-9)
    wavfile.write(buf, rate, (np.asarray(signal) / peak * 0.9 * 32767).astype(np.int16))
    return buf.getvalue()


def _probs_html(probs: np.ndarray, classes: list[str], true: int) -> str:
    rows = []
    for k in np.argsort(-probs)[:5]:
        mark = " (true)" if k == true else ""
        rows.append(f"<tr><td>{html.escape(classes[k])}{mark}</td><td>{probs[k]:.3f}</td>"
                    f"<td style='width:200px'><div class='bar' "
                    f"style='width:{100 * probs[k]:.1f}%'></div></td></tr>")
    return "<table class='probs'>" + "".join(rows) + "</table>"


def _best_epochs(summary: dict[str, Any]) -> str:
    """``best epoch N``, or for a run of several models each model's best epoch."""
    members = summary.get("members")
    if members:
        return (f"{len(members)} models answering with their mean posterior, best epochs "
                + ", ".join(str(m.get("best_epoch", "?")) for m in members))
    return f"best epoch {summary.get('best_epoch', '?')}"


def write_report(run_dir: str | os.PathLike[str], max_errors: int = 60, max_correct: int = 8
                 ) -> Path:
    """Write ``report.html`` into the run folder ``run_dir`` (see the module docstring) and
    return its path. Needs the run's ``best.npz`` and the data it was tested on."""
    files = RunFolder(run_dir)
    model, cfg = load_model(files.best)
    pipeline = pipeline_of(cfg)
    classes = list(cfg["classes"])
    test = one_split(cfg, pipeline, "test")
    probs = evaluate_mean(model, [DataLoader(d, EVAL_BATCH) for d in
                                  split_views(cfg, pipeline, "test", test)],
                          len(classes))["probabilities"]
    labels = np.asarray(test.labels)
    pred = probs.argmax(1)
    confusion = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(confusion, (labels, pred), 1)
    wrong = np.flatnonzero(pred != labels)[:max_errors]
    right = np.flatnonzero(pred == labels)
    rng = np.random.default_rng(cfg.get("seed", 0))
    sample = np.sort(rng.choice(right, min(max_correct, right.size), replace=False)) \
        if right.size else right
    shown = [*wrong.tolist(), *sample.tolist()]
    embedded = np.zeros_like(confusion)
    clips = []
    for i in shown:
        t, p = int(labels[i]), int(pred[i])
        embedded[t, p] += 1
        signal, rate = source_audio(test.sources[i], pipeline)
        feats = test.features[i]
        gates = model.gates(feats[:, None, :], [feats.shape[0]]) \
            if getattr(model, "cell", None) == "gru" else None
        fig = plot_clip(feats, pipeline.step_seconds(rate),
                        pipeline.n_mfcc if pipeline.stack == 1 else None, gates)
        verdict = "wrong" if t != p else "right"
        clips.append(
            f"<div class='clip {verdict}' data-true='{t}' data-pred='{p}'>"
            f"<b>{html.escape(str(test.names[i]))}</b>: true <b>{html.escape(classes[t])}</b>, "
            f"predicted <b>{html.escape(classes[p])}</b> ({verdict})<br>"
            f"<audio controls preload='metadata' "
            f"src='{_data_uri('audio/wav', _wav_bytes(signal, rate))}'></audio>"
            f"{_probs_html(probs[i], classes, t)}"
            f"<img alt='features and gates of {html.escape(str(test.names[i]))}' "
            f"src='{_data_uri('image/png', figure_png(fig))}'></div>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in classes)
    rows = []
    for t, name in enumerate(classes):
        cells = []
        for p in range(len(classes)):
            kind = "diag" if t == p else ("off" if confusion[t, p] else "")
            cells.append(f"<td class='cell {kind}' data-true='{t}' data-pred='{p}' "
                         f"data-count='{confusion[t, p]}' data-embedded='{embedded[t, p]}'>"
                         f"<button onclick=\"showCell('{t}', '{p}')\">{confusion[t, p]}"
                         f"</button></td>")
        rows.append(f"<tr><th>{html.escape(name)}</th>{''.join(cells)}</tr>")
    summary = json.loads(files.summary.read_text()) if files.summary.exists() else {}
    config_rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td style='text-align:left'>"
                          f"{html.escape(json.dumps(v))}</td></tr>"
                          for k, v in sorted(cfg.items()) if k != "classes")
    curves = ""
    if files.figure("curves").exists():
        curves = (f"<img alt='learning curves' src='"
                  f"{_data_uri('image/png', files.figure('curves').read_bytes())}'>")
    accuracy = float(np.mean(pred == labels)) if labels.size else float("nan")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>minigru run report: {html.escape(files.path.name)}</title>
<style>{STYLE}</style><script>{SCRIPT}</script></head><body>
<h1>Run report: {html.escape(files.path.name)}</h1>
<p>Test accuracy <b>{accuracy:.4f}</b> on {labels.size} utterances
({len(np.flatnonzero(pred != labels))} errors; {_best_epochs(summary)}).
Click a cell of the confusion matrix to see and hear its clips: every error
(up to {max_errors}) and {sample.size} correct clips are embedded.</p>
<h2>Confusion matrix (rows: true, columns: predicted)</h2>
<table><tr><th></th>{head}</tr>{''.join(rows)}</table>
<h2 id="shown">all embedded clips</h2>
<button onclick="showCell(null, null)">show all</button>
{''.join(clips)}
<h2>Learning curves</h2>{curves}
<h2>Configuration</h2><table>{config_rows}</table>
<pre id="selftest"></pre>
</body></html>
"""
    path = files.report
    path.write_text(page, encoding="utf-8")
    return path
