"""Weight noise: gradients taken at randomly perturbed weights (Graves 2011).

With weights w and a fresh draw eps ~ N(0, std^2 I) for every minibatch, one training step is

    w~ = w + eps                       (weights seen by the forward and backward pass)
    g  = dL(w~)/dw~                    (the gradient at the perturbed point)
    w  <- optimiser(w, g)              (the update is applied to the clean weights)

This is stochastic gradient descent on E_eps[L(w + eps)] ~= L(w) + std^2/2 tr(H(w)), a penalty
on the curvature of the loss around w: a regulariser that prefers flat minima (Graves 2011,
"Practical Variational Inference for Neural Networks", the fixed-variance case). Chung et al.
(2014) trained their tanh-RNN, GRU and LSTM music models with std = 0.075.

Evaluation uses the clean weights: outside the ``with`` block nothing is perturbed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import random as mg_random
from ..errors import InputError, InputTypeError
from ..tensor import Tensor


class WeightNoise:
    """Context manager that adds Gaussian noise to parameters and restores them exactly.

    ::

        noise = nn.WeightNoise(model.parameters(), std=0.075)
        for batch in loader:
            opt.zero_grad()
            with noise:                      # w~ = w + eps, eps drawn afresh
                loss = model_loss(batch)
                loss.backward()              # gradients at w~
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()                       # applied to the clean w

    Args:
        parameters: the tensors to perturb.
        std: the noise standard deviation (>= 0; 0 is a no-op that draws nothing).
        biases: also perturb 1-D parameters (biases, norms). Off by default: the noise goes on
            the weight matrices, as in Graves (2011) and Chung et al. (2014), whose noise was
            on the connection weights.
        rng: the generator to draw from; the global one (``mg.manual_seed``) by default, so
            a seeded run draws the same noise every time.

    On leaving the block every parameter gets back its exact previous values (a saved copy,
    not a subtraction, so rounding cannot drift the weights); gradients stay as computed.
    """

    def __init__(self, parameters: Iterable[Tensor] | Tensor, std: float, *,
                 biases: bool = False, rng: np.random.Generator | None = None) -> None:
        params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise InputTypeError(f"WeightNoise: parameters[{i}] must be a Tensor, got "
                                     f"{type(p).__name__}")
        if isinstance(std, bool) or not isinstance(std, (int, float, np.floating)) \
                or not np.isfinite(std) or std < 0:
            raise InputError(f"WeightNoise: std must be a finite number >= 0, got {std!r}")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise InputTypeError(f"WeightNoise: rng must be a numpy.random.Generator, got "
                                 f"{type(rng).__name__}")
        self.params = [p for p in params if biases or p.data.ndim >= 2]
        self.std = float(std)
        self.rng = rng
        self._saved: list[np.ndarray] | None = None

    def __enter__(self) -> WeightNoise:
        if self._saved is not None:
            raise RuntimeError("WeightNoise: already active (the block cannot be nested)")
        self._saved = [p.data.copy() for p in self.params]
        if self.std > 0:
            rng = self.rng if self.rng is not None else mg_random.default_rng()
            for p in self.params:
                eps = rng.standard_normal(p.data.shape) * self.std
                p.data += eps.astype(p.data.dtype, copy=False)
        return self

    def __exit__(self, *exc: Any) -> None:
        saved, self._saved = self._saved, None
        if saved is not None:
            for p, w in zip(self.params, saved, strict=True):
                np.copyto(p.data, w)
