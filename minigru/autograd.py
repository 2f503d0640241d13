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

``backward`` (``run_backward``) is the chain rule over that graph. For a scalar loss L and a
node ``y = f(x_1, ..., x_k)``, it receives dL/dy and returns dL/dx_i = (dy/dx_i)^T dL/dy, then
adds each dL/dx_i into what flows back into x_i from all its other uses. Nodes are visited in
reverse topological order (every use of a tensor is processed before the node that made it),
found iteratively with dependency counts, so a chain of any length never reaches Python's
recursion limit.

Broadcasting is undone in one place: if ``forward`` broadcast an input of shape ``(5, 1)`` to
``(3, 5, 4)``, the gradient ``backward`` returns for it has the broadcast shape, and
:func:`unbroadcast` sums it back to ``(5, 1)``. No operation handles broadcasting itself.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, is_floating

# --------------------------------------------------------------------------- grad mode

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for ``backward``."""
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager that switches recording on or off, restoring the old mode on exit."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(mode)
    try:
        yield
    finally:
        _grad_enabled = previous


class no_grad(contextlib.ContextDecorator):
    """Inside ``with mg.no_grad():`` (or a function decorated with ``@mg.no_grad()``) no graph
    is recorded: results do not require grad and hold no references to their inputs."""

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous


class enable_grad(contextlib.ContextDecorator):
    """Switch recording back on inside a ``no_grad`` block."""

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = True

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous


# --------------------------------------------------------------------------- broadcasting


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    If ``x`` of shape ``shape`` was broadcast to ``grad.shape`` in the forward pass, each
    element of ``x`` was used once for every position it was copied to, so dL/dx is the sum of
    dL/d(out) over those positions: over the leading axes NumPy prepended, and over every axis
    where ``x`` has size 1.
    """
    grad = np.asarray(grad)
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"cannot unbroadcast a gradient of shape {grad.shape} to {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != tuple(shape):
        raise ValueError(f"cannot unbroadcast a gradient of shape {grad.shape} to {shape}")
    return grad


# --------------------------------------------------------------------------- Function


class Context:
    """One node of the graph: the Function that ran, its inputs, and what it saved.

    ``forward`` and ``backward`` receive it as ``ctx``. ``ctx.save_for_backward(*arrays)``
    stores arrays, ``ctx.saved_tensors`` returns them; ``ctx.needs_input_grad[i]`` says whether
    input ``i`` needs a gradient (so ``backward`` can skip work); any other attribute set on
    ``ctx`` in ``forward`` (an axis, a shape) is there in ``backward`` too.
    """

    def __init__(self, fn: type[Function], inputs: tuple[Tensor, ...]) -> None:
        self.fn = fn
        self.inputs = inputs
        self.needs_input_grad = tuple(t.requires_grad for t in inputs)
        self.n_outputs = 1
        self.output_meta: list[tuple[tuple[int, ...], np.dtype]] = []
        self._saved: tuple[Any, ...] = ()
        self._freed = False
        self._retained: dict[int, weakref.ref[Tensor]] = {}

    def save_for_backward(self, *values: Any) -> None:
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE.format(name=self.fn.__name__))
        return self._saved

    def retain(self, tensor: Tensor) -> None:
        self._retained[tensor._output_index] = weakref.ref(tensor)

    def free(self) -> None:
        """Drop what ``forward`` saved (called after ``backward`` unless ``retain_graph``)."""
        keep = {"fn", "inputs", "needs_input_grad", "n_outputs", "output_meta", "_retained"}
        for name in [k for k in vars(self) if k not in keep]:
            delattr(self, name)
        self._saved = ()
        self._freed = True


_FREED_MESSAGE = (
    "backward through {name} a second time: its saved values were freed by the first "
    "backward(); pass retain_graph=True to the first call if you need to go through the "
    "graph twice"
)


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
        record = _grad_enabled and any(t.requires_grad for t in tensors)
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


# --------------------------------------------------------------------------- backward


def _graph_nodes(roots: Sequence[Tensor]) -> dict[Context, int]:
    """Every node reachable from ``roots``, with the number of edges that consume its outputs."""
    consumers: dict[Context, int] = {}
    stack = [t._node for t in roots if t._node is not None]
    for node in stack:
        consumers.setdefault(node, 0)
    while stack:
        node = stack.pop()
        for inp in node.inputs:
            child = inp._node
            if child is None or not inp.requires_grad:
                continue
            if child not in consumers:
                consumers[child] = 0
                stack.append(child)
            consumers[child] += 1
    return consumers


