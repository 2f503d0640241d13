"""Scalar activation functions for use inside kernels."""

from __future__ import annotations

import math

from .jit import kernel


@kernel
def sigmoid(v):
    """1 / (1 + e^-v), evaluated so that no exponential overflows: for v < 0 it is
    e^v / (1 + e^v), with e^v < 1."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)
