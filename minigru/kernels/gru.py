"""The GRU: forward over a whole sequence, and backpropagation through time, by hand.

Shapes: T steps, B sequences, I input features, H hidden units; gate blocks are stacked in
PyTorch's order r, z, n, so ``w_ih`` is (3H, I), ``w_hh`` (3H, H), ``b_ih`` and ``b_hh`` (3H,).
Subscripts r, z, n pick a block (``W_ir = w_ih[0:H]``, ``W_hz = w_hh[H:2H]``, ...).

Rows are batch elements: x_t is (B, I), h is (B, H), and every product is written in row
form, ``x_t W_ir^T`` a (B, H) matrix. Forward, for each step t (``reset_after=True``,
PyTorch's and cuDNN's form):

    a_r = x_t W_ir^T + b_ir + h W_hr^T + b_hr          r = sigmoid(a_r)       reset gate
    a_z = x_t W_iz^T + b_iz + h W_hz^T + b_hz          z = sigmoid(a_z)       update gate
    q   = h W_hn^T + b_hn                                                     (saved)
    a_n = x_t W_in^T + b_in + r * q                    n = tanh(a_n)          candidate
    h'  = (1 - z) * n + z * h

With ``reset_after=False`` (Cho et al., 2014, whose GRU has no biases; the biases here are the
cuDNN / PyTorch form) the reset gate acts before the product:
``q = (r * h) W_hn^T + b_hn`` and ``a_n = x_t W_in^T + b_in + q``.

The input products ``x W_ih^T`` of every step are one matrix product before the loop, over
the valid (t, b) rows only (``xg``, ``kernels/timeloop.py``; ``b_ih`` is added inside the
loop, with the recurrent terms); inside the loop the
only product is ``h W_hh^T`` (for ``reset_after=False``, one for the r, z blocks and one for
``(r * h) W_hn^T``), then the gates of every unit are computed in one fused pass. Where the
products run on one BLAS thread, a float32 W_hh is cut into column blocks once, before the
loop, and each step's product is one small product per block (``kernels/blocks.py``).

Variable lengths: sequence b is active at step t when t < lengths[b]. An inactive step keeps
the state (h' = h) and outputs zero, so ``h_n`` is each sequence's state after its own last
step. In the reverse direction steps run t = T-1 ... 0; the padded steps come first and leave
h0 untouched, so the recursion starts at each sequence's own last step. Every product, in
the loop and after it, takes only the rows active at its step (``kernels/active.py``), so
padding costs no arithmetic and whatever the padded inputs hold never reaches a result.

Backward. Let dh be dL/dh' arriving at step t: the gradient flowing back from step t+1 plus
dL/dy_t from the output. Differentiating h' = (1 - z) n + z h:

    dn = dh * (1 - z)     dz = dh * (h - n)     dh_prev = dh * z   (the path not through W_hh)

Through the nonlinearities (sigmoid' = s (1 - s), tanh' = 1 - t^2):

    da_n = dn * (1 - n^2)      da_z = dz * z (1 - z)

For ``reset_after=True``, a_n = ... + r * q gives dr = da_n * q and dq = da_n * r, so

    da_r = da_n * q * r (1 - r)

The pre-activation gradients split into an input part G_x = [da_r, da_z, da_n] (the
gradient of ``x_t W_i*^T + b_i*``) and a recurrent part G_h = [da_r, da_z, da_n * r] (the
gradient of ``h W_h*^T + b_h*``), and the state gradient gathers every path:

    dh_prev += G_h W_hh                                    (B, 3H) @ (3H, H)

For ``reset_after=False``, with u = r * h: du = da_n W_hn, dr = du * h, dh_prev += du * r,
G_h = [da_r, da_z, da_n], and dh_prev += G_h[:, :2H] W_h[rz].

Weight gradients are sums over steps, dW = sum_t G_t^T v_t, each term a (3H, B) @ (B, ·)
matrix product (itself a sum of B outer products); instead of T small products the kernel
keeps every G_t and forms each gradient as ONE matrix product over the valid ones of all
T*B rows after the loop:

    dW_ih = G_x^T X        db_ih = sum G_x          dx = G_x W_ih
    dW_hh = G_h^T H_prev   db_hh = sum G_h          (reset_after=False: the n block is
                                                     da_n^T U, with U = r * H_prev)

Inactive steps contribute nothing and pass dh through unchanged; when the loop has finished,
dh is dL/dh0. ``docs/gru.md`` walks through this derivation line by line, with NumPy that
the tests run against this kernel.

Each elementwise loop writes one array. A loop that writes several (da_n, da_z and dh in
one pass over j; h' into both the state and the output) stays scalar: the compiler cannot
prove that the arrays do not overlap, so it does not vectorise it. Split, the backward
passes of a half of shape (a) of ``benchmarks/bench_rnn.py`` (T = 100, B = 16, H = 128,
float32) took 0.21 ms instead of 0.67 on their own; inside the kernels, where the step
products and the memory traffic of the saved arrays dominate, the forward pass gained about
0.2 ms of 2.9 and the backward pass 0.1 ms of 5.2. The arithmetic, and so every result, is
the same bit for bit.
"""

