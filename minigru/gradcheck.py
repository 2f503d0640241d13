"""Finite-difference gradient checking: the proof behind every gradient in minigru.

For a function ``y = fn(x_1, ..., x_n)`` and a fixed random array ``v`` of ``y``'s shape, take
the scalar ``f = sum(y * v)``. The analytic gradient ``df/dx_i`` comes from ``backward()``; the
numeric one from central differences, element by element:

    df/dx[j] ~ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)        (error O(eps^2))

The two must agree within ``atol + rtol * |numeric|`` for every element. Weighting the output
by a random ``v`` (rather than summing it) gives every output element its own cotangent, so a
backward pass that mixes up two outputs cannot pass by symmetry.

``fast=True`` checks random projections instead of every element: for a random unit vector
``u`` of ``x_i``'s shape, ``v^T J u`` by finite differences along ``u`` against
``dot(df/dx_i, u)`` (the idea behind ``torch.autograd.gradcheck(fast_mode=True)``).

Backward is run twice and must give bit-identical gradients: a kernel that races or reads
uninitialised memory is caught here. Checks belong in float64: in float32 the rounding error
of ``f`` divided by ``2 eps`` swamps the comparison.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as autograd_grad
from .autograd import no_grad
from .errors import InputError, InputTypeError
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def _as_outputs(result: Any) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise InputTypeError(f"gradcheck: fn must return tensors, output {k} is "
                                 f"{type(o).__name__}")
    return outs


def _projections(outputs: list[Tensor], weights: list[np.ndarray | None]) -> np.ndarray:
    """sum(y_k * v_k) for each differentiable output k, in float64."""
    return np.array([
        0.0 if w is None else float(np.sum(o.data.astype(np.float64) * w))
        for o, w in zip(outputs, weights, strict=True)
    ])


def _analytic(fn: Callable[..., Any], inputs: Sequence[Tensor], checked: list[int],
              weights: list[np.ndarray | None]) -> list[list[np.ndarray]]:
    """grads[k][i]: d sum(y_k * v_k) / d inputs[checked[i]], by backward()."""
    grads = []
    for k, w in enumerate(weights):
        outputs = _as_outputs(fn(*inputs))
        zeros = [np.zeros(inputs[i].shape, dtype=np.float64) for i in checked]
        if w is None or not outputs[k].requires_grad:
            grads.append(zeros)
            continue
        got = autograd_grad(outputs[k], [inputs[i] for i in checked],
                            grad_outputs=w.astype(outputs[k].dtype))
        grads.append([z if g is None else np.asarray(g, dtype=np.float64)
                      for g, z in zip(got, zeros, strict=True)])
    return grads


def _perturbed(fn: Callable[..., Any], inputs: list[Any], weights: list[np.ndarray | None],
               i: int, step: float, j: int | None = None,
               direction: np.ndarray | None = None) -> np.ndarray:
    """The output projections with input i moved by ``step`` along element j, or along
    ``direction``; the input is restored afterwards."""
    data = inputs[i].data
    index = np.unravel_index(j, data.shape) if direction is None else ...
    old = data[index].copy()
    data[index] = old + (step if direction is None else step * direction)
    try:
        with no_grad():
            return _projections(_as_outputs(fn(*inputs)), weights)
    finally:
        data[index] = old


def _numeric_gradient(f: Callable[[int, float], np.ndarray], size: int, eps: float,
                      n_outputs: int) -> list[np.ndarray]:
    """Central differences (f(x + eps e_j) - f(x - eps e_j)) / 2 eps for every element j;
    one flat array per output."""
    numeric = np.empty((n_outputs, size))
    for j in range(size):
        numeric[:, j] = (f(j, eps) - f(j, -eps)) / (2 * eps)
    return list(numeric)


def _describe(k: int, i: int, n_outputs: int) -> str:
    return (f"output {k} with respect to input {i}" if n_outputs > 1
            else f"input {i}")


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast: bool = False,
    n_directions: int = 3,
    seed: int = 0,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    Args:
        fn: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: the arguments of ``fn``; those that are tensors with ``requires_grad`` are
            checked (their data is perturbed in place and restored).
        eps: the finite-difference step.
        atol, rtol: an element passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise :class:`GradcheckError` on a mismatch (else return False).
        fast: compare ``n_directions`` random projections ``v^T J u`` per input instead of
            every element (for inputs too large to perturb one element at a time).
        seed: seed of gradcheck's own generator for ``v`` and ``u`` (the global generator of
            ``mg.manual_seed`` is never touched).

    Returns:
        True when every checked gradient matches.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in checked:
        if not inputs[i].is_leaf:
            leaf = inputs[i].detach()
            leaf.requires_grad = True
            inputs[i] = leaf
    if not checked:
        raise InputError("gradcheck: no input requires grad; nothing to check")
    if eps <= 0:
        raise InputError(f"gradcheck: eps must be positive, got {eps}")
    low = [i for i in checked if inputs[i].dtype != np.float64]
    if low:
        warnings.warn(
            f"gradcheck: inputs {low} are not float64; finite differences in lower precision "
            "are unreliable, so expect spurious failures",
            stacklevel=2,
        )

    def fail(message: str) -> bool:
        if raise_exception:
            raise GradcheckError(message)
        return False

    rng = np.random.default_rng(seed)
    with no_grad():
        first = _as_outputs(fn(*inputs))
    weights = [rng.standard_normal(o.shape) if o.dtype.kind == "f" else None for o in first]
    n_out = len(first)

    analytic = _analytic(fn, inputs, checked, weights)
    again = _analytic(fn, inputs, checked, weights)
    for k in range(n_out):
        for pos, i in enumerate(checked):
            if not np.array_equal(analytic[k][pos], again[k][pos], equal_nan=True):
                diff = np.max(np.abs(analytic[k][pos] - again[k][pos]))
                return fail(
                    f"backward is not deterministic for {_describe(k, i, n_out)}: two runs "
                    f"differ by up to {diff:.3e}"
                )

    for pos, i in enumerate(checked):
        x = inputs[i]
        if fast:
            for d in range(n_directions):
                u = rng.standard_normal(x.shape)
                u /= max(np.linalg.norm(u), 1e-300)
                numeric = (_perturbed(fn, inputs, weights, i, eps, direction=u)
                           - _perturbed(fn, inputs, weights, i, -eps, direction=u)) / (2 * eps)
                for k in range(n_out):
                    a = float(np.sum(analytic[k][pos] * u))
                    n = float(numeric[k])
                    if not abs(a - n) <= atol + rtol * abs(n):
                        return fail(
                            f"gradient mismatch for {_describe(k, i, n_out)} along random "
                            f"direction {d}: analytic v^T J u = {a:.10g}, numeric = {n:.10g}, "
                            f"|difference| = {abs(a - n):.3e} > atol + rtol*|numeric| = "
                            f"{atol + rtol * abs(n):.3e}"
                        )
            continue
        numeric = _numeric_gradient(
            lambda j, step, i=i: _perturbed(fn, inputs, weights, i, step, j), x.size, eps, n_out)
        for k in range(n_out):
            a = analytic[k][pos].reshape(-1)
            n = numeric[k]
            bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
            if np.any(bad):
                j = int(np.argmax(bad))
                element = tuple(int(e) for e in np.unravel_index(j, x.shape))
                diff = abs(a[j] - n[j])
                return fail(
                    f"gradient mismatch for {_describe(k, i, n_out)} at element {element}: "
                    f"analytic {a[j]:.10g}, numeric {n[j]:.10g}, |difference| {diff:.3e} > "
                    f"atol + rtol*|numeric| = {atol + rtol * abs(n[j]):.3e}"
                )
    return True


def gradient_errors(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                    seed: int = 0) -> tuple[float, float]:
    """(max |analytic - numeric|, max |analytic - numeric| / max(|numeric|, 1e-8)) over every
    element of every input that requires grad and every output: the numbers behind
    :func:`gradcheck`, for reports such as ``minigru gradcheck``."""
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    rng = np.random.default_rng(seed)
    with no_grad():
        first = _as_outputs(fn(*inputs))
    weights = [rng.standard_normal(o.shape) if o.dtype.kind == "f" else None for o in first]
    analytic = _analytic(fn, inputs, checked, weights)
    worst_abs = worst_rel = 0.0
    for pos, i in enumerate(checked):
        numeric = _numeric_gradient(
            lambda j, step, i=i: _perturbed(fn, inputs, weights, i, step, j),
            inputs[i].size, eps, len(first))
        for k in range(len(first)):
            diff = np.abs(analytic[k][pos].reshape(-1) - numeric[k])
            worst_abs = max(worst_abs, float(diff.max(initial=0.0)))
            rel = diff / np.maximum(np.abs(numeric[k]), 1e-8)
            worst_rel = max(worst_rel, float(rel.max(initial=0.0)))
    return worst_abs, worst_rel
