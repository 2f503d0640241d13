"""Spectra of frames in one pass each: the power spectrum, and the mel energies of a power
spectrum through a banded (sparse) filter bank."""

from __future__ import annotations

import numpy as np

from .jit import kernel

TILE = 8


@kernel
def squared_magnitude(spec, scale, out):
    """out[i, k] = (Re(spec[i, k])^2 + Im(spec[i, k])^2) * scale, for (frames, bins) arrays."""
    rows, cols = spec.shape
    for i in range(rows):
        for k in range(cols):
            v = spec[i, k]
            out[i, k] = (v.real * v.real + v.imag * v.imag) * scale
    return out


def power_of(spec: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """|spec|^2 * scale as float64, for a 2-D complex128 array."""
    spec = np.ascontiguousarray(spec, dtype=np.complex128)
    return squared_magnitude(spec, float(scale), np.empty(spec.shape, dtype=np.float64))


@kernel
def banded_mel_power(spec, scale, lo, width, weights, mel, total):
    """Mel energies straight from complex spectra, without forming the dense product.

        P[i, k]   = (Re(X[i, k])^2 + Im(X[i, k])^2) * scale
        mel[i, m] = sum_{j < width[m]} weights[m, j] * P[i, lo[m] + j]
        total[i]  = sum_k P[i, k]          (only when ``total`` has a row per frame)

    A triangular filter is non-zero on a few neighbouring bins, so the filter bank is stored
    by bands: filter m covers bins lo[m] .. lo[m] + width[m] - 1 with weights[m, :width[m]].
    This is the product P @ F.T of the dense (n_mels, bins) matrix F with the zero terms left
    out: about 2 * bins multiply-adds per frame instead of n_mels * bins. P is held transposed,
    (bins, frames), so the innermost loops run over frames and vectorise; each frame's sums
    still add their terms in order of j (or k). P is written ``TILE`` frames at a time, so
    each bin's row of P receives a run of neighbouring values, not one value a frame apart
    from the last (about 0.6 of the time for 32 frames of 1025 bins).

    spec (frames, bins) complex128; lo, width (n_mels,) int64; weights (n_mels, max width)
    float64; mel (frames, n_mels) float64 out; total (frames,) or (0,) float64 out.
    """
    rows, bins = spec.shape
    n_mels = weights.shape[0]
    power = np.empty((bins, rows))
    for i0 in range(0, rows, TILE):
        i1 = min(i0 + TILE, rows)
        for k in range(bins):
            for i in range(i0, i1):
                v = spec[i, k]
                power[k, i] = (v.real * v.real + v.imag * v.imag) * scale
    acc = np.zeros(rows)
    if total.shape[0] == rows:
        for k in range(bins):
            pk = power[k]
            for i in range(rows):
                acc[i] += pk[i]
        for i in range(rows):
            total[i] = acc[i]
    for m in range(n_mels):
        for i in range(rows):
            acc[i] = 0.0
        wm = weights[m]
        for j in range(width[m]):
            w = wm[j]
            pk = power[lo[m] + j]
            for i in range(rows):
                acc[i] += w * pk[i]
        for i in range(rows):
            mel[i, m] = acc[i]
    return mel


def filter_bands(filters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The banded form of a dense (n_mels, bins) filter bank for :func:`banded_mel_power`:
    (lo (n_mels,) int64, width (n_mels,) int64, weights (n_mels, max width) float64)."""
    filters = np.asarray(filters, dtype=np.float64)
    n_mels = filters.shape[0]
    lo = np.zeros(n_mels, dtype=np.int64)
    hi = np.zeros(n_mels, dtype=np.int64)
    for m in range(n_mels):
        nz = np.flatnonzero(filters[m])
        if nz.size:
            lo[m], hi[m] = nz[0], nz[-1] + 1
    width = hi - lo
    weights = np.zeros((n_mels, max(int(width.max()), 1) if n_mels else 1))
    for m in range(n_mels):
        weights[m, :width[m]] = filters[m, lo[m]:hi[m]]
    return lo, width, weights
