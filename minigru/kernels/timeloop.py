"""The start every recurrent time loop shares: the input projection, the buffers the forward
pass fills, and which time step an iteration handles.

For input ``x`` (T, B, I) and ``w_ih`` (G*H, I), with G gate blocks (3 for the GRU, 4 for the
LSTM, 1 for the RNN), the input terms of every step and gate are one matrix product before
the loop::

    xg[xrow[t, b]] = x[t, b] W_ih^T     (P, G*H; the bias b_ih is added inside the loop)

formed over the P valid rows (t, b), t < lengths[b], only: ``xrow`` (T, B) gives the row of
xg that holds step t of sequence b. With nothing padded, P = T*B, xg is the product of all
rows of x as they lie (no copy) and xrow[t, b] = t B + b. With padding, the valid rows of x
are copied out first (``kernels/active.py``), and the product's rows are read where they
are: none is copied back. A batch of FSDD words padded to its longest holds about 40%
padding, which the product no longer computes.

Every forward kernel writes the outputs of its sequence b into row ``y_rows[b]``, columns
``col ... col + H - 1``, of an array ``y`` (T, B', W) its caller gives, and its backward kernel
reads dL/dy from the same places of ``dy`` (T, B', W). One direction alone has W = H, col = 0
and y_rows = 0, 1, ..., B-1. The two directions of a bidirectional layer write one (T, B, 2H)
array, the forward direction at col = 0 and the reverse at col = H, which is the layer's
output as it is: no copy joins the two directions, and no copy splits its gradient again. The
two halves of a batch run as a pair (``ops/pairs.py``, ``BatchHalves``) write the one
(T, B, H) output of the layer the same way, each half at its own rows, and read dL/dy from
it: no copy puts the rows back in batch order or deals the gradient out again.

A forward pass visits t = 0, 1, ..., T-1 (T-1, ..., 0 in the reverse direction); its
backward pass visits the same steps in the opposite order. Sequence b is active at step t
when t < lengths[b].
"""

from __future__ import annotations

import numpy as np

from .active import valid_positions, valid_rows
from .jit import kernel


@kernel
def time_index(step, T, reverse):
    """The time step handled by iteration ``step`` of a loop that runs forward in time
    (t = step), or backward in time (t = T - 1 - step) when ``reverse``."""
    return T - 1 - step if reverse else step


@kernel
def forward_start(x, w_ih, h0, lengths):
    """(xg (P, G*H) the valid rows' input terms and xrow (T, B) int64 the row of xg of each
    (t, b), as in the module docstring; h_prev (T, B, H) uninitialised, h a copy of h0
    (B, H), rows (B,) int64 scratch for :func:`~minigru.kernels.active.active_rows`): what
    every forward time loop starts from. xrow is -1 at padded steps, which the loops never
    read."""
    T, B, I = x.shape
    H = h0.shape[1]
    pos = valid_positions(lengths, T)
    xrow = np.full((T, B), -1, dtype=np.int64)
    for k in range(pos.shape[0]):
        xrow[pos[k] // B, pos[k] % B] = k
    xg = np.dot(valid_rows(x, pos), w_ih.T)
    h_prev = np.empty((T, B, H), dtype=x.dtype)
    return xg, xrow, h_prev, h0.copy(), np.empty(B, dtype=np.int64)
