"""The ``Tensor``: an ndarray that remembers how it was made.

A ``Tensor`` wraps a NumPy array (``.data``). If it ``requires_grad``, every operation on it
records a node in a graph (see :mod:`minigru.autograd` and :mod:`minigru.graph`), and
``backward()`` walks that graph in reverse to fill ``.grad`` of the leaves: the tensors the
user created, such as parameters.

Dtypes follow PyTorch: Python numbers and lists become float32 (or int64 / bool); a NumPy
array keeps its dtype; ``dtype=`` converts. Only floating tensors can require a gradient.

The arithmetic methods (``+``, ``@``, ``x.tanh()``, ``x.sum(axis=0)``, ...) are the differentiable
operations of :mod:`minigru.ops`, which installs them on this class when it is imported
(``minigru.ops.methods``); this file holds only the data, the gradient and the graph links.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError, InputTypeError
from .graph import run_backward

DEFAULT_DTYPE = np.dtype(np.float32)

_DTYPE_ALIASES = {
    "float": np.float32,
    "double": np.float64,
    "long": np.int64,
    "int": np.int64,
}


def to_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype given as a string (``"float64"``, ``"double"``), a NumPy type or dtype."""
    if isinstance(dtype, str):
        dtype = _DTYPE_ALIASES.get(dtype, dtype)
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise InputTypeError(f"dtype: cannot interpret {dtype!r} as a dtype") from exc
    if dt.kind not in "fiub":
        raise InputTypeError(f"dtype: minigru tensors hold float, int or bool data, got {dt}")
    return dt


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert ``data`` to an ndarray with minigru's dtype rules (see the module docstring)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=to_dtype(dtype))
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data)
        if arr.dtype.kind not in "fiub":
            raise InputTypeError(f"data: cannot make a tensor of dtype {arr.dtype}")
        if arr.dtype.kind == "u" and arr.dtype != np.uint8:
            arr = arr.astype(np.int64)
        return arr
    arr = np.array(data)
    if arr.dtype.kind == "f":
        return arr.astype(DEFAULT_DTYPE)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return arr
    raise InputTypeError(f"data: cannot make a tensor from {type(data).__name__} "
                         f"(dtype {arr.dtype})")


def is_floating(dtype: np.dtype) -> bool:
    return np.dtype(dtype).kind == "f"


class Tensor:
    """An n-dimensional array with an optional gradient.

    Attributes:
        data: the values, a NumPy array.
        grad: ``None``, or an array of ``data``'s shape and dtype holding dL/d(data) after
            ``backward()``; gradients from several ``backward()`` calls add up (call
            ``zero_grad`` on the optimiser or set ``grad = None`` between steps).
        requires_grad: whether operations on this tensor are recorded for ``backward()``.
    """

    __array_priority__ = 1000  # so ``ndarray + Tensor`` calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = as_array(data, dtype)
        self._grad: np.ndarray | None = None
        self._requires_grad = False
        self._node = None  # the autograd node that produced this tensor (None for a leaf)
        self._output_index = 0  # which output of that node this tensor is
        self._retains_grad = False
        self.requires_grad = requires_grad

    # ----------------------------------------------------------------- basic properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise InputTypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not the result of a recorded operation)."""
        return self._node is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if value and not is_floating(self.data.dtype):
            raise InputTypeError(
                     f"requires_grad: only floating-point tensors can require gradients, "
                     f"got dtype {self.data.dtype} (integer tensors hold indices and labels)"
                 )
        if not value and self._node is not None:
            raise RuntimeError(
                "requires_grad: cannot switch off gradients of a non-leaf tensor; "
                "use .detach() to get a tensor outside the graph"
            )
        self._requires_grad = value

    @property
    def grad(self) -> np.ndarray | None:
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if arr.shape != self.data.shape:
            raise InputError(
                f"grad: expected an array of shape {self.data.shape}, got shape {arr.shape}"
            )
        if not is_floating(self.data.dtype):
            raise InputTypeError(f"grad: a tensor of dtype {self.data.dtype} cannot hold a "
                                 f"gradient")
        self._grad = np.array(arr, dtype=self.data.dtype)

    # ----------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied, like ``torch.Tensor.numpy``)."""
        return self.data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise InputError(
                f"item: only one-element tensors can be converted, got shape {self.data.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this tensor's data, outside the graph."""
        out = Tensor.__new__(Tensor)
        out.data = self.data
        out._grad = None
        out._requires_grad = False
        out._node = None
        out._output_index = 0
        out._retains_grad = False
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise InputError(
                f"the truth value of a tensor of shape {self.data.shape} is ambiguous"
            )
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- autograd
    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward()`` (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retains_grad = True
        if self._node is not None:
            self._node.retain(self)

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate dself/dleaf into ``.grad`` of every leaf that requires grad.

        Args:
            grad: dL/dself, an array of this tensor's shape. May be omitted for a one-element
                tensor (it is then 1): the usual ``loss.backward()``.
            retain_graph: keep the graph's saved arrays so backward can run through it again.
        """
        run_backward([self], [grad], retain_graph=retain_graph)

    def zero_grad(self) -> None:
        self._grad = None

    # ----------------------------------------------------------------- printing
    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype != DEFAULT_DTYPE and self.data.dtype.kind == "f":
            extras.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.fn.__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a leaf tensor from an array, a (nested) list or a number (the data is copied).

    >>> x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype="float64")
    >>> x.shape, x.dtype
    ((2, 2), dtype('float64'))
    """
    return Tensor(np.array(as_array(data, dtype), copy=True), requires_grad=requires_grad)
