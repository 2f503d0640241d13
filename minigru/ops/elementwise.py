"""Elementwise operations and their derivatives.

For ``y = f(a, b)`` applied element by element (with NumPy broadcasting), the chain rule gives
``dL/da = dL/dy * df/da`` element by element; the autograd engine then sums that back to
``a``'s shape if ``a`` was broadcast. Each ``backward`` below is that one line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError, InputTypeError
from ..tensor import Tensor, to_dtype
from ._util import lift, lift_pair

# --------------------------------------------------------------------------- binary


class Add(Function):
    """y = a + b;  dy/da = 1, dy/db = 1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, g


class Sub(Function):
    """y = a - b;  dy/da = 1, dy/db = -1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, -g


class Mul(Function):
    """y = a * b;  dy/da = b, dy/db = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """y = a / b;  dy/da = 1/b, dy/db = -a/b^2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """y = a ** b;  dy/da = b a^(b-1),  dy/db = a^b ln a  (taken as 0 where a = 0 and b >= 0,
    like PyTorch, so ``x ** 2`` at x = 0 has no NaN)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[Any, Any]:
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g * b * np.power(a, b - 1)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.log(a)
            gb = np.where((a == 0) & (b >= 0), 0, gb)
        return ga, gb


class Maximum(Function):
    """y = max(a, b) elementwise; the gradient goes to the larger input, split in half on ties
    (PyTorch's convention)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = ctx.saved_tensors
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Function):
    """y = min(a, b) elementwise; the gradient goes to the smaller input, split on ties."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = ctx.saved_tensors
        share = np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Where(Function):
    """y = a where cond else b;  dy/da = cond, dy/db = not cond (cond gets no gradient)."""

    @staticmethod
    def forward(ctx: Context, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        cond = cond.astype(bool)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple[None, np.ndarray, np.ndarray]:
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=g.dtype)
        return None, np.where(cond, g, zero), np.where(cond, zero, g)


# --------------------------------------------------------------------------- unary


class Neg(Function):
    """y = -x;  dy/dx = -1."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return -g


class Exp(Function):
    """y = e^x;  dy/dx = e^x = y."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return g * y


class Log(Function):
    """y = ln x;  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1 / (2 sqrt(x)) = 1 / (2y)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x = 0)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return g * np.sign(x)


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 - tanh^2 x = 1 - y^2."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x), computed without overflow for large |x|.

    With e = e^-|x| (always in (0, 1]): sigma(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for
    x < 0; the two are the same function, but neither form alone is safe on the whole line.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        y = stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Relu(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        mask = x > 0
        ctx.save_for_backward(mask)
        return np.where(mask, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (mask,) = ctx.saved_tensors
        return g * mask


class Clip(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi, else 0 (PyTorch's clamp)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, lo: Any = None, hi: Any = None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.save_for_backward(inside)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (inside,) = ctx.saved_tensors
        return g * inside


class Cast(Function):
    """y = x converted to another floating dtype;  dy/dx = 1 (the gradient is cast back)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.astype(ctx.in_dtype)


# --------------------------------------------------------------------------- functions


def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*lift_pair(a, b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(*lift_pair(a, b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*lift_pair(a, b))


def div(a: Any, b: Any) -> Tensor:
    return Div.apply(*lift_pair(a, b))


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - the name users expect
    return Pow.apply(*lift_pair(a, b))


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*lift_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*lift_pair(a, b))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of ``a`` where ``cond`` is true, else of ``b`` (broadcast together)."""
    a, b = lift_pair(a, b)
    c = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if c.dtype != bool:
        raise InputTypeError(f"where: cond must be a boolean array or tensor, got dtype {c.dtype}")
    return Where.apply(Tensor(c), a, b)


def neg(x: Any) -> Tensor:
    return Neg.apply(lift(x))


def exp(x: Any) -> Tensor:
    return Exp.apply(lift(x))


def log(x: Any) -> Tensor:
    return Log.apply(lift(x))


def sqrt(x: Any) -> Tensor:
    return Sqrt.apply(lift(x))


def abs(x: Any) -> Tensor:  # noqa: A001 - the name users expect
    return Abs.apply(lift(x))


def tanh(x: Any) -> Tensor:
    return Tanh.apply(lift(x))


def sigmoid(x: Any) -> Tensor:
    return Sigmoid.apply(lift(x))


def relu(x: Any) -> Tensor:
    return Relu.apply(lift(x))


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit ``x`` to ``[min, max]`` (either bound may be None)."""
    if min is None and max is None:
        raise InputError("clip: at least one of min and max must be given")
    if min is not None and max is not None and np.any(np.asarray(min) > np.asarray(max)):
        raise InputError(f"clip: min ({min}) must not be larger than max ({max})")
    return Clip.apply(lift(x), lo=min, hi=max)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype``; differentiable between floating dtypes."""
    dt = to_dtype(dtype)
    if dt == x.dtype:
        return x
    return Cast.apply(x, dtype=dt)
