"""``GRU``, ``LSTM`` and ``RNN``: multi-layer, bidirectional, variable-length, as in torch.nn.

Same constructor arguments, parameter names (``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0``, ``bias_hh_l0``, ``..._reverse``), shapes ((G*H, I), (G*H, H), (G*H,) with
G = 3 for the GRU, 4 for the LSTM, 1 for the RNN), gate order (GRU r, z, n; LSTM i, f, g, o)
and initialisation U(-1/sqrt(H), 1/sqrt(H)), so a PyTorch state dict converted to arrays loads
and gives the same numbers. The computation is the fused kernels of ``minigru/kernels``.

``forward(x, h0=None, lengths=None)``: x is (T, B, I), or (B, T, I) with ``batch_first``, or
(T, I) unbatched. ``lengths`` (B,) gives each sequence's valid length (1..T, any order, no
sorting): outputs past it are zero, ``h_n`` is the state at its last valid step, and the
reverse direction starts there (PyTorch's packed-sequence semantics).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..ops import recurrent as R
from ..ops import shape as S
from ..ops.layers import as_index_array
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class RNNBase(Module):
    mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype: Any = None,
                 rng: np.random.Generator | None = None, mode: str | None = None) -> None:
        super().__init__()
        if mode is not None:
            self.mode = mode
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InputError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if not 0.0 <= dropout <= 1.0:
            raise InputError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = bidirectional
        self.rng = rng
        G = R.MODES[self.mode]
        D = 2 if bidirectional else 1
        dt = np.float32 if dtype is None else dtype
        bound = 1.0 / math.sqrt(hidden_size)
        self._weight_names: list[tuple[str, str, str | None, str | None]] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * D
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                shapes = {f"weight_ih{sfx}": (G * hidden_size, layer_in),
                          f"weight_hh{sfx}": (G * hidden_size, hidden_size)}
                if bias:
                    shapes[f"bias_ih{sfx}"] = (G * hidden_size,)
                    shapes[f"bias_hh{sfx}"] = (G * hidden_size,)
                for pname, shape in shapes.items():
                    p = Parameter(np.zeros(shape, dtype=dt))
                    init.uniform_(p, -bound, bound, rng=rng)
                    setattr(self, pname, p)
                self._weight_names.append((f"weight_ih{sfx}", f"weight_hh{sfx}",
                                           f"bias_ih{sfx}" if bias else None,
                                           f"bias_hh{sfx}" if bias else None))

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _weights(self, dtype: np.dtype) -> list[tuple[Any, ...]]:
        G = R.MODES[self.mode]
        zeros = Tensor(np.zeros(G * self.hidden_size, dtype=dtype))
        out = []
        for w_ih, w_hh, b_ih, b_hh in self._weight_names:
            out.append((getattr(self, w_ih), getattr(self, w_hh),
                        getattr(self, b_ih) if b_ih else zeros,
                        getattr(self, b_hh) if b_hh else zeros))
        return out

    def step_weights(self, dtype: Any = None) -> list[tuple[np.ndarray, ...]]:
        """The weights of every layer and direction as C-contiguous arrays, for running the
        step kernels (``minigru.kernels.step``) outside autograd: a list, in the order
        layer 0 forward, layer 0 reverse, layer 1 forward, ..., of tuples
        ``(W_ih (G*H, I), W_hh (G*H, H), b_ih (G*H,), b_hh (G*H,))`` with G = 3 (GRU),
        4 (LSTM) or 1 (RNN); a layer without biases gets zero vectors. ``dtype`` defaults to
        the parameters' own."""
        dt = self.weight_ih_l0.dtype if dtype is None else np.dtype(dtype)
        return [tuple(np.ascontiguousarray(w.data, dtype=dt) for w in weights)
                for weights in self._weights(dt)]

    # ------------------------------------------------------------------ input checks
    def _check_input(self, x: Any) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        if x.dtype.kind != "f":
            raise InputTypeError(f"{name}: input must be floating point, got dtype {x.dtype}")
        dtype = self.weight_ih_l0.dtype
        if x.dtype != dtype:
            raise InputTypeError(f"{name}: input has dtype {x.dtype} but the parameters are "
                                 f"{dtype}; convert one of them (model.double() or x.astype(...))")
        if x.ndim not in (2, 3):
            layout = "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"
            raise InputError(f"{name}: input must be {layout} or unbatched (T, input_size), "
                             f"got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise InputError(f"{name}: expected input_size {self.input_size} in the last "
                             f"dimension, got input of shape {x.shape}")
        if 0 in x.shape:
            raise InputError(f"{name}: input of shape {x.shape} is empty (no steps or no "
                             f"sequences)")
        unbatched = x.ndim == 2
        if unbatched:
            x = S.unsqueeze(x, 1)
        elif self.batch_first:
            x = S.swapaxes(x, 0, 1)
        return x, unbatched

    def _check_state(self, h: Any, B: int, unbatched: bool, what: str, dtype: np.dtype) -> Tensor:
        name = type(self).__name__
        n = self.num_layers * self.num_directions
        if h is None:
            return Tensor(np.zeros((n, B, self.hidden_size), dtype=dtype))
        if not isinstance(h, Tensor):
            h = Tensor(np.asarray(h))
        expected = (n, self.hidden_size) if unbatched else (n, B, self.hidden_size)
        if h.shape != expected:
            raise InputError(f"{name}: {what} must have shape {expected} (num_layers * "
                             f"num_directions, batch, hidden_size), got {h.shape}")
        if h.dtype != dtype:
            raise InputTypeError(f"{name}: {what} has dtype {h.dtype}, the parameters {dtype}")
        return S.unsqueeze(h, 1) if unbatched else h

    def _check_lengths(self, lengths: Any, T: int, B: int) -> np.ndarray:
        name = type(self).__name__
        if lengths is None:
            return np.full(B, T, dtype=np.int64)
        arr = as_index_array(lengths, f"{name}: lengths").reshape(-1)
        if arr.shape != (B,):
            raise InputError(f"{name}: lengths must hold one length per sequence ({B}), got "
                             f"shape {np.shape(lengths)}")
        if np.any(arr < 1) or np.any(arr > T):
            raise InputError(f"{name}: lengths must be in [1, {T}] (the number of steps), got "
                             f"{arr.tolist()}")
        return np.ascontiguousarray(arr)

    def _run(self, x: Any, h0: Any, c0: Any, lengths: Any,
             gates: list[np.ndarray] | None = None) -> tuple[Tensor, Tensor, Any]:
        x, unbatched = self._check_input(x)
        T, B = x.shape[0], x.shape[1]
        lens = self._check_lengths(lengths, T, B)
        valid = x.data if np.all(lens == T) else x.data[np.arange(T)[:, None] < lens[None, :]]
        if not np.all(np.isfinite(valid)):
            raise InputError(f"{type(self).__name__}: input contains NaN or inf at a step within "
                             f"its sequence's length")
        h = self._check_state(h0, B, unbatched, "h0", x.dtype)
        c = self._check_state(c0, B, unbatched, "c0", x.dtype) if self.mode == "LSTM" else None
        out, h_n, c_n = R.recurrent_stack(
            self.mode, x, h, c, self._weights(x.dtype), lens, self.num_layers,
            self.bidirectional, self.dropout, self.training,
            getattr(self, "reset_after", True), self.rng, gates)
        if unbatched:
            out = S.squeeze(out, 1)
            h_n = S.squeeze(h_n, 1)
            c_n = S.squeeze(c_n, 1) if c_n is not None else None
        elif self.batch_first:
            out = S.swapaxes(out, 0, 1)
        return out, h_n, c_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for flag, default in (("bias", True), ("batch_first", False), ("bidirectional", False)):
            if getattr(self, flag) != default:
                s += f", {flag}={getattr(self, flag)}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s


