"""Gradient clipping."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import InputError
from ..tensor import Tensor


def _with_grads(parameters: Iterable[Tensor] | Tensor) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = (sum_p ||g_p||_q^q)^(1/q) over all parameters (q = ``norm_type``, ``inf`` for the
    largest |g|); if total > max_norm every g is multiplied by max_norm / (total + 1e-6)
    (PyTorch's formula). Returns ``total``, the norm before clipping.
    """
    if max_norm < 0:
        raise InputError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    params = _with_grads(parameters)
    if not params:
        return 0.0
    q = float(norm_type)
    if q == np.inf:
        total = max(float(np.max(np.abs(p.grad))) if p.grad.size else 0.0 for p in params)
    else:
        total = float(sum(np.sum(np.abs(p.grad.astype(np.float64)) ** q) for p in params)
                      ** (1.0 / q))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total gradient norm is {total}")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p in params:
            p.grad = p.grad * np.asarray(coef, dtype=p.grad.dtype)
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value]."""
    if clip_value < 0:
        raise InputError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters):
        p.grad = np.clip(p.grad, -clip_value, clip_value)
