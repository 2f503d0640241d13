"""A cascade of second-order sections (biquads), the form a digital IIR filter is run in.

Section s has the transfer function

    H_s(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2),   sos[s] = [b0, b1, b2, 1, a1, a2]

and the signal passes through the sections in order. Each is computed in the transposed
direct form II, with two state values w1, w2 per section, from rest (w1 = w2 = 0):

    y[n]  = b0 x[n] + w1
    w1    = b1 x[n] - a1 y[n] + w2
    w2    = b2 x[n] - a2 y[n]

These are the operations of ``scipy.signal.sosfilt``, in the same order, so the results are
the same to the last bit (``tests/test_endpoint.py``).
"""

from __future__ import annotations

import numpy as np

from .jit import kernel


@kernel
def sos_filter(sos, x):
    """y: ``x`` (N,) float64 filtered by the sections ``sos`` (S, 6), from rest (module
    docstring)."""
    S = sos.shape[0]
    state = np.zeros((S, 2))
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        v = x[n]
        for s in range(S):
            out = sos[s, 0] * v + state[s, 0]
            state[s, 0] = sos[s, 1] * v - sos[s, 4] * out + state[s, 1]
            state[s, 1] = sos[s, 2] * v - sos[s, 5] * out
            v = out
        y[n] = v
    return y
