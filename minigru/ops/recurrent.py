"""Fused recurrent layers: one autograd node per layer, calling the kernels.

A 2-layer unidirectional GRU is two ``GRULayer`` nodes, whatever the sequence length: the
time loop lives inside the kernels, and each node's backward is the kernel's hand-derived BPTT.
The two directions of a bidirectional layer are one ``BothDirections`` node, whose forward
and backward run the two directions' kernels at once, one per core
(:func:`minigru.parallel.run_pair`), writing the layer's (T, B, 2H) output in place, each
direction its own columns (``kernels/timeloop.py``). A unidirectional layer whose batch is
large and whose hidden size is small is one ``BatchHalves`` node, which runs the two halves of
the batch at once the same way (:func:`minigru.parallel.halves_pay` says when).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..kernels.gru import gru_backward, gru_forward
from ..kernels.lstm import lstm_backward, lstm_forward
from ..kernels.rnn import rnn_backward, rnn_forward
from ..parallel import halves_pay, products_on_one_thread, run_pair
from ..tensor import Tensor
from . import layers as L
from . import shape as S


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a)


def _needs_dx(ctx: Context) -> bool:
    """Whether input 0 (x) needs its gradient; a node run inside ``BothDirections`` is told
    by it (its own context records no inputs)."""
    return not ctx.needs_input_grad or bool(ctx.needs_input_grad[0])


def _dx(dx: np.ndarray, need: bool) -> np.ndarray | None:
    return dx if need else None


def _output(x: np.ndarray, h0: np.ndarray, out: np.ndarray | None,
            rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(y, y_rows): the array a forward kernel writes its outputs into, ``out`` (T, B', W),
    shared by the two directions of a bidirectional layer or the two halves of a batch, or a
    new (T, B, H) one; and the row of y of each of the call's B sequences, ``rows`` or
    0 ... B-1 (``kernels/timeloop.py``)."""
    y = np.empty(x.shape[:2] + h0.shape[1:], x.dtype) if out is None else out
    y_rows = np.arange(x.shape[1], dtype=np.int64) if rows is None else \
        np.ascontiguousarray(rows, dtype=np.int64)
    return y, y_rows


def _dy(dy: np.ndarray | None, ctx: Context) -> np.ndarray:
    """dL/dy as the backward kernels read it: C-contiguous, of the shape of the y the forward
    call wrote (``ctx.y_meta``), zeros when no gradient arrived."""
    return np.zeros(*ctx.y_meta) if dy is None else _c(dy)


class GRULayer(Function):
    """(x, h0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n, gates) for one layer and direction.

    ``gates`` (T, B, 3H) holds the activations r, z, n the kernel computed anyway (for figures
    such as the update gate over time); it is not differentiable. y is (T, B, H), or with
    ``out`` given, ``out`` (T, B, W) with this direction's outputs in columns ``col ...
    col + H - 1`` (``BothDirections``), as for ``LSTMLayer`` and ``RNNLayer``.
    """

    materialize_grads = False
    states = 1
    batch_axes = (1, 0, 1)

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool, reset_after: bool, out: np.ndarray | None = None, col: int = 0,
                rows: np.ndarray | None = None):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, y_rows = _output(x, h0, out, rows)
        h_n, h_prev, gates, q = gru_forward(x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0),
                                            lengths, reverse, reset_after, y, col, y_rows,
                                            products_on_one_thread())
        ctx.save_for_backward(x, w_ih, w_hh, h_prev, gates, q)
        ctx.options = (lengths, reverse, reset_after, col, y_rows)
        ctx.y_meta = (y.shape, y.dtype)
        return y, h_n, gates

    @staticmethod
    def backward(ctx: Context, dy, dh_n, _dgates):
        x, w_ih, w_hh, h_prev, gates, q = ctx.saved_tensors
        lengths, reverse, reset_after, col, y_rows = ctx.options
        dh_n = np.zeros((x.shape[1], w_hh.shape[1]), x.dtype) if dh_n is None else _c(dh_n)
        need = _needs_dx(ctx)
        dx, *rest = gru_backward(_dy(dy, ctx), col, y_rows, dh_n, x, w_ih, w_hh, h_prev, gates,
                                 q, lengths, reverse, reset_after, need,
                                 products_on_one_thread())
        return (_dx(dx, need), *rest)


