"""The graph and its walk: grad mode, nodes (``Context``), un-broadcasting, ``run_backward``.

This is the bottom of the engine. It is written against a small protocol, not against
``Tensor``, so that ``tensor.py`` can import it and nothing imports in a circle:

- a *value* (a ``Tensor``) has ``data`` (ndarray), ``shape``, ``dtype``, ``requires_grad``,
  ``_grad`` (ndarray or None), ``_node`` (the Context that made it, None for a leaf) and
  ``_output_index`` (which output of that node it is);
- a *node* (``Context``) has ``fn`` (with ``backward(ctx, *grads)`` and
  ``materialize_grads``), ``inputs`` (values), ``output_meta`` (shape and dtype per output),
  and what ``forward`` saved.

``Function`` (``autograd.py``) creates values and nodes; ``run_backward`` consumes them.

``backward`` is the chain rule over the graph. For a scalar loss L and a node
``y = f(x_1, ..., x_k)``, it receives dL/dy and returns dL/dx_i = (dy/dx_i)^T dL/dy, then adds
each dL/dx_i into what flows back into x_i from all its other uses. Nodes are visited in
reverse topological order (every use of a value is processed before the node that made it),
found iteratively with dependency counts, so a chain of any length never reaches Python's
recursion limit.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import InputError

# --------------------------------------------------------------------------- grad mode

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for ``backward``."""
    return _grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Switch recording on or off: at once (``mg.set_grad_enabled(False)``, as in PyTorch),
    for a block (``with mg.set_grad_enabled(False):``) or for a decorated function; a block or
    a call restores the previous mode on exit. ``no_grad`` and ``enable_grad`` are this with
    the mode fixed, acting only on entering their block.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous: list[bool] = []
        self._applied_at_init = True
        self._switch()

    def _switch(self) -> None:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self.mode

    def __enter__(self) -> None:
        if self._applied_at_init:
            self._applied_at_init = False
        else:
            self._switch()

    def __exit__(self, *exc: Any) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()

    def _recreate_cm(self) -> set_grad_enabled:
        """A fresh context for every call of a decorated function."""
        fresh = object.__new__(type(self))
        fresh.mode, fresh._previous, fresh._applied_at_init = self.mode, [], False
        return fresh


class no_grad(set_grad_enabled):
    """Inside ``with mg.no_grad():`` (or a function decorated with ``@mg.no_grad()``) no graph
    is recorded: results do not require grad and hold no references to their inputs."""

    def __init__(self) -> None:
        self.mode, self._previous, self._applied_at_init = False, [], False


class enable_grad(set_grad_enabled):
    """Switch recording back on inside a ``no_grad`` block."""

    def __init__(self) -> None:
        self.mode, self._previous, self._applied_at_init = True, [], False


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
        raise InputError(f"cannot unbroadcast a gradient of shape {grad.shape} to {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != tuple(shape):
        raise InputError(f"cannot unbroadcast a gradient of shape {grad.shape} to {shape}")
    return grad


# --------------------------------------------------------------------------- nodes


class Context:
    """One node of the graph: the Function that ran, its inputs, and what it saved.

    ``forward`` and ``backward`` receive it as ``ctx``. ``ctx.save_for_backward(*arrays)``
    stores arrays, ``ctx.saved_tensors`` returns them; ``ctx.needs_input_grad[i]`` says whether
    input ``i`` needs a gradient (so ``backward`` can skip work); any other attribute set on
    ``ctx`` in ``forward`` (an axis, a shape) is there in ``backward`` too.
    """

    def __init__(self, fn: Any, inputs: tuple[Any, ...]) -> None:
        self.fn = fn
        self.inputs = inputs
        self.needs_input_grad = tuple(t.requires_grad for t in inputs)
        self.n_outputs = 1
        self.output_meta: list[tuple[tuple[int, ...], np.dtype]] = []
        self._saved: tuple[Any, ...] = ()
        self._freed = False
        self._retained: dict[int, weakref.ref[Any]] = {}

    def save_for_backward(self, *values: Any) -> None:
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE.format(name=self.fn.__name__))
        return self._saved

    def retain(self, tensor: Any) -> None:
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


# --------------------------------------------------------------------------- backward


def _graph_nodes(roots: Sequence[Any]) -> dict[Context, int]:
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


def _seed_gradient(t: Any, g: Any) -> np.ndarray:
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
    arr = np.asarray(g.data if _is_value(g) else g, dtype=t.dtype)
    if arr.shape != t.shape:
        raise InputError(
            f"backward: grad has shape {arr.shape} but the tensor has shape {t.shape}"
        )
    return arr


def _is_value(g: Any) -> bool:
    """Whether ``g`` is a graph value (a Tensor) rather than an array or a number."""
    return hasattr(g, "_node") and hasattr(g, "_output_index")


def _accumulate(store: dict[Any, np.ndarray], key: Any, g: np.ndarray) -> None:
    store[key] = g if key not in store else store[key] + g


def run_backward(
    roots: Sequence[Any],
    grads: Sequence[Any],
    retain_graph: bool = False,
    capture: Sequence[Any] | None = None,
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

    def deliver_leaf(t: Any, g: np.ndarray) -> None:
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
