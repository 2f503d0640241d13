"""Weight initialisers (in place, from the seeded generator), with PyTorch's formulas.

fan_in of a weight of shape ``(out, in, *kernel)`` is ``in * prod(kernel)``; fan_out is
``out * prod(kernel)``.

- ``kaiming_uniform_(w, a)``: U(-bound, bound), bound = gain * sqrt(3 / fan_in),
  gain = sqrt(2 / (1 + a^2)). With a = sqrt(5) (what torch's Linear and Conv use) the bound is
  1 / sqrt(fan_in).
- ``xavier_uniform_(w, gain)``: bound = gain * sqrt(6 / (fan_in + fan_out)).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..random import resolve_rng
from ..tensor import Tensor


def calculate_fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise InputError(f"fan in/out need a weight with at least 2 dimensions, got {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0,
             rng: np.random.Generator | None = None) -> Tensor:
    t.data[...] = resolve_rng(rng).uniform(a, b, t.shape)
    return t


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0,
            rng: np.random.Generator | None = None) -> Tensor:
    t.data[...] = resolve_rng(rng).normal(mean, std, t.shape)
    return t


def zeros_(t: Tensor) -> Tensor:
    t.data[...] = 0
    return t


def ones_(t: Tensor) -> Tensor:
    t.data[...] = 1
    return t


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     rng: np.random.Generator | None = None) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t.shape)
    if mode not in ("fan_in", "fan_out"):
        raise InputError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + a * a))
    bound = gain * math.sqrt(3.0 / fan)
    return uniform_(t, -bound, bound, rng)


def xavier_uniform_(t: Tensor, gain: float = 1.0,
                    rng: np.random.Generator | None = None) -> Tensor:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -bound, bound, rng)
