"""Sums for kernels, written with four running partial sums.

One accumulator makes every addition wait for the one before it (about four cycles each); four
independent ones let the processor overlap them. The order of the additions is fixed, so the
results are the same on every run; they differ from a left-to-right sum only by rounding.
"""

from __future__ import annotations

from .jit import kernel


@kernel
def sum_range(a, start, stop):
    """sum_{start <= j < stop} a[j]."""
    s0 = s1 = s2 = s3 = 0.0
    j = start
    while j + 4 <= stop:
        s0 += a[j]
        s1 += a[j + 1]
        s2 += a[j + 2]
        s3 += a[j + 3]
        j += 4
    while j < stop:
        s0 += a[j]
        j += 1
    return (s0 + s1) + (s2 + s3)


@kernel
def dot_range(a, a_start, b, b_start, count):
    """sum_{j < count} a[a_start + j] * b[b_start + j]."""
    s0 = s1 = s2 = s3 = 0.0
    j = 0
    while j + 4 <= count:
        s0 += a[a_start + j] * b[b_start + j]
        s1 += a[a_start + j + 1] * b[b_start + j + 1]
        s2 += a[a_start + j + 2] * b[b_start + j + 2]
        s3 += a[a_start + j + 3] * b[b_start + j + 3]
        j += 4
    while j < count:
        s0 += a[a_start + j] * b[b_start + j]
        j += 1
    return (s0 + s1) + (s2 + s3)
