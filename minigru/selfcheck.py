"""The library checking itself: float64 finite-difference checks of every built-in operation
and layer, as run by ``minigru gradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import nn
from .gradcheck import gradcheck, gradient_errors
from .nn import functional as F
from .ops import elementwise as E
from .ops.pairs import BatchHalves, StackHalves
from .ops.recurrent import GRULayer
from .ops.reduce import min as reduce_min
from .ops.shape import broadcast_to, concat, stack
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


def _halves(x: Tensor, h0: Tensor, *params: Tensor) -> Any:
    """One GRU layer run as the two halves of its batch (``BatchHalves``), which the layers
    choose by themselves only for large batches and hidden sizes."""
    y, h_n, _ = BatchHalves.apply(x, h0, *params, layer=GRULayer, lengths=np.array([4, 1, 3]),
                                  reverse=False, reset_after=True)
    return y, h_n


def _stack_halves(x: Tensor, *params: Tensor) -> Any:
    """A 2-layer GRU stack run as two batch halves, each half's stack in turn
    (``StackHalves``), with a fixed dropout mask between the layers."""
    y, h_a, _, h_b, _ = StackHalves.apply(
        x, *params, layer=GRULayer, num_layers=2, lengths=np.array([4, 1, 3]),
        dropout=0.5, rng=np.random.default_rng(0), reverse=False, reset_after=True)
    return y, h_a, h_b


CAST = "cast (float64 -> float32 -> float64)"
STEPS = {CAST: 1e-2}
"""Finite-difference steps other than the default 1e-6: through float32 a step of 1e-6 is
below the rounding (2**-24 relative); the function is linear, so a large step is exact."""


def _away_from(rng: np.random.Generator, points: tuple[float, ...], *shape: int) -> Tensor:
    """Values at least 0.2 from each point where the function has a kink, so central
    differences with a step of 1e-6 never straddle one."""
    data = rng.standard_normal(shape)
    for p in points:
        near = np.abs(data - p) < 0.2
        data[near] = p + np.where(data[near] >= p, 0.2, -0.2) + 0.05 * np.sign(data[near] - p)
    return tensor(data, requires_grad=True, dtype="float64")


def _distinct(rng: np.random.Generator, *shape: int) -> tuple[Tensor, Tensor]:
    """Two arrays that differ by at least 0.1 everywhere (no ties for maximum/minimum)."""
    a = rng.standard_normal(shape)
    gap = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 1.0, shape)
    return (tensor(a, requires_grad=True, dtype="float64"),
            tensor(a + gap, requires_grad=True, dtype="float64"))


def _dropout(x: Tensor) -> Tensor:
    """Dropout with the same mask on every call (a fresh generator of a fixed seed)."""
    return F.dropout(x, 0.4, training=True, rng=np.random.default_rng(3))


def checks(rng: np.random.Generator) -> Iterator[tuple[str, Callable[..., Any], list[Any]]]:
    """(name, function, inputs) for every operation and layer. Functions with kinks (abs,
    relu, clip, maximum, minimum, max, min, max_pool) are checked on inputs away from them:
    at a kink the derivative does not exist and minigru, like PyTorch, picks one side."""
    a, b = _t(rng, 3, 4), _t(rng, 3, 4)
    pos = _t(rng, 3, 4, low=0.5)
    hi, lo = _distinct(rng, 3, 4)
    kinked = _away_from(rng, (-0.5, 0.0, 0.7), 3, 4)
    yield "neg / broadcast_to", lambda a: (-a, broadcast_to(a[0], (2, 4))), [a]
    yield CAST, lambda a: E.cast(E.cast(a, np.float32) * 3.0, np.float64), [a]
    yield "maximum / minimum", lambda p, q: (E.maximum(p, q), E.minimum(p, q)), [hi, lo]
    yield "where", lambda p, q: E.where(p.data > q.data, p * 2, q.exp()), [hi, lo]
    yield "abs / relu / clip", \
        lambda k: (E.abs(k), E.relu(k), E.clip(k, -0.5, 0.7), F.relu(k)), [kinked]
    yield "min (reduction)", lambda a: (reduce_min(a, axis=0), reduce_min(a)), [a]
    yield "max_pool2d", lambda x: F.max_pool2d(x, 2, 2), [_t(rng, 1, 2, 4, 6)]
    yield "dropout", _dropout, [_t(rng, 4, 5)]
    yield "nll_loss / sigmoid / tanh (functional)", \
        lambda z: (F.nll_loss(F.log_softmax(z, 1), np.array([0, 3, 1, 2, 0])),
                   F.sigmoid(z), F.tanh(z)), [_t(rng, 5, 4)]
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
    yield "mse_loss / binary_cross_entropy_with_logits", \
        lambda z: (F.mse_loss(z, np.ones((5, 4))),
                   F.binary_cross_entropy_with_logits(z, np.eye(5, 4))), [_t(rng, 5, 4)]
    yield "ctc_loss", lambda z: F.ctc_loss(F.log_softmax(z, 2), np.array([[1, 2, 2], [3, 1, 0]]),
                                           [6, 5], [3, 2]), [_t(rng, 6, 2, 4)]
    yield "GRU (2 layers, bidirectional, lengths)", *_recurrent(
        nn.GRU(3, 4, num_layers=2, bidirectional=True), rng, np.array([4, 1, 3]))
    yield "GRU (reset_after=False)", *_recurrent(nn.GRU(3, 4, reset_after=False), rng)
    yield "LSTM (bidirectional, lengths)", *_recurrent(nn.LSTM(3, 4, bidirectional=True), rng,
                                                       np.array([2, 4, 3]))
    yield "LSTM (lengths)", *_recurrent(nn.LSTM(3, 4), rng, np.array([2, 4, 3]))
    yield "RNN (relu, 2 layers)", *_recurrent(nn.RNN(3, 4, num_layers=2, nonlinearity="relu"),
                                              rng)
    yield "RNN (tanh, bidirectional, lengths)", *_recurrent(nn.RNN(3, 4, bidirectional=True),
                                                            rng, np.array([3, 4, 1]))
    yield "GRU layer as two batch halves (lengths)", _halves, [
        _t(rng, 4, 3, 3), _t(rng, 3, 4), _t(rng, 12, 3), _t(rng, 12, 4), _t(rng, 12),
        _t(rng, 12)]
    yield "GRU stack of 2 layers as two batch halves (lengths, dropout)", _stack_halves, [
        _t(rng, 4, 3, 3), _t(rng, 3, 4), _t(rng, 12, 3), _t(rng, 12, 4), _t(rng, 12),
        _t(rng, 12), _t(rng, 3, 4), _t(rng, 12, 4), _t(rng, 12, 4), _t(rng, 12), _t(rng, 12)]
    cell = nn.GRUCell(3, 4).double()
    yield "GRUCell", lambda x, h, *_: cell(x, h), [_t(rng, 2, 3), _t(rng, 2, 4),
                                                 *cell.parameters()]


def run() -> list[tuple[str, float, float, bool]]:
    """(name, max abs error, max rel error, passed) for every check; "passed" is
    ``mg.gradcheck`` with its default tolerances (|a - n| <= 1e-5 + 1e-3 |n| per element)."""
    rng = np.random.default_rng(0)
    rows = []
    for name, fn, inputs in checks(rng):
        eps = STEPS.get(name, 1e-6)
        abs_err, rel_err = gradient_errors(fn, inputs, eps=eps)
        rows.append((name, abs_err, rel_err,
                     gradcheck(fn, inputs, eps=eps, raise_exception=False)))
    return rows
