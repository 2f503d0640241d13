"""CTC loss (autograd wrapper of ``kernels/ctc.py``) and CTC decoding (greedy, prefix beam)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..errors import InputError, InputTypeError
from ..kernels.ctc import ctc_forward_backward
from ..tensor import Tensor
from ._util import lift
from .layers import as_index_array

REDUCTIONS = ("mean", "sum", "none")


class CTCLoss(Function):
    """Per-sequence CTC negative log-likelihood, reduced; the gradient is the kernel's exact
    d nll / d log_probs, scaled by the reduction's weight for each sequence."""

    @staticmethod
    def forward(ctx: Context, log_probs: np.ndarray, *, targets: np.ndarray,
                input_lengths: np.ndarray, target_lengths: np.ndarray, blank: int,
                reduction: str, zero_infinity: bool) -> np.ndarray:
        nll, grad = ctc_forward_backward(
            np.ascontiguousarray(log_probs, dtype=np.float64), targets, input_lengths,
            target_lengths, blank, bool(ctx.needs_input_grad and ctx.needs_input_grad[0]))
        if zero_infinity:
            inf = np.isinf(nll)
            nll[inf] = 0.0
            grad[:, inf, :] = 0.0
        B = nll.shape[0]
        if reduction == "mean":
            weights = 1.0 / (B * np.maximum(target_lengths, 1))
            out = np.sum(nll * weights)
        elif reduction == "sum":
            weights = np.ones(B)
            out = np.sum(nll)
        else:
            weights = None
            out = nll
        ctx.save_for_backward(grad, weights)
        ctx.dtype = log_probs.dtype
        return np.asarray(out, dtype=log_probs.dtype)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        grad, weights = ctx.saved_tensors
        scale = g * weights if weights is not None else g
        return (grad * np.asarray(scale)[None, :, None]).astype(ctx.dtype)


