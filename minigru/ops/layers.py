"""The functional forms of the basic layers: linear, embedding, dropout, layer/batch norm."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError, InputTypeError
from ..kernels import products as P
from ..random import resolve_rng
from ..tensor import Tensor
from . import elementwise as E
from . import reduce as R
from ._util import lift


def as_index_array(x: Any, name: str) -> np.ndarray:
    """An integer NumPy array from an int array, an integer tensor or a list (indices,
    labels, lengths), or a ``TypeError`` naming the argument."""
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name}: expected integers (an int array or int tensor), "
                             f"got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


class Linear(Function):
    """y = x W^T + b over the last axis of x (any leading axes).

    With x flattened to X (M, in) and the gradient to G (M, out):
    dL/dX = G W,  dL/dW = G^T X,  dL/db = sum over rows of G.

    The products go to the recurrent kernels' BLAS (``kernels/products.py``).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None):
        ctx.save_for_backward(x, w)
        y = P.matmul(x, w.T)
        return y + b if b is not None else y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        g2 = g.reshape(-1, g.shape[-1])
        gx = P.matmul(g, w) if ctx.needs_input_grad[0] else None
        gw = (P.matmul2d(g2.T, x.reshape(-1, x.shape[-1])) if ctx.needs_input_grad[1]
              else None)
        if len(ctx.needs_input_grad) == 2:
            return gx, gw
        gb = g2.sum(axis=0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """y = input @ weight^T + bias; input (..., in), weight (out, in), bias (out,)."""
    x, w = lift(input), lift(weight)
    if w.ndim != 2:
        raise InputError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise InputError(f"linear: input has shape {x.shape}, its last dimension must be "
                         f"in_features = {w.shape[1]} (weight shape {w.shape})")
    if bias is None:
        return Linear.apply(x, w)
    b = lift(bias)
    if b.shape != (w.shape[0],):
        raise InputError(f"linear: bias must have shape ({w.shape[0]},), got {b.shape}")
    return Linear.apply(x, w, b)


class Embedding(Function):
    """y[...] = W[idx[...]]: a row lookup. dL/dW[i] = the sum of dL/dy over every position
    that looked up row i (``np.add.at``, since an index may repeat); the ``padding_idx`` row
    gets no gradient."""

    @staticmethod
    def forward(ctx: Context, w: np.ndarray, *, idx: np.ndarray,
                padding_idx: int | None) -> np.ndarray:
        ctx.idx, ctx.padding_idx, ctx.shape = idx, padding_idx, w.shape
        return w[idx]

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        gw = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(gw, ctx.idx.reshape(-1), g.reshape(-1, ctx.shape[1]))
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return gw


def embedding(input: Any, weight: Any, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` of any shape;
    the result has shape ``input.shape + (dim,)``."""
    idx = as_index_array(input, "embedding: input")
    w = lift(weight)
    if w.ndim != 2:
        raise InputError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {w.shape}")
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
        raise IndexError(f"embedding: input holds index {bad}, outside [0, {n}) for a table of "
                         f"{n} rows")
    if padding_idx is not None:
        padding_idx = int(padding_idx) % n
    return Embedding.apply(w, idx=idx, padding_idx=padding_idx)


def dropout(input: Any, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: each element is zeroed with probability ``p`` and the survivors are
    scaled by 1 / (1 - p), so the expected value is unchanged and evaluation needs no scaling.
    The mask comes from the seeded generator (or ``rng``); identity when not ``training``."""
    if not 0.0 <= p <= 1.0:
        raise InputError(f"dropout: p must be in [0, 1], got {p}")
    x = lift(input)
    if not training or p == 0.0:
        return x
    return x * dropout_mask(x.shape, p, x.dtype, rng)


def dropout_mask(shape: tuple[int, ...], p: float, dtype: Any,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """The factor :func:`dropout` multiplies its input by, for 0 < p <= 1: keep / (1 - p), where
    keep = (u >= p) for u uniform on [0, 1) of ``shape``, drawn from ``rng`` (or the seeded
    generator); a 0 of ``dtype`` for p = 1, with nothing drawn.

    Raises:
        InputError: p is not in (0, 1].
    """
    if not 0.0 < p <= 1.0:
        raise InputError(f"dropout_mask: p must be in (0, 1], got {p}")
    if p == 1.0:
        return np.zeros((), dtype=dtype)
    keep = resolve_rng(rng).random(shape) >= p
    return (keep / (1.0 - p)).astype(dtype)


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and (biased) variance over
    the trailing ``normalized_shape`` axes. Built from differentiable primitives."""
    x = lift(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape:
        raise InputError(f"layer_norm: input shape {x.shape} does not end with "
                         f"normalized_shape {shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mu = R.mean(x, axis=axes, keepdims=True)
    centred = x - mu
    var = R.mean(centred * centred, axis=axes, keepdims=True)
    y = centred / E.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def batch_norm(input: Any, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: Any = None, bias: Any = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over the channel axis 1 of (N, C) or (N, C, L).

    In training: y = (x - mean_B) / sqrt(var_B + eps) * weight + bias with the batch's mean and
    biased variance, and the running statistics (if given) are updated in place:
    running = (1 - momentum) running + momentum * batch (the unbiased variance, like PyTorch).
    Otherwise the running statistics are used.
    """
    x = lift(input)
    if x.ndim not in (2, 3):
        raise InputError(f"batch_norm: input must be (N, C) or (N, C, L), got shape {x.shape}")
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, x.shape[1]) + ((1,) if x.ndim == 3 else ())
    if training:
        count = x.shape[0] * (x.shape[2] if x.ndim == 3 else 1)
        if count < 2:
            raise InputError(f"batch_norm: training needs more than one value per channel, got "
                             f"input shape {x.shape}")
        mu = R.mean(x, axis=axes, keepdims=True)
        centred = x - mu
        var = R.mean(centred * centred, axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mu.data.reshape(-1)
            running_var *= 1 - momentum
            running_var += momentum * var.data.reshape(-1) * count / (count - 1)
        y = centred / E.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise InputError("batch_norm: evaluation needs running_mean and running_var")
        mean = running_mean.reshape(shape).astype(x.dtype)
        std = np.sqrt(running_var.reshape(shape) + eps).astype(x.dtype)
        y = (x - mean) / std
    if weight is not None:
        y = y * lift(weight).reshape(shape)
    if bias is not None:
        y = y + lift(bias).reshape(shape)
    return y
