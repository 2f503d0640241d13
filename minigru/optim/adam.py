"""Adam and AdamW."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import InputError
from ..kernels.adam import adam_step
from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """For each parameter p with gradient g, at step t = 1, 2, ... (PyTorch's update):

        g <- g + weight_decay * p                     (Adam's L2 penalty; AdamW decouples it)
        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        v_max <- max(v_max, v)                        (amsgrad only; then v_max replaces v)
        p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    which is p - lr * m_hat / (sqrt(v_hat) + eps) with the bias-corrected m_hat and v_hat.
    """

    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        name = type(self).__name__
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise InputError(f"{name}: betas must be in [0, 1), got {betas}")
        if eps < 0:
            raise InputError(f"{name}: eps must be >= 0, got {eps}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        arrays = [p.data, state["exp_avg"], state["exp_avg_sq"]]
        if group["amsgrad"]:
            arrays.append(state["max_exp_avg_sq"])
        if (p.data.dtype in (np.float32, np.float64)
                and all(a.flags.c_contiguous and a.dtype == p.data.dtype for a in arrays)):
            self._fused(p.data, grad, state, group)
        else:
            self._by_array(p, grad, state, group)

    def _fused(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        """The update in one pass (``kernels/adam.py``), bit for bit :meth:`_by_array`'s."""
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        state["step"] += 1
        t = state["step"]
        c = data.dtype.type
        flat = data.reshape(-1)
        g = np.ascontiguousarray(grad, dtype=data.dtype).reshape(-1)
        v_max = state.get("max_exp_avg_sq", state["exp_avg_sq"]).reshape(-1)
        adam_step(flat, g, state["exp_avg"].reshape(-1), state["exp_avg_sq"].reshape(-1), v_max,
                  c(beta1), c(1 - beta1), c(beta2), c(1 - beta2), c(lr / (1 - beta1**t)),
                  c(math.sqrt(1 - beta2**t)), c(group["eps"]), c(wd), c(1 - lr * wd),
                  bool(wd) and not self.decoupled, bool(wd) and self.decoupled,
                  bool(group["amsgrad"]))

    def _by_array(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                  group: dict[str, Any]) -> None:
        """The update as NumPy array operations (for parameters the kernel does not take)."""
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        g = grad.astype(p.dtype, copy=True)
        if wd:
            if self.decoupled:
                p.data *= 1 - lr * wd
            else:
                g += wd * p.data
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bias1 = 1 - beta1**t
        bias2 = 1 - beta2**t
        denom = np.sqrt(v) / math.sqrt(bias2) + group["eps"]
        p.data -= (lr / bias1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): before the Adam step,
    p <- p (1 - lr * weight_decay), and the gradient is not penalised."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