class LSTMLayer(Function):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n, c_n) for one layer and direction."""

    states = 2
    batch_axes = (1, 0, 0)

    @staticmethod
    def forward(ctx: Context, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool, out: np.ndarray | None = None, col: int = 0,
                rows: np.ndarray | None = None):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, y_rows = _output(x, h0, out, rows)
        h_n, c_n, h_prev, c_prev, gates, k = lstm_forward(
            x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0), _c(c0), lengths, reverse, y, col,
            y_rows, products_on_one_thread())
        ctx.save_for_backward(x, w_ih, w_hh, h_prev, c_prev, gates, k)
        ctx.options = (lengths, reverse, col, y_rows)
        ctx.y_meta = (y.shape, y.dtype)
        return y, h_n, c_n

    @staticmethod
    def backward(ctx: Context, dy, dh_n, dc_n):
        x, w_ih, w_hh, h_prev, c_prev, gates, k = ctx.saved_tensors
        lengths, reverse, col, y_rows = ctx.options
        need = _needs_dx(ctx)
        dx, dh0, dc0, dw_ih, dw_hh, db = lstm_backward(
            _dy(dy, ctx), col, y_rows, _c(dh_n), _c(dc_n), x, w_ih, w_hh, h_prev, c_prev, gates, k,
            lengths, reverse, need, products_on_one_thread())
        return _dx(dx, need), dh0, dc0, dw_ih, dw_hh, db, db


class RNNLayer(Function):
    """(x, h0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n) for one layer and direction."""

    states = 1
    batch_axes = (1, 0)

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool, relu: bool, out: np.ndarray | None = None, col: int = 0,
                rows: np.ndarray | None = None):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, y_rows = _output(x, h0, out, rows)
        h_n, h_prev = rnn_forward(x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0), lengths, reverse,
                                  relu, y, col, y_rows, products_on_one_thread())
        ctx.save_for_backward(x, w_ih, w_hh, y, h_prev)
        ctx.options = (lengths, reverse, relu, col, y_rows)
        ctx.y_meta = (y.shape, y.dtype)
        return y, h_n

    @staticmethod
    def backward(ctx: Context, dy, dh_n):
        x, w_ih, w_hh, y, h_prev = ctx.saved_tensors
        lengths, reverse, relu, col, y_rows = ctx.options
        need = _needs_dx(ctx)
        dx, dh0, dw_ih, dw_hh, db = rnn_backward(_dy(dy, ctx), _c(dh_n), x, w_ih, w_hh, y,
                                                 col, y_rows, h_prev, lengths, reverse, relu,
                                                 need, products_on_one_thread())
        return _dx(dx, need), dh0, dw_ih, dw_hh, db, db


def _pieces(ctx: Context, layer: type[Function]) -> tuple[Context, Context]:
    """The contexts of the two pieces of a paired node (``BothDirections``, ``BatchHalves``),
    each told whether x needs its gradient (their own contexts record no inputs)."""
    pieces = (Context(layer, ()), Context(layer, ()))
    for piece in pieces:
        piece.needs_input_grad = (_needs_dx(ctx),)
    return pieces


def _filled(layer: type[Function], grads: tuple, metas: Sequence[tuple]) -> tuple:
    """The incoming gradients of a paired node, with zeros of the recorded (shape, dtype) in
    place of the missing ones when ``layer`` wants every gradient (``materialize_grads``)."""
    if not layer.materialize_grads:
        return grads
    return tuple(np.zeros(*meta) if g is None else g
                 for g, meta in zip(grads, metas, strict=True))


class BothDirections(Function):
    """Both directions of one bidirectional layer as one node:
    (x, *params_forward, *params_reverse) -> (y, *states_forward, *states_reverse), where
    ``layer`` is ``GRULayer``, ``LSTMLayer`` or ``RNNLayer``, each direction's params are
    that Function's inputs after x, and its outputs after y follow y. y (T, B, 2H) is the
    layer's output: the forward direction's outputs in columns 0 ... H-1, the reverse's in
    H ... 2H-1, each written there by its kernel. The two directions run at once in forward
    and in backward (:func:`minigru.parallel.run_pair`), both reading dL/dy from the one
    array at their own columns; dL/dx is the sum of the two directions' dx.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, *params, layer: type[Function], **options):
        half = len(params) // 2
        H = params[0].shape[1]
        y = np.empty(x.shape[:2] + (2 * H,), x.dtype)
        ctx_f, ctx_r = _pieces(ctx, layer)
        out_f, out_r = run_pair(
            lambda: layer.forward(ctx_f, x, *params[:half], reverse=False, out=y, col=0,
                                  **options),
            lambda: layer.forward(ctx_r, x, *params[half:], reverse=True, out=y, col=H,
                                  **options))
        ctx.save_for_backward(ctx_f, ctx_r)
        ctx.layer = layer
        ctx.n_states = len(out_f) - 1
        ctx.out_meta = [(y.shape, y.dtype)] + [(o.shape, o.dtype) for o in out_f[1:]] * 2
        return (y,) + tuple(out_f[1:]) + tuple(out_r[1:])

    @staticmethod
    def backward(ctx: Context, *grads):
        ctx_f, ctx_r = ctx.saved_tensors
        layer, k = ctx.layer, ctx.n_states
        dy, *states = _filled(layer, grads, ctx.out_meta)
        g_f, g_r = run_pair(lambda: layer.backward(ctx_f, dy, *states[:k]),
                            lambda: layer.backward(ctx_r, dy, *states[k:]))
        dx = None if g_f[0] is None else g_f[0] + g_r[0]
        return (dx,) + tuple(g_f[1:]) + tuple(g_r[1:])


