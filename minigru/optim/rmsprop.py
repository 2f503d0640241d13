"""RMSprop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import InputError
from ..tensor import Tensor
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """For each parameter p with gradient g (PyTorch's update):

        g <- g + weight_decay * p
        v <- alpha v + (1 - alpha) g^2
        v~ <- v - g_avg^2  with  g_avg <- alpha g_avg + (1 - alpha) g    (centered only)
        b <- momentum b + g / (sqrt(v~) + eps);  p <- p - lr b          (momentum > 0)
        p <- p - lr g / (sqrt(v~) + eps)                               (otherwise)

    With ``alpha=0.9``, no momentum and not centered this is the form of Hinton's 2012 lecture
    (MeanSquare <- 0.9 MeanSquare + 0.1 g^2; w <- w - lr g / sqrt(MeanSquare)), the RMSProp
    that Chung et al. (2014) cite; ``minigru.music`` trains with it.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise InputError(f"RMSprop: alpha must be in [0, 1], got {alpha}")
        if momentum < 0:
            raise InputError(f"RMSprop: momentum must be >= 0, got {momentum}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        alpha = group["alpha"]
        g = grad.astype(p.dtype, copy=True)
        if group["weight_decay"]:
            g += group["weight_decay"] * p.data
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= alpha
            ga += (1 - alpha) * g
            denom = np.sqrt(v - ga * ga) + group["eps"]
        else:
            denom = np.sqrt(v) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / denom
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * g / denom
