"""A cascade of time-varying second-order resonators (a formant synthesizer's filter)."""

from __future__ import annotations

import numpy as np

from .jit import kernel


@kernel
def resonator_cascade(x, freqs, bandwidths, sample_rate, block):
    """Filter ``x`` through one resonator per column of ``freqs``, in cascade.

    Resonator k, with F = freqs[i, k] during samples i*block .. (i+1)*block - 1:

        y[n] = A x[n] + B y[n-1] + C y[n-2]
        C = -exp(-2 pi bw / sr),  B = 2 exp(-pi bw / sr) cos(2 pi F / sr),  A = 1 - B - C

    (unit gain at 0 Hz; the state y[n-1], y[n-2] carries over when the coefficients change).
    x: (N,), freqs: (N // block + 1, K), bandwidths: (K,). Returns y (N,).
    """
    y = x.copy()
    n_res = freqs.shape[1]
    for k in range(n_res):
        c = -np.exp(-2.0 * np.pi * bandwidths[k] / sample_rate)
        r = np.exp(-np.pi * bandwidths[k] / sample_rate)
        y1 = 0.0
        y2 = 0.0
        for n in range(y.size):
            f = freqs[n // block, k]
            b = 2.0 * r * np.cos(2.0 * np.pi * f / sample_rate)
            out = (1.0 - b - c) * y[n] + b * y1 + c * y2
            y2 = y1
            y1 = out
            y[n] = out
    return y
