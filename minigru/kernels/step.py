"""One time step of a recurrent layer, in place, for streaming inference.

The same equations as the sequence kernels (``gru.py``, ``lstm.py``, ``rnn.py``) for a single
input vector; the state is updated in place and the scratch vectors are supplied by the caller,
so a step allocates nothing.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .jit import kernel


@kernel
def gru_step(x, h, w_ih, w_hh, b_ih, b_hh, gi, gh, u, reset_after):
    """h <- GRU(x, h). x (I,), h (H,); scratch gi, gh (3H,), u (H,)."""
    H = h.shape[0]
    np.dot(w_ih, x, gi)
    if reset_after:
        np.dot(w_hh, h, gh)
        for j in range(H):
            r = sigmoid(gi[j] + b_ih[j] + gh[j] + b_hh[j])
            z = sigmoid(gi[H + j] + b_ih[H + j] + gh[H + j] + b_hh[H + j])
            n = np.tanh(gi[2 * H + j] + b_ih[2 * H + j] + r * (gh[2 * H + j] + b_hh[2 * H + j]))
            u[j] = (1.0 - z) * n + z * h[j]
        h[:] = u
    else:
        np.dot(w_hh[:2 * H], h, gh[:2 * H])
        for j in range(H):
            r = sigmoid(gi[j] + b_ih[j] + gh[j] + b_hh[j])
            u[j] = r * h[j]
        np.dot(w_hh[2 * H:], u, gh[2 * H:])
        for j in range(H):
            z = sigmoid(gi[H + j] + b_ih[H + j] + gh[H + j] + b_hh[H + j])
            n = np.tanh(gi[2 * H + j] + b_ih[2 * H + j] + gh[2 * H + j] + b_hh[2 * H + j])
            h[j] = (1.0 - z) * n + z * h[j]


@kernel
def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh, gi, gh):
    """(h, c) <- LSTM(x, (h, c)). Scratch gi, gh (4H,)."""
    H = h.shape[0]
    np.dot(w_ih, x, gi)
    np.dot(w_hh, h, gh)
    for j in range(H):
        i = sigmoid(gi[j] + b_ih[j] + gh[j] + b_hh[j])
        f = sigmoid(gi[H + j] + b_ih[H + j] + gh[H + j] + b_hh[H + j])
        g = np.tanh(gi[2 * H + j] + b_ih[2 * H + j] + gh[2 * H + j] + b_hh[2 * H + j])
        o = sigmoid(gi[3 * H + j] + b_ih[3 * H + j] + gh[3 * H + j] + b_hh[3 * H + j])
        c[j] = f * c[j] + i * g
        h[j] = o * np.tanh(c[j])


@kernel
def rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, gi, gh, relu):
    """h <- phi(W_ih x + b_ih + W_hh h + b_hh). Scratch gi, gh (H,)."""
    np.dot(w_ih, x, gi)
    np.dot(w_hh, h, gh)
    for j in range(h.shape[0]):
        a = gi[j] + b_ih[j] + gh[j] + b_hh[j]
        h[j] = (a if a > 0 else 0.0) if relu else np.tanh(a)