from __future__ import annotations

import numpy as np

from .active import active_rows, rows_product, valid_positions, valid_rows
from .blocks import column_blocks
from .jit import kernel
from .timeloop import forward_start, time_index
from .vmath import activation_scratch, sigmoid_row, tanh_row, unit
from .weight_grads import back_through_w_hh, column_sums, input_grad


@kernel
def gru_forward(x, w_ih, w_hh, b_ih, b_hh, h0, lengths, reverse, reset_after, y, col, y_rows,
                blocks):
    """One GRU layer in one direction over the whole sequence.

    Args:
        x: (T, B, I) inputs, C-contiguous.
        w_ih: (3H, I), w_hh: (3H, H), b_ih: (3H,), b_hh: (3H,) in gate order r, z, n.
        h0: (B, H) initial state.
        lengths: (B,) int64, 1 <= lengths[b] <= T.
        reverse: run t = T-1 ... 0.
        reset_after: PyTorch's candidate (True) or Cho et al.'s (False).
        y, col, y_rows: sequence b's outputs h' go to ``y[:, y_rows[b], col:col + H]`` (zero
            where t >= lengths[b]); y is (T, B', W), C-contiguous, and y_rows (B,) int64
            (``kernels/timeloop.py``).
        blocks: cut W_hh into column blocks for the step products (``kernels/blocks.py``):
            True when the caller's BLAS products run on one thread.

    Returns:
        h_n: (B, H) state after each sequence's last step.
        h_prev: (T, B, H) the state entering step t (saved for backward).
        gates: (T, B, 3H) the activations r, z, n (zero at inactive steps).
        q: (T, B, H) h W_hn^T + b_hn for reset_after=True; (r * h) W_hn^T + b_hn otherwise.
    """
    T, B, I = x.shape
    one = unit(x)
    H = h0.shape[1]
    xg, xrow, h_prev, h, rows = forward_start(x, w_ih, h0, lengths)
    gates = np.empty((T, B, 3 * H), dtype=x.dtype)
    q = np.empty((T, B, H), dtype=x.dtype)
    first = 3 * H if reset_after else 2 * H
    w_first_t = column_blocks(np.ascontiguousarray(w_hh[:first].T), B, blocks)
    w_hn_t = column_blocks(np.ascontiguousarray(w_hh[first:].T), B, blocks)
    hg = np.empty((B, 3 * H), dtype=x.dtype)
    hrz = np.empty((B, 2 * H), dtype=x.dtype)
    u = np.zeros((B, H), dtype=x.dtype)
    un = np.empty((B, H), dtype=x.dtype)
    h_block = np.empty((B, H), dtype=x.dtype)
    hg_block = np.empty((B, 3 * H), dtype=x.dtype)
    hrz_block = np.empty((B, 2 * H), dtype=x.dtype)
    un_block = np.empty((B, H), dtype=x.dtype)
    pre = np.empty(2 * H, dtype=x.dtype)
    scratch, bits = activation_scratch(2 * H, x)
    for step in range(T):
        t = time_index(step, T, reverse)
        h_prev[t] = h
        n_active = active_rows(lengths, t, rows)
        if reset_after:
            rows_product(h, w_first_t, hg, rows, n_active, h_block, hg_block)
        else:
            rows_product(h, w_first_t, hrz, rows, n_active, h_block, hrz_block)
        for b in range(B):
            if t >= lengths[b]:
                y[t, y_rows[b], col:col + H] = 0.0
                gates[t, b] = 0.0
                q[t, b] = 0.0
                continue
            hb = hg[b] if reset_after else hrz[b]
            xb = xg[xrow[t, b]]
            for j in range(2 * H):
                pre[j] = xb[j] + b_ih[j] + hb[j] + b_hh[j]
            sigmoid_row(pre, gates[t, b, :2 * H], scratch, bits)
            if reset_after:
                for j in range(H):
                    q[t, b, j] = hb[2 * H + j] + b_hh[2 * H + j]
            else:
                for j in range(H):
                    u[b, j] = gates[t, b, j] * h[b, j]
        if not reset_after:
            rows_product(u, w_hn_t, un, rows, n_active, h_block, un_block)
        for b in range(B):
            if t >= lengths[b]:
                continue
            xb = xg[xrow[t, b]]
            r = gates[t, b, :H]
            qb = q[t, b]
            if not reset_after:
                for j in range(H):
                    qb[j] = un[b, j] + b_hh[2 * H + j]
            for j in range(H):
                pre[j] = xb[2 * H + j] + b_ih[2 * H + j] + (r[j] * qb[j] if reset_after
                                                          else qb[j])
            n = gates[t, b, 2 * H:]
            tanh_row(pre[:H], n, scratch, bits)
            z = gates[t, b, H:2 * H]
            hb = h[b]
            for j in range(H):
                hb[j] = (one - z[j]) * n[j] + z[j] * hb[j]
            yb = y[t, y_rows[b], col:col + H]
            for j in range(H):
                yb[j] = hb[j]
    return h, h_prev, gates, q


