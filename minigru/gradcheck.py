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
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def _as_outputs(result: Any) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return tensors, output {k} is {type(o).__name__}")
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
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
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

    def f(x_index: int, direction: np.ndarray | None, j: int | None, step: float) -> np.ndarray:
        data = inputs[x_index].data
        if direction is None:
            idx = np.unravel_index(j, data.shape)
            old = data[idx].copy()
            data[idx] = old + step
            try:
                with no_grad():
                    return _projections(_as_outputs(fn(*inputs)), weights)
            finally:
                data[idx] = old
        old = data.copy()
        data[...] = old + step * direction
        try:
            with no_grad():
                return _projections(_as_outputs(fn(*inputs)), weights)
        finally:
            data[...] = old

    for pos, i in enumerate(checked):
        x = inputs[i]
        if fast:
            for d in range(n_directions):
                u = rng.standard_normal(x.shape)
                u /= max(np.linalg.norm(u), 1e-300)
                numeric = (f(i, u, None, eps) - f(i, u, None, -eps)) / (2 * eps)
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
        for j in range(x.size):
            numeric = (f(i, None, j, eps) - f(i, None, j, -eps)) / (2 * eps)
            for k in range(n_out):
                a = float(analytic[k][pos].reshape(-1)[j])
                n = float(numeric[k])
                if not abs(a - n) <= atol + rtol * abs(n):
                    element = tuple(int(e) for e in np.unravel_index(j, x.shape))
                    return fail(
                        f"gradient mismatch for {_describe(k, i, n_out)} at element {element}: "
                        f"analytic {a:.10g}, numeric {n:.10g}, |difference| {abs(a - n):.3e} > "
                        f"atol + rtol*|numeric| = {atol + rtol * abs(n):.3e}"
                    )
    return True
