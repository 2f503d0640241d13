"""Reverse-mode automatic differentiation: ``Function``, the graph, and ``backward``.

Every differentiable operation in minigru is a subclass of :class:`Function` with two static
methods::

    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):                 # ndarrays in, ndarray (or tuple of them) out
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):             # dL/d(out) in, dL/d(input) for each input out
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    y = Square.apply(x)                      # Tensors in, Tensor out, one node in the graph

``apply`` unwraps the tensors, runs ``forward`` on their arrays, and, if any input requires a
gradient (and we are not inside ``no_grad()``), records a node: the ``Context`` ``ctx`` holding
the Function, its inputs and what ``forward`` saved.

``backward`` (``run_backward``, in :mod:`minigru.graph`) is the chain rule over that graph,
walked in reverse topological order. The graph walk, grad mode and ``Context`` live one floor
down in ``graph.py``, written against a small protocol instead of ``Tensor``, so ``tensor.py``
imports ``graph.py``, this file imports both, and no import goes in a circle.

Broadcasting is undone in one place: if ``forward`` broadcast an input of shape ``(5, 1)`` to
``(3, 5, 4)``, the gradient ``backward`` returns for it has the broadcast shape, and
:func:`unbroadcast` sums it back to ``(5, 1)``. No operation handles broadcasting itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import graph
from .errors import InputError
from .graph import (
    Context,
    enable_grad,
    is_grad_enabled,
    no_grad,
    run_backward,
    set_grad_enabled,
    unbroadcast,
)
from .tensor import Tensor, is_floating

__all__ = ["Context", "Function", "enable_grad", "grad", "is_grad_enabled", "no_grad",
           "run_backward", "set_grad_enabled", "unbroadcast"]


class Function:
    """Base class of every differentiable operation (see the module docstring).

    Subclasses define ``forward(ctx, *arrays, **kwargs) -> ndarray | tuple[ndarray, ...]`` and
    ``backward(ctx, *grads) -> grad | tuple[grad | None, ...]``: one gradient per positional
    input of ``forward`` (``None`` for an input without one, such as an integer index), and one
    incoming gradient per output. Keyword arguments of ``apply`` are passed to ``forward``
    unchanged and are never differentiated.

    An output that nothing downstream used gets a zero gradient, unless the class sets
    ``materialize_grads = False``; its ``backward`` then receives ``None`` for it.
    """

    materialize_grads = True

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and record the node if a gradient is needed.

        Inputs that are not tensors (numbers, arrays) are wrapped as constants.
        """
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in inputs)
        record = graph.is_grad_enabled() and any(t.requires_grad for t in tensors)
        ctx = Context(cls, tensors if record else ())
        if not record:
            ctx.needs_input_grad = tuple(False for _ in tensors)
        raw = cls.forward(ctx, *(t.data for t in tensors), **kwargs)
        multi = isinstance(raw, tuple)
        arrays = raw if multi else (raw,)
        outputs = []
        for i, arr in enumerate(arrays):
            out = Tensor.__new__(Tensor)
            out.data = np.asarray(arr)
            out._grad = None
            out._retains_grad = False
            out._output_index = i
            if record and is_floating(out.data.dtype):
                out._requires_grad = True
                out._node = ctx
            else:
                out._requires_grad = False
                out._node = None
            outputs.append(out)
        if record:
            ctx.n_outputs = len(outputs)
            ctx.output_meta = [(o.data.shape, o.data.dtype) for o in outputs]
        return tuple(outputs) if multi else outputs[0]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool = False,
) -> tuple[np.ndarray | None, ...]:
    """dL/d(inputs) as arrays, without touching any ``.grad`` (like ``torch.autograd.grad``).

    ``L = sum_k sum(outputs[k] * grad_outputs[k])``; ``grad_outputs`` may be omitted for
    one-element outputs. An input that the outputs do not depend on gets ``None``.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outs)
    elif isinstance(grad_outputs, (np.ndarray, Tensor)):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise InputError(f"grad: inputs[{i}] must be a tensor that requires grad")
    return tuple(run_backward(outs, list(grad_outputs), retain_graph=retain_graph, capture=ins))
