"""An exponential moving average of the parameters (Polyak averaging with exponential weights).

After every optimiser step n = 1, 2, ... the average is updated from the new parameters
theta_n with a decay beta in [0, 1)::

    m_0 = 0
    m_n = beta m_{n-1} + (1 - beta) theta_n
    avg_n = m_n / (1 - beta^n)                  (bias correction, as in Adam)

so ``avg_n = sum_k w_k theta_k`` with weights ``w_k = (1 - beta) beta^(n-k) / (1 - beta^n)``
that sum to 1: the first average is theta_1 itself, and later ones weigh the last
``1 / (1 - beta)`` steps most. Evaluating with the average instead of the last iterate
smooths out the noise of stochastic steps (Polyak and Juditsky 1992). TensorFlow's
``ExponentialMovingAverage`` and ``torch.optim.swa_utils`` with an EMA function use the same
recursion but start m_0 at theta_0 instead of correcting the bias. Training always continues
from the raw parameters: the average is only swapped in to evaluate or save.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..tensor import Tensor


class ExponentialMovingAverage:
    """The moving average of ``params`` (see the module docstring for the formula).

    ::

        ema = mg.optim.ExponentialMovingAverage(model.parameters(), decay=0.999)
        for batch in loader:
            ...; opt.step(); ema.update()
        with ema.average_parameters():      # the model now holds avg_n
            evaluate(model, val_loader)     # on leaving, the raw weights come back exactly

    Args:
        params: the tensors to average (their ``.data`` is read after each step).
        decay: beta in [0, 1); 0 keeps the last parameters (no averaging).

    The accumulators m_n have each parameter's dtype and shape; ``state_dict()`` holds them
    and the step count, so a restored average continues bit for bit.
    """

    def __init__(self, params: Iterable[Tensor] | Tensor, decay: float = 0.999) -> None:
        self.params = [params] if isinstance(params, Tensor) else list(params)
        if not self.params:
            raise InputError("ExponentialMovingAverage: got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise InputTypeError(f"ExponentialMovingAverage: params[{i}] is "
                                     f"{type(p).__name__}, not a Tensor")
        if (not isinstance(decay, (int, float)) or isinstance(decay, bool)
                or not 0.0 <= decay < 1.0):
            raise InputError(f"ExponentialMovingAverage: decay must be a number in [0, 1), got "
                             f"{decay!r}")
        self.decay = float(decay)
        self.steps = 0
        self.accumulators = [np.zeros_like(p.data) for p in self.params]
        self._swapped: list[np.ndarray] | None = None

    def update(self) -> None:
        """m_n = beta m_{n-1} + (1 - beta) theta_n, from the parameters as they are now."""
        if self._swapped is not None:
            raise InputError("ExponentialMovingAverage.update: called inside "
                             "average_parameters(), where the parameters are the average")
        self.steps += 1
        for m, p in zip(self.accumulators, self.params, strict=True):
            m *= self.decay
            m += (1.0 - self.decay) * p.data

    def averages(self) -> list[np.ndarray]:
        """avg_n = m_n / (1 - beta^n) for every parameter (copies of the parameters before
        the first update)."""
        if self.steps == 0:
            return [p.data.copy() for p in self.params]
        correction = 1.0 - self.decay ** self.steps
        return [(m / correction).astype(p.data.dtype, copy=False)
                for m, p in zip(self.accumulators, self.params, strict=True)]

    @contextmanager
    def average_parameters(self) -> Iterator[None]:
        """Inside the block every parameter holds its average; on leaving (also after an
        exception) each gets back its exact previous array."""
        if self._swapped is not None:
            raise InputError("ExponentialMovingAverage.average_parameters: already inside "
                             "such a block")
        self._swapped = [p.data for p in self.params]
        try:
            for p, avg in zip(self.params, self.averages(), strict=True):
                p.data = avg
            yield
        finally:
            for p, raw in zip(self.params, self._swapped, strict=True):
                p.data = raw
            self._swapped = None

    def state_dict(self) -> dict[str, Any]:
        """{"decay", "steps", "accumulators": {index: m}} (copies)."""
        return {"decay": self.decay, "steps": self.steps,
                "accumulators": {i: m.copy() for i, m in enumerate(self.accumulators)}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = state.get("accumulators", {})
        if len(saved) != len(self.params):
            raise InputError(f"ExponentialMovingAverage.load_state_dict: the state has "
                             f"{len(saved)} accumulators, the average {len(self.params)} "
                             f"parameters")
        restored = []
        for i, p in enumerate(self.params):
            m = np.array(saved[i] if i in saved else saved[str(i)], dtype=p.data.dtype)
            if m.shape != p.data.shape:
                raise InputError(f"ExponentialMovingAverage.load_state_dict: accumulator {i} "
                                 f"has shape {m.shape}, the parameter {p.data.shape}")
            restored.append(m)
        self.decay, self.steps = float(state["decay"]), int(state["steps"])
        self.accumulators = restored
