"""Fused recurrent layers: one autograd node per layer and direction, calling the kernels.

A 2-layer bidirectional GRU is four ``GRULayer`` nodes (plus the concatenations between
layers), whatever the sequence length: the time loop lives inside the kernels, and each node's
backward is the kernel's hand-derived BPTT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..kernels.gru import gru_backward, gru_forward
from ..kernels.lstm import lstm_backward, lstm_forward
from ..kernels.rnn import rnn_backward, rnn_forward
from ..tensor import Tensor
from . import layers as L
from . import shape as S


def _c(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a)


class GRULayer(Function):
    """(x, h0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n, gates) for one layer and direction.

    ``gates`` (T, B, 3H) holds the activations r, z, n the kernel computed anyway (for figures
    such as the update gate over time); it is not differentiable.
    """

    materialize_grads = False

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool, reset_after: bool):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, h_n, h_prev, gates, q = gru_forward(x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0),
                                               lengths, reverse, reset_after)
        ctx.save_for_backward(x, w_ih, w_hh, h_prev, gates, q)
        ctx.options = (lengths, reverse, reset_after)
        return y, h_n, gates

    @staticmethod
    def backward(ctx: Context, dy, dh_n, _dgates):
        x, w_ih, w_hh, h_prev, gates, q = ctx.saved_tensors
        lengths, reverse, reset_after = ctx.options
        dy = np.zeros(x.shape[:2] + (w_hh.shape[1],), x.dtype) if dy is None else _c(dy)
        dh_n = np.zeros((x.shape[1], w_hh.shape[1]), x.dtype) if dh_n is None else _c(dh_n)
        return gru_backward(dy, dh_n, x, w_ih, w_hh, h_prev, gates, q, lengths, reverse,
                            reset_after)


class LSTMLayer(Function):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n, c_n) for one layer and direction."""

    @staticmethod
    def forward(ctx: Context, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, h_n, c_n, h_prev, c_prev, gates, k = lstm_forward(
            x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0), _c(c0), lengths, reverse)
        ctx.save_for_backward(x, w_ih, w_hh, h_prev, c_prev, gates, k)
        ctx.options = (lengths, reverse)
        return y, h_n, c_n

    @staticmethod
    def backward(ctx: Context, dy, dh_n, dc_n):
        x, w_ih, w_hh, h_prev, c_prev, gates, k = ctx.saved_tensors
        lengths, reverse = ctx.options
        dx, dh0, dc0, dw_ih, dw_hh, db = lstm_backward(
            _c(dy), _c(dh_n), _c(dc_n), x, w_ih, w_hh, h_prev, c_prev, gates, k, lengths,
            reverse)
        return dx, dh0, dc0, dw_ih, dw_hh, db, db


class RNNLayer(Function):
    """(x, h0, w_ih, w_hh, b_ih, b_hh) -> (y, h_n) for one layer and direction."""

    @staticmethod
    def forward(ctx: Context, x, h0, w_ih, w_hh, b_ih, b_hh, *, lengths: np.ndarray,
                reverse: bool, relu: bool):
        x, w_ih, w_hh = _c(x), _c(w_ih), _c(w_hh)
        y, h_n, h_prev = rnn_forward(x, w_ih, w_hh, _c(b_ih), _c(b_hh), _c(h0), lengths,
                                     reverse, relu)
        ctx.save_for_backward(x, w_ih, w_hh, y, h_prev)
        ctx.options = (lengths, reverse, relu)
        return y, h_n

    @staticmethod
    def backward(ctx: Context, dy, dh_n):
        x, w_ih, w_hh, y, h_prev = ctx.saved_tensors
        lengths, reverse, relu = ctx.options
        dx, dh0, dw_ih, dw_hh, db = rnn_backward(_c(dy), _c(dh_n), x, w_ih, w_hh, y, h_prev,
                                                 lengths, reverse, relu)
        return dx, dh0, dw_ih, dw_hh, db, db


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
    D = 2 if bidirectional else 1
    layer_input = x
    h_list, c_list = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w_ih, w_hh, b_ih, b_hh = weights[k]
            reverse = d == 1
            if mode == "GRU":
                y, h_n, g = GRULayer.apply(layer_input, h0[k], w_ih, w_hh, b_ih, b_hh,
                                           lengths=lengths, reverse=reverse,
                                           reset_after=reset_after)
                if gates is not None:
                    gates.append(g.data)
            elif mode == "LSTM":
                y, h_n, c_n = LSTMLayer.apply(layer_input, h0[k], c0[k], w_ih, w_hh, b_ih,
                                              b_hh, lengths=lengths, reverse=reverse)
                c_list.append(c_n)
            else:
                y, h_n = RNNLayer.apply(layer_input, h0[k], w_ih, w_hh, b_ih, b_hh,
                                        lengths=lengths, reverse=reverse,
                                        relu=mode == "RNN_RELU")
            outs.append(y)
            h_list.append(h_n)
        layer_input = outs[0] if D == 1 else S.concat(outs, axis=2)
        if dropout > 0 and training and layer < num_layers - 1:
            layer_input = L.dropout(layer_input, dropout, True, rng)
    h_out = S.stack(h_list, axis=0)
    c_out = S.stack(c_list, axis=0) if mode == "LSTM" else None
    return layer_input, h_out, c_out
