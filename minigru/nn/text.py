"""``TextClassifier``: word indices -> Embedding -> GRU (or LSTM, RNN) -> pooling -> Linear.

``forward(tokens (B, T) int, lengths (B,)) -> logits (B, classes)``: batch-first indices, 0
the padding index. The recurrent layer reads the whole document, however long (the fused
kernel keeps one state per step, so memory grows with T*B*H and time with T); the pooling
(``SequencePooling``: mean, last or attention) turns its T outputs into the document's vector.
``trace(tokens, length)`` gives, for one document, what the model does at each word: how
far the state moves, ``||h_t - h_{t-1}||``, and the attention weights where there are any.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import no_grad
from ..errors import InputError
from ..ops import shape as S
from ..tensor import Tensor
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .module import Module
from .pooling import SequencePooling
from .recurrent import GRU, LSTM, RNN

CELLS = {"gru": GRU, "lstm": LSTM, "rnn": RNN}


class TextClassifier(Module):
    def __init__(self, vocab_size: int, num_classes: int, embedding_dim: int = 64,
                 hidden_size: int = 64, cell: str = "gru", pooling: str = "mean",
                 bidirectional: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        if cell not in CELLS:
            raise InputError(f"TextClassifier: cell must be one of {sorted(CELLS)}, got "
                             f"{cell!r}")
        D = 2 if bidirectional else 1
        self.cell = cell
        self.embed = Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, bidirectional=bidirectional)
        self.pool = SequencePooling(pooling, features=D * hidden_size)
        self.dropout = Dropout(dropout)
        self.head = Linear(D * hidden_size, num_classes)

    def outputs(self, tokens: Any, lengths: Any) -> Tensor:
        """(T, B, D*H): the recurrent layer's output at every word."""
        idx = np.asarray(tokens)
        if idx.ndim != 2:
            raise InputError(f"TextClassifier: tokens must be (B, T) indices, got shape "
                             f"{idx.shape}")
        x = S.transpose(self.embed(idx), 1, 0, 2)  # (T, B, E)
        return self.rnn(x, lengths=np.asarray(lengths))[0]

    def forward(self, tokens: Any, lengths: Any) -> Tensor:
        out = self.outputs(tokens, lengths)
        return self.head(self.dropout(self.pool(out, lengths)))

    def trace(self, tokens: Any, length: int) -> dict[str, np.ndarray]:
        """For one document (``tokens`` (T,)): ``step`` (length,) the distance the top
        layer's output moves at each word, and ``attention`` (length,) or None."""
        idx = np.asarray(tokens)[None, :length]
        with no_grad():
            out = self.outputs(idx, [length])
            y = out.numpy()[:, 0]
            moved = np.linalg.norm(np.diff(y, axis=0, prepend=0.0), axis=1)
            weights = (self.pool.weights(out, [length]).numpy()[:, 0]
                       if self.pool.mode == "attention" else None)
        return {"step": moved, "attention": weights}
