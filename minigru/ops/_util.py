"""Helpers shared by the operations: turning operands into tensors, normalising axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..tensor import Tensor, as_array


def lift(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor. A Python number next to a floating tensor takes that tensor's dtype,
    so ``float32_tensor * 2.0`` stays float32 (NumPy's rule for Python scalars)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, bool)) and like.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like.dtype))
    return Tensor(as_array(x))


def lift_pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, lift(b, a)
    if isinstance(b, Tensor):
        return lift(a, b), b
    return lift(a), lift(b)


def normalize_axes(axis: Any, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise InputTypeError(f"{name}: expected an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise InputError(f"{name}: {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise InputError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def expand_reduced(g: np.ndarray, axes: tuple[int, ...], keepdims: bool,
                   shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast a gradient of a reduction over ``axes`` back to the input ``shape``."""
    if not keepdims:
        g = np.expand_dims(g, axes) if axes else g
    return np.broadcast_to(g, shape)
