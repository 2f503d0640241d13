"""The gradient products every recurrent layer shares: the state gradient carried back through
W_hh at each step, and the gradients formed after the time loop as single matrix products.
Both run over the active rows only (``kernels/active.py``): a padded step contributes nothing
to any gradient, so it takes no part in the products."""

from __future__ import annotations

import numpy as np

from .active import from_valid_rows, rows_product, valid_positions, valid_rows
from .jit import kernel


@kernel
def back_through_w_hh(g_t, w_hh, back, dh, rows, n, add, g_block, back_block):
    """The recurrent path of dL/dh_{t-1}: back = G_t W_hh, one (n, G*H) @ (G*H, H) product for
    the n sequences active at step t (``rows[:n]``, from ``active_rows``; ``w_hh`` given as its
    ``column_blocks(W_hh, B)``, ``kernels/blocks.py``), then for each of
    them dh = back (``add=False``: the LSTM's and RNN's whole state gradient) or dh += back
    (``add=True``: the GRU adds it to the direct path dh * z). An inactive sequence's dh passes
    through unchanged. ``g_block`` (B, G*H) and ``back_block`` (B, H) are scratch.
    """
    rows_product(g_t, w_hh, back, rows, n, g_block, back_block)
    for k in range(n):
        row, src = dh[rows[k]], back[rows[k]]
        if add:
            for j in range(row.shape[0]):
                row[j] += src[j]
        else:
            for j in range(row.shape[0]):
                row[j] = src[j]


@kernel
def input_and_weight_grads(g, x, h_prev, w_ih, lengths, need_dx):
    """From the pre-activation gradients G of all steps, for a = x W_ih^T + h W_hh^T + b:

        dx = G W_ih,   dW_ih = G^T X,   dW_hh = G^T H_prev,   db = sum of G over all rows

    with G (T, B, G*H), x (T, B, I), h_prev (T, B, H) flattened to their P valid rows (the
    T*B rows less the padded ones, whose G is zero): the sums over time of per-step outer
    products, each formed as one product.

    Returns dx (T, B, I) (zero at padded steps; an empty (0, 0, 0) array unless
    ``need_dx``: the first layer's input, the features, needs no gradient in training),
    dw_ih (G*H, I), dw_hh (G*H, H), db (G*H,).
    """
    T, B, I = x.shape
    pos = valid_positions(lengths, T)
    g2 = valid_rows(g, pos)
    dx = input_grad(g2, w_ih, pos, T, B, need_dx)
    dw_ih = np.dot(g2.T, valid_rows(x, pos))
    dw_hh = np.dot(g2.T, valid_rows(h_prev, pos))
    return dx, dw_ih, dw_hh, column_sums(g2)


@kernel
def input_grad(g2, w_ih, pos, T, B, need_dx):
    """dx = G W_ih (T, B, I) from the valid rows G (P, G*H), zero at padded steps; an empty
    (0, 0, 0) array when not ``need_dx``."""
    if need_dx:
        return from_valid_rows(np.dot(g2, w_ih), pos, T, B)
    return np.zeros((0, 0, 0), dtype=g2.dtype)


@kernel
def column_sums(g):
    """sum_i g[i, :] for a (rows, cols) array, adding row after row (the bias gradients;
    several times faster than ``g.sum(axis=0)`` in Numba)."""
    out = np.zeros(g.shape[1], dtype=g.dtype)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[j] += g[i, j]
    return out
