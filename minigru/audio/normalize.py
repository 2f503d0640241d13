"""Dynamic features and normalisation: deltas and cepstral mean and variance normalisation."""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def delta(features: np.ndarray, width: int = 2) -> np.ndarray:
    """Regression deltas over +-``width`` frames (edge frames replicated):

        d_t = sum_{n=1..N} n (c_{t+n} - c_{t-n}) / (2 sum_{n=1..N} n^2)

    (frames, coefficients) -> same shape.
    """
    if width < 1:
        raise InputError(f"delta: width must be >= 1, got {width}")
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2:
        raise InputError(f"delta: expected (frames, coefficients), got shape {f.shape}")
    T = f.shape[0]
    if T == 0:
        return f.copy()
    padded = np.pad(f, ((width, width), (0, 0)), mode="edge")
    out = np.zeros_like(f)
    for n in range(1, width + 1):
        out += n * (padded[width + n:width + n + T] - padded[width - n:width - n + T])
    return out / (2 * sum(n * n for n in range(1, width + 1)))


def cmvn(features: np.ndarray, variance: bool = True, eps: float = 1e-10) -> np.ndarray:
    """Per-utterance cepstral mean (and variance) normalisation over frames:
    (c - mean) / max(std, eps), each coefficient separately."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2:
        raise InputError(f"cmvn: expected (frames, coefficients), got shape {f.shape}")
    if f.shape[0] == 0:
        return f.copy()
    out = f - f.mean(axis=0)
    if variance:
        out /= np.maximum(f.std(axis=0), eps)
    return out
