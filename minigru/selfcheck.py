"""The library checking itself: float64 finite-difference checks of every built-in operation
and layer, as run by ``minigru gradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import nn
from .gradcheck import gradcheck, gradient_errors
from .nn import functional as F
from .ops.shape import concat, stack
from .tensor import Tensor, tensor


def _t(rng: np.random.Generator, *shape: int, low: float | None = None) -> Tensor:
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, 2.0, shape)
    return tensor(data, requires_grad=True, dtype="float64")


def _recurrent(model: nn.Module, rng: np.random.Generator, lengths: Any = None
               ) -> tuple[Callable[..., Any], list[Any]]:
    model.double()
    x = _t(rng, 4, 3, model.input_size)
    params = list(model.parameters())

    def fn(x: Tensor, *_: Any) -> Any:
        out, state = model(x, lengths=lengths)
        return (out,) + (state if isinstance(state, tuple) else (state,))

    return fn, [x, *params]


def checks(rng: np.random.Generator) -> Iterator[tuple[str, Callable[..., Any], list[Any]]]:
    """(name, function, inputs) for every operation and layer."""
    a, b = _t(rng, 3, 4), _t(rng, 3, 4)
    pos = _t(rng, 3, 4, low=0.5)
    yield "add / sub / mul (broadcast)", lambda a, c: (a + c) * (a - c), [a, _t(rng, 4)]
    yield "div / pow", lambda p, q: p / q + p**q, [pos, _t(rng, 3, 4, low=0.5)]
    yield "exp / log / sqrt", lambda p: p.exp() + p.log() + p.sqrt(), [pos]
    yield "tanh / sigmoid", lambda a: a.tanh() * a.sigmoid(), [a]
    yield "matmul (batched)", lambda m, n: m @ n, [_t(rng, 2, 3, 4), _t(rng, 4, 5)]
    yield "sum / mean / max", lambda a: (a.sum(axis=0), a.mean(axis=1), a.max(axis=1)), [a]
    yield "logsumexp / softmax / log_softmax", \
        lambda a: (a.logsumexp(axis=1), F.softmax(a, 1), F.log_softmax(a, 0)), [a]
    yield "indexing (repeated)", lambda a: a[np.array([0, 0, 2]), 1:], [a]
    yield "reshape / transpose / concat / stack", \
        lambda a, b: (stack([concat([a, b], axis=1)[:, 2:6], b]), a.reshape(4, 3).T), [a, b]
    yield "linear", F.linear, [_t(rng, 5, 4), _t(rng, 3, 4), _t(rng, 3)]
    yield "conv1d (stride, padding, dilation)", \
        lambda x, w, c: F.conv1d(x, w, c, stride=2, padding=1, dilation=2), \
        [_t(rng, 2, 3, 9), _t(rng, 4, 3, 3), _t(rng, 4)]
    yield "conv2d", lambda x, w: F.conv2d(x, w, padding=1), [_t(rng, 1, 2, 5, 4),
                                                             _t(rng, 3, 2, 3, 3)]
    yield "max_pool1d / avg_pool1d", \
        lambda x: (F.max_pool1d(x, 3, 2, 1), F.avg_pool1d(x, 2)), [_t(rng, 2, 2, 8)]
    yield "embedding", lambda w: F.embedding(np.array([1, 3, 1]), w, padding_idx=0), [_t(rng, 5, 3)]
    yield "layer_norm / batch_norm", \
        lambda x: (F.layer_norm(x, 4), F.batch_norm(x, None, None, training=True)), [_t(rng, 5, 4)]
    yield "cross_entropy (smoothing, ignore)", \
        lambda z: F.cross_entropy(z, np.array([0, 2, -100, 1, 3]), label_smoothing=0.1), \
        [_t(rng, 5, 4)]
    yield "mse / bce_with_logits", \
        lambda z: (F.mse_loss(z, np.ones((5, 4))),
                   F.binary_cross_entropy_with_logits(z, np.eye(5, 4))), [_t(rng, 5, 4)]
    yield "ctc_loss", lambda z: F.ctc_loss(F.log_softmax(z, 2), np.array([[1, 2, 2], [3, 1, 0]]),
                                           [6, 5], [3, 2]), [_t(rng, 6, 2, 4)]
    yield "GRU (2 layers, bidirectional, lengths)", *_recurrent(
        nn.GRU(3, 4, num_layers=2, bidirectional=True), rng, np.array([4, 1, 3]))
    yield "GRU (reset_after=False)", *_recurrent(nn.GRU(3, 4, reset_after=False), rng)
    yield "LSTM (bidirectional, lengths)", *_recurrent(nn.LSTM(3, 4, bidirectional=True), rng,
                                                       np.array([2, 4, 3]))
    yield "RNN (relu, 2 layers)", *_recurrent(nn.RNN(3, 4, num_layers=2, nonlinearity="relu"),
                                              rng)
    cell = nn.GRUCell(3, 4).double()
    yield "GRUCell", lambda x, h, *_: cell(x, h), [_t(rng, 2, 3), _t(rng, 2, 4),
                                                 *cell.parameters()]


def run() -> list[tuple[str, float, float, bool]]:
    """(name, max abs error, max rel error, passed) for every check; "passed" is
    ``mg.gradcheck`` with its default tolerances (|a - n| <= 1e-5 + 1e-3 |n| per element)."""
    rng = np.random.default_rng(0)
    rows = []
    for name, fn, inputs in checks(rng):
        abs_err, rel_err = gradient_errors(fn, inputs)
        rows.append((name, abs_err, rel_err, gradcheck(fn, inputs, raise_exception=False)))
    return rows
