"""``GRUCell``, ``LSTMCell``, ``RNNCell``: one time step, written only with autograd primitives.

These are the readable reference for the fused layers: every line is an equation, autograd
derives the backward pass, and the tests hold the fused kernels equal to these cells unrolled
over time. Signatures and parameter names follow torch.nn (``weight_ih``, ``weight_hh``,
``bias_ih``, ``bias_hh``); ``forward(input, hx=None)`` takes (B, I) or unbatched (I,) input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError
from ..ops import elementwise as E
from ..ops import layers as L
from ..ops import shape as S
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class _CellBase(Module):
    gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InputError(f"{name}: {arg} must be a positive integer, got {value!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dt = np.float32 if dtype is None else dtype
        G = self.gates * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = Parameter(np.zeros((G, input_size), dtype=dt))
        self.weight_hh = Parameter(np.zeros((G, hidden_size), dtype=dt))
        init.uniform_(self.weight_ih, -bound, bound, rng=rng)
        init.uniform_(self.weight_hh, -bound, bound, rng=rng)
        if bias:
            self.bias_ih = Parameter(np.zeros(G, dtype=dt))
            self.bias_hh = Parameter(np.zeros(G, dtype=dt))
            init.uniform_(self.bias_ih, -bound, bound, rng=rng)
            init.uniform_(self.bias_hh, -bound, bound, rng=rng)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _prepare(self, x: Any, hx: Any) -> tuple[Tensor, Tensor | None, bool]:
        name = type(self).__name__
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise InputError(f"{name}: input must be (B, {self.input_size}) or "
                             f"({self.input_size},), got shape {x.shape}")
        unbatched = x.ndim == 1
        if unbatched:
            x = S.unsqueeze(x, 0)
        if hx is not None:
            hx = hx if isinstance(hx, Tensor) else Tensor(np.asarray(hx))
            expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
            if hx.shape != expected:
                raise InputError(f"{name}: hx must have shape {expected}, got {hx.shape}")
            if unbatched:
                hx = S.unsqueeze(hx, 0)
        return x, hx, unbatched

    def _zeros(self, x: Tensor) -> Tensor:
        return Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class GRUCell(_CellBase):
    """h' = GRU(x, h) for one step (the equations of ``nn.GRU``; ``reset_after`` as there)."""

    gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 reset_after: bool = True, dtype: Any = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__(input_size, hidden_size, bias, dtype, rng)
        self.reset_after = reset_after

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, h, unbatched = self._prepare(input, hx)
        h = self._zeros(x) if h is None else h
        H = self.hidden_size
        gi = L.linear(x, self.weight_ih, self.bias_ih)
        r_x, z_x, n_x = gi[:, :H], gi[:, H:2 * H], gi[:, 2 * H:]
        if self.reset_after:
            gh = L.linear(h, self.weight_hh, self.bias_hh)
            r = E.sigmoid(r_x + gh[:, :H])
            z = E.sigmoid(z_x + gh[:, H:2 * H])
            n = E.tanh(n_x + r * gh[:, 2 * H:])
        else:
            b_hh = self.bias_hh
            gh = L.linear(h, self.weight_hh[:2 * H], None if b_hh is None else b_hh[:2 * H])
            r = E.sigmoid(r_x + gh[:, :H])
            z = E.sigmoid(z_x + gh[:, H:])
            n = E.tanh(n_x + L.linear(r * h, self.weight_hh[2 * H:],
                                      None if b_hh is None else b_hh[2 * H:]))
        h_new = (1.0 - z) * n + z * h
        return S.squeeze(h_new, 0) if unbatched else h_new


class LSTMCell(_CellBase):
    """(h', c') = LSTM(x, (h, c)) for one step:
    i, f, o = sigmoid(.), g = tanh(.), c' = f c + i g, h' = o tanh(c')."""

    gates = 4

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        h, c = (None, None) if hx is None else hx
        x, h, unbatched = self._prepare(input, h)
        if c is not None:
            _, c, _ = self._prepare(input, c)
        h = self._zeros(x) if h is None else h
        c = self._zeros(x) if c is None else c
        H = self.hidden_size
        a = L.linear(x, self.weight_ih, self.bias_ih) + L.linear(h, self.weight_hh,
                                                                 self.bias_hh)
        i = E.sigmoid(a[:, :H])
        f = E.sigmoid(a[:, H:2 * H])
        g = E.tanh(a[:, 2 * H:3 * H])
        o = E.sigmoid(a[:, 3 * H:])
        c_new = f * c + i * g
        h_new = o * E.tanh(c_new)
        if unbatched:
            return S.squeeze(h_new, 0), S.squeeze(c_new, 0)
        return h_new, c_new


class RNNCell(_CellBase):
    """h' = tanh (or relu)(W_ih x + b_ih + W_hh h + b_hh)."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype: Any = None,
                 rng: np.random.Generator | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise InputError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, dtype, rng)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, h, unbatched = self._prepare(input, hx)
        h = self._zeros(x) if h is None else h
        a = L.linear(x, self.weight_ih, self.bias_ih) + L.linear(h, self.weight_hh, self.bias_hh)
        h_new = E.tanh(a) if self.nonlinearity == "tanh" else E.relu(a)
        return S.squeeze(h_new, 0) if unbatched else h_new
