"""The Elman RNN (tanh or ReLU): forward over a whole sequence and backpropagation through time.

Forward, for each active step (``w_ih`` (H, I), ``w_hh`` (H, H), biases (H,)):

    h' = phi(x_t W_ih^T + b_ih + h W_hh^T + b_hh),    phi = tanh or relu  (rows: x_t is (B, I))

Backward, with dh = dL/dh' (from step t+1 and the output):

    G = dh * phi'(.)      tanh: 1 - h'^2      relu: 1 where h' > 0, else 0
    dh_prev = G @ W_hh

and after the loop dW_ih = G^T X, dW_hh = G^T H_prev, db_ih = db_hh = sum G, dx = G W_ih.
Inactive steps (t >= lengths[b]) carry h, output zero and take no part in any product, as
for the GRU.
"""

from __future__ import annotations

import numpy as np

from .active import active_rows, rows_product
from .blocks import column_blocks
from .jit import kernel
from .timeloop import forward_start, time_index
from .vmath import activation_scratch, tanh_row, unit
from .weight_grads import back_through_w_hh, input_and_weight_grads


@kernel
def rnn_forward(x, w_ih, w_hh, b_ih, b_hh, h0, lengths, reverse, relu, y, col, y_rows, blocks):
    """One RNN layer in one direction; sequence b's outputs go to
    ``y[:, y_rows[b], col:col + H]`` (h' at active steps, else 0; y is (T, B', W),
    ``kernels/timeloop.py``). ``blocks``: cut W_hh into
    column blocks for the step products (``kernels/blocks.py``), True when the caller's BLAS
    runs on one thread.

    Returns h_n (B, H), h_prev (T, B, H).
    """
    T, B, I = x.shape
    H = h0.shape[1]
    xg, xrow, h_prev, h, rows = forward_start(x, w_ih, h0, lengths)
    w_hh_t = column_blocks(np.ascontiguousarray(w_hh.T), B, blocks)
    hg = np.empty((B, H), dtype=x.dtype)
    h_block = np.empty((B, H), dtype=x.dtype)
    hg_block = np.empty((B, H), dtype=x.dtype)
    pre = np.empty(H, dtype=x.dtype)
    scratch, bits = activation_scratch(H, x)
    for step in range(T):
        t = time_index(step, T, reverse)
        h_prev[t] = h
        n = active_rows(lengths, t, rows)
        rows_product(h, w_hh_t, hg, rows, n, h_block, hg_block)
        for b in range(B):
            if t >= lengths[b]:
                y[t, y_rows[b], col:col + H] = 0.0
                continue
            xb = xg[xrow[t, b]]
            hb = hg[b]
            for j in range(H):
                pre[j] = xb[j] + b_ih[j] + hb[j] + b_hh[j]
            yb = y[t, y_rows[b], col:col + H]
            if relu:
                for j in range(H):
                    yb[j] = pre[j] if pre[j] > 0 else 0.0
            else:
                tanh_row(pre, yb, scratch, bits)
            for j in range(H):
                h[b, j] = yb[j]
    return h, h_prev


@kernel
def rnn_backward(dy, dh_n, x, w_ih, w_hh, y, col, y_rows, h_prev, lengths, reverse, relu,
                 need_dx, blocks):
    """BPTT for :func:`rnn_forward`: ``y[:, y_rows[b], col:col + H]`` holds sequence b's h'
    at every active step (y as filled by the forward call) and
    ``dy[:, y_rows[b], col:col + H]`` its dL/dy (dy (T, B', W));
    ``blocks`` as there.

    Returns dx (T, B, I) (empty unless ``need_dx``), dh0 (B, H), dw_ih (H, I), dw_hh (H, H),
    db (H,).
    """
    T, B, I = x.shape
    one = unit(x)
    H = dh_n.shape[1]
    gg = np.empty((T, B, H), dtype=x.dtype)
    dh = dh_n.copy()
    back = np.empty((B, H), dtype=x.dtype)
    w_blocks = column_blocks(np.ascontiguousarray(w_hh), B, blocks)
    rows = np.empty(B, dtype=np.int64)
    g_block = np.empty((B, H), dtype=x.dtype)
    back_block = np.empty((B, H), dtype=x.dtype)
    for step in range(T):
        t = time_index(step, T, not reverse)
        for b in range(B):
            if t >= lengths[b]:
                gg[t, b] = 0.0
                continue
            yb = y[t, y_rows[b], col:col + H]
            dyb = dy[t, y_rows[b], col:col + H]
            ggb = gg[t, b]
            if relu:
                for j in range(H):
                    ggb[j] = dh[b, j] + dyb[j] if yb[j] > 0 else 0.0
            else:
                for j in range(H):
                    ggb[j] = (dh[b, j] + dyb[j]) * (one - yb[j] * yb[j])
        n = active_rows(lengths, t, rows)
        back_through_w_hh(gg[t], w_blocks, back, dh, rows, n, False, g_block, back_block)
    dx, dw_ih, dw_hh, db = input_and_weight_grads(gg, x, h_prev, w_ih, lengths, need_dx)
    return dx, dh, dw_ih, dw_hh, db
