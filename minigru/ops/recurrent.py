"""Fused recurrent layers: one autograd node per layer, calling the kernels.

A 2-layer unidirectional GRU is two ``GRULayer`` nodes, whatever the sequence length: the
time loop lives inside the kernels, and each node's backward is the kernel's hand-derived BPTT.
The two directions of a bidirectional layer are one ``BothDirections`` node, whose forward
and backward run the two directions' kernels at once, one per core
(:func:`minigru.parallel.run_pair`), writing the layer's (T, B, 2H) output in place, each
direction its own columns (``kernels/timeloop.py``). A unidirectional layer whose batch is
large and whose hidden size is small is one ``BatchHalves`` node, which runs the two halves of
the batch at once the same way (:func:`minigru.parallel.halves_pay` says when), and a stack of
two or more such layers is one ``StackHalves`` node, each half's whole stack on one core.
Those nodes live in ``ops/pairs.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..kernels.gru import gru_backward, gru_forward
from ..kernels.lstm import lstm_backward, lstm_forward
from ..kernels.rnn import rnn_backward, rnn_forward
from ..parallel import halves_pay, products_on_one_thread
from ..tensor import Tensor
from . import layers as L
from . import shape as S
from .pairs import BatchHalves, BothDirections, StackHalves, needs_dx


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a)


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
        need = needs_dx(ctx)
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
        need = needs_dx(ctx)
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
        need = needs_dx(ctx)
        dx, dh0, dw_ih, dw_hh, db = rnn_backward(_dy(dy, ctx), _c(dh_n), x, w_ih, w_hh, y,
                                                 col, y_rows, h_prev, lengths, reverse, relu,
                                                 need, products_on_one_thread())
        return _dx(dx, need), dh0, dw_ih, dw_hh, db, db


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
    """Run a stack of recurrent layers over time-major input: layer by layer, or, for a
    unidirectional stack whose batch halves pay (:func:`stack_halves_pay`), as one
    ``StackHalves`` node (``ops/pairs.py``), with the same numbers.

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
    if stack_halves_pay(x.shape[1], weights[0][1].shape[1], MODES[mode], num_layers,
                        bidirectional):
        return _stack_halves(mode, x, h0, c0, weights, lengths, num_layers,
                             dropout if training else 0.0, reset_after, rng, gates)
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


def stack_halves_pay(batch: int, hidden: int, gates: int, num_layers: int,
                     bidirectional: bool) -> bool:
    """Whether a stack runs as one ``StackHalves`` node: unidirectional, at least two layers,
    and halves that pay (:func:`minigru.parallel.halves_pay`; every layer of a stack has the
    same hidden size, so the rule says the same for each)."""
    return (not bidirectional and num_layers > 1
            and halves_pay(batch, hidden, gates))


def _stack_halves(mode, x, h0, c0, weights, lengths, num_layers, dropout, reset_after, rng,
                  gates):
    """A unidirectional stack of ``num_layers`` layers as one ``StackHalves`` node (its batch
    cut in two, each half's stack on one core); returns (output, h_n, c_n or None) as
    :func:`recurrent_stack` does, and appends each layer's gates to ``gates``."""
    layer: type[Function]
    if mode == "GRU":
        layer = GRULayer
        options = {"reset_after": reset_after, "unread": () if gates is not None else (2,)}
    elif mode == "LSTM":
        layer, options = LSTMLayer, {}
    else:
        layer, options = RNNLayer, {"relu": mode == "RNN_RELU"}
    params = []
    for k in range(num_layers):
        params += [h0[k]] + ([c0[k]] if mode == "LSTM" else []) + list(weights[k])
    y, *rest = StackHalves.apply(x, *params, layer=layer, num_layers=num_layers,
                                 lengths=lengths, dropout=dropout, rng=rng, reverse=False,
                                 **options)
    per = len(rest) // num_layers
    outs = [rest[k * per:(k + 1) * per] for k in range(num_layers)]
    if gates is not None:
        gates += [o[1].data for o in outs]
    h_n = S.stack([o[0] for o in outs], axis=0)
    c_n = S.stack([o[1] for o in outs], axis=0) if mode == "LSTM" else None
    return y, h_n, c_n


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
