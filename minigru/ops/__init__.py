"""The differentiable operations, each a :class:`minigru.Function` (see ``autograd.py``)."""

from . import methods as _methods  # noqa: F401  (installs the Tensor methods)
from .elementwise import (
    abs,
    add,
    cast,
    clip,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    stable_sigmoid,
    sub,
    tanh,
    where,
)
from .linalg import matmul
from .reduce import argmax, argmin, log_softmax, logsumexp, max, mean, min, softmax, sum
from .shape import (
    broadcast_to,
    concat,
    flatten,
    getitem,
    reshape,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs", "add", "argmax", "argmin", "broadcast_to", "cast", "clip", "concat", "div", "exp",
    "flatten", "getitem", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "mul", "neg", "pow", "relu", "reshape", "sigmoid", "softmax", "sqrt",
    "squeeze", "stable_sigmoid", "stack", "sub", "sum", "swapaxes", "tanh", "transpose",
    "unsqueeze", "where",
]
