"""Figures, drawn with matplotlib's non-interactive Agg backend and saved as PNG."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .audio.features import MFCCConfig, mfcc, resolve_config  # noqa: E402
from .audio.frames import frame_signal, get_window  # noqa: E402
from .audio.spectral import mel_filterbank, power_spectrum  # noqa: E402


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_features(signal: np.ndarray, sample_rate: int, path: str | os.PathLike[str],
                  preset: str | None = None, config: MFCCConfig | None = None,
                  title: str = "") -> None:
    """Waveform, spectrogram, mel filter bank and MFCC image of one clip, in one PNG."""
    cfg = resolve_config(preset, config)
    x = np.asarray(signal, dtype=np.float64)
    win, hop, n_fft = cfg.frame_sizes(sample_rate)
    frames = frame_signal(x, win, hop, cfg.edge, pad_length=n_fft)
    spec = power_spectrum(frames * get_window(cfg.window, win, cfg.window_periodic), n_fft)
    fb = mel_filterbank(sample_rate, n_fft, cfg.n_mels, cfg.fmin, cfg.fmax, cfg.mel_scale,
                        cfg.filter_placement, cfg.mel_norm, cfg.filter_dtype)
    ceps = mfcc(x, sample_rate, config=cfg)
    fig, axes = plt.subplots(4, 1, figsize=(8, 10))
    t = np.arange(x.size) / sample_rate
    axes[0].plot(t, x, lw=0.6)
    axes[0].set(xlabel="time (s)", ylabel="amplitude", title=title or "waveform",
                xlim=(0, max(t[-1], 1e-3)))
    duration = x.size / sample_rate
    axes[1].imshow(10 * np.log10(np.maximum(spec.T, 1e-12)), origin="lower", aspect="auto",
                   extent=(0, duration, 0, sample_rate / 2), cmap="magma")
    axes[1].set(xlabel="time (s)", ylabel="frequency (Hz)", title="power spectrum (dB)")
    freqs = np.arange(fb.shape[1]) * sample_rate / n_fft
    axes[2].plot(freqs, fb.T, lw=0.7)
    axes[2].set(xlabel="frequency (Hz)", ylabel="weight",
                title=f"{cfg.n_mels} mel filters ({cfg.mel_scale} scale)")
    axes[3].imshow(ceps.T, origin="lower", aspect="auto", extent=(0, duration, 0, ceps.shape[1]),
                   cmap="viridis")
    axes[3].set(xlabel="time (s)", ylabel="coefficient",
                title=f"MFCC ({preset or 'minigru'} preset)")
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