def _ctc_targets(targets: Any, target_lengths: np.ndarray, B: int) -> np.ndarray:
    """Targets as a padded (B, S_max) array, from (B, S) or the concatenated 1-D form."""
    t = as_index_array(targets, "ctc_loss: targets")
    if t.ndim == 2:
        if t.shape[0] != B:
            raise InputError(f"ctc_loss: targets has {t.shape[0]} rows for a batch of {B}")
        if np.any(target_lengths > t.shape[1]):
            raise InputError(f"ctc_loss: target_lengths {target_lengths.tolist()} exceed the "
                             f"targets' width {t.shape[1]}")
        return np.ascontiguousarray(t)
    if t.ndim == 1:
        if t.shape[0] != int(target_lengths.sum()):
            raise InputError(f"ctc_loss: 1-D targets hold {t.shape[0]} labels but "
                             f"target_lengths sum to {int(target_lengths.sum())}")
        out = np.zeros((B, max(int(target_lengths.max(initial=0)), 1)), dtype=np.int64)
        start = 0
        for b, n in enumerate(target_lengths):
            out[b, :n] = t[start:start + n]
            start += n
        return out
    raise InputError(f"ctc_loss: targets must be (B, S) or 1-D concatenated, got shape {t.shape}")


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss, with PyTorch's arguments and meaning.

    Args:
        log_probs: (T, B, C) log-probabilities (usually ``log_softmax`` of a network's output).
        targets: (B, S) padded labels, or all labels concatenated in 1-D; never ``blank``.
        input_lengths: (B,) frames used per sequence, 1 <= n <= T.
        target_lengths: (B,) labels per sequence.
        reduction: "mean" (each sequence's loss divided by its target length, then averaged
            over the batch), "sum", or "none" (a (B,) tensor).
        zero_infinity: replace infinite losses (targets that cannot fit) and their gradients by 0.
    """
    lp = lift(log_probs)
    if lp.ndim != 3:
        raise InputError(f"ctc_loss: log_probs must be (T, B, C), got shape {lp.shape}")
    if lp.dtype.kind != "f":
        raise InputTypeError(f"ctc_loss: log_probs must be floating point, got {lp.dtype}")
    if reduction not in REDUCTIONS:
        raise InputError(f"ctc_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    T, B, C = lp.shape
    if not 0 <= blank < C:
        raise InputError(f"ctc_loss: blank {blank} is not a class of C = {C}")
    il = as_index_array(input_lengths, "ctc_loss: input_lengths").reshape(-1)
    tl = as_index_array(target_lengths, "ctc_loss: target_lengths").reshape(-1)
    if il.shape != (B,) or tl.shape != (B,):
        raise InputError(f"ctc_loss: input_lengths and target_lengths need {B} entries, got "
                         f"{il.shape[0]} and {tl.shape[0]}")
    if np.any(il < 1) or np.any(il > T):
        raise InputError(f"ctc_loss: input_lengths must be in [1, {T}], got {il.tolist()}")
    if np.any(tl < 0):
        raise InputError(f"ctc_loss: target_lengths must be >= 0, got {tl.tolist()}")
    padded = _ctc_targets(targets, tl, B)
    for b in range(B):
        row = padded[b, :tl[b]]
        if np.any(row < 0) or np.any(row >= C) or np.any(row == blank):
            raise InputError(f"ctc_loss: targets of sequence {b} must be classes in [0, {C}) "
                             f"other than blank {blank}, got {row.tolist()}")
    if not np.all(np.isfinite(lp.data) | (lp.data == -np.inf)):
        raise InputError("ctc_loss: log_probs holds NaN or +inf")
    return CTCLoss.apply(lp, targets=padded, input_lengths=il, target_lengths=tl,
                         blank=int(blank), reduction=reduction, zero_infinity=zero_infinity)


# --------------------------------------------------------------------------- decoding


def _log_probs_array(log_probs: Any) -> np.ndarray:
    arr = np.asarray(log_probs.data if isinstance(log_probs, Tensor) else log_probs)
    if arr.ndim != 3:
        raise InputError(f"log_probs must be (T, B, C), got shape {arr.shape}")
    return arr


def _lengths(input_lengths: Any, T: int, B: int) -> np.ndarray:
    if input_lengths is None:
        return np.full(B, T, dtype=np.int64)
    il = as_index_array(input_lengths, "input_lengths").reshape(-1)
    if il.shape != (B,) or np.any(il < 0) or np.any(il > T):
        raise InputError(f"input_lengths must be {B} values in [0, {T}], got {il.tolist()}")
    return il


def collapse(path: Any, blank: int = 0) -> list[int]:
    """CTC's many-to-one map B: merge repeated labels, then drop blanks ("aa-ab" -> "ab")."""
    out: list[int] = []
    prev = None
    for k in path:
        k = int(k)
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def ctc_greedy_decode(log_probs: Any, input_lengths: Any = None, blank: int = 0
                      ) -> list[list[int]]:
    """Best path decoding: the most likely class at every frame, collapsed.
    log_probs (T, B, C) -> one label list per sequence."""
    lp = _log_probs_array(log_probs)
    T, B, _ = lp.shape
    il = _lengths(input_lengths, T, B)
    best = lp.argmax(axis=2)
    return [collapse(best[:il[b], b], blank) for b in range(B)]


def ctc_prefix_beam_search(log_probs: Any, beam_width: int = 8, blank: int = 0,
                           top_k: int = 1) -> list[tuple[list[int], float]]:
    """Prefix beam search over one sequence's (T, C) log-probabilities.

    Each prefix keeps two log-probabilities: of the frames so far ending in blank (p_b) and
    ending in its last label (p_nb). At a frame with probabilities y: a blank keeps the prefix
    (p_b' += y_blank (p_b + p_nb)); repeating the last label keeps it (p_nb' += y_k p_nb);
    a new label k extends it (p_nb'(prefix + k) += y_k (p_b + p_nb), or only y_k p_b when k
    repeats the last label, since the repeat needs a blank between). The ``beam_width`` most
    likely prefixes survive each frame. Returns the ``top_k`` best (labels, log-probability).
    With a beam as wide as the number of prefixes the result is the exact most likely labelling.
    """
    lp = np.asarray(log_probs.data if isinstance(log_probs, Tensor) else log_probs,
                    dtype=np.float64)
    if lp.ndim != 2:
        raise InputError(f"ctc_prefix_beam_search: log_probs must be (T, C), got {lp.shape}")
    if beam_width < 1:
        raise InputError(f"ctc_prefix_beam_search: beam_width must be >= 1, got {beam_width}")
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -np.inf)}
    for t in range(lp.shape[0]):
        nxt: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [-np.inf, -np.inf])
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            entry = nxt[prefix]
            entry[0] = np.logaddexp(entry[0], lp[t, blank] + total)
            if prefix:
                entry[1] = np.logaddexp(entry[1], lp[t, prefix[-1]] + p_nb)
            for k in range(lp.shape[1]):
                if k == blank:
                    continue
                ext = nxt[prefix + (k,)]
                source = p_b if prefix and prefix[-1] == k else total
                ext[1] = np.logaddexp(ext[1], lp[t, k] + source)
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = {p: (v[0], v[1]) for p, v in ranked[:beam_width]}
    final = sorted(((list(p), float(np.logaddexp(*v))) for p, v in beams.items()),
                   key=lambda item: -item[1])
    return final[:top_k]


def ctc_beam_search_decode(log_probs: Any, input_lengths: Any = None, beam_width: int = 8,
                           blank: int = 0) -> list[list[int]]:
    """The best labelling of each sequence of a (T, B, C) batch by prefix beam search."""
    lp = _log_probs_array(log_probs)
    T, B, _ = lp.shape
    il = _lengths(input_lengths, T, B)
    return [ctc_prefix_beam_search(lp[:il[b], b], beam_width, blank)[0][0] for b in range(B)]
