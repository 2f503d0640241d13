"""Products over the rows that are active, so padding costs no arithmetic.

In a batch of sequences of different lengths, sequence b is active at step t when
t < lengths[b]. A padded row's state is carried unchanged and its gradient is zero, so a
product over all B rows spends ``(B - n_t) / B`` of its work on rows whose result nobody
reads. PyTorch's packed sequences skip them by sorting the batch; these helpers skip them in
any order, by copying the n_t active rows into a dense block, multiplying that block, and
copying the result rows back:

    rows = [b : t < lengths[b]]                      (n_t of them, in batch order)
    out[rows] = A[rows] W                            (an (n_t, K) @ (K, N) product)

The copies cost n_t (K + N) moves against the product's 2 n_t K N operations, a fraction
1 / (2 min(K, N)) or less. When every row is active the product runs on the arrays as they
are. The gradients formed after the time loop take, the same way, only the
``P = sum_b lengths[b]`` valid (t, b) rows of the T*B (``valid_rows``), since a padded
row's gradient is zero. The input projection before the loop does not: there the copies
cost as much as the product saves (see ``kernels/timeloop.py``).

Every row's result is the same dot products as in the full product; BLAS may group the
additions of a smaller block differently, so results agree to rounding, not bit for bit,
with a product over all B rows.
"""

from __future__ import annotations

import numpy as np

from .blocks import blocks_product
from .jit import kernel


@kernel
def active_rows(lengths, t, rows):
    """Write the indices b with t < lengths[b] into ``rows`` (B,), in order; return their
    count n_t."""
    n = 0
    for b in range(lengths.shape[0]):
        if t < lengths[b]:
            rows[n] = b
            n += 1
    return n


@kernel
def rows_product(a, w, out, rows, n, a_block, out_block):
    """out[rows[:n]] = a[rows[:n]] @ W, leaving the other rows of ``out`` as they are.

    a: (B, K), out: (B, N), W (K, N) given as its ``column_blocks(W, B)`` (``kernels/blocks.py``:
    (nb, K, c), made once before the time loop); a_block (B, K) and out_block (B, N) are
    scratch.
    """
    B = a.shape[0]
    if n == B:
        blocks_product(a, w, out)
        return
    if n == 0:
        return
    for k in range(n):
        a_block[k] = a[rows[k]]
    blocks_product(a_block[:n], w, out_block[:n])
    for k in range(n):
        out[rows[k]] = out_block[k]


@kernel
def valid_positions(lengths, T):
    """The flat indices t * B + b of the valid (t, b) pairs, t < lengths[b], in (t, b) order:
    (P,) with P = sum of the lengths (capped at T)."""
    B = lengths.shape[0]
    P = 0
    for b in range(B):
        P += min(max(lengths[b], 0), T)
    pos = np.empty(P, dtype=np.int64)
    k = 0
    for t in range(T):
        for b in range(B):
            if t < lengths[b]:
                pos[k] = t * B + b
                k += 1
    return pos


@kernel
def valid_rows(a, pos):
    """The valid rows of a C-contiguous (T, B, C) array as a (P, C) array: a view of all T*B
    rows when nothing is padded (P = T*B), else a copy of rows ``pos`` of the flattened array.
    """
    T, B, C = a.shape
    a2 = a.reshape(T * B, C)
    if pos.shape[0] == T * B:
        return a2
    out = np.empty((pos.shape[0], C), dtype=a.dtype)
    for k in range(pos.shape[0]):
        out[k] = a2[pos[k]]
    return out


@kernel
def from_valid_rows(block, pos, T, B):
    """The inverse of :func:`valid_rows`: a (T, B, C) array with the rows of ``block`` (P, C)
    at positions ``pos`` and zeros at the padded ones."""
    C = block.shape[1]
    if pos.shape[0] == T * B:
        return block.reshape(T, B, C)
    out = np.zeros((T * B, C), dtype=block.dtype)
    for k in range(pos.shape[0]):
        out[pos[k]] = block[k]
    return out.reshape(T, B, C)