class BatchHalves(Function):
    """One layer and direction with its batch cut in two, the halves run at once:
    (x, *states, w_ih, w_hh, b_ih, b_hh) -> the outputs of ``layer`` (``GRULayer``,
    ``LSTMLayer`` or ``RNNLayer``; ``layer.states`` is how many initial states follow x).

    The sequences of a batch do not interact, so any two sets of rows that cover the batch
    are two independent layers with the same weights (:func:`minigru.parallel.run_pair` runs
    them, one per core). The rows are dealt like cards: sorted by length, longest first (ties
    in batch order), the 1st, 3rd, 5th, ... go to one half and the others to the other, each
    half keeping batch order. Both halves then have nearly the same lengths, and so the same
    work, where contiguous halves of a batch of mixed lengths could leave one core waiting for
    the other. Each half's kernel writes its outputs into its own rows of the layer's one
    (T, B, H) output y, and reads dL/dy from the same rows of the one gradient
    (``kernels/timeloop.py``), so neither is copied. The other outputs are put back in batch
    order (``layer.batch_axes``: axis 1 of the GRU's gates, axis 0 of the final states), and
    in backward so are dx and the state gradients, while each weight gradient, a sum over
    every (t, b) row, is the sum of the two halves' sums:

        dW = sum_{t, b in A} g_tb v_tb^T + sum_{t, b in B} g_tb v_tb^T

    The same values as the whole layer, to rounding (two sums added, products over half the
    rows). ``unread`` lists outputs that nothing reads (the GRU's gates when no one asked for
    them): they are not put together, and come out as empty arrays.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, *params, layer: type[Function], lengths: np.ndarray,
                unread: tuple[int, ...] = (), **options):
        B, k = x.shape[1], layer.states
        halves = deal(lengths)
        ctxs = _pieces(ctx, layer)
        y = np.empty(x.shape[:2] + (params[k + 1].shape[1],), x.dtype)

        def run(i: int):
            rows = halves[i]
            args = ([np.take(x, rows, axis=1)] + [np.take(p, rows, axis=0) for p in params[:k]]
                    + list(params[k:]))
            return layer.forward(ctxs[i], *args, lengths=lengths[rows], out=y, rows=rows,
                                 **options)

        out_a, out_b = run_pair(lambda: run(0), lambda: run(1))
        ctx.save_for_backward(*ctxs)
        ctx.layer, ctx.halves = layer, halves
        ctx.out_meta = [(a.shape[:ax] + (B,) + a.shape[ax + 1:], a.dtype)
                        for a, ax in zip(out_a, layer.batch_axes, strict=True)]
        rest = (np.empty(0, a.dtype) if i in unread else _batch_order(a, b, halves, ax)
                for i, (a, b, ax) in enumerate(zip(out_a, out_b, layer.batch_axes, strict=True))
                if i > 0)
        return (y, *rest)

    @staticmethod
    def backward(ctx: Context, *grads):
        ctx_a, ctx_b = ctx.saved_tensors
        layer, halves, k = ctx.layer, ctx.halves, ctx.layer.states
        grads = _filled(layer, grads, ctx.out_meta)
        cut = [(None, None) if g is None or g.size == 0 else (_c(g),) * 2 if i == 0 else
               (np.take(g, halves[0], axis=ax), np.take(g, halves[1], axis=ax))
               for i, (g, ax) in enumerate(zip(grads, layer.batch_axes, strict=True))]
        g_a, g_b = run_pair(lambda: layer.backward(ctx_a, *(c[0] for c in cut)),
                            lambda: layer.backward(ctx_b, *(c[1] for c in cut)))
        dx = None if g_a[0] is None else _batch_order(g_a[0], g_b[0], halves, 1)
        states = [_batch_order(a, b, halves, 0)
                  for a, b in zip(g_a[1:1 + k], g_b[1:1 + k], strict=True)]
        weights = [a + b for a, b in zip(g_a[1 + k:], g_b[1 + k:], strict=True)]
        return (dx, *states, *weights)


def deal(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the two halves of a batch, dealt by length (``BatchHalves``): sorted
    longest first, ties in batch order, the even places to the first half and the odd places
    to the second, each half in batch order."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return np.sort(order[0::2]), np.sort(order[1::2])


def _batch_order(a: np.ndarray, b: np.ndarray, halves: tuple[np.ndarray, np.ndarray],
                 axis: int) -> np.ndarray:
    """The rows of a and b, halves ``halves[0]`` and ``halves[1]`` of a batch along ``axis``,
    put back in batch order."""
    shape = list(a.shape)
    shape[axis] = a.shape[axis] + b.shape[axis]
    out = np.empty(shape, dtype=a.dtype)
    lead = (slice(None),) * axis
    out[lead + (halves[0],)] = a
    out[lead + (halves[1],)] = b
    return out


MODES = {"GRU": 3, "LSTM": 4, "RNN_TANH": 1, "RNN_RELU": 1}


def recurrent_stack(
    mode: str,
    x: Tensor,
    h0: Tensor,
    c0: Tensor | None,
    weights: Sequence[Sequence[Any]],
    lengths: np.ndarray,
    num_layers: int,
    bidirectional: bool,
    dropout: float = 0.0,
    training: bool = False,
    reset_after: bool = True,
    rng: np.random.Generator | None = None,
    gates: list[np.ndarray] | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run a stack of recurrent layers over time-major input.

    Args:
        mode: "GRU", "LSTM", "RNN_TANH" or "RNN_RELU".
        x: (T, B, I) input.
        h0 (and c0 for LSTM): (num_layers * num_directions, B, H).
        weights: for layer l and direction d, ``weights[l * D + d]`` = (w_ih, w_hh, b_ih,
            b_hh), biases as tensors (zeros that need no grad when the layer has no bias).
        lengths: (B,) int64 valid lengths.
        dropout: applied to each layer's output except the last, in training only.
        gates: if a list is given (GRU only), each layer and direction's (T, B, 3H) gate
            activations r, z, n are appended to it.

    Returns:
        (output (T, B, D * H), h_n, c_n or None).
    """
    layer_input = x
    h_list, c_list = [], []
    for layer in range(num_layers):
        if bidirectional:
            layer_input = _both_directions(mode, layer_input, h0, c0, weights, layer, lengths,
                                           reset_after, h_list, c_list, gates)
        else:
            layer_input = _one_direction(mode, layer_input, h0, c0, weights, layer, lengths,
                                         reset_after, h_list, c_list, gates)
        if dropout > 0 and training and layer < num_layers - 1:
            layer_input = L.dropout(layer_input, dropout, True, rng)
    h_out = S.stack(h_list, axis=0)
    c_out = S.stack(c_list, axis=0) if mode == "LSTM" else None
    return layer_input, h_out, c_out


