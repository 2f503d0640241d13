"""The LSTM: forward over a whole sequence and backpropagation through time.

Shapes as for the GRU (``kernels/gru.py``) with four gate blocks in PyTorch's order i, f, g, o:
``w_ih`` (4H, I), ``w_hh`` (4H, H), biases (4H,). Forward, for each active step:

    a = x_t W_ih^T + b_ih + h W_hh^T + b_hh             (B, 4H), one product for all gates
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c' = f * c + i * g
    h' = o * tanh(c')

Inactive steps (t >= lengths[b]) carry (h, c) unchanged, output zero and take no part in
any product (``kernels/active.py``).

Backward. With dh = dL/dh' (from step t+1 and from the output) and dc = dL/dc' from step t+1,
and k = tanh(c') saved by the forward pass:

    do = dh * k
    dc_tot = dc + dh * o * (1 - k^2)                 (c' reaches L directly and through h')
    di = dc_tot * g     dg = dc_tot * i     df = dc_tot * c     dc_prev = dc_tot * f
    G = [di i (1 - i), df f (1 - f), dg (1 - g^2), do o (1 - o)]     (pre-activations)
    dh_prev = G @ W_hh

G is the gradient of both the input and the recurrent pre-activations, so after the loop:
dW_ih = G^T X, dW_hh = G^T H_prev, db_ih = db_hh = sum G, dx = G W_ih (one product each).
Each elementwise loop writes one array, so that it is vectorised (``kernels/gru.py``).
"""

from __future__ import annotations

import numpy as np

from .active import active_rows, rows_product
from .blocks import column_blocks
from .jit import kernel
from .timeloop import forward_start, time_index
from .vmath import activation_scratch, sigmoid_row, tanh_row, unit
from .weight_grads import back_through_w_hh, input_and_weight_grads


@kernel
def lstm_forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, lengths, reverse, y, col, y_rows, blocks):
    """One LSTM layer in one direction; sequence b's outputs h' go to
    ``y[:, y_rows[b], col:col + H]`` (y is (T, B', W), ``kernels/timeloop.py``).
    ``blocks``: cut W_hh into column blocks for the step products (``kernels/blocks.py``),
    True when the caller's BLAS runs on one thread.

    Returns:
        h_n (B, H), c_n (B, H), and for backward: h_prev (T, B, H), c_prev (T, B, H),
        gates (T, B, 4H) = activations i, f, g, o, k (T, B, H) = tanh(c').
    """
    T, B, I = x.shape
    H = h0.shape[1]
    xg, xrow, h_prev, h, rows = forward_start(x, w_ih, h0, lengths)
    c_prev = np.empty((T, B, H), dtype=x.dtype)
    gates = np.empty((T, B, 4 * H), dtype=x.dtype)
    k = np.empty((T, B, H), dtype=x.dtype)
    c = c0.copy()
    w_hh_t = column_blocks(np.ascontiguousarray(w_hh.T), B, blocks)
    hg = np.empty((B, 4 * H), dtype=x.dtype)
    h_block = np.empty((B, H), dtype=x.dtype)
    hg_block = np.empty((B, 4 * H), dtype=x.dtype)
    pre = np.empty(4 * H, dtype=x.dtype)
    scratch, bits = activation_scratch(4 * H, x)
    for step in range(T):
        t = time_index(step, T, reverse)
        h_prev[t] = h
        c_prev[t] = c
        n = active_rows(lengths, t, rows)
        rows_product(h, w_hh_t, hg, rows, n, h_block, hg_block)
        for b in range(B):
            if t >= lengths[b]:
                y[t, y_rows[b], col:col + H] = 0.0
                gates[t, b] = 0.0
                k[t, b] = 0.0
                continue
            xb = xg[xrow[t, b]]
            hb = hg[b]
            for j in range(4 * H):
                pre[j] = xb[j] + b_ih[j] + hb[j] + b_hh[j]
            gb = gates[t, b]
            sigmoid_row(pre[:2 * H], gb[:2 * H], scratch, bits)
            tanh_row(pre[2 * H:3 * H], gb[2 * H:3 * H], scratch, bits)
            sigmoid_row(pre[3 * H:], gb[3 * H:], scratch, bits)
            cb = c[b]
            for j in range(H):
                cb[j] = gb[H + j] * cb[j] + gb[j] * gb[2 * H + j]
            kb = k[t, b]
            tanh_row(cb, kb, scratch, bits)
            hb = h[b]
            for j in range(H):
                hb[j] = gb[3 * H + j] * kb[j]
            yb = y[t, y_rows[b], col:col + H]
            for j in range(H):
                yb[j] = hb[j]
    return h, c, h_prev, c_prev, gates, k


@kernel
def lstm_backward(dy, col, y_rows, dh_n, dc_n, x, w_ih, w_hh, h_prev, c_prev, gates, k, lengths,
                  reverse, need_dx, blocks):
    """BPTT for :func:`lstm_forward`, dL/dy at ``dy[:, y_rows[b], col:col + H]`` (as y;
    ``blocks`` as there).

    Returns:
        dx (T, B, I) (empty unless ``need_dx``), dh0 (B, H), dc0 (B, H), dw_ih (4H, I),
        dw_hh (4H, H), db (4H,)
        (the gradient of both b_ih and b_hh).
    """
    T, B, I = x.shape
    one = unit(x)
    H = dh_n.shape[1]
    gg = np.empty((T, B, 4 * H), dtype=x.dtype)
    dh = dh_n.copy()
    dc = dc_n.copy()
    back = np.empty((B, H), dtype=x.dtype)
    w_blocks = column_blocks(np.ascontiguousarray(w_hh), B, blocks)
    rows = np.empty(B, dtype=np.int64)
    g_block = np.empty((B, 4 * H), dtype=x.dtype)
    back_block = np.empty((B, H), dtype=x.dtype)
    for step in range(T):
        t = time_index(step, T, not reverse)
        for b in range(B):
            if t >= lengths[b]:
                gg[t, b] = 0.0
                continue
            gb = gates[t, b]
            kb = k[t, b]
            cp = c_prev[t, b]
            dyb = dy[t, y_rows[b], col:col + H]
            ggb = gg[t, b]
            i, f, g, o = gb[:H], gb[H:2 * H], gb[2 * H:3 * H], gb[3 * H:]
            dhb, dcb = dh[b], dc[b]
            for j in range(H):
                dhb[j] += dyb[j]
            gg_o = ggb[3 * H:]
            for j in range(H):
                gg_o[j] = dhb[j] * kb[j] * o[j] * (one - o[j])
            for j in range(H):
                dcb[j] += dhb[j] * o[j] * (one - kb[j] * kb[j])
            gg_i = ggb[:H]
            for j in range(H):
                gg_i[j] = dcb[j] * g[j] * i[j] * (one - i[j])
            gg_f = ggb[H:2 * H]
            for j in range(H):
                gg_f[j] = dcb[j] * cp[j] * f[j] * (one - f[j])
            gg_g = ggb[2 * H:3 * H]
            for j in range(H):
                gg_g[j] = dcb[j] * i[j] * (one - g[j] * g[j])
            for j in range(H):
                dcb[j] *= f[j]
        n = active_rows(lengths, t, rows)
        back_through_w_hh(gg[t], w_blocks, back, dh, rows, n, False, g_block, back_block)
    dx, dw_ih, dw_hh, db = input_and_weight_grads(gg, x, h_prev, w_ih, lengths, need_dx)
    return dx, dh, dc, dw_ih, dw_hh, db
