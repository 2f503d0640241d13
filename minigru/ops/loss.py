"""Loss functions, composed from the differentiable primitives (so their gradients are the
primitives' gradients, checked one by one), with PyTorch's arguments and reductions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..tensor import Tensor
from . import elementwise as E
from . import reduce as R
from . import shape as S
from ._util import lift
from .layers import as_index_array

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise InputError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(per: Tensor, reduction: str, denominator: Any = None) -> Tensor:
    if reduction == "none":
        return per
    total = R.sum(per)
    if reduction == "sum":
        return total
    return total / (denominator if denominator is not None else max(per.size, 1))


def _classes_last(x: Tensor, name: str) -> Tensor:
    """(N, C) or (N, C, d1, ...) -> (M, C) with the class axis last."""
    if x.ndim < 2:
        raise InputError(f"{name}: input must be (N, C) or (N, C, d1, ...), got shape {x.shape}")
    if x.ndim > 2:
        x = S.swapaxes(x, 1, -1)
    return S.reshape(x, -1, x.shape[-1])


def _class_targets(target: Any, x: Tensor, ignore_index: int, name: str) -> np.ndarray:
    t = as_index_array(target, f"{name}: target")
    expected = (x.shape[0],) + x.shape[2:]
    if t.shape != expected:
        raise InputError(f"{name}: target must have shape {expected} for input of shape "
                         f"{x.shape}, got {t.shape}")
    C = x.shape[1]
    bad = (t != ignore_index) & ((t < 0) | (t >= C))
    if np.any(bad):
        raise InputError(f"{name}: target holds class {int(t[bad][0])}, outside [0, {C}) "
                         f"(and not ignore_index={ignore_index})")
    return t


def _nll_parts(logp2: Tensor, t: np.ndarray, weight: Any, ignore_index: int
               ) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """-log p of each row's target, the per-row weights (0 where ignored), and the flat
    targets (ignored ones replaced by class 0)."""
    flat = t.reshape(-1)
    valid = flat != ignore_index
    safe = np.where(valid, flat, 0)
    w = np.ones(flat.shape, dtype=logp2.dtype) if weight is None else \
        np.asarray(lift(weight).data, dtype=logp2.dtype)[safe]
    w = w * valid
    picked = S.getitem(logp2, (np.arange(flat.shape[0]), safe))
    return -picked * w, w, safe


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, given log-probabilities.

    loss_n = -w[y_n] * input[n, y_n] (0 where y_n == ignore_index); "mean" divides the sum by
    the sum of the weights of the counted targets, as PyTorch does.
    """
    _check_reduction("nll_loss", reduction)
    x = lift(input)
    t = _class_targets(target, x, ignore_index, "nll_loss")
    per, w, _ = _nll_parts(_classes_last(x, "nll_loss"), t, weight, ignore_index)
    if reduction == "none":
        return S.reshape(per, t.shape)
    return _reduce(per, reduction, w.sum())


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between softmax(input) over axis 1 and the targets.

    With log p = log_softmax(input) (computed stably) and C classes:

        loss_n = (1 - eps) * (-w[y_n] log p[n, y_n]) + (eps / C) * sum_c (-w[c] log p[n, c])

    (eps = ``label_smoothing``; w = ``weight`` or ones); ignored targets contribute 0 and "mean"
    divides by the summed weight of the counted targets (PyTorch's rule). ``target`` is class
    indices of shape (N,) / (N, d1, ...), or class probabilities of ``input``'s shape.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise InputError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    x = lift(input)
    if x.dtype.kind != "f":
        raise InputTypeError(f"cross_entropy: input must be floating point logits, got {x.dtype}")
    logp = R.log_softmax(x, axis=1)
    C = x.shape[1] if x.ndim >= 2 else 0
    tgt = target.data if isinstance(target, Tensor) else np.asarray(target)
    if tgt.dtype.kind == "f":
        if tgt.shape != x.shape:
            raise InputError(f"cross_entropy: probability targets must have the input's shape "
                             f"{x.shape}, got {tgt.shape}")
        probs = tgt * (1 - label_smoothing) + label_smoothing / C
        if weight is not None:
            probs = probs * np.asarray(lift(weight).data).reshape((1, C) + (1,) * (x.ndim - 2))
        per = -R.sum(logp * probs.astype(x.dtype), axis=1)
        return _reduce(per, reduction, x.shape[0] if reduction == "mean" else None)
    t = _class_targets(tgt, x, ignore_index, "cross_entropy")
    logp2 = _classes_last(logp, "cross_entropy")
    per, w, _ = _nll_parts(logp2, t, weight, ignore_index)
    if label_smoothing > 0:
        wc = np.ones(C, dtype=x.dtype) if weight is None else np.asarray(
            lift(weight).data, dtype=x.dtype)
        valid = (t.reshape(-1) != ignore_index).astype(x.dtype)
        smooth = -R.sum(logp2 * wc, axis=1) * valid
        per = per * (1 - label_smoothing) + smooth * (label_smoothing / C)
    if reduction == "none":
        return S.reshape(per, t.shape)
    return _reduce(per, reduction, w.sum())


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error, (input - target)^2 reduced; shapes must match."""
    _check_reduction("mse_loss", reduction)
    x, y = lift(input), lift(target, lift(input))
    if x.shape != y.shape:
        raise InputError(f"mse_loss: input shape {x.shape} and target shape {y.shape} differ")
    d = x - y
    return _reduce(d * d, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy on logits x with targets y in [0, 1], for multi-label outputs:

        loss = -[p y log sigma(x) + (1 - y) log(1 - sigma(x))]
             = (1 - y) x + (1 + (p - 1) y) (log(1 + e^-|x|) + max(-x, 0))

    (p = ``pos_weight``, broadcast over the last axis; 1 if not given), the second form being
    free of overflow for any x.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = lift(input)
    y = lift(target, x)
    if x.shape != y.shape:
        raise InputError(f"binary_cross_entropy_with_logits: input shape {x.shape} and target "
                         f"shape {y.shape} differ")
    softplus_neg = E.log(1.0 + E.exp(-E.abs(x))) + E.relu(-x)
    if pos_weight is None:
        loss = (1.0 - y) * x + softplus_neg
    else:
        loss = (1.0 - y) * x + (1.0 + (lift(pos_weight, x) - 1.0) * y) * softplus_neg
    if weight is not None:
        loss = loss * lift(weight, x)
    return _reduce(loss, reduction)
