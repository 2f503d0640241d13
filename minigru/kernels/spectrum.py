"""Power spectrum from a complex spectrum in one pass (no temporaries)."""

from __future__ import annotations

import numpy as np

from .jit import kernel


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
