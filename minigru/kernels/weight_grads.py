"""The gradient products every recurrent layer shares: the state gradient carried back through
W_hh at each step, and the gradients formed after the time loop as single matrix products."""

from __future__ import annotations

import numpy as np

from .jit import kernel


@kernel
def back_through_w_hh(g_t, w_hh, back, dh, lengths, t, add):
    """The recurrent path of dL/dh_{t-1}: back = G_t W_hh, one (B, G*H) @ (G*H, H) product for
    the whole batch, then for every sequence active at step t, dh = back (``add=False``: the
    LSTM's and RNN's whole state gradient) or dh += back (``add=True``: the GRU adds it to
    the direct path dh * z). An inactive sequence's dh passes through unchanged.
    """
    np.dot(g_t, w_hh, back)
    for b in range(dh.shape[0]):
        if t < lengths[b]:
            row, src = dh[b], back[b]
            if add:
                for j in range(row.shape[0]):
                    row[j] += src[j]
            else:
                for j in range(row.shape[0]):
                    row[j] = src[j]


@kernel
def input_and_weight_grads(g, x, h_prev, w_ih):
    """From the pre-activation gradients G of all steps, for a = x W_ih^T + h W_hh^T + b:

        dx = G W_ih,   dW_ih = G^T X,   dW_hh = G^T H_prev,   db = sum of G over all rows

    with G (T, B, G*H), x (T, B, I), h_prev (T, B, H) flattened to T*B rows: the sums over
    time of per-step outer products, each formed as one product.

    Returns dx (T, B, I), dw_ih (G*H, I), dw_hh (G*H, H), db (G*H,).
    """
    T, B, I = x.shape
    H = h_prev.shape[2]
    g2 = g.reshape(T * B, g.shape[2])
    dx = np.dot(g2, w_ih).reshape(T, B, I)
    dw_ih = np.dot(g2.T, x.reshape(T * B, I))
    dw_hh = np.dot(g2.T, h_prev.reshape(T * B, H))
    return dx, dw_ih, dw_hh, column_sums(g2)


@kernel
def column_sums(g):
    """sum_i g[i, :] for a (rows, cols) array, adding row after row (the bias gradients;
    several times faster than ``g.sum(axis=0)`` in Numba)."""
    out = np.zeros(g.shape[1], dtype=g.dtype)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[j] += g[i, j]
    return out
