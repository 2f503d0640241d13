"""Activation functions as modules, for ``Sequential``."""

from __future__ import annotations

from typing import Any

from ..ops import elementwise as E
from ..ops import reduce as R
from ..tensor import Tensor
from .module import Module


class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return E.relu(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return E.tanh(x)


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return E.sigmoid(x)


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return R.softmax(x, axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x: Any) -> Tensor:
        return R.log_softmax(x, axis=self.dim)
