"""``SequencePooling``: one vector from a padded sequence of outputs, over its valid steps.

With outputs ``y`` (T, B, F) and ``lengths`` (B,), ``m[t, b] = 1`` where ``t < lengths[b]``:

- ``mean``: ``sum_t m y_t / lengths``;
- ``last``: ``y`` at each sequence's last valid step, ``y[lengths[b] - 1, b]`` (for a
  unidirectional layer this is its final state);
- ``attention`` (additive, Bahdanau et al. 2015 / Yang et al. 2016):
  ``e_t = v^T tanh(W y_t + c)``, ``alpha = softmax over the valid t of e``, ``sum_t alpha_t y_t``;
  the padded steps get weight exactly 0. ``weights(y, lengths)`` returns alpha (T, B), to show
  which steps the pooling reads.

All three are compositions of differentiable operations (gradient-checked in
``tests/test_text.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..ops import reduce as R
from ..ops import shape as S
from ..tensor import Tensor
from .linear import Linear
from .module import Module

MODES = ("mean", "last", "attention")


def valid_mask(T: int, lengths: Any, dtype: Any) -> np.ndarray:
    """(T, B) array: 1 where t < lengths[b], else 0."""
    lens = np.asarray(lengths)
    return (np.arange(T)[:, None] < lens[None, :]).astype(dtype)


class SequencePooling(Module):
    """``forward(y (T, B, F), lengths (B,)) -> (B, F)``; ``mode`` is mean, last or attention
    (which needs ``features`` = F, and learns ``W`` (attention_size, F), ``c`` and ``v``)."""

    def __init__(self, mode: str = "mean", features: int | None = None,
                 attention_size: int = 64) -> None:
        super().__init__()
        if mode not in MODES:
            raise InputError(f"SequencePooling: mode must be one of {MODES}, got {mode!r}")
        if mode == "attention" and (not isinstance(features, int) or features < 1):
            raise InputError(f"SequencePooling: attention needs features (the size F of each "
                             f"step's vector), got {features!r}")
        self.mode = mode
        if mode == "attention":
            self.project = Linear(features, attention_size)
            self.score = Linear(attention_size, 1, bias=False)

    def _check(self, y: Tensor, lengths: Any) -> np.ndarray:
        if y.ndim != 3:
            raise InputError(f"SequencePooling: y must be (T, B, F), got shape {y.shape}")
        T, B = y.shape[0], y.shape[1]
        lens = np.full(B, T) if lengths is None else np.asarray(lengths)
        if lens.shape != (B,) or lens.min() < 1 or lens.max() > T:
            raise InputError(f"SequencePooling: lengths must be {B} values in [1, {T}], got "
                             f"{lens.tolist()}")
        return lens

    def weights(self, y: Tensor, lengths: Any = None) -> Tensor:
        """alpha (T, B): the attention weights over the valid steps (attention mode)."""
        if self.mode != "attention":
            raise InputError("SequencePooling.weights: only attention pooling has weights")
        lens = self._check(y, lengths)
        e = self.score(self.project(y).tanh())[:, :, 0]  # (T, B)
        mask = valid_mask(y.shape[0], lens, y.dtype)
        e = e * mask + (mask - 1) * np.asarray(1e30, dtype=y.dtype)
        return R.softmax(e, axis=0)

    def forward(self, y: Tensor, lengths: Any = None) -> Tensor:
        lens = self._check(y, lengths)
        if self.mode == "mean":
            mask = valid_mask(y.shape[0], lens, y.dtype)
            return R.sum(y * mask[:, :, None], axis=0) / lens[:, None].astype(y.dtype)
        if self.mode == "last":
            return y[lens - 1, np.arange(y.shape[1])]
        alpha = self.weights(y, lens)
        return R.sum(y * S.unsqueeze(alpha, 2), axis=0)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"
