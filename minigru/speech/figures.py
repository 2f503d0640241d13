"""Figures of the recogniser, written as PNG: a clip through the feature pipeline, learning
curves, a confusion matrix, and the GRU's gates.

Each is a ``matplotlib.figure.Figure`` made directly, not through pyplot: it is drawn by the
Agg canvas when saved, leaves pyplot's backend and list of open figures alone (a notebook's
inline plots keep working), and is freed like any object. matplotlib is imported with the first
figure, so the commands that draw nothing (``predict``, ``evaluate``, ``stream``) never load it.

The feature figure draws the pipeline's own intermediate stages
(``FeaturePipeline.mfcc_stages``), so it shows exactly what the model is given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.pipeline import FeaturePipeline
from ..data.dataset import ArrayDataset
from ..nn import Module
from ..training import RunFolder


def new_figure(**kwargs: Any) -> Any:
    """A ``matplotlib.figure.Figure(**kwargs)``, outside pyplot (see the module docstring)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_features(signal: np.ndarray, sample_rate: int, path: str | os.PathLike[str],
                  pipeline: FeaturePipeline | None = None, title: str = "") -> None:
    """Waveform, power spectrum, mel filter bank and the pipeline's features of one clip, in
    one PNG (the signal as the pipeline converts it)."""
    pipeline = pipeline or FeaturePipeline()
    st = pipeline.mfcc_stages(signal, sample_rate)
    x, rate, feats = st["signal"], st["sample_rate"], st["features"]
    fb = st["filterbank"]
    fig = new_figure(figsize=(8, 10))
    axes = fig.subplots(4, 1)
    t = np.arange(x.size) / rate
    axes[0].plot(t, x, lw=0.6)
    axes[0].set(xlabel="time (s)", ylabel="amplitude", title=title or "waveform",
                xlim=(0, max(t[-1], 1e-3)))
    duration = x.size / rate
    im = axes[1].imshow(10 * np.log10(np.maximum(st["power"].T, 1e-12)), origin="lower",
                        aspect="auto", extent=(0, duration, 0, rate / 2), cmap="magma")
    fig.colorbar(im, ax=axes[1]).set_label("power (dB)")
    axes[1].set(xlabel="time (s)", ylabel="frequency (Hz)", title="power spectrum (dB)")
    axes[2].plot(st["freqs"], fb.T, lw=0.7)
    axes[2].set(xlabel="frequency (Hz)", ylabel="weight",
                title=f"{fb.shape[0]} mel filters ({st['mel_scale']} scale)")
    im = axes[3].imshow(feats.T, origin="lower", aspect="auto",
                        extent=(0, duration, 0, feats.shape[1]), cmap="viridis")
    fig.colorbar(im, ax=axes[3]).set_label("coefficient value")
    axes[3].set(xlabel="time (s)", ylabel="feature",
                title=f"features: MFCC ({pipeline.preset or 'minigru'} preset), "
                      f"{pipeline.deltas} order(s) of deltas")
    _save(fig, path)


LABELS = {"train_loss": "training loss", "val_loss": "validation loss",
          "train_accuracy": "training accuracy", "val_accuracy": "validation accuracy"}


