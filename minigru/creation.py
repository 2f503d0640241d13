"""Tensor factories: zeros, ones, full, arange and random tensors from the seeded generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError
from .random import resolve_rng
from .tensor import DEFAULT_DTYPE, Tensor, to_dtype


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(f"shape: expected non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _dtype(dtype: Any) -> np.dtype:
    return DEFAULT_DTYPE if dtype is None else to_dtype(dtype)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def full(shape: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(_shape((shape,)), value, dtype=_dtype(dtype)),
                  requires_grad=requires_grad)


def zeros_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(x.data), requires_grad=requires_grad)


def ones_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(x.data), requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values like ``np.arange`` (int64 for integer arguments, else float32)."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(values if dtype is None and values.dtype.kind == "i" else
                  values.astype(_dtype(dtype)))


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False,
          rng: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples from the seeded generator (or ``rng``)."""
    data = resolve_rng(rng).standard_normal(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False,
         rng: np.random.Generator | None = None) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator (or ``rng``)."""
    data = resolve_rng(rng).random(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)
