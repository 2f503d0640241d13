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

**The scratch rows choose the arithmetic.** With float64 scratch (q float64, bits int64) all of
the above is done in float64, whatever the dtype of ``a`` and ``out``: a float32 row then gets
the correctly rounded float64 result, rounded once more to float32. With float32 scratch
(q float32, bits int32: :func:`activation_scratch` of a float32 row) it is done in float32,
8 lanes at a time with AVX2 instead of 4 and with a shorter polynomial, which the recurrent
kernels use for float32 models:

    e^r - 1 = r + r^2/2! + ... + r^7/7!,   |r| <= ln2/2,   remainder < 1.3e-9 relative

(below float32's half unit of 6e-8; ln 2 split as 0.693359375 - 2.12194440e-4, Moshier's
Cephes ``expf``), round() with 1.5 2^23, 2^k from (k + 127) << 23, and the clamp at -87
(e^-87 = 1.6e-38, still normal in float32), below which the sigmoid is 0 (the true value is
under 1.2e-38). Every result is within 2 units in the last place of float32 of the exact
value (``tests/test_vmath.py``), and it is as reproducible as the float64 path: the same
operations, rounded as IEEE 754 says, in the same order.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

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


F32 = np.float32
LOG2E_32 = F32(LOG2E)
LN2_HI_32 = F32(0.693359375)
LN2_LO_32 = F32(-2.12194440e-4)
ROUND_32 = F32(12582912.0)
FLOOR_32 = F32(-87.0)
ONE_32 = F32(1.0)
TWO_32 = F32(2.0)
ZERO_32 = F32(0.0)
D2, D3, D4, D5, D6, D7 = (F32(c) for c in (C2, C3, C4, C5, C6, C7))


def _reduced64(v):
    """(e^r - 1, the bits of 2^k) for one float64 v <= 0 (module docstring)."""
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


def _reduced32(v):
    """The same for one float32 v <= 0, in float32 (degree 7; module docstring)."""
    v = FLOOR_32 if v < FLOOR_32 else v
    kf = (v * LOG2E_32 + ROUND_32) - ROUND_32
    r = (v - kf * LN2_HI_32) - kf * LN2_LO_32
    p = D6 + r * D7
    p = D5 + r * p
    p = D4 + r * p
    p = D3 + r * p
    p = D2 + r * p
    p = ONE_32 + r * p
    return r * p, (np.int32(kf) + np.int32(127)) << np.int32(23)


def _reduced(v):
    """(e^r - 1, the bits of 2^k) for one v <= 0, in v's precision. Compiled, the choice is
    made by type and the loops that call it stay vectorised."""
    return _reduced32(v) if isinstance(v, np.float32) else _reduced64(v)


def _constants(q):
    """(0, 1, 2, the |v| above which e^-|v| is taken as 0) in the precision of scratch ``q``."""
    if q.dtype == np.float32:
        return ZERO_32, ONE_32, TWO_32, -FLOOR_32
    return 0.0, 1.0, 2.0, -FLOOR


def _in_precision_of(v, q):
    """v converted to the dtype of scratch row ``q``."""
    return F32(v) if q.dtype == np.float32 else np.float64(v)


def unit(like: np.ndarray) -> float:
    """1 in the dtype of the array ``like``, so ``unit(x) - z`` stays in float32 for float32
    arrays (a float64 literal would widen every such expression to float64 and back)."""
    return F32(1.0) if like.dtype == np.float32 else np.float64(1.0)


def activation_scratch(n: int, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(q, bits): scratch rows of length ``n`` for :func:`sigmoid_row` and :func:`tanh_row`
    that make them compute in the precision of ``like`` (float32 or float64)."""
    if like.dtype == np.float32:
        return np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int32)
    return np.empty(n, dtype=np.float64), np.empty(n, dtype=np.int64)


@overload(_reduced)
def _reduced_typed(v):
    return _reduced32 if v == types.float32 else _reduced64


@overload(_constants)
def _constants_typed(q):
    if q.dtype == types.float32:
        return lambda q: (ZERO_32, ONE_32, TWO_32, -FLOOR_32)
    return lambda q: (0.0, 1.0, 2.0, -FLOOR)


@overload(_in_precision_of)
def _in_precision_of_typed(v, q):
    if q.dtype == types.float32:
        return lambda v, q: np.float32(v)
    return lambda v, q: np.float64(v)


@overload(unit)
def _unit_typed(like):
    if like.dtype == types.float32:
        return lambda like: ONE_32
    return lambda like: 1.0


@overload(activation_scratch)
def _activation_scratch_typed(n, like):
    if like.dtype == types.float32:
        return lambda n, like: (np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int32))
    return lambda n, like: (np.empty(n, dtype=np.float64), np.empty(n, dtype=np.int64))


@kernel
def sigmoid_row(a, out, q, bits):
    """out[j] = 1 / (1 + e^{-a[j]}) for j < len(a), in the precision of the scratch rows q
    and bits (float64 and int64, or float32 and int32: :func:`activation_scratch`), at least as
    long as ``a``; ``out`` may be ``a``."""
    n = a.shape[0]
    zero, one, two, limit = _constants(q)
    for j in range(n):
        v = _in_precision_of(a[j], q)
        q[j], bits[j] = _reduced(-v if v >= zero else v)
    scale = bits.view(q.dtype)
    for j in range(n):
        v = _in_precision_of(a[j], q)
        e = zero if abs(v) > limit else scale[j] * (one + q[j])
        s = one / (one + e)
        out[j] = s if v >= zero else e * s


@kernel
def tanh_row(a, out, q, bits):
    """out[j] = tanh(a[j]) for j < len(a), in the precision of the scratch rows q and bits
    (as for :func:`sigmoid_row`); ``out`` may be ``a``."""
    n = a.shape[0]
    zero, one, two, limit = _constants(q)
    for j in range(n):
        v = _in_precision_of(a[j], q)
        q[j], bits[j] = _reduced(-two * v if v >= zero else two * v)
    scale = bits.view(q.dtype)
    for j in range(n):
        s = scale[j]
        m = s * q[j] + (s - one)
        t = m / (two + m)
        out[j] = -t if a[j] >= zero else t
