"""Operations that move elements without changing them: reshape, transpose, indexing, concat.

Each output element is one input element, so the backward pass routes every gradient element
back to where its value came from: the inverse reshape or permutation, a scatter-add for
indexing (an element picked twice receives both gradients), a split for ``concat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError
from ..tensor import Tensor
from ._util import lift, normalize_axes


class Reshape(Function):
    """y = x viewed with a new shape;  dL/dx = dL/dy reshaped to x's shape."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape)
        except ValueError as exc:
            raise InputError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from exc

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return np.reshape(g, ctx.shape)


class Transpose(Function):
    """y = x with its axes permuted by ``axes`` (NumPy's meaning);  dL/dx = dL/dy permuted by
    the inverse permutation."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        if axes is None:
            axes = tuple(reversed(range(x.ndim)))
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise InputError(
                f"transpose: axes {tuple(axes)} are not a permutation of the {x.ndim} axes "
                f"of a tensor of shape {x.shape}"
            )
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return np.transpose(g, ctx.inverse)


def _is_basic_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items
    )


class GetItem(Function):
    """y = x[index] (slices, integers, integer arrays, boolean masks).

    dL/dx is zero except at the picked positions, which receive dL/dy; with integer arrays an
    element may be picked several times, so the gradients are added (``np.add.at``), not
    assigned.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: Any) -> np.ndarray:
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return np.array(x[index], copy=True)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.index):
            gx[ctx.index] = g
        else:
            np.add.at(gx, ctx.index, g)
        return gx


class Concat(Function):
    """y = the inputs joined along ``axis``;  dL/dx_k = the slice of dL/dy that x_k filled."""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.axis = axis
        ctx.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(g, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """y = the inputs stacked along a new ``axis``;  dL/dx_k = dL/dy taken at index k of it."""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(g, ctx.axis, 0))


class BroadcastTo(Function):
    """y = x broadcast to ``shape``;  dL/dx = dL/dy summed back (done by the engine)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return np.broadcast_to(x, shape).copy()
        except ValueError as exc:
            raise InputError(
                f"broadcast_to: cannot broadcast shape {x.shape} to {tuple(shape)}"
            ) from exc

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g


# --------------------------------------------------------------------------- functions


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x: Any, *shape: Any) -> Tensor:
    """``x`` with a new shape (one dimension may be -1): ``reshape(x, 2, -1)`` or
    ``reshape(x, (2, -1))``."""
    return Reshape.apply(lift(x), shape=_shape_arg(shape))


def transpose(x: Any, *axes: Any) -> Tensor:
    """Permute the axes (``transpose(x)`` reverses them, like NumPy and ``.T``)."""
    x = lift(x)
    perm = _shape_arg(axes) if axes else None
    return Transpose.apply(x, axes=perm)


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    x = lift(x)
    a1, a2 = (normalize_axes(a, x.ndim, "swapaxes")[0] for a in (axis1, axis2))
    perm = list(range(x.ndim))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return Transpose.apply(x, axes=tuple(perm))


def _plain_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(x: Any, index: Any) -> Tensor:
    return GetItem.apply(lift(x), index=_plain_index(index))


def _check_joinable(xs: Sequence[Tensor], axis: int, name: str, same_shape: bool) -> None:
    if len(xs) == 0:
        raise InputError(f"{name}: expected a non-empty list of tensors")
    first = xs[0].shape
    for k, x in enumerate(xs):
        if x.ndim != len(first):
            raise InputError(
                f"{name}: tensors[{k}] has {x.ndim} dimensions (shape {x.shape}) but tensors[0] "
                f"has {len(first)} (shape {first})"
            )
        other = [n for i, n in enumerate(x.shape) if same_shape or i != axis]
        ref = [n for i, n in enumerate(first) if same_shape or i != axis]
        if other != ref:
            raise InputError(
                f"{name}: tensors[{k}] has shape {x.shape}, which does not match tensors[0] "
                f"shape {first}" + ("" if same_shape else f" outside axis {axis}")
            )


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (``np.concatenate``)."""
    xs = [lift(t) for t in tensors]
    if xs:
        (axis,) = normalize_axes(axis, xs[0].ndim, "concat")
    _check_joinable(xs, axis, "concat", same_shape=False)
    return Concat.apply(*xs, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Stack same-shaped tensors along a new ``axis`` (``np.stack``)."""
    xs = [lift(t) for t in tensors]
    if xs:
        (axis,) = normalize_axes(axis, xs[0].ndim + 1, "stack")
    _check_joinable(xs, axis, "stack", same_shape=True)
    return Stack.apply(*xs, axis=axis)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    return BroadcastTo.apply(lift(x), shape=tuple(shape))


def unsqueeze(x: Any, axis: int) -> Tensor:
    """``x`` with a new axis of size 1 at ``axis``."""
    x = lift(x)
    (axis,) = normalize_axes(axis, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: Any, axis: int | None = None) -> Tensor:
    """``x`` without axes of size 1 (all of them, or just ``axis``)."""
    x = lift(x)
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    (axis,) = normalize_axes(axis, x.ndim, "squeeze")
    if x.shape[axis] != 1:
        raise InputError(f"squeeze: axis {axis} of shape {x.shape} has size {x.shape[axis]}, not 1")
    return reshape(x, x.shape[:axis] + x.shape[axis + 1:])


def flatten(x: Any, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge axes ``start_axis..end_axis`` (inclusive) into one."""
    x = lift(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = normalize_axes(start_axis, x.ndim)[0], normalize_axes(end_axis, x.ndim)[0]
    if s > e:
        raise InputError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis}")
    return reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])
