"""One time step of a recurrent layer, in place, for streaming inference.

The same equations as the sequence kernels (``gru.py``, ``lstm.py``, ``rnn.py``) for a single
input vector, with the same row activations (``vmath.py``); the state is updated in place and
the scratch vectors are supplied by the caller, so a step allocates nothing. Scratch: gi, gh
(G*H,) in the state's dtype, and q, bits = ``activation_scratch(G*H, gi)`` (``vmath.py``: the
activations are then computed in the state's precision, as the sequence kernels do), with G the
gate count.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .vmath import sigmoid_row, tanh_row


@kernel
def gru_step(x, h, w_ih, w_hh, b_ih, b_hh, gi, gh, q, bits, reset_after):
    """h <- GRU(x, h). x (I,), h (H,)."""
    H = h.shape[0]
    np.dot(w_ih, x, gi)
    if reset_after:
        np.dot(w_hh, h, gh)
    else:
        np.dot(w_hh[:2 * H], h, gh[:2 * H])
    for j in range(2 * H):
        gi[j] = gi[j] + b_ih[j] + gh[j] + b_hh[j]
    sigmoid_row(gi[:2 * H], gi[:2 * H], q, bits)
    if reset_after:
        for j in range(H):
            gi[2 * H + j] = gi[2 * H + j] + b_ih[2 * H + j] + gi[j] * (gh[2 * H + j]
                                                                     + b_hh[2 * H + j])
    else:
        for j in range(H):
            gh[j] = gi[j] * h[j]
        np.dot(w_hh[2 * H:], gh[:H], gh[2 * H:])
        for j in range(H):
            gi[2 * H + j] = gi[2 * H + j] + b_ih[2 * H + j] + (gh[2 * H + j] + b_hh[2 * H + j])
    tanh_row(gi[2 * H:], gi[2 * H:], q, bits)
    for j in range(H):
        z = gi[H + j]
        h[j] = (1.0 - z) * gi[2 * H + j] + z * h[j]


@kernel
def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh, gi, gh, q, bits):
    """(h, c) <- LSTM(x, (h, c))."""
    H = h.shape[0]
    np.dot(w_ih, x, gi)
    np.dot(w_hh, h, gh)
    for j in range(4 * H):
        gi[j] = gi[j] + b_ih[j] + gh[j] + b_hh[j]
    sigmoid_row(gi[:2 * H], gi[:2 * H], q, bits)
    tanh_row(gi[2 * H:3 * H], gi[2 * H:3 * H], q, bits)
    sigmoid_row(gi[3 * H:], gi[3 * H:], q, bits)
    for j in range(H):
        c[j] = gi[H + j] * c[j] + gi[j] * gi[2 * H + j]
    tanh_row(c, gh[:H], q, bits)
    for j in range(H):
        h[j] = gi[3 * H + j] * gh[j]


@kernel
def rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, gi, gh, q, bits, relu):
    """h <- phi(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    np.dot(w_ih, x, gi)
    np.dot(w_hh, h, gh)
    for j in range(h.shape[0]):
        gi[j] = gi[j] + b_ih[j] + gh[j] + b_hh[j]
    if relu:
        for j in range(h.shape[0]):
            h[j] = gi[j] if gi[j] > 0 else 0.0
    else:
        tanh_row(gi, h, q, bits)