class GRU(RNNBase):
    """Multi-layer gated recurrent unit. For each step (``kernels/gru.py`` has the BPTT):

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))      (reset_after=True, PyTorch/cuDNN)
        n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)      (reset_after=False, Cho et al. 2014)
        h' = (1 - z) * n + z * h

    ``forward(x, h0=None, lengths=None) -> (output, h_n)``, output (T, B, D*H), h_n
    (num_layers*D, B, H).
    """

    mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, reset_after: bool = True, dtype: Any = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype, rng)
        self.reset_after = bool(reset_after)

    def forward(self, x: Any, h0: Any = None, lengths: Any = None,
                return_gates: bool = False) -> Any:
        """(output, h_n); with ``return_gates=True`` also a list of (T, B, 3H) arrays, one per
        layer and direction, of the gate activations r, z, n (time-major, as computed)."""
        gates: list[np.ndarray] | None = [] if return_gates else None
        out, h_n, _ = self._run(x, h0, None, lengths, gates)
        return (out, h_n, gates) if return_gates else (out, h_n)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reset_after else ", reset_after=False")


class LSTM(RNNBase):
    """Multi-layer long short-term memory (gate order i, f, g, o; ``kernels/lstm.py``).

    ``forward(x, h0=None, lengths=None) -> (output, (h_n, c_n))``; ``h0`` may be a pair
    ``(h0, c0)``.
    """

    mode = "LSTM"

    def forward(self, x: Any, h0: Any = None, lengths: Any = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h, c = (h0 if isinstance(h0, (tuple, list)) else (h0, None))
        out, h_n, c_n = self._run(x, h, c, lengths)
        return out, (h_n, c_n)


class RNN(RNNBase):
    """Multi-layer Elman RNN, h' = tanh (or relu)(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, dtype: Any = None,
                 rng: np.random.Generator | None = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise InputError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype, rng,
                         mode="RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, h0: Any = None, lengths: Any = None) -> tuple[Tensor, Tensor]:
        out, h_n, _ = self._run(x, h0, None, lengths)
        return out, h_n

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + ", nonlinearity='relu'"
