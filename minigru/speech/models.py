"""The recognisers of the GRU speech literature, built from ``mg.nn``, and the factory that
builds the ``minigru train`` models by name.

All take time-major features ``x`` (T, B, F) with ``lengths`` (B,), as the loaders produce.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..errors import InputError
from ..nn import functional as F
from ..ops import shape as S
from ..tensor import Tensor
from .stream import RecurrentStream

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float32))


class GRUClassifier(nn.Module):
    """features -> recurrent stack -> summary of the sequence -> Linear -> class logits.

    ``pooling="last"``: the final state of each sequence's last valid frame (both directions
    concatenated when bidirectional); ``"mean"``: the average of the top layer's outputs over
    the valid frames. ``cell`` is "gru", "lstm" or "rnn" (the same model with another cell).
    """

    def __init__(self, input_size: int, num_classes: int, hidden_size: int = 64,
                 num_layers: int = 1, bidirectional: bool = False, cell: str = "gru",
                 pooling: str = "last", dropout: float = 0.0) -> None:
        super().__init__()
        if cell not in CELLS:
            raise InputError(f"GRUClassifier: cell must be one of {sorted(CELLS)}, got {cell!r}")
        if pooling not in ("last", "mean"):
            raise InputError(f"GRUClassifier: pooling must be 'last' or 'mean', got {pooling!r}")
        self.cell, self.pooling = cell, pooling
        self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers,
                               bidirectional=bidirectional,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.mean_pool = nn.SequencePooling("mean")
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def summary(self, x: Any, lengths: Any) -> Tensor:
        """(B, D*H): the sequence summary the classifier sees."""
        out, state = self.rnn(_as_tensor(x), lengths=lengths)
        if self.pooling == "mean":
            return self.mean_pool(out, lengths)
        h = state[0] if isinstance(state, tuple) else state
        if self.rnn.bidirectional:
            return S.concat([h[-2], h[-1]], axis=1)
        return h[-1]

    def forward(self, x: Any, lengths: Any = None) -> Tensor:
        return self.head(self.dropout(self.summary(x, lengths)))

    def stream(self) -> Any:
        """A stateful stream: ``push(frames) -> posteriors`` frame by frame (unidirectional
        models only; see ``minigru.speech.stream``)."""
        return RecurrentStream(self)

    def gates(self, x: Any, lengths: Any = None) -> dict[str, np.ndarray]:
        """For a GRU: the first layer's (forward direction) update and reset gates, each
        (T, B, H)."""
        if self.cell != "gru":
            raise InputError("gates: only a GRU has update and reset gates")
        _, _, gates = self.rnn(_as_tensor(x), lengths=lengths, return_gates=True)
        H = self.rnn.hidden_size
        g = gates[0]
        return {"r": g[:, :, :H], "z": g[:, :, H:2 * H], "n": g[:, :, 2 * H:]}


class CNNGRUClassifier(nn.Module):
    """A convolutional front end before a (bidirectional) GRU: Conv1d over time on the
    features -> ReLU -> MaxPool1d (halving the frame rate) -> GRU -> Linear."""

    def __init__(self, input_size: int, num_classes: int, channels: int = 64,
                 kernel_size: int = 5, pool: int = 2, hidden_size: int = 64,
                 num_layers: int = 1, bidirectional: bool = True, dropout: float = 0.0,
                 pooling: str = "last") -> None:
        super().__init__()
        self.pool_size = pool
        self.conv = nn.Conv1d(input_size, channels, kernel_size, padding="same")
        self.pool = nn.MaxPool1d(pool)
        self.gru = GRUClassifier(channels, num_classes, hidden_size, num_layers, bidirectional,
                                 "gru", pooling, dropout)

    def forward(self, x: Any, lengths: Any = None) -> Tensor:
        x = _as_tensor(x)
        T, B = x.shape[0], x.shape[1]
        if T < self.pool_size:
            raise InputError(f"CNNGRUClassifier: {T} frames is shorter than the pooling "
                             f"window {self.pool_size}")
        h = self.pool(F.relu(self.conv(S.transpose(x, 1, 2, 0))))  # (B, C, T')
        h = S.transpose(h, 2, 0, 1)  # (T', B, C)
        lens = np.full(B, T) if lengths is None else np.asarray(lengths)
        lens = np.clip(lens // self.pool_size, 1, h.shape[0])
        return self.gru(h, lens)


class CTCRecogniser(nn.Module):
    """Per-frame label posteriors for CTC: BiGRU -> Linear -> log_softmax, (T, B, C) with
    class 0 the blank."""

    def __init__(self, input_size: int, num_labels: int, hidden_size: int = 96,
                 num_layers: int = 2, bidirectional: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = nn.GRU(input_size, hidden_size, num_layers=num_layers,
                          bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), num_labels)

    def forward(self, x: Any, lengths: Any = None) -> Tensor:
        out, _ = self.rnn(_as_tensor(x), lengths=lengths)
        return F.log_softmax(self.head(out), axis=2)

    def decode(self, x: Any, lengths: Any = None, beam_width: int = 0) -> list[list[int]]:
        with no_grad():
            lp = self.forward(x, lengths)
        if beam_width:
            return F.ctc_beam_search_decode(lp, lengths, beam_width)
        return F.ctc_greedy_decode(lp, lengths)


def build_model(name: str, input_size: int, num_classes: int, hidden: int = 64,
                layers: int = 1, bidirectional: bool | None = None, dropout: float = 0.0,
                pooling: str = "last") -> nn.Module:
    """The models the ``minigru`` command trains, by name: gru, lstm, rnn, cnn-gru.
    ``bidirectional=None`` is the model's own default (False, and True for cnn-gru)."""
    if bidirectional is None:
        bidirectional = name == "cnn-gru"
    if name in CELLS:
        return GRUClassifier(input_size, num_classes, hidden, layers, bidirectional, name,
                             pooling, dropout)
    if name == "cnn-gru":
        return CNNGRUClassifier(input_size, num_classes, hidden_size=hidden, num_layers=layers,
                                bidirectional=bidirectional, dropout=dropout, pooling=pooling)
    raise InputError(f"unknown model {name!r}; choose gru, lstm, rnn or cnn-gru")


def model_for(cfg: dict[str, Any], input_size: int, num_classes: int) -> nn.Module:
    """The model a run configuration describes (``model``, ``hidden``, ``layers``,
    ``bidirectional``, ``pooling``, ``dropout``).

    A configuration written before ``pooling`` was a setting (minigru 0.1.0) describes the
    models of that release: last-state pooling, and a cnn-gru that was always bidirectional
    whatever its ``bidirectional`` said."""
    legacy = "pooling" not in cfg
    bidirectional = cfg["bidirectional"]
    if legacy and cfg["model"] == "cnn-gru":
        bidirectional = True
    return build_model(cfg["model"], input_size, num_classes, cfg["hidden"], cfg["layers"],
                       bidirectional, cfg["dropout"], cfg.get("pooling", "last"))