@kernel
def gru_backward(dy, col, y_rows, dh_n, x, w_ih, w_hh, h_prev, gates, q, lengths, reverse,
                 reset_after, need_dx, blocks):
    """BPTT for :func:`gru_forward` (the derivation is in the module docstring).

    Args:
        dy, col, y_rows: dL/dy of sequence b at ``dy[:, y_rows[b], col:col + H]``, dy
            (T, B', W) as y in the forward call; dh_n: (B, H) dL/dh_n.
        x, w_ih, w_hh, lengths, reverse, reset_after: as given to the forward kernel.
        h_prev, gates, q: as returned by the forward kernel.
        need_dx: form dx (False when the input needs no gradient, as a first layer's
            features: an empty (0, 0, 0) array is returned in its place).
        blocks: as for the forward kernel.

    Returns:
        dx (T, B, I), dh0 (B, H), dw_ih (3H, I), dw_hh (3H, H), db_ih (3H,), db_hh (3H,).
    """
    T, B, I = x.shape
    one = unit(x)
    H = dh_n.shape[1]
    gx = np.empty((T, B, 3 * H), dtype=x.dtype)
    gh = np.empty((T, B, 3 * H), dtype=x.dtype)
    dh = dh_n.copy()
    back = np.empty((B, H), dtype=x.dtype)
    first = 3 * H if reset_after else 2 * H
    w_first = column_blocks(np.ascontiguousarray(w_hh[:first]), B, blocks)
    w_hn = column_blocks(np.ascontiguousarray(w_hh[first:]), B, blocks)
    dan = np.zeros((B, H), dtype=x.dtype)
    du = np.empty((B, H), dtype=x.dtype)
    grz = np.zeros((B, 2 * H), dtype=x.dtype)
    rows = np.empty(B, dtype=np.int64)
    h_block = np.empty((B, H), dtype=x.dtype)
    du_block = np.empty((B, H), dtype=x.dtype)
    g_block = np.empty((B, 3 * H), dtype=x.dtype)
    grz_block = np.empty((B, 2 * H), dtype=x.dtype)
    for step in range(T):
        t = time_index(step, T, not reverse)
        n_active = active_rows(lengths, t, rows)
        for b in range(B):
            if t >= lengths[b]:
                dan[b] = 0.0
                grz[b] = 0.0
                gx[t, b] = 0.0
                gh[t, b] = 0.0
                continue
            r = gates[t, b, :H]
            z = gates[t, b, H:2 * H]
            n = gates[t, b, 2 * H:]
            hp = h_prev[t, b]
            dyb = dy[t, y_rows[b], col:col + H]
            dhb = dh[b]
            gxb = gx[t, b]
            ghb = gh[t, b]
            gx_r, gx_z, gx_n = gxb[:H], gxb[H:2 * H], gxb[2 * H:]
            for j in range(H):
                dhb[j] += dyb[j]
            for j in range(H):
                gx_n[j] = dhb[j] * (one - z[j]) * (one - n[j] * n[j])
            for j in range(H):
                gx_z[j] = dhb[j] * (hp[j] - n[j]) * z[j] * (one - z[j])
            for j in range(H):
                dhb[j] *= z[j]
            if reset_after:
                qb = q[t, b]
                for j in range(H):
                    gx_r[j] = gx_n[j] * qb[j] * r[j] * (one - r[j])
                gh_n = ghb[2 * H:]
                for j in range(H):
                    gh_n[j] = gx_n[j] * r[j]
                for j in range(2 * H):
                    ghb[j] = gxb[j]
            else:
                for j in range(H):
                    ghb[H + j] = gx_z[j]
                dan_b = dan[b]
                for j in range(H):
                    dan_b[j] = gx_n[j]
                for j in range(H):
                    ghb[2 * H + j] = gx_n[j]
        if reset_after:
            back_through_w_hh(gh[t], w_first, back, dh, rows, n_active, True, g_block, h_block)
        else:
            rows_product(dan, w_hn, du, rows, n_active, h_block, du_block)
            for b in range(B):
                if t >= lengths[b]:
                    continue
                r = gates[t, b, :H]
                hp = h_prev[t, b]
                dub = du[b]
                gx_r = gx[t, b, :H]
                ghb = gh[t, b]
                grzb = grz[b]
                dhb = dh[b]
                for j in range(H):
                    gx_r[j] = dub[j] * hp[j] * r[j] * (one - r[j])
                for j in range(H):
                    ghb[j] = gx_r[j]
                for j in range(2 * H):
                    grzb[j] = ghb[j]
                for j in range(H):
                    dhb[j] += dub[j] * r[j]
            back_through_w_hh(grz, w_first, back, dh, rows, n_active, True, grz_block, h_block)
    pos = valid_positions(lengths, T)
    gx2 = valid_rows(gx, pos)
    gh2 = valid_rows(gh, pos)
    x2 = valid_rows(x, pos)
    hp2 = valid_rows(h_prev, pos)
    dx = input_grad(gx2, w_ih, pos, T, B, need_dx)
    dw_ih = np.dot(gx2.T, x2)
    db_ih = column_sums(gx2)
    db_hh = column_sums(gh2)
    if reset_after:
        dw_hh = np.dot(gh2.T, hp2)
    else:
        dw_hh = np.empty((3 * H, H), dtype=x.dtype)
        dw_hh[: 2 * H] = np.dot(np.ascontiguousarray(gh2[:, : 2 * H]).T, hp2)
        u2 = valid_rows(gates[:, :, :H] * h_prev, pos)
        dw_hh[2 * H:] = np.dot(np.ascontiguousarray(gh2[:, 2 * H:]).T, u2)
    return dx, dh, dw_ih, dw_hh, db_ih, db_hh