def _both_directions(mode, x, h0, c0, weights, layer, lengths, reset_after, h_list, c_list,
                     gates):
    """One bidirectional layer: its ``BothDirections`` node, its states appended to h_list
    (and c_list), its gates to ``gates``; returns its (T, B, 2H) output."""
    params = []
    for k in (2 * layer, 2 * layer + 1):
        w_ih, w_hh, b_ih, b_hh = weights[k]
        params += [h0[k]] + ([c0[k]] if mode == "LSTM" else []) + [w_ih, w_hh, b_ih, b_hh]
    if mode == "GRU":
        y, h_f, g_f, h_r, g_r = BothDirections.apply(
            x, *params, layer=GRULayer, lengths=lengths, reset_after=reset_after)
        if gates is not None:
            gates += [g_f.data, g_r.data]
    elif mode == "LSTM":
        y, h_f, c_f, h_r, c_r = BothDirections.apply(x, *params, layer=LSTMLayer,
                                                     lengths=lengths)
        c_list += [c_f, c_r]
    else:
        y, h_f, h_r = BothDirections.apply(x, *params, layer=RNNLayer, lengths=lengths,
                                           relu=mode == "RNN_RELU")
    h_list += [h_f, h_r]
    return y


def _one_direction(mode, x, h0, c0, weights, layer, lengths, reset_after, h_list, c_list,
                   gates):
    """One unidirectional layer (its node, states and gates as for :func:`_both_directions`);
    returns the (T, B, H) output."""
    w_ih, w_hh, b_ih, b_hh = weights[layer]
    split = halves_pay(x.shape[1], w_hh.shape[1], MODES[mode])

    def apply(fn: type[Function], *args, unread: tuple[int, ...] = (), **options):
        if split:
            return BatchHalves.apply(*args, layer=fn, lengths=lengths, reverse=False,
                                     unread=unread, **options)
        return fn.apply(*args, lengths=lengths, reverse=False, **options)

    if mode == "GRU":
        y, h_n, g = apply(GRULayer, x, h0[layer], w_ih, w_hh, b_ih, b_hh,
                          reset_after=reset_after, unread=() if gates is not None else (2,))
        if gates is not None:
            gates.append(g.data)
    elif mode == "LSTM":
        y, h_n, c_n = apply(LSTMLayer, x, h0[layer], c0[layer], w_ih, w_hh, b_ih, b_hh)
        c_list.append(c_n)
    else:
        y, h_n = apply(RNNLayer, x, h0[layer], w_ih, w_hh, b_ih, b_hh,
                       relu=mode == "RNN_RELU")
    h_list.append(h_n)
    return y
