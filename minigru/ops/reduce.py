"""Reductions (sum, mean, max, min, logsumexp) and the softmax family.

A reduction over ``axes`` maps many inputs to one output, so its backward sends each output's
gradient back to every input that fed it: all of them for ``sum`` (weight 1) and ``mean``
(weight 1/n); only the extreme ones for ``max``/``min``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError
from ..tensor import Tensor
from ._util import expand_reduced, lift, normalize_axes


class Sum(Function):
    """y = sum of x over ``axis``;  dL/dx = dL/dy broadcast back over the summed axes."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False):
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.shape = x.shape
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return expand_reduced(g, ctx.axes, ctx.keepdims, ctx.shape)


class Mean(Function):
    """y = (1/n) sum of x over ``axis`` (n elements per output);  dL/dx = dL/dy / n."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False):
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.shape = x.shape
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes])) if ctx.axes else 1
        if ctx.count == 0:
            raise InputError(f"mean: cannot average over an empty axis of shape {x.shape}")
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return expand_reduced(g / ctx.count, ctx.axes, ctx.keepdims, ctx.shape)


def _extreme_forward(ctx: Context, x: np.ndarray, axis: Any, keepdims: bool,
                     reduce: Any, name: str) -> np.ndarray:
    if x.size == 0:
        raise InputError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
    ctx.axes = normalize_axes(axis, x.ndim)
    ctx.keepdims = keepdims
    y = reduce(x, axis=ctx.axes, keepdims=True)
    mask = x == y
    ctx.save_for_backward((mask / mask.sum(axis=ctx.axes, keepdims=True)).astype(x.dtype))
    return y if keepdims else np.squeeze(y, axis=ctx.axes)


def _extreme_backward(ctx: Context, g: np.ndarray) -> np.ndarray:
    (share,) = ctx.saved_tensors
    return expand_reduced(g, ctx.axes, ctx.keepdims, share.shape) * share


class Max(Function):
    """y = max of x over ``axis``. The gradient goes to the elements equal to the maximum,
    divided evenly among them when several tie (like ``torch.amax``)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False):
        return _extreme_forward(ctx, x, axis, keepdims, np.max, "max")

    backward = staticmethod(_extreme_backward)


class Min(Function):
    """y = min of x over ``axis``; the gradient as for :class:`Max`, to the minima."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False):
        return _extreme_forward(ctx, x, axis, keepdims, np.min, "min")

    backward = staticmethod(_extreme_backward)


def _logsumexp(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log(sum(exp(x))) over ``axes`` with keepdims, shifted by the maximum m so no exp
    overflows: lse = m + log(sum(exp(x - m))). Rows of all -inf give -inf, not NaN."""
    m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, np.zeros((), dtype=x.dtype))
    with np.errstate(divide="ignore"):
        return m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))


class LogSumExp(Function):
    """y = log sum_i exp(x_i) over ``axis``;  dy/dx_i = exp(x_i - y) = softmax(x)_i."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False):
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        y = _logsumexp(x, ctx.axes)
        ctx.save_for_backward(x, y)
        return y if keepdims else np.squeeze(y, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        x, y = ctx.saved_tensors
        return expand_reduced(g, ctx.axes, ctx.keepdims, x.shape) * np.exp(x - y)


class Softmax(Function):
    """s_i = exp(x_i) / sum_j exp(x_j) along ``axis``.

    Jacobian ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum_j g_j s_j).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        (ctx.axis,) = normalize_axes(axis, x.ndim)
        s = np.exp(x - _logsumexp(x, (ctx.axis,)))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (s,) = ctx.saved_tensors
        return s * (g - np.sum(g * s, axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """y_i = x_i - log sum_j exp(x_j) along ``axis`` (computed stably through logsumexp).

    dy_i/dx_j = delta_ij - softmax(x)_j, so dL/dx = g - softmax(x) * sum_i g_i.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        (ctx.axis,) = normalize_axes(axis, x.ndim)
        y = x - _logsumexp(x, (ctx.axis,))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return g - np.exp(y) * np.sum(g, axis=ctx.axis, keepdims=True)


# --------------------------------------------------------------------------- functions


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(lift(x), axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(lift(x), axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Max.apply(lift(x), axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Min.apply(lift(x), axis=axis, keepdims=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return LogSumExp.apply(lift(x), axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: int = -1) -> Tensor:
    return Softmax.apply(lift(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(lift(x), axis=axis)


def argmax(x: Any, axis: int | None = None) -> Tensor:
    """Indices of the maxima (an int64 tensor, not differentiable)."""
    return Tensor(np.argmax(lift(x).data, axis=axis).astype(np.int64))


def argmin(x: Any, axis: int | None = None) -> Tensor:
    """Indices of the minima (an int64 tensor, not differentiable)."""
    return Tensor(np.argmin(lift(x).data, axis=axis).astype(np.int64))
