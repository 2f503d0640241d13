"""Install the operations as ``Tensor`` methods and Python operators.

``Tensor`` (one floor down) knows nothing about arithmetic; this module gives it ``+``, ``@``,
``x.tanh()``, ``x.sum(axis=0)`` and the rest, each a thin call into the functions of
:mod:`minigru.ops`, so there is exactly one implementation of every operation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import elementwise as E
from . import linalg as L
from . import reduce as R
from . import shape as S


def _compare(op: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(op(self.data, other))

    return method


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return method


def _install() -> None:
    T = Tensor
    T.__add__ = E.add
    T.__radd__ = _reflected(E.add)
    T.__sub__ = E.sub
    T.__rsub__ = _reflected(E.sub)
    T.__mul__ = E.mul
    T.__rmul__ = _reflected(E.mul)
    T.__truediv__ = E.div
    T.__rtruediv__ = _reflected(E.div)
    T.__pow__ = E.pow
    T.__rpow__ = _reflected(E.pow)
    T.__neg__ = E.neg
    T.__abs__ = E.abs
    T.__matmul__ = L.matmul
    T.__rmatmul__ = _reflected(L.matmul)
    T.__getitem__ = S.getitem
    T.__lt__ = _compare(np.less)
    T.__le__ = _compare(np.less_equal)
    T.__gt__ = _compare(np.greater)
    T.__ge__ = _compare(np.greater_equal)
    T.__eq__ = _compare(np.equal)
    T.__ne__ = _compare(np.not_equal)
    T.__hash__ = object.__hash__

    for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "clip", "maximum",
                 "minimum"):
        setattr(T, name, getattr(E, name))
    T.pow = E.pow
    T.matmul = L.matmul
    for name in ("sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax", "argmax",
                 "argmin"):
        setattr(T, name, getattr(R, name))
    for name in ("reshape", "transpose", "swapaxes", "broadcast_to", "unsqueeze", "squeeze",
                 "flatten"):
        setattr(T, name, getattr(S, name))
    T.T = property(lambda self: S.transpose(self))
    T.astype = E.cast
    T.float = lambda self: E.cast(self, np.float32)
    T.double = lambda self: E.cast(self, np.float64)


_install()