def _seed_gradient(t: Tensor, g: Any) -> np.ndarray:
    if not t.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no graph "
            "(make a leaf with requires_grad=True, and do not compute it inside no_grad())"
        )
    if g is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be omitted only for a one-element tensor; this tensor has "
                f"shape {t.shape}, so pass grad=<array of shape {t.shape}> (dL/dtensor)"
            )
        return np.ones(t.shape, dtype=t.dtype)
    arr = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=t.dtype)
    if arr.shape != t.shape:
        raise ValueError(
            f"backward: grad has shape {arr.shape} but the tensor has shape {t.shape}"
        )
    return arr


def _accumulate(store: dict[Any, np.ndarray], key: Any, g: np.ndarray) -> None:
    store[key] = g if key not in store else store[key] + g


def run_backward(
    roots: Sequence[Tensor],
    grads: Sequence[Any],
    retain_graph: bool = False,
    capture: Sequence[Tensor] | None = None,
) -> list[np.ndarray | None] | None:
    """Back-propagate ``grads`` (dL/droot for each root) through the graph.

    Without ``capture``, gradients of leaves that require grad are added into their ``.grad``.
    With ``capture`` (a list of tensors), nothing is written to ``.grad``; the gradients of those
    tensors are returned instead (``None`` where no gradient reaches one).
    """
    seeds = [_seed_gradient(t, g) for t, g in zip(roots, grads, strict=True)]
    wanted_leaf = {id(t): i for i, t in enumerate(capture or []) if t._node is None}
    wanted_node = {(t._node, t._output_index): i for i, t in enumerate(capture or [])
                   if t._node is not None}
    captured: list[np.ndarray | None] = [None] * len(capture or [])

    def deliver_leaf(t: Tensor, g: np.ndarray) -> None:
        if capture is not None:
            i = wanted_leaf.get(id(t))
            if i is not None:
                captured[i] = g if captured[i] is None else captured[i] + g
            return
        t._grad = np.array(g, dtype=t.dtype, copy=True) if t._grad is None else t._grad + g

    pending: dict[Context, dict[int, np.ndarray]] = {}
    for t, g in zip(roots, seeds, strict=True):
        if t._node is None:
            deliver_leaf(t, g)
        else:
            _accumulate(pending.setdefault(t._node, {}), t._output_index, g)

    consumers = _graph_nodes(roots)
    ready = [node for node, count in consumers.items() if count == 0]
    while ready:
        node = ready.pop()
        out_grads = pending.pop(node, {})
        for index, g in out_grads.items():
            i = wanted_node.get((node, index))
            if i is not None:
                captured[i] = g
            ref = node._retained.get(index)
            if capture is None and ref is not None and ref() is not None:
                ref()._grad = g.copy()
        if out_grads:
            if node._freed:
                raise RuntimeError(_FREED_MESSAGE.format(name=node.fn.__name__))
            full = [
                out_grads[i] if i in out_grads
                else np.zeros(shape, dtype=dtype) if node.fn.materialize_grads else None
                for i, (shape, dtype) in enumerate(node.output_meta)
            ]
            in_grads = node.fn.backward(node, *full)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(node.inputs):
                raise RuntimeError(
                    f"{node.fn.__name__}.backward returned {len(in_grads)} gradients for "
                    f"{len(node.inputs)} inputs"
                )
            for inp, g in zip(node.inputs, in_grads, strict=True):
                if g is None or not inp.requires_grad:
                    continue
                g = np.asarray(g)
                try:
                    g = unbroadcast(g, inp.shape)
                except ValueError as exc:
                    raise RuntimeError(
                        f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} "
                        f"for an input of shape {inp.shape}"
                    ) from exc
                if g.dtype != inp.dtype:
                    g = g.astype(inp.dtype)
                if inp._node is None:
                    deliver_leaf(inp, g)
                else:
                    _accumulate(pending.setdefault(inp._node, {}), inp._output_index, g)
            if not retain_graph:
                node.free()
        for inp in node.inputs:
            child = inp._node
            if child is not None and inp.requires_grad:
                consumers[child] -= 1
                if consumers[child] == 0:
                    ready.append(child)
    return captured if capture is not None else None


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
            raise ValueError(f"grad: inputs[{i}] must be a tensor that requires grad")
    return tuple(run_backward(outs, list(grad_outputs), retain_graph=retain_graph, capture=ins))