def curves_figure(history: Sequence[dict[str, float]]) -> Any:
    """The learning-curve figure: loss (log axis) and accuracy per epoch, train and
    validation, integer epoch ticks, the best validation epoch marked."""

    epochs = [h["epoch"] for h in history]
    fig = new_figure(figsize=(10, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, keys in ((ax_loss, ("train_loss", "val_loss")),
                     (ax_acc, ("train_accuracy", "val_accuracy"))):
        for key, style in zip(keys, ("-", "--"), strict=True):
            if all(key in h for h in history):
                ax.plot(epochs, [h[key] for h in history], style, marker=".",
                        label=LABELS[key])
    if history and all("val_loss" in h for h in history):
        best = min(history, key=lambda h: h["val_loss"])
        for ax in (ax_loss, ax_acc):
            ax.axvline(best["epoch"], color="gray", ls=":", lw=1,
                       label=f"best epoch ({best['epoch']})")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss (log scale)", title="loss",
                yscale="log")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    return _finish_curves(fig, ax_loss, ax_acc)


def _finish_curves(fig: Any, *axes: Any) -> Any:
    """Integer epoch ticks, a legend and a grid on each axis; a tight layout."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def members_curves_figure(histories: Sequence[Sequence[dict[str, float]]]) -> Any:
    """The learning curves of a run of several models: each member's validation loss (log
    axis) and validation accuracy per epoch, one colour per member, its best epoch marked."""

    fig = new_figure(figsize=(10, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for k, history in enumerate(histories):
        rows = [h for h in history if "val_loss" in h]
        if not rows:
            continue
        epochs = [h["epoch"] for h in rows]
        line, = ax_loss.plot(epochs, [h["val_loss"] for h in rows], marker=".",
                             label=f"model {k + 1}")
        ax_acc.plot(epochs, [h["val_accuracy"] for h in rows], marker=".",
                    color=line.get_color(), label=f"model {k + 1}")
        best = min(rows, key=lambda h: h["val_loss"])
        for ax in (ax_loss, ax_acc):
            ax.axvline(best["epoch"], color=line.get_color(), ls=":", lw=1)
    ax_loss.set(xlabel="epoch", ylabel="validation cross-entropy (log scale)",
                title="validation loss (dotted: each model's best epoch)", yscale="log")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy",
               ylim=(0, 1.02))
    return _finish_curves(fig, ax_loss, ax_acc)


def plot_curves(history: Sequence[Any], path: str | os.PathLike[str]) -> None:
    """Write :func:`curves_figure` as a PNG, or for a list of histories (a run of several
    models) :func:`members_curves_figure`."""
    several = bool(history) and isinstance(history[0], (list, tuple))
    _save(members_curves_figure(history) if several else curves_figure(history), path)


def plot_confusion(matrix: np.ndarray, labels: Sequence[str], path: str | os.PathLike[str],
                   title: str = "confusion matrix") -> None:
    """A confusion matrix (rows: true class, columns: predicted), counts in the cells."""
    m = np.asarray(matrix)
    fig = new_figure(figsize=(1 + 0.55 * len(labels), 0.8 + 0.5 * len(labels)))
    ax = fig.subplots()
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=8,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", title=title)
    _save(fig, path)


def gates_figure(features: np.ndarray, z: np.ndarray | None, r: np.ndarray | None,
                 hop_seconds: float, n_mfcc: int | None = None, title: str = "") -> Any:
    """A look inside a GRU: an utterance's features (MFCC rows and delta rows marked) above
    its update gate z and reset gate r, each (frames, units), time in seconds, colour bars
    with their units. Without gates (another cell) only the features are drawn."""
    panels = [("input features", features)]
    if z is not None:
        panels += [("update gate z", z), ("reset gate r", r)]
    fig = new_figure(figsize=(8, 2.6 * len(panels) + 0.4))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)
    duration = np.asarray(features).shape[0] * hop_seconds
    for ax, (name, data) in zip(axes[:, 0], panels, strict=True):
        gate = name != "input features"
        data = np.asarray(data)
        im = ax.imshow(data.T, origin="lower", aspect="auto", cmap="viridis",
                       extent=(0, duration, 0, data.shape[1]),
                       vmin=0 if gate else None, vmax=1 if gate else None)
        bar = fig.colorbar(im, ax=ax)
        bar.set_label("activation (0-1)" if gate else "coefficient value")
        ax.set(ylabel="unit" if gate else "coefficient", title=name)
        if not gate and n_mfcc and data.shape[1] > n_mfcc:
            for k in range(n_mfcc, data.shape[1], n_mfcc):
                ax.axhline(k, color="white", lw=0.8)
            names = ["MFCC", "deltas", "delta-deltas"][: data.shape[1] // n_mfcc]
            ax.set_yticks([n_mfcc * (k + 0.5) for k in range(len(names))], names)
    axes[-1, 0].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_gates(features: np.ndarray, z: np.ndarray, r: np.ndarray,
               path: str | os.PathLike[str], title: str = "", hop_seconds: float = 0.01,
               n_mfcc: int | None = 13) -> None:
    """Write :func:`gates_figure` as a PNG."""
    _save(gates_figure(features, z, r, hop_seconds, n_mfcc, title), path)


def plot_clip(features: np.ndarray, hop_seconds: float, n_mfcc: int | None,
              gates: dict[str, np.ndarray] | None) -> Any:
    """The report's figure of one clip: its features, and the GRU's gates when there are."""
    z = None if gates is None else gates["z"][:, 0]
    r = None if gates is None else gates["r"][:, 0]
    return gates_figure(features, z, r, hop_seconds, n_mfcc)


def figure_png(fig: Any) -> bytes:
    """A figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def write_figures(files: RunFolder, history: list[Any], confusion: np.ndarray,
                  classes: list[str], model: Module, test: ArrayDataset,
                  pipeline: FeaturePipeline | None = None) -> list[Path]:
    """A run's figures: learning curves (``history``: the epochs' rows, or for a run of
    several models one such list per model), the test confusion matrix, and (for a GRU, or
    an ensemble whose first model is one) the gates on the first test utterance. Returns the
    paths written."""
    if history:
        plot_curves(history, files.figure("curves"))
    plot_confusion(confusion, classes, files.figure("confusion"), "test confusion matrix")
    if getattr(model, "cell", None) == "gru" and len(test):
        features, label = test[0]
        gates = model.gates(features[:, None, :], [features.shape[0]])
        pipe = pipeline or FeaturePipeline()
        rate = pipe.sample_rate or 16000
        plot_gates(features, gates["z"][:, 0], gates["r"][:, 0], files.figure("gates"),
                   f"inside the GRU: {test.names[0]} (class {classes[label]})",
                   pipe.step_seconds(rate), pipe.n_mfcc if pipe.stack == 1 else None)
    return files.figures()
