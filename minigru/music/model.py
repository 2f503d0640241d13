"""The next-step model: a recurrent layer and one Bernoulli per key.

    h_t = cell(x_t, h_{t-1})             (tanh-RNN, GRU or LSTM)
    p(x_{t+1, k} = 1 | x_1..x_t) = sigmoid(W_k h_t + b_k),  k = 1..88
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..tensor import Tensor
from .rolls import KEYS

PAPER_UNITS = {"rnn": 100, "gru": 46, "lstm": 36}
"""Units per cell in Chung et al. (2014), Table 1 (about 20k parameters each)."""

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class NextStep(nn.Module):
    """``forward(x (T, B, 88), lengths (B,)) -> logits (T, B, 88)``; past a sequence's
    length the logits are those of a zero state's output (masked out by the loss)."""

    def __init__(self, cell: str, hidden: int) -> None:
        super().__init__()
        self.rnn = CELLS[cell](KEYS, hidden)
        self.head = nn.Linear(hidden, KEYS)

    def forward(self, x: Tensor, lengths: np.ndarray) -> Tensor:
        out, _ = self.rnn(x, lengths=lengths)
        return self.head(out)
