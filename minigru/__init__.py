"""minigru: a from-scratch deep-learning mini-framework on NumPy, SciPy and Numba, built
around the GRU.

>>> import minigru as mg
>>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype="float64")
>>> (x.tanh() @ x).sum().backward()
>>> x.grad.shape
(2, 2)

``import minigru`` loads the engine floors only (kernels, engine, operations, ``nn``,
``optim``): no trainer, no progress bars, no process-wide settings, and no SciPy, so a GRU
gives its first output soon after the import starts. ``mg.audio`` and ``mg.data`` (which
need SciPy), the trainer ``minigru.training`` and the speech application ``minigru.speech``
load on first use. See docs/architecture.md.
"""

import importlib

import numpy as np

from . import memory, nn, optim, random
from ._version import __version__
from .autograd import (
    Context,
    Function,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import arange, full, ones, ones_like, rand, randn, zeros, zeros_like
from .errors import InputError, InputTypeError
from .gradcheck import GradcheckError, gradcheck
from .ops import (
    abs,
    add,
    argmax,
    argmin,
    broadcast_to,
    cast,
    clip,
    concat,
    div,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    where,
)
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, tensor

float32 = np.float32
float64 = np.float64
int64 = np.int64

__all__ = [
    "Context", "Function", "GradcheckError", "InputError", "InputTypeError", "Tensor",
    "__version__", "abs", "add", "arange",
    "argmax", "argmin", "audio", "broadcast_to", "cast", "clip", "concat", "data", "div",
    "enable_grad", "exp", "flatten", "float32", "float64", "full", "grad", "gradcheck",
    "int64", "is_grad_enabled", "load", "log", "log_softmax", "logsumexp", "manual_seed",
    "matmul", "max", "maximum", "mean", "memory", "min", "minimum", "mul", "neg", "nn",
    "no_grad", "ones", "ones_like", "optim", "pow", "rand", "randn", "random",
    "relu", "reshape", "save", "set_grad_enabled", "sigmoid", "softmax", "sqrt", "squeeze",
    "stack", "sub", "sum", "swapaxes", "tanh", "tensor", "transpose", "unsqueeze",
    "where", "zeros", "zeros_like",
]

_LAZY = ("audio", "data", "speech", "training", "runtime", "selfcheck", "cli")
_DEPRECATED = ("recipes", "train", "models", "streaming", "plot", "sweep")


def __getattr__(name: str):
    """``mg.audio``, ``mg.data``, ``mg.speech``, ``mg.training`` and the deprecated module
    aliases, imported on first use so that ``import minigru`` stays the engine alone."""
    if name in _LAZY or name in _DEPRECATED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'minigru' has no attribute {name!r}")
