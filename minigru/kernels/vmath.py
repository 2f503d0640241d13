"""Sigmoid and tanh over whole rows, in loops the compiler turns into SIMD instructions.

A call to the C library's ``exp`` or ``tanh`` inside a loop keeps that loop scalar, and in the
GRU's forward pass those calls, not the matrix products, took most of the time. These
functions compute e^x from its definition with nothing but multiplications, additions and a
power of two, so each loop below is vectorised (8 lanes of float64 with AVX-512) without
``fastmath``: every operation is rounded as IEEE 754 says, and results are reproducible.

For x <= 0, with k = round(x / ln 2) and r = x - k ln 2 (|r| <= ln 2 / 2; ln 2 split into a
high part with trailing zero bits and a low part, so k ln2_hi is exact, Cody and Waite 1980):

    e^x     = 2^k e^r,            e^r - 1 = r + r^2/2! + ... + r^13/13!   (Horner)
    e^x - 1 = 2^k (e^r - 1) + (2^k - 1)

The Taylor remainder after degree 13 on |r| <= ln2/2 = 0.3466 is below 5e-18 in absolute
value (4.2e-18 at the ends); relative to e^r - 1 it is largest at r = -ln2/2, about 1.4e-17,
still 16 times smaller than one unit in the last place of float64 (2.2e-16 relative), so
both results are within a few units in the last place. round() is (y + 1.5 2^52) - 1.5 2^52, exact
under round-to-nearest for |y| < 2^51, and 2^k is built from its bits: (k + 1023) << 52
read as a float64 (``bits`` is an int64 scratch row; its float64 view holds the powers).
Arguments are clamped at -708, where e^x is 3e-308, still a normal number; the sigmoid takes
e^x = 0 below that, so sigmoid(-inf) = 0 exactly (tanh is -1 there already).

Then, with E = e^{-|v|} in (0, 1] and M = e^{-2|v|} - 1 in (-1, 0], nothing overflows:

    sigmoid(v) = 1 / (1 + E)           for v >= 0,  E / (1 + E)    for v < 0
    tanh(v)    = -M / (2 + M)          for v >= 0,  M / (2 + M)    for v < 0

(tanh through e^x - 1 rather than e^x keeps its relative accuracy near 0.)
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
ROUND = 6755399441055744.0
FLOOR = -708.0

# 1 / n! for n = 2 .. 13
C2 = 0.5
C3 = 1.0 / 6.0
C4 = 1.0 / 24.0
C5 = 1.0 / 120.0
C6 = 1.0 / 720.0
C7 = 1.0 / 5040.0
C8 = 1.0 / 40320.0
C9 = 1.0 / 362880.0
C10 = 1.0 / 3628800.0
C11 = 1.0 / 39916800.0
C12 = 1.0 / 479001600.0
C13 = 1.0 / 6227020800.0


@kernel
def _reduced(v):
    """(e^r - 1, the bits of 2^k) for one v <= 0 (module docstring). Inlined into the loops
    below, which stay vectorised."""
    v = FLOOR if v < FLOOR else v
    kf = (v * LOG2E + ROUND) - ROUND
    r = (v - kf * LN2_HI) - kf * LN2_LO
    p = C12 + r * C13
    p = C11 + r * p
    p = C10 + r * p
    p = C9 + r * p
    p = C8 + r * p
    p = C7 + r * p
    p = C6 + r * p
    p = C5 + r * p
    p = C4 + r * p
    p = C3 + r * p
    p = C2 + r * p
    p = 1.0 + r * p
    return r * p, (np.int64(kf) + 1023) << 52


@kernel
def sigmoid_row(a, out, q, bits):
    """out[j] = 1 / (1 + e^{-a[j]}) for j < len(a). q (float64) and bits (int64) are scratch
    rows at least as long; ``out`` may be ``a``."""
    n = a.shape[0]
    for j in range(n):
        v = a[j]
        q[j], bits[j] = _reduced(-v if v >= 0 else v)
    scale = bits.view(np.float64)
    for j in range(n):
        e = 0.0 if abs(a[j]) > -FLOOR else scale[j] * (1.0 + q[j])
        s = 1.0 / (1.0 + e)
        out[j] = s if a[j] >= 0 else e * s


@kernel
def tanh_row(a, out, q, bits):
    """out[j] = tanh(a[j]) for j < len(a). q (float64) and bits (int64) are scratch rows at
    least as long; ``out`` may be ``a``."""
    n = a.shape[0]
    for j in range(n):
        v = a[j]
        q[j], bits[j] = _reduced(-2.0 * v if v >= 0 else 2.0 * v)
    scale = bits.view(np.float64)
    for j in range(n):
        s = scale[j]
        m = s * q[j] + (s - 1.0)
        t = m / (2.0 + m)
        out[j] = -t if a[j] >= 0 else t
