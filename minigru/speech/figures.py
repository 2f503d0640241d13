"""Figures of the recogniser, drawn with matplotlib's non-interactive Agg backend as PNG:
a clip through the feature pipeline, learning curves, a confusion matrix, and the GRU's gates.

The feature figure draws the pipeline's own intermediate stages
(``FeaturePipeline.mfcc_stages``), so it shows exactly what the model is given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..audio.pipeline import FeaturePipeline  # noqa: E402
from ..data.dataset import ArrayDataset  # noqa: E402
from ..nn import Module  # noqa: E402
from ..training import RunFolder  # noqa: E402


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_features(signal: np.ndarray, sample_rate: int, path: str | os.PathLike[str],
                  pipeline: FeaturePipeline | None = None, title: str = "") -> None:
    """Waveform, power spectrum, mel filter bank and the pipeline's features of one clip, in
    one PNG (the signal as the pipeline converts it)."""
    pipeline = pipeline or FeaturePipeline()
    st = pipeline.mfcc_stages(signal, sample_rate)
    x, rate, feats = st["signal"], st["sample_rate"], st["features"]
    fb = st["filterbank"]
    fig, axes = plt.subplots(4, 1, figsize=(8, 10))
    t = np.arange(x.size) / rate
    axes[0].plot(t, x, lw=0.6)
    axes[0].set(xlabel="time (s)", ylabel="amplitude", title=title or "waveform",
                xlim=(0, max(t[-1], 1e-3)))
    duration = x.size / rate
    axes[1].imshow(10 * np.log10(np.maximum(st["power"].T, 1e-12)), origin="lower",
                   aspect="auto", extent=(0, duration, 0, rate / 2), cmap="magma")
    axes[1].set(xlabel="time (s)", ylabel="frequency (Hz)", title="power spectrum (dB)")
    axes[2].plot(st["freqs"], fb.T, lw=0.7)
    axes[2].set(xlabel="frequency (Hz)", ylabel="weight",
                title=f"{fb.shape[0]} mel filters ({st['mel_scale']} scale)")
    axes[3].imshow(feats.T, origin="lower", aspect="auto",
                   extent=(0, duration, 0, feats.shape[1]), cmap="viridis")
    axes[3].set(xlabel="time (s)", ylabel="feature",
                title=f"features: MFCC ({pipeline.preset or 'minigru'} preset), "
                      f"{pipeline.deltas} order(s) of deltas")
    _save(fig, path)


def plot_curves(history: Sequence[dict[str, float]], path: str | os.PathLike[str]) -> None:
    """Loss and accuracy per epoch, train and validation, from a list of metric dicts."""
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for key, style in (("train_loss", "-"), ("val_loss", "--")):
        if all(key in h for h in history):
            ax_loss.plot(epochs, [h[key] for h in history], style, label=key)
    for key, style in (("train_accuracy", "-"), ("val_accuracy", "--")):
        if all(key in h for h in history):
            ax_acc.plot(epochs, [h[key] for h in history], style, label=key)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.legend()
        ax.grid(alpha=0.3)
    _save(fig, path)


def plot_confusion(matrix: np.ndarray, labels: Sequence[str], path: str | os.PathLike[str],
                   title: str = "confusion matrix") -> None:
    """A confusion matrix (rows: true class, columns: predicted), counts in the cells."""
    m = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(1 + 0.55 * len(labels), 0.8 + 0.5 * len(labels)))
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=8,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", title=title)
    _save(fig, path)


def plot_gates(features: np.ndarray, z: np.ndarray, r: np.ndarray,
               path: str | os.PathLike[str], title: str = "") -> None:
    """A look inside a GRU: an utterance's features above its update gate z and reset gate r
    over time, each (frames, units)."""
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    for ax, data, name in ((axes[0], features, "input features"), (axes[1], z, "update gate z"),
                           (axes[2], r, "reset gate r")):
        im = ax.imshow(np.asarray(data).T, origin="lower", aspect="auto", cmap="viridis",
                       vmin=0 if name != "input features" else None,
                       vmax=1 if name != "input features" else None)
        ax.set(ylabel="unit" if name != "input features" else "coefficient", title=name)
        fig.colorbar(im, ax=ax)
    axes[2].set_xlabel("frame")
    if title:
        fig.suptitle(title)
    _save(fig, path)


def write_figures(files: RunFolder, history: list[dict[str, float]], confusion: np.ndarray,
                  classes: list[str], model: Module, test: ArrayDataset,
                  pipeline: FeaturePipeline | None = None) -> list[Path]:
    """A run's figures: learning curves, the test confusion matrix, and (for a GRU) the
    gates on the first test utterance. Returns the paths written."""
    if history:
        plot_curves(history, files.figure("curves"))
    plot_confusion(confusion, classes, files.figure("confusion"), "test confusion matrix")
    if getattr(model, "cell", None) == "gru" and len(test):
        features, label = test[0]
        gates = model.gates(features[:, None, :], [features.shape[0]])
        plot_gates(features, gates["z"][:, 0], gates["r"][:, 0], files.figure("gates"),
                   f"inside the GRU: {test.names[0]} (class {classes[label]})")
    return files.figures()
